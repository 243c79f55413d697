// Whole numbers with thousands separators, written out without Intl: the
// same text as en-US toLocaleString for every number the widget shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grouped } from '../../web/src/lab/format.js';

test('grouped() writes whole numbers as en-US does, rounding fractions', () => {
  const values = [0, 7, 999, 1000, 16640, 999999, 1000000, 3145728, -1234567, 2 ** 40, 1e15, 12.6, 0.4, -0.4];
  for (const value of values) assert.equal(grouped(value), Math.round(value).toLocaleString('en-US').replace(/^-0$/, '0'), String(value));
});
