// The analysis tools against independent computations: ablation, weight
// magnitudes, scaling and temperature, masked-word loss and predictions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomProblem, maxAbsDifference } from './helpers.mjs';

const { loadEngine, loadTrainedModel } = await import('attention-lab');
const engine = await loadEngine();
const model = await loadTrainedModel();

function meanEntropy(attention, rows, width) {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) {
      const w = attention[r * width + j];
      if (w > 0) total -= w * Math.log(w);
    }
  }
  return total / rows;
}

test('switching a head off equals recomputing with its rows of W_O zeroed (float64 reference)', () => {
  const problem = randomProblem({ seqLen: 9, dModel: 24, numHeads: 4, seed: 31 });
  for (let head = 0; head < 4; head++) {
    const headEnabled = [1, 1, 1, 1].map((on, h) => (h === head ? 0 : on));
    const ablated = engine.multiHeadAttention({ ...problem, headEnabled });
    const wo = problem.wo.slice();
    for (let r = head * 6; r < (head + 1) * 6; r++) wo.fill(0, r * 24, (r + 1) * 24);
    const recomputed = engine.referenceMultiHeadAttention({ ...problem, wo });
    assert.ok(maxAbsDifference(ablated.output, recomputed.output) <= 1e-5, `head ${head}`);
    // the weights themselves are untouched by ablation
    assert.deepEqual(ablated.attention, engine.multiHeadAttention(problem).attention);
  }
  assert.throws(() => engine.multiHeadAttention({ ...problem, headEnabled: [1, 0] }), /headEnabled must have numHeads = 4 values/);
});

test('weight magnitude is the norm of the head\'s slices of W_Q, W_K, W_V (columns) and W_O (rows)', () => {
  const problem = randomProblem({ seqLen: 2, dModel: 12, numHeads: 3, seed: 8 });
  const norms = engine.headWeightNorms({ ...problem, dModel: 12, numHeads: 3 });
  for (let h = 0; h < 3; h++) {
    let sum = 0;
    for (let r = 0; r < 12; r++) {
      for (let c = h * 4; c < h * 4 + 4; c++) {
        sum += problem.wq[r * 12 + c] ** 2 + problem.wk[r * 12 + c] ** 2 + problem.wv[r * 12 + c] ** 2 + problem.wo[c * 12 + r] ** 2;
      }
    }
    assert.ok(Math.abs(norms[h] - Math.sqrt(sum)) < 1e-4);
  }
  assert.equal(model.headNorms().length, model.config.numLayers * model.config.numHeads);
  assert.deepEqual(model.headNorms(), model.headNorms());  // deterministic ranking input
});

test('without 1/sqrt(d_k) scaling attention saturates; temperature flattens it', () => {
  const problem = randomProblem({ seqLen: 16, dModel: 256, numHeads: 2, seed: 4 });  // d_k = 128
  const scaled = meanEntropy(engine.multiHeadAttention(problem).attention, 32, 16);
  const unscaled = meanEntropy(engine.multiHeadAttention({ ...problem, scale: 1 }).attention, 32, 16);
  assert.ok(unscaled < scaled, `${unscaled} < ${scaled}`);
  let previous = -Infinity;
  for (const temperature of [0.25, 0.5, 1, 2, 4]) {
    const entropy = meanEntropy(engine.multiHeadAttention({ ...problem, temperature }).attention, 32, 16);
    assert.ok(entropy > previous);
    previous = entropy;
  }
});

test('masked-word loss and predictions agree with logits computed word by word', () => {
  const ids = model.tokenize('the old man drank a cup of tea').map((t) => t.id);
  let total = 0;
  for (let i = 0; i < ids.length; i++) {
    const masked = ids.slice();
    masked[i] = 2;  // <mask>
    const { logits } = model.run(masked, { logits: true });
    const row = logits.subarray(i * model.config.vocabSize, (i + 1) * model.config.vocabSize);
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((sum, v) => sum + Math.exp(v - max), 0));
    total -= row[ids[i]] - max - logSum;
    if (i === 3) {
      const predictions = model.predict(ids, 3, { k: 5 });
      let best = 3;
      for (let w = 4; w < row.length; w++) if (row[w] > row[best]) best = w;
      assert.equal(predictions[0].id, best);
      assert.ok(Math.abs(predictions[0].probability - Math.exp(row[best] - max - logSum)) < 1e-5);
      for (let k = 1; k < predictions.length; k++) assert.ok(predictions[k].probability <= predictions[k - 1].probability);
    }
  }
  assert.ok(Math.abs(model.maskedLoss(ids) - total / ids.length) < 1e-4);
  // switching every head of both layers off makes the sentence harder to fill in
  const allOff = new Array(model.config.numLayers * model.config.numHeads).fill(0);
  assert.ok(model.maskedLoss(ids, { headEnabled: allOff }) > model.maskedLoss(ids));
});

