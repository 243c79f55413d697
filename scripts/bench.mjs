#!/usr/bin/env node
// Multi-head attention forward, side by side in one run (not a test; these
// machines are shared and noisy, so only ratios within one run mean anything).
//
//   npm run bench [-- --json] [-- --quick] [-- --shapes S1,S2]
//
// Implementations: our wasm engine (SIMD kernel; a prepared layer, whose
// weights are packed once, and the one-shot call, which packs only weights it has not packed last time), plain JavaScript (straight
// loops, what a page would write by hand), native Eigen (g++ -O3
// -march=native, one thread, a child process of this run). Repetitions are
// interleaved across implementations; each cell reports the median time and
// the spread (interquartile range / median), GFLOP/s, the ratio to the best
// peer measured in this run, and the fraction of the SIMD128 peak measured in
// this same run (see 1.).
//
// Browser peers (installed into bench/ by `npm run bench`, not by npm test):
// @tensorflow/tfjs-backend-wasm and onnxruntime-web, both on one thread, fed
// the same weights, and checked to compute the same output as ours.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { loadEngine } from '../web/src/engine-node.js';
import { mhaModel } from './onnx-mha.mjs';
import { tfjsMha } from './tfjs-mha.mjs';
import { problem } from './bench-problem.mjs';
import { peakProbes, probesOf } from './bench-probes.mjs';
import { nodeModuleLoader } from '../web/src/node-module.js';
import { recordConsole, writeReportSection } from './bench-report.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// Child mode: S4 through a prepared layer in a fresh process, then the size of
// the wasm memory (it never shrinks, so that is the run's peak) and the RSS.
if (process.argv.includes('--s4-memory')) {
  const engine = await loadEngine();
  const inputs = problem({ seqLen: 2048, dModel: 768, heads: 12 });
  const layer = engine.prepareLayer(inputs);
  layer.run(inputs);
  console.log(JSON.stringify({ wasmMemoryBytes: engine.memoryBytes(), mallocBytesInUse: engine.heapBytesInUse(), rssBytes: process.memoryUsage().rss }));
  process.exit(0);
}

const printed = recordConsole();
const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const only = (() => {
  const index = process.argv.indexOf('--shapes');
  return index >= 0 ? new Set(process.argv[index + 1].split(',')) : null;
})();
const ALL_SHAPES = [
  { name: 'S1', seqLen: 12, dModel: 64, heads: 4, repetitions: quick ? 50 : 400 },
  { name: 'S2', seqLen: 32, dModel: 512, heads: 8, repetitions: quick ? 10 : 60 },
  // S3's plain JavaScript takes ~6 s a call: it runs in the first rounds only, the rest get 25
  { name: 'S3', seqLen: 512, dModel: 768, heads: 12, repetitions: quick ? 3 : 25, plainJsRepetitions: quick ? 1 : 3 },
  { name: 'S4', seqLen: 2048, dModel: 768, heads: 12, repetitions: quick ? 1 : 3, skipPlainJs: true },
];
const SHAPES = ALL_SHAPES.filter((shape) => !only || only.has(shape.name));

// FLOPs of one forward pass (multiply-add = 2): Q, K, V and W_O projections, QKᵀ and weights·V.
const flopsOf = ({ seqLen, dModel }) => 2 * seqLen * dModel * dModel * 4 + 2 * 2 * seqLen * seqLen * dModel;


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

