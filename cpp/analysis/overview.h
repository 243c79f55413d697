// Pictures of attention smaller than the matrix: a long text's 1,024 x 1,024
// weights per head drawn as a card about 100 px wide or an overview of 256 px.
// Each pixel is the largest weight of its block, so a single strong link
// stays visible however far the picture shrinks.
//
// weights: (count, rows, cols), row-major; block = ceil(max(rows, cols) / limit);
// values:  (count, ceil(rows / block), ceil(cols / block)), each cell the
//          largest weight of its block x block cells (edge blocks are smaller).
#pragma once

#include <vector>

namespace attention_lab::analysis {

struct PooledMatrices {
  int block = 1;
  int rows = 0;
  int cols = 0;
  std::vector<float> values;
};

// Throws std::invalid_argument on sizes below 1.
PooledMatrices pool_by_max(const float* weights, int count, int rows, int cols, int limit);

// The same with the block given: (count, ceil(rows / block), ceil(cols / block)).
// Pooling a pooled picture again by k equals pooling the matrix by block * k
// (blocks start at 0 on both grids), which is how a smaller picture is made
// from a larger one without reading the whole matrix again.
PooledMatrices pool_by_block(const float* weights, int count, int rows, int cols, int block);

// One picture per limit, in the order given, each equal to pool_by_max(limit).
// Larger pictures are made first, and a smaller one whose block is a multiple
// of a larger one's is pooled from that picture instead of the whole matrix.
std::vector<PooledMatrices> pool_pictures(const float* weights, int count, int rows, int cols, const std::vector<int>& limits);

}  // namespace attention_lab::analysis
