// The SIMD128 peak probes, shared by the Node benchmark and its Chromium page
// (which gets peakProbes' source text, so it must not use anything from this
// module's scope). Each probe is a wasm mul/add loop exported by the probes
// module (cpp/bench/probes.cpp, built beside the engine and never shipped);
// its rate is a lower bound on the peak.
//
// now(): milliseconds. Returns
//   rate(probe, repetitions, calls): GFLOP/s of `calls` back-to-back calls of
//     `probe`, `repetitions` each;
//   best(probe): after a warm-up (V8 runs a wasm function in its baseline tier
//     until it has been called often enough), the best of 5 timed batches.
export function peakProbes(probes, now) {
  const rate = (probe, repetitions, calls = 1) => {
    const start = now();
    for (let k = 0; k < calls; k++) probes[probe](repetitions);
    return (calls * repetitions * probes.probeFlops[probe]) / ((now() - start) / 1e3) / 1e9;
  };
  const best = (probe) => {
    for (let i = 0; i < 300; i++) probes[probe](1000);
    return Math.max(...Array.from({ length: 5 }, () => rate(probe, 2000, 100)));
  };
  return { rate, best };
}

/** The probes module's functions, { microKernelInCache, simdPeakLoop, probeFlops }, from a started module. */
export function probesOf(module) {
  return { microKernelInCache: (repetitions) => module.microKernelInCache(repetitions),
    simdPeakLoop: (repetitions, start = 1) => module.simdPeakLoop(repetitions, start),
    probeFlops: { microKernelInCache: module.microKernelInCacheFlops, simdPeakLoop: module.simdPeakLoopFlops } };
}
