#!/usr/bin/env node
// Multi-head attention forward, side by side in one run (not a test; these
// machines are shared and noisy, so only ratios within one run mean anything).
//
//   npm run bench [-- --json] [-- --quick]
//
// Implementations: our wasm engine (SIMD kernel; a prepared layer, whose
// weights are packed once, and the one-shot call that packs every time), plain JavaScript (straight
// loops, what a page would write by hand), native Eigen (g++ -O3
// -march=native, one thread, a child process of this run). Repetitions are
// interleaved across implementations; each cell reports the median time and
// the spread (interquartile range / median), GFLOP/s, the ratio to the best
// peer measured in this run, and the fraction of the in-cache ceiling (our
// own micro-kernel on L1-resident operands) measured in this same run.
//
// Not measured here (yet): @tensorflow/tfjs-backend-wasm and onnxruntime-web;
// see the README's performance section.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { loadEngine } from '../web/src/engine-node.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const SHAPES = [
  { name: 'S1', seqLen: 12, dModel: 64, heads: 4, repetitions: quick ? 50 : 400 },
  { name: 'S2', seqLen: 32, dModel: 512, heads: 8, repetitions: quick ? 10 : 60 },
  { name: 'S3', seqLen: 512, dModel: 768, heads: 12, repetitions: quick ? 3 : 9 },
  { name: 'S4', seqLen: 2048, dModel: 768, heads: 12, repetitions: quick ? 1 : 3, skipPlainJs: true },
];

// FLOPs of one forward pass (multiply-add = 2): Q, K, V and W_O projections, QKᵀ and weights·V.
const flopsOf = ({ seqLen, dModel }) => 2 * seqLen * dModel * dModel * 4 + 2 * 2 * seqLen * seqLen * dModel;

function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296 - 0.5;
  };
}

function problem({ seqLen, dModel, heads }) {
  const next = random(seqLen * 31 + dModel);
  const matrix = (n) => Float32Array.from({ length: n }, next);
  return { x: matrix(seqLen * dModel), wq: matrix(dModel * dModel), wk: matrix(dModel * dModel), wv: matrix(dModel * dModel),
    wo: matrix(dModel * dModel), seqLen, dModel, numHeads: heads, wantAttention: false, wantHeadOutputs: false };
}

// Plain JavaScript multi-head attention: the peer a page author writes by hand.
function plainJs({ x, wq, wk, wv, wo, seqLen: n, dModel: d, numHeads: h }) {
  const dk = d / h;
  const project = (w) => {
    const out = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) {
      const a = x[i * d + k];
      for (let j = 0; j < d; j++) out[i * d + j] += a * w[k * d + j];
    }
    return out;
  };
  const q = project(wq), k = project(wk), v = project(wv);
  const concat = new Float32Array(n * d);
  const scores = new Float32Array(n);
  const scale = 1 / Math.sqrt(dk);
  for (let head = 0; head < h; head++) {
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let c = 0; c < dk; c++) dot += q[i * d + head * dk + c] * k[j * d + head * dk + c];
        scores[j] = dot * scale;
        if (scores[j] > max) max = scores[j];
      }
      let total = 0;
      for (let j = 0; j < n; j++) total += (scores[j] = Math.exp(scores[j] - max));
      for (let j = 0; j < n; j++) {
        const w = scores[j] / total;
        for (let c = 0; c < dk; c++) concat[i * d + head * dk + c] += w * v[j * d + head * dk + c];
      }
    }
  }
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let k2 = 0; k2 < d; k2++) {
    const a = concat[i * d + k2];
    for (let j = 0; j < d; j++) out[i * d + j] += a * wo[k2 * d + j];
  }
  return out;
}

function summary(seconds) {
  const sorted = [...seconds].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const median = at(0.5);
  return { median, spread: sorted.length > 3 ? (at(0.75) - at(0.25)) / median : 0, runs: sorted.length };
}

const engine = await loadEngine();

// 1. This machine's in-cache ceiling for our kernels, measured now: the same
//    4 x 8 wasm SIMD micro-kernel on operands that stay in L1 (best of 5).
//    The issue's reference figure is the SIMD128 peak (2 f32x4 mul + 2 f32x4
//    add per cycle); a dependent mul/add probe cannot reach it under V8, so we
//    report against what our own inner loop does with perfect data instead.
//    V8 runs a wasm function in its baseline tier until it has been called
//    often enough, so warm up with many short calls and time short calls too.
for (let i = 0; i < 300; i++) engine.microKernelInCache(1000);
let peakSeconds = Infinity;
for (let r = 0; r < 5; r++) {
  const start = process.hrtime.bigint();
  for (let k = 0; k < 100; k++) engine.microKernelInCache(2000);
  peakSeconds = Math.min(peakSeconds, Number(process.hrtime.bigint() - start) / 1e9);
}
const peakGflops = (100 * 2000 * 16384) / peakSeconds / 1e9;

