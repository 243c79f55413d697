// The decoder: causal runs, the key/value-cached step against a full rerun
// at every prefix length, rewinding, the model file's causal flag, and
// reproducible choice of the next word.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "model/generation.h"
#include "model/inference.h"
#include "model/model_file.h"
#include "model/transformer.h"
#include "text/tokenizer.h"

namespace attention_lab {
namespace {

TransformerParams<float> decoder(int layers = 3, int heads = 4, int d_model = 32, int max_len = 24, std::uint64_t seed = 11) {
  TransformerParams<float> params;
  TransformerConfig config{50, d_model, heads, layers, 2 * d_model, max_len};
  config.causal = true;
  params.allocate(config);
  initialise_transformer(params, seed, 0.3f);  // large weights: sharp, uneven attention
  return params;
}

std::vector<int> some_ids(int count, std::uint64_t seed) {
  SplitMix64 random(seed);
  std::vector<int> ids;
  for (int i = 0; i < count; ++i) ids.push_back(3 + static_cast<int>(random.next() % 47));
  return ids;
}

TEST(Decoder, FullRunIsCausal) {
  const TransformerParams<float> params = decoder();
  std::vector<int> ids = some_ids(12, 1);
  TransformerRun run;
  run_transformer(params, ids, true, run);
  const int n = 12, heads = params.config.num_layers * params.config.num_heads;
  for (int h = 0; h < heads; ++h) {
    for (int i = 0; i < n; ++i) {
      for (int j = i + 1; j < n; ++j) EXPECT_EQ(run.attention[(static_cast<std::size_t>(h) * n + i) * n + j], 0.0f);
    }
  }
  // changing a later word leaves every earlier row's logits as they were
  std::vector<int> changed = ids;
  changed[8] = changed[8] == 4 ? 5 : 4;
  TransformerRun other;
  run_transformer(params, changed, true, other);
  for (std::size_t k = 0; k < static_cast<std::size_t>(8) * params.config.vocab_size; ++k) EXPECT_EQ(run.logits[k], other.logits[k]);
  EXPECT_NE(run.logits[static_cast<std::size_t>(8) * params.config.vocab_size], other.logits[static_cast<std::size_t>(8) * params.config.vocab_size]);
}

// A model packed without its tied output (what a stored model does until logits
// are wanted) gives the very same logits, from a full run and from a cached step.
TEST(PackedOutput, LayersOnlyGivesTheSameLogitsAsFullyPacked) {
  const TransformerParams<float> params = decoder();
  const std::vector<int> ids = some_ids(10, 4);
  PackedTransformer full, layers_only;
  pack_transformer(params, full);
  pack_transformer_layers(params, layers_only);
  ASSERT_TRUE(layers_only.embedding_t.panels.empty());
  TransformerRun a, b;
  run_transformer(params, full, ids, true, a, {});
  run_transformer(params, layers_only, ids, true, b, {});
  ASSERT_EQ(a.logits.size(), b.logits.size());
  ASSERT_FALSE(a.logits.empty());
  for (std::size_t k = 0; k < a.logits.size(); ++k) ASSERT_EQ(a.logits[k], b.logits[k]) << k;
  DecoderCache cache_a, cache_b;
  DecoderStep step_a, step_b;
  for (int id : ids) {
    ASSERT_EQ(decoder_step(params, full, cache_a, id, step_a), "");
    ASSERT_EQ(decoder_step(params, layers_only, cache_b, id, step_b), "");
    ASSERT_EQ(step_a.logits, step_b.logits);
  }
  pack_transformer_output(params, layers_only);
  EXPECT_EQ(layers_only.embedding_t.panels, full.embedding_t.panels);
}

// One row's logits (what a masked-word loss asks for once per word) run the last
// layer's MLP and the final LayerNorm on that row alone: the same numbers as that
// row of a full run, for an encoder, where every row sees every word.
TEST(OneRowLogits, EqualThatRowOfAFullRunAndGiveTheMaskedLoss) {
  TransformerParams<float> params = decoder(2, 4, 32, 24, 5);
  params.config.causal = false;
  const std::vector<int> ids = some_ids(9, 8);
  const int vocab = params.config.vocab_size, d_model = params.config.d_model;
  PackedTransformer packed;
  pack_transformer(params, packed);
  double expected_loss = 0;
  for (int i = 0; i < 9; ++i) {
    std::vector<int> masked = ids;
    masked[static_cast<std::size_t>(i)] = Vocabulary::kMask;
    TransformerRun full, one;
    run_transformer(params, packed, masked, true, full);
    run_transformer(params, packed, masked, true, one, {}, i);
    ASSERT_EQ(one.logits.size(), static_cast<std::size_t>(vocab));
    ASSERT_EQ(one.hidden.size(), static_cast<std::size_t>(d_model));
    EXPECT_EQ(one.attention, full.attention);
    TransformerRun hidden_only;  // the same row without logits (a masked-word loss gathers these)
    run_transformer(params, packed, masked, false, hidden_only, {}, i);
    EXPECT_TRUE(hidden_only.logits.empty());
    EXPECT_EQ(hidden_only.hidden, one.hidden);
    for (int k = 0; k < d_model; ++k) ASSERT_NEAR(one.hidden[k], full.hidden[static_cast<std::size_t>(i) * d_model + k], 1e-5f);
    const float* row = full.logits.data() + static_cast<std::size_t>(i) * vocab;
    for (int w = 0; w < vocab; ++w) ASSERT_NEAR(one.logits[w], row[w], 1e-4f * (1.0f + std::fabs(row[w]))) << i << " " << w;
    // the masked word's loss from the full row, in double
    double row_max = row[0], sum = 0;
    for (int w = 1; w < vocab; ++w) row_max = std::max<double>(row_max, row[w]);
    for (int w = 0; w < vocab; ++w) sum += std::exp(row[w] - row_max);
    expected_loss -= row[ids[static_cast<std::size_t>(i)]] - row_max - std::log(sum);
  }
  EXPECT_NEAR(masked_sentence_loss(params, ids, {}, &packed), expected_loss / 9, 1e-5);
}

TEST(Decoder, CachedStepEqualsFullRecomputeAtEveryPrefixLength) {
  const TransformerParams<float> params = decoder();
  PackedTransformer packed;
  pack_transformer(params, packed);
  const TransformerConfig& c = params.config;
  const std::vector<int> ids = some_ids(c.max_len, 2);
  DecoderCache cache;
  double worst_attention = 0, worst_logit = 0;
  for (int p = 0; p < c.max_len; ++p) {
    DecoderStep step;
    ASSERT_EQ(decoder_step(params, packed, cache, ids[static_cast<std::size_t>(p)], step), "");
    ASSERT_EQ(step.position, p);
    ASSERT_EQ(cache.length, p + 1);
    const std::vector<int> prefix(ids.begin(), ids.begin() + p + 1);
    TransformerRun full;
    run_transformer(params, packed, prefix, true, full);
    const int n = p + 1;
    for (int lh = 0; lh < c.num_layers * c.num_heads; ++lh) {
      for (int j = 0; j < n; ++j) {
        const float expected = full.attention[(static_cast<std::size_t>(lh) * n + p) * n + j];
        worst_attention = std::max(worst_attention, std::abs(static_cast<double>(step.attention[static_cast<std::size_t>(lh) * n + j] - expected)));
      }
    }
    for (int w = 0; w < c.vocab_size; ++w) {
      const float expected = full.logits[static_cast<std::size_t>(p) * c.vocab_size + w];
      worst_logit = std::max(worst_logit, std::abs(static_cast<double>(step.logits[static_cast<std::size_t>(w)] - expected)) / (1.0 + std::abs(expected)));
    }
  }
  EXPECT_LT(worst_attention, 2e-5);
  EXPECT_LT(worst_logit, 2e-5);
  // a full context says so instead of writing past it
  DecoderStep step;
  EXPECT_NE(decoder_step(params, packed, cache, 3, step).find("at most 24 tokens"), std::string::npos);
  EXPECT_EQ(cache.length, c.max_len);
}

TEST(Decoder, RewindThenWriteEqualsWritingThatPrefixFresh) {
  const TransformerParams<float> params = decoder();
  PackedTransformer packed;
  pack_transformer(params, packed);
  const std::vector<int> ids = some_ids(10, 3);
  DecoderCache cache;
  DecoderStep step;
  for (int id : ids) ASSERT_EQ(decoder_step(params, packed, cache, id, step), "");
  cache.truncate(4);
  ASSERT_EQ(decoder_step(params, packed, cache, 7, step), "");
  DecoderCache fresh;
  DecoderStep expected;
  for (int p = 0; p < 4; ++p) ASSERT_EQ(decoder_step(params, packed, fresh, ids[static_cast<std::size_t>(p)], expected), "");
  ASSERT_EQ(decoder_step(params, packed, fresh, 7, expected), "");
  EXPECT_EQ(step.position, 4);
  EXPECT_EQ(step.attention, expected.attention);
  EXPECT_EQ(step.logits, expected.logits);
}

TEST(Decoder, RefusesEncodersAndBadIdsWithoutTouchingTheCache) {
  TransformerParams<float> params = decoder();
  PackedTransformer packed;
  pack_transformer(params, packed);
  DecoderCache cache;
  DecoderStep step;
  ASSERT_EQ(decoder_step(params, packed, cache, 5, step), "");
  EXPECT_NE(decoder_step(params, packed, cache, 50, step).find("outside the vocabulary"), std::string::npos);
  EXPECT_NE(decoder_step(params, packed, cache, -1, step).find("outside the vocabulary"), std::string::npos);
  EXPECT_EQ(cache.length, 1);
  params.config.causal = false;
  EXPECT_NE(decoder_step(params, packed, cache, 5, step).find("only a causal model writes"), std::string::npos);
  EXPECT_EQ(cache.length, 1);
}

TEST(ModelFile, CausalFlagRoundTripsAndEncodersKeepVersionOne) {
  Vocabulary vocabulary{std::vector<std::string>{"<pad>", "<unk>", "<mask>", "the", "cat"}};
  TransformerParams<float> params;
  params.allocate({5, 8, 2, 1, 8, 6});
  initialise_transformer(params, 1);
  const std::vector<std::uint8_t> encoder = save_model(params, vocabulary, "{}");
  EXPECT_EQ(encoder[8], 1);  // an encoder's file is what it was before the flag existed
  params.config.causal = true;
  const std::vector<std::uint8_t> causal = save_model(params, vocabulary, "{}");
  EXPECT_EQ(causal[8], 2);
  EXPECT_EQ(causal.size(), encoder.size() + 4);
  LoadedModel loaded;
  ASSERT_EQ(load_model(causal.data(), causal.size(), loaded), "");
  EXPECT_TRUE(loaded.params.config.causal);
  ASSERT_EQ(load_model(encoder.data(), encoder.size(), loaded), "");
  EXPECT_FALSE(loaded.params.config.causal);
  // an unknown flag is refused (the CRC is fixed up so the flag itself is what is checked)
  std::vector<std::uint8_t> unknown = causal;
  unknown[8 + 4 + 24] = 3;
  const std::uint32_t crc = crc32(unknown.data(), unknown.size() - 4);
  for (int i = 0; i < 4; ++i) unknown[unknown.size() - 4 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(crc >> (8 * i));
  EXPECT_NE(load_model(unknown.data(), unknown.size(), loaded).find("flags this engine does not know"), std::string::npos);
}

TEST(NextWord, GreedyIsTheArgmaxAndTopWordsAreASoftmax) {
  std::vector<float> logits = {9.0f, 9.0f, 9.0f, 0.5f, 2.0f, -1.0f, 2.0f, 1.0f};  // ids 0-2 are never written
  SplitMix64 random(1);
  EXPECT_EQ(choose_next_word(logits.data(), 8, {0.0, 0}, random), 4);  // tie with 6: the lower id
  const auto top = top_next_words(logits.data(), 8, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].first, 4);
  EXPECT_EQ(top[1].first, 6);
  EXPECT_EQ(top[2].first, 7);
  double total = 0;
  for (int id = 3; id < 8; ++id) total += std::exp(logits[static_cast<std::size_t>(id)]);
  EXPECT_NEAR(top[0].second, std::exp(2.0) / total, 1e-6);
  EXPECT_NEAR(top[2].second, std::exp(1.0) / total, 1e-6);
}

TEST(NextWord, SamplingIsReproducibleFollowsTheSoftmaxAndRespectsTopK) {
  std::vector<float> logits = {0, 0, 0, 1.0f, 0.0f, std::log(2.0f), -50.0f};
  SplitMix64 a(42), b(42);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(choose_next_word(logits.data(), 7, {1.0, 0}, a), choose_next_word(logits.data(), 7, {1.0, 0}, b));
  SplitMix64 random(7);
  std::vector<int> counts(7, 0);
  const int draws = 40000;
  for (int i = 0; i < draws; ++i) ++counts[static_cast<std::size_t>(choose_next_word(logits.data(), 7, {1.0, 0}, random))];
  const double total = std::exp(1.0) + 1.0 + 2.0 + std::exp(-50.0);
  EXPECT_NEAR(counts[3] / double(draws), std::exp(1.0) / total, 0.01);
  EXPECT_NEAR(counts[4] / double(draws), 1.0 / total, 0.01);
  EXPECT_NEAR(counts[5] / double(draws), 2.0 / total, 0.01);
  EXPECT_EQ(counts[0] + counts[1] + counts[2], 0);
  std::fill(counts.begin(), counts.end(), 0);
  for (int i = 0; i < 2000; ++i) ++counts[static_cast<std::size_t>(choose_next_word(logits.data(), 7, {1.0, 2}, random))];
  EXPECT_EQ(counts[4], 0);  // third most likely: outside the top 2
  EXPECT_GT(counts[3], 0);
  EXPECT_GT(counts[5], 0);
  // SplitMix64's published first output for seed 0
  EXPECT_EQ(SplitMix64(0).next(), 0xE220A8397B1DCDAFull);
}

}  // namespace
}  // namespace attention_lab
