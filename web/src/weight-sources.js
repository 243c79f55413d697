// Where a widget's numbers come from. A source turns the learner's text into
// everything the widget draws:
//   compute(engine, { text, heads, dModel, seed, causal, poolLimits, ... }) -> {
//     tokens: [{ text, surface, unknown, punctuation }],   what the chips show (as the model sees them);
//       punctuation: the analysis core's flag (engine.tokenize gives it)
//     numLayers, numHeads, dModel, headDim, seqLen,
//     output? (or experiment.output()): what the experiments compare, under these options,
//     attention: Float32Array (numLayers, numHeads, seqLen, seqLen),
//     rowEntropy?: Float32Array (numLayers, numHeads, seqLen), each attention row's
//       entropy in nats (without it the widget computes them from the weights),
//     rowArgmax?: Int32Array (numLayers, numHeads, seqLen), each row's strongest link (its first
//       largest weight); with rowEntropy, the head summaries read these instead of the weights,
//     architecture: { layers, dFF, vocab, parameters } (multi-layer models), message?,
//     heldout?: per layer, per head { previous, next, self, first, punctuation, normalised_entropy }
//     relations?: per layer, per head { relation, from, to, earned, margin, kinds, examples }
//     pooled?: [{ limit, block, rows, cols, values }] for some of poolLimits: every head's
//       weights max-pooled to fit limit × limit (else the widget pools them itself)
//   }
// Register more with registerWeightSource (designed heads, other models).
import { loadTrainedModel, heldoutSample } from './trained-model.js';

const sources = new Map();
const BUILT_IN = new Set(['seeded-random', 'trained', 'trained-random']);
let registeringBuiltIns = true;

/**
 * @param {string} id
 * @param {{ label: string, trained: boolean, note: string, fixedArchitecture?: boolean,
 *           compute(engine, options): Promise<object>|object }} source
 */
export function registerWeightSource(id, source) {
  if (typeof id !== 'string' || !id) throw new Error('a weight source needs an id');
  if (BUILT_IN.has(id) && !registeringBuiltIns) throw new Error(`'${id}' is a built-in weight source; register yours under another id`);
  if (!source || typeof source.compute !== 'function') throw new Error(`weight source '${id}' needs a compute function`);
  sources.set(id, Object.freeze({ id, ...source }));
}

// What a source's compute must return; "" or what is wrong, in words.
export function checkComputed(id, view) {
  if (!view || typeof view !== 'object') return `weight source '${id}' returned nothing to show`;
  if (!Array.isArray(view.tokens)) return `weight source '${id}' returned no tokens`;
  if (view.tokens.length === 0) return '';
  if (view.tokens.some((t) => !t || typeof t.text !== 'string')) return `weight source '${id}' returned a token without text`;
  const { numLayers, numHeads, seqLen } = view;
  if (![numLayers, numHeads, seqLen].every((n) => Number.isInteger(n) && n > 0) || seqLen !== view.tokens.length) {
    return `weight source '${id}' returned sizes that do not match its tokens`;
  }
  const contextLen = view.contextTokens ? view.contextLen : seqLen;
  if (!(view.attention instanceof Float32Array) || view.attention.length !== numLayers * numHeads * seqLen * contextLen) {
    return `weight source '${id}' must return attention as a Float32Array of numLayers × numHeads × seqLen × contextLen values`;
  }
  if (view.experiment && ['run', 'weightNorms'].some((name) => typeof view.experiment[name] !== 'function')) {
    return `weight source '${id}': an experiment needs run and weightNorms functions`;
  }
  return '';
}

export function getWeightSource(id) {
  return sources.get(id);
}

export function weightSourceIds() {
  return [...sources.keys()];
}

// The seeded layer reads at most this many tokens.
export const MAX_TOKENS = 1024;

