// The links table's list: the short-list selection must give exactly what
// sorting every link gives (same order, ties by position, the threshold).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allLinks } from '../../web/src/lab/links.js';

function seeded(seed) {
  return () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
}

// the oracle: every link sorted strongest first, position breaking ties
function sortedLinks(weights, count, minimum) {
  return [...weights.keys()].sort((a, b) => weights[b] - weights[a] || a - b)
    .filter((k) => weights[k] >= minimum).slice(0, count);
}

test('strongest(k) matches a full sort, with ties and thresholds', () => {
  const random = seeded(3);
  for (const [seqLen, contextLen] of [[1, 1], [3, 5], [12, 12], [64, 64], [40, 7]]) {
    const tokens = Array.from({ length: seqLen }, (_, i) => `w${i}`);
    const contextTokens = Array.from({ length: contextLen }, (_, j) => `c${j}`);
    // coarse values so that many weights tie exactly
    const weights = Float32Array.from({ length: seqLen * contextLen }, () => Math.round(random() * 20) / 20);
    // each row's first maximum, as the engine reports it (rowArgmax): the short list then reads only some rows
    const rowArgmax = Int32Array.from({ length: seqLen }, (_, i) => {
      let best = 0;
      for (let j = 1; j < contextLen; j++) if (weights[i * contextLen + j] > weights[i * contextLen + best]) best = j;
      return best;
    });
    for (const count of [0, 1, 5, 8, 20, 100000]) {
      for (const minimum of [0, 0.25, 0.9, 2]) {
        for (const argmax of [null, rowArgmax]) {
          const links = allLinks(weights, tokens, seqLen, contextLen, contextTokens, argmax);
          const got = links.strongest(count, minimum);
          const want = sortedLinks(weights, count, minimum);
          assert.deepEqual(got.map((l) => l.fromIndex * contextLen + l.toIndex), want, `${seqLen}×${contextLen} top ${count} ≥ ${minimum}${argmax ? ' (rows by their maxima)' : ''}`);
          for (const l of got) {
            assert.equal(l.from, tokens[l.fromIndex]);
            assert.equal(l.to, contextTokens[l.toIndex]);
            assert.equal(l.strength, weights[l.fromIndex * contextLen + l.toIndex]);
          }
        }
      }
    }
  }
});

test('with each row\'s strongest link given, a short list reads only the rows that can hold one of its links', () => {
  // one peak a row, rising with the row: the top 8 are the peaks of the last 8 rows, one a row
  const random = seeded(11);
  const n = 30;
  const weights = Float32Array.from({ length: n * n }, () => random() * 0.1);
  const rowArgmax = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    rowArgmax[i] = (i * 7) % n;
    weights[i * n + rowArgmax[i]] = 0.5 + i * 0.01;
  }
  const tokens = Array.from({ length: n }, (_, i) => `w${i}`);
  const got = allLinks(weights, tokens, n, n, tokens, rowArgmax).strongest(8).map((l) => l.fromIndex);
  assert.deepEqual(got, [29, 28, 27, 26, 25, 24, 23, 22]);
  // a row's strongest link the list is told wrongly is not looked past: the list reads rowArgmax
  const misled = rowArgmax.slice();
  misled[22] = (rowArgmax[22] + 1) % n;
  assert.notDeepEqual(allLinks(weights, tokens, n, n, tokens, misled).strongest(8).map((l) => l.fromIndex), got);
});
