// The trainer's hand-written backward pass against central finite differences
// (in double), its forward pass against the inference path, and learning.
#include <gtest/gtest.h>

#include <cmath>

#include "checkpoint.h"
#include "cross_attention.h"
#include "corpus.h"
#include "mlm.h"

namespace attention_lab::train {
namespace {

// The same weights in another scalar type (each value cast).
template <typename To, typename From>
TransformerParams<To> converted(const TransformerParams<From>& from) {
  TransformerParams<To> to;
  to.allocate(from.config);
  std::vector<std::vector<From>*> sources;
  TransformerParams<From> copy = from;
  copy.for_each([&](const std::string&, std::vector<From>& t) { sources.push_back(&t); });
  std::size_t index = 0;
  to.for_each([&](const std::string&, std::vector<To>& t) {
    const std::vector<From>& s = *sources[index++];
    for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<To>(s[i]);
  });
  return to;
}

TransformerParams<double> to_double(const TransformerParams<float>& f) { return converted<double>(f); }

Batch tiny_batch(const std::vector<Sentence>& sentences, int vocab) {
  std::vector<const Sentence*> group;
  for (const Sentence& s : sentences) group.push_back(&s);
  SeededGenerator random(5);
  return make_batch(group, random, 0.4, vocab);
}

// Random starting weights in float, with gains and biases moved off 1 and 0
// so their gradients are exercised, in double for the check.
TransformerParams<double> start_params(const TransformerConfig& config, std::uint64_t seed, std::uint64_t offsets) {
  TransformerParams<float> start;
  start.allocate(config);
  initialise_transformer(start, seed, 0.4f);
  SeededGenerator random(offsets);
  start.for_each([&](const std::string& name, std::vector<float>& t) {
    if (name.find("gain") != std::string::npos || name.find("b_") != std::string::npos || name.find("bias") != std::string::npos) {
      for (float& v : t) v += 0.3f * random.symmetric_unit();
    }
  });
  return to_double(start);
}

// `samples` elements of every tensor against central finite differences of
// loss(); returns { elements checked, elements whose numeric gradient is not ~0 }.
template <typename Loss>
std::pair<int, int> check_against_finite_differences(TransformerParams<double>& params, TransformerParams<double>& grads,
                                                     int samples, Loss loss) {
  std::vector<std::vector<double>*> grad_tensors;
  grads.for_each([&](const std::string&, std::vector<double>& t) { grad_tensors.push_back(&t); });
  std::size_t tensor = 0;
  int checked = 0, nonzero = 0;
  params.for_each([&](const std::string& name, std::vector<double>& t) {
    const std::vector<double>& g = *grad_tensors[tensor++];
    if (t.empty()) return;  // the MLP's weights of an attention-only model
    SeededGenerator pick(tensor);
    for (int sample = 0; sample < samples; ++sample) {
      const std::size_t i = pick.next() % t.size();
      const double saved = t[i], h = 1e-5;
      t[i] = saved + h;
      const double up = loss();
      t[i] = saved - h;
      const double down = loss();
      t[i] = saved;
      const double numeric = (up - down) / (2 * h);
      EXPECT_NEAR(g[i], numeric, 1e-7 + 1e-5 * std::fabs(numeric)) << name << "[" << i << "]";
      ++checked;
      nonzero += std::fabs(numeric) > 1e-6;
    }
  });
  return {checked, nonzero};
}

void check_gradients(bool causal, int d_ff = 12) {
  TransformerParams<double> params = start_params({13, 8, 2, 2, d_ff, 8}, 11, 2);
  const Batch batch = tiny_batch({{3, 4, 5, 6, 7}, {8, 9, 10}, {11, 12, 3, 4}}, 13);
  ASSERT_GE(batch.targets.size(), 2u);
  MaskedLanguageModel<double> model;
  model.causal = causal;
  TransformerParams<double> grads;
  model.loss(params, batch, &grads);
  const auto [checked, nonzero] = check_against_finite_differences(params, grads, 6, [&] { return model.loss(params, batch); });
  (void)nonzero;
  EXPECT_GT(checked, 100);
}

TEST(Training, BackwardMatchesFiniteDifferencesForEveryTensor) { check_gradients(false); }

// The live trainer's induction task masks future positions.
TEST(Training, CausalBackwardMatchesFiniteDifferencesForEveryTensor) { check_gradients(true); }

// The live trainer's attention-only variant (d_ff = 0: no MLP blocks).
TEST(Training, AttentionOnlyBackwardMatchesFiniteDifferencesForEveryTensor) { check_gradients(true, 0); }

// The float trainer runs the project's SIMD kernels (train_kernels.h); the
// double trainer runs Eigen and is the one checked against finite differences
// above. Same weights, same batch: the float loss and every gradient element
// agree with the oracle to float precision, for each kind of model the
// trainers build, at widths and lengths that leave partial four-lane groups
// (d_model 12, 3 heads of 4, d_ff 20, sentences of 5, 7 and 3 words).
void check_kernels_against_oracle(bool causal, int d_ff) {
  const TransformerConfig config{23, 12, 3, 2, d_ff, 9};
  const TransformerParams<float> params = converted<float>(start_params(config, 21, 4));
  // the oracle gets the float weights exactly, so only the arithmetic differs
  const TransformerParams<double> exact = to_double(params);
  const Batch batch = tiny_batch({{3, 4, 5, 6, 7}, {8, 9, 10, 21, 22, 13, 14}, {11, 12, 3}}, 23);
  MaskedLanguageModel<float> fast;
  MaskedLanguageModel<double> oracle;
  fast.causal = oracle.causal = causal;
  TransformerParams<float> fast_grads;
  TransformerParams<double> oracle_grads;
  const float fast_loss = fast.loss(params, batch, &fast_grads);
  const double oracle_loss = oracle.loss(exact, batch, &oracle_grads);
  EXPECT_NEAR(fast_loss, oracle_loss, 1e-5 * std::fabs(oracle_loss));
  std::vector<std::vector<double>*> expected;
  oracle_grads.for_each([&](const std::string&, std::vector<double>& t) { expected.push_back(&t); });
  std::size_t index = 0;
  int compared = 0;
  fast_grads.for_each([&](const std::string& name, std::vector<float>& t) {
    const std::vector<double>& want = *expected[index++];
    ASSERT_EQ(t.size(), want.size()) << name;
    double scale = 1e-2;  // b_k's gradient is exactly 0 (softmax ignores a shift): float leaves ~1e-8 there
    for (double v : want) scale = std::max(scale, std::fabs(v));
    for (std::size_t i = 0; i < t.size(); ++i, ++compared) {
      ASSERT_NEAR(t[i], want[i], 2e-5 * scale) << name << "[" << i << "]";
    }
  });
  EXPECT_GT(compared, 1000);
  // the attention rows the live trainer reads are the oracle's
  for (int layer = 0; layer < 2; ++layer) {
    for (int head = 0; head < 3; ++head) {
      const auto& got = fast.attention(layer, 1, head);
      const auto& want = oracle.attention(layer, 1, head);
      for (int i = 0; i < 7; ++i) {
        for (int j = 0; j < 7; ++j) ASSERT_NEAR(got(i, j), want(i, j), 1e-6) << layer << "," << head;
      }
    }
  }
}

TEST(Training, SimdKernelsMatchTheEigenOracle) { check_kernels_against_oracle(false, 20); }
TEST(Training, SimdKernelsMatchTheEigenOracleCausal) { check_kernels_against_oracle(true, 20); }
TEST(Training, SimdKernelsMatchTheEigenOracleAttentionOnly) { check_kernels_against_oracle(true, 0); }

// The encoder-decoder of the live trainer's cross-attention task: every
// tensor it uses against central finite differences (in double).
TEST(Training, CrossAttentionBackwardMatchesFiniteDifferences) {
  const int source_len = 5, target_len = 4;
  TransformerParams<double> params = start_params({11, 8, 2, 1, 0, source_len + target_len}, 7, 3);
  const std::vector<CrossExample> examples = {{{1, 2, 3, 4, 5}, {5, 4, 3, 2}}, {{6, 7, 8, 9, 10}, {10, 9, 8, 7}}, {{3, 3, 1, 0, 2}, {2, 0, 1, 3}}};
  CrossAttentionModel<double> model;
  model.source_len = source_len;
  TransformerParams<double> grads;
  model.loss(params, examples, &grads);
  const auto [checked, nonzero] = check_against_finite_differences(params, grads, 8, [&] { return model.loss(params, examples); });
  EXPECT_GT(checked, 100);
  EXPECT_GT(nonzero, 60);  // the check is not passing on tensors the model never touches
  // each row of the cross-attention is a distribution over the source
  for (int e = 0; e < 3; ++e) {
    for (int h = 0; h < 2; ++h) {
      const auto& weights = model.attention(e, h);
      ASSERT_EQ(weights.rows(), target_len);
      ASSERT_EQ(weights.cols(), source_len);
      for (int i = 0; i < target_len; ++i) EXPECT_NEAR(weights.row(i).sum(), 1.0, 1e-12);
    }
  }
}

TEST(Training, TrainerForwardEqualsInferencePath) {
  TransformerParams<float> params;
  params.allocate({20, 16, 4, 2, 24, 12});
  initialise_transformer(params, 4, 0.3f);
  const Sentence sentence = {3, 7, 9, 4, 15, 2, 11};
  // no masking: ask the trainer for every row's loss through a batch that "masks" all rows
  Batch batch;
  batch.ids = sentence;
  batch.original_ids = sentence;
  batch.offsets = {0, 7};
  for (int r = 0; r < 7; ++r) {
    batch.masked_rows.push_back(r);
    batch.targets.push_back(sentence[r]);
  }
  MaskedLanguageModel<float> model;
  const float trainer_loss = model.loss(params, batch);
  TransformerRun run;
  run_transformer(params, sentence, true, run);
  double inference_loss = 0;
  for (int r = 0; r < 7; ++r) {
    const float* row = run.logits.data() + r * 20;
    double max = row[0], total = 0;
    for (int k = 1; k < 20; ++k) max = std::max<double>(max, row[k]);
    for (int k = 0; k < 20; ++k) total += std::exp(row[k] - max);
    inference_loss -= row[sentence[r]] - max - std::log(total);
  }
  EXPECT_NEAR(trainer_loss, inference_loss / 7, 1e-4);
}

// --repeat-share: a passage written twice, each copy at most half the context,
// so both copies fit and the second can be predicted from the first.
TEST(Training, RepeatPassageWritesTheFirstHalfContextTwice) {
  const Sentence passage = {5, 6, 7, 8, 9};
  EXPECT_EQ(repeat_passage(passage, 128), (Sentence{5, 6, 7, 8, 9, 5, 6, 7, 8, 9}));
  EXPECT_EQ(repeat_passage(passage, 8), (Sentence{5, 6, 7, 8, 5, 6, 7, 8}));
  EXPECT_EQ(repeat_passage(passage, 7), (Sentence{5, 6, 7, 5, 6, 7}));  // 2 * 3 <= 7
  EXPECT_EQ(repeat_passage(passage, 1), passage);                        // no room for two copies
  EXPECT_EQ(repeat_passage({}, 16), Sentence{});
}

// --random-repeat-share: random words (never a special token), then the same again.
TEST(Training, RepeatRandomWordsDrawsWordsAndRepeatsThem) {
  SeededGenerator random(9);
  std::vector<int> seen(12, 0);
  for (int trial = 0; trial < 200; ++trial) {
    const Sentence twice = repeat_random_words(5, 12, random);
    ASSERT_EQ(twice.size(), 10u);
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(twice[static_cast<std::size_t>(i)], twice[static_cast<std::size_t>(i + 5)]);
      ASSERT_GE(twice[static_cast<std::size_t>(i)], Vocabulary::kMask + 1);
      ASSERT_LT(twice[static_cast<std::size_t>(i)], 12);
      ++seen[static_cast<std::size_t>(twice[static_cast<std::size_t>(i)])];
    }
  }
  for (int id = Vocabulary::kMask + 1; id < 12; ++id) EXPECT_GT(seen[static_cast<std::size_t>(id)], 60) << id;  // ~111 each
  EXPECT_THROW(repeat_random_words(0, 12, random), std::invalid_argument);
  EXPECT_THROW(repeat_random_words(4, 3, random), std::invalid_argument);
}

// The writer's objective: row i predicts word i + 1 under the causal mask, and
// the trainer's loss is the inference path's next-word loss (the path the
// browser's writer uses, causal because the config says so).
TEST(Training, NextWordBatchAndCausalLossEqualTheInferencePath) {
  TransformerParams<float> params;
  TransformerConfig config{20, 16, 4, 2, 24, 12};
  config.causal = true;
  params.allocate(config);
  initialise_transformer(params, 5, 0.3f);
  const Sentence first = {3, 7, 9, 4, 15}, second = {2 + 9, 6, 8};
  const Batch batch = make_next_word_batch({&first, &second});
  EXPECT_EQ(batch.ids, (std::vector<int>{3, 7, 9, 4, 15, 11, 6, 8}));
  EXPECT_EQ(batch.offsets, (std::vector<int>{0, 5, 8}));
  EXPECT_EQ(batch.masked_rows, (std::vector<int>{0, 1, 2, 3, 5, 6}));  // each sentence's last word predicts nothing
  EXPECT_EQ(batch.targets, (std::vector<int>{7, 9, 4, 15, 6, 8}));
  MaskedLanguageModel<float> model;
  model.causal = true;
  const float trainer_loss = model.loss(params, batch);
  double inference_loss = 0;
  for (const Sentence* sentence : {&first, &second}) {
    TransformerRun run;
    run_transformer(params, *sentence, true, run);
    for (std::size_t r = 0; r + 1 < sentence->size(); ++r) {
      const float* row = run.logits.data() + r * 20;
      double max = row[0], total = 0;
      for (int k = 1; k < 20; ++k) max = std::max<double>(max, row[k]);
      for (int k = 0; k < 20; ++k) total += std::exp(row[k] - max);
      inference_loss -= row[(*sentence)[r + 1]] - max - std::log(total);
    }
  }
  EXPECT_NEAR(trainer_loss, inference_loss / 6, 1e-4);
}

TEST(Training, AFewStepsLearnARepeatedPattern) {
  TransformerParams<float> params, grads;
  params.allocate({10, 16, 2, 1, 32, 8});
  initialise_transformer(params, 9, 0.1f);
  const std::vector<Sentence> data = {{3, 4, 5, 6}, {7, 8, 9, 3}, {3, 4, 5, 6}, {7, 8, 9, 3}};
  MaskedLanguageModel<float> model;
  const Batch batch = tiny_batch(data, 10);
  const float before = model.loss(params, batch);
  for (int step = 0; step < 60; ++step) {
    model.loss(params, batch, &grads);
    std::vector<std::vector<float>*> g;
    grads.for_each([&](const std::string&, std::vector<float>& t) { g.push_back(&t); });
    std::size_t index = 0;
    params.for_each([&](const std::string&, std::vector<float>& t) {
      for (std::size_t i = 0; i < t.size(); ++i) t[i] -= 0.5f * (*g[index])[i];
      ++index;
    });
  }
  EXPECT_LT(model.loss(params, batch), 0.5f * before);
}

// A run stopped at a checkpoint and resumed must continue exactly as the
// uninterrupted run: same weights after the next AdamW step, bit for bit.
TEST(Training, ResumingFromACheckpointContinuesTheSameRun) {
  const TransformerConfig config{10, 8, 2, 1, 16, 8};
  const Batch batch = tiny_batch({{3, 4, 5, 6}, {7, 8, 9, 3}}, 10);
  MaskedLanguageModel<float> model;
  TransformerParams<float> straight, grads;
  straight.allocate(config);
  initialise_transformer(straight, 4, 0.2f);
  AdamW optimiser;
  optimiser.reset(straight);
  model.loss(straight, batch, &grads);
  optimiser.update(straight, grads, 1e-2f);

  TrainingProgress saved;
  saved.step = 1;
  saved.random_state = 99;
  saved.order = {2, 0, 1};
  saved.cursor = 1;
  saved.setup_hash = 1234;
  const std::string path = ::testing::TempDir() + "resume_test.ckpt";
  save_checkpoint(path, saved, straight, optimiser);
  const TransformerParams<float> at_save = straight;

  TransformerParams<float> resumed;
  resumed.allocate(config);
  AdamW resumed_optimiser;
  resumed_optimiser.reset(resumed);
  TrainingProgress loaded;
  loaded.setup_hash = 1234;
  ASSERT_TRUE(load_checkpoint(path, loaded, resumed, resumed_optimiser));
  EXPECT_EQ(loaded.step, 1);
  EXPECT_EQ(loaded.random_state, 99u);
  EXPECT_EQ(loaded.order, saved.order);
  EXPECT_EQ(loaded.cursor, 1u);
  EXPECT_EQ(resumed_optimiser.steps(), 1);

  for (auto* run : {&straight, &resumed}) {
    model.loss(*run, batch, &grads);
    (run == &straight ? optimiser : resumed_optimiser).update(*run, grads, 1e-2f);
  }
  std::vector<std::vector<float>*> expected;
  straight.for_each([&](const std::string&, std::vector<float>& t) { expected.push_back(&t); });
  std::size_t index = 0;
  resumed.for_each([&](const std::string& name, std::vector<float>& t) { EXPECT_EQ(t, *expected[index++]) << name; });

  // another configuration's checkpoint is refused, not half-loaded
  TrainingProgress other;
  other.setup_hash = 4321;
  EXPECT_THROW(load_checkpoint(path, other, resumed, resumed_optimiser), std::runtime_error);
  TrainingProgress none;
  EXPECT_FALSE(load_checkpoint(path + ".missing", none, resumed, resumed_optimiser));
  // --continue-from: another run's finished checkpoint (another setup) loads
  // whole without the setup check, and a checkpoint of another shape still does not
  TransformerParams<float> continued;
  continued.allocate(config);
  AdamW continued_optimiser;
  continued_optimiser.reset(continued);
  ASSERT_TRUE(load_checkpoint(path, other, continued, continued_optimiser, false));
  EXPECT_EQ(other.step, 1);
  EXPECT_EQ(continued_optimiser.steps(), 1);
  EXPECT_EQ(continued.layers[0].w_q, at_save.layers[0].w_q);
  EXPECT_EQ(continued.token_embedding, at_save.token_embedding);
  TransformerParams<float> wider;
  wider.allocate({10, 12, 2, 1, 16, 8});
  AdamW wider_optimiser;
  wider_optimiser.reset(wider);
  EXPECT_THROW(load_checkpoint(path, other, wider, wider_optimiser, false), std::runtime_error);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace attention_lab::train
