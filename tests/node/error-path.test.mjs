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

test('20,000 calls whose arguments throw when read leave the engine and the model working', () => {
  const ids = model.tokenize('the cat sat on the mat').map((t) => t.id);
  const before = model.run(ids);
  const problem = randomProblem({ seqLen: 3, dModel: 8, numHeads: 2, seed: 4 });
  const expected = engine.multiHeadAttention(problem);
  const inUse = engine.heapBytesInUse();
  const throwing = { length: model.config.numLayers * model.config.numHeads, get 0() { throw new Error('a getter'); } };
  for (let i = 0; i < 20000; i++) {
    assert.throws(() => model.run(ids, { headEnabled: throwing }));
    assert.throws(() => model.maskedLoss(ids, { headEnabled: throwing }));
    assert.throws(() => engine.multiHeadAttention({ ...problem, x: new BigInt64Array(24) }), /x must be an array of numbers/);
    assert.throws(() => engine.multiHeadAttention({ ...problem, keyPaddingMask: new BigUint64Array(3) }));
  }
  assert.deepEqual(model.run(ids).attention, before.attention);
  assert.deepEqual(engine.multiHeadAttention(problem).output, expected.output);
  assert.equal(engine.heapBytesInUse(), inUse);
});
