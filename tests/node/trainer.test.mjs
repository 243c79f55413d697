// The live trainer's wasm build: the same loss curve as the native build for
// a fixed seed, clear errors for bad options, no leaks, and the training loop
// the Web Worker runs (start, pause, step, reset, side-by-side comparison).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './helpers.mjs';

const { loadTrainerEngine, TrainingLoop, tinyText } = await import('attention-lab/trainer');
const engine = await loadTrainerEngine();
const NATIVE = join(ROOT, 'build/native/attention_live_train');

function nativeCurve(args) {
  const run = spawnSync(NATIVE, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

for (const [task, steps, extra] of [['copy-previous', 120, []], ['induction', 40, []], ['text', 40, ['--text', join(ROOT, 'web/model/tiny-text.txt')]]]) {
  test(`native and wasm training give the same loss curve (${task}, seed 7, first ${steps} steps)`, () => {
    const native = nativeCurve(['--task', task, '--seed', '7', '--steps', String(steps), '--every', '0', ...extra]);
    const trainer = engine.create({ task, seed: 7 }, task === 'text' ? tinyText() : '');
    try {
      const { losses } = trainer.step(steps);
      assert.equal(losses.length, native.losses.length);
      // float32 on both sides; summation order differs (Eigen's native kernels vs scalar wasm)
      let worst = 0;
      for (let i = 0; i < steps; i++) worst = Math.max(worst, Math.abs(losses[i] - native.losses[i]) / Math.max(1e-3, Math.abs(native.losses[i])));
      assert.ok(worst < 2e-3, `largest relative difference ${worst}`);
      assert.ok(losses[steps - 1] < losses[0], 'the loss falls');
      assert.ok(Math.abs(trainer.info.chanceLoss - native.chance) < 1e-6);  // native prints 6 decimals
    } finally {
      trainer.release();
    }
  });
}

test('bad options come back as errors a learner can read', () => {
  assert.throws(() => engine.create({ heads: 5 }), /heads must divide d_model/);
  assert.throws(() => engine.create({ task: '<img src=x onerror=alert(1)>' }), /unknown task/);
  assert.throws(() => engine.create({ dModel: 1e9 }), /dModel must be a whole number/);
  assert.throws(() => engine.create({ learningRate: Number.NaN }), /learning rate/);
  assert.throws(() => engine.create({ seed: 'one' }), /seed must be a whole number/);
  assert.throws(() => engine.create({ task: 'text' }, 'just one line'), /at least 200/);
  assert.throws(() => engine.create(null), /options must be an object/);
  const trainer = engine.create({});
  assert.throws(() => trainer.step(0), /steps must be from 1/);
  assert.throws(() => trainer.setLearningRate(-1), /learning rate/);
  trainer.release();
  assert.throws(() => trainer.step(1), /released/);
});

test('creating, training and releasing trainers does not leak', () => {
  const warm = engine.create({ task: 'neighbours' });
  warm.step(2);
  warm.evaluate();
  warm.release();
  const before = engine.heapBytesInUse();
  for (let i = 0; i < 20; i++) {
    const trainer = engine.create({ task: ['copy-previous', 'neighbours', 'brackets', 'induction'][i % 4], seed: i });
    trainer.step(2);
    trainer.evaluate();
    trainer.release();
  }
  assert.equal(engine.heapBytesInUse(), before);
});

test('an evaluation holds the probe, its attention rows (distributions) and every head\'s role scores', () => {
  const trainer = engine.create({ task: 'reverse', heads: 2, dModel: 16 });
  try {
    const e = trainer.evaluate();
    const n = e.tokens.length;
    assert.equal(n, 8);
    assert.equal(e.targets.length, n);
    assert.deepEqual(e.targets, [...e.tokens].reverse());
    assert.equal(e.attention.length, trainer.info.layers * 2 * n * n);
    for (let row = 0; row < e.attention.length / n; row++) {
      const sum = e.attention.subarray(row * n, row * n + n).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5);
    }
    assert.equal(e.roles.length, trainer.info.layers * 2);
    for (const role of e.roles) assert.equal(role.scores.length, 1);
  } finally {
    trainer.release();
  }
});

function collector() {
  const snapshots = [];
  return { snapshots, onSnapshot: (s) => snapshots.push(s) };
}

test('the training loop: step, start, pause, reset and the 1-head comparison', async () => {
  const { snapshots, onSnapshot } = collector();
  const loop = new TrainingLoop(engine, { text: '', onSnapshot, sliceMs: 20, snapshotMs: 30 });
  loop.handle({ type: 'configure', options: { task: 'copy-previous', heads: 4, dModel: 32, seed: 3, compare: true } });
  assert.equal(snapshots.length, 1);
  const first = snapshots[0];
  assert.equal(first.reset, true);
  assert.deepEqual(first.runs.map((run) => run.info.heads), [4, 1]);
  assert.equal(first.runs[0].info.parameters, first.runs[1].info.parameters, 'same width, same parameters');
  assert.equal(first.runs[0].evaluation.step, 0);

  loop.handle({ type: 'step' });
  assert.deepEqual(snapshots.at(-1).runs.map((run) => run.evaluation.step), [1, 1]);
  assert.equal(snapshots.at(-1).runs[0].losses.length, 1);

  loop.handle({ type: 'start' });
  // a busy machine trains slower: wait for a few steps (a generous limit), not a fixed time
  for (let waited = 0; waited < 20000 && (snapshots.at(-1).runs[0].evaluation.step ?? 0) <= 5; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  loop.handle({ type: 'pause' });
  const paused = snapshots.at(-1);
  assert.equal(paused.running, false);
  const stepsAtPause = paused.runs[0].evaluation.step;
  assert.ok(stepsAtPause > 5, `trained ${stepsAtPause} steps`);
  assert.equal(paused.runs[1].evaluation.step, stepsAtPause, 'both runs advance together');
  const sent = snapshots.reduce((total, s) => total + s.runs[0].losses.length, 0);
  assert.equal(sent, stepsAtPause, 'every step\'s loss is reported exactly once');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(snapshots.at(-1).runs[0].evaluation.step, stepsAtPause, 'paused means paused');

  loop.handle({ type: 'reset' });
  const reset = snapshots.at(-1);
  assert.equal(reset.reset, true);
  assert.equal(reset.runs[0].evaluation.step, 0);
  assert.equal(reset.runs[0].evaluation.loss, first.runs[0].evaluation.loss, 'same seed, same start');
  assert.throws(() => loop.handle({ type: 'configure', options: { heads: 3 } }), /divide/);
  assert.throws(() => loop.handle({ type: 'explode' }), /unknown command/);
  loop.dispose();
});

test('a run stops by itself at maxSteps and stays stopped until reset', async () => {
  const { snapshots, onSnapshot } = collector();
  const loop = new TrainingLoop(engine, { text: '', onSnapshot, sliceMs: 10, snapshotMs: 10, maxSteps: 5 });
  loop.handle({ type: 'configure', options: { task: 'reverse', heads: 2, dModel: 16 } });
  loop.handle({ type: 'start' });
  for (let i = 0; i < 100 && snapshots.at(-1).running !== false; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  for (let i = 0; i < 100 && loop.running; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  const stoppedAt = snapshots.at(-1).runs[0].evaluation.step;
  assert.equal(loop.running, false);
  assert.ok(stoppedAt >= 5, `stopped at ${stoppedAt}`);
  loop.handle({ type: 'start' });
  assert.equal(loop.running, false, 'start does not restart a finished run');
  loop.handle({ type: 'reset' });
  assert.equal(snapshots.at(-1).runs[0].evaluation.step, 0);
  loop.dispose();
});
