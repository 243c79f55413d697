// What a head measurably does on one sentence, from its attention matrix.
// weights: (seqLen, contextLen) row-major, rows sum to 1.

// Voita et al. (2019) call a head positional when at least 90% of its
// argmax weight falls on one fixed relation; we use the same bar for every label.
export const ROLE_THRESHOLD = 0.9;
export const BROAD_ENTROPY = 0.9;  // mean normalised entropy above this: "broad"

const PUNCTUATION = /^[\p{P}\p{S}]+$/u;

export function rowEntropy(weights, row, width) {
  let entropy = 0;
  for (let j = 0; j < width; j++) {
    const w = weights[row * width + j];
    if (w > 0) entropy -= w * Math.log(w);
  }
  return entropy;
}

export function argmaxOfRow(weights, row, width) {
  let best = 0;
  for (let j = 1; j < width; j++) if (weights[row * width + j] > weights[row * width + best]) best = j;
  return best;
}

const NAMES = { previous: 'previous token', next: 'next token', self: 'itself', first: 'first token', punctuation: 'punctuation' };

// A label only when a criterion is met; otherwise "mixed".
function decideRole(shares, normalisedEntropy, criterion, where) {
  let best = null;
  for (const key of Object.keys(NAMES)) {
    if (shares[key] >= criterion && (!best || shares[key] > shares[best])) best = key;
  }
  if (best) {
    return { role: `attends to ${NAMES[best]}`, evidence: `${where}: ${Math.round(shares[best] * 100)}% of rows peak on ${NAMES[best]} (label needs ≥ ${Math.round(criterion * 100)}%)` };
  }
  if (normalisedEntropy >= BROAD_ENTROPY) {
    return { role: 'broad (near-uniform)', evidence: `${where}: mean entropy ${Math.round(normalisedEntropy * 100)}% of the maximum (label needs ≥ ${Math.round(BROAD_ENTROPY * 100)}%)` };
  }
  return { role: 'mixed', evidence: `${where}: no relation reaches ${Math.round(criterion * 100)}% of rows` };
}

/**
 * Shares of rows whose strongest link is the previous token, the next token,
 * itself, the first token, or punctuation; mean entropy (nats and normalised to
 * [0, 1] by log of the row length). With held-out statistics of the same head
 * (trained models), the label comes from them; otherwise from this sentence.
 */
export function headSummary(weights, tokens, seqLen = tokens.length, contextLen = seqLen, heldout = null, criterion = ROLE_THRESHOLD, contextTokens = null,
  rowEntropies = null) {
  // each row's entropy: from the engine when it handed them over (its softmax's own sums), else from the weights
  const entropyOfRow = rowEntropies ? (i) => rowEntropies[i] : (i) => rowEntropy(weights, i, contextLen);
  if (contextTokens) return crossSummary(weights, contextTokens, seqLen, contextLen, entropyOfRow);
  const shares = { previous: 0, next: 0, self: 0, first: 0, punctuation: 0 };
  let entropySum = 0;
  let normalisedSum = 0;
  let rowsWithChoice = 0;
  const maxEntropy = Math.log(contextLen);  // a uniform row's
  // "previous" and "first" count on rows 1.., "next" on rows ..n-2: only where the relation exists
  for (let i = 0; i < seqLen; i++) {
    const j = argmaxOfRow(weights, i, contextLen);
    if (i > 0 && j === i - 1) shares.previous++;
    if (i < seqLen - 1 && j === i + 1) shares.next++;
    if (j === i) shares.self++;
    if (i > 0 && j === 0) shares.first++;
    if (PUNCTUATION.test(tokens[j] ?? '')) shares.punctuation++;
    const h = entropyOfRow(i);
    entropySum += h;
    if (contextLen > 1) {
      normalisedSum += h / maxEntropy;
      rowsWithChoice++;
    }
  }
  const others = Math.max(1, seqLen - 1);
  shares.previous /= others;
  shares.next /= others;
  shares.first /= others;
  shares.self = seqLen ? shares.self / seqLen : 0;
  shares.punctuation = seqLen ? shares.punctuation / seqLen : 0;
  const meanEntropy = seqLen ? entropySum / seqLen : 0;
  const normalisedEntropy = rowsWithChoice ? normalisedSum / rowsWithChoice : 0;
  const sentence = seqLen < 3
    ? { role: 'mixed', evidence: 'This sentence: too few tokens to judge' }
    : decideRole(shares, normalisedEntropy, criterion, 'This sentence');
  if (heldout) {
    const measured = decideRole(heldout, heldout.normalised_entropy ?? 0, criterion, 'Held-out text');
    return { shares, meanEntropy, normalisedEntropy, role: measured.role, evidence: measured.evidence,
      sentenceRole: sentence.role, sentenceEvidence: sentence.evidence, heldout };
  }
  return { shares, meanEntropy, normalisedEntropy, role: sentence.role, evidence: sentence.evidence,
    sentenceRole: sentence.role, sentenceEvidence: sentence.evidence, heldout: null };
}

