// attention_train's options for runs in phases, on a tiny corpus and model:
// --stop-at-step (a schedule cut short on purpose), --continue-from (its
// weights under a new schedule), --repeat-share and --random-repeat-share
// (passages and random words written twice, stated in the model file). The shipped writer is trained this way
// (scripts/train.sh writer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers.mjs';

const TRAINER = join(ROOT, 'build/native/attention_train');
const TEXT = join(ROOT, 'web/model/tiny-text.txt');
const SHAPE = ['--train', TEXT, '--heldout', TEXT, '--layers', '1', '--heads', '2', '--d-model', '16', '--d-ff', '32',
  '--max-len', '32', '--vocab', '300', '--min-count', '1', '--batch-tokens', '128', '--warmup', '1', '--seed', '3'];
const train = (args) => spawnSync(TRAINER, [...SHAPE, ...args], { encoding: 'utf8' });

test('a run stopped at a step, continued under a new schedule with repeats, records both in its model file', { skip: !existsSync(TRAINER) && 'native build missing' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'attention-train-'));
  try {
    const first = ['--objective', 'causal', '--out', join(dir, 'first.bin'), '--checkpoint', join(dir, 'first.ckpt'), '--checkpoint-every', '2', '--steps', '6'];
    let run = train([...first, '--stop-at-step', '4']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /stopped at step 4 of a 6-step schedule/);
    assert.equal(existsSync(join(dir, 'first.bin')), false, 'a stopped run writes no model');
    run = train([...first, '--stop-at-step', '4']);  // run again (a script re-run): nothing more to do
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /already stopped at step 4/);

    run = train(['--objective', 'causal', '--out', join(dir, 'second.bin'), '--continue-from', join(dir, 'first.ckpt'),
      '--steps', '3', '--repeat-share', '0.5', '--random-repeat-share', '0.25']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /continuing from .* after its step 4, under a new schedule of 3 steps/);
    const { loadEngine } = await import('attention-lab');
    const model = (await loadEngine()).loadModel(new Uint8Array(readFileSync(join(dir, 'second.bin'))));
    assert.equal(model.metadata.training.steps, 7);
    assert.deepEqual(model.metadata.training.repeats, { share: 0.5, random_share: 0.25, last_steps: 3 });
    model.release();

    run = train(['--out', join(dir, 'masked.bin'), '--steps', '2', '--repeat-share', '0.5']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--repeat-share is a share in \[0, 1\], for --objective causal only/);
    run = train(['--objective', 'causal', '--out', join(dir, 'x.bin'), '--steps', '2', '--repeat-share', '0.7', '--random-repeat-share', '0.5']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /add up to at most 1/);
    run = train(['--objective', 'causal', '--out', join(dir, 'x.bin'), '--steps', '2', '--stop-at-step', '1']);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /--stop-at-step needs --checkpoint/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
