// Argument handling for the engine's calls, without the wasm Module: nested
// rows or flat arrays become typed arrays, and sizes are filled in from the
// arrays when not given. engine-core.js is the only caller.

const MATRICES = ['x', 'context', 'wq', 'wk', 'wv', 'wo'];
const BIASES = ['bq', 'bk', 'bv', 'bo'];

export function isNested(value) {
  return Array.isArray(value) && value.length > 0 && Array.isArray(value[0]);
}

// Nested rows or a flat list -> one flat typed array of ArrayType; a typed
// array of that type passes through, one of another type is converted. Every
// value is read here, in JavaScript: an argument that throws when read (a
// getter, a BigInt) throws before the call enters WebAssembly, whose stack
// a JavaScript exception would not unwind.
export function flatten(name, value, ArrayType) {
  if (value === undefined || value === null) return value;
  if (value instanceof ArrayType) return value;
  if (ArrayBuffer.isView(value)) {
    if (value instanceof DataView || value instanceof BigInt64Array || value instanceof BigUint64Array) {
      throw new Error(`${name} must be an array of numbers (got a ${value.constructor.name})`);
    }
    return new ArrayType(value);
  }
  if (!Array.isArray(value)) throw new Error(`${name} must be an array of numbers or of rows`);
  if (!isNested(value)) return ArrayType.from(value, Number);
  const cols = value[0].length;
  const flat = new ArrayType(value.length * cols);
  value.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== cols) {
      throw new Error(`${name} row ${r} has ${Array.isArray(row) ? row.length : 'no'} values, expected ${cols}`);
    }
    for (let c = 0; c < cols; c++) flat[r * cols + c] = Number(row[c]);
  });
  return flat;
}

export function checkSize(name, value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new Error(`${name} must be a whole number (got ${String(value)})`);
  }
  return value;
}

// Fills in seqLen / contextLen / dModel from nested arrays when not given.
export function normalise(params, ArrayType) {
  if (params === null || typeof params !== 'object') throw new Error('multiHeadAttention needs an object of inputs');
  const args = {};
  let dModel = checkSize('dModel', params.dModel);
  if (dModel === undefined && isNested(params.x)) dModel = params.x[0].length;
  if (dModel === undefined && params.wq && params.wq.length) {
    dModel = isNested(params.wq) ? params.wq.length : Math.round(Math.sqrt(params.wq.length));
  }
  let seqLen = checkSize('seqLen', params.seqLen);
  if (seqLen === undefined && params.x && dModel) seqLen = isNested(params.x) ? params.x.length : params.x.length / dModel;
  let contextLen = checkSize('contextLen', params.contextLen);
  const hasContext = params.context !== undefined && params.context !== null;
  if (contextLen === undefined) {
    if (hasContext && dModel) contextLen = isNested(params.context) ? params.context.length : params.context.length / dModel;
    else contextLen = seqLen;
  }
  for (const name of MATRICES) args[name] = flatten(name, params[name], ArrayType);
  for (const name of BIASES) args[name] = flatten(name, params[name], ArrayType);
  if (params.headGate !== undefined && params.headGate !== null) args.headGate = flatten('headGate', Array.from(params.headGate), Float32Array);
  if (params.headEnabled !== undefined && params.headEnabled !== null) {
    args.headEnabled = flatten('headEnabled', Array.from(params.headEnabled, (on) => (on ? 1 : 0)), Uint8Array);
  }
  if (params.keyPaddingMask !== undefined && params.keyPaddingMask !== null) {
    args.keyPaddingMask = flatten('keyPaddingMask', params.keyPaddingMask, Uint8Array);
  }
  Object.assign(args, {
    seqLen: Number.isInteger(seqLen) ? seqLen : -1,
    contextLen: Number.isInteger(contextLen) ? contextLen : -1,
    dModel: dModel ?? -1,
    numHeads: checkSize('numHeads', params.numHeads) ?? -1,
    causal: Boolean(params.causal),
    scale: params.scale ?? undefined,
    temperature: params.temperature ?? undefined,
    wantAttention: params.wantAttention ?? true,
    wantHeadOutputs: params.wantHeadOutputs ?? true,
  });
  if (!hasContext) delete args.context;
  for (const name of ['scale', 'temperature']) {
    if (args[name] !== undefined && typeof args[name] !== 'number') throw new Error(`${name} must be a number`);
  }
  return args;
}
