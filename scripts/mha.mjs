#!/usr/bin/env node
// Multi-head attention from the command line, computed by the wasm engine.
//
//   node scripts/mha.mjs [--input FILE] [--reference]   (reads stdin without --input)
//
// Input: one JSON object with x, optional context, wq, wk, wv, wo, optional
// bq bk bv bo, num_heads, optional causal, scale, temperature, key_padding_mask
// (matrices as nested arrays, rows first).
// Output: {"output": [[...]], "attention": [[[...]]]} (attention indexed head, query, key).
// --reference uses the float64 reference kernel instead of the fast float32 one.
// Bad input: exit code 2, one line on stderr, nothing on stdout.
import { readFileSync } from 'node:fs';
import { loadEngine } from '../web/src/engine-node.js';

const KEYS = new Set(['x', 'context', 'wq', 'wk', 'wv', 'wo', 'bq', 'bk', 'bv', 'bo', 'num_heads',
  'causal', 'scale', 'temperature', 'key_padding_mask']);
const USAGE = 'usage: node scripts/mha.mjs [--input FILE] [--reference]';

class InputError extends Error {}

function parseArguments(argv) {
  const options = { input: null, reference: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--input' && i + 1 < argv.length) options.input = argv[++i];
    else if (argv[i] === '--reference') options.reference = true;
    else if (argv[i] === '--help' || argv[i] === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new InputError(`unknown argument '${argv[i]}'; ${USAGE}`);
  }
  return options;
}

function readInput(path) {
  let text;
  try {
    text = readFileSync(path ?? 0, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${path ?? 'standard input'}: ${error.message}`);
  }
  let spec;
  try {
    spec = JSON.parse(text);
  } catch (error) {
    throw new InputError(`input is not valid JSON: ${error.message}`);
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new InputError('input must be one JSON object');
  }
  for (const key of Object.keys(spec)) {
    if (!KEYS.has(key)) throw new InputError(`unknown key '${key}' (expected: ${[...KEYS].join(', ')})`);
  }
  for (const key of ['x', 'wq', 'wk', 'wv', 'wo']) {
    if (spec[key] === undefined) throw new InputError(`missing key '${key}'`);
  }
  for (const key of ['x', 'context', 'wq', 'wk', 'wv', 'wo']) {
    const value = spec[key];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value) || !value.every(Array.isArray)) {
      throw new InputError(`'${key}' must be a matrix: an array of rows, each an array of numbers`);
    }
  }
  if (!Number.isInteger(spec.num_heads)) throw new InputError("'num_heads' must be a whole number");
  for (const key of Object.keys(spec)) {
    if (checkNumbers(spec[key]) === false) throw new InputError(`'${key}' contains something that is not a number, or is nested deeper than a matrix`);
  }
  return spec;
}

// false when a leaf is not a number (JSON has no NaN, so strings/null/objects
// are the risk) or the value is nested deeper than a matrix. A loop, not
// recursion: hostile input may nest arrays 200,000 deep.
function checkNumbers(value) {
  const pending = [[value, 0]];
  while (pending.length) {
    const [item, depth] = pending.pop();
    if (Array.isArray(item)) {
      if (depth >= 2) return false;
      for (const inner of item) pending.push([inner, depth + 1]);
    } else if (typeof item !== 'number' && typeof item !== 'boolean') {
      return false;
    }
  }
  return true;
}

// Writes the result as JSON a piece at a time: a large result (seq_len 2500,
// d_model 768, 12 heads is 75 million weights) is more text than one string holds.
function writeResult(out, { output, attention, seqLen, contextLen, numHeads, dModel }) {
  let buffer = '';
  const put = (text) => {
    buffer += text;
    if (buffer.length > 1 << 20) {
      out.write(buffer);
      buffer = '';
    }
  };
  const matrix = (flat, start, count, width) => {
    put('[');
    for (let r = 0; r < count; r++) {
      const row = flat.subarray(start + r * width, start + (r + 1) * width);
      put(`${r ? ',' : ''}[${Array.prototype.join.call(row, ',')}]`);
    }
    put(']');
  };
  put('{"output":');
  matrix(output, 0, seqLen, dModel);
  put(',"attention":[');
  for (let h = 0; h < numHeads; h++) {
    if (h) put(',');
    matrix(attention, h * seqLen * contextLen, seqLen, contextLen);
  }
  put(']}\n');
  out.write(buffer);
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const spec = readInput(options.input);
  const dModel = spec.x[0]?.length ?? 0;
  const engine = await loadEngine();
  const params = {
    x: spec.x, context: spec.context, wq: spec.wq, wk: spec.wk, wv: spec.wv, wo: spec.wo,
    bq: spec.bq, bk: spec.bk, bv: spec.bv, bo: spec.bo,
    dModel, numHeads: spec.num_heads, causal: spec.causal, scale: spec.scale,
    temperature: spec.temperature, keyPaddingMask: spec.key_padding_mask, wantHeadOutputs: false,
  };
  let result;
  try {
    result = options.reference ? engine.referenceMultiHeadAttention(params) : engine.multiHeadAttention(params);
  } catch (error) {
    throw new InputError(error.message);
  }
  writeResult(process.stdout, result);
}

main().catch((error) => {
  const message = String(error && error.message ? error.message : error).replace(/\s+/g, ' ');
  process.stderr.write(`mha: ${message}\n`);
  process.exitCode = error instanceof InputError ? 2 : 1;
});
