// The benchmark's peak probes as a module of their own, so the shipped engine
// carries no benchmark code (scripts/bench-probes.mjs loads it).
#include <emscripten/bind.h>

#include "bench/probes.h"

EMSCRIPTEN_BINDINGS(attention_probes) {
  emscripten::function("microKernelInCache", &attention_lab::micro_kernel_in_cache);
  emscripten::function("simdPeakLoop", &attention_lab::simd_peak_loop);
  emscripten::constant("microKernelInCacheFlops", attention_lab::kMicroKernelInCacheFlops);
  emscripten::constant("simdPeakLoopFlops", attention_lab::kSimdPeakLoopFlops);
}
