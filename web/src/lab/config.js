// The widget's attributes, read and checked: what the store computes with.
import { getWeightSource } from '../weight-sources.js';

export const DEFAULTS = { sentence: 'The transformer model processes all tokens in parallel using multi-head attention.', heads: 8, dModel: 64, seed: 0, topK: 8, source: 'trained' };

import { STATE_ATTRIBUTES } from './view-state.js';

export const OBSERVED_ATTRIBUTES = ['sentence', 'context', 'heads', 'd-model', 'seed', 'source', 'causal', 'top-k', ...STATE_ATTRIBUTES];

function parseWhole(value, fallback) {
  if (value === null || value === undefined || value === '') return fallback;
  const number = Number(value);
  return Number.isInteger(number) ? number : NaN;
}

/**
 * element: the <attention-lab>; state: the store's state (the learner's top-k
 * choice overrides the attribute). Returns { heads, dModel, seed, topK, source,
 * causal, context, problems, notes }: problems lists what is wrong, notes
 * what is ignored, in words.
 */
export function readConfig(element, state) {
  const heads = parseWhole(element.getAttribute('heads'), DEFAULTS.heads);
  const dModel = parseWhole(element.getAttribute('d-model'), DEFAULTS.dModel);
  const seed = parseWhole(element.getAttribute('seed'), DEFAULTS.seed);
  const topK = state.topK ?? parseWhole(element.getAttribute('top-k'), DEFAULTS.topK);
  // without `source` a widget shows the trained model: the first thing a learner sees is learned, not noise
  const sourceId = element.getAttribute('source') || DEFAULTS.source;
  const source = getWeightSource(sourceId);
  const problems = [];
  // a trained model fixes heads and d-model itself; the single-layer sources take them from attributes
  if (!source || !source.fixedArchitecture) {
    if (!(dModel >= 1 && dModel <= 1024)) problems.push(`d-model must be a whole number from 1 to 1024 (got "${element.getAttribute('d-model')}")`);
    if (!(heads >= 1 && heads <= 64)) problems.push(`heads must be a whole number from 1 to 64 (got "${element.getAttribute('heads')}")`);
    else if (dModel >= 1 && dModel % heads !== 0) problems.push(`heads (${heads}) must divide d-model (${dModel}) so each head gets d-model / heads dimensions`);
  }
  // seeds above 2^53 - 1 cannot be told apart as JavaScript numbers: refuse them rather than alias
  if (!Number.isSafeInteger(seed) || seed < 0) problems.push(`seed must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER} (got "${element.getAttribute('seed')}")`);
  if (!source) problems.push(`unknown weight source "${sourceId}"`);
  // cross-attention: queries from the sentence, keys and values from `context` (single-layer sources)
  const context = source && !source.fixedArchitecture ? (element.getAttribute('context') || '').trim() : '';
  // a trained model has its own shape: say so rather than ignore the author's attributes silently
  const ignored = source && source.fixedArchitecture ? ['heads', 'd-model', 'causal', 'context'].filter((name) => element.hasAttribute(name)) : [];
  const notes = ignored.length
    ? [`The ${ignored.join(', ')} attribute${ignored.length === 1 ? ' is' : 's are'} for source="seeded-random" and ignored here: this model keeps its own architecture`]
    : [];
  return { heads, dModel, seed, topK: Number.isInteger(topK) && topK > 0 ? topK : DEFAULTS.topK, source,
    causal: element.hasAttribute('causal') && !context && !(source && source.fixedArchitecture), context, problems, notes };
}
