// Across layers in the wasm engine: the rollout and flow of the shipped model
// against a float64 reference written here in plain JavaScript from the
// engine's own attention, and the ablation check's numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadEngine } from '../../web/src/engine-node.js';
import { ROOT } from './helpers.mjs';

const MODEL = join(ROOT, 'web/model/attention-lab-model.bin');
const engine = await loadEngine();
const model = existsSync(MODEL) ? engine.loadModel(new Uint8Array(readFileSync(MODEL))) : null;

function residual(attention, layer, heads, n) {
  const out = Array.from({ length: n }, () => new Float64Array(n));
  for (let h = 0; h < heads; h++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i][j] += attention[((layer * heads + h) * n + i) * n + j] / heads;
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let j = 0; j < n; j++) { out[i][j] = 0.5 * out[i][j] + (i === j ? 0.5 : 0); total += out[i][j]; }
    for (let j = 0; j < n; j++) out[i][j] /= total;
  }
  return out;
}

test('rollout is the product of the residual-mixed layers, computed from the same attention', { skip: !model && 'no trained model' }, () => {
  const ids = model.tokenize('The old man poured a cup of tea because he was tired.').map((t) => t.id);
  const n = ids.length;
  const { numLayers, numHeads } = model.config;
  const { attention } = model.run(ids);
  let product = residual(attention, 0, numHeads, n);
  for (let l = 1; l < numLayers; l++) {
    const layer = residual(attention, l, numHeads, n);
    product = layer.map((row) => Array.from({ length: n }, (_, j) => row.reduce((sum, value, k) => sum + value * product[k][j], 0)));
  }
  const result = model.rollout(ids, { query: 3 });
  let worst = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(result.rollout[i * n + j] - product[i][j]));
  assert.ok(worst < 1e-6, `largest difference ${worst}`);
  // raw: the last layer's heads averaged
  for (let j = 0; j < n; j++) {
    let mean = 0;
    for (let h = 0; h < numHeads; h++) mean += attention[(((numLayers - 1) * numHeads + h) * n + 3) * n + j] / numHeads;
    assert.ok(Math.abs(result.raw[3 * n + j] - mean) < 1e-6);
  }
  // flow: bounded by what leaves the word at the top and by what each input word can receive
  assert.equal(result.flow.length, n);
  const lastLayer = residual(attention, numLayers - 1, numHeads, n);
  const firstLayer = residual(attention, 0, numHeads, n);
  // (flow crosses the boundary as float32: a relative rounding of 6e-8 is allowed)
  for (let j = 0; j < n; j++) {
    assert.ok(result.flow[j] > 0 && result.flow[j] <= 1 + 1e-6);
    const into = firstLayer.reduce((sum, row) => sum + row[j], 0);
    assert.ok(result.flow[j] <= into * (1 + 1e-6), `flow ${j}: ${result.flow[j]} > ${into}`);
  }
  assert.ok(lastLayer[3].every((value) => value >= 0));
  assert.throws(() => model.rollout(ids, { query: n }), /query must be a word of the sentence/);
});

test('the ablation check: correlations in [-1, 1] over the sentences that fit, the same twice', { skip: !model && 'no trained model' }, () => {
  const lines = readFileSync(join(ROOT, 'web/model/heldout-sample.txt'), 'utf8').split('\n').filter(Boolean).slice(0, 20);
  const sentences = lines.map((line) => model.tokenize(line).map((t) => t.id));
  const result = model.ablationCorrelation(sentences);
  assert.equal(result.sentences, sentences.filter((s) => s.length >= 3 && s.length <= 64).length);
  for (const key of ['raw', 'rollout', 'flow']) assert.ok(result[key] >= -1 && result[key] <= 1, `${key} ${result[key]}`);
  assert.deepEqual(model.ablationCorrelation(sentences), result);
  console.log(`# ablation check on 20 held-out sentences: raw ${result.raw.toFixed(3)}, rollout ${result.rollout.toFixed(3)}, flow ${result.flow.toFixed(3)}`);
});

// The query/key map follows the experiments: a head switched off in layer 1
// changes what layer 2 reads, so its queries and keys; a head switched off in
// layer 2 itself does not (queries and keys read the layer's input).
test('query/key geometry takes the head switches of the run', { skip: !model && 'no trained model' }, () => {
  const ids = model.tokenize('The old man poured a cup of tea because he was tired.').map((t) => t.id);
  const { numLayers, numHeads } = model.config;
  const off = (layer, head) => Array.from({ length: numLayers * numHeads }, (_, k) => (k === layer * numHeads + head ? 0 : 1));
  const plain = model.queryKeyGeometry(ids, { layer: 1, head: 0 });
  const sameLayerOff = model.queryKeyGeometry(ids, { layer: 1, head: 0, headEnabled: off(1, 2) });
  const earlierOff = model.queryKeyGeometry(ids, { layer: 1, head: 0, headEnabled: off(0, 1) });
  assert.deepEqual(sameLayerOff.queries, plain.queries);
  assert.deepEqual(sameLayerOff.keys, plain.keys);
  const moved = plain.queries.reduce((worst, [x, y], i) => Math.max(worst, Math.hypot(x - earlierOff.queries[i][0], y - earlierOff.queries[i][1])), 0);
  assert.ok(moved > 1e-3, `switching off layer 1's head 2 moves layer 2's queries (moved ${moved})`);
  // the first layer reads the embeddings: no switch changes it
  assert.deepEqual(model.queryKeyGeometry(ids, { layer: 0, head: 0, headEnabled: off(0, 1) }).queries, model.queryKeyGeometry(ids, { layer: 0, head: 0 }).queries);
});
