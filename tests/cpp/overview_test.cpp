// Max-pooled pictures of attention against a plain scan of every block.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <vector>

#include "analysis/overview.h"
#include "model/seeded_model.h"

namespace attention_lab::analysis {
namespace {

// The oracle: for every output cell, scan its block cell by cell.
float plain_block_max(const std::vector<float>& weights, int m, int rows, int cols, int block, int r, int c) {
  float best = weights[static_cast<std::size_t>(m) * rows * cols + static_cast<std::size_t>(r * block) * cols + c * block];
  for (int i = r * block; i < std::min(rows, (r + 1) * block); ++i) {
    for (int j = c * block; j < std::min(cols, (c + 1) * block); ++j) {
      best = std::max(best, weights[static_cast<std::size_t>(m) * rows * cols + static_cast<std::size_t>(i) * cols + j]);
    }
  }
  return best;
}

TEST(Overview, PoolByMaxEqualsAPlainScanOfEveryBlock) {
  SeededGenerator random(11);
  // square and not, blocks that divide and that leave partial edge blocks, widths
  // that leave partial four-lane groups, a limit larger than the matrix (block 1)
  for (const auto& [count, rows, cols, limit] : std::vector<std::array<int, 4>>{
           {1, 1, 1, 4}, {2, 7, 7, 3}, {3, 10, 13, 4}, {1, 37, 37, 8}, {2, 130, 130, 128}, {1, 64, 9, 16}, {2, 5, 5, 100}}) {
    std::vector<float> weights(static_cast<std::size_t>(count) * rows * cols);
    for (float& w : weights) w = 0.5f + 0.5f * random.symmetric_unit();
    const PooledMatrices pooled = pool_by_max(weights.data(), count, rows, cols, limit);
    const int block = (std::max(rows, cols) + limit - 1) / limit;
    ASSERT_EQ(pooled.block, block);
    ASSERT_EQ(pooled.rows, (rows + block - 1) / block);
    ASSERT_EQ(pooled.cols, (cols + block - 1) / block);
    ASSERT_LE(std::max(pooled.rows, pooled.cols), limit);
    ASSERT_EQ(pooled.values.size(), static_cast<std::size_t>(count) * pooled.rows * pooled.cols);
    for (int m = 0; m < count; ++m) {
      for (int r = 0; r < pooled.rows; ++r) {
        for (int c = 0; c < pooled.cols; ++c) {
          EXPECT_EQ(pooled.values[static_cast<std::size_t>(m) * pooled.rows * pooled.cols + r * pooled.cols + c],
                    plain_block_max(weights, m, rows, cols, block, r, c))
              << count << "x" << rows << "x" << cols << " limit " << limit << " at " << m << "," << r << "," << c;
        }
      }
    }
  }
}

TEST(Overview, PoolingAPooledPictureEqualsPoolingTheMatrixByTheProduct) {
  SeededGenerator random(5);
  for (const auto& [rows, cols, block, k] : std::vector<std::array<int, 4>>{{1024, 1024, 4, 2}, {1000, 37, 4, 3}, {9, 14, 2, 2}}) {
    std::vector<float> weights(static_cast<std::size_t>(2) * rows * cols);
    for (float& w : weights) w = 0.5f + 0.5f * random.symmetric_unit();
    const PooledMatrices once = pool_by_block(weights.data(), 2, rows, cols, block);
    const PooledMatrices twice = pool_by_block(once.values.data(), 2, once.rows, once.cols, k);
    const PooledMatrices direct = pool_by_block(weights.data(), 2, rows, cols, block * k);
    EXPECT_EQ(twice.rows, direct.rows);
    EXPECT_EQ(twice.cols, direct.cols);
    EXPECT_EQ(twice.values, direct.values) << rows << "x" << cols << " by " << block << " then " << k;
  }
}

TEST(Overview, PicturesInAnyOrderEqualPoolingEachFromTheMatrix) {
  SeededGenerator random(8);
  const int count = 3, rows = 1024, cols = 700;
  std::vector<float> weights(static_cast<std::size_t>(count) * rows * cols);
  for (float& w : weights) w = 0.5f + 0.5f * random.symmetric_unit();
  const std::vector<int> limits = {128, 256, 100, 64};  // 64's block (16) comes from 256's (4) or 128's (8)
  const std::vector<PooledMatrices> pictures = pool_pictures(weights.data(), count, rows, cols, limits);
  ASSERT_EQ(pictures.size(), limits.size());
  for (std::size_t i = 0; i < limits.size(); ++i) {
    const PooledMatrices direct = pool_by_max(weights.data(), count, rows, cols, limits[i]);
    EXPECT_EQ(pictures[i].block, direct.block) << limits[i];
    EXPECT_EQ(pictures[i].rows, direct.rows) << limits[i];
    EXPECT_EQ(pictures[i].cols, direct.cols) << limits[i];
    EXPECT_EQ(pictures[i].values, direct.values) << limits[i];
  }
  EXPECT_THROW(pool_pictures(weights.data(), count, rows, cols, {0}), std::invalid_argument);
}

TEST(Overview, OneStrongWeightSurvivesAnyShrinking) {
  std::vector<float> weights(1024 * 1024, 0.001f);
  weights[517 * 1024 + 3] = 0.9f;
  const PooledMatrices pooled = pool_by_max(weights.data(), 1, 1024, 1024, 128);
  EXPECT_EQ(pooled.block, 8);
  EXPECT_EQ(pooled.values[(517 / 8) * 128 + 0], 0.9f);
  EXPECT_EQ(std::count(pooled.values.begin(), pooled.values.end(), 0.9f), 1);
  EXPECT_THROW(pool_by_max(weights.data(), 1, 0, 4, 4), std::invalid_argument);
  EXPECT_THROW(pool_by_max(weights.data(), 1, 4, 4, 0), std::invalid_argument);
}

}  // namespace
}  // namespace attention_lab::analysis
