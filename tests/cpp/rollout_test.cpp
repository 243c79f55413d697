// Attention rollout and flow against hand-computed graphs, Spearman's rank
// correlation, and the ablation check on a model.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "analysis/rollout.h"
#include "model/inference.h"
#include "model/transformer.h"

namespace attention_lab::analysis {
namespace {

// Two layers, one head, two words: A_1 swaps the words, A_2 sends both to word 0.
//   Â_1 = 0.5·A_1 + 0.5·I = [[.5 .5] [.5 .5]]      Â_2 = [[1 0] [.5 .5]]
const std::vector<float> kTwoLayers = {0, 1, 1, 0, /* layer 2 */ 1, 0, 1, 0};

TEST(Rollout, ResidualAttentionAveragesHeadsAndAddsTheIdentity) {
  // one layer, two heads: the mean is [[.5 .5] [.25 .75]]
  const std::vector<float> attention = {1, 0, 0.5f, 0.5f, /* head 2 */ 0, 1, 0, 1};
  const std::vector<double> mixed = residual_attention(attention.data(), 2, 2, 0);
  const std::vector<double> expected = {0.75, 0.25, 0.125, 0.875};
  for (std::size_t k = 0; k < 4; ++k) EXPECT_DOUBLE_EQ(mixed[k], expected[k]);
}

TEST(Rollout, IsTheProductOfTheLayersFromTheTop) {
  const std::vector<double> rollout = attention_rollout(kTwoLayers.data(), 2, 1, 2);
  // Â_2 · Â_1 = [[1·.5 + 0·.5, 1·.5 + 0·.5], [.5·.5 + .5·.5, same]] = all 0.5
  for (double value : rollout) EXPECT_DOUBLE_EQ(value, 0.5);
  // one layer: the rollout is that layer's Â
  const std::vector<double> one = attention_rollout(kTwoLayers.data() + 4, 1, 1, 2);
  EXPECT_DOUBLE_EQ(one[0], 1.0);
  EXPECT_DOUBLE_EQ(one[2], 0.5);
}

TEST(Flow, MatchesMaximumFlowsWorkedByHand) {
  // from the top of word 0: its only edge goes to (1, 0) with capacity 1, which
  // passes 0.5 to each input word
  const std::vector<double> from0 = attention_flow(kTwoLayers.data(), 2, 1, 2, 0);
  EXPECT_NEAR(from0[0], 0.5, 1e-12);
  EXPECT_NEAR(from0[1], 0.5, 1e-12);
  // from the top of word 1: 0.5 through each middle node, each of which can pass
  // 0.5 to word 0: 1.0 in all (rollout says 0.5: flow counts capacity, not shares)
  const std::vector<double> from1 = attention_flow(kTwoLayers.data(), 2, 1, 2, 1);
  EXPECT_NEAR(from1[0], 1.0, 1e-12);
  EXPECT_NEAR(from1[1], 1.0, 1e-12);
  // one layer: the flow is the edge itself
  const std::vector<double> single = attention_flow(kTwoLayers.data() + 4, 1, 1, 2, 1);
  EXPECT_NEAR(single[0], 0.5, 1e-12);
  EXPECT_NEAR(single[1], 0.5, 1e-12);
  EXPECT_TRUE(attention_flow(kTwoLayers.data(), 2, 1, 2, 2).empty());  // no such word
}

TEST(Flow, CountsCapacityAlongParallelPathsWhereRolloutCountsShares) {
  // three words, two layers. Layer 1: every word attends only to word 0, so
  // Â_1 rows: [1 0 0], [.5 .5 0], [.5 0 .5]. Layer 2: word 2 attends only to
  // word 1: Â_2 row 2 = [0 .5 .5]. From the top of word 2 to input word 0:
  // top(2) -> mid(1) [.5] -> in(0) [.5] and top(2) -> mid(2) [.5] -> in(0) [.5]: flow 1.0,
  // while rollout gives .5·.5 + .5·.5 = 0.5.
  std::vector<float> attention(2 * 9, 0.0f);
  attention[0 * 3 + 0] = 1;  // layer 1, row 0: itself
  attention[1 * 3 + 0] = 1;
  attention[2 * 3 + 0] = 1;
  attention[9 + 0 * 3 + 0] = 1;  // layer 2
  attention[9 + 1 * 3 + 1] = 1;
  attention[9 + 2 * 3 + 1] = 1;
  const std::vector<double> flow = attention_flow(attention.data(), 2, 1, 3, 2);
  EXPECT_NEAR(flow[0], 1.0, 1e-12);
  EXPECT_NEAR(attention_rollout(attention.data(), 2, 1, 3)[2 * 3 + 0], 0.5, 1e-12);
  EXPECT_NEAR(flow[1], 0.5, 1e-12);   // only through mid(1): its edge to in(1) is 0.5
  EXPECT_NEAR(flow[2], 0.5, 1e-12);   // only through mid(2) -> in(2), capacity 0.5
}

TEST(Spearman, RanksWithTies) {
  EXPECT_DOUBLE_EQ(spearman({1, 2, 3}, {10, 20, 30}), 1.0);
  EXPECT_DOUBLE_EQ(spearman({1, 2, 3}, {3, 2, 1}), -1.0);
  EXPECT_NEAR(spearman({1, 1, 2}, {1, 2, 3}), 1.5 / std::sqrt(3.0), 1e-12);
  EXPECT_DOUBLE_EQ(spearman({1, 1, 1}, {1, 2, 3}), 0.0);
}

TEST(Flow, SixtyFourTokensFourLayersInReasonableTime) {
  TransformerParams<float> params;
  params.allocate({80, 32, 8, 4, 64, 64});
  initialise_transformer(params, 4, 0.3f);
  std::vector<int> ids;
  for (int i = 0; i < 64; ++i) ids.push_back(3 + (i * 7) % 77);
  TransformerRun run;
  run_transformer(params, ids, false, run);
  const auto start = std::chrono::steady_clock::now();
  const std::vector<double> flow = attention_flow(run.attention.data(), 4, 8, 64, 30);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("attention flow, one word, 64 tokens, 4 layers: %.1f ms\n", ms);
  ASSERT_EQ(flow.size(), 64u);
  for (double value : flow) {
    EXPECT_GE(value, 0.0);
    EXPECT_LE(value, 1.0 + 1e-9);
  }
  const std::vector<double> rollout = attention_rollout(run.attention.data(), 4, 8, 64);
  double row = 0;
  for (int j = 0; j < 64; ++j) row += rollout[30 * 64 + j];
  EXPECT_NEAR(row, 1.0, 1e-9);
}

TEST(Ablation, CorrelationsAreMeasuredOnEverySentenceThatFits) {
  TransformerParams<float> params;
  params.allocate({60, 16, 2, 2, 32, 16});
  initialise_transformer(params, 6, 0.3f);
  PackedTransformer packed;
  pack_transformer(params, packed);
  const std::vector<std::vector<int>> sentences = {{5, 6, 7, 8, 9}, {10, 11, 12, 13, 14, 15, 16}, {4, 5}, std::vector<int>(20, 7)};
  const AblationCorrelation c = correlate_with_ablation(params, packed, sentences);
  EXPECT_EQ(c.sentences, 2);  // too short, and too long for the model
  for (double r : {c.raw, c.rollout, c.flow}) {
    EXPECT_GE(r, -1.0);
    EXPECT_LE(r, 1.0);
  }
}

// The check written out the plain way: every ablated run a full one with all
// its logits (the engine keeps only the middle row's hidden state and takes
// the logits of a sentence's runs in one product).
TEST(Ablation, EqualsTheCheckComputedFromFullRuns) {
  TransformerParams<float> params;
  params.allocate({60, 16, 2, 2, 32, 16});
  initialise_transformer(params, 9, 0.3f);
  PackedTransformer packed;
  pack_transformer(params, packed);
  const std::vector<std::vector<int>> sentences = {{5, 6, 7, 8, 9}, {10, 11, 12, 13, 14, 15, 16}, {20, 31, 22, 43}};
  AblationCorrelation expected;
  TransformerRun run;
  for (const std::vector<int>& sentence : sentences) {
    const int n = static_cast<int>(sentence.size()), middle = n / 2, word = sentence[static_cast<std::size_t>(middle)];
    std::vector<int> ids = sentence;
    ids[static_cast<std::size_t>(middle)] = Vocabulary::kMask;
    run_transformer(params, packed, ids, true, run);
    const double base = log_probability(run.logits.data() + static_cast<std::size_t>(middle) * 60, 60, word);
    const std::vector<float> attention = run.attention;
    const std::vector<double> last = residual_attention(attention.data(), 2, n, 1);
    const std::vector<double> rollout = attention_rollout(attention.data(), 2, 2, n);
    const std::vector<double> flow = attention_flow(attention.data(), 2, 2, n, middle);
    std::vector<double> importance, raw_row, rollout_row, flow_row;
    for (int j = 0; j < n; ++j) {
      if (j == middle) continue;
      std::vector<int> ablated = ids;
      ablated[static_cast<std::size_t>(j)] = Vocabulary::kMask;
      run_transformer(params, packed, ablated, true, run);
      importance.push_back(base - log_probability(run.logits.data() + static_cast<std::size_t>(middle) * 60, 60, word));
      raw_row.push_back(last[static_cast<std::size_t>(middle * n + j)]);
      rollout_row.push_back(rollout[static_cast<std::size_t>(middle * n + j)]);
      flow_row.push_back(flow[static_cast<std::size_t>(j)]);
    }
    expected.raw += spearman(importance, raw_row) / 3;
    expected.rollout += spearman(importance, rollout_row) / 3;
    expected.flow += spearman(importance, flow_row) / 3;
  }
  const AblationCorrelation c = correlate_with_ablation(params, packed, sentences);
  EXPECT_EQ(c.sentences, 3);
  EXPECT_NEAR(c.raw, expected.raw, 1e-9);
  EXPECT_NEAR(c.rollout, expected.rollout, 1e-9);
  EXPECT_NEAR(c.flow, expected.flow, 1e-9);
}

}  // namespace
}  // namespace attention_lab::analysis
