// The live trainer: its tasks' examples are right (checked against an
// independent reading of each task's rule), options are checked, the
// copy-previous task grows a previous-token head, and several heads beat one
// head of the same width where two relations are needed at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "live_trainer.h"

namespace attention_lab::train {
namespace {

std::unique_ptr<LiveTrainer> make(LiveOptions options, const std::vector<std::string>& text = {}) {
  std::string problem;
  std::unique_ptr<LiveTrainer> trainer = LiveTrainer::create(options, text, problem);
  EXPECT_TRUE(trainer) << problem;
  return trainer;
}

LiveOptions task(const std::string& id, int heads = 4) {
  LiveOptions options;
  options.task = id;
  options.num_heads = heads;
  return options;
}

double best_score(const LiveTrainer& trainer, std::size_t role) {
  double best = 0;
  for (const HeadRole& head : trainer.roles()) best = std::max(best, head.scores[role]);
  return best;
}

TEST(LiveTrainer, ExamplesFollowEachTasksRule) {
  SeededGenerator random(3);
  auto copy = make(task("copy-previous"));
  auto reverse = make(task("reverse"));
  auto brackets = make(task("brackets"));
  auto induction = make(task("induction"));
  auto neighbours = make(task("neighbours"));
  const std::vector<std::string> closers = {")", "]", "}", ">"};
  std::set<int> offsets, repeat_starts;  // induction: no fixed offset or position gives the answer
  for (int trial = 0; trial < 50; ++trial) {
    const TaskExample c = copy->generate(random);
    for (std::size_t i = 0; i < c.ids.size(); ++i) EXPECT_EQ(c.targets[i], i == 0 ? -1 : c.ids[i - 1]);
    const TaskExample r = reverse->generate(random);
    for (std::size_t i = 0; i < r.ids.size(); ++i) EXPECT_EQ(r.targets[i], r.ids[r.ids.size() - 1 - i]);
    // brackets: replay with a stack of the opener ids; every "?" (4) closes the latest opener
    const TaskExample b = brackets->generate(random);
    std::vector<std::size_t> stack;
    for (std::size_t i = 0; i < b.ids.size(); ++i) {
      if (b.ids[i] == 4) {
        ASSERT_FALSE(stack.empty());
        EXPECT_EQ(brackets->vocabulary()[static_cast<std::size_t>(b.targets[i])],
                  closers[static_cast<std::size_t>(b.ids[stack.back()])]);
        EXPECT_EQ(b.role_keys[0][i], static_cast<int>(stack.back()));
        stack.pop_back();
      } else {
        EXPECT_LT(b.ids[i], 4);
        EXPECT_EQ(b.targets[i], -1);
        stack.push_back(i);
      }
    }
    EXPECT_TRUE(stack.empty());
    // induction: where a target exists, the token occurred exactly once before,
    // and the target (and the induction key) is the token after that occurrence
    const TaskExample d = induction->generate(random);
    int supervised = 0;
    for (std::size_t i = 0; i < d.ids.size(); ++i) {
      if (d.targets[i] < 0) continue;
      ++supervised;
      std::vector<std::size_t> earlier;
      for (std::size_t j = 0; j < i; ++j) {
        if (d.ids[j] == d.ids[i]) earlier.push_back(j);
      }
      ASSERT_EQ(earlier.size(), 1u) << "a supervised token occurs once before, so the answer is unique";
      EXPECT_EQ(d.targets[i], d.ids[earlier[0] + 1]);
      EXPECT_EQ(d.role_keys[1][i], static_cast<int>(earlier[0] + 1));
      offsets.insert(static_cast<int>(i - earlier[0]));
      repeat_starts.insert(static_cast<int>(i));
    }
    EXPECT_GE(supervised, 3);
    const TaskExample n = neighbours->generate(random);
    for (std::size_t i = 1; i + 1 < n.ids.size(); ++i) {
      const std::string expected = n.ids[i - 1] < n.ids[i + 1] ? "<" : n.ids[i - 1] == n.ids[i + 1] ? "=" : ">";
      EXPECT_EQ(neighbours->vocabulary()[static_cast<std::size_t>(n.targets[i])], expected);
    }
  }
  EXPECT_GE(offsets.size(), 8u);
  EXPECT_GE(repeat_starts.size(), 12u);
}

TEST(LiveTrainer, RejectsBadOptionsWithAMessage) {
  std::string problem;
  LiveOptions options = task("copy-previous", 5);
  EXPECT_FALSE(LiveTrainer::create(options, {}, problem));
  EXPECT_NE(problem.find("divide"), std::string::npos) << problem;
  EXPECT_FALSE(LiveTrainer::create(task("sorting"), {}, problem));
  EXPECT_NE(problem.find("unknown task"), std::string::npos) << problem;
  options = task("copy-previous");
  options.learning_rate = std::nan("");
  EXPECT_FALSE(LiveTrainer::create(options, {}, problem));
  EXPECT_NE(problem.find("learning rate"), std::string::npos) << problem;
  EXPECT_FALSE(LiveTrainer::create(task("text"), {"too few sentences"}, problem));
  EXPECT_NE(problem.find("200"), std::string::npos) << problem;
}

TEST(LiveTrainer, CopyPreviousGrowsAPreviousTokenHead) {
  auto trainer = make(task("copy-previous"));
  trainer->evaluate();
  const double before = best_score(*trainer, 0);
  EXPECT_LT(before, 0.9) << "untrained heads must not already meet the criterion";
  for (int step = 0; step < 300; ++step) trainer->step();
  const double loss = trainer->evaluate();
  EXPECT_LT(loss, trainer->target_loss());
  EXPECT_GE(best_score(*trainer, 0), 0.95);
  int lit = 0;
  for (const HeadRole& head : trainer->roles()) lit += head.best == 0 ? 1 : 0;
  EXPECT_GE(lit, 1);
  // the probe's attention rows are distributions
  const int n = static_cast<int>(trainer->probe_ids().size());
  const std::vector<float>& attention = trainer->probe_attention();
  ASSERT_EQ(attention.size(), static_cast<std::size_t>(4 * n * n));
  for (int row = 0; row < 4 * n; ++row) {
    float sum = 0;
    for (int j = 0; j < n; ++j) sum += attention[static_cast<std::size_t>(row * n + j)];
    EXPECT_NEAR(sum, 1.0f, 1e-5f);
  }
}

TEST(LiveTrainer, InductionHeadsSeeOnlyThePast) {
  auto trainer = make(task("induction"));
  for (int step = 0; step < 3; ++step) trainer->step();
  trainer->evaluate();
  const int n = static_cast<int>(trainer->probe_ids().size());
  const std::vector<float>& attention = trainer->probe_attention();
  for (std::size_t block = 0; block < attention.size() / static_cast<std::size_t>(n * n); ++block) {
    for (int i = 0; i < n; ++i) {
      for (int j = i + 1; j < n; ++j) EXPECT_EQ(attention[block * n * n + static_cast<std::size_t>(i * n + j)], 0.0f);
    }
  }
}

// The circuits papers' two-head circuit, grown live: the attention-only
// default of the induction task lights a previous-token head in layer 1 and an
// induction head in layer 2 (seed 1 measured at about 2,500 steps; the limit is
// generous, no clock involved).
TEST(LiveTrainer, AttentionOnlyInductionGrowsAPreviousTokenAndAnInductionHead) {
  auto trainer = make(task("induction"));
  EXPECT_EQ(trainer->config().d_ff, 0) << "attention-only by default";
  auto lit = [&](int layer, int role) {
    for (const HeadRole& head : trainer->roles()) {
      if (head.layer == layer && head.best == role) return true;
    }
    return false;
  };
  int step = 0;
  for (; step < 5000 && !(lit(0, 0) && lit(1, 1)); step += 250) {
    for (int s = 0; s < 250; ++s) trainer->step();
    trainer->evaluate();
  }
  EXPECT_TRUE(lit(0, 0)) << "no previous-token head in layer 1 after " << step << " steps";
  EXPECT_TRUE(lit(1, 1)) << "no induction head in layer 2 after " << step << " steps";
  EXPECT_LT(trainer->evaluate(), 0.2);
  // the same seed with MLP blocks is a different model (not attention-only)
  LiveOptions with_mlp = task("induction");
  with_mlp.attention_only = 0;
  EXPECT_GT(make(with_mlp)->config().d_ff, 0);
}

// Brackets, causal and attention-only by default: a layer-2 head learns to
// find the matching opener (seed 1 measured at about 1,500 steps; with the
// bidirectional model and MLP blocks no head passed 83% in 4,000 steps).
TEST(LiveTrainer, CausalAttentionOnlyBracketsGrowAMatchingBracketHead) {
  auto trainer = make(task("brackets"));
  EXPECT_EQ(trainer->config().d_ff, 0);
  EXPECT_TRUE(trainer->task().causal);
  int step = 0;
  for (; step < 5000 && best_score(*trainer, 0) < trainer->task().threshold; step += 250) {
    for (int s = 0; s < 250; ++s) trainer->step();
    trainer->evaluate();
  }
  EXPECT_GE(best_score(*trainer, 0), trainer->task().threshold) << "after " << step << " steps";
  bool second_layer = false;
  for (const HeadRole& head : trainer->roles()) second_layer = second_layer || (head.best == 0 && head.layer == 1);
  EXPECT_TRUE(second_layer) << "the matching needs the first layer's work: the lit head is in layer 2";
}

// Learned cross-attention: the encoder-decoder's heads learn to look at the
// mirrored source letter (>= 90% of rows); the untrained twin, the same
// initial weights, stays near chance (1 in 8).
TEST(LiveTrainer, ReverseAcrossLearnsTheMirroredAlignmentBesideItsUntrainedTwin) {
  auto trainer = make(task("reverse-across"));
  ASSERT_TRUE(trainer->task().cross);
  EXPECT_EQ(trainer->config().num_layers, 1);
  EXPECT_EQ(trainer->config().d_ff, 0);
  const std::vector<HeadRole> twin = trainer->twin_roles();
  ASSERT_EQ(twin.size(), 4u);
  for (const HeadRole& head : twin) EXPECT_LT(head.scores[0], 0.3) << "the twin is untrained";
  const std::vector<float> twin_probe = trainer->twin_probe_attention();
  int step = 0;
  for (; step < 2000 && best_score(*trainer, 0) < 0.9; step += 100) {
    for (int s = 0; s < 100; ++s) trainer->step();
    trainer->evaluate();
  }
  EXPECT_GE(best_score(*trainer, 0), 0.9) << "after " << step << " steps";
  EXPECT_LT(trainer->evaluate(), 0.2);
  // the probe: (1 layer, heads, 8 outputs, 8 source letters), rows sum to 1;
  // the twin's probe was measured once, before training, and has not moved
  const int n = 8;
  ASSERT_EQ(trainer->probe_attention().size(), static_cast<std::size_t>(4 * n * n));
  for (int row = 0; row < 4 * n; ++row) {
    float sum = 0;
    for (int j = 0; j < n; ++j) sum += trainer->probe_attention()[static_cast<std::size_t>(row * n + j)];
    EXPECT_NEAR(sum, 1.0f, 1e-5f);
  }
  EXPECT_EQ(trainer->twin_probe_attention(), twin_probe);
  // the lit head's probe rows peak on the mirrored letter
  for (const HeadRole& head : trainer->roles()) {
    if (head.best != 0) continue;
    const float* weights = trainer->probe_attention().data() + static_cast<std::size_t>(head.head) * n * n;
    for (int i = 0; i < n; ++i) EXPECT_EQ(std::max_element(weights + i * n, weights + (i + 1) * n) - (weights + i * n), n - 1 - i);
  }
}

// The seeds' claim, measured: same width, same parameters, same data and
// initial matrices; only the split into heads differs.
TEST(LiveTrainer, FourHeadsBeatOneHeadOfTheSameWidthOnTwoRelations) {
  auto one = make(task("neighbours", 1));
  auto four = make(task("neighbours", 4));
  EXPECT_EQ(one->parameter_count(), four->parameter_count());
  for (int step = 0; step < 500; ++step) {
    one->step();
    four->step();
  }
  const double one_loss = one->evaluate(), four_loss = four->evaluate();
  EXPECT_LT(four_loss, four->target_loss());
  EXPECT_GT(one_loss, 4 * four->target_loss());
  // the four-head model has one head for each neighbour
  EXPECT_GE(best_score(*four, 0), 0.85);
  EXPECT_GE(best_score(*four, 1), 0.85);
}

}  // namespace
}  // namespace attention_lab::train
