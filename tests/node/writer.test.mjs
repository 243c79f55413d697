// The writer in the wasm engine: a causal model writing word by word with a
// C++ key/value cache. Every cached step must equal a full causal rerun, the
// bars must be the softmax of the model's scores, a seed must write the same
// words in wasm and natively, and a rewind must repeat the run exactly.
// tests/fixtures/tiny-writer.bin is a real (tiny) causal model file
// (scripts/make-test-writer.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadEngine } from '../../web/src/engine-node.js';
import { ROOT } from './helpers.mjs';

const WRITER = join(ROOT, 'tests/fixtures/tiny-writer.bin');
const TRAINER = join(ROOT, 'build/native/attention_train');
const PROMPT = 'the old man said that';

const engine = await loadEngine();
const model = engine.loadModel(new Uint8Array(readFileSync(WRITER)));
const { numLayers, numHeads, maxLen, vocabSize } = model.config;
const layerHeads = numLayers * numHeads;

function softmax(row, from = 3) {
  let top = -Infinity;
  for (let w = from; w < row.length; w++) top = Math.max(top, row[w]);
  let total = 0;
  for (let w = from; w < row.length; w++) total += Math.exp(row[w] - top);
  return (w) => Math.exp(row[w] - top) / total;
}

test('the model file says it is causal, and its full runs are causal', () => {
  assert.equal(model.config.causal, true);
  const ids = model.tokenize(PROMPT).map((t) => t.id);
  const n = ids.length;
  const { attention } = model.run(ids);
  for (let lh = 0; lh < layerHeads; lh++) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(attention[(lh * n + i) * n + j], 0);
  }
});

test('every cached step equals the full causal rerun of its prefix: attention rows and next-word bars, at every length', () => {
  const prompt = model.tokenize(PROMPT).map((t) => t.id);
  const writer = model.startWriting(prompt, { seed: 3 });
  const ids = [...prompt];
  const rows = [...writer.promptAttention];
  let worstRow = 0;
  let worstBar = 0;
  while (ids.length < maxLen) {
    const step = writer.step({ temperature: 1, k: 10 });
    // the bars: the softmax of the full run's last-row scores, before the choice
    const full = model.run(ids, { logits: true });
    const p = softmax(full.logits.subarray((ids.length - 1) * vocabSize, ids.length * vocabSize));
    for (const bar of step.next) worstBar = Math.max(worstBar, Math.abs(bar.probability - p(bar.id)));
    assert.ok(Math.abs(step.probability - p(step.token)) < 1e-5);
    ids.push(step.token);
    rows.push(step.attention);
    assert.equal(step.position, ids.length - 1);
  }
  assert.equal(ids.length, maxLen);
  // every position's rows against the full run of the whole text
  const n = ids.length;
  const { attention } = model.run(ids);
  for (let position = 0; position < n; position++) {
    assert.equal(rows[position].length, layerHeads * (position + 1));
    for (let lh = 0; lh < layerHeads; lh++) {
      for (let j = 0; j <= position; j++) {
        worstRow = Math.max(worstRow, Math.abs(rows[position][lh * (position + 1) + j] - attention[(lh * n + position) * n + j]));
      }
    }
  }
  assert.ok(worstRow < 1e-5, `largest attention difference ${worstRow}`);
  assert.ok(worstBar < 1e-5, `largest probability difference ${worstBar}`);
  // a full context says so, and the writer stays as it was
  assert.throws(() => writer.step(), /at most 32 tokens; rewind to write further/);
  assert.equal(writer.length, maxLen);
  writer.release();
});

function nativeWords(args) {
  const run = spawnSync(TRAINER, ['--write', WRITER, '--prompt', PROMPT, ...args], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout).ids;
}

for (const [name, options, args] of [
  ['greedy', { temperature: 0 }, ['--temperature', '0']],
  ['temperature 0.8, seed 11', { temperature: 0.8, seed: 11 }, ['--temperature', '0.8', '--seed', '11']],
  ['temperature 1.3, top-k 5, seed 2', { temperature: 1.3, topK: 5, seed: 2 }, ['--temperature', '1.3', '--top-k', '5', '--seed', '2']],
]) {
  test(`${name}: the wasm writer writes exactly the words the native build writes`, { skip: !existsSync(TRAINER) && 'native build missing' }, () => {
    const writer = model.startWriting(model.tokenize(PROMPT).map((t) => t.id), { seed: options.seed ?? 0 });
    const wasm = [];
    for (let i = 0; i < 20; i++) wasm.push(writer.step({ temperature: options.temperature, topK: options.topK ?? 0 }).token);
    writer.release();
    assert.deepEqual(wasm, nativeWords([...args, '--words', '20']));
  });
}

