// The heads' palette must stay readable for colour-blind learners: every pair
// of the 8 colours at least 15 CIELAB ΔE (CIE76) apart with normal vision and
// under full protanopia, deuteranopia and tritanopia, simulated with the
// matrices of Machado, Oliveira & Fernandes (2009) in linear RGB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HEAD_PALETTE, headColour } from '../../web/src/lab/format.js';

const SIMULATIONS = {
  normal: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
  protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
  deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
  tritanopia: [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
};
const MINIMUM_DELTA_E = 15;

const linear = (c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
function lab([r, g, b]) {
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}
function seenAs(hex, matrix) {
  const rgb = [1, 3, 5].map((i) => linear(parseInt(hex.slice(i, i + 2), 16) / 255));
  return lab(matrix.map((row) => Math.min(1, Math.max(0, row[0] * rgb[0] + row[1] * rgb[1] + row[2] * rgb[2]))));
}
function closestPair(colours, matrix) {
  let worst = { distance: Infinity };
  for (let i = 0; i < colours.length; i++) {
    for (let j = i + 1; j < colours.length; j++) {
      const distance = Math.hypot(...seenAs(colours[i], matrix).map((v, k) => v - seenAs(colours[j], matrix)[k]));
      if (distance < worst.distance) worst = { distance, pair: [i + 1, j + 1] };
    }
  }
  return worst;
}

for (const [name, matrix] of Object.entries(SIMULATIONS)) {
  test(`8 head colours stay apart (${name})`, () => {
    const worst = closestPair(HEAD_PALETTE, matrix);
    assert.ok(worst.distance >= MINIMUM_DELTA_E, `heads ${worst.pair} are only ΔE ${worst.distance.toFixed(1)} apart`);
  });
}

test('the check can fail: Tableau 10 (the old palette) puts two heads together under deuteranopia', () => {
  const tableau = ['#4e79a7', '#f28e2c', '#e15759', '#76b7b2', '#59a14f', '#edc949', '#af7aa1', '#ff9da7'];
  assert.ok(closestPair(tableau, SIMULATIONS.deuteranopia).distance < MINIMUM_DELTA_E);
  assert.equal(headColour(8), headColour(0));  // past 8, colours repeat (views print the head's number)
});
