// The wasm engine through its public API (package exports), as Node users load it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goldenCases, randomProblem, flat, maxAbsDifference, maxAbs, paramsFromCase } from './helpers.mjs';

const { loadEngine } = await import('attention-lab');
const engine = await loadEngine();

test('the package export resolves to the engine and shares one module', async () => {
  assert.equal(typeof loadEngine, 'function');
  assert.equal(await loadEngine(), engine);
  assert.equal(engine.simdBackend, 'wasm_simd128');
});

test('golden vectors from numpy: fast kernel and float64 reference in wasm', () => {
  const cases = goldenCases();
  assert.ok(cases.length >= 6);
  for (const spec of cases) {
    const fast = engine.multiHeadAttention(paramsFromCase(spec));
    const reference = engine.referenceMultiHeadAttention(paramsFromCase(spec));
    for (const [name, key] of [['output', 'output'], ['attention', 'attention'], ['headOutputs', 'head_outputs']]) {
      const expected = flat(spec.expected[key]);
      assert.ok(maxAbsDifference(fast[name], expected) <= 1e-5, `${spec.name} fast ${name}`);
      assert.ok(maxAbsDifference(reference[name], expected) <= 1e-12, `${spec.name} reference ${name}`);
    }
    assert.ok(fast.output instanceof Float32Array);
    assert.ok(reference.output instanceof Float64Array);
  }
});

test('fast kernel agrees with the float64 reference on odd shapes, self and cross, causal and not', () => {
  const shapes = [
    { seqLen: 1, dModel: 8, numHeads: 2 },
    { seqLen: 7, dModel: 15, numHeads: 5 },
    { seqLen: 33, dModel: 42, numHeads: 6, causal: true },
    { seqLen: 5, contextLen: 19, dModel: 24, numHeads: 4, cross: true },
    { seqLen: 21, contextLen: 3, dModel: 36, numHeads: 3, cross: true, causal: true },
    { seqLen: 64, dModel: 128, numHeads: 8, biases: false },
  ];
  shapes.forEach((shape, index) => {
    const problem = randomProblem({ ...shape, seed: 100 + index });
    const fast = engine.multiHeadAttention(problem);
    const reference = engine.referenceMultiHeadAttention(problem);
    const label = JSON.stringify(shape);
    assert.equal(fast.attention.length, shape.numHeads * shape.seqLen * (shape.cross ? shape.contextLen : shape.seqLen), label);
    assert.equal(fast.headOutputs.length, shape.seqLen * shape.dModel, label);
    assert.ok(maxAbsDifference(fast.output, reference.output) <= 1e-5 * Math.max(1, maxAbs(reference.output)), label);
    assert.ok(maxAbsDifference(fast.attention, reference.attention) <= 1e-5, label);
    assert.ok(maxAbsDifference(fast.headOutputs, reference.headOutputs) <= 1e-5 * Math.max(1, maxAbs(reference.headOutputs)), label);
  });
});

// -sum w log w of each row of (heads, rows, width) weights, in float64
function entropiesOf(attention, rows, width) {
  return Float64Array.from({ length: attention.length / width }, (_, r) => {
    let entropy = 0;
    for (let j = 0; j < width; j++) {
      const w = attention[r * width + j];
      if (w > 0) entropy -= w * Math.log(w);
    }
    return entropy;
  });
}

