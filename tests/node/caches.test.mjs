// The weight sources' caches stay bounded: a page that cycles through seeds
// (the untrained twin) or widths (the seeded layer) keeps the engine's memory
// flat instead of growing by a model or a layer per seed (issue 23, item 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const { loadEngine } = await import('attention-lab');
const engine = await loadEngine();
// the browser finds the model in a script beside the bundle; here it is set directly
globalThis.AttentionLabModelData = readFileSync(new URL('../../web/model/attention-lab-model.bin', import.meta.url)).toString('base64');
const { getWeightSource } = await import('../../web/src/weight-sources.js');

test('the untrained twin cache evicts: 60 seeds leave the heap where 6 left it', async () => {
  const source = getWeightSource('trained-random');
  const run = (seed) => source.compute(engine, { text: 'the cat sat', seed });
  for (let seed = 1; seed <= 6; seed++) await run(seed);
  const settled = engine.heapBytesInUse();
  for (let seed = 7; seed <= 60; seed++) await run(seed);
  assert.ok(engine.heapBytesInUse() <= settled + 64 * 1024, `${engine.heapBytesInUse()} vs ${settled}`);
  // a seed asked for again after eviction is made again, with the same numbers
  const first = await run(1);
  const again = await run(1);
  assert.deepEqual(first.attention, again.attention);
});

test('the seeded layer cache is bounded by size, not only by count', async () => {
  const source = getWeightSource('seeded-random');
  const run = (seed, dModel) => source.compute(engine, { text: 'the cat sat', heads: 8, dModel, seed });
  for (let seed = 0; seed < 3; seed++) await run(seed, 1024);
  const settled = engine.memoryBytes();  // the wasm memory never shrinks: it records the peak
  for (let seed = 3; seed < 12; seed++) await run(seed, 1024);
  // each layer at d_model 1024 is 4M floats plus a packed copy (32 MB): a cache of
  // nine of them reached 429 MB; this one holds at most two
  assert.ok(engine.memoryBytes() <= settled + 64 * 1024 * 1024, `${engine.memoryBytes() / 2 ** 20} MB vs ${settled / 2 ** 20} MB`);
});
