// The long-text overview's downsampling: every pixel is the largest weight of
// the block of cells it covers (checked against a direct scan of each block),
// so a single strong link never averages away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downsampleByMax } from '../../web/src/views/heatmap.js';

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