test('the step-by-step trace agrees with the full computation', () => {
  const problem = randomProblem({ seqLen: 7, dModel: 20, numHeads: 4, seed: 12, causal: true });
  const full = engine.referenceMultiHeadAttention(problem);
  for (const [head, query] of [[0, 0], [2, 3], [3, 6]]) {
    const t = engine.traceHead(problem, head, query);
    assert.equal(t.query.length, 5);
    assert.equal(t.keys.length, 7 * 5);
    const row = full.attention.subarray((head * 7 + query) * 7, (head * 7 + query + 1) * 7);
    assert.ok(maxAbsDifference(t.weights, row) < 1e-12);
    assert.ok(maxAbsDifference(t.headOutput, full.headOutputs.subarray((head * 7 + query) * 5, (head * 7 + query + 1) * 5)) < 1e-12);
    assert.ok(maxAbsDifference(t.output, full.output.subarray(query * 20, (query + 1) * 20)) < 1e-12);
    for (let j = 0; j < 7; j++) {
      let dot = 0;
      for (let c = 0; c < 5; c++) dot += t.query[c] * t.keys[j * 5 + c];
      assert.ok(Math.abs(dot - t.dots[j]) < 1e-9);
      assert.ok(Math.abs(t.scaled[j] - dot / Math.sqrt(5)) < 1e-9);
      assert.equal(t.hidden[j], j > query ? 1 : 0);  // causal
    }
  }
  assert.throws(() => engine.traceHead(problem, 4, 0), /head is outside/);
  assert.throws(() => engine.traceHead(problem, 0, 7), /query is outside/);
});

test('the held-out sample shipped with the model was never trained on', async () => {
  const { readFileSync, existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { ROOT } = await import('./helpers.mjs');
  const sample = readFileSync(join(ROOT, 'web/model/heldout-sample.txt'), 'utf8').split('\n').filter(Boolean);
  assert.equal(sample.length, 100);
  const trainPath = join(ROOT, 'build/corpus/train.txt');
  if (existsSync(trainPath)) {
    const train = new Set(readFileSync(trainPath, 'utf8').split('\n'));
    for (const sentence of sample) assert.ok(!train.has(sentence), sentence);
  }
});

test('gradient importance: the gate slope equals sum(head output x dL/d head output) (float64)', () => {
  const problem = randomProblem({ seqLen: 6, dModel: 16, numHeads: 4, seed: 77 });
  const r = Float64Array.from({ length: 6 * 16 }, (_, i) => Math.sin(i * 1.7));  // L = sum(output * r), linear
  const loss = (headGate) => engine.referenceMultiHeadAttention({ ...problem, headGate }).output.reduce((sum, v, i) => sum + v * r[i], 0);
  const full = engine.referenceMultiHeadAttention(problem);
  for (let h = 0; h < 4; h++) {
    // exact: dL/dgate_h = sum_i sum_c headOut[h,i,c] * (r_i . W_O[h*4 + c, :])
    let exact = 0;
    for (let i = 0; i < 6; i++) for (let c = 0; c < 4; c++) {
      let dot = 0;
      for (let k = 0; k < 16; k++) dot += r[i * 16 + k] * problem.wo[(h * 4 + c) * 16 + k];
      exact += full.headOutputs[(h * 6 + i) * 4 + c] * dot;
    }
    const gate = (value) => [1, 1, 1, 1].map((one, k) => (k === h ? value : one));
    const slope = (loss(gate(1.01)) - loss(gate(0.99))) / (Math.fround(1.01) - Math.fround(0.99));  // gates are float32
    assert.ok(Math.abs(slope - exact) < 1e-9 * Math.max(1, Math.abs(exact)), `head ${h}: ${slope} vs ${exact}`);
  }
  // gate 0 is the same as switching the head off
  assert.deepEqual(engine.multiHeadAttention({ ...problem, headGate: [1, 0, 1, 1] }).output,
    engine.multiHeadAttention({ ...problem, headEnabled: [1, 0, 1, 1] }).output);
  assert.throws(() => engine.multiHeadAttention({ ...problem, headGate: [1, NaN, 1, 1] }), /headGate values must be finite/);
});

test('gradient importance of the trained model is stable in its step size', () => {
  const ids = model.tokenize('the old man poured a cup of tea because he was tired').map((t) => t.id);
  const coarse = model.gradientImportance(ids, { step: 2e-2 });
  const fine = model.gradientImportance(ids, { step: 5e-3 });
  assert.equal(coarse.length, model.config.numLayers * model.config.numHeads);
  for (let h = 0; h < coarse.length; h++) {
    assert.ok(Math.abs(coarse[h] - fine[h]) <= 0.05 * Math.max(fine[h], 0.02), `head ${h}: ${coarse[h]} vs ${fine[h]}`);
  }
});
