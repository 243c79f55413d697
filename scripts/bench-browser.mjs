#!/usr/bin/env node
// The benchmark in Chromium (its V8 differs from Node's; S1-S4 against the
// same peers, and ours alone on S1-S3 beside the peak probes), plus what a learner
// feels: keystroke -> recomputed -> repainted for a 64-token sentence, and
// page load -> first heatmap, each beside its floor (scripts/bench-latency.mjs).
// Not a test; prints medians from one run. The
// peers (tfjs-backend-wasm, onnxruntime-web) run in the same Chromium page when
// bench/node_modules has them (npm run bench:browser installs them).
//
//   npm run bench:browser [-- --json]   (-- --keystroke-only: just the typing latency;
//                                        -- --roles-only: just the live trainer's heads lighting;
//                                        -- --load-only: just page load -> first heatmap, with its floors)
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { mhaModel } from './onnx-mha.mjs';
import { problem } from './bench-problem.mjs';
import { peakProbes, probesOf } from './bench-probes.mjs';
import { recordConsole, writeReportSection } from './bench-report.mjs';
import { FLOOR_SCRIPT, TYPING_WIDGETS, describeLoad, describeTyping, measureLoad, siteWithFloors, typingWithFloor } from './bench-latency.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PORT = 8283;
const BASE = `http://127.0.0.1:${PORT}`;
const json = process.argv.includes('--json');
const printed = recordConsole();

