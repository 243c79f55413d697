// A trained model's held-out loss against the n-gram baselines, and the JSON
// metadata a model file carries about its training (the widget shows both).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/head_roles.h"
#include "corpus.h"
#include "model/transformer.h"

namespace attention_lab::train {

struct Evaluation {
  double model = 0, unigram = 0, bigram = 0, bigram_both = 0;
  std::size_t predictions = 0;
};

// Deterministic masking (its own seed), so every run scores the same positions.
// A causal model is scored on next words against the next-word bigram.
Evaluation evaluate(const TransformerParams<float>& params, const std::vector<Sentence>& heldout,
                    const NgramBaselines& baselines);

void print_evaluation(const Evaluation& e, bool causal);

// What a training run was, as its model file records it.
struct TrainingRecord {
  std::string train_path;      // the corpus ("corpus-large" in it names the large one)
  std::uint64_t seed = 0;
  int steps = 0;               // all steps the weights have had (a continued run counts the earlier ones)
  int last_steps = 0;          // this run's steps (the repeats' schedule)
  int batch_tokens = 0;
  std::size_t tokens_seen = 0;
  double seconds = 0;
  double repeat_share = 0, random_repeat_share = 0;
};

// The model file's metadata JSON: the run, the held-out losses and each head's positional shares.
std::string metadata(const TrainingRecord& run, const TransformerConfig& c, std::size_t parameters, const Evaluation& e,
                     const std::vector<analysis::HeadStatistics>& heads);

}  // namespace attention_lab::train
