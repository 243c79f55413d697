// The analysis core and the one tokenizer through the wasm engine: the rules
// the widget shows, checked against hand-computed cases and independent
// computations (not against their own code).
import { test } from 'node:test';
import assert from 'node:assert/strict';

const { loadEngine, loadTrainedModel } = await import('attention-lab');
const engine = await loadEngine();
const model = await loadTrainedModel();

test('one tokenizer, two named rules: the seeded layer keeps hyphenated words, the model splits them', () => {
  const seeded = engine.tokenize('The multi-head e-mail, don’t—stop 👍🏽!', { rules: 'seeded' });
  assert.deepEqual(seeded.map((t) => t.surface), ['The', 'multi-head', 'e-mail', ',', "don't", '—', 'stop', '👍🏽', '!']);
  assert.deepEqual(seeded.filter((t) => t.punctuation).map((t) => t.surface), [',', '—', '👍🏽', '!']);
  const modelRule = engine.tokenize('The multi-head e-mail', { rules: 'model' });
  assert.deepEqual(modelRule.map((t) => t.text), ['the', 'multi', '-', 'head', 'e', '-', 'mail']);
  // the model's own tokenize is the same rule, with ids
  assert.deepEqual(model.tokenize('The multi-head e-mail').map((t) => t.text), modelRule.map((t) => t.text));
  assert.deepEqual(engine.tokenize(' \u00a0\u200b '), []);
  assert.throws(() => engine.tokenize('x', { rules: 'bpe' }), /rules must be "model" or "seeded"/);
});

test('head summaries: shares, entropy and the label rule on a hand-computed head', () => {
  // "the cat sat ." — head 0 peaks on the previous token (row 0 on itself); head 1 on the full stop
  const previous = [0.7, 0.1, 0.1, 0.1, 0.6, 0.2, 0.1, 0.1, 0.1, 0.6, 0.2, 0.1, 0.1, 0.1, 0.7, 0.1];
  const toStop = [0.1, 0.1, 0.1, 0.7, 0.1, 0.1, 0.1, 0.7, 0.1, 0.1, 0.1, 0.7, 0.1, 0.1, 0.1, 0.7];
  const [a, b] = engine.headSummaries({ attention: Float32Array.from([...previous, ...toStop]), numLayers: 1, numHeads: 2,
    seqLen: 4, punctuation: [false, false, false, true] });
  assert.equal(a.shares.previous, 1);
  assert.equal(a.shares.self, 0.25);
  assert.ok(Math.abs(a.shares.first - 1 / 3) < 1e-12);
  assert.deepEqual(a.role, { kind: 'relation', relation: 'previous', value: 1 });
  const rowEntropy = (row) => -row.reduce((sum, w) => sum + w * Math.log(w), 0);
  const expected = [0, 1, 2, 3].reduce((sum, r) => sum + rowEntropy(previous.slice(4 * r, 4 * r + 4)), 0) / 4;
  assert.ok(Math.abs(a.meanEntropy - expected) < 1e-6);
  assert.ok(Math.abs(a.normalisedEntropy - expected / Math.log(4)) < 1e-6);
  assert.equal(b.shares.punctuation, 1);
  assert.equal(b.role.kind, 'relation');
  assert.equal(b.role.relation, 'punctuation');  // next (2 of 3 rows) and self (1 of 4) fall short
  // held-out statistics decide the shown label; a share under the bar is "mixed", with the closest relation
  const heldout = [[{ previous: 0.2, next: 0.89, self: 0.1, first: 0, punctuation: 0, normalised_entropy: 0.5 },
    { previous: 0, next: 0, self: 0, first: 0, punctuation: 0, normalised_entropy: 0.95 }]];
  const [c, d] = engine.headSummaries({ attention: Float32Array.from([...previous, ...toStop]), numLayers: 1, numHeads: 2,
    seqLen: 4, punctuation: [false, false, false, true], heldout });
  assert.deepEqual(c.heldoutRole, { kind: 'mixed', relation: 'next', value: 0.89 });
  assert.equal(d.heldoutRole.kind, 'broad');
  assert.throws(() => engine.headSummaries({ attention: new Float32Array(3), numLayers: 1, numHeads: 1, seqLen: 2, punctuation: [0, 0] }),
    /attention must have numLayers × numHeads × seqLen × contextLen = 4 values/);
});

