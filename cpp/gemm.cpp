// Register-blocked GEMM on packed panels.
//
// The micro-kernel computes a 5 x 8 tile of c (ten four-lane accumulators),
// or 4 x 8 where five rows do not divide evenly. a is regrouped into strips of
// five or four rows first (a copy of rows x depth, small next to the
// rows x depth x cols multiply-adds), so the kernel reads both operands
// sequentially.
#include "gemm.h"

#include <algorithm>

#include "simd4.h"

namespace attention_lab {

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

// tile (kRows, 8) = strip (depth, kRows)ᵀ · panel (depth, 8), kRows = 4 or 5
//
// strip holds kRows rows of a interleaved (strip[d * kRows + r] = a[r][d]), so
// the kernel walks just two pointers, one per operand, each bumped once a
// depth step. Emscripten builds with loop strength reduction off, so indexed
// forms (a[r][d], panel[d * 8]) cost V8 an address computation per load; with
// 4 broadcasts, 2 loads and 16 mul/add a step, those extra integer ops were
// what kept the kernel from the FP units' rate (S2: 2.40 -> 2.07 ms on one host).
//
// Five rows is the most V8 keeps in registers: 10 accumulators, 2 loads of b,
// a broadcast and a product = 14 of x64's 15 allocatable vector registers
// (six rows spill and run at ~60%). Each depth step also costs V8 about six
// integer and branch instructions (two pointer bumps, their zero extensions,
// the loop's compare and its stack check) beside its 4 * kRows mul/adds and
// 2 + kRows loads, and the core dispatches six a cycle: with four rows those
// instructions, not the mul and add units, set the pace. Five rows spread
// them over 20 mul/adds instead of 16.
//
// The tile goes to out (rows out_stride floats apart) plus bias (8 values, or
// null): straight into c for a full tile, into a scratch tile otherwise.
template <int kRows>
__attribute__((noinline)) void micro_kernel(int depth, const float* strip, const float* panel, float* out,
                                            int out_stride, const float* bias) {
  f32x4 low[kRows], high[kRows];  // columns 0-3 and 4-7 of each row
  for (int r = 0; r < kRows; ++r) low[r] = high[r] = simd::splat(0.0f);
  const float* const strip_end = strip + static_cast<std::size_t>(depth) * kRows;
  while (strip != strip_end) {
    const f32x4 b_low = simd::load(panel);
    const f32x4 b_high = simd::load(panel + 4);
    for (int r = 0; r < kRows; ++r) {
      const f32x4 a_broadcast = simd::splat(strip[r]);
      low[r] = simd::mul_add(a_broadcast, b_low, low[r]);
      high[r] = simd::mul_add(a_broadcast, b_high, high[r]);
    }
    strip += kRows;
    panel += kPanelWidth;
  }
  if (bias != nullptr) {
    const f32x4 bias_low = simd::load(bias), bias_high = simd::load(bias + 4);
    for (int r = 0; r < kRows; ++r) {
      low[r] = simd::add(low[r], bias_low);
      high[r] = simd::add(high[r], bias_high);
    }
  }
  for (int r = 0; r < kRows; ++r) {
    float* const row = out + static_cast<std::size_t>(r) * out_stride;
    simd::store(row, low[r]);
    simd::store(row + 4, high[r]);
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
  thread_local std::vector<float> strips;
  const int block_rows = std::max(4, static_cast<int>(kStripBlockFloats / std::max(depth, 1)) / 4 * 4);
  alignas(16) float tile[kMaxStripRows * kPanelWidth];
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

float micro_kernel_in_cache(int repetitions) {
  constexpr int depth = kMicroKernelInCacheFlops / (2 * 5 * kPanelWidth);
  struct Operands {
    std::vector<float> strip, panel;
  };
  static const Operands operands = [] {  // filled once, not on every probe call
    Operands filled{std::vector<float>(5 * depth), std::vector<float>(depth * kPanelWidth)};
    for (std::size_t i = 0; i < filled.strip.size(); ++i) filled.strip[i] = 1.0f + static_cast<float>(i % 5) * 1e-3f;
    for (std::size_t i = 0; i < filled.panel.size(); ++i) filled.panel[i] = 1.0f - static_cast<float>(i % 3) * 1e-3f;
    return filled;
  }();
  alignas(16) float tile[5 * kPanelWidth];
  float checksum = 0;
  for (int r = 0; r < repetitions; ++r) {
    micro_kernel<5>(depth, operands.strip.data(), operands.panel.data(), tile, kPanelWidth, nullptr);
    checksum += tile[r % 40];
  }
  return checksum;
}

float simd_peak_loop(int repetitions, float start) {
  // 1. Six multiply chains and six add chains, all independent: each step
  //    issues 6 f32x4.mul and 6 f32x4.add, enough to cover their latency
  //    (3 cycles, 2 units each), and 14 live vectors, which V8 keeps in registers.
  //    Spelled out on purpose: written as arrays with unrolled loops, clang
  //    rematerialises the two constants at every use and the probe reads ~10% low.
  const f32x4 factor = simd::splat(0.99999f), increment = simd::splat(1e-6f);
  f32x4 x0 = simd::splat(start), x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0;
  f32x4 y0 = x0, y1 = x0, y2 = x0, y3 = x0, y4 = x0, y5 = x0;
  const long long steps = static_cast<long long>(repetitions) * kPeakStepsPerRepetition;
  for (long long i = 0; i < steps; ++i) {
    x0 = simd::mul(x0, factor);
    x1 = simd::mul(x1, factor);
    x2 = simd::mul(x2, factor);
    x3 = simd::mul(x3, factor);
    x4 = simd::mul(x4, factor);
    x5 = simd::mul(x5, factor);
    y0 = simd::add(y0, increment);
    y1 = simd::add(y1, increment);
    y2 = simd::add(y2, increment);
    y3 = simd::add(y3, increment);
    y4 = simd::add(y4, increment);
    y5 = simd::add(y5, increment);
  }
  // 2. Fold the chains so none can be dropped as dead code.
  const f32x4 x = simd::add(simd::add(simd::add(x0, x1), simd::add(x2, x3)), simd::add(x4, x5));
  const f32x4 y = simd::add(simd::add(simd::add(y0, y1), simd::add(y2, y3)), simd::add(y4, y5));
  return simd::lane(simd::add(x, y), 0);
}

}  // namespace attention_lab
