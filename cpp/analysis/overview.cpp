#include "analysis/overview.h"

#include <algorithm>
#include <stdexcept>

#include "attention/simd4.h"

namespace attention_lab::analysis {

PooledMatrices pool_by_max(const float* weights, int count, int rows, int cols, int limit) {
  if (limit < 1) throw std::invalid_argument("pool_by_max: sizes must be at least 1");
  return pool_by_block(weights, count, rows, cols, std::max(1, (std::max(rows, cols) + limit - 1) / limit));
}

PooledMatrices pool_by_block(const float* weights, int count, int rows, int cols, int block) {
  if (count < 1 || rows < 1 || cols < 1 || block < 1) throw std::invalid_argument("pool_by_block: sizes must be at least 1");
  PooledMatrices pooled;
  pooled.block = block;
  pooled.rows = (rows + block - 1) / block;
  pooled.cols = (cols + block - 1) / block;
  pooled.values.resize(static_cast<std::size_t>(count) * pooled.rows * pooled.cols);
  std::vector<float> column_max(static_cast<std::size_t>(cols));
  for (int m = 0; m < count; ++m) {
    const float* matrix = weights + static_cast<std::size_t>(m) * rows * cols;
    float* out = pooled.values.data() + static_cast<std::size_t>(m) * pooled.rows * pooled.cols;
    for (int r = 0; r < pooled.rows; ++r) {
      // 1. Down the block's rows: each column's largest weight, four columns at a time
      //    (the whole matrix streams through here once).
      const int first = r * block, last = std::min(rows, first + block);
      std::copy(matrix + static_cast<std::size_t>(first) * cols, matrix + static_cast<std::size_t>(first + 1) * cols,
                column_max.begin());
      for (int i = first + 1; i < last; ++i) {
        const float* row = matrix + static_cast<std::size_t>(i) * cols;
        int j = 0;
        for (; j + 4 <= cols; j += 4) simd::store(&column_max[j], simd::max(simd::load(&column_max[j]), simd::load(row + j)));
        for (; j < cols; ++j) column_max[j] = std::max(column_max[j], row[j]);
      }
      // 2. Across: the largest of each run of `block` columns.
      for (int c = 0; c < pooled.cols; ++c) {
        const int start = c * block, end = std::min(cols, start + block);
        out[static_cast<std::size_t>(r) * pooled.cols + c] = *std::max_element(column_max.begin() + start, column_max.begin() + end);
      }
    }
  }
  return pooled;
}

std::vector<PooledMatrices> pool_pictures(const float* weights, int count, int rows, int cols, const std::vector<int>& limits) {
  std::vector<PooledMatrices> pictures(limits.size());
  std::vector<std::size_t> largest_first(limits.size());
  for (std::size_t i = 0; i < largest_first.size(); ++i) largest_first[i] = i;
  std::sort(largest_first.begin(), largest_first.end(), [&limits](std::size_t a, std::size_t b) { return limits[a] > limits[b]; });
  for (const std::size_t i : largest_first) {
    if (limits[i] < 1) throw std::invalid_argument("pool_pictures: sizes must be at least 1");
    const int block = std::max(1, (std::max(rows, cols) + limits[i] - 1) / limits[i]);
    const PooledMatrices* finer = nullptr;
    for (const PooledMatrices& earlier : pictures) {
      if (!earlier.values.empty() && block % earlier.block == 0 && (finer == nullptr || earlier.block > finer->block)) finer = &earlier;
    }
    PooledMatrices picture = finer != nullptr ? pool_by_block(finer->values.data(), count, finer->rows, finer->cols, block / finer->block)
                                              : pool_by_block(weights, count, rows, cols, block);
    picture.block = block;
    pictures[i] = std::move(picture);
  }
  return pictures;
}

}  // namespace attention_lab::analysis
