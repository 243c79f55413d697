// Induction heads (Olsson et al. 2022), measured with the standard test: a
// sequence of random tokens repeated twice. In the second copy, an induction
// head attends from each token to the token that followed its earlier
// occurrence ("prefix matching"), so the model can copy what came next, and
// its loss on the second copy falls far below the first (in-context learning).
//
// attention: (seq_len, seq_len) of one head, rows sum to 1; the sequence is
// tokens [0, half) followed by the same tokens again, seq_len = 2 * half.
#pragma once

#include <cstdint>
#include <vector>

#include "model/inference.h"
#include "model/transformer.h"

namespace attention_lab::analysis {

// Mean, over the second copy's positions i in [half, 2 * half), of the weight
// row i gives to position i - half + 1 (the token after the earlier occurrence).
double prefix_matching_score(const float* attention, int seq_len, int half);

// The label rule: a head is an induction head when its prefix-matching score
// is at least kInductionScore and at least kInductionMargin above the same
// head of the untrained twin (same architecture, random weights).
constexpr double kInductionScore = 0.4;
constexpr double kInductionMargin = 0.2;
bool induction_earned(double score, double twin_score);

struct InductionOptions {
  int half = 20;              // tokens in each copy
  int trials = 16;            // sequences averaged
  std::uint64_t seed = 1;
  int first_id = 100;         // tokens drawn uniformly from [first_id, vocab): ordinary words, not the most frequent
};

struct InductionResult {
  std::vector<double> prefix_matching;  // (num_layers * num_heads)
  double loss_first = 0;                // mean next-word loss (nats) predicting tokens 1..half-1 of the first copy
  double loss_second = 0;               // ... predicting the second copy's tokens half+1..2*half-1
  std::vector<int> example;             // the first trial's sequence (2 * half ids)
};

// Runs the test on a model (the inference path). Losses are measured only
// for causal models (an encoder sees the word it should predict), else 0.
InductionResult measure_induction(const TransformerParams<float>& params, const PackedTransformer& packed,
                                  const InductionOptions& options);

// The test's sequences: trials × (2 * half) ids, each a random first copy repeated.
std::vector<std::vector<int>> induction_sequences(int vocab_size, const InductionOptions& options);

}  // namespace attention_lab::analysis
