// Register-blocked GEMM on packed panels.
//
// The micro-kernel computes a 5 x 8 tile of c (ten four-lane accumulators),
// or 4 x 8 where five rows do not divide evenly. a is regrouped into strips of
// five or four rows first (a copy of rows x depth, small next to the
// rows x depth x cols multiply-adds), so the kernel reads both operands
// sequentially.
#include "attention/gemm.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "attention/micro_kernel.h"
#include "attention/simd4.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace attention_lab {

using detail::micro_kernel;
using simd::f32x4;

namespace {

int panel_count(int cols) { return (cols + kPanelWidth - 1) / kPanelWidth; }

// Writes the valid part of an accumulated (tile_rows, 8) tile to c, adding bias
// (full tiles are written by the micro-kernel itself).
inline void store_partial_tile(const float* tile, int tile_rows, int valid_cols, const float* bias,
                               float* c, int c_stride) {
  for (int r = 0; r < tile_rows; ++r) {
    for (int col = 0; col < valid_cols; ++col) {
      c[static_cast<std::size_t>(r) * c_stride + col] =
          tile[r * kPanelWidth + col] + (bias != nullptr ? bias[col] : 0.0f);
    }
  }
}

constexpr int kMaxStripRows = 5;

// How many strips of five rows a block of `rows` gets; the rest are strips of
// four. Chosen so 5 * fives + 4 * fours == rows whenever that has a solution
// (every rows >= 12; S2's 32 = 4 * 5 + 3 * 4), so no tile computes padding;
// otherwise all strips have four rows, the last one partial.
int five_row_strips(int rows) {
  for (int fives = rows / 5; fives >= 0 && fives >= rows / 5 - 3; --fives) {
    if ((rows - 5 * fives) % 4 == 0) return fives;
  }
  return 0;
}

// strip (depth, height) = rows [0, height) of a interleaved, strip[d * height + r]
// = a[r][d]; rows at or past valid_rows are zero (their tile rows are computed,
// never stored). height is 4 or 5: rows 0-3 go four depth indices at a time
// (load 4 x 4, transpose, store), a fifth row one value at a time.
void pack_strip(int height, int valid_rows, const float* a, int a_stride, int depth, float* strip) {
  const float zeros[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  const float* row[kMaxStripRows];
  for (int r = 0; r < height; ++r) row[r] = r < valid_rows ? a + static_cast<std::size_t>(r) * a_stride : nullptr;
  int d = 0;
  for (; d + 4 <= depth; d += 4) {
    f32x4 v0 = row[0] != nullptr ? simd::load(row[0] + d) : simd::load(zeros);
    f32x4 v1 = row[1] != nullptr ? simd::load(row[1] + d) : simd::load(zeros);
    f32x4 v2 = row[2] != nullptr ? simd::load(row[2] + d) : simd::load(zeros);
    f32x4 v3 = row[3] != nullptr ? simd::load(row[3] + d) : simd::load(zeros);
    simd::transpose4(v0, v1, v2, v3);
    float* const out = strip + static_cast<std::size_t>(d) * height;
    simd::store(out, v0);  // with height 5, each store leaves the fifth row's slot after it
    simd::store(out + height, v1);
    simd::store(out + 2 * height, v2);
    simd::store(out + 3 * height, v3);
    if (height == 5) {
      for (int i = 0; i < 4; ++i) out[i * 5 + 4] = row[4] != nullptr ? row[4][d + i] : 0.0f;
    }
  }
  for (; d < depth; ++d) {
    for (int r = 0; r < height; ++r) strip[d * height + r] = row[r] != nullptr ? row[r][d] : 0.0f;
  }
}

// tile (1, 8) = a row (depth) · panel (depth, 8) + bias: a single row (the one
// word a masked-word loss scores, the new word a decoder step writes) needs no
// strip, and a four-row kernel would compute three rows of zeros beside it.
// Four depth steps a trip, into two pairs of accumulators, keep the loop's
// own instructions few next to its 16 mul/adds.
__attribute__((noinline)) void row_kernel(int depth, const float* a, const float* panel, float* out,
                                          const float* bias) {
  f32x4 low0 = simd::splat(0.0f), high0 = low0, low1 = low0, high1 = low0;
  int d = 0;
  for (; d + 4 <= depth; d += 4, panel += 4 * kPanelWidth) {
    low0 = simd::mul_add(simd::splat(a[d]), simd::load(panel), low0);
    high0 = simd::mul_add(simd::splat(a[d]), simd::load(panel + 4), high0);
    low1 = simd::mul_add(simd::splat(a[d + 1]), simd::load(panel + kPanelWidth), low1);
    high1 = simd::mul_add(simd::splat(a[d + 1]), simd::load(panel + kPanelWidth + 4), high1);
    low0 = simd::mul_add(simd::splat(a[d + 2]), simd::load(panel + 2 * kPanelWidth), low0);
    high0 = simd::mul_add(simd::splat(a[d + 2]), simd::load(panel + 2 * kPanelWidth + 4), high0);
    low1 = simd::mul_add(simd::splat(a[d + 3]), simd::load(panel + 3 * kPanelWidth), low1);
    high1 = simd::mul_add(simd::splat(a[d + 3]), simd::load(panel + 3 * kPanelWidth + 4), high1);
  }
  for (; d < depth; ++d, panel += kPanelWidth) {
    low0 = simd::mul_add(simd::splat(a[d]), simd::load(panel), low0);
    high0 = simd::mul_add(simd::splat(a[d]), simd::load(panel + 4), high0);
  }
  low0 = simd::add(low0, low1);
  high0 = simd::add(high0, high1);
  if (bias != nullptr) {
    low0 = simd::add(low0, simd::load(bias));
    high0 = simd::add(high0, simd::load(bias + 4));
  }
  simd::store(out, low0);
  simd::store(out + 4, high0);
}

// Rows are taken in blocks whose strips fill about 256 KB: they stay in L2
// while every panel passes over them, and S4's 2048 rows never need a full copy.
constexpr std::size_t kStripBlockFloats = 64 * 1024;

// Sizes packed for (depth, cols) and has fill_panel(panel, col0, width) write
// every value of each panel: columns [col0, col0 + width) and zeros past them.
template <typename FillPanel>
void pack(int depth, int cols, PackedMatrix& packed, FillPanel fill_panel) {
  packed.depth = depth;
  packed.cols = cols;
  packed.panels.resize(static_cast<std::size_t>(panel_count(cols)) * depth * kPanelWidth);
  for (int p = 0; p < panel_count(cols); ++p) {
    const int col0 = p * kPanelWidth;
    fill_panel(packed.panels.data() + static_cast<std::size_t>(p) * depth * kPanelWidth, col0,
               std::min(kPanelWidth, cols - col0));
  }
}

// The general case: one value at a time from element(d, c), zeros past width,
// for depth rows [first_depth, depth).
template <typename Element>
void fill_panel_by_element(float* panel, int first_depth, int depth, int col0, int width, Element element) {
  for (int d = first_depth; d < depth; ++d) {
    for (int w = 0; w < kPanelWidth; ++w) panel[d * kPanelWidth + w] = w < width ? element(d, col0 + w) : 0.0f;
  }
}
}  // namespace

void pack_columns(const float* source, int depth, int cols, int row_stride, PackedMatrix& packed) {
  pack(depth, cols, packed, [&](float* panel, int col0, int width) {
    if (width < kPanelWidth) {
      fill_panel_by_element(panel, 0, depth, col0, width,
                            [&](int d, int c) { return source[static_cast<std::size_t>(d) * row_stride + c]; });
      return;
    }
    for (int d = 0; d < depth; ++d) {  // a full panel row is 8 contiguous values of source
      const float* row = source + static_cast<std::size_t>(d) * row_stride + col0;
      simd::store(panel + d * kPanelWidth, simd::load(row));
      simd::store(panel + d * kPanelWidth + 4, simd::load(row + 4));
    }
  });
}

bool packed_rows_equal(const PackedMatrix& packed, const float* rows, int first_row, int row_count, int row_stride) {
  if (first_row < 0 || row_count < 0 || first_row + row_count > packed.depth) return false;
  // Panel by panel: the packed side is read in order (row_count x 8 contiguous
  // floats a panel), the source's few rows stay in cache. Bits are compared as
  // integers, OR-ed together, with no exit inside a panel.
  auto scalar_difference = [](const float* a, const float* b, int count) {
    std::uint32_t bits = 0;
    for (int w = 0; w < count; ++w) {
      std::uint32_t x, y;
      std::memcpy(&x, a + w, sizeof x);
      std::memcpy(&y, b + w, sizeof y);
      bits |= x ^ y;
    }
    return bits;
  };
  for (int p = 0; p < panel_count(packed.cols); ++p) {
    const int col0 = p * kPanelWidth;
    const int width = std::min(kPanelWidth, packed.cols - col0);
    const float* panel = packed.panels.data() + (static_cast<std::size_t>(p) * packed.depth + first_row) * kPanelWidth;
    const float* source = rows + col0;
    if (width < kPanelWidth) {
      for (int i = 0; i < row_count; ++i) {
        if (scalar_difference(panel + i * kPanelWidth, source + static_cast<std::size_t>(i) * row_stride, width) != 0) return false;
      }
      continue;
    }
#if defined(__wasm_simd128__)
    v128_t difference = wasm_i32x4_splat(0);
    for (int i = 0; i < row_count; ++i, panel += kPanelWidth, source += row_stride) {
      difference = wasm_v128_or(difference, wasm_v128_xor(wasm_v128_load(panel), wasm_v128_load(source)));
      difference = wasm_v128_or(difference, wasm_v128_xor(wasm_v128_load(panel + 4), wasm_v128_load(source + 4)));
    }
    if (wasm_v128_any_true(difference)) return false;
#else
    std::uint32_t difference = 0;
    for (int i = 0; i < row_count; ++i, panel += kPanelWidth, source += row_stride) {
      difference |= scalar_difference(panel, source, kPanelWidth);
    }
    if (difference != 0) return false;
#endif
  }
  return true;
}

void pack_columns_transposed(const float* source, int depth, int cols, int row_stride,
                             PackedMatrix& packed) {
  auto element = [&](int d, int c) { return source[static_cast<std::size_t>(c) * row_stride + d]; };
  pack(depth, cols, packed, [&](float* panel, int col0, int width) {
    if (width < kPanelWidth) {
      fill_panel_by_element(panel, 0, depth, col0, width, element);
      return;
    }
    // A full panel: source rows col0 .. col0 + 7 become its columns, 4 x 4 at a time.
    int d = 0;
    for (; d + 4 <= depth; d += 4) {
      for (int half = 0; half < 2; ++half) {
        const float* rows = source + static_cast<std::size_t>(col0 + 4 * half) * row_stride + d;
        f32x4 v0 = simd::load(rows);
        f32x4 v1 = simd::load(rows + row_stride);
        f32x4 v2 = simd::load(rows + 2 * static_cast<std::size_t>(row_stride));
        f32x4 v3 = simd::load(rows + 3 * static_cast<std::size_t>(row_stride));
        simd::transpose4(v0, v1, v2, v3);
        float* out = panel + d * kPanelWidth + 4 * half;
        simd::store(out, v0);
        simd::store(out + kPanelWidth, v1);
        simd::store(out + 2 * kPanelWidth, v2);
        simd::store(out + 3 * kPanelWidth, v3);
      }
    }
    fill_panel_by_element(panel, d, depth, col0, kPanelWidth, element);  // the last depth % 4 rows
  });
}

void gemm_panels(int rows, const float* a, int a_stride, int depth, int cols, const float* panels,
                 std::size_t panel_stride, const float* bias, float* c, int c_stride) {
  if (rows <= 0 || cols <= 0) return;
  alignas(16) float tile[kMaxStripRows * kPanelWidth];
  if (rows == 1) {  // one row: straight from a, no strip
    for (int p = 0; p < panel_count(cols); ++p) {
      const int col0 = p * kPanelWidth;
      const float* panel_bias = bias != nullptr ? bias + col0 : nullptr;
      if (cols - col0 >= kPanelWidth) {
        row_kernel(depth, a, panels + static_cast<std::size_t>(p) * panel_stride, c + col0, panel_bias);
      } else {
        row_kernel(depth, a, panels + static_cast<std::size_t>(p) * panel_stride, tile, nullptr);
        store_partial_tile(tile, 1, cols - col0, panel_bias, c + col0, c_stride);
      }
    }
    return;
  }
  thread_local std::vector<float> strips;
  const int block_rows = std::max(4, static_cast<int>(kStripBlockFloats / std::max(depth, 1)) / 4 * 4);
  for (int block0 = 0; block0 < rows; block0 += block_rows) {
    const int rows_here = std::min(block_rows, rows - block0);
    const int fives = five_row_strips(rows_here);
    const int strip_count = fives + (rows_here - 5 * fives + 3) / 4;
    // Strip s starts at row strip_row(s) of the block, and at strip_row(s) * depth in strips.
    auto strip_row = [fives](int s) { return s <= fives ? 5 * s : 5 * fives + 4 * (s - fives); };
    strips.resize(static_cast<std::size_t>(strip_row(strip_count)) * depth);
    // 1. Regroup this block's rows of a into strips of five and four.
    for (int s = 0; s < strip_count; ++s) {
      const int r0 = strip_row(s);
      pack_strip(s < fives ? 5 : 4, rows_here - r0, a + static_cast<std::size_t>(block0 + r0) * a_stride, a_stride,
                 depth, strips.data() + static_cast<std::size_t>(r0) * depth);
    }
    // 2. Every panel against every strip: a (5 or 4, 8) tile of c each.
    for (int p = 0; p < panel_count(cols); ++p) {
      const float* panel = panels + static_cast<std::size_t>(p) * panel_stride;
      const int col0 = p * kPanelWidth;
      const int valid_cols = std::min(kPanelWidth, cols - col0);
      const float* panel_bias = bias != nullptr ? bias + col0 : nullptr;
      for (int s = 0; s < strip_count; ++s) {
        const int height = s < fives ? 5 : 4;
        const int r0 = block0 + strip_row(s);
        const float* strip = strips.data() + static_cast<std::size_t>(strip_row(s)) * depth;
        float* c_tile = c + static_cast<std::size_t>(r0) * c_stride + col0;
        const int valid_rows = std::min(height, rows - r0);
        // Two call sites per kernel on purpose: wasm-opt inlines every function
        // with a single caller, noinline or not, and inlined into this loop
        // nest the kernels ran ~25% slower (S2, one process).
        if (valid_rows == height && valid_cols == kPanelWidth) {
          if (height == 5) {
            micro_kernel<5>(depth, strip, panel, c_tile, c_stride, panel_bias);
          } else {
            micro_kernel<4>(depth, strip, panel, c_tile, c_stride, panel_bias);
          }
        } else {
          if (height == 5) {
            micro_kernel<5>(depth, strip, panel, tile, kPanelWidth, nullptr);
          } else {
            micro_kernel<4>(depth, strip, panel, tile, kPanelWidth, nullptr);
          }
          store_partial_tile(tile, valid_rows, valid_cols, panel_bias, c_tile, c_stride);
        }
      }
    }
  }
}

void gemm_packed(int rows, const float* a, int a_stride, const PackedMatrix& b, const float* bias,
                 float* c, int c_stride) {
  gemm_panels(rows, a, a_stride, b.depth, b.cols, b.panels.data(), static_cast<std::size_t>(b.depth) * kPanelWidth,
              bias, c, c_stride);
}

}  // namespace attention_lab