const siteRoot = siteWithFloors(`${ROOT}dist`);
const server = spawn(process.execPath, [`${ROOT}scripts/serve.mjs`, '--port', String(PORT), '--root', siteRoot], { stdio: 'ignore' });
await new Promise((resolve) => setTimeout(resolve, 600));
// another server on the port would answer instead (and measure other files): stop
if (await fetch(`${BASE}/bench-floor.js`).then((r) => r.text(), () => '') !== FLOOR_SCRIPT) {
  console.error(`bench-browser: ${BASE} does not serve this run's files (is port ${PORT} taken by another server?)`);
  server.kill();
  process.exit(1);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
// Float32Arrays as base64, the cheapest way into page.evaluate (the page decodes them)
const base64Arrays = (arrays) => Object.fromEntries(Object.entries(arrays).map(([k, v]) => [k, Buffer.from(v.buffer).toString('base64')]));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// 5. Roles lighting (issue 19): the induction task (attention-only by
//    default) until a previous-token head in layer 1 and an induction head
//    in layer 2 are both lit, and the brackets task until its head is lit;
//    wall seconds from pressing Train, two fresh pages each, 90 s at most.
async function untilLit(task, roles, limitSeconds = 90) {
  const fresh = await browser.newPage();
  await fresh.goto(`${BASE}/index.html`);
  const trainer = fresh.locator('#trainer');
  await trainer.scrollIntoViewIfNeeded();
  await trainer.evaluate((el) => el.ready);
  await trainer.evaluate((el, t) => new Promise((resolve) => {
    el.addEventListener('attention-trainer-update', function waiting(event) {
      if (event.detail.step !== 0 || el.shadowRoot.querySelector('select[name="task"]').value !== t) return;
      el.removeEventListener('attention-trainer-update', waiting);
      resolve();
    });
    el.setAttribute('task', t);
  }), task);
  const outcome = await trainer.evaluate((el, { roles, limit }) => new Promise((resolve) => {
    const started = performance.now();
    el.addEventListener('attention-trainer-update', function done(event) {
      const run = event.detail.runs[0];
      const lit = roles.every((role) => run.litAt[role]);
      const wall = (performance.now() - started) / 1e3;
      if (!lit && wall < limit) return;
      el.removeEventListener('attention-trainer-update', done);
      el.pause();
      resolve({ lit, wallSeconds: wall, step: event.detail.step, litAt: run.litAt, attentionOnly: run.attentionOnly,
        bestScores: roles.map((_, r) => Math.max(...run.roles.map((h) => h.scores[r] ?? 0))) });
    });
    el.train();
  }), { roles, limit: limitSeconds });
  await fresh.close();
  return outcome;
}
async function measureLighting() {
  const lighting = [];
  for (const [task, roles] of [['induction', ['previous token', 'induction']], ['brackets', ['matching bracket']]]) {
    const runs = [];
    for (let r = 0; r < 2; r++) runs.push(await untilLit(task, roles));
    lighting.push({ task, roles, runs });
  }
  return lighting;
}


function describeLighting(lighting) {
  for (const { task, roles, runs } of lighting) {
    for (const run of runs) {
      const at = roles.map((role) => (run.litAt[role] ? `${role} (layer ${run.litAt[role].layer + 1}, head ${run.litAt[role].head + 1}) at step ${run.litAt[role].step}, ` +
        `${run.litAt[role].seconds.toFixed(1)} s of training` : `${role} not lit (best head ${(run.bestScores[roles.indexOf(role)] * 100).toFixed(0)}%)`)).join('; ');
      console.log(`live training, ${task}${run.attentionOnly ? ' (attention only)' : ''}: ${at}; ${run.wallSeconds.toFixed(1)} s after pressing Train, step ${run.step}`);
    }
    const worst = Math.max(...runs.map((run) => (run.lit ? run.wallSeconds : Infinity)));
    console.log(`${worst <= 30 ? 'PASS' : 'FAIL'} ${task}: ${roles.join(' and ')} head${roles.length > 1 ? 's' : ''} lit within 30 s of pressing Train (both runs)`);
  }
}

try {
  const page = await browser.newPage();
  if (process.argv.includes('--keystroke-only')) {
    for (const [name, selector] of TYPING_WIDGETS) console.log(describeTyping(name, await typingWithFloor(page, BASE, selector)));
    await browser.close();
    server.kill();
    process.exit(0);
  }
  if (process.argv.includes('--load-only')) {
    describeLoad(await measureLoad(browser, BASE));
    await browser.close();
    server.kill();
    process.exit(0);
  }
  if (process.argv.includes('--roles-only')) {
    describeLighting(await measureLighting());
    await browser.close();
    server.kill();
    process.exit(0);
  }
  // 1. Kernel speed in Chromium: a bare page with the widget bundle only.
  await page.route(`${BASE}/bench.html`, (route) => route.fulfill({ contentType: 'text/html',
    body: '<!doctype html><script src="attention-lab.js"></script><script src="attention-probes.js"></script>' }));
  await page.route(`${BASE}/attention-probes.js`, (route) => route.fulfill({ contentType: 'text/javascript',
    body: readFileSync(`${ROOT}build/wasm/attention_probes_web.js`, 'utf8') }));
  await page.goto(`${BASE}/bench.html`);
  // name, seq_len, d_model, heads, samples, runs per sample (Chromium's clock is coarse: time
  // batches), and the inputs every other benchmark uses (bench-problem.mjs), sent as base64
  const kernelShapes = [['S1', 12, 64, 4, 40, 100], ['S2', 32, 512, 8, 30, 2], ['S3', 512, 768, 12, 7, 1]].map(
    ([name, n, d, h, repetitions, batch]) => {
      const { x, wq, wk, wv, wo } = problem({ seqLen: n, dModel: d, heads: h });
      return { name, n, d, h, repetitions, batch, encoded: base64Arrays({ x, wq, wk, wv, wo }) };
    });
  await page.evaluate(`window.peakProbes = ${peakProbes.toString()}; window.probesOf = ${probesOf.toString()}`);  // the Node benchmark's probes, as source text
  const kernel = await page.evaluate(async (shapes) => {
    const engine = await AttentionLab.loadEngine();
    const decode = (text) => new Float32Array(Uint8Array.from(atob(text), (c) => c.charCodeAt(0)).buffer);
    // the SIMD128 peak: the faster of two mul/add loops (independent f32x4
    // chains, our micro-kernel on L1 operands), each a lower bound on it
    const created = createProbesModule();
    const probesModule = await (typeof created.then === 'function' ? created : created.ready);
    const { rate: probeRate, best: bestRate } = peakProbes(probesOf(probesModule), () => performance.now());
    const chains = bestRate('simdPeakLoop');
    const ceiling = bestRate('microKernelInCache');
    const peak = Math.max(chains, ceiling);
    const rows = [];
    for (const { name, n, d, h, repetitions, batch, encoded } of shapes) {
      const arrays = Object.fromEntries(Object.entries(encoded).map(([k, v]) => [k, decode(v)]));
      const inputs = { ...arrays, numHeads: h, wantAttention: false };
      const layer = engine.prepareLayer(inputs);
      const viewed = { ...inputs, views: true };  // read through a view of the engine's buffer: nothing is kept
      for (let i = 0; i < 20; i++) layer.run(viewed);
      const times = [];
      const peakSamples = [];  // the probe beside each sample: two medians over the same seconds
      for (let r = 0; r < repetitions; r++) {
        // ~2.5 ms each: Chromium's clock is coarse
        peakSamples.push(Math.max(probeRate('simdPeakLoop', 10000), probeRate('microKernelInCache', 8000)));
        const start = performance.now();
        for (let b = 0; b < batch; b++) layer.run(viewed);
        times.push((performance.now() - start) / batch);
      }
      peakSamples.sort((a, b) => a - b);
      const peakInWindow = peakSamples[peakSamples.length >> 1];
      layer.release();
      times.sort((a, b) => a - b);
      const ms = times[Math.floor(times.length / 2)];
      const flops = 2 * n * d * d * 4 + 4 * n * n * d;
      const gflops = flops / (ms / 1e3) / 1e9;
      rows.push({ name, ms, gflops, peakInWindow, ofPeakInWindow: gflops / peakInWindow, ofPeak: gflops / peak });
    }
    return { peak, chains, ceiling, rows };
  }, kernelShapes);

  // 1b. The peers in Chromium, same page, same inputs, interleaved: ours (a
  //     prepared layer), @tensorflow/tfjs-backend-wasm and onnxruntime-web
  //     (wasm, one thread), served from bench/node_modules (npm run bench installs them).
  const PEERS = `${ROOT}bench/node_modules`;
  const peerFiles = {
    'tf-core.min.js': `${PEERS}/@tensorflow/tfjs-core/dist/tf-core.min.js`,
    'tf-backend-wasm.min.js': `${PEERS}/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js`,
    'tfjs-backend-wasm.wasm': `${PEERS}/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm`,
    'tfjs-backend-wasm-simd.wasm': `${PEERS}/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm`,
    'tfjs-backend-wasm-threaded-simd.wasm': `${PEERS}/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm`,
    'ort.wasm.min.js': `${PEERS}/onnxruntime-web/dist/ort.wasm.min.js`,
    'ort-wasm-simd-threaded.mjs': `${PEERS}/onnxruntime-web/dist/ort-wasm-simd-threaded.mjs`,
    'ort-wasm-simd-threaded.wasm': `${PEERS}/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm`,
  };
  const sharedPeerCode = { 'tfjs-mha.mjs': `${ROOT}scripts/tfjs-mha.mjs` };
  let peersInChromium = null;
  if (Object.values(peerFiles).every((path) => existsSync(path))) {
    const peerPage = await browser.newPage();
    await peerPage.route(`${BASE}/peers/*`, (route) => {
      const name = new URL(route.request().url()).pathname.split('/').pop();
      const path = peerFiles[name] ?? sharedPeerCode[name];
      if (!path) return route.fulfill({ status: 404, body: 'not found' });
      const type = name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
      return route.fulfill({ contentType: type, body: readFileSync(path) });
    });
    await peerPage.route(`${BASE}/peers.html`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html>' +
      '<script src="attention-lab.js"></script><script src="peers/tf-core.min.js"></script>' +
      '<script src="peers/tf-backend-wasm.min.js"></script><script src="peers/ort.wasm.min.js"></script>' }));
    await peerPage.goto(`${BASE}/peers.html`);
    peersInChromium = [];
    // S4 as in the Node benchmark: ours streams its softmax; each peer holds 12 x 2048 x 2048 weights
    for (const [name, n, d, h, repetitions] of [['S1', 12, 64, 4, 60], ['S2', 32, 512, 8, 40], ['S3', 512, 768, 12, 9], ['S4', 2048, 768, 12, 3]]) {
      const { x, wq, wk, wv, wo } = problem({ seqLen: n, dModel: d, heads: h });
      const inputs = { x, wq, wk, wv, wo };
      const encoded = base64Arrays(inputs);
      const model = Buffer.from(mhaModel({ ...inputs, seqLen: n, dModel: d, heads: h })).toString('base64');
      peersInChromium.push(await peerPage.evaluate(async ({ name, n, d, h, repetitions, encoded, model }) => {
        const decode = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
        const arrays = Object.fromEntries(Object.entries(encoded).map(([k, v]) => [k, new Float32Array(decode(v).buffer)]));
        const engine = await AttentionLab.loadEngine();
        const layer = engine.prepareLayer({ ...arrays });
        const problem = { ...arrays, numHeads: h, wantAttention: false, views: true };
        tf.wasm.setThreadsCount(1);
        tf.wasm.setWasmPaths(new URL('peers/', location.href).href);
        await tf.setBackend('wasm');
        await tf.ready();
        const { tfjsMha } = await import(new URL('peers/tfjs-mha.mjs', location.href).href);
        const tfjs = tfjsMha(tf, { ...arrays, seqLen: n, dModel: d, numHeads: h });
        ort.env.wasm.numThreads = 1;
        ort.env.wasm.wasmPaths = new URL('peers/', location.href).href;
        const session = await ort.InferenceSession.create(decode(model));
        const ortX = new ort.Tensor('float32', arrays.x, [n, d]);
        const implementations = {
          'attention-lab (wasm SIMD)': async () => layer.run(problem).output,
          'tfjs-backend-wasm 4.22': async () => tfjs.run(),
          'onnxruntime-web 1.22 (wasm)': async () => (await session.run({ x: ortX })).y.data,
        };
        const ours = Float32Array.from(await implementations['attention-lab (wasm SIMD)']());  // a copy: the view is reused
        const agreement = {};
        for (const [key, run] of Object.entries(implementations)) {
          const out = await run();
          let worst = 0;
          let scale = 0;
          for (let i = 0; i < ours.length; i++) {
            worst = Math.max(worst, Math.abs(out[i] - ours[i]));
            scale = Math.max(scale, Math.abs(ours[i]));
          }
          agreement[key] = worst / scale;
        }
        // Chromium's clock is coarse: small shapes are timed in batches
        const batch = n * d * d < 1e6 ? 50 : 1;
        const times = Object.fromEntries(Object.keys(implementations).map((key) => [key, []]));
        const warmUps = n * d * d > 1e9 ? 1 : 3;  // S4: tfjs-backend-wasm takes ~6 s a run
        for (let w = 0; w < warmUps; w++) for (const run of Object.values(implementations)) for (let b = 0; b < batch; b++) await run();
        for (let r = 0; r < repetitions; r++) {
          for (const [key, run] of Object.entries(implementations)) {
            const start = performance.now();
            for (let b = 0; b < batch; b++) await run();
            times[key].push((performance.now() - start) / batch);
          }
        }
        layer.release();
        tfjs.dispose();
        await session.release();
        const flops = 2 * n * d * d * 4 + 4 * n * n * d;
        const medians = Object.fromEntries(Object.entries(times).map(([key, values]) => {
          values.sort((a, b) => a - b);
          const ms = values[Math.floor(values.length / 2)];
          return [key, { ms, gflops: flops / (ms / 1e3) / 1e9 }];
        }));
        const peers = Object.entries(medians).filter(([key]) => !key.startsWith('attention-lab'));
        const best = peers.reduce((a, b) => (a[1].ms < b[1].ms ? a : b));
        return { name, medians, agreement, bestPeer: best[0], ratio: best[1].ms / medians['attention-lab (wasm SIMD)'].ms };
      }, { name, n, d, h, repetitions, encoded, model }));
    }
    await peerPage.close();
  }

  // 2. Page load -> first heatmap, with its floors (bench-latency.mjs).
  const load = await measureLoad(browser, BASE);
  // 3. Keystroke -> recomputed -> repainted, 64 tokens: the seeded layer and the trained model.
  const typing = {};
  for (const [name, selector] of TYPING_WIDGETS) typing[name] = await typingWithFloor(page, BASE, selector);
  // 3b. Long text (issue 20): 1,024 tokens on the seeded layer (8 heads):
  //     from changing one word to the next painted frame, median of 7.
  const longText = await page.locator('attention-lab#intro').evaluate(async (el) => {
    const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'while', 'it', 'rained', '.'];
    const passage = (k) => Array.from({ length: 1024 }, (_, i) => (i === 500 ? `word${k}` : words[i % words.length])).join(' ');
    const once = (k) => new Promise((resolve) => {
      const started = performance.now();
      el.addEventListener('attention-lab-update', () => requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started))), { once: true });
      el.setAttribute('sentence', passage(k));
    });
    await once(-1);  // the first long text: the window and overview built
    const times = [];
    for (let k = 0; k < 7; k++) times.push(await once(k));
    const seqLen = el.getAttention().seqLen;
    el.setAttribute('sentence', 'The transformer model processes all tokens in parallel using multi-head attention.');
    times.sort((a, b) => a - b);
    return { seqLen, medianMs: times[3] };
  });
  // 4. Live training (issue 8): the default task in the Web Worker, three fresh
  //    pages: wall time from pressing Train until the held-out loss reaches the
  //    target, the trainer's own training time and step time, and how evenly
  //    the page keeps painting meanwhile (requestAnimationFrame intervals).
  const trainingRuns = [];
  for (let r = 0; r < 3; r++) {
    const fresh = await browser.newPage();
    await fresh.goto(`${BASE}/index.html`);
    const trainer = fresh.locator('#trainer');
    await trainer.scrollIntoViewIfNeeded();
    await trainer.evaluate((el) => el.ready);
    trainingRuns.push(await trainer.evaluate((el) => new Promise((resolve) => {
      const frames = [];
      let last = performance.now();
      let watching = true;
      const frame = (now) => {
        frames.push(now - last);
        last = now;
        if (watching) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
      const started = performance.now();
      el.addEventListener('attention-trainer-update', function done(event) {
        const run = event.detail.runs[0];
        if (!run.reachedAt && performance.now() - started < 60_000) return;
        el.removeEventListener('attention-trainer-update', done);
        const wall = performance.now() - started;
        el.pause();
        watching = false;
        frames.sort((a, b) => a - b);
        resolve({ wallSeconds: wall / 1e3, reachedAt: run.reachedAt, stepMsText: el.shadowRoot.querySelector('.status').textContent,
          frameMedianMs: frames[Math.floor(frames.length / 2)], frameP95Ms: frames[Math.floor(frames.length * 0.95)], frames: frames.length });
      });
      el.train();
    })));
    await fresh.close();
  }
  const training = {
    task: 'copy-previous (default)',
    toTargetWallSeconds: median(trainingRuns.map((t) => t.wallSeconds)),
    toTargetSteps: median(trainingRuns.map((t) => (t.reachedAt ? t.reachedAt.step : Infinity))),
    trainingSeconds: median(trainingRuns.map((t) => (t.reachedAt ? t.reachedAt.seconds : Infinity))),
    stepMs: median(trainingRuns.map((t) => Number((/([0-9.]+) ms a step/.exec(t.stepMsText) || [])[1]))),
    frameMedianMs: median(trainingRuns.map((t) => t.frameMedianMs)),
    frameP95Ms: median(trainingRuns.map((t) => t.frameP95Ms)),
  };

  // 4b. The writer (issue 19): on the demo page, "Once upon a time" and
  //     Generate 20 words, as a learner presses it: words a second from the
  //     call to the last word painted (each word is drawn in its own frame), median of 3.
  const writing = await page.evaluate(async () => {
    const el = document.querySelector('attention-writer');
    if (!el) return { missing: 'no <attention-writer> on the demo page' };
    el.scrollIntoView();
    await el.ready;
    if (!el.getSteps().length) return { missing: 'no writer model in dist/ (web/model/attention-lab-writer.bin)' };
    const runs = [];
    for (let r = 0; r < 3; r++) {
      el.rewind(el.getSteps().filter((s) => s.prompt).length);
      const before = el.getSteps().length;
      const started = performance.now();
      await el.generate(20);
      await new Promise((resolve) => requestAnimationFrame(() => resolve()));
      const seconds = (performance.now() - started) / 1e3;
      runs.push({ words: el.getSteps().length - before, seconds });
    }
    runs.sort((a, b) => a.words / a.seconds - b.words / b.seconds);
    const text = el.getSteps().map((s) => s.word).join(' ');
    return { ...runs[1], wordsPerSecond: runs[1].words / runs[1].seconds, text };
  });
  const lighting = await measureLighting();

  const result = {
    peersInChromium,
    training,
    lighting,
    longText,
    writing,
    chromium: browser.version(),
    kernel,
    ...load,
    keystroke: typing,
  };
  if (json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    console.log(`Chromium ${result.chromium}; SIMD128 peak ${kernel.peak.toFixed(1)} GFLOP/s, the faster of two mul/add loops: ` +
      `independent f32x4 chains ${kernel.chains.toFixed(1)}, our micro-kernel on L1 operands ${kernel.ceiling.toFixed(1)}`);
    for (const row of kernel.rows) {
      console.log(`  ${row.name}: ${row.ms.toFixed(3)} ms, ${row.gflops.toFixed(1)} GFLOP/s, ${(row.ofPeakInWindow * 100).toFixed(0)}% of the SIMD128 peak probed between ` +
        `these runs (median ${row.peakInWindow.toFixed(1)} GFLOP/s), ${(row.ofPeak * 100).toFixed(0)}% of the best burst`);
    }
    if (!peersInChromium) console.log('peers in Chromium not measured: bench/node_modules is missing (npm run bench installs the peers)');
    else {
      console.log('the same shapes against the peers in Chromium (same page, same inputs, interleaved, medians):');
      for (const row of peersInChromium) {
        console.log(`  ${row.name}: ${Object.entries(row.medians).map(([key, m]) => `${key} ${m.ms.toFixed(3)} ms (${m.gflops.toFixed(1)} GFLOP/s)`).join(', ')}`);
        console.log(`    → ours ${row.ratio.toFixed(2)}× the best peer (${row.bestPeer}); outputs agree to ${Math.max(...Object.values(row.agreement)).toExponential(1)} relative`);
      }
    }
    describeLoad(result);
    for (const [name, summary] of Object.entries(typing)) {
      console.log(describeTyping(name, summary));
      console.log(`${summary.toRepaintMs <= 16 ? 'PASS' : 'FAIL'} keystroke -> repaint <= 16 ms median (${name})`);
    }
    console.log(`long text, ${longText.seqLen} tokens on the seeded layer (8 heads): one word changed -> recomputed and repainted in ${longText.medianMs.toFixed(0)} ms (median of 7)`);
    console.log(`${longText.medianMs <= 100 ? 'PASS' : 'FAIL'} recompute + repaint at 1,024 tokens <= 100 ms`);
    console.log(`live training, ${training.task}, in a Web Worker: target loss reached ${training.toTargetWallSeconds.toFixed(1)} s after ` +
      `pressing Train (step ${training.toTargetSteps}, ${training.trainingSeconds.toFixed(1)} s of training, ${training.stepMs.toFixed(1)} ms a step); ` +
      `page frames meanwhile: median ${training.frameMedianMs.toFixed(1)} ms, 95th percentile ${training.frameP95Ms.toFixed(1)} ms (medians of 3 runs)`);
    console.log(`${training.toTargetWallSeconds <= 30 ? 'PASS' : 'FAIL'} default task reaches its target within 30 s in Chromium`);
    if (writing.missing) console.log(`writer not measured: ${writing.missing}`);
    else {
      console.log(`writer: ${writing.words} words in ${writing.seconds.toFixed(2)} s after Generate = ${writing.wordsPerSecond.toFixed(1)} words/s (median of 3, one word painted per frame): "${writing.text}"`);
      console.log(`${writing.wordsPerSecond >= 20 ? 'PASS' : 'FAIL'} the writer writes >= 20 words/s in Chromium`);
    }
    describeLighting(lighting);
    writeReportSection('Chromium', 'npm run bench:browser', printed());
  }
} finally {
  await browser.close();
  server.kill();
}
