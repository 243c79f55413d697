// The only code that touches the WebAssembly Module. Everything else (widget,
// CLI, tests) talks to the engine object this returns.
//
// Shapes are flat row-major Float32Arrays:
//   output (seqLen, dModel); attention (numHeads, seqLen, contextLen);
//   headOutputs (numHeads, seqLen, headDim)

const MATRICES = ['x', 'context', 'wq', 'wk', 'wv', 'wo'];
const BIASES = ['bq', 'bk', 'bv', 'bo'];

function isNested(value) {
  return Array.isArray(value) && value.length > 0 && Array.isArray(value[0]);
}

// Nested rows -> one flat typed array; a typed array or flat list passes through.
function flatten(name, value, ArrayType) {
  if (value === undefined || value === null) return value;
  if (ArrayBuffer.isView(value)) return value;
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

function checkSize(name, value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new Error(`${name} must be a whole number (got ${String(value)})`);
  }
  return value;
}

// Fills in seqLen / contextLen / dModel from nested arrays when not given.
function normalise(params, ArrayType) {
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

export function createEngine(Module) {
  // One reused heap buffer for prepared-layer calls (grows, never shrinks).
  const arena = { pointer: 0, floats: 0 };
  function reserve(floats) {
    if (floats > arena.floats) {
      if (arena.pointer) Module.freeFloats(arena.pointer);
      arena.pointer = Module.allocateFloats(floats);
      if (!arena.pointer) {
        arena.floats = 0;
        throw new Error(`cannot reserve ${floats} floats in the engine's memory`);
      }
      arena.floats = floats;
    }
    return arena.pointer;
  }

  function runPrepared(id, dModel, params) {
    if (params === null || typeof params !== 'object') throw new Error('run needs an object of inputs');
    const x = flatten('x', params.x, Float32Array);
    const context = params.context === undefined || params.context === null ? null : flatten('context', params.context, Float32Array);
    if (!x) throw new Error('x is missing');
    const seqLen = checkSize('seqLen', params.seqLen) ?? x.length / dModel;
    const contextLen = context ? (checkSize('contextLen', params.contextLen) ?? context.length / dModel) : seqLen;
    const numHeads = checkSize('numHeads', params.numHeads) ?? -1;
    if (!Number.isInteger(seqLen) || x.length !== seqLen * dModel) throw new Error(`x must have seqLen × dModel = ${seqLen * dModel} values, got ${x.length}`);
    if (context && (!Number.isInteger(contextLen) || context.length !== contextLen * dModel)) {
      throw new Error(`context must have contextLen × dModel = ${contextLen * dModel} values, got ${context.length}`);
    }
    for (const name of ['scale', 'temperature']) {
      if (params[name] !== undefined && params[name] !== null && typeof params[name] !== 'number') throw new Error(`${name} must be a number`);
    }
    const softmaxModes = { auto: 0, full: 1, streaming: 2 };
    const softmax = softmaxModes[params.softmax ?? 'auto'];
    if (softmax === undefined) throw new Error('softmax must be "auto", "full" or "streaming"');
    const wantAttention = params.wantAttention ?? true;
    const heads = Math.max(numHeads, 0);
    const sizes = [x.length, context ? context.length : 0, seqLen * dModel, wantAttention ? heads * seqLen * contextLen : 0,
      wantAttention ? heads * seqLen : 0];
    if (sizes.reduce((a, b) => a + b, 0) * 4 > 1024 * 1024 * 1024) throw new Error('this input needs more than the engine\'s limit of 1024 MB');
    const base = reserve(sizes.reduce((a, b) => a + b, 0));
    const offsets = [];
    let offset = base;
    for (const size of sizes) {
      offsets.push(size ? offset : 0);
      offset += size * 4;
    }
    Module.HEAPF32.set(x, offsets[0] / 4);  // the view is re-read each call: memory may have grown
    if (context) Module.HEAPF32.set(context, offsets[1] / 4);
    const problem = Module.runPreparedLayer(id, offsets[0], offsets[1], seqLen, contextLen, numHeads, Boolean(params.causal),
      params.scale ?? NaN, params.temperature ?? 1, offsets[2], offsets[3], offsets[4], softmax);
    if (problem) throw new Error(problem);
    const heap = Module.HEAPF32;  // re-read after the call: memory may have grown
    // views: no copy; the arrays alias the engine's reused buffer until the next call
    const out = (k) => {
      const [begin, end] = [offsets[k] / 4, offsets[k] / 4 + sizes[k]];
      return params.views ? heap.subarray(begin, end) : heap.slice(begin, end);
    };
    return {
      output: out(2),
      attention: wantAttention ? out(3) : undefined,
      rowEntropy: wantAttention ? out(4) : undefined,
      seqLen, contextLen, numHeads, headDim: dModel / numHeads, dModel,
    };
  }

  function modelHandle(described) {
    if (described.error) throw new Error(described.error);
    const { id, metadata, ...config } = described;
    let parsed = {};
    try { parsed = metadata ? JSON.parse(metadata) : {}; } catch { parsed = {}; }
    let released = false;
    const alive = () => { if (released) throw new Error('this model was released'); };
    const handle = Object.freeze({
      config: Object.freeze(config),
      metadata: parsed,
      /** Tokens as the model sees them: [{ text, surface, id, unknown }]. */
      tokenize(text) {
        alive();
        const result = Module.modelTokenize(id, String(text ?? ''));
        if (result.error) throw new Error(result.error);
        const ids = result.ids.slice();
        if (ids.length === 0) return [];
        const texts = result.tokens.split('\n');
        const surfaces = result.surfaces.split('\n');
        return Array.from(ids, (tokenId, i) => ({ text: texts[i], surface: surfaces[i], id: tokenId, unknown: tokenId === 1 }));
      },
      /**
       * attention (numLayers, numHeads, n, n); rowEntropy (numLayers, numHeads, n), nats;
       * hidden (n, dModel) unless hidden: false (attention only: the last layer's MLP is
       * skipped); logits (n, vocab) when asked (they always run everything).
       * Options: headEnabled (numLayers * numHeads flags, 0 = ablated), scale, temperature.
       */
      run(ids, { logits = false, hidden = true, headEnabled, scale, temperature } = {}) {
        alive();
        const result = Module.modelRun(id, { ids: Int32Array.from(ids), wantLogits: logits, wantHidden: hidden, headEnabled, scale, temperature });
        if (result.error) throw new Error(result.error);
        return {
          seqLen: result.seqLen,
          attention: result.attention.slice(),
          rowEntropy: result.rowEntropy.slice(),
          hidden: result.hidden ? result.hidden.slice() : undefined,
          logits: result.logits ? result.logits.slice() : undefined,
        };
      },
      /** Mean masked-word loss of the sentence, each word hidden in turn (nats per word). */
      maskedLoss(ids, { headEnabled, headGate, scale, temperature } = {}) {
        alive();
        const result = Module.modelMaskedLoss(id, { ids: Int32Array.from(ids), headEnabled,
          headGate: headGate ? Float32Array.from(headGate) : undefined, scale, temperature });
        if (result.error) throw new Error(result.error);
        return result.loss;
      },
      /** The k likeliest words for position when it is hidden: [{ word, id, probability }]. */
      predict(ids, position, { k = 5, headEnabled, scale, temperature } = {}) {
        alive();
        const result = Module.modelPredict(id, { ids: Int32Array.from(ids), position, k, headEnabled, scale, temperature });
        if (result.error) throw new Error(result.error);
        const words = result.words.split('\n');
        const probabilities = result.probabilities.slice();
        return Array.from(result.ids.slice(), (wordId, i) => ({ word: words[i], id: wordId, probability: probabilities[i] }));
      },
      /**
       * Michel et al. (2019) importance of every head for this sentence's masked-word loss:
       * |d loss / d gate_h| at gate 1, which equals |sum(A_h * dL/dA_h)|, by central differences.
       */
      gradientImportance(ids, { headEnabled, scale, temperature, step = 1e-2 } = {}) {
        alive();
        const count = config.numLayers * config.numHeads;
        return Float32Array.from({ length: count }, (_, h) => {
          const gates = (value) => Float32Array.from({ length: count }, (__, k) => (k === h ? value : 1));
          const up = handle.maskedLoss(ids, { headEnabled, headGate: gates(1 + step), scale, temperature });
          const down = handle.maskedLoss(ids, { headEnabled, headGate: gates(1 - step), scale, temperature });
          return Math.abs((up - down) / (Math.fround(1 + step) - Math.fround(1 - step)));  // gates travel as float32
        });
      },
      /** Weight magnitude of every head: (numLayers * numHeads) Frobenius norms of its W_Q, W_K, W_V, W_O slices. */
      headNorms() {
        alive();
        return Module.modelHeadNorms(id).norms.slice();
      },
      /** The same architecture and vocabulary with seeded random weights. */
      randomTwin(seed = 0) {
        alive();
        return modelHandle(Module.randomModelLike(id, seed));
      },
      release() {
        if (!released) Module.releaseModel(id);
        released = true;
      },
    });
    return handle;
  }

  function call(kernel, params, ArrayType) {
    const args = normalise(params, ArrayType);
    let result;
    try {
      result = kernel(args);
    } catch (error) {
      throw new Error(`attention engine failed: ${error && error.message ? error.message : String(error)}`);
    }
    if (result.error) throw new Error(result.error);
    // Copy out at once: views into the wasm heap die when memory grows.
    return {
      output: result.output.slice(),
      attention: result.attention ? result.attention.slice() : undefined,
      // with the attention: each row's entropy in nats, (numHeads, seqLen), from the softmax's own sums
      rowEntropy: result.rowEntropy ? result.rowEntropy.slice() : undefined,
      headOutputs: result.headOutputs ? result.headOutputs.slice() : undefined,
      seqLen: result.seqLen,
      contextLen: result.contextLen,
      numHeads: result.numHeads,
      headDim: result.headDim,
      dModel: result.dModel,
    };
  }

  const engine = {
    /** Fast float32 kernel (SIMD). */
    multiHeadAttention: (params) => call(Module.multiHeadAttentionF32, params, Float32Array),
    /** The float64 oracle, same inputs; returns Float64Arrays. */
    referenceMultiHeadAttention: (params) => call(Module.multiHeadAttentionF64, params, Float64Array),
    /**
     * The seeded random (untrained) layer for dModel: { wq, wk, wv, wo } as
     * Float32Arrays, the same numbers natively and in wasm (see cpp/seeded_model.h).
     */
    seededLayer(dModel, seed = 0) {
      const result = Module.seededLayer(dModel, seed);
      if (result.error) throw new Error(result.error);
      return { wq: result.wq.slice(), wk: result.wk.slice(), wv: result.wv.slice(), wo: result.wo.slice() };
    },
    /** Token embeddings + sinusoidal positions: (tokens.length, dModel) Float32Array. */
    embedTokens(tokens, dModel, seed = 0) {
      if (!Array.isArray(tokens) || tokens.some((t) => typeof t !== 'string' || t.includes('\n'))) {
        throw new Error('tokens must be an array of strings without line breaks');
      }
      const result = Module.embedTokens(tokens.join('\n'), dModel, seed);
      if (result.error) throw new Error(result.error);
      return result.x.slice();
    },
    /**
     * Loads a trained model file (Uint8Array). Returns a model handle:
     * { config, metadata, tokenize(text), run(ids, { logits, hidden, headEnabled, scale, temperature }), randomTwin(seed), release() };
     * run(..., { hidden: false }) returns the attention only (the last layer's MLP is skipped).
     * A corrupted or truncated file throws an Error that says so.
     */
    loadModel(bytes) {
      if (!(bytes instanceof Uint8Array)) throw new Error('loadModel needs the model file as a Uint8Array');
      return modelHandle(Module.loadModel(bytes));
    },
    /** Weight magnitude of each head of one layer: { wq, wk, wv, wo, dModel, numHeads } -> Float32Array(numHeads). */
    headWeightNorms(params) {
      const result = Module.headWeightNorms({ ...params,
        wq: flatten('wq', params.wq, Float32Array), wk: flatten('wk', params.wk, Float32Array),
        wv: flatten('wv', params.wv, Float32Array), wo: flatten('wo', params.wo, Float32Array) });
      if (result.error) throw new Error(result.error);
      return result.norms.slice();
    },
    /**
     * Every step of one head for one query word, in float64: query (d_k), keys and
     * values (contextLen, d_k), dots, scaled, hidden (masked), weights, headOutput, output (d_model).
     */
    traceHead(params, head, query) {
      const args = normalise(params, Float64Array);
      const result = Module.traceHead({ ...args, head, query });
      if (result.error) throw new Error(result.error);
      const copy = {};
      for (const key of ['query', 'keys', 'values', 'dots', 'scaled', 'hidden', 'weights', 'headOutput', 'output']) copy[key] = result[key].slice();
      return { ...copy, logitFactor: result.logitFactor, headDim: result.headDim };
    },
    /** The benchmark's peak probes: the 5x8 SIMD micro-kernel on in-cache operands, and independent f32x4 mul/add chains. */
    microKernelInCache: (repetitions) => Module.microKernelInCache(repetitions),
    simdPeakLoop: (repetitions, start = 1) => Module.simdPeakLoop(repetitions, start),
    /** Flops one repetition of each probe does (from the C++ constants). */
    probeFlops: Object.freeze({ microKernelInCache: Module.microKernelInCacheFlops, simdPeakLoop: Module.simdPeakLoopFlops }),
    /**
     * Packs a layer's weights once ({ wq, wk, wv, wo, bq?, bk?, bv?, bo?, dModel? }) for
     * repeated calls: run({ x, context?, seqLen?, contextLen?, numHeads, causal, scale,
     * temperature, wantAttention, softmax, views }) -> { output, attention?, rowEntropy?, seqLen, contextLen }.
     * The results are copies, unless views: true: then they are views into the engine's
     * memory, valid until the next call on this engine (which reuses the buffer) or until
     * the memory grows; copy what you keep (for loops that read each result once).
     * Without wantAttention, long inputs use tiles with an online softmax (memory
     * O(seqLen · dModel)); softmax: 'auto' (default), 'full' or 'streaming' forces a path.
     * Inputs go into one reused heap buffer with a single HEAPF32.set each;
     * call release() when done with the layer.
     */
    prepareLayer(params) {
      if (params === null || typeof params !== 'object') throw new Error('prepareLayer needs an object of weights');
      const weights = {};
      for (const name of ['wq', 'wk', 'wv', 'wo', 'bq', 'bk', 'bv', 'bo']) weights[name] = flatten(name, params[name], Float32Array);
      const dModel = checkSize('dModel', params.dModel) ?? (weights.wq ? Math.round(Math.sqrt(weights.wq.length)) : -1);
      const prepared = Module.prepareLayer({ ...weights, dModel });
      if (prepared.error) throw new Error(prepared.error);
      let released = false;
      return Object.freeze({
        dModel,
        run(inputs) {
          if (released) throw new Error('this layer was released');
          return runPrepared(prepared.id, dModel, inputs);
        },
        release() {
          if (!released) Module.releaseLayer(prepared.id);
          released = true;
        },
      });
    },
    /** Bytes malloc hands out right now (for leak checks). */
    heapBytesInUse: () => Module.heapBytesInUse(),
    /** Size of the wasm linear memory in bytes. */
    memoryBytes: () => Module.HEAP8.length,
    simdBackend: Module.simdBackend(),
  };
  return Object.freeze(engine);
}
