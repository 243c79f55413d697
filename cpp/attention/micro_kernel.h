// The GEMM's register-blocked micro-kernel, in a header of its own so the
// benchmark's peak probe (cpp/bench/probes.cpp) can time the very same code.
#pragma once

#include <cstddef>

#include "attention/gemm.h"
#include "attention/simd4.h"

namespace attention_lab::detail {

using simd::f32x4;

// tile (kRows, 8) = strip (depth, kRows)ᵀ · panel (depth, 8), kRows = 4 or 5
//
// strip holds kRows rows of a interleaved (strip[d * kRows + r] = a[r][d]), so
// the kernel walks just two pointers, one per operand, each bumped once a
// depth step. Emscripten builds with loop strength reduction off, so indexed
// forms (a[r][d], panel[d * 8]) cost V8 an address computation per load; with
// 4 broadcasts, 2 loads and 16 mul/add a step, those extra integer ops would
// keep the kernel from the FP units' rate.
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

}  // namespace attention_lab::detail
