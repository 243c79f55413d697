// Batching, masking, initialisation, n-gram baselines and head statistics for
// the masked-language-model trainer. Native only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mlm.h"
#include "analysis/head_roles.h"
#include "model/seeded_model.h"
#include "model/transformer.h"
#include "model/inference.h"
#include "model/model_file.h"

namespace attention_lab::train {

using Sentence = std::vector<int>;

std::vector<std::string> read_lines(const std::string& path);

// BERT-style masking: each position is chosen with probability mask_rate (at
// least one per sentence); a chosen position becomes <mask> 80% of the time,
// a random word 10%, itself 10%.
Batch make_batch(const std::vector<const Sentence*>& sentences, SeededGenerator& random, double mask_rate,
                 int vocab_size);

// Next-word prediction (a causal model): inputs unchanged, row i predicts the
// word at i + 1 (the last word of a sequence predicts nothing).
Batch make_next_word_batch(const std::vector<const Sentence*>& sentences);

// A passage written twice: its first min(size, max_len / 2) tokens, then the
// same tokens again (a causal model's training sequence that rewards copying
// what followed a word's earlier occurrence: the induction heads' job, Olsson
// et al. 2022). Natural text repeats names and phrases far too rarely in a
// corpus of this size for a small model to learn that (the writer trained
// without repeats has no induction head). With max_len < 2 the passage is
// returned as it is.
Sentence repeat_passage(const Sentence& passage, int max_len);

// Random words written twice: `length` ids drawn uniformly from the words of
// the vocabulary (not the special tokens), then the same ids again. Only an
// induction head predicts the second copy: no statistics of text help.
Sentence repeat_random_words(int length, int vocab_size, SeededGenerator& random);

// Rounds every parameter to float16 and back (what the shipped file holds).
void quantise_to_half(TransformerParams<float>& params);

// Held-out losses of simple models on exactly the rows a batch masks, using
// the true neighbours (which only helps the baselines).
class NgramBaselines {
 public:
  NgramBaselines(const std::vector<Sentence>& train, int vocab_size);
  double unigram(const Batch& batch) const;           // mean -log P(w)
  double bigram(const Batch& batch) const;            // mean -log P(w | previous word)
  double bigram_both_sides(const Batch& batch) const; // mean -log P(w | previous, next) ∝ P(w|prev) P(next|w)
  double next_word_bigram(const Batch& batch) const;  // next-word batches: mean -log P(target | the row's own word)

 private:
  double p_unigram(int w) const;
  double p_bigram(int previous, int w) const;  // Witten-Bell interpolated with the unigram
  int vocab_size_;
  std::vector<double> unigram_counts_;
  double total_ = 0;
  std::vector<std::vector<std::pair<int, double>>> followers_;  // sorted by id
  std::vector<double> previous_totals_, previous_types_;
};

// (num_layers * num_heads) statistics over held-out sentences, computed with
// the inference path (the same kernels as the browser).
std::vector<analysis::HeadStatistics> head_statistics(const TransformerParams<float>& params, const Vocabulary& vocabulary,
                                            const std::vector<Sentence>& sentences);

}  // namespace attention_lab::train
