// The analysis core's head statistics and label rule against hand-computed cases.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/head_roles.h"
#include "analysis/importance.h"

namespace attention_lab::analysis {
namespace {

// A 4-token sentence "the cat sat ." whose head puts its strongest link on
// the previous token in rows 1-3 and on itself in row 0.
const std::vector<float> kPreviousHead = {
    0.7f, 0.1f, 0.1f, 0.1f,  //
    0.6f, 0.2f, 0.1f, 0.1f,  //
    0.1f, 0.6f, 0.2f, 0.1f,  //
    0.1f, 0.1f, 0.7f, 0.1f};

TEST(HeadRoles, SharesCountOnlyTheRowsWhereARelationExists) {
  HeadTally tally;
  tally.add(kPreviousHead.data(), 4, 4, {false, false, false, true});
  const HeadStatistics s = tally.statistics();
  EXPECT_DOUBLE_EQ(s.share(Relation::kPrevious), 1.0);  // rows 1, 2, 3 of 3
  EXPECT_DOUBLE_EQ(s.share(Relation::kNext), 0.0);
  EXPECT_DOUBLE_EQ(s.share(Relation::kSelf), 0.25);     // row 0 of 4
  EXPECT_DOUBLE_EQ(s.share(Relation::kFirst), 1.0 / 3);  // row 1 attends to token 0
  EXPECT_DOUBLE_EQ(s.share(Relation::kPunctuation), 0.0);
  const double row0 = -(0.7 * std::log(0.7) + 3 * 0.1 * std::log(0.1));
  EXPECT_NEAR(s.entropy, (2 * row0 + 2 * -(0.6 * std::log(0.6) + 0.2 * std::log(0.2) + 2 * 0.1 * std::log(0.1))) / 4, 1e-6);
  EXPECT_NEAR(s.normalised_entropy, s.entropy / std::log(4.0), 1e-6);
  const RoleDecision role = decide_role(s);
  EXPECT_EQ(role.kind, "relation");
  EXPECT_EQ(role.relation, Relation::kPrevious);
}

// What the kernel reports per row (strongest link, entropy) gives the same
// statistics as the weights they come from; a wrong strongest link changes them.
TEST(HeadRoles, StrongestLinksAndEntropiesStandInForTheWeights) {
  const std::vector<bool> punctuation = {false, false, false, true};
  const std::vector<float> entropy = {0.9f, 1.1f, 1.2f, 0.8f};
  const std::vector<int> strongest = {0, 0, 1, 2};  // kPreviousHead's first maximum per row
  HeadTally from_weights, from_rows, from_wrong_rows;
  from_weights.add(kPreviousHead.data(), 4, 4, punctuation, false, entropy.data());
  from_rows.add_strongest(strongest.data(), entropy.data(), 4, 4, punctuation);
  const std::vector<int> wrong = {0, 0, 1, 3};
  from_wrong_rows.add_strongest(wrong.data(), entropy.data(), 4, 4, punctuation);
  const HeadStatistics a = from_weights.statistics(), b = from_rows.statistics(), c = from_wrong_rows.statistics();
  for (int r = 0; r < kRelationCount; ++r) EXPECT_DOUBLE_EQ(a.shares[r], b.shares[r]) << relation_key(static_cast<Relation>(r));
  EXPECT_DOUBLE_EQ(a.entropy, b.entropy);
  EXPECT_DOUBLE_EQ(a.normalised_entropy, b.normalised_entropy);
  EXPECT_NE(a.share(Relation::kPrevious), c.share(Relation::kPrevious));
  EXPECT_NE(a.share(Relation::kPunctuation), c.share(Relation::kPunctuation));
}

TEST(HeadRoles, BroadMixedTooShortAndCross) {
  // near-uniform rows whose peaks (2, 3, 0, 1) satisfy no relation in 90% of rows
  std::vector<float> flat_weights(16, 0.74f / 3);
  const int peaks[4] = {2, 3, 0, 1};
  for (int i = 0; i < 4; ++i) flat_weights[static_cast<std::size_t>(i * 4 + peaks[i])] = 0.26f;
  HeadTally flat;
  flat.add(flat_weights.data(), 4, 4, {false, false, false, false});
  EXPECT_GT(flat.statistics().normalised_entropy, 0.99);
  EXPECT_EQ(decide_role(flat.statistics()).kind, "broad");
  // exactly uniform rows peak on the first token (the first maximum): that is a relation
  const std::vector<float> uniform(9, 1.0f / 3);
  HeadTally first;
  first.add(uniform.data(), 3, 3, {false, false, false});
  EXPECT_EQ(decide_role(first.statistics()).relation, Relation::kFirst);

  // a causal head spreading evenly over what it may see is broad, not "half
  // uniform": row i is measured against log(i + 1), and row 0 has no choice
  std::vector<float> causal_uniform(16, 0.0f);
  for (int i = 0; i < 4; ++i) for (int j = 0; j <= i; ++j) causal_uniform[static_cast<std::size_t>(i * 4 + j)] = 1.0f / (i + 1);
  HeadTally causal;
  causal.add(causal_uniform.data(), 4, 4, {false, false, false, false}, false, nullptr, true);
  EXPECT_NEAR(causal.statistics().normalised_entropy, 1.0, 1e-6);
  HeadTally as_if_bidirectional;
  as_if_bidirectional.add(causal_uniform.data(), 4, 4, {false, false, false, false});
  EXPECT_LT(as_if_bidirectional.statistics().normalised_entropy, 0.6);

  HeadTally two;
  two.add(kPreviousHead.data(), 2, 4, {false, false, false, false});
  EXPECT_EQ(decide_role(two.statistics()).kind, "too-short");

  HeadStatistics mixed;
  mixed.rows = 10;
  mixed.shares[static_cast<int>(Relation::kNext)] = 0.89;
  mixed.normalised_entropy = 0.5;
  const RoleDecision near = decide_role(mixed);
  EXPECT_EQ(near.kind, "mixed");
  EXPECT_EQ(near.relation, Relation::kNext);  // the closest relation and its share, for the evidence
  EXPECT_DOUBLE_EQ(near.value, 0.89);
  mixed.shares[static_cast<int>(Relation::kNext)] = 0.9;
  EXPECT_EQ(decide_role(mixed).kind, "relation");

  HeadTally cross;
  cross.add(kPreviousHead.data(), 4, 4, {true, false, false, false}, true);
  const HeadStatistics c = cross.statistics();
  EXPECT_TRUE(std::isnan(c.share(Relation::kPrevious)));
  EXPECT_DOUBLE_EQ(c.share(Relation::kPunctuation), 0.5);  // rows 0 and 1 peak on the flagged token 0
  EXPECT_EQ(decide_role(c).kind, "mixed");  // no positional label across two sentences
}

TEST(HeadRoles, KeyedCountsSkipRowsWithoutAKey) {
  KeyedCount count;
  const int keys[4] = {-1, 0, 0, 2};
  count_keyed(kPreviousHead.data(), 4, 4, keys, count);
  EXPECT_DOUBLE_EQ(count.rows, 3);
  EXPECT_DOUBLE_EQ(count.hits, 2);  // rows 1 (-> 0) and 3 (-> 2); row 2 peaks on 1
}

TEST(HeadRoles, PunctuationTokens) {
  EXPECT_TRUE(is_punctuation_token("."));
  EXPECT_TRUE(is_punctuation_token("—"));
  EXPECT_FALSE(is_punctuation_token("cat"));
}

// A label on held-out text must hold on every kind of text, clear of the bar.
TEST(HeadRoles, RolesMustHoldOnEveryKindOfText) {
  HeadStatistics definitions, quotations;
  definitions.rows = quotations.rows = 100;
  definitions.shares[static_cast<int>(Relation::kPrevious)] = 0.97;
  quotations.shares[static_cast<int>(Relation::kPrevious)] = 0.95;
  CombinedRole both = decide_role_on_all({definitions, quotations});
  EXPECT_EQ(both.decision.kind, "relation");
  EXPECT_EQ(both.decision.relation, Relation::kPrevious);
  EXPECT_NEAR(both.margin, 0.05, 1e-12);
  quotations.shares[static_cast<int>(Relation::kPrevious)] = 0.91;  // met, but within 2 points of the bar
  both = decide_role_on_all({definitions, quotations});
  EXPECT_EQ(both.decision.kind, "mixed");
  EXPECT_TRUE(both.on_edge);
  quotations.shares[static_cast<int>(Relation::kPrevious)] = 0.6;  // holds on one kind only
  both = decide_role_on_all({definitions, quotations});
  EXPECT_EQ(both.decision.kind, "mixed");
  EXPECT_FALSE(both.on_edge);
  EXPECT_NEAR(both.margin, -0.3, 1e-12);
  // broad on one kind, mixed on the other: mixed
  definitions = HeadStatistics{};
  definitions.rows = 100;
  definitions.normalised_entropy = 0.93;
  quotations = definitions;
  quotations.normalised_entropy = 0.88;
  EXPECT_EQ(decide_role_on_all({definitions, quotations}).decision.kind, "mixed");
  quotations.normalised_entropy = 0.95;
  EXPECT_EQ(decide_role_on_all({definitions, quotations}).decision.kind, "broad");
}

// The experiments' "changed by": relative L2 distance and cosine similarity, by hand.
TEST(OutputChange, ByHand) {
  const float reference[3] = {3, 4, 0};
  const float changed[3] = {3, 0, 0};
  const OutputChange change = output_change(changed, reference, 3);
  EXPECT_DOUBLE_EQ(change.relative, 4.0 / 5.0);  // |(0, -4, 0)| / |(3, 4, 0)|
  EXPECT_DOUBLE_EQ(change.cosine, 9.0 / (5.0 * 3.0));
  const float zeros[3] = {0, 0, 0};
  EXPECT_DOUBLE_EQ(output_change(changed, zeros, 3).relative, 0.0);
  EXPECT_DOUBLE_EQ(output_change(zeros, reference, 3).cosine, 1.0);
}

}  // namespace
}  // namespace attention_lab::analysis

