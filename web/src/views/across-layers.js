// Across layers (Abnar & Zuidema 2020): pick a word and see how much of it,
// at the top of the model, comes from each input word: the last layer's raw
// attention, the rollout through every layer, and the attention flow. The
// numbers come from the engine (cpp/analysis/rollout.h) through the store.
import { h } from '../draw.js';
import { percent } from '../lab/format.js';
import { keepFocus } from '../lab/dom.js';

export function createAcrossLayersView({ store, highlight }) {
  let query = null;
  let checked = null;
  const body = h('div', { class: 'across-body' });
  const root = h('details', { class: 'across-layers' },
    h('summary', {}, 'Across layers: where does a word’s information come from?'), body);
  root.addEventListener('toggle', () => { if (root.open) draw(); });

  function row(name, values, note, tokens) {
    const max = Math.max(...values, 1e-9);
    return h('tr', {}, h('th', { scope: 'row' }, name, note ? h('span', { class: 'note' }, ` ${note}`) : null),
      ...Array.from(values, (value, j) => {
        const bar = h('span', { class: 'fill' });
        bar.style.height = `${Math.round((value / max) * 100)}%`;
        return h('td', { 'data-index': j, title: `${tokens[j]}: ${percent(value)}`,
          onmouseenter: () => highlight.setHover(j), onmouseleave: () => highlight.setHover(null) },
        h('span', { class: 'column', 'aria-hidden': 'true' }, bar), h('span', { class: 'pct' }, percent(value)));
      }));
  }

  function draw() {
    const result = store.result;
    if (!root.open || !result || result.numLayers < 2) return;
    const n = result.seqLen;
    const tokens = result.tokens;
    if (query === null || query >= n) query = Math.floor(n / 2);
    const measured = store.rollout(query);
    if (!measured) return;
    const select = h('select', { 'aria-label': 'Word to trace', onchange: () => { query = Number(select.value); draw(); } },
      tokens.map((token, i) => h('option', { value: i, selected: i === query }, `${i + 1}. ${token}`)));
    const raw = measured.raw.subarray(query * n, (query + 1) * n);
    const rollout = measured.rollout.subarray(query * n, (query + 1) * n);
    let flow = null;
    if (measured.flow) {
      const total = measured.flow.reduce((a, b) => a + b, 0);
      flow = Array.from(measured.flow, (value) => value / total);
    }
    const table = h('table', { class: 'across-table' },
      h('caption', {}, `Share of “${tokens[query]}” at the top of the model traced to each input word`),
      h('thead', {}, h('tr', {}, h('td', {}), ...tokens.map((token, j) => h('th', { scope: 'col', 'data-index': j }, token)))),
      h('tbody', {},
        row('Raw attention', raw, `(layer ${result.numLayers}, heads averaged)`, tokens),
        row('Rollout', rollout, '(every layer)', tokens),
        flow ? row('Flow', flow, '(every layer, normalised)', tokens) : null));
    const check = store.result.experiment?.ablationCheck
      ? h('p', { class: 'note ablation' }, checked
        ? `Against ablation on ${checked.sentences} held-out sentences (hide the middle word, then each other word in turn; how much the true word’s log-probability drops), Spearman’s ρ: raw ${checked.raw.toFixed(2)}, rollout ${checked.rollout.toFixed(2)}, flow ${checked.flow.toFixed(2)}. Higher means the picture ranks words closer to what the model really uses.`
        : h('button', { type: 'button', class: 'chip action', onclick: () => { checked = store.ablationCheck(); draw(); } }, 'Check against ablation on the held-out sentences'))
      : null;
    const refocus = keepFocus(body);
    body.replaceChildren(...[
      h('p', { class: 'note' }, 'Attention in one layer mixes words that were already mixed by the layers below. Rollout multiplies the layers’ attention together; flow treats the layers as a network of pipes whose widths are the attention weights and asks how much can flow from the word down to each input word. Both assume the residual connection keeps half of each word as it is (Â = ½·mean of the heads + ½·I) and ignore the MLPs.'),
      h('label', {}, 'Word ', select),
      h('div', { class: 'across-scroll' }, table),
      measured.flow ? null : h('p', { class: 'note' }, `Flow is computed exactly for sentences up to ${measured.flowLimit} tokens; this one is longer.`),
      check].filter(Boolean));
    refocus();
  }

  return {
    root,
    update() {
      const result = store.result;
      const hidden = !result || result.numLayers < 2;
      if (root.hidden !== hidden) root.hidden = hidden;
      if (!root.hidden) draw();
    },
    getRollout() {
      const result = store.result;
      if (!result || result.numLayers < 2) return null;
      const measured = store.rollout(query ?? Math.floor(result.seqLen / 2));
      return measured ? measured.rollout.slice() : null;
    },
    highlight(active) {
      body.querySelectorAll('[data-index]').forEach((cell) => cell.classList.toggle('hot', Number(cell.dataset.index) === active));
    },
    clear() { body.replaceChildren(); },
  };
}
