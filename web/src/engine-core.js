// The only code that touches the WebAssembly Module. Everything else (widget,
// CLI, tests) talks to the engine object createEngine returns.
//
// Shapes are flat row-major Float32Arrays:
//   output (seqLen, dModel); attention (numHeads, seqLen, contextLen);
//   headOutputs (numHeads, seqLen, headDim)
import { checkSize, flatten, normalise } from './engine-args.js';

const SOFTMAX_MODES = { auto: 0, full: 1, streaming: 2 };

// Text as the engine may read it: a lone UTF-16 surrogate becomes U+FFFD (the
// conversion to UTF-8 would otherwise pair it with the next character).
function wellFormed(text) {
  return String(text ?? '').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function splitLines(text) {
  return text ? text.split('\n') : [];
}

const WEIGHT_MATRICES = ['wq', 'wk', 'wv', 'wo'];

// The float32 one-shot call's weight check (cpp/attention/one_shot_cache.h),
// run just before the call, on the arrays it is given: each matrix, some
// whole rows at a time, is copied into the engine's cache-sized scratch
// buffer (one set) and compared there with the weights packed last time. The
// call then uses those packed weights only if every row was found equal; a
// difference stops the check and the call copies and packs as usual.
function checkKeptWeights(Module, args) {
  const dModel = args.dModel;
  if (!Number.isInteger(dModel) || dModel <= 0) return;
  const square = dModel * dModel;
  if (!WEIGHT_MATRICES.every((name) => args[name] instanceof Float32Array && args[name].length === square)) return;
  if (!Module.oneShotCheckBegin(dModel)) return;  // nothing kept of this width
  const scratch = Module.oneShotScratch();  // a view of the heap, dropped with this call (nothing allocates meanwhile)
  const rowsPerChunk = scratch.length / dModel;
  for (let matrix = 0; matrix < WEIGHT_MATRICES.length; matrix++) {
    const weights = args[WEIGHT_MATRICES[matrix]];
    for (let row = 0; row < dModel; row += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, dModel - row);
      scratch.set(rows === dModel ? weights : weights.subarray(row * dModel, (row + rows) * dModel));
      if (!Module.oneShotCheckRows(matrix, row, rows)) return;
    }
  }
}

// A one-shot kernel call: arguments normalised, results copied out at once
// (views into the wasm heap die when memory grows).
function runKernel(Module, kernel, params, ArrayType) {
  const args = normalise(params, ArrayType);
  let result;
  try {
    if (ArrayType === Float32Array) checkKeptWeights(Module, args);
    result = kernel(args);
  } catch (error) {
    throw new Error(`attention engine failed: ${error && error.message ? error.message : String(error)}`);
  }
  if (result.error) throw new Error(result.error);
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

// wasm reads a plain Uint8Array only (a subclass or an own 'length' could lie about its size):
// anything else is copied into one first; a plain one (3.9 MB for the encoder) is not copied twice
function plainBytes(bytes) {
  const plain = Object.getPrototypeOf(bytes) === Uint8Array.prototype && Object.getOwnPropertyDescriptor(bytes, 'length') === undefined;
  return plain ? bytes : new Uint8Array(bytes);
}

// ---- prepared layers ----------------------------------------------------------

function runPrepared(Module, id, dModel, params) {
  if (params === null || typeof params !== 'object') throw new Error('run needs an object of inputs');
  const x = flatten('x', params.x, Float32Array);
  const context = params.context === undefined || params.context === null ? undefined : flatten('context', params.context, Float32Array);
  if (!x) throw new Error('x is missing');
  const seqLen = checkSize('seqLen', params.seqLen) ?? x.length / dModel;
  const contextLen = context ? (checkSize('contextLen', params.contextLen) ?? context.length / dModel) : seqLen;
  if (!Number.isInteger(seqLen) || x.length !== seqLen * dModel) throw new Error(`x must have seqLen × dModel = ${seqLen * dModel} values, got ${x.length}`);
  if (context && !Number.isInteger(contextLen)) throw new Error(`context must have contextLen × dModel values, got ${context.length}`);
  const softmax = SOFTMAX_MODES[params.softmax ?? 'auto'];
  if (softmax === undefined) throw new Error('softmax must be "auto", "full" or "streaming"');
  const numHeads = checkSize('numHeads', params.numHeads) ?? -1;
  const wantAttention = params.wantAttention ?? true;
  const result = Module.runPreparedLayer(id, { x, context, seqLen, contextLen: context ? contextLen : undefined, numHeads,
    causal: Boolean(params.causal), scale: params.scale ?? undefined, temperature: params.temperature ?? undefined,
    wantAttention, softmax, poolLimits: params.poolLimits ?? undefined });
  if (result.error) throw new Error(result.error);
  // views: no copy; the arrays alias the engine's buffers until the next call
  const out = (array) => (array === undefined ? undefined : params.views ? array : array.slice());
  return {
    output: out(result.output),
    attention: wantAttention ? out(result.attention) : undefined,
    rowEntropy: wantAttention ? out(result.rowEntropy) : undefined,
    rowArgmax: wantAttention ? out(result.rowArgmax) : undefined,
    // poolLimits: [limit, ...] -> each head max-pooled to fit limit × limit (cpp/analysis/overview.h)
    pooled: result.pooled ? Array.from(result.pooled, ({ limit, block, rows, cols, values }) => ({ limit, block, rows, cols, values: out(values) })) : undefined,
    seqLen, contextLen, numHeads, headDim: dModel / numHeads, dModel,
  };
}

function prepareLayer(Module, params) {
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
      return runPrepared(Module, prepared.id, dModel, inputs);
    },
    release() {
      if (!released) Module.releaseLayer(prepared.id);
      released = true;
    },
  });
}

