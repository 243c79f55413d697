// Induction heads, measured: the standard test (random words, repeated) on
// the trained writer and on its untrained twin. "Repeat a random sequence"
// also writes the test's first sequence into the text, so the learner sees
// an induction head's stripe (one step right of the diagonal of the repeat)
// and the next-word bars turning confident on the second copy.
import { h } from '../draw.js';
import { nats, percent } from '../lab/format.js';

export function createWriterInductionView({ store, actions }) {
  const body = h('div', { class: 'induction-body' });
  const button = h('button', { type: 'button', class: 'action', onclick: () => actions.induction() }, 'Repeat a random sequence');
  const root = h('details', { class: 'writer-induction' },
    h('summary', {}, 'Induction heads: does the model copy what came next last time?'),
    h('p', { class: 'note' }, 'The test (Olsson et al. 2022): random words, then the same words again. In the repeat, an induction head attends from each word to the word that followed it the first time, so the model can predict it. Its prefix-matching score is the average weight on that word; a head is labelled only above the bar and clearly above the same head with random weights.'),
    button, body);
  return {
    root,
    update() {
      const r = store.induction;
      body.replaceChildren();
      if (!r || !store.config) return;
      const { numHeads } = store.config;
      const name = (i) => `L${Math.floor(i / numHeads) + 1} H${(i % numHeads) + 1}`;
      const labelled = r.induction.map((on, i) => (on ? name(i) : null)).filter(Boolean);
      body.append(
        h('p', {}, labelled.length
          ? `Induction heads: ${labelled.join(', ')}.`
          : `No head reaches the bar (prefix matching ≥ ${percent(r.threshold)} and ≥ ${percent(r.margin)} points above its untrained twin).`),
        h('p', { class: 'note' }, `Next-word loss over ${r.half} random words: first copy ${nats(r.lossFirst)} nats, repeat ${nats(r.lossSecond)} nats (untrained twin: ${nats(r.twinLossFirst)} and ${nats(r.twinLossSecond)}). A lower loss on the repeat is in-context learning.`),
        h('table', { class: 'induction-table' },
          h('caption', {}, `Prefix-matching score, 16 sequences of ${r.half} words repeated (seed ${r.seed})`),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Head'), h('th', { scope: 'col' }, 'Trained'), h('th', { scope: 'col' }, 'Untrained twin'), h('th', { scope: 'col' }, 'Label'))),
          h('tbody', {}, Array.from(r.prefixMatching, (score, i) => h('tr', { class: r.induction[i] ? 'met' : '' },
            h('th', { scope: 'row' }, name(i)), h('td', {}, percent(score)), h('td', {}, percent(r.twinPrefixMatching[i])),
            h('td', {}, r.induction[i] ? 'induction head' : '—'))))));
    },
  };
}