// Cross-attention: the two sentences' positions do not line up, so only the
// punctuation share and the entropy are measured.
function crossSummary(weights, contextTokens, seqLen, contextLen, entropyOfRow) {
  let punctuation = 0;
  let entropySum = 0;
  let normalisedSum = 0;
  const maxEntropy = Math.log(contextLen);
  for (let i = 0; i < seqLen; i++) {
    if (PUNCTUATION.test(contextTokens[argmaxOfRow(weights, i, contextLen)] ?? '')) punctuation++;
    const h = entropyOfRow(i);
    entropySum += h;
    if (contextLen > 1) normalisedSum += h / maxEntropy;
  }
  const shares = { previous: NaN, next: NaN, self: NaN, first: NaN, punctuation: seqLen ? punctuation / seqLen : 0 };
  const normalisedEntropy = contextLen > 1 && seqLen ? normalisedSum / seqLen : 0;
  const decided = normalisedEntropy >= BROAD_ENTROPY
    ? { role: 'broad (near-uniform)', evidence: `Cross-attention: mean entropy ${Math.round(normalisedEntropy * 100)}% of the maximum (label needs ≥ ${Math.round(BROAD_ENTROPY * 100)}%)` }
    : { role: 'mixed', evidence: 'Cross-attention: positions in the two sentences do not line up, so no positional role is measured' };
  return { shares, meanEntropy: seqLen ? entropySum / seqLen : 0, normalisedEntropy, ...decided,
    sentenceRole: decided.role, sentenceEvidence: decided.evidence, heldout: null, cross: true };
}

/**
 * The (from, to) links of one head, strongest first (ties by position), as a
 * lazy list: strongest(count, minimum) builds objects only for the links asked for.
 */
export function allLinks(weights, tokens, seqLen, contextLen, contextTokens = tokens) {
  const total = seqLen * contextLen;
  // strongest first; the row-major position breaks ties
  const before = (a, b) => weights[a] > weights[b] || (weights[a] === weights[b] && a < b);
  let order = null;  // every position sorted, built only when a long list is asked for
  const link = (k) => ({ fromIndex: Math.floor(k / contextLen), toIndex: k % contextLen,
    from: tokens[Math.floor(k / contextLen)], to: contextTokens[k % contextLen], strength: weights[k] });
  return {
    length: total,
    /** Up to `count` links with strength >= minimum, strongest first. */
    strongest(count, minimum = 0) {
      const wanted = Math.min(count, total);
      if (order || wanted * 16 > total) {
        if (!order) {
          order = new Uint32Array(total);
          for (let k = 0; k < total; k++) order[k] = k;
          order.sort((a, b) => weights[b] - weights[a] || a - b);
        }
        const out = [];
        for (let r = 0; r < total && out.length < wanted && weights[order[r]] >= minimum; r++) out.push(link(order[r]));
        return out;
      }
      // a short list (the table's top 8 of n² links, on every keystroke): one
      // pass keeping the best `wanted` in order, no sort of all n² links
      const best = [];
      for (let k = 0; k < total; k++) {
        if (!(weights[k] >= minimum)) continue;
        if (best.length === wanted && !before(k, best[wanted - 1])) continue;
        let at = best.length === wanted ? wanted - 1 : best.length;
        while (at > 0 && before(k, best[at - 1])) { best[at] = best[at - 1]; at--; }
        best[at] = k;
      }
      return best.map(link);
    },
  };
}