// 1. This machine's WebAssembly SIMD128 peak, measured now with two small
//    mul/add loops: six independent f32x4 mul chains and six add chains (the
//    two mul and two add units kept busy, no memory traffic), and our 5 x 8
//    micro-kernel on operands that stay in L1. Each rate is a lower bound on
//    the peak, so the faster counts. V8 runs a wasm function in its baseline
//    tier until it has been called often enough, so warm up with many short
//    calls and time short calls too. Measured before and after the shapes
//    (best of 5, the faster of the two), and once per round beside the
//    implementations: this host's clock moves by 10-20% over seconds, so the
//    pass/fail fraction compares our median with the probe's median over the
//    same minutes; the fraction of the run's best burst is printed beside it.
const probes = await nodeModuleLoader('../../build/wasm/attention_probes_node.js', probesOf, 'probes module')();
const { rate: probeRate, best: bestRate } = peakProbes(probes, () => Number(process.hrtime.bigint()) / 1e6);
let chainsGflops = bestRate('simdPeakLoop');
let ceilingGflops = bestRate('microKernelInCache');
// Any mul/add loop's rate is a lower bound on the peak; the faster of the two
// is the peak we report against (Node's V8 runs the chains faster, Chromium's
// the micro-kernel).
let peakGflops = Math.max(chainsGflops, ceilingGflops);
// One probe sample a round, beside the implementations: the faster of the two loops.
const probePeak = () => Math.max(probeRate('simdPeakLoop', 1000), probeRate('microKernelInCache', 1000));

