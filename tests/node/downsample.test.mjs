// The long-text overview's downsampling: every pixel is the largest weight of
// the block of cells it covers (checked against a direct scan of each block),
// so a single strong link never averages away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downsampleByMax } from '../../web/src/lab/pictures.js';

test('downsampleByMax keeps each block\'s largest weight, including ragged edge blocks', () => {
  for (const [rows, cols, limit] of [[1024, 1024, 256], [1000, 37, 256], [300, 300, 256], [10, 10, 256], [7, 5, 2]]) {
    const weights = new Float32Array(rows * cols);
    let state = rows * 7919 + cols;
    for (let i = 0; i < weights.length; i++) {
      state = (state * 1103515245 + 12345) >>> 0;
      weights[i] = (state >>> 8) / 2 ** 24 * 0.01;
    }
    weights[(rows - 1) * cols + (cols - 1)] = 0.9;  // one strong link in the last, ragged corner
    const small = downsampleByMax(weights, rows, cols, limit);
    const block = Math.max(1, Math.ceil(Math.max(rows, cols) / limit));
    assert.equal(small.block, block);
    assert.equal(small.rows, Math.ceil(rows / block));
    assert.equal(small.cols, Math.ceil(cols / block));
    assert.ok(Math.max(small.rows, small.cols) <= limit);
    for (let r = 0; r < small.rows; r++) {
      for (let c = 0; c < small.cols; c++) {
        let best = 0;
        for (let i = r * block; i < Math.min(rows, (r + 1) * block); i++) {
          for (let j = c * block; j < Math.min(cols, (c + 1) * block); j++) best = Math.max(best, weights[i * cols + j]);
        }
        assert.equal(small.weights[r * small.cols + c], best, `${rows}x${cols} pixel ${r},${c}`);
      }
    }
    assert.equal(small.weights[small.weights.length - 1], Math.fround(0.9));
  }
});

// The seeded layer's pictures come from the engine (pooled in C++ during the
// run, cpp/analysis/overview.h): the same pixels as the JS pooling of the
// weights the run returns, for a large and a small limit, a smaller picture
// made from a larger one's, and a cross-attention shape.
test('a prepared run pools every head in C++ exactly as the JS pooling does', async () => {
  const { loadEngine } = await import('attention-lab');
  const engine = await loadEngine();
  const dModel = 32;
  const layer = engine.prepareLayer({ ...engine.seededLayer(dModel, 3), dModel });
  const words = (n) => Array.from({ length: n }, (_, i) => ['the', 'cat', 'sat', 'on', 'a', 'mat', 'while', 'it', 'rained'][i % 9]);
  for (const [seqLen, contextLen, limits] of [[700, 700, [128, 256]], [300, 300, [256, 64, 100]], [90, 260, [32]]]) {
    const x = engine.embedTokens(words(seqLen), dModel, 3);
    const context = contextLen === seqLen ? undefined : engine.embedTokens(words(contextLen), dModel, 3);
    const result = layer.run({ x, context, seqLen, contextLen, numHeads: 4, poolLimits: limits });
    assert.equal(result.pooled.length, limits.length);
    for (const [k, limit] of limits.entries()) {
      const picture = result.pooled[k];
      assert.equal(picture.limit, limit);
      const size = picture.rows * picture.cols;
      assert.equal(picture.values.length, 4 * size);
      for (let head = 0; head < 4; head++) {
        const weights = result.attention.subarray(head * seqLen * contextLen, (head + 1) * seqLen * contextLen);
        const expected = downsampleByMax(weights, seqLen, contextLen, limit);
        assert.deepEqual([picture.block, picture.rows, picture.cols], [expected.block, expected.rows, expected.cols]);
        assert.deepEqual(picture.values.subarray(head * size, (head + 1) * size), expected.weights, `${seqLen}x${contextLen} limit ${limit} head ${head}`);
      }
    }
  }
  const x = engine.embedTokens(words(10), dModel, 3);
  assert.throws(() => layer.run({ x, numHeads: 4, poolLimits: [0] }), /poolLimits must hold whole numbers from 1 to 4096/);
  assert.throws(() => layer.run({ x, numHeads: 4, poolLimits: [1, 2, 3, 4, 5] }), /at most 4 sizes/);
  assert.throws(() => layer.run({ x, numHeads: 4, poolLimits: [8], wantAttention: false }), /needs the attention/);
  assert.equal(layer.run({ x, numHeads: 4 }).pooled, undefined);
  layer.release();
});
