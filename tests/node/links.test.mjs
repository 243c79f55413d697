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
    for (const count of [0, 1, 5, 8, 20, 100000]) {
      for (const minimum of [0, 0.25, 0.9, 2]) {
        const links = allLinks(weights, tokens, seqLen, contextLen, contextTokens);
        const got = links.strongest(count, minimum);
        const want = sortedLinks(weights, count, minimum);
        assert.deepEqual(got.map((l) => l.fromIndex * contextLen + l.toIndex), want, `${seqLen}×${contextLen} top ${count} ≥ ${minimum}`);
        for (const l of got) {
          assert.equal(l.from, tokens[l.fromIndex]);
          assert.equal(l.to, contextTokens[l.toIndex]);
          assert.equal(l.strength, weights[l.fromIndex * contextLen + l.toIndex]);
        }
      }
    }
  }
});
