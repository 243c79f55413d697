// How numbers and head roles read, the same in every view of both elements.

/** 83.3%, 100%, 0%: one decimal between 0.05% and 99.5%. */
export function percent(value) {
  return `${(value * 100).toFixed(value >= 0.995 || value < 0.0005 ? 0 : 1)}%`;
}

/** 83%: whole percent, for compact labels (the trainer's cards and readouts). */
export function wholePercent(value) {
  return `${Math.round(value * 100)}%`;
}

/**
 * 12,345: a whole number with thousands separators. Written out, not
 * Intl.NumberFormat: building a formatter loads the locale's data, which was
 * the largest part of the widget script's first run (~15 ms in Chromium here).
 */
export function grouped(value) {
  const whole = Math.round(Math.abs(value));
  const digits = Number.isFinite(whole) && whole < 1e21 ? String(whole) : String(Math.abs(value));
  return `${value < 0 && whole > 0 ? '-' : ''}${digits.replace(/\B(?=(\d{3})+$)/g, ',')}`;
}

/** Loss in nats: three decimals, or an exponent when tiny. */
export function nats(loss) {
  return loss >= 0.01 || loss === 0 ? loss.toFixed(3) : loss.toExponential(1);
}

/** T = 1.19: a slider value shown to two decimals at most. */
export function shortNumber(value) {
  return String(Math.round(value * 100) / 100);
}

/**
 * The heads' colours: Okabe & Ito's palette for colour-vision deficiencies
 * (blue, orange, bluish green, reddish purple, sky blue, vermillion, yellow,
 * black). Every pair stays at least 15 CIELAB ΔE apart under simulated
 * protanopia, deuteranopia and tritanopia (Machado et al. 2009), checked by
 * tests/node/palette.test.mjs; Tableau 10, used before, put two heads 0.9
 * apart under deuteranopia. Past 8 heads colours repeat, and views that mix
 * heads also print the head's number.
 */
export const HEAD_PALETTE = Object.freeze(['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000']);
export function headColour(index) {
  return HEAD_PALETTE[index % HEAD_PALETTE.length];
}

const RELATION_NAMES = { previous: 'previous token', next: 'next token', self: 'itself', first: 'first token', punctuation: 'punctuation' };

/**
 * A label and the sentence that justifies it, from the analysis core's
 * decision ({ kind, relation, value }, cpp/analysis/head_roles.h).
 * where: 'This sentence', 'Held-out text' or 'Cross-attention'.
 */
export function describeRole(decision, rules, where) {
  const bar = Math.round(rules.roleThreshold * 100);
  switch (decision.kind) {
    case 'relation':
      return { role: `attends to ${RELATION_NAMES[decision.relation]}`,
        evidence: `${where}: ${Math.round(decision.value * 100)}% of rows peak on ${RELATION_NAMES[decision.relation]} (label needs ≥ ${bar}%)` };
    case 'broad':
      return { role: 'broad (near-uniform)',
        evidence: `${where}: mean entropy ${Math.round(decision.value * 100)}% of the maximum (label needs ≥ ${Math.round(rules.broadEntropy * 100)}%)` };
    case 'too-short':
      return { role: 'mixed', evidence: `${where}: too few tokens to judge` };
    default:
      return { role: 'mixed', evidence: where === 'Cross-attention'
        ? 'Cross-attention: positions in the two sentences do not line up, so no positional role is measured'
        : `${where}: no relation reaches ${bar}% of rows` };
  }
}

/**
 * The held-out label decided on every kind of text (metadata "positional",
 * cpp/analysis/head_roles.h decide_role_on_all) and the sentence behind it.
 * label: { kind, relation, margin, onEdge }; kinds: { name: per-head statistics }.
 */
export function describeHeldoutRole(label, kinds, criterion, broadEntropy) {
  const names = Object.keys(kinds);
  const where = `Held-out ${names.join(' and ')}`;
  const values = (pick) => names.map((name) => `${Math.round(pick(kinds[name]) * 100)}%`).join(' and ');
  const bar = `on every kind of text, clear of the bar by ≥ 2 points`;
  if (label.kind === 'relation') {
    return { role: `attends to ${RELATION_NAMES[label.relation]}`,
      evidence: `${where}: ${values((k) => k[label.relation])} of rows peak on ${RELATION_NAMES[label.relation]} (label needs ≥ ${Math.round(criterion * 100)}% ${bar})` };
  }
  if (label.kind === 'broad') {
    return { role: 'broad (near-uniform)',
      evidence: `${where}: mean entropy ${values((k) => k.normalised_entropy)} of the maximum (label needs ≥ ${Math.round(broadEntropy * 100)}% ${bar})` };
  }
  const closest = `closest: ${RELATION_NAMES[label.relation]}, ${values((k) => k[label.relation])} of rows`;
  return { role: 'mixed', evidence: label.onEdge
    ? `${where}: ${closest}, within 2 points of the ${Math.round(criterion * 100)}% bar on some kind of text: too close to call`
    : `${where}: no relation reaches ${Math.round(criterion * 100)}% of rows on every kind of text (${closest})` };
}

const RELATION_KINDS = { 'link-grammar': 'syntactic', templates: 'coreference', tokens: 'rare pattern' };

/** "syntactic: determiner → noun": the label of a word relation a head earned. */
export function relationLabel(relation) {
  return `${RELATION_KINDS[relation.source] ?? 'relation'}: ${relation.from} → ${relation.to}`;
}

/** The evidence for a head's word relation: each kind of held-out text's accuracy against its baseline. */
export function relationEvidence(relation) {
  const kinds = Object.entries(relation.kinds).map(([kind, k]) =>
    `${percent(k.accuracy)} of ${grouped(k.pairs)} pairs in ${kind} (positional baseline ${percent(k.baseline)})`).join('; ');
  const rule = 'the label needs ≥ 50% and ≥ 10 points above the baseline, over ≥ 30 pairs, on every kind of text';
  return relation.earned
    ? `${relationLabel(relation)}: ${kinds}; ${rule}, met by ${Math.round(relation.margin * 100)} points.`
    : `Closest word relation: ${relation.from} → ${relation.to}: ${kinds}; ${rule}${relation.margin <= -1 ? ': too few pairs' : `, missed by ${Math.round(-relation.margin * 100)} points`}.`;
}