// The seeded layer's tokens: the engine's tokenizer with the seeded rule
// (inner hyphens join), shown as typed.
function seededTokens(engine, text) {
  const all = engine.tokenize(text, { rules: 'seeded' });
  const tokens = all.slice(0, MAX_TOKENS).map((t) => ({ text: t.surface, surface: t.surface, unknown: false, punctuation: t.punctuation }));
  return { tokens, total: all.length, truncated: all.length > tokens.length };
}

function capped(total, shown, limit, why) {
  return total > shown ? `Showing the first ${shown} of ${total} tokens (${why} ${limit}).` : '';
}

// Seeded random layer (cpp/model/seeded_model.h): Glorot-uniform W_Q, W_K, W_V, W_O,
// zero biases, token embeddings from a hash of the lower-cased token plus
// sinusoidal positions. Same numbers in every browser and natively.
// Each (dModel, seed) layer is made once and its weights packed once for the
// kernels (engine.prepareLayer): typing then runs the packed layer, instead
// of copying and packing four d_model² matrices on every keystroke.
// The cache keeps the layers used last, at most MAX_CACHED_FLOATS of weights
// in all (about 64 MB with their packed copies), so a page cycling through
// seeds or widths keeps its memory bounded.
const layerCache = new Map();
const MAX_CACHED_FLOATS = 8 * 1024 * 1024;
function seededLayer(engine, dModel, seed) {
  const key = `${dModel}:${seed}`;
  let entry = layerCache.get(key);
  if (entry) {
    layerCache.delete(key);  // most recently used last
  } else {
    const weights = engine.seededLayer(dModel, seed);
    entry = { weights, prepared: engine.prepareLayer({ ...weights, dModel }), floats: 4 * dModel * dModel };
  }
  layerCache.set(key, entry);
  let total = 0;
  for (const cached of layerCache.values()) total += cached.floats;
  for (const [oldKey, old] of layerCache) {
    if (total <= MAX_CACHED_FLOATS || old === entry) break;
    old.prepared.release();
    layerCache.delete(oldKey);
    total -= old.floats;
  }
  return entry;
}

// A prepared run's results as views into the engine, copied out at once. A
// long text's weights are 32 MB and its overview pictures 2 MB: fresh arrays
// for them on every keystroke cost about 30 ms of page faults, so when the
// widget lends its buffers ({ arrays: [] }: per array, the one shown and the
// one the next result is copied into) they are reused.
function reusedCopy(buffers, key, source) {
  if (!buffers) return source.slice();
  const kept = (buffers[key] ??= []);
  const spare = kept.length === 2 ? kept.shift() : null;
  const copy = spare && spare.length === source.length ? spare : new source.constructor(source.length);
  copy.set(source);
  kept.push(copy);
  return copy;
}

function copiedOut(result, buffers) {
  return {
    ...result, attention: reusedCopy(buffers, 'arrays', result.attention), output: result.output.slice(), rowEntropy: result.rowEntropy.slice(),
    rowArgmax: result.rowArgmax.slice(),
    pooled: result.pooled?.map((picture) => ({ ...picture, values: reusedCopy(buffers, `pooled ${picture.limit}`, picture.values) })),
  };
}

