// A call whose arguments throw while being read (a getter, a BigInt array)
// must fail in JavaScript and leave the engine exactly as it was: a
// JavaScript exception thrown inside WebAssembly does not unwind its stack,
// so thousands of such calls used to break the shared engine for good.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomProblem } from './helpers.mjs';

const { loadEngine, loadTrainedModel } = await import('attention-lab');
const engine = await loadEngine();
const model = await loadTrainedModel();

test('soak: 50,000 mixed good and throwing calls, then exact results and an unchanged heap', () => {
  const ids = model.tokenize('the cat sat on the mat').map((t) => t.id);
  const before = model.run(ids);
  const problem = randomProblem({ seqLen: 3, dModel: 8, numHeads: 2, seed: 4 });
  const expected = engine.multiHeadAttention(problem);
  const layer = engine.prepareLayer(problem);
  const prepared = layer.run(problem);
  const inUse = engine.heapBytesInUse();
  const throwing = { length: model.config.numLayers * model.config.numHeads, get 0() { throw new Error('a getter'); } };
  const calls = [
    () => assert.throws(() => model.run(ids, { headEnabled: throwing })),
    () => assert.throws(() => model.maskedLoss(ids, { headEnabled: throwing })),
    () => assert.throws(() => engine.multiHeadAttention({ ...problem, x: new BigInt64Array(24) }), /x must be an array of numbers/),
    () => assert.throws(() => engine.multiHeadAttention({ ...problem, keyPaddingMask: new BigUint64Array(3) })),
    () => assert.throws(() => layer.run({ ...problem, x: { length: 24, get 0() { throw 1; } } })),
    () => assert.throws(() => engine.multiHeadAttention({ ...problem, scale: 1e300 }), /overflowed/),
    () => assert.deepEqual(engine.multiHeadAttention(problem).output, expected.output),
    () => assert.deepEqual(layer.run(problem).output, prepared.output),
  ];
  for (let i = 0; i < 50000; i++) calls[i % calls.length]();
  assert.deepEqual(model.run(ids).attention, before.attention);
  assert.deepEqual(engine.multiHeadAttention(problem).output, expected.output);
  assert.equal(engine.heapBytesInUse(), inUse);
  layer.release();
});

test('finite inputs that overflow float32 are refused with a named error, never a silent NaN', () => {
  const problem = randomProblem({ seqLen: 4, dModel: 8, numHeads: 2, seed: 9 });
  const cases = {
    'x all 1e20': { ...problem, x: new Float32Array(32).fill(1e20) },
    'scale 1e300': { ...problem, scale: 1e300 },
    'temperature 1e-300': { ...problem, temperature: 1e-300 },
    'x = wq = 3e38': { ...problem, x: new Float32Array(32).fill(3e38), wq: new Float32Array(64).fill(3e38) },
  };
  for (const [name, params] of Object.entries(cases)) {
    let result = null;
    try {
      result = engine.multiHeadAttention(params);
    } catch (error) {
      assert.match(error.message, /the computation overflowed/, name);
      continue;
    }
    // computed: then every number is finite and every attention row sums to 1
    for (const value of result.output) assert.ok(Number.isFinite(value), name);
    for (let row = 0; row < result.attention.length / 4; row++) {
      const sum = result.attention.slice(row * 4, row * 4 + 4).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5, `${name}: row ${row} sums to ${sum}`);
    }
  }
  const ids = model.tokenize('the cat sat').map((t) => t.id);
  assert.throws(() => model.run(ids, { temperature: 1e-300 }), /the computation overflowed/);
  assert.throws(() => model.maskedLoss(ids, { temperature: 1e-300 }), /the computation overflowed/);
  assert.ok(Number.isFinite(model.maskedLoss(ids)));  // and the model still works
});
