// The seeded weight source is deterministic and has the documented statistics.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "model/seeded_model.h"

namespace attention_lab {
namespace {

TEST(SeededModel, SameSeedSameWeightsOtherSeedOtherWeights) {
  const int d = 16;
  std::vector<float> a(4 * d * d), b(4 * d * d), c(4 * d * d);
  auto fill = [&](std::vector<float>& w, std::uint64_t seed) {
    seeded_projection_weights(d, seed, w.data(), w.data() + d * d, w.data() + 2 * d * d,
                              w.data() + 3 * d * d);
  };
  fill(a, 7);
  fill(b, 7);
  fill(c, 8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  const float limit = std::sqrt(6.0f / (2 * d));
  double sum_squares = 0;
  for (float w : a) {
    EXPECT_LE(std::fabs(w), limit);
    sum_squares += double(w) * w;
  }
  // Glorot uniform variance is limit^2 / 3
  EXPECT_NEAR(sum_squares / a.size(), limit * limit / 3.0, 0.15 * limit * limit / 3.0);
}

TEST(SeededModel, EmbeddingsDependOnLowerCasedTokenAndPosition) {
  const int d = 8;
  std::vector<float> x(3 * d);
  seeded_token_embeddings({"The", "the", "cat"}, d, 0, x.data());
  // "The" at 0 and "the" at 1 share the token part; they differ by PE(0) - PE(1) only.
  std::vector<float> pe0(d, 0.0f), pe1(d, 0.0f);
  add_positional_encoding(0, d, pe0.data());
  add_positional_encoding(1, d, pe1.data());
  for (int c = 0; c < d; ++c) EXPECT_NEAR(x[c] - pe0[c], x[d + c] - pe1[c], 1e-6);
  EXPECT_FLOAT_EQ(pe0[0], 0.0f);  // sin(0)
  EXPECT_FLOAT_EQ(pe0[1], 1.0f);  // cos(0)
  bool differs = false;
  for (int c = 0; c < d; ++c) differs |= std::fabs(x[2 * d + c] - x[d + c]) > 1e-3;
  EXPECT_TRUE(differs);
}

// Positions come from a table kept between calls (grown, rebuilt for another
// d_model) unless it would pass its 4 MB cap; both must give the same floats.
TEST(SeededModel, PositionTableGivesTheNumbersOfTheDirectComputation) {
  const int d = 4096;
  std::vector<std::string> tokens;
  for (int i = 0; i < 300; ++i) tokens.push_back("w" + std::to_string(i % 17));
  std::vector<float> direct(tokens.size() * d);
  seeded_token_embeddings(tokens, d, 3, direct.data());  // 300 x 4096 floats: over the cap, row by row
  const std::vector<std::string> short_sentence(tokens.begin(), tokens.begin() + 50);
  const std::vector<std::string> long_sentence(tokens.begin(), tokens.begin() + 256);  // exactly the cap
  std::vector<float> scratch(short_sentence.size() * d), cached(long_sentence.size() * d);
  seeded_token_embeddings(short_sentence, d, 3, scratch.data());  // table of 50 rows
  seeded_token_embeddings(short_sentence, 8, 3, scratch.data());  // another width: rebuilt
  seeded_token_embeddings(short_sentence, d, 3, scratch.data());  // back again
  seeded_token_embeddings(long_sentence, d, 3, cached.data());    // grown to 256 rows
  int mismatches = 0;
  for (std::size_t i = 0; i < cached.size(); ++i) mismatches += cached[i] != direct[i];
  EXPECT_EQ(mismatches, 0);
  for (std::size_t i = 0; i < scratch.size(); ++i) mismatches += scratch[i] != direct[i];
  EXPECT_EQ(mismatches, 0);
}

TEST(SeededModel, GeneratorIsPlatformIndependent) {
  // splitmix64 of seed 0: published first outputs of the reference algorithm.
  SeededGenerator generator(0);
  EXPECT_EQ(generator.next(), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(generator.next(), 0x6E789E6AA1B965F4ull);
}

}  // namespace
}  // namespace attention_lab