test("a prepared run's strongest link per row stands in for its weights in the head summaries", () => {
  const dModel = 32;
  const layer = engine.prepareLayer({ ...engine.seededLayer(dModel, 5), dModel });
  const tokens = engine.tokenize('The animal did not cross the street because it was too tired , and then it slept .');
  const seqLen = tokens.length;
  const x = engine.embedTokens(tokens.map((t) => t.text), dModel, 5);
  const run = layer.run({ x, seqLen, numHeads: 4 });
  layer.release();
  assert.equal(run.rowArgmax.length, 4 * seqLen);
  for (let row = 0; row < 4 * seqLen; row++) {
    const weights = run.attention.subarray(row * seqLen, (row + 1) * seqLen);
    let first = 0;
    for (let j = 1; j < seqLen; j++) if (weights[j] > weights[first]) first = j;
    assert.equal(run.rowArgmax[row], first, `row ${row}`);
  }
  const common = { rowEntropy: run.rowEntropy, numLayers: 1, numHeads: 4, seqLen, punctuation: tokens.map((t) => t.punctuation) };
  const fromWeights = engine.headSummaries({ ...common, attention: run.attention });
  assert.deepEqual(engine.headSummaries({ ...common, rowArgmax: run.rowArgmax }), fromWeights);
  // a wrong strongest link shows: the summaries read rowArgmax, not the weights
  const moved = run.rowArgmax.slice();
  moved[1] = moved[1] === 0 ? 1 : 0;
  assert.notDeepEqual(engine.headSummaries({ ...common, attention: run.attention, rowArgmax: moved }), fromWeights);
  assert.throws(() => engine.headSummaries({ ...common, rowArgmax: Int32Array.from(run.rowArgmax, () => seqLen) }),
    /rowArgmax values must be positions from 0 to contextLen - 1/);
  assert.throws(() => engine.headSummaries({ ...common, rowArgmax: new Int32Array(3) }), /rowArgmax must have numLayers × numHeads × seqLen = /);
});

test('gradient importance (C++) equals central differences of the masked-word loss with head gates', () => {
  const ids = model.tokenize('the old man poured a cup of tea because he was tired').map((t) => t.id);
  const { numLayers, numHeads } = model.config;
  const count = numLayers * numHeads;
  const importance = model.gradientImportance(ids);
  assert.equal(importance.length, count);
  for (const h of [0, count - 1]) {
    const gates = (value) => Array.from({ length: count }, (_, k) => (k === h ? value : 1));
    const up = model.maskedLoss(ids, { headGate: gates(1.01) });
    const down = model.maskedLoss(ids, { headGate: gates(0.99) });
    const slope = Math.abs((up - down) / (Math.fround(1.01) - Math.fround(0.99)));
    assert.ok(Math.abs(importance[h] - slope) <= 1e-4 * Math.max(1, slope), `head ${h}: ${importance[h]} vs ${slope}`);
  }
  assert.ok(importance.some((value) => value > 0));
  assert.throws(() => model.gradientImportance(ids, { step: 2 }), /step must be a number between 0 and 0.5/);
  // a few heads at a time (the widget measures them between frames): the same numbers, bit for bit
  const pieces = [];
  for (let first = 0; first < count; first += 3) pieces.push(...model.gradientImportance(ids, { firstHead: first, headCount: Math.min(3, count - first) }));
  assert.deepEqual(pieces, Array.from(importance));
  assert.throws(() => model.gradientImportance(ids, { firstHead: count }), /firstHead must be a head of the model/);
  assert.throws(() => model.gradientImportance(ids, { firstHead: 1, headCount: count }), /headCount must be 1\.\./);
});

test('the tokenizer never corrupts text: lone surrogates become U+FFFD, bidi controls separate tokens', () => {
  for (const rules of ['model', 'seeded']) {
    assert.deepEqual(engine.tokenize('x\uD800abc', { rules }).map((t) => t.surface), ['x\uFFFDabc'], rules);
    assert.deepEqual(engine.tokenize('abc\uD800', { rules }).map((t) => t.surface), ['abc\uFFFD'], rules);
    assert.deepEqual(engine.tokenize('a\u202Eb\u2066c\u2069d', { rules }).map((t) => t.surface), ['a', 'b', 'c', 'd'], rules);
  }
  assert.deepEqual(model.tokenize('x\uD800abc').map((t) => t.surface), ['x\uFFFDabc']);
});