test('rewinding repeats the same run; writing a chosen word changes what follows', () => {
  const prompt = model.tokenize(PROMPT).map((t) => t.id);
  const writer = model.startWriting(prompt, { seed: 9 });
  const first = Array.from({ length: 12 }, () => writer.step({ temperature: 1 }));
  writer.rewind(prompt.length + 4);
  assert.equal(writer.length, prompt.length + 4);
  const again = Array.from({ length: 8 }, () => writer.step({ temperature: 1 }));
  assert.deepEqual(again.map((s) => s.token), first.slice(4).map((s) => s.token));
  assert.deepEqual(again[0].attention, first[4].attention);
  assert.deepEqual(again[0].next, first[4].next);
  // the learner clicks word 5 and picks another word: it is written, and the model goes on from it
  writer.rewind(prompt.length + 4);
  const other = first[4].next.find((bar) => bar.id !== first[4].token);
  const forced = writer.step({ token: other.id });
  assert.equal(forced.token, other.id);
  assert.ok(Math.abs(forced.probability - other.probability) < 1e-6);
  writer.release();
});

test('bad calls give a message and leave the writer exactly as it was', () => {
  const prompt = model.tokenize(PROMPT).map((t) => t.id);
  const writer = model.startWriting(prompt, { seed: 4 });
  const control = model.startWriting(prompt, { seed: 4 });
  for (const [args, message] of [
    [{ temperature: -1 }, /temperature must be a number from 0/],
    [{ temperature: NaN }, /temperature must be a number from 0/],
    [{ temperature: 'hot' }, /temperature must be a number from 0/],
    [{ topK: -2 }, /topK must be between 0/],
    [{ topK: 1.5 }, /topK must be a whole number/],
    [{ k: 0 }, /k must be between 1 and 100/],
    [{ token: vocabSize }, /cannot be written/],
    [{ token: 2 }, /cannot be written/],
  ]) {
    assert.throws(() => writer.step(args), message);
    assert.equal(writer.length, prompt.length);
  }
  assert.throws(() => writer.rewind(0), /can rewind to a length from 1/);
  assert.throws(() => writer.rewind(prompt.length + 1), /can rewind to a length from 1/);
  assert.throws(() => writer.rewind(1.5), /whole number/);
  // after all of that it writes exactly what an untouched writer with the same seed writes
  for (let i = 0; i < 6; i++) assert.equal(writer.step({ temperature: 1 }).token, control.step({ temperature: 1 }).token);
  writer.release();
  assert.throws(() => writer.step(), /released/);
  control.release();
  assert.throws(() => model.startWriting([]), /no tokens/);
  assert.throws(() => model.startWriting(prompt, { seed: -1 }), /seed must be a whole number/);
});

test('an encoder refuses to write, and releasing a model releases its writers', () => {
  const encoderPath = join(ROOT, 'web/model/attention-lab-model.bin');
  if (existsSync(encoderPath)) {
    const encoder = engine.loadModel(new Uint8Array(readFileSync(encoderPath)));
    assert.equal(encoder.config.causal, false);
    assert.throws(() => encoder.startWriting([5, 6]), /only a causal model writes word by word/);
    encoder.release();
  }
  const second = engine.loadModel(new Uint8Array(readFileSync(WRITER)));
  const writer = second.startWriting([5, 6, 7]);
  second.release();
  assert.throws(() => writer.step(), /released/);
});

test('the induction test in wasm: scores per head against the untrained twin, the label by the C++ rule, the example repeated', () => {
  const twin = model.randomTwin(0);
  const result = model.inductionTest({ twin, half: 12, trials: 8, seed: 3 });
  assert.equal(result.prefixMatching.length, layerHeads);
  assert.equal(result.twinPrefixMatching.length, layerHeads);
  assert.equal(result.example.length, 24);
  assert.deepEqual(result.example.slice(0, 12), result.example.slice(12));
  // with one trial, every head's score is exactly the one its wasm attention on the example gives
  const single = model.inductionTest({ twin, half: 12, trials: 1, seed: 3 });
  assert.deepEqual(single.example, result.example);
  const n = 24;
  const { attention } = model.run(single.example);
  for (let h = 0; h < layerHeads; h++) {
    let total = 0;
    for (let i = 12; i < n; i++) total += attention[(h * n + i) * n + (i - 12 + 1)];
    assert.ok(Math.abs(total / 12 - single.prefixMatching[h]) < 1e-6, `head ${h}: ${total / 12} vs ${single.prefixMatching[h]}`);
  }
  result.prefixMatching.forEach((score, h) => {
    assert.equal(result.induction[h], score >= result.threshold && score >= result.twinPrefixMatching[h] + result.margin);
  });
  assert.ok(result.lossFirst > 0 && result.lossSecond > 0 && result.twinLossFirst > 0);
  // the same seed gives the same numbers; a bad call says why
  assert.deepEqual(model.inductionTest({ twin, half: 12, trials: 8, seed: 3 }), result);
  assert.throws(() => model.inductionTest({ half: 12 }), /needs the untrained twin/);
  assert.throws(() => model.inductionTest({ twin, half: 40 }), /half must be from 2 to 16/);
  twin.release();
  assert.throws(() => model.inductionTest({ twin, half: 12 }), /twin must be a model handle/);
});