registerWeightSource('seeded-random', {
  label: 'Seeded random weights (untrained)',
  trained: false,
  note: 'Untrained: these heads were never taught anything, so any pattern is chance, not a learned role.',
  compute(engine, { text, context, heads, dModel, seed, causal, scale, temperature, headEnabled, poolLimits = [], attentionBuffers }) {
    const { tokens, total, truncated } = seededTokens(engine, text);
    if (tokens.length === 0) return { tokens: [] };
    const other = context ? seededTokens(engine, context) : null;
    if (other && other.tokens.length === 0) throw new Error('The sentence to attend to has no tokens.');
    const { weights: layer, prepared } = seededLayer(engine, dModel, seed);
    const words = (list) => list.map((t) => t.text);
    const inputs = { x: engine.embedTokens(words(tokens), dModel, seed), ...layer, seqLen: tokens.length, dModel, numHeads: heads, causal };
    if (other) Object.assign(inputs, { context: engine.embedTokens(words(other.tokens), dModel, seed), contextLen: other.tokens.length });
    // switched-off heads (the experiments) go through the one-shot call, which takes them
    const result = headEnabled
      ? engine.multiHeadAttention({ ...inputs, scale, temperature, headEnabled, wantHeadOutputs: false })
      : copiedOut(prepared.run({ x: inputs.x, context: inputs.context, seqLen: inputs.seqLen, contextLen: inputs.contextLen, numHeads: heads, causal, scale, temperature,
        // pictures smaller than the matrix, pooled in C++ while the weights are there
        poolLimits: poolLimits.filter((limit) => limit < Math.max(tokens.length, other ? other.tokens.length : 0)), views: true }), attentionBuffers);
    return {
      tokens,
      numLayers: 1, numHeads: result.numHeads, dModel, headDim: result.headDim, seqLen: result.seqLen,
      attention: result.attention, rowEntropy: result.rowEntropy, rowArgmax: result.rowArgmax, causal: Boolean(causal), output: result.output, pooled: result.pooled,
      ...(other ? { contextTokens: other.tokens, contextLen: result.contextLen } : {}),
      message: truncated ? capped(total, tokens.length, MAX_TOKENS, "the widget's limit is") : '',
      // what the experiments panel may ask for: the layer output under other settings
      experiment: {
        outputName: 'the layer output',
        run: (options) => engine.multiHeadAttention({ ...inputs, ...options, wantAttention: false, wantHeadOutputs: false }).output,
        weightNorms: () => [engine.headWeightNorms({ ...layer, dModel, numHeads: heads })],
        // every intermediate number of one head for one word (float64, from the engine)
        trace: (head, query) => ({
          input: inputs.x.slice(query * dModel, (query + 1) * dModel),
          ...engine.traceHead({ ...inputs, scale, temperature }, head, query),
        }),
        // the same layer computed with another number of heads (same weights, other split)
        compare: (numHeads) => {
          const other = engine.multiHeadAttention({ ...inputs, numHeads, scale, temperature, wantHeadOutputs: false });
          const n = other.seqLen;
          let entropy = 0;  // mean over every row of every head, as a share of log n
          const maxEntropy = Math.log(n);
          for (const rowEntropy of other.rowEntropy) entropy += n > 1 ? rowEntropy / maxEntropy : 0;
          return { entropy: entropy / (numHeads * n), attention: other.attention };
        },
      },
    };
  },
});

// Sentences the pruning curve measures each point on: every word of each is
// hidden in turn, so a point is ~300 model runs for the encoder's 33 points;
// with 40 sentences (~310 words) the whole curve takes ~12 s, and its shape is
// that of all 100 (within 0.2 nats at every point, checked once by hand).
const CURVE_SENTENCES = 40;

