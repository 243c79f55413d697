// Benchmark-only: not part of the shipped engine (scripts/bench*.mjs load the
// probes module built from this file and cpp/bindings/probe_bindings.cpp).
#pragma once

namespace attention_lab {

// The benchmark's two peak probes; their rates are lower bounds on this
// machine's SIMD128 peak, and the faster one is the peak it reports against.
//
// micro_kernel_in_cache runs the 5 x 8 micro-kernel `repetitions` times on
// operands that stay in L1 (depth 256). Returns a checksum.
constexpr int kMicroKernelInCacheFlops = 2 * 5 * 8 * 256;  // a repetition
float micro_kernel_in_cache(int repetitions);

// simd_peak_loop runs independent f32x4 mul and add chains, no memory traffic.
// Returns the folded chains (each lane: 6 * start * 0.99999^n + 6 * (start +
// n * 1e-6), rounded step by step in float), so the work cannot be optimised away.
constexpr int kPeakStepsPerRepetition = 256;
constexpr int kSimdPeakLoopFlops = 2 * 6 * 4 * kPeakStepsPerRepetition;  // a repetition
float simd_peak_loop(int repetitions, float start);

}  // namespace attention_lab
