// scripts/mha.mjs end to end: golden fixtures, a float64 numpy reference on
// large random shapes, and exit code 2 with one stderr line for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, goldenCases, randomProblem, flat, maxAbsDifference, maxAbs } from './helpers.mjs';

const CLI = join(ROOT, 'scripts', 'mha.mjs');
const workDir = mkdtempSync(join(tmpdir(), 'mha-cli-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));

function runCli(args, input) {
  return spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
}

function rows(array, width) {
  const out = [];
  for (let r = 0; r < array.length / width; r++) out.push(Array.from(array.subarray(r * width, (r + 1) * width)));
  return out;
}

test('CLI reproduces the numpy golden vectors (file and stdin)', () => {
  for (const spec of goldenCases()) {
    const { expected, name, ...input } = spec;
    const path = join(workDir, `${name}.json`);
    writeFileSync(path, JSON.stringify(input));
    const result = runCli(['--input', path]);
    assert.equal(result.status, 0, result.stderr);
    const printed = JSON.parse(result.stdout);
    assert.deepEqual(Object.keys(printed), ['output', 'attention']);
    assert.equal(printed.attention.length, spec.num_heads);
    assert.ok(maxAbsDifference(flat(printed.output), flat(expected.output)) <= 1e-5, name);
    assert.ok(maxAbsDifference(flat(printed.attention), flat(expected.attention)) <= 1e-5, name);
  }
  const { expected, name, ...input } = goldenCases()[0];
  const viaStdin = runCli([], JSON.stringify(input));
  assert.equal(viaStdin.status, 0, viaStdin.stderr);
  assert.ok(maxAbsDifference(flat(JSON.parse(viaStdin.stdout).output), flat(expected.output)) <= 1e-5);
});

test('CLI matches a float64 numpy reference to 1e-4 relative, up to 512 x 768 x 12 heads', () => {
  const shapes = [
    { seqLen: 512, dModel: 768, numHeads: 12, causal: true },
    { seqLen: 512, contextLen: 300, dModel: 768, numHeads: 12, cross: true },
    { seqLen: 128, dModel: 256, numHeads: 8 },
    { seqLen: 64, contextLen: 100, dModel: 96, numHeads: 12, cross: true, causal: true },
  ];
  shapes.forEach((shape, index) => {
    const problem = randomProblem({ ...shape, seed: 900 + index });
    const d = shape.dModel;
    const input = {
      x: rows(problem.x, d), wq: rows(problem.wq, d), wk: rows(problem.wk, d), wv: rows(problem.wv, d),
      wo: rows(problem.wo, d), bq: Array.from(problem.bq), bk: Array.from(problem.bk), bv: Array.from(problem.bv),
      bo: Array.from(problem.bo), num_heads: shape.numHeads, causal: Boolean(shape.causal),
    };
    if (shape.cross) input.context = rows(problem.context, d);
    const path = join(workDir, `random-${index}.json`);
    writeFileSync(path, JSON.stringify(input));
    const cli = runCli(['--input', path]);
    assert.equal(cli.status, 0, cli.stderr);
    const numpy = spawnSync('/usr/bin/python3', [join(ROOT, 'scripts', 'make-golden.py'), '--reference', path],
      { encoding: 'utf8', maxBuffer: 1 << 30 });
    assert.equal(numpy.status, 0, numpy.stderr);
    const ours = JSON.parse(cli.stdout);
    const theirs = JSON.parse(numpy.stdout);
    for (const key of ['output', 'attention']) {
      const expected = flat(theirs[key]);
      const actual = flat(ours[key]);
      const relative = maxAbsDifference(actual, expected) / maxAbs(expected);
      assert.ok(relative <= 1e-4, `${JSON.stringify(shape)} ${key}: relative error ${relative}`);
    }
  });
});

test('bad input: exit code 2, one line on stderr, nothing on stdout', () => {
  const good = goldenCases()[0];
  const { expected, name, ...valid } = good;
  const bad = [
    ['not json', /not valid JSON/],
    ['[1, 2]', /one JSON object/],
    [JSON.stringify({ ...valid, num_heads: 3 }), /divisible by num_heads/],
    [JSON.stringify({ ...valid, num_heads: 0 }), /num_heads must be a positive/],
    [JSON.stringify({ ...valid, num_heads: 'two' }), /'num_heads' must be a whole number/],
    [JSON.stringify({ ...valid, wq: valid.wq.slice(1) }), /wq must have dModel × dModel/],
    [JSON.stringify({ ...valid, wk: [[1, 'a']] }), /not a number|wk must have/],
    [JSON.stringify({ ...valid, x: [[1, 2], [3]] }), /row 1 has 1 values/],
    [JSON.stringify({ ...valid, wv: undefined }), /missing key 'wv'/],
    [JSON.stringify({ ...valid, temprature: 2 }), /unknown key 'temprature'/],
    [JSON.stringify({ ...valid, temperature: -1 }), /temperature must be/],
    [JSON.stringify({ ...valid, x: 5 }), /'x' must be a matrix/],
    [JSON.stringify({ ...valid, wo: valid.wo.map((row) => row.map(() => 1e39)) }), /non-finite/],
  ];
  for (const [input, message] of bad) {
    const result = runCli([], input);
    assert.equal(result.status, 2, `${message}: ${result.stderr}`);
    assert.equal(result.stdout, '', String(message));
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], message);
  }
  const missingFile = runCli(['--input', join(workDir, 'no-such-file.json')]);
  assert.equal(missingFile.status, 2);
  assert.match(missingFile.stderr, /cannot read/);
  const badFlag = runCli(['--frobnicate']);
  assert.equal(badFlag.status, 2);
  assert.match(badFlag.stderr, /unknown argument/);
});

test('hostile input: 200,000-deep nesting and overflowing numbers exit 2 with one line', () => {
  const deep = `{"x":${'['.repeat(200000)}1${']'.repeat(200000)},"wq":[[1]],"wk":[[1]],"wv":[[1]],"wo":[[1]],"num_heads":1}`;
  const nested = runCli([], deep);
  assert.equal(nested.status, 2);
  assert.equal(nested.stdout, '');
  assert.equal(nested.stderr.trim().split('\n').length, 1);
  assert.match(nested.stderr, /nested deeper than a matrix|not valid JSON/);
  const huge = runCli([], JSON.stringify({ x: [[1e20, 1e20], [1, 2]], wq: [[1e20, 0], [0, 1]], wk: [[1e20, 0], [0, 1]],
    wv: [[1, 0], [0, 1]], wo: [[1, 0], [0, 1]], num_heads: 1 }));
  assert.equal(huge.status, 2);
  assert.equal(huge.stdout, '');
  assert.match(huge.stderr, /^mha: the computation overflowed/);
});
