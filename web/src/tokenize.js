// Splits a learner's sentence into the tokens the model sees.
// Rules: words are runs of letters, digits and marks (so accents and combining
// marks stay attached), joined through inner hyphens or apostrophes
// ("multi-head", "don't"); every other visible character (punctuation, emoji,
// symbols) is a token of its own; whitespace and control characters separate
// tokens and are dropped. Case is kept for display; the seeded embedding
// lower-cases.
const TOKEN = /[\p{L}\p{N}\p{M}]+(?:[-'’][\p{L}\p{N}\p{M}]+)*|\p{Extended_Pictographic}(?:\p{M}|\u200D\p{Extended_Pictographic}|\uFE0F)*|[^\s\p{C}\p{L}\p{N}\p{M}]/gu;

export const MAX_TOKENS = 128;

/** @returns {{ tokens: string[], total: number, truncated: boolean }} */
export function tokenize(text, maxTokens = MAX_TOKENS) {
  const tokens = [];
  let total = 0;
  if (typeof text !== 'string') return { tokens, total, truncated: false };
  TOKEN.lastIndex = 0;
  for (const match of text.matchAll(TOKEN)) {
    total += 1;
    if (tokens.length < maxTokens) tokens.push(match[0]);
  }
  return { tokens, total, truncated: total > tokens.length };
}