test('row entropies come with the weights: one-shot, oracle and prepared, masked or not', () => {
  for (const shape of [{ seqLen: 33, dModel: 42, numHeads: 6, causal: true }, { seqLen: 5, contextLen: 19, dModel: 24, numHeads: 4, cross: true },
    { seqLen: 64, dModel: 64, numHeads: 8, temperature: 0.05 }]) {
    const problem = { ...randomProblem({ ...shape, seed: 77 }), temperature: shape.temperature };  // 0.05: sharp rows
    const width = shape.cross ? shape.contextLen : shape.seqLen;
    const label = JSON.stringify(shape);
    const fast = engine.multiHeadAttention(problem);
    const reference = engine.referenceMultiHeadAttention(problem);
    const prepared = engine.prepareLayer(problem);
    const run = prepared.run(problem);
    prepared.release();
    assert.equal(fast.rowEntropy.length, shape.numHeads * shape.seqLen, label);
    const expected = entropiesOf(reference.attention, shape.numHeads * shape.seqLen, width);
    assert.ok(maxAbsDifference(reference.rowEntropy, expected) <= 1e-12, `${label} oracle`);
    assert.ok(maxAbsDifference(fast.rowEntropy, expected) <= 1e-5, `${label} fast`);
    assert.deepEqual(run.rowEntropy, fast.rowEntropy, `${label} prepared`);
    assert.ok(Math.max(...fast.rowEntropy) <= Math.log(width) + 1e-5, label);
  }
  // a row that sees one key (the first, causal) has entropy 0; without the weights there are none
  const causal = engine.multiHeadAttention(randomProblem({ seqLen: 4, dModel: 8, numHeads: 2, causal: true, seed: 5 }));
  assert.equal(causal.rowEntropy[0], 0);
  assert.equal(engine.multiHeadAttention({ ...randomProblem({ seqLen: 4, dModel: 8, numHeads: 2, seed: 5 }), wantAttention: false }).rowEntropy, undefined);
});

test('nested arrays and typed arrays give the same result', () => {
  const problem = randomProblem({ seqLen: 4, dModel: 6, numHeads: 2, seed: 9 });
  const rows = (array, width) => Array.from({ length: array.length / width }, (_, r) => Array.from(array.subarray(r * width, (r + 1) * width)));
  const nested = { ...problem, seqLen: undefined, dModel: undefined, x: rows(problem.x, 6), wq: rows(problem.wq, 6),
    wk: rows(problem.wk, 6), wv: rows(problem.wv, 6), wo: rows(problem.wo, 6), bq: Array.from(problem.bq) };
  assert.deepEqual(engine.multiHeadAttention(nested).output, engine.multiHeadAttention(problem).output);
});

test('options change the numbers the way the maths says', () => {
  const base = randomProblem({ seqLen: 6, dModel: 16, numHeads: 4, seed: 3 });
  const plain = engine.multiHeadAttention(base);
  // scale = 1/sqrt(d_k) by default: passing it explicitly changes nothing
  assert.deepEqual(engine.multiHeadAttention({ ...base, scale: 1 / Math.sqrt(4) }).attention, plain.attention);
  // temperature T is the same as scale / T
  const hot = engine.multiHeadAttention({ ...base, temperature: 2 });
  const halfScale = engine.multiHeadAttention({ ...base, scale: 1 / Math.sqrt(4) / 2 });
  assert.ok(maxAbsDifference(hot.attention, halfScale.attention) <= 1e-6);
  // causal: nothing above the diagonal
  const causal = engine.multiHeadAttention({ ...base, causal: true });
  for (let h = 0; h < 4; h++) for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) {
    assert.equal(causal.attention[(h * 6 + i) * 6 + j], 0);
  }
  // wantAttention: false skips the weights but not the output
  const lean = engine.multiHeadAttention({ ...base, wantAttention: false, wantHeadOutputs: false });
  assert.equal(lean.attention, undefined);
  assert.deepEqual(lean.output, plain.output);
});