// ---- trained models -----------------------------------------------------------

// model handle -> its id in the module (for calls that take two models)
const handleIds = new WeakMap();

function modelHandle(Module, described) {
  if (described.error) throw new Error(described.error);
  const { id, metadata, ...config } = described;
  let parsed = {};
  // metadata: a view of the model's JSON bytes in the wasm heap, read before any other call
  try { parsed = metadata && metadata.length ? JSON.parse(new TextDecoder().decode(metadata)) : {}; } catch { parsed = {}; }
  let released = false;
  const checked = (result) => {
    if (released) throw new Error('this model was released');
    if (result.error) throw new Error(result.error);
    return result;
  };
  const alive = () => { if (released) throw new Error('this model was released'); };
  // every array is copied here, in JavaScript (see flatten in engine-args.js)
  const flags = (headEnabled) => (headEnabled === undefined || headEnabled === null ? undefined : Uint8Array.from(headEnabled, (on) => (on ? 1 : 0)));
  const call = (ids, options) => ({ ids: Int32Array.from(ids), headEnabled: flags(options.headEnabled),
    headGate: options.headGate ? Float32Array.from(options.headGate) : undefined, scale: options.scale, temperature: options.temperature });
  const handle = Object.freeze({
    config: Object.freeze(config),
    metadata: parsed,
    /** Tokens as the model sees them: [{ text, surface, id, unknown, punctuation }]. */
    tokenize(text) {
      alive();
      const result = checked(Module.modelTokenize(id, wellFormed(text)));
      const ids = result.ids.slice();
      const punctuation = result.punctuation.slice();
      const texts = splitLines(result.tokens);
      const surfaces = splitLines(result.surfaces);
      return Array.from(ids, (tokenId, i) => ({ text: texts[i], surface: surfaces[i], id: tokenId, unknown: tokenId === 1,
        punctuation: punctuation[i] === 1 }));
    },
    /**
     * attention (numLayers, numHeads, n, n); rowEntropy (numLayers, numHeads, n), nats;
     * rowArgmax (numLayers, numHeads, n): each row's strongest link (its first largest weight);
     * hidden (n, dModel) unless hidden: false (attention only: the last layer's MLP is
     * skipped); logits (n, vocab) when asked (they always run everything).
     * Options: headEnabled (numLayers * numHeads flags, 0 = ablated), scale, temperature;
     * views: true returns views of the engine's buffers, valid until its next call (no copies).
     */
    run(ids, { logits = false, hidden = true, headEnabled, scale, temperature, views = false } = {}) {
      alive();
      const result = checked(Module.modelRun(id, { ...call(ids, { headEnabled, scale, temperature }), wantLogits: Boolean(logits), wantHidden: Boolean(hidden) }));
      const out = (array) => (array === undefined ? undefined : views ? array : array.slice());
      return {
        seqLen: result.seqLen,
        attention: out(result.attention),
        rowEntropy: out(result.rowEntropy),
        rowArgmax: out(result.rowArgmax),
        hidden: out(result.hidden),
        logits: out(result.logits),
      };
    },
    /** Mean masked-word loss of the sentence, each word hidden in turn (nats per word). */
    maskedLoss(ids, options = {}) {
      alive();
      return checked(Module.modelMaskedLoss(id, call(ids, options))).loss;
    },
    /** The k likeliest words for position when it is hidden: [{ word, id, probability }]. */
    predict(ids, position, { k = 5, ...options } = {}) {
      alive();
      const result = checked(Module.modelPredict(id, { ...call(ids, options), position, k }));
      const words = splitLines(result.words);
      const probabilities = result.probabilities.slice();
      return Array.from(result.ids.slice(), (wordId, i) => ({ word: words[i], id: wordId, probability: probabilities[i] }));
    },
    /**
     * Michel et al. (2019) importance of every head for this sentence's masked-word loss:
     * |d loss / d gate_h| at gate 1 (computed in C++, cpp/analysis/importance.h).
     * firstHead and headCount (layer-major order) measure a few heads at a time.
     */
    gradientImportance(ids, { headEnabled, scale, temperature, step, firstHead, headCount } = {}) {
      alive();
      return checked(Module.modelGradientImportance(id, { ...call(ids, { headEnabled, scale, temperature }), step, firstHead, headCount })).importance.slice();
    },
    /** Weight magnitude of every head: (numLayers * numHeads) Frobenius norms of its W_Q, W_K, W_V, W_O slices. */
    headNorms() {
      alive();
      return checked(Module.modelHeadNorms(id)).norms.slice();
    },
    /**
     * A causal model writing word by word (C++ key/value cache: a step costs
     * O(prefix)). Returns { length, promptAttention: [position p's rows
     * (numLayers, numHeads, p + 1)], step({ temperature = 0, topK = 0, k = 10, token }),
     * next({ k, temperature }), rewind(length), release() }. step() chooses the
     * next word (greedy at temperature 0, else seeded sampling) or writes `token`,
     * and returns { token, word, position, probability, attention (numLayers,
     * numHeads, position + 1), next: the k likeliest words it was chosen from }.
     * Release the writer (or the model) when done.
     */
    startWriting(ids, { seed = 0 } = {}) {
      alive();
      const started = checked(Module.writerStart(id, { ...call(ids, {}), seed }));
      const writerId = started.id;
      const layerHeads = config.numLayers * config.numHeads;
      const all = started.attention.slice();
      const promptAttention = [];
      for (let p = 0, offset = 0; p < started.length; offset += layerHeads * (p + 1), p++) {
        promptAttention.push(all.subarray(offset, offset + layerHeads * (p + 1)));
      }
      let length = started.length;
      let writerReleased = false;
      const live = () => { alive(); if (writerReleased) throw new Error('this writer was released'); };
      const nextWords = (result) => {
        const words = splitLines(result.nextWords);
        const probabilities = result.nextProbabilities.slice();
        return Array.from(result.nextIds.slice(), (wordId, i) => ({ id: wordId, word: words[i], probability: probabilities[i] }));
      };
      return {
        get length() { return length; },
        promptAttention,
        step({ temperature = 0, topK = 0, k = 10, token } = {}) {
          live();
          const result = checked(Module.writerStep(writerId, { temperature, topK, k, token }));
          length = result.position + 1;
          return { token: result.token, word: result.word, position: result.position, probability: result.probability,
            attention: result.attention.slice(), next: nextWords(result) };
        },
        next({ k = 10, temperature = 0 } = {}) {
          live();
          return nextWords(checked(Module.writerNext(writerId, { k, temperature })));
        },
        rewind(to) {
          live();
          if (!Number.isInteger(to)) throw new Error('rewind takes a whole number of tokens to keep');
          checked(Module.writerRewind(writerId, to));
          length = to;
        },
        release() {
          if (!writerReleased && !released) Module.writerRelease(writerId);
          writerReleased = true;
        },
      };
    },
    /**
     * The induction test (Olsson et al. 2022; cpp/analysis/induction.h): random
     * words repeated twice. { twin (this model's randomTwin()), half = 20, trials = 16, seed = 1 }
     * -> { prefixMatching, twinPrefixMatching (numLayers * numHeads), induction
     * (flags: the label), lossFirst, lossSecond, twinLossFirst, twinLossSecond,
     * example (ids of the first sequence), exampleWords, threshold, margin }.
     */
    inductionTest({ twin, half, trials, seed } = {}) {
      alive();
      const twinId = twin ? handleIds.get(twin) : undefined;
      if (twin && twinId === undefined) throw new Error('twin must be a model handle from this engine');
      const r = checked(Module.modelInduction(id, { twin: twinId, half, trials, seed }));
      return { prefixMatching: r.prefixMatching.slice(), twinPrefixMatching: r.twinPrefixMatching.slice(),
        induction: Array.from(r.induction.slice(), (flag) => flag === 1), lossFirst: r.lossFirst, lossSecond: r.lossSecond,
        twinLossFirst: r.twinLossFirst, twinLossSecond: r.twinLossSecond, example: Array.from(r.example.slice()), exampleWords: splitLines(r.exampleWords),
        threshold: r.threshold, margin: r.margin };
    },
    /**
     * Across layers (Abnar & Zuidema 2020; cpp/analysis/rollout.h), for word `query`:
     * { raw (n, n): the last layer's heads averaged, rollout (n, n), flow (n) or
     * null past flowLimit tokens, flowLimit }.
     */
    rollout(ids, { query = 0, headEnabled, scale, temperature } = {}) {
      alive();
      const r = checked(Module.modelRollout(id, { ...call(ids, { headEnabled, scale, temperature }), query }));
      return { raw: r.raw.slice(), rollout: r.rollout.slice(), flow: r.flow ? r.flow.slice() : null, flowLimit: r.flowLimit };
    },
    /**
     * The paper's check on sentences (arrays of ids): the mean Spearman correlation of
     * raw attention, rollout and flow with ablation importance (the middle word hidden;
     * each other word hidden in turn). { raw, rollout, flow, sentences }.
     */
    ablationCorrelation(sentences) {
      alive();
      const lengths = Int32Array.from(sentences, (s) => s.length);
      const ids = Int32Array.from(sentences.flat());
      return checked(Module.modelAblationCorrelation(id, { ids, lengths }));
    },
    /**
     * One head's queries and keys in one plane (cpp/analysis/geometry.h): keys moved
     * onto the queries' mean and both scaled to one mean length (no attention row
     * changes), then PCA. { layer, head, extra: [ids, ...] } -> { queries, keys:
     * [[x, y]] for this sentence, extra: [{ queries, keys }] per extra sentence,
     * explained: [share, share], keyShift, scale }.
     */
    queryKeyGeometry(ids, { layer = 0, head = 0, extra = [], ...options } = {}) {
      alive();
      const args = { ...call(ids, options), layer, head };  // options: headEnabled, scale, temperature, as run()
      if (extra.length) {
        args.extraLengths = Int32Array.from(extra, (s) => s.length);
        args.extraIds = Int32Array.from(extra.flat());
      }
      const r = checked(Module.modelQueryKeyGeometry(id, args));
      const coords = r.coords.slice();
      let at = 0;
      const take = (count) => Array.from({ length: count }, () => { const point = [coords[at], coords[at + 1]]; at += 2; return point; });
      const queries = take(ids.length);
      const keys = take(ids.length);
      const others = extra.map((s) => ({ queries: take(s.length), keys: take(s.length) }));
      return { queries, keys, extra: others, explained: [...r.explained], keyShift: r.keyShift, scale: r.scale };
    },
    /** The same architecture and vocabulary with seeded random weights. */
    randomTwin(seed = 0) {
      alive();
      return modelHandle(Module, Module.randomModelLike(id, seed));
    },
    release() {
      if (!released) Module.releaseModel(id);
      released = true;
      handleIds.delete(handle);  // its slot may hold another model later
    },
  });
  handleIds.set(handle, id);
  return handle;
}

