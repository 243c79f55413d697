// Shared helpers for the Node suites: seeded random problems and comparisons.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function goldenCases() {
  return JSON.parse(readFileSync(new URL('../fixtures/golden.json', import.meta.url), 'utf8')).cases;
}

// mulberry32: a small deterministic generator for test data
export function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussianArray(random, count, std = 1) {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - random())) * std;
    const angle = 2 * Math.PI * random();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < count) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}

// A random problem as flat Float32Arrays (engine parameters).
export function randomProblem({ seqLen, contextLen = seqLen, dModel, numHeads, cross = false, causal = false, seed = 1, biases = true }) {
  const random = generator(seed);
  const std = 1 / Math.sqrt(dModel);
  const problem = {
    x: gaussianArray(random, seqLen * dModel),
    wq: gaussianArray(random, dModel * dModel, std),
    wk: gaussianArray(random, dModel * dModel, std),
    wv: gaussianArray(random, dModel * dModel, std),
    wo: gaussianArray(random, dModel * dModel, std),
    seqLen, contextLen: cross ? contextLen : seqLen, dModel, numHeads, causal,
  };
  if (cross) problem.context = gaussianArray(random, contextLen * dModel);
  if (biases) for (const name of ['bq', 'bk', 'bv', 'bo']) problem[name] = gaussianArray(random, dModel, 0.1);
  return problem;
}

export function flat(nested) {
  return Array.isArray(nested) ? nested.flat(Infinity) : Array.from(nested);
}

export function maxAbsDifference(a, b) {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const difference = Math.abs(a[i] - b[i]);
    if (Number.isNaN(difference)) return NaN;
    if (difference > worst) worst = difference;
  }
  return worst;
}

export function maxAbs(a) {
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i]));
  return largest;
}

// Turns a golden case (snake_case, nested) into engine parameters.
export function paramsFromCase(spec) {
  return {
    x: spec.x, context: spec.context, wq: spec.wq, wk: spec.wk, wv: spec.wv, wo: spec.wo,
    bq: spec.bq, bk: spec.bk, bv: spec.bv, bo: spec.bo, numHeads: spec.num_heads,
    causal: spec.causal, scale: spec.scale, temperature: spec.temperature,
    keyPaddingMask: spec.key_padding_mask,
  };
}