test('invalid input throws an Error that says what is wrong, and the engine keeps working', () => {
  const good = randomProblem({ seqLen: 3, dModel: 8, numHeads: 2, seed: 5 });
  const cases = [
    [{ ...good, numHeads: 3 }, /divisible by num_heads \(3\)/],
    [{ ...good, numHeads: 0 }, /num_heads must be a positive/],
    [{ ...good, numHeads: -2 }, /num_heads must be a positive/],
    [{ ...good, seqLen: 0, x: new Float32Array(0) }, /seq_len must be a positive/],
    [{ ...good, dModel: -8 }, /d_model must be a positive/],
    [{ ...good, wq: new Float32Array(10) }, /wq must have dModel × dModel = 64 values, got 10/],
    [{ ...good, x: new Float32Array(23) }, /x must have seqLen × dModel = 24 values, got 23/],
    [{ ...good, context: new Float32Array(8 * 5), contextLen: 4 }, /context must have contextLen × dModel = 32 values, got 40/],
    [{ ...good, bo: new Float32Array(3) }, /bo must have dModel = 8 values, got 3/],
    [{ ...good, wv: Float32Array.from(good.wv, (v, i) => (i === 9 ? NaN : v)) }, /wv contains a non-finite value \(nan\) at row 1, column 1/],
    [{ ...good, x: Float32Array.from(good.x, (v, i) => (i === 0 ? Infinity : v)) }, /x contains a non-finite value \(inf\)/],
    [{ ...good, wo: Float32Array.from(good.wo, (v, i) => (i === 63 ? -Infinity : v)) }, /wo contains a non-finite value \(-inf\) at row 7, column 7/],
    [{ ...good, temperature: 0 }, /temperature must be a finite number greater than 0/],
    [{ ...good, temperature: 'hot' }, /temperature must be a number/],
    [{ ...good, scale: NaN }, /scale must be a finite number/],
    [{ ...good, numHeads: 2.5 }, /numHeads must be a whole number/],
    [{ ...good, keyPaddingMask: [1, 1, 1] }, /hides every key/],
    [{ ...good, wk: undefined }, /wk is missing/],
    [{ ...good, x: [[1, 2], [3]] }, /x row 1 has 1 values, expected 2/],
    [{ ...good, seqLen: 30000, contextLen: 30000, dModel: 768, numHeads: 12, x: new Float32Array(1) }, /MB of memory, more than the engine's limit/],
    [null, /needs an object/],
  ];
  for (const [params, message] of cases) {
    assert.throws(() => engine.multiHeadAttention(params), (error) => error instanceof Error && message.test(error.message), String(message));
  }
  // still usable, and still right
  const again = engine.multiHeadAttention(good);
  const reference = engine.referenceMultiHeadAttention(good);
  assert.ok(maxAbsDifference(again.output, reference.output) <= 1e-5);
});

test('10,000 calls leave the wasm heap unchanged after warm-up', () => {
  const problem = randomProblem({ seqLen: 12, dModel: 64, numHeads: 4, seed: 77 });
  const bad = { ...problem, wq: new Float32Array(3) };
  for (let i = 0; i < 50; i++) engine.multiHeadAttention(problem);
  const memoryBefore = engine.memoryBytes();
  const inUseBefore = engine.heapBytesInUse();
  for (let i = 0; i < 10000; i++) {
    engine.multiHeadAttention(problem);
    if (i % 1000 === 0) assert.throws(() => engine.multiHeadAttention(bad));
  }
  for (let i = 0; i < 50; i++) engine.multiHeadAttention(problem);
  assert.equal(engine.memoryBytes(), memoryBefore);
  assert.equal(engine.heapBytesInUse(), inUseBefore);
});

test('seeded layer and embeddings are deterministic and documented-size', () => {
  const a = engine.seededLayer(16, 4);
  const b = engine.seededLayer(16, 4);
  const c = engine.seededLayer(16, 5);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.wq, c.wq);
  assert.equal(a.wo.length, 256);
  const limit = Math.sqrt(6 / 32);
  assert.ok(maxAbs(a.wk) <= limit && maxAbs(a.wk) > limit * 0.8);
  const x = engine.embedTokens(['The', 'cat', 'the'], 16, 4);
  assert.equal(x.length, 48);
  assert.throws(() => engine.embedTokens([], 16), /no tokens/);
  assert.throws(() => engine.embedTokens(['a\nb'], 16), /without line breaks/);
  assert.throws(() => engine.seededLayer(0), /d_model must be between/);
});

