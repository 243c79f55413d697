// Induction heads: the prefix-matching score on hand-built matrices, the
// repeated random sequences, the label rule, and the test run on a model.
#include <gtest/gtest.h>

#include <vector>

#include "analysis/induction.h"
#include "model/inference.h"
#include "model/transformer.h"

namespace attention_lab::analysis {
namespace {

TEST(Induction, PrefixMatchingReadsTheTokenAfterTheEarlierOccurrence) {
  // tokens a b c a b c: row 3 (second a) should look at 1 (b), row 4 at 2, row 5 at 3
  const int half = 3, n = 6;
  std::vector<float> perfect(n * n, 0.0f), partial(n * n, 0.0f), previous(n * n, 0.0f);
  for (int i = 0; i < n; ++i) {
    perfect[i * n + (i >= half ? i - half + 1 : 0)] = 1.0f;
    previous[i * n + (i > 0 ? i - 1 : 0)] = 1.0f;  // a previous-token head is not an induction head
  }
  partial[3 * n + 1] = 0.5f, partial[3 * n + 0] = 0.5f;
  partial[4 * n + 2] = 1.0f;
  partial[5 * n + 3] = 0.25f, partial[5 * n + 4] = 0.75f;
  EXPECT_DOUBLE_EQ(prefix_matching_score(perfect.data(), n, half), 1.0);
  EXPECT_DOUBLE_EQ(prefix_matching_score(partial.data(), n, half), (0.5 + 1.0 + 0.25) / 3);
  EXPECT_DOUBLE_EQ(prefix_matching_score(previous.data(), n, half), 0.0);
  EXPECT_DOUBLE_EQ(prefix_matching_score(perfect.data(), 5, half), 0.0);  // too short to hold two copies
}

TEST(Induction, LabelNeedsTheThresholdAndTheMarginOverTheTwin) {
  EXPECT_TRUE(induction_earned(0.45, 0.05));
  EXPECT_FALSE(induction_earned(0.39, 0.0));   // under the bar
  EXPECT_FALSE(induction_earned(0.6, 0.45));   // the random twin does nearly as well: position, not learning
}

TEST(Induction, SequencesAreARandomCopyRepeatedAndReproducible) {
  InductionOptions options;
  options.half = 7;
  options.trials = 5;
  options.seed = 3;
  const auto a = induction_sequences(500, options), b = induction_sequences(500, options);
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a, b);
  for (const auto& ids : a) {
    ASSERT_EQ(ids.size(), 14u);
    for (int i = 0; i < 7; ++i) {
      EXPECT_EQ(ids[i], ids[i + 7]);
      EXPECT_GE(ids[i], 100);
      EXPECT_LT(ids[i], 500);
    }
  }
  EXPECT_NE(a[0], a[1]);
}

TEST(Induction, MeasuredOnAModelWithLossesOnBothCopies) {
  TransformerParams<float> params;
  TransformerConfig config{300, 16, 2, 2, 32, 40};
  config.causal = true;
  params.allocate(config);
  initialise_transformer(params, 2);
  PackedTransformer packed;
  pack_transformer(params, packed);
  InductionOptions options;
  options.half = 10;
  options.trials = 4;
  const InductionResult result = measure_induction(params, packed, options);
  ASSERT_EQ(result.prefix_matching.size(), 4u);
  // a random model has no reason to prefer the induction target: about the
  // uniform share 1/(i+1) over the second copy's rows
  for (double score : result.prefix_matching) {
    EXPECT_GT(score, 0.02);
    EXPECT_LT(score, 0.15);
  }
  EXPECT_GT(result.loss_first, 5.0);  // about log(300) for small random weights
  EXPECT_NEAR(result.loss_second, result.loss_first, 0.5);
  EXPECT_EQ(result.example.size(), 20u);
}

}  // namespace
}  // namespace attention_lab::analysis
