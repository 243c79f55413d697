// The one-shot call reuses the weights it packed last time when the same
// weights come again (issue 21, item 2), and never serves them stale: every
// byte of the four matrices and the biases is compared, so an element changed
// in place, a bias added or removed, another width or even -0 for 0 packs anew.
// A call that fails leaves the cache as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomProblem } from './helpers.mjs';

const { loadEngine } = await import('attention-lab');
const engine = await loadEngine();

const sameBits = (a, b) => a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

// what a freshly prepared layer computes for these weights: the packed path without the cache
function prepared(problem) {
  const layer = engine.prepareLayer(problem);
  try {
    return layer.run(problem).output;
  } finally {
    layer.release();
  }
}

test('the same weights again: no packing, the same bits; any change packs anew and is what a fresh layer computes', () => {
  const problem = randomProblem({ seqLen: 9, dModel: 32, numHeads: 4, seed: 21 });
  const packs = () => engine.oneShotPackCount();
  const start = packs();
  const first = engine.multiHeadAttention(problem);
  assert.equal(packs(), start + 1);
  const again = engine.multiHeadAttention({ ...problem, x: problem.x.map((v) => v * 0.5) });  // other input, same weights
  assert.equal(packs(), start + 1, 'same weights: reused');
  assert.ok(sameBits(engine.multiHeadAttention(problem).output, first.output));
  assert.equal(packs(), start + 1);
  assert.ok(!sameBits(again.output, first.output));

  const changes = [
    ['one element of wq changed in place', (p) => { p.wq[5] += 0.25; }],
    ['one element of wo changed in place', (p) => { p.wo[p.wo.length - 1] -= 0.5; }],
    ['a bias removed', (p) => { delete p.bv; }],
    ['a bias added back, different', (p) => { p.bv = new Float32Array(32).fill(0.1); }],
    ['+0 becomes -0', (p) => { p.bk = new Float32Array(32); }, (p) => { p.bk = new Float32Array(32).fill(-0); }],
  ];
  for (const [name, change, second] of changes) {
    change(problem);
    const before = packs();
    const result = engine.multiHeadAttention(problem);
    assert.equal(packs(), before + 1, `${name}: packed anew`);
    assert.ok(sameBits(result.output, prepared(problem)), `${name}: equals a fresh layer`);
    if (second) {
      second(problem);
      engine.multiHeadAttention(problem);
      assert.equal(packs(), before + 2, `${name}: bit-level comparison`);
    }
    engine.multiHeadAttention(problem);
    assert.equal(packs(), before + (second ? 2 : 1), `${name}: then reused`);
  }
  // another width packs, and so does coming back
  const wide = randomProblem({ seqLen: 4, dModel: 64, numHeads: 4, seed: 2 });
  const before = packs();
  engine.multiHeadAttention(wide);
  engine.multiHeadAttention(problem);
  assert.equal(packs(), before + 2);
  // the comparison runs 16 floats at a time: a change in the last few (100 = 6 x 16 + 4) is still seen
  const odd = randomProblem({ seqLen: 3, dModel: 10, numHeads: 2, seed: 5 });
  engine.multiHeadAttention(odd);
  for (const index of [99, 96, 95, 0]) {
    const count = packs();
    odd.wk[index] += 1;
    assert.ok(sameBits(engine.multiHeadAttention(odd).output, prepared(odd)), `wk[${index}] changed: equals a fresh layer`);
    assert.equal(packs(), count + 1, `wk[${index}] changed: packed anew`);
  }
});

test('a failed call (NaN in a weight) leaves the cache as it was', () => {
  const problem = randomProblem({ seqLen: 6, dModel: 16, numHeads: 2, seed: 5 });
  const good = engine.multiHeadAttention(problem).output;
  const packs = engine.oneShotPackCount();
  const broken = { ...problem, wk: problem.wk.slice() };
  broken.wk[3] = NaN;
  assert.throws(() => engine.multiHeadAttention(broken), /wk/);
  const after = engine.multiHeadAttention(problem);
  assert.equal(engine.oneShotPackCount(), packs, 'the good weights are still the cached ones');
  assert.ok(sameBits(after.output, good));
  // and a NaN in weights that equal nothing cached is still found after a cache hit
  assert.throws(() => engine.multiHeadAttention({ ...problem, x: problem.x.map((v, i) => (i === 2 ? NaN : v)) }), /x/);
});

test('matrices larger than one comparison chunk (32,768 floats): a change in any chunk, or in an array viewed at an offset, packs anew', () => {
  const problem = randomProblem({ seqLen: 3, dModel: 256, numHeads: 4, seed: 8 });  // 65,536 floats a matrix: two chunks
  engine.multiHeadAttention(problem);
  for (const index of [32767, 32768, 65535]) {
    const count = engine.oneShotPackCount();
    problem.wv[index] += 0.5;
    assert.ok(sameBits(engine.multiHeadAttention(problem).output, prepared(problem)), `wv[${index}] changed: equals a fresh layer`);
    assert.equal(engine.oneShotPackCount(), count + 1, `wv[${index}] changed: packed anew`);
    engine.multiHeadAttention(problem);
    assert.equal(engine.oneShotPackCount(), count + 1, `wv[${index}]: then reused`);
  }
  // the same numbers in a view that starts 7 floats into a larger buffer: still the same weights
  const backing = new Float32Array(problem.wo.length + 7);
  backing.set(problem.wo, 7);
  const viewed = { ...problem, wo: backing.subarray(7) };
  const count = engine.oneShotPackCount();
  assert.ok(sameBits(engine.multiHeadAttention(viewed).output, prepared(problem)));
  assert.equal(engine.oneShotPackCount(), count, 'an offset view of the same numbers: reused');
  backing[7 + 40000] += 1;
  assert.ok(sameBits(engine.multiHeadAttention(viewed).output, prepared(viewed)), 'changed through the view: equals a fresh layer');
  assert.equal(engine.oneShotPackCount(), count + 1);
});