test('a prepared layer gives the same numbers as the one-shot call, with a flat heap', () => {
  for (const shape of [{ seqLen: 12, dModel: 64, numHeads: 4 }, { seqLen: 7, contextLen: 19, dModel: 24, numHeads: 3, cross: true, causal: true }, { seqLen: 5, dModel: 16, numHeads: 2, biases: false }]) {
    const problem = randomProblem({ ...shape, seed: 55 });
    const layer = engine.prepareLayer(problem);
    const once = engine.multiHeadAttention(problem);
    const prepared = layer.run(problem);
    assert.deepEqual(prepared.output, once.output, JSON.stringify(shape));
    assert.deepEqual(prepared.attention, once.attention, JSON.stringify(shape));
    assert.equal(layer.run({ ...problem, wantAttention: false }).attention, undefined);
    layer.release();
    assert.throws(() => layer.run(problem), /released/);
  }
  const problem = randomProblem({ seqLen: 12, dModel: 64, numHeads: 4, seed: 3 });
  const layer = engine.prepareLayer(problem);
  assert.throws(() => layer.run({ ...problem, numHeads: 5 }), /divisible by num_heads \(5\)/);
  assert.throws(() => layer.run({ ...problem, x: Float32Array.from(problem.x, (v, i) => (i === 3 ? NaN : v)) }), /x contains a non-finite value/);
  assert.throws(() => layer.run({ ...problem, x: new Float32Array(10) }), /x must have seqLen × dModel/);
  assert.throws(() => engine.prepareLayer({ ...problem, wv: new Float32Array(7) }), /wv must have dModel × dModel/);
  assert.throws(() => engine.prepareLayer({ ...problem, wo: Float32Array.from(problem.wo, (v, i) => (i === 0 ? Infinity : v)) }), /wo contains a non-finite value/);
  for (let i = 0; i < 50; i++) layer.run(problem);
  const memory = engine.memoryBytes();
  const inUse = engine.heapBytesInUse();
  for (let i = 0; i < 10000; i++) layer.run(problem);
  assert.equal(engine.memoryBytes(), memory);
  assert.equal(engine.heapBytesInUse(), inUse);
  layer.release();
});

test('a released layer frees its slot for the next one; the others keep working', () => {
  const problems = [1, 2, 3].map((seed) => randomProblem({ seqLen: 8, dModel: 16, numHeads: 2, seed }));
  const first = engine.prepareLayer(problems[0]);
  const second = engine.prepareLayer(problems[1]);
  first.release();
  const third = engine.prepareLayer(problems[2]);  // takes the first one's slot
  assert.deepEqual(second.run(problems[1]).output, engine.multiHeadAttention(problems[1]).output);
  assert.deepEqual(third.run(problems[2]).output, engine.multiHeadAttention(problems[2]).output);
  // prepare/release cycles reuse one slot: the heap stays where it was
  for (let i = 0; i < 20; i++) engine.prepareLayer(problems[0]).release();
  const inUse = engine.heapBytesInUse();
  for (let i = 0; i < 500; i++) engine.prepareLayer(problems[0]).release();
  assert.equal(engine.heapBytesInUse(), inUse);
  second.release();
  third.release();
});

test('a prepared layer can hand back views into its buffer instead of copies', () => {
  const problem = randomProblem({ seqLen: 12, dModel: 64, numHeads: 4, seed: 21 });
  const other = { ...problem, x: Float32Array.from(problem.x, (v) => -v) };
  const layer = engine.prepareLayer(problem);
  const copied = layer.run(problem);
  const viewed = layer.run({ ...problem, views: true });
  assert.deepEqual(viewed.output, copied.output);
  assert.deepEqual(viewed.attention, copied.attention);
  assert.deepEqual(viewed.rowEntropy, copied.rowEntropy);
  // a view shows the buffer: the next call overwrites what it shows, a copy keeps its numbers
  const kept = Float32Array.from(viewed.output);
  const next = layer.run(other);
  assert.deepEqual(viewed.output, next.output);
  assert.notDeepEqual(viewed.output, kept);
  assert.deepEqual(copied.output, kept);
  layer.release();
});

test('long inputs without weights stream (online softmax) and agree with the float64 reference', () => {
  for (const shape of [{ seqLen: 300, dModel: 32, numHeads: 4, causal: true }, { seqLen: 70, contextLen: 600, dModel: 24, numHeads: 3, cross: true }]) {
    const problem = randomProblem({ ...shape, seed: 91 });
    const reference = engine.referenceMultiHeadAttention(problem).output;
    const layer = engine.prepareLayer(problem);
    const scale = Math.max(1, maxAbs(reference));
    for (const softmax of ['auto', 'full', 'streaming']) {
      const { output } = layer.run({ ...problem, wantAttention: false, softmax });
      assert.ok(maxAbsDifference(output, reference) <= 1e-5 * scale, `${softmax} ${JSON.stringify(shape)}`);
    }
    assert.throws(() => layer.run({ ...problem, softmax: 'flash' }), /softmax must be "auto", "full" or "streaming"/);
    layer.release();
  }
});
