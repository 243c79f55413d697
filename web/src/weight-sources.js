// Where a widget's numbers come from. A source turns tokens into the inputs of
// one multi-head attention layer: x (seqLen, dModel) and the projection weights.
// Register more with registerWeightSource (the trained model and designed heads
// are later sources).
const sources = new Map();

/**
 * @param {string} id
 * @param {{ label: string, trained: boolean, note: string,
 *           build(engine, { tokens, dModel, seed }): { x, wq, wk, wv, wo, bq?, bk?, bv?, bo? } }} source
 */
export function registerWeightSource(id, source) {
  if (typeof id !== 'string' || !id) throw new Error('a weight source needs an id');
  if (!source || typeof source.build !== 'function') throw new Error(`weight source '${id}' needs a build function`);
  sources.set(id, Object.freeze({ id, ...source }));
}

export function getWeightSource(id) {
  return sources.get(id);
}

export function weightSourceIds() {
  return [...sources.keys()];
}

// Seeded random layer (cpp/seeded_model.h): Glorot-uniform W_Q, W_K, W_V, W_O,
// zero biases, token embeddings from a hash of the lower-cased token plus
// sinusoidal positions. Same numbers in every browser and natively.
const layerCache = new Map();
registerWeightSource('seeded-random', {
  label: 'Seeded random weights (untrained)',
  trained: false,
  note: 'Untrained: these heads were never taught anything, so any pattern is chance, not a learned role.',
  build(engine, { tokens, dModel, seed }) {
    const key = `${dModel}:${seed}`;
    if (!layerCache.has(key)) {
      if (layerCache.size > 8) layerCache.clear();
      layerCache.set(key, engine.seededLayer(dModel, seed));
    }
    return { x: engine.embedTokens(tokens, dModel, seed), ...layerCache.get(key) };
  },
});
