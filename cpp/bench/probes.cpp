#include "bench/probes.h"

#include <vector>

#include "attention/micro_kernel.h"
#include "attention/simd4.h"

namespace attention_lab {

using detail::micro_kernel;
using simd::f32x4;

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
  alignas(16) static const float zero_bias[kPanelWidth] = {};
  float checksum = 0;
  // Two call sites, as in the GEMM: wasm-opt inlines a function with a single
  // caller, and inlined into this loop the kernel runs at about half its speed.
  for (int r = 0; r < repetitions; ++r) {
    if (r & 1) {
      micro_kernel<5>(depth, operands.strip.data(), operands.panel.data(), tile, kPanelWidth, nullptr);
    } else {
      micro_kernel<5>(depth, operands.strip.data(), operands.panel.data(), tile, kPanelWidth, zero_bias);
    }
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