// ---- analysis -------------------------------------------------------------------

function readRules(Module) {
  const rules = Module.analysisRules();
  return Object.freeze({ relations: Object.freeze(splitLines(rules.relations)), kinds: Object.freeze(splitLines(rules.kinds)),
    roleThreshold: rules.roleThreshold, broadEntropy: rules.broadEntropy, fewestTokens: rules.fewestTokens });
}

// Every head's statistics and label (cpp/analysis/head_roles.h), as objects.
function headSummaries(Module, rules, { attention, rowEntropy, rowArgmax, numLayers, numHeads, seqLen, contextLen = seqLen, punctuation,
  cross = false, heldout, criterion }) {
  const count = numLayers * numHeads;
  const heldoutValues = heldout ? Float64Array.from(heldout.flat().flatMap((s) =>
    [...rules.relations.map((key) => s[key] ?? 0), s.normalised_entropy ?? 0])) : undefined;
  // each row's strongest link and entropy (a prepared run's) stand in for the weights: a long text's 32 MB need not cross again
  const fromRows = rowArgmax !== undefined && rowArgmax !== null && rowEntropy !== undefined && rowEntropy !== null;
  const result = Module.headSummaries({ attention: fromRows ? undefined : flatten('attention', attention, Float32Array),
    rowArgmax: fromRows ? flatten('rowArgmax', rowArgmax, Int32Array) : undefined,
    rowEntropy: flatten('rowEntropy', rowEntropy, Float32Array), numLayers, numHeads, seqLen, contextLen,
    punctuation: Uint8Array.from(punctuation, (flag) => (flag ? 1 : 0)), cross, heldout: heldoutValues, criterion });
  if (result.error) throw new Error(result.error);
  const shares = result.shares.slice();
  const entropy = result.entropy.slice();
  const normalised = result.normalisedEntropy.slice();
  const role = result.role.slice();
  const roleValue = result.roleValue.slice();
  const heldoutRole = result.heldoutRole ? result.heldoutRole.slice() : null;
  const heldoutValue = result.heldoutValue ? result.heldoutValue.slice() : null;
  const decision = (codes, values, h) => ({ kind: rules.kinds[codes[2 * h]], relation: rules.relations[codes[2 * h + 1]], value: values[h] });
  return Array.from({ length: count }, (_, h) => ({
    shares: Object.fromEntries(rules.relations.map((key, r) => [key, shares[h * rules.relations.length + r]])),
    meanEntropy: entropy[h],
    normalisedEntropy: normalised[h],
    role: decision(role, roleValue, h),
    heldoutRole: heldoutRole ? decision(heldoutRole, heldoutValue, h) : null,
  }));
}

