// The SIMD128 peak probes, shared by the Node benchmark and its Chromium page
// (which gets this function's source text, so it must not use anything from
// this module's scope). Each probe is a wasm mul/add loop exported by the
// engine; its rate is a lower bound on the peak.
//
// now(): milliseconds. Returns
//   rate(probe, repetitions, calls): GFLOP/s of `calls` back-to-back calls of
//     `probe`, `repetitions` each;
//   best(probe): after a warm-up (V8 runs a wasm function in its baseline tier
//     until it has been called often enough), the best of 5 timed batches.
export function peakProbes(engine, now) {
  const rate = (probe, repetitions, calls = 1) => {
    const start = now();
    for (let k = 0; k < calls; k++) engine[probe](repetitions);
    return (calls * repetitions * engine.probeFlops[probe]) / ((now() - start) / 1e3) / 1e9;
  };
  const best = (probe) => {
    for (let i = 0; i < 300; i++) engine[probe](1000);
    return Math.max(...Array.from({ length: 5 }, () => rate(probe, 2000, 100)));
  };
  return { rate, best };
}