namespace attention_lab::analysis {
namespace {

// The block-wise SIMD argmax against a plain first-maximum scan: widths
// around the block of 16 and the lane width, ties (the first one wins),
// the maximum in the tail, a row of equal weights, a row of zeros.
TEST(HeadRoles, ArgmaxOfRowIsThePlainScansFirstMaximum) {
  auto plain = [](const std::vector<float>& row) {
    int best = 0;
    for (int j = 1; j < static_cast<int>(row.size()); ++j) if (row[j] > row[best]) best = j;
    return best;
  };
  std::uint64_t state = 7;
  auto next = [&] { state = state * 6364136223846793005ULL + 1442695040888963407ULL; return static_cast<float>((state >> 40) % 50) / 49.0f; };
  int checked = 0;
  for (int width : {1, 2, 3, 4, 5, 15, 16, 17, 31, 32, 33, 47, 64, 100, 1024}) {
    for (int trial = 0; trial < 40; ++trial) {
      std::vector<float> row(static_cast<std::size_t>(width));
      for (float& v : row) v = next();  // only 50 levels: many ties
      if (trial == 1) std::fill(row.begin(), row.end(), 0.25f);
      if (trial == 2) std::fill(row.begin(), row.end(), 0.0f);
      if (trial == 3) row.back() = 2.0f;                       // in the tail
      if (trial == 4 && width > 20) row[17] = row[3] = 3.0f;   // a tie across blocks: the first
      ASSERT_EQ(argmax_of_row(row.data(), width), plain(row)) << "width " << width << " trial " << trial;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 15 * 40);
}

}  // namespace
}  // namespace attention_lab::analysis