export function createEngine(Module) {
  const rules = readRules(Module);
  const engine = {
    /** Fast float32 kernel (SIMD). */
    multiHeadAttention: (params) => runKernel(Module, Module.multiHeadAttentionF32, params, Float32Array),
    /** The float64 oracle, same inputs; returns Float64Arrays. */
    referenceMultiHeadAttention: (params) => runKernel(Module, Module.multiHeadAttentionF64, params, Float64Array),
    /**
     * The one tokenizer (cpp/text/tokenizer.h): [{ text, surface, punctuation }].
     * rules: 'model' (the trained models': hyphens split, text lower-cased) or
     * 'seeded' (the seeded layer's: inner hyphens join, "multi-head" stays whole).
     */
    tokenize(text, { rules = 'model' } = {}) {
      const result = Module.tokenize(wellFormed(text), String(rules));
      if (result.error) throw new Error(result.error);
      const punctuation = result.punctuation.slice();
      const texts = splitLines(result.tokens);
      const surfaces = splitLines(result.surfaces);
      return texts.map((tokenText, i) => ({ text: tokenText, surface: surfaces[i], punctuation: punctuation[i] === 1 }));
    },
    /** The head-role rule's names and thresholds, as C++ applies them. */
    analysisRules: rules,
    /**
     * Every head's statistics on this sentence and its label, with the label of
     * its held-out statistics when given: [{ shares: { previous, next, self,
     * first, punctuation }, meanEntropy, normalisedEntropy, role: { kind,
     * relation, value }, heldoutRole }], one per layer and head in order.
     * attention (numLayers, numHeads, seqLen, contextLen); punctuation: a flag per attended token.
     */
    headSummaries: (params) => headSummaries(Module, rules, params),
    /** How far `changed` moved from `reference` (same lengths): { relative (L2), cosine }. */
    outputChange(changed, reference) {
      const result = Module.outputChange({ changed: Float32Array.from(changed), reference: Float32Array.from(reference) });
      if (result.error) throw new Error(result.error);
      return { relative: result.relative, cosine: result.cosine };
    },
    /**
     * The seeded random (untrained) layer for dModel: { wq, wk, wv, wo } as
     * Float32Arrays, the same numbers natively and in wasm (see cpp/model/seeded_model.h).
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
     * { config, metadata, tokenize(text), run(ids, options), maskedLoss, predict,
     *   gradientImportance, headNorms, randomTwin(seed), release() }.
     * A corrupted or truncated file throws an Error that says so.
     */
    loadModel(bytes) {
      if (!(bytes instanceof Uint8Array)) throw new Error('loadModel needs the model file as a Uint8Array');
      return modelHandle(Module, Module.loadModel(plainBytes(bytes)));
    },
    /**
     * The same from the file's base64 text as bytes (ASCII), decoded in C++: how
     * the browser loads a model script it fetched, without running it as a script.
     */
    loadModelBase64(text) {
      if (!(text instanceof Uint8Array)) throw new Error('loadModelBase64 needs the base64 text as a Uint8Array of ASCII');
      return modelHandle(Module, Module.loadModelBase64(plainBytes(text)));
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
    /**
     * Packs a layer's weights once ({ wq, wk, wv, wo, bq?, bk?, bv?, bo?, dModel? }) for
     * repeated calls: run({ x, context?, seqLen?, contextLen?, numHeads, causal, scale,
     * temperature, wantAttention, softmax, poolLimits, views }) -> { output, attention?, rowEntropy?,
     * rowArgmax? (numHeads, seqLen: each row's strongest link, its first largest weight), pooled?, seqLen, contextLen }. poolLimits: up to 4 picture sizes; pooled then holds, per
     * size, { limit, block, rows, cols, values: (numHeads, rows, cols) }, every head's weights
     * max-pooled in blocks of block × block to fit limit × limit (computed in C++).
     * The results are copies, unless views: true: then they are views into the engine's
     * memory, valid until the next run of a prepared layer or until the memory grows;
     * copy what you keep (for loops that read each result once).
     * Without wantAttention, long inputs use tiles with an online softmax (memory
     * O(seqLen · dModel)); softmax: 'auto' (default), 'full' or 'streaming' forces a path.
     * Call release() when done with the layer.
     */
    prepareLayer: (params) => prepareLayer(Module, params),
    /** Bytes malloc hands out right now (for leak checks). */
    heapBytesInUse: () => Module.heapBytesInUse(),
    /**
     * How many float32 one-shot calls have packed their weights so far. A call
     * whose four weight matrices and biases equal, bit for bit, the last packed
     * ones reuses them (a changed element, even in the same array, packs anew).
     */
    oneShotPackCount: () => Module.oneShotPackCount(),
    /** Size of the wasm linear memory in bytes. */
    memoryBytes: () => Module.HEAP8.length,
    simdBackend: Module.simdBackend(),
  };
  return Object.freeze(engine);
}