// 2. Native peer in a child process of this run.
const nativeBinary = `${ROOT}build/native/attention_native_bench`;
let native = {};
if (existsSync(nativeBinary)) {
  const shapes = SHAPES.map((s) => `${s.name}:${s.seqLen}:${s.dModel}:${s.heads}:${s.repetitions}`);
  const run = spawnSync(nativeBinary, shapes, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  if (run.status === 0) native = JSON.parse(run.stdout);
}

// 3. The browser peers, if installed.
const peerRequire = createRequire(`${ROOT}bench/package.json`);
let tf = null;
let ort = null;
try {
  tf = peerRequire('@tensorflow/tfjs-core');
  const wasmBackend = peerRequire('@tensorflow/tfjs-backend-wasm');
  wasmBackend.setThreadsCount(1);
  wasmBackend.setWasmPaths(`${ROOT}bench/node_modules/@tensorflow/tfjs-backend-wasm/dist/`);
  await tf.setBackend('wasm');
  await tf.ready();
} catch (error) {
  tf = null;
  if (!json) console.log(`tfjs-backend-wasm not measured: ${error.message.split('\n')[0]} (npm run bench installs it)`);
}
try {
  ort = await import(peerRequire.resolve('onnxruntime-web'));
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = `${ROOT}bench/node_modules/onnxruntime-web/dist/`;
} catch (error) {
  ort = null;
  if (!json) console.log(`onnxruntime-web not measured: ${error.message.split('\n')[0]} (npm run bench installs it)`);
}

function tfjsPeer(inputs) {
  return tfjsMha(tf, inputs);
}

async function ortPeer(inputs) {
  const session = await ort.InferenceSession.create(mhaModel({ ...inputs, heads: inputs.numHeads }));
  const x = new ort.Tensor('float32', inputs.x, [inputs.seqLen, inputs.dModel]);
  return { run: async () => (await session.run({ x })).y.data, dispose: () => session.release() };
}

function relativeDifference(a, b) {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return worst / scale;
}

// 4. Ours and the peers, interleaved.
const rows = [];
for (const shape of SHAPES) {
  const inputs = problem(shape);
  const flops = flopsOf(shape);
  const layer = engine.prepareLayer(inputs);  // weights packed once, inputs through one reused buffer
  const viewed = { ...inputs, views: true };  // the output read through a view of the engine's buffer (the bench keeps nothing)
  const implementations = {
    'attention-lab (wasm SIMD)': () => layer.run(viewed),
    'attention-lab, one-shot call': () => engine.multiHeadAttention(inputs),
  };
  if (!shape.skipPlainJs) implementations['plain JavaScript'] = () => plainJs(inputs);
  const peers = [];
  if (tf) peers.push(['tfjs-backend-wasm 4.22 (1 thread)', tfjsPeer(inputs)]);
  if (ort) peers.push(['onnxruntime-web 1.22 (wasm, 1 thread)', await ortPeer(inputs)]);
  const reference = layer.run(inputs).output;
  const agreement = {};
  for (const [name, peer] of peers) {
    implementations[name] = peer.run;
    agreement[name] = relativeDifference(await peer.run(), reference);  // same computation?
  }
  const times = Object.fromEntries(Object.keys(implementations).map((k) => [k, []]));
  for (let w = 0; w < (shape.seqLen < 100 ? 20 : 1); w++) {
    for (const run of Object.values(implementations)) await run();  // warm up: first calls run baseline code
  }
  // the peak probe runs once per round too, so the fraction below compares
  // two medians over the same minutes (this host's clock moves by 10-20%)
  const peakSamples = [];
  for (let r = 0; r < shape.repetitions; r++) {
    peakSamples.push(probePeak());
    for (const [name, run] of Object.entries(implementations)) {
      if (name === 'plain JavaScript' && r >= (shape.plainJsRepetitions ?? Infinity)) continue;
      const start = process.hrtime.bigint();
      await run();
      times[name].push(Number(process.hrtime.bigint() - start) / 1e9);
    }
  }
  layer.release();
  for (const [, peer] of peers) await peer.dispose();
  if (native[shape.name]) times['native Eigen -O3 -march=native'] = native[shape.name].seconds;
  const results = Object.fromEntries(Object.entries(times).map(([name, seconds]) => {
    const s = summary(seconds);
    return [name, { ...s, gflops: flops / s.median / 1e9 }];
  }));
  const ours = results['attention-lab (wasm SIMD)'];
  const browserPeers = Object.entries(results).filter(([name]) => name === 'plain JavaScript' || name.startsWith('tfjs') || name.startsWith('onnxruntime'));
  const bestPeer = browserPeers.reduce((best, [, r]) => (!best || r.median < best.median ? r : best), null);
  const bestPeerName = browserPeers.find(([, r]) => r === bestPeer)?.[0];
  rows.push({ shape: shape.name, seqLen: shape.seqLen, dModel: shape.dModel, heads: shape.heads, flops, results, agreement, bestPeer: bestPeerName,
    ratioToBestBrowserPeer: bestPeer ? bestPeer.median / ours.median : null,
    // issue 21 asks for the peer ratios through the one-shot call (the README's first API)
    oneShotRatioToBestBrowserPeer: bestPeer && results['attention-lab, one-shot call'] ? bestPeer.median / results['attention-lab, one-shot call'].median : null,
    peakInWindowGflops: [...peakSamples].sort((a, b) => a - b)[peakSamples.length >> 1],
    fractionOfPeak: ours.gflops / peakGflops,
    ratioToNative: results['native Eigen -O3 -march=native'] ? results['native Eigen -O3 -march=native'].median / ours.median : null });
}

chainsGflops = Math.max(chainsGflops, bestRate('simdPeakLoop'));
ceilingGflops = Math.max(ceilingGflops, bestRate('microKernelInCache'));
peakGflops = Math.max(chainsGflops, ceilingGflops);
for (const row of rows) {
  const ours = row.results['attention-lab (wasm SIMD)'].gflops;
  row.fractionOfPeak = ours / peakGflops;  // against the best burst of the whole run
  row.fractionOfPeakInWindow = ours / row.peakInWindowGflops;  // against the probe's median beside these runs
}

// Live training (issue 8; issue 21 item 1): one step of the default
// configuration (copy the previous token, d_model 32, 4 heads, 1 layer, batch
// 32) and of the attention-only induction task (2 layers, 32 x 24 tokens, causal),
// wasm in this process vs the native build of the same C++ (one thread),
// interleaved rounds.
const TRAINING_CONFIGS = [
  { task: 'copy-previous', config: 'copy-previous, d_model 32, 4 heads, 1 layer with MLP, batch 32 x 12 tokens' },
  { task: 'induction', config: 'induction, d_model 32, 4 heads, 2 attention-only layers, causal, batch 32 x 24 tokens' },
];
async function measureTraining() {
  const nativeTrainer = `${ROOT}build/native/attention_live_train`;
  let trainerEngine;
  try {
    trainerEngine = await (await import('../web/src/trainer-node.js')).loadTrainerEngine();
  } catch (error) {
    return [{ error: error.message }];
  }
  const steps = quick ? 40 : 100;
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const results = [];
  for (const { task, config } of TRAINING_CONFIGS) {
    const wasm = [];
    const native = [];
    for (let round = 0; round < (quick ? 3 : 7); round++) {
      const trainer = trainerEngine.create({ task, seed: round + 1 });
      trainer.step(5);  // warm up
      const started = performance.now();
      trainer.step(steps);
      wasm.push((performance.now() - started) / steps);
      trainer.release();
      if (existsSync(nativeTrainer)) {
        const run = spawnSync(nativeTrainer, ['--task', task, '--seed', String(round + 1), '--steps', String(steps + 5), '--every', '0', '--time'],
          { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
        if (run.status === 0) native.push(JSON.parse(run.stdout).step_ms);
      }
    }
    const result = { task, config, wasmStepMs: median(wasm) };
    if (native.length) {
      result.nativeStepMs = median(native);
      result.wasmOverNative = result.wasmStepMs / result.nativeStepMs;
    }
    results.push(result);
  }
  return results;
}
const training = await measureTraining();
const s4Memory = (() => {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--s4-memory'], { encoding: 'utf8' });
  return child.status === 0 ? JSON.parse(child.stdout.trim().split('\n').pop()) : null;
})();
const trainerBundle = `${ROOT}dist/attention-lab-trainer.js`;
const trainerSize = existsSync(trainerBundle) ? (() => { const bytes = readFileSync(trainerBundle); return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length }; })() : null;

const bundle = `${ROOT}dist/attention-lab.js`;
const size = existsSync(bundle) ? (() => { const bytes = readFileSync(bundle); return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length }; })() : null;

if (json) {
  console.log(JSON.stringify({ node: process.version, simd128PeakGflops: peakGflops, independentChainsGflops: chainsGflops, inCacheCeilingGflops: ceilingGflops, rows, widgetBundle: size, training, trainerBundle: trainerSize, s4Memory }, null, 2));
} else {
  console.log(`SIMD128 peak measured in this run: ${peakGflops.toFixed(1)} GFLOP/s, the faster of two mul/add loops: ` +
    `independent f32x4 mul and add chains ${chainsGflops.toFixed(1)}, our 5x8 micro-kernel on L1 operands ${ceilingGflops.toFixed(1)}\n`);
  for (const row of rows) {
    console.log(`${row.shape}: seq_len ${row.seqLen}, d_model ${row.dModel}, ${row.heads} heads, ${(row.flops / 1e6).toFixed(2)} MFLOP`);
    for (const [name, r] of Object.entries(row.results)) {
      console.log(`  ${name.padEnd(34)} ${(r.median * 1e3).toFixed(3).padStart(10)} ms  ±${(r.spread * 100).toFixed(0).padStart(3)}%  ${r.gflops.toFixed(1).padStart(6)} GFLOP/s  (${r.runs} runs)`);
    }
    for (const [name, difference] of Object.entries(row.agreement)) {
      console.log(`  (${name} agrees with ours to ${difference.toExponential(1)} relative)`);
    }
    const ratio = row.ratioToBestBrowserPeer ? `${row.ratioToBestBrowserPeer.toFixed(2)}× the best browser peer (${row.bestPeer})` : 'no browser peer run';
    console.log(`  → ours: ${ratio}; ${(row.fractionOfPeakInWindow * 100).toFixed(0)}% of the SIMD128 peak probed between these runs ` +
      `(median ${row.peakInWindowGflops.toFixed(1)} GFLOP/s), ${(row.fractionOfPeak * 100).toFixed(0)}% of the run's best burst; ` +
      `${row.ratioToNative ? `${(row.ratioToNative * 100).toFixed(0)}% of native speed` : 'native not run'}\n`);
  }
  for (const run of training) {
    if (run.error) console.log(`live training not measured: ${run.error}`);
    else {
      console.log(`Live training step (${run.config}): wasm ${run.wasmStepMs.toFixed(2)} ms` +
        (run.nativeStepMs ? `, native ${run.nativeStepMs.toFixed(2)} ms → wasm takes ${run.wasmOverNative.toFixed(2)}× native` : ', native not run'));
    }
  }
  if (size) console.log(`widget bundle (wasm + JS, without model weights): ${(size.raw / 1024).toFixed(0)} KB raw, ${(size.gzip / 1024).toFixed(0)} KB gzip`);
  if (trainerSize) console.log(`trainer bundle (loaded only by <attention-trainer>): ${(trainerSize.raw / 1024).toFixed(0)} KB raw, ${(trainerSize.gzip / 1024).toFixed(0)} KB gzip`);
  // Issue 5's targets (a prepared layer) and issue 21's (the same, through the one-shot call), as pass/fail lines (nothing else depends on them).
  const target = { S1: 2.5, S2: 1.6, S3: 1.5 };
  for (const row of rows) {
    if (target[row.shape] && row.ratioToBestBrowserPeer) {
      const peersMeasured = Object.keys(row.agreement).length === 2;
      console.log(`${row.ratioToBestBrowserPeer >= target[row.shape] ? 'PASS' : 'FAIL'} ${row.shape}: ${row.ratioToBestBrowserPeer.toFixed(2)}× the best peer (target ≥ ${target[row.shape]}×)${peersMeasured ? '' : ' [tfjs/ort not both measured]'}`);
      if (row.oneShotRatioToBestBrowserPeer) {
        console.log(`${row.oneShotRatioToBestBrowserPeer >= target[row.shape] ? 'PASS' : 'FAIL'} ${row.shape} through the one-shot call: ` +
          `${row.oneShotRatioToBestBrowserPeer.toFixed(2)}× the best peer (target ≥ ${target[row.shape]}×)${peersMeasured ? '' : ' [tfjs/ort not both measured]'}`);
      }
    }
    const oneShot = row.results['attention-lab, one-shot call'], preparedRun = row.results['attention-lab (wasm SIMD)'];
    if (oneShot && preparedRun) {
      const ratio = oneShot.median / preparedRun.median;
      console.log(`${ratio <= 1.15 ? 'PASS' : 'FAIL'} ${row.shape}: the one-shot call takes ${ratio.toFixed(2)}× a prepared layer (target ≤ 1.15×; the same weights each call, compared bit for bit, not re-packed)`);
    }
    if (row.shape === 'S2' || row.shape === 'S3') {
      console.log(`${row.fractionOfPeakInWindow >= 0.7 ? 'PASS' : 'FAIL'} ${row.shape}: ${(row.fractionOfPeakInWindow * 100).toFixed(0)}% of the measured SIMD128 peak (target ≥ 70%; ` +
        `${(row.fractionOfPeak * 100).toFixed(0)}% of the run's best burst)`);
    }
  }
  if (s4Memory) {
    console.log(`${s4Memory.wasmMemoryBytes < 64 * 2 ** 20 ? 'PASS' : 'FAIL'} S4 peak memory: wasm heap ${(s4Memory.wasmMemoryBytes / 2 ** 20).toFixed(1)} MB ` +
      `(target < 64 MB; streaming softmax, a fresh process; its whole RSS, Node included, ${(s4Memory.rssBytes / 2 ** 20).toFixed(0)} MB)`);
  }
  for (const run of training) {
    if (run.wasmOverNative) {
      console.log(`${run.wasmOverNative <= 1.25 ? 'PASS' : 'FAIL'} live training (${run.task}): a wasm step takes ${run.wasmOverNative.toFixed(2)}× native (target ≤ 1.25×; both on the trainer's SIMD kernels)`);
    }
  }
  if (size) console.log(`${size.gzip <= 200 * 1024 ? 'PASS' : 'FAIL'} widget bundle ${(size.gzip / 1024).toFixed(0)} KB gzip (target ≤ 200 KB)`);
}
if (!json && !process.argv.includes('--no-report')) writeReportSection('Node', `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`, printed());