// The trained masked language model (scripts/train.sh, cpp/train/) and its
// untrained twin: the same architecture and vocabulary, seeded random weights.
function transformerSource(twinSeed) {
  return async (engine, { text, seed, scale, temperature, headEnabled, attentionBuffers }) => {
    let model = await loadTrainedModel(engine);
    if (twinSeed !== null) model = twinOf(model, seed ?? twinSeed);
    const all = model.tokenize(text);
    const { maxLen, numLayers, numHeads, dModel, dFF, vocabSize } = model.config;
    const tokens = all.slice(0, maxLen);
    if (tokens.length === 0) return { tokens: [] };
    const ids = tokens.map((t) => t.id);
    const options = { scale, temperature, headEnabled };
    // What typing shows is attention only, so the last layer's MLP is skipped
    // (about a quarter of a 64-word run); the experiments ask for the hidden states.
    // The weights are copied from the engine's views into the widget's reused
    // buffers (a fresh 0.5 MB array a keystroke was ~1 ms of allocation and GC);
    // each row's strongest link lets the head summaries skip reading them again.
    const run = model.run(ids, { ...options, hidden: false, views: true });
    return {
      tokens: tokens.map(({ text: t, surface, unknown, punctuation }) => ({ text: t, surface, unknown, punctuation })),
      numLayers, numHeads, dModel, headDim: dModel / numHeads, seqLen: run.seqLen,
      attention: reusedCopy(attentionBuffers, 'arrays', run.attention), rowEntropy: run.rowEntropy.slice(), rowArgmax: run.rowArgmax.slice(),
      causal: false,
      experiment: {
        outputName: 'the final hidden states',
        output: () => model.run(ids, options).hidden,
        run: (other) => model.run(ids, other).hidden,
        maskedLoss: (options) => model.maskedLoss(ids, options),
        // heads firstHead.. (layer-major), headCount of them: computed in C++ (cpp/analysis/importance.h)
        gradientImportance: (options, firstHead = 0, headCount = numLayers * numHeads - firstHead) =>
          model.gradientImportance(ids, { ...options, firstHead, headCount }),
        predict: (position, options) => model.predict(ids, position, { k: 5, ...options }),
        // one head's queries and keys in one plane (cpp/analysis/geometry.h); extra: held-out sentences too
        queryKeyGeometry: (layer, head, withHeldout, options = {}) => model.queryKeyGeometry(ids, { ...options, layer, head,
          extra: withHeldout ? heldoutSample().slice(0, 20).map((line) => model.tokenize(line).slice(0, maxLen).map((t) => t.id)).filter((s) => s.length) : [] }),
        // Per head, the 3 shipped held-out sentences where its attention is most
        // concentrated (the mean of its rows' largest weights), each with its strongest link;
        // measured live on the sentences shipped with the model.
        heldoutPeaks: twinSeed === null && heldoutSample().length ? () => {
          const best = Array.from({ length: numLayers * numHeads }, () => []);
          for (const line of heldoutSample()) {
            const sentence = model.tokenize(line).slice(0, maxLen);
            const n = sentence.length;
            if (n < 3) continue;
            const { attention } = model.run(sentence.map((t) => t.id), { hidden: false });
            for (let lh = 0; lh < numLayers * numHeads; lh++) {
              let total = 0;
              let link = { from: 0, to: 0, weight: -1 };
              for (let i = 0; i < n; i++) {
                let top = 0;
                for (let j = 1; j < n; j++) if (attention[(lh * n + i) * n + j] > attention[(lh * n + i) * n + top]) top = j;
                const weight = attention[(lh * n + i) * n + top];
                total += weight;
                if (weight > link.weight) link = { from: i, to: top, weight };
              }
              best[lh].push({ tokens: sentence.map((t) => t.text), score: total / n, ...link });
              best[lh].sort((a, b) => b.score - a.score);
              best[lh].length = Math.min(best[lh].length, 3);
            }
          }
          return best;
        } : undefined,
        // the induction test's prefix-matching score per head (cpp/analysis/induction.h),
        // beside the same heads with random weights; for an encoder a pattern score only
        induction: twinSeed === null ? () => model.inductionTest({ twin: twinOf(model, 0), half: 16, trials: 16, seed: 1 }) : undefined,
        // across layers (cpp/analysis/rollout.h): raw, rollout and flow for one word
        rollout: (query, options) => model.rollout(ids, { query, ...options }),
        // the paper's check against ablation, on the held-out sentences shipped with the model
        ablationCheck: twinSeed === null && heldoutSample().length
          ? () => model.ablationCorrelation(heldoutSample().map((line) => model.tokenize(line).slice(0, maxLen).map((t) => t.id)))
          : undefined,
        // another sentence's tokens and where one head's row for word `from` peaks (its examples)
        attendedWord: (text, layer, head, from) => {
          const exampleTokens = model.tokenize(text).slice(0, maxLen);
          const n = exampleTokens.length;
          const { attention } = model.run(exampleTokens.map((t) => t.id), { hidden: false });
          const row = attention.subarray(((layer * numHeads + head) * n + from) * n, ((layer * numHeads + head) * n + from + 1) * n);
          let strongest = 0;
          for (let j = 1; j < n; j++) if (row[j] > row[strongest]) strongest = j;
          return { tokens: exampleTokens.map((t) => t.text), strongest, weight: row[strongest] };
        },
        // Held-out masked-word loss with the first k heads of `order` switched off, k = 0..order.length,
        // on the first CURVE_SENTENCES shipped sentences (the same ones at every k).
        // Yields to the page between sentences; onProgress(fraction, points so far) reports how far it is.
        heldoutCurve: twinSeed === null && heldoutSample().length ? async (order, options, onProgress) => {
          const sentences = heldoutSample().slice(0, CURVE_SENTENCES).map((line) => model.tokenize(line).slice(0, maxLen).map((t) => t.id)).filter((s) => s.length > 1);
          const curve = [];
          for (let k = 0; k <= order.length; k++) {
            const off = new Set(order.slice(0, k));
            const headEnabled = Array.from({ length: numLayers * numHeads }, (_, i) => (off.has(`${Math.floor(i / numHeads)}:${i % numHeads}`) ? 0 : 1));
            let total = 0;
            let words = 0;
            for (let s = 0; s < sentences.length; s++) {
              total += model.maskedLoss(sentences[s], { ...options, headEnabled }) * sentences[s].length;
              words += sentences[s].length;
              if (s % 10 === 9) {
                onProgress((k * sentences.length + s + 1) / ((order.length + 1) * sentences.length), curve.slice());
                await new Promise((resolve) => setTimeout(resolve, 0));
              }
            }
            curve.push({ k, loss: total / words, sentences: sentences.length });
            onProgress((k + 1) / (order.length + 1), curve.slice());
          }
          return curve;
        } : undefined,
        weightNorms: () => {
          const norms = model.headNorms();
          return Array.from({ length: numLayers }, (_, l) => norms.slice(l * numHeads, (l + 1) * numHeads));
        },
      },
      architecture: { layers: numLayers, dFF, vocab: vocabSize, parameters: model.metadata?.parameters },
      heldout: twinSeed === null ? model.metadata.heads : undefined,
      heldoutInfo: twinSeed === null ? model.metadata.heldout : undefined,
      // per layer, per head: the word relation it comes closest to on held-out text, with its
      // measured accuracy, baseline and examples (cpp/train/relations_report.cpp), when the model has them
      relations: twinSeed === null ? model.metadata.relations?.heads : undefined,
      // positional statistics on each kind of held-out text and the label decided on all of them
      positional: twinSeed === null ? model.metadata.positional : undefined,
      criterion: model.metadata.head_criterion ?? 0.9,
      message: capped(all.length, tokens.length, maxLen, 'the model reads at most'),
    };
  };
}

