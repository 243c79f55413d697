// Register-blocked GEMM on packed panels.
//
// The micro-kernel computes a 4 x 8 tile of c: eight four-lane accumulators,
// two loads of b and one broadcast of a = 11 live vectors, below the ~12 that
// V8 keeps in registers without spilling.
#include "gemm.h"

#include <algorithm>

#include "simd4.h"

namespace attention_lab {

using simd::f32x4;

namespace {

int panel_count(int cols) { return (cols + kPanelWidth - 1) / kPanelWidth; }

// Writes an accumulated (tile_rows, 8) tile to c, adding bias, keeping only valid columns.
inline void store_tile(const float* tile, int tile_rows, int valid_cols, const float* bias,
                       float* c, int c_stride) {
  for (int r = 0; r < tile_rows; ++r) {
    for (int col = 0; col < valid_cols; ++col) {
      c[static_cast<std::size_t>(r) * c_stride + col] =
          tile[r * kPanelWidth + col] + (bias != nullptr ? bias[col] : 0.0f);
    }
  }
}

// tile (4, 8) = a (4, depth) · panel (depth, 8)
__attribute__((noinline)) void micro_kernel_4x8(int depth, const float* a, int a_stride,
                                                const float* panel, float* tile) {
  const float* a0 = a;
  const float* a1 = a + a_stride;
  const float* a2 = a + 2 * static_cast<std::size_t>(a_stride);
  const float* a3 = a + 3 * static_cast<std::size_t>(a_stride);
  f32x4 c00 = simd::splat(0.0f), c01 = c00, c10 = c00, c11 = c00;
  f32x4 c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int d = 0; d < depth; ++d) {
    const f32x4 b0 = simd::load(panel + d * kPanelWidth);
    const f32x4 b1 = simd::load(panel + d * kPanelWidth + 4);
    f32x4 a_broadcast = simd::splat(a0[d]);
    c00 = simd::mul_add(a_broadcast, b0, c00);
    c01 = simd::mul_add(a_broadcast, b1, c01);
    a_broadcast = simd::splat(a1[d]);
    c10 = simd::mul_add(a_broadcast, b0, c10);
    c11 = simd::mul_add(a_broadcast, b1, c11);
    a_broadcast = simd::splat(a2[d]);
    c20 = simd::mul_add(a_broadcast, b0, c20);
    c21 = simd::mul_add(a_broadcast, b1, c21);
    a_broadcast = simd::splat(a3[d]);
    c30 = simd::mul_add(a_broadcast, b0, c30);
    c31 = simd::mul_add(a_broadcast, b1, c31);
  }
  simd::store(tile + 0, c00);
  simd::store(tile + 4, c01);
  simd::store(tile + 8, c10);
  simd::store(tile + 12, c11);
  simd::store(tile + 16, c20);
  simd::store(tile + 20, c21);
  simd::store(tile + 24, c30);
  simd::store(tile + 28, c31);
}

// tile (1, 8) = a (1, depth) · panel (depth, 8), for the last rows < 4.
__attribute__((noinline)) void micro_kernel_1x8(int depth, const float* a, const float* panel,
                                                float* tile) {
  f32x4 c0 = simd::splat(0.0f), c1 = c0;
  for (int d = 0; d < depth; ++d) {
    const f32x4 a_broadcast = simd::splat(a[d]);
    c0 = simd::mul_add(a_broadcast, simd::load(panel + d * kPanelWidth), c0);
    c1 = simd::mul_add(a_broadcast, simd::load(panel + d * kPanelWidth + 4), c1);
  }
  simd::store(tile, c0);
  simd::store(tile + 4, c1);
}

}  // namespace

namespace {
// Fills packed panels from element(d, c), the value at depth d, column c.
template <typename Element>
void pack(int depth, int cols, PackedMatrix& packed, Element element) {
  packed.depth = depth;
  packed.cols = cols;
  packed.panels.assign(static_cast<std::size_t>(panel_count(cols)) * depth * kPanelWidth, 0.0f);
  for (int p = 0; p < panel_count(cols); ++p) {
    float* panel = packed.panels.data() + static_cast<std::size_t>(p) * depth * kPanelWidth;
    const int col0 = p * kPanelWidth;
    const int width = std::min(kPanelWidth, cols - col0);
    for (int d = 0; d < depth; ++d) {
      for (int w = 0; w < width; ++w) panel[d * kPanelWidth + w] = element(d, col0 + w);
    }
  }
}
}  // namespace

void pack_columns(const float* source, int depth, int cols, int row_stride, PackedMatrix& packed) {
  pack(depth, cols, packed, [&](int d, int c) { return source[static_cast<std::size_t>(d) * row_stride + c]; });
}

void pack_columns_transposed(const float* source, int depth, int cols, int row_stride,
                             PackedMatrix& packed) {
  pack(depth, cols, packed, [&](int d, int c) { return source[static_cast<std::size_t>(c) * row_stride + d]; });
}

void gemm_panels(int rows, const float* a, int a_stride, int depth, int cols, const float* panels,
                 std::size_t panel_stride, const float* bias, float* c, int c_stride) {
  alignas(16) float tile[4 * kPanelWidth];
  for (int p = 0; p < panel_count(cols); ++p) {
    const float* panel = panels + static_cast<std::size_t>(p) * panel_stride;
    const int col0 = p * kPanelWidth;
    const int valid_cols = std::min(kPanelWidth, cols - col0);
    const float* panel_bias = bias != nullptr ? bias + col0 : nullptr;
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
      micro_kernel_4x8(depth, a + static_cast<std::size_t>(r) * a_stride, a_stride, panel, tile);
      store_tile(tile, 4, valid_cols, panel_bias, c + static_cast<std::size_t>(r) * c_stride + col0,
                 c_stride);
    }
    for (; r < rows; ++r) {
      micro_kernel_1x8(depth, a + static_cast<std::size_t>(r) * a_stride, panel, tile);
      store_tile(tile, 1, valid_cols, panel_bias, c + static_cast<std::size_t>(r) * c_stride + col0,
                 c_stride);
    }
  }
}

void gemm_packed(int rows, const float* a, int a_stride, const PackedMatrix& b, const float* bias,
                 float* c, int c_stride) {
  gemm_panels(rows, a, a_stride, b.depth, b.cols, b.panels.data(), static_cast<std::size_t>(b.depth) * kPanelWidth,
              bias, c, c_stride);
}

float micro_kernel_in_cache(int repetitions) {
  constexpr int depth = 256;
  static std::vector<float> a(4 * depth), panel(depth * kPanelWidth);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = 1.0f + static_cast<float>(i % 5) * 1e-3f;
  for (std::size_t i = 0; i < panel.size(); ++i) panel[i] = 1.0f - static_cast<float>(i % 3) * 1e-3f;
  alignas(16) float tile[4 * kPanelWidth];
  float checksum = 0;
  for (int r = 0; r < repetitions; ++r) {
    micro_kernel_4x8(depth, a.data(), depth, panel.data(), tile);
    checksum += tile[r & 31];
  }
  return checksum;
}

}  // namespace attention_lab
