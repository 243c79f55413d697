// The benchmarks' inputs: one multi-head attention problem per shape, from a
// small seeded generator, so every implementation (and both benchmark
// scripts) gets the same numbers.
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296 - 0.5;
  };
}

export function problem({ seqLen, dModel, heads }) {
  const next = random(seqLen * 31 + dModel);
  const matrix = (n) => Float32Array.from({ length: n }, next);
  return { x: matrix(seqLen * dModel), wq: matrix(dModel * dModel), wk: matrix(dModel * dModel), wv: matrix(dModel * dModel),
    wo: matrix(dModel * dModel), seqLen, dModel, numHeads: heads, wantAttention: false, wantHeadOutputs: false };
}