// Untrained twins, the MAX_TWINS used last (each holds a whole model in the
// engine's memory); an older one is released and made again if asked for.
const twins = new Map();
const MAX_TWINS = 4;
function twinOf(model, seed) {
  let twin = twins.get(seed);
  if (twin) twins.delete(seed);  // most recently used last
  else twin = model.randomTwin(seed);
  twins.set(seed, twin);
  for (const [oldSeed, old] of twins) {
    if (twins.size <= MAX_TWINS) break;
    old.release();
    twins.delete(oldSeed);
  }
  return twin;
}

registerWeightSource('trained', {
  label: 'Trained model (masked language model)',
  trained: true,
  fixedArchitecture: true,
  prefetch: () => loadTrainedModel.prefetch(),
  note: 'A transformer trained to fill in hidden words of English text (dictionary definitions, quotations, fortunes, the World English Bible). Head roles are measured on held-out text, not asserted.',
  compute: transformerSource(null),
});

registerWeightSource('trained-random', {
  label: 'Same architecture, random weights (untrained)',
  trained: false,
  fixedArchitecture: true,
  note: 'The trained model\'s architecture and vocabulary with seeded random weights: compare with the trained heads to see that roles come from training.',
  prefetch: () => loadTrainedModel.prefetch(),
  compute: transformerSource(0),
});
registeringBuiltIns = false;
