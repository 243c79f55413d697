// The one-shot call's kept weights (cpp/attention/one_shot_cache.h): rows are
// compared with the packed panels bit for bit, and the kept weights serve a
// call only after every row of all four matrices was checked, in order.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "attention/gemm.h"
#include "attention/one_shot_cache.h"

namespace attention_lab {
namespace {

struct Weights {
  int d_model;
  std::vector<float> w[4];
  std::vector<float> bias;
  MhaInputs<float> inputs() const {
    MhaInputs<float> in;
    in.w_q = w[0].data(); in.w_k = w[1].data(); in.w_v = w[2].data(); in.w_o = w[3].data();
    in.b_v = bias.empty() ? nullptr : bias.data();
    return in;
  }
};

Weights random_weights(int d_model, unsigned seed) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  Weights weights{d_model, {}, std::vector<float>(d_model)};
  for (auto& m : weights.w) {
    m.resize(static_cast<std::size_t>(d_model) * d_model);
    for (float& v : m) v = uniform(generator);
  }
  for (float& v : weights.bias) v = uniform(generator);
  return weights;
}

// Steps 1-2 as engine-core.js runs them: every matrix, rows_per_copy rows a copy.
bool check_all(OneShotCache& cache, const Weights& weights, int rows_per_copy) {
  if (!cache.begin_check(weights.d_model)) return false;
  const int d = weights.d_model;
  for (int m = 0; m < 4; ++m) {
    for (int row = 0; row < d; row += rows_per_copy) {
      const int rows = std::min(rows_per_copy, d - row);
      std::copy_n(weights.w[m].data() + static_cast<std::size_t>(row) * d, static_cast<std::size_t>(rows) * d, cache.scratch());
      if (!cache.check_rows(m, row, rows)) return false;
    }
  }
  return true;
}

TEST(PackedRowsEqual, FindsAnyChangedBitAndIgnoresThePadding) {
  // 8 columns (one full panel), 21 (two full panels and a partial one), 3 (partial only)
  for (int cols : {8, 21, 3}) {
    const int depth = 11;
    std::vector<float> b(static_cast<std::size_t>(depth) * cols);
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = std::sin(static_cast<float>(i)) + 0.0f;
    PackedMatrix packed;
    pack_columns(b.data(), depth, cols, cols, packed);
    EXPECT_TRUE(packed_rows_equal(packed, b.data(), 0, depth, cols));
    EXPECT_TRUE(packed_rows_equal(packed, b.data() + 4 * cols, 4, 5, cols)) << "a range of rows";
    EXPECT_FALSE(packed_rows_equal(packed, b.data() + 4 * cols, 5, 5, cols)) << "the wrong rows";
    EXPECT_FALSE(packed_rows_equal(packed, b.data(), 7, 5, cols)) << "past the last row";
    for (std::size_t i = 0; i < b.size(); ++i) {
      std::vector<float> changed = b;
      changed[i] = i % 2 ? -changed[i] : std::nextafter(changed[i], 2.0f);
      EXPECT_FALSE(packed_rows_equal(packed, changed.data(), 0, depth, cols)) << "cols " << cols << ", element " << i;
    }
    std::vector<float> zeros(b.size(), 0.0f), negative_zeros(b.size(), -0.0f);
    pack_columns(zeros.data(), depth, cols, cols, packed);
    EXPECT_TRUE(packed_rows_equal(packed, zeros.data(), 0, depth, cols));
    EXPECT_FALSE(packed_rows_equal(packed, negative_zeros.data(), 0, depth, cols)) << "-0 is not 0";
  }
}

TEST(OneShotCache, ServesOnlyAfterEveryRowOfAllFourMatricesWasCheckedInOrder) {
  OneShotCache cache;
  const Weights weights = random_weights(20, 3);  // 20 columns: two full panels and a partial one
  EXPECT_FALSE(cache.begin_check(20)) << "nothing kept yet";
  EXPECT_FALSE(cache.take_check());
  cache.store(20, weights.inputs());
  EXPECT_FALSE(cache.begin_check(12)) << "another width";

  for (int rows_per_copy : {1, 3, 20}) {
    EXPECT_TRUE(check_all(cache, weights, rows_per_copy));
    EXPECT_TRUE(cache.take_check());
    EXPECT_TRUE(cache.same_biases(20, weights.inputs()));
    EXPECT_FALSE(cache.take_check()) << "a check serves one call";
  }

  // three matrices checked, the fourth not: not served
  ASSERT_TRUE(cache.begin_check(20));
  for (int m = 0; m < 3; ++m) {
    std::copy(weights.w[m].begin(), weights.w[m].end(), cache.scratch());
    ASSERT_TRUE(cache.check_rows(m, 0, 20));
  }
  EXPECT_FALSE(cache.take_check());

  // rows skipped, repeated or out of range end the check
  ASSERT_TRUE(cache.begin_check(20));
  std::copy_n(weights.w[0].data() + 20, 20, cache.scratch());
  EXPECT_FALSE(cache.check_rows(0, 1, 1)) << "row 1 before row 0";
  EXPECT_FALSE(cache.take_check());
  ASSERT_TRUE(cache.begin_check(20));
  EXPECT_FALSE(cache.check_rows(4, 0, 1)) << "no fifth matrix";
  EXPECT_FALSE(cache.check_rows(0, 0, 1)) << "the check has ended";
  ASSERT_TRUE(cache.begin_check(20));
  const int too_many = static_cast<int>(cache.scratch_floats() / 20) + 1;
  EXPECT_FALSE(cache.check_rows(0, 0, too_many)) << "more rows than the scratch holds";

  // one element changed in W_O's last row: the check fails there
  Weights changed = weights;
  changed.w[3].back() += 1.0f;
  EXPECT_FALSE(check_all(cache, changed, 3));
  EXPECT_FALSE(cache.take_check());

  // the matrices equal but a bias differs, or is missing
  Weights other_bias = weights;
  other_bias.bias[0] = -other_bias.bias[0];
  EXPECT_FALSE(cache.same_biases(20, other_bias.inputs()));
  Weights no_bias = weights;
  no_bias.bias.clear();
  EXPECT_FALSE(cache.same_biases(20, no_bias.inputs()));
}

}  // namespace
}  // namespace attention_lab