// 2. Native peer in a child process of this run.
const nativeBinary = `${ROOT}build/native/attention_native_bench`;
let native = {};
if (existsSync(nativeBinary)) {
  const shapes = SHAPES.map((s) => `${s.name}:${s.seqLen}:${s.dModel}:${s.heads}:${s.repetitions}`);
  const run = spawnSync(nativeBinary, shapes, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  if (run.status === 0) native = JSON.parse(run.stdout);
}

// 3. Ours and plain JS, interleaved.
const rows = [];
for (const shape of SHAPES) {
  const inputs = problem(shape);
  const flops = flopsOf(shape);
  const layer = engine.prepareLayer(inputs);  // weights packed once, inputs through one reused buffer
  const implementations = {
    'attention-lab (wasm SIMD)': () => layer.run(inputs),
    'attention-lab, one-shot call': () => engine.multiHeadAttention(inputs),
  };
  if (!shape.skipPlainJs) implementations['plain JavaScript'] = () => plainJs(inputs);
  const times = Object.fromEntries(Object.keys(implementations).map((k) => [k, []]));
  for (const run of Object.values(implementations)) run();  // warm up: first calls run baseline code
  for (let r = 0; r < shape.repetitions; r++) {
    for (const [name, run] of Object.entries(implementations)) {
      const start = process.hrtime.bigint();
      run();
      times[name].push(Number(process.hrtime.bigint() - start) / 1e9);
    }
  }
  layer.release();
  if (native[shape.name]) times['native Eigen -O3 -march=native'] = native[shape.name].seconds;
  const results = Object.fromEntries(Object.entries(times).map(([name, seconds]) => {
    const s = summary(seconds);
    return [name, { ...s, gflops: flops / s.median / 1e9 }];
  }));
  const ours = results['attention-lab (wasm SIMD)'];
  const browserPeers = Object.entries(results).filter(([name]) => name === 'plain JavaScript');
  const bestPeer = browserPeers.reduce((best, [, r]) => (!best || r.median < best.median ? r : best), null);
  rows.push({ shape: shape.name, seqLen: shape.seqLen, dModel: shape.dModel, heads: shape.heads, flops, results,
    ratioToBestBrowserPeer: bestPeer ? bestPeer.median / ours.median : null,
    fractionOfInCacheCeiling: ours.gflops / peakGflops,
    ratioToNative: results['native Eigen -O3 -march=native'] ? results['native Eigen -O3 -march=native'].median / ours.median : null });
}

const bundle = `${ROOT}dist/attention-lab.js`;
const size = existsSync(bundle) ? (() => { const bytes = readFileSync(bundle); return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length }; })() : null;

if (json) {
  console.log(JSON.stringify({ node: process.version, inCacheCeilingGflops: peakGflops, rows, widgetBundle: size }, null, 2));
} else {
  console.log(`In-cache ceiling measured in this run: ${peakGflops.toFixed(1)} GFLOP/s (our 4x8 wasm SIMD micro-kernel, operands in L1)\n`);
  for (const row of rows) {
    console.log(`${row.shape}: seq_len ${row.seqLen}, d_model ${row.dModel}, ${row.heads} heads, ${(row.flops / 1e6).toFixed(2)} MFLOP`);
    for (const [name, r] of Object.entries(row.results)) {
      console.log(`  ${name.padEnd(34)} ${(r.median * 1e3).toFixed(3).padStart(10)} ms  ±${(r.spread * 100).toFixed(0).padStart(3)}%  ${r.gflops.toFixed(1).padStart(6)} GFLOP/s  (${r.runs} runs)`);
    }
    const ratio = row.ratioToBestBrowserPeer ? `${row.ratioToBestBrowserPeer.toFixed(1)}× plain JS` : 'plain JS not run';
    console.log(`  → ours: ${ratio}; ${(row.fractionOfInCacheCeiling * 100).toFixed(0)}% of the in-cache ceiling; ` +
      `${row.ratioToNative ? `${(row.ratioToNative * 100).toFixed(0)}% of native speed` : 'native not run'}\n`);
  }
  if (size) console.log(`widget bundle (wasm + JS, without model weights): ${(size.raw / 1024).toFixed(0)} KB raw, ${(size.gzip / 1024).toFixed(0)} KB gzip`);
  console.log('targets (issue 5) are not claimed here: tfjs-backend-wasm and onnxruntime-web are not measured yet.');
}
