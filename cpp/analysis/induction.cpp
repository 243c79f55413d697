#include "analysis/induction.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "model/generation.h"

namespace attention_lab::analysis {

double prefix_matching_score(const float* attention, int seq_len, int half) {
  if (half < 2 || seq_len < 2 * half) return 0.0;
  double total = 0;
  for (int i = half; i < 2 * half; ++i) total += attention[static_cast<std::size_t>(i) * seq_len + (i - half + 1)];
  return total / half;
}

bool induction_earned(double score, double twin_score) {
  return score >= kInductionScore && score >= twin_score + kInductionMargin;
}

std::vector<std::vector<int>> induction_sequences(int vocab_size, const InductionOptions& options) {
  SplitMix64 random(options.seed);
  const int first = std::min(std::max(options.first_id, kFirstWritableId), vocab_size - 1);
  const std::uint64_t range = static_cast<std::uint64_t>(vocab_size - first);
  std::vector<std::vector<int>> out;
  for (int t = 0; t < options.trials; ++t) {
    std::vector<int> ids;
    for (int i = 0; i < options.half; ++i) ids.push_back(first + static_cast<int>(random.next() % range));
    for (int i = 0; i < options.half; ++i) ids.push_back(ids[static_cast<std::size_t>(i)]);
    out.push_back(std::move(ids));
  }
  return out;
}

InductionResult measure_induction(const TransformerParams<float>& params, const PackedTransformer& packed,
                                  const InductionOptions& options) {
  const TransformerConfig& c = params.config;
  const int heads = c.num_layers * c.num_heads, n = 2 * options.half;
  InductionResult result;
  result.prefix_matching.assign(static_cast<std::size_t>(heads), 0.0);
  const std::vector<std::vector<int>> sequences = induction_sequences(c.vocab_size, options);
  if (!sequences.empty()) result.example = sequences.front();
  double first_total = 0, second_total = 0, first_count = 0, second_count = 0;
  TransformerRun run;
  for (const std::vector<int>& ids : sequences) {
    // 1. Every head's prefix-matching score on this sequence.
    run_transformer(params, packed, ids, c.causal, run);
    for (int h = 0; h < heads; ++h) {
      result.prefix_matching[static_cast<std::size_t>(h)] +=
          prefix_matching_score(run.attention.data() + static_cast<std::size_t>(h) * n * n, n, options.half);
    }
    if (!c.causal) continue;
    // 2. Next-word loss on each copy: row i predicts ids[i + 1].
    for (int i = 0; i + 1 < n; ++i) {
      const float* row = run.logits.data() + static_cast<std::size_t>(i) * c.vocab_size;
      double top = -std::numeric_limits<double>::infinity(), total = 0;
      for (int w = 0; w < c.vocab_size; ++w) top = std::max(top, static_cast<double>(row[w]));
      for (int w = 0; w < c.vocab_size; ++w) total += std::exp(row[w] - top);
      const double loss = -(row[ids[static_cast<std::size_t>(i + 1)]] - top - std::log(total));
      if (i + 1 < options.half) {
        first_total += loss;
        first_count += 1;
      } else if (i + 1 > options.half) {  // the second copy's first token cannot be known
        second_total += loss;
        second_count += 1;
      }
    }
  }
  for (double& score : result.prefix_matching) score /= std::max(1, options.trials);
  result.loss_first = first_count > 0 ? first_total / first_count : 0.0;
  result.loss_second = second_count > 0 ? second_total / second_count : 0.0;
  return result;
}

}  // namespace attention_lab::analysis
