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

/**
 * Shares of rows whose strongest link is the previous token, the next token,
 * itself, the first token, or punctuation; mean entropy (nats and normalised to
 * [0, 1] by log of the row length); a label only when a criterion is met.
 */
export function headSummary(weights, tokens, seqLen = tokens.length, contextLen = seqLen) {
  const shares = { previous: 0, next: 0, self: 0, first: 0, punctuation: 0 };
  let entropySum = 0;
  let normalisedSum = 0;
  let rowsWithChoice = 0;
  for (let i = 0; i < seqLen; i++) {
    const j = argmaxOfRow(weights, i, contextLen);
    if (j === i - 1) shares.previous++;
    if (j === i + 1) shares.next++;
    if (j === i) shares.self++;
    if (j === 0) shares.first++;
    if (PUNCTUATION.test(tokens[j] ?? '')) shares.punctuation++;
    const h = rowEntropy(weights, i, contextLen);
    entropySum += h;
    if (contextLen > 1) {
      normalisedSum += h / Math.log(contextLen);
      rowsWithChoice++;
    }
  }
  for (const key of Object.keys(shares)) shares[key] = seqLen ? shares[key] / seqLen : 0;
  const meanEntropy = seqLen ? entropySum / seqLen : 0;
  const normalisedEntropy = rowsWithChoice ? normalisedSum / rowsWithChoice : 0;
  const names = { previous: 'previous token', next: 'next token', self: 'itself', first: 'first token', punctuation: 'punctuation' };
  let role = 'mixed';
  let evidence = `No relation reaches ${Math.round(ROLE_THRESHOLD * 100)}% of rows`;
  let best = null;
  for (const key of Object.keys(names)) {
    if (shares[key] >= ROLE_THRESHOLD && (!best || shares[key] > shares[best])) best = key;
  }
  if (seqLen < 3) {
    evidence = 'Too few tokens to judge';
  } else if (best) {
    role = `attends to ${names[best]}`;
    evidence = `${Math.round(shares[best] * 100)}% of rows peak on ${names[best]} (label needs ≥ ${Math.round(ROLE_THRESHOLD * 100)}%)`;
  } else if (normalisedEntropy >= BROAD_ENTROPY) {
    role = 'broad (near-uniform)';
    evidence = `Mean entropy ${Math.round(normalisedEntropy * 100)}% of the maximum (label needs ≥ ${Math.round(BROAD_ENTROPY * 100)}%)`;
  }
  return { shares, meanEntropy, normalisedEntropy, role, evidence };
}

/** Every (from, to) link of one head, strongest first. */
export function allLinks(weights, tokens, seqLen, contextLen, contextTokens = tokens) {
  const links = [];
  for (let i = 0; i < seqLen; i++) {
    for (let j = 0; j < contextLen; j++) {
      links.push({ fromIndex: i, toIndex: j, from: tokens[i], to: contextTokens[j], strength: weights[i * contextLen + j] });
    }
  }
  links.sort((a, b) => b.strength - a.strength || a.fromIndex - b.fromIndex || a.toIndex - b.toIndex);
  return links;
}
