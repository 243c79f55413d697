// The experiments panel: switch heads off, change the scaling and the
// temperature, and see the measured effect (output change, masked-word loss
// and guesses, each head's importance). Every number comes from the store.
import { h } from '../draw.js';
import { grouped, percent, shortNumber } from '../lab/format.js';
import { keepFocus, swatch } from '../lab/dom.js';
import { importancePanel } from './importance.js';

const CROSS_DEBOUNCE_MS = 120;

// Heads and masking (the single-layer sources take them from attributes), and
// the seeds' comparison with this sentence's numbers: one head of width
// d_model vs h heads of width d_k.
function headsAndMasking({ store, element }) {
  const result = store.result;
  const { dModel, numHeads, config } = result;
  const divisors = [];
  for (let count = 1; count <= Math.min(64, dModel); count++) if (dModel % count === 0) divisors.push(count);
  const select = h('select', { class: 'heads-select', 'aria-label': 'Number of heads' },
    ...divisors.map((count) => h('option', { value: count, selected: count === numHeads }, `${count} (d_k = ${dModel / count})`)));
  select.addEventListener('change', () => {
    element.setAttribute('heads', select.value);
    store.state.selectedHead = 0;
  });
  const causal = h('input', { type: 'checkbox', checked: config.causal, disabled: Boolean(config.context) });
  causal.addEventListener('change', () => { element.toggleAttribute('causal', causal.checked); });
  // cross-attention: queries from this sentence, keys and values from another
  const crossText = h('input', { type: 'text', class: 'context-input', value: config.context || 'Le modèle transforme tous les mots en parallèle.',
    'aria-label': 'Sentence to attend to (keys and values)', spellcheck: 'false' });
  const cross = h('input', { type: 'checkbox', checked: Boolean(config.context) });
  const applyCross = () => {
    if (cross.checked && crossText.value.trim()) element.setAttribute('context', crossText.value);
    else element.removeAttribute('context');
  };
  cross.addEventListener('change', applyCross);
  let crossTimer = null;
  crossText.addEventListener('input', () => {
    clearTimeout(crossTimer);
    crossTimer = setTimeout(() => { if (cross.checked) applyCross(); }, CROSS_DEBOUNCE_MS);
  });
  const single = store.singleHead();
  const parameters = grouped(4 * dModel * dModel + 4 * dModel);
  const n = result.seqLen;
  const m = result.contextLen;
  // the same count as the architecture strip: projections of X and C, QKᵀ and weights·V, W_O
  const flops = (heads) => grouped(2 * dModel * dModel * (2 * n + 2 * m) + 4 * heads * n * m * (dModel / heads));
  const rows = [
    ['Attention patterns per word', '1', String(numHeads)],
    ['Subspace per head (d_k)', String(dModel), String(dModel / numHeads)],
    ['Parameters (4·d_model² + 4·d_model)', parameters, parameters],
    ['FLOPs for this sentence', flops(1), flops(numHeads)],
  ];
  if (single) rows.push(['Mean attention entropy (% of uniform)', percent(single.entropy), percent(result.layers[0].heads.reduce((sum, hd) => sum + hd.summary.normalisedEntropy, 0) / numHeads)]);
  return h('div', { class: 'heads-and-masking' },
    h('div', { class: 'controls' }, h('label', {}, 'Heads', select), h('label', {}, causal, 'Causal (decoder) mask: each word sees only itself and earlier words')),
    h('div', { class: 'controls' }, h('label', {}, cross, 'Cross-attention to another sentence:'), crossText),
    h('table', { class: 'compare' }, h('caption', {}, `Single head vs ${numHeads} heads, same d_model = ${dModel}`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), h('th', { scope: 'col' }, 'Single head'), h('th', { scope: 'col' }, `${numHeads} heads`))),
      h('tbody', {}, ...rows.map(([label, one, many]) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, one), h('td', {}, many))))));
}

function lossAndPredictions({ store, actions }) {
  const result = store.result;
  const e = store.state.experiment;
  const seqLen = result.seqLen;
  const position = e.position !== null && e.position < seqLen ? e.position : Math.min(seqLen - 1, Math.floor(seqLen / 2));
  const measured = store.lossAndPredictions(position);
  const select = h('select', { 'aria-label': 'Word to hide' }, ...result.tokens.map((t, i) => h('option', { value: i, selected: i === position }, `${i + 1}: ${t}`)));
  select.addEventListener('change', () => actions.hideWord(Number(select.value)));
  const list = (predictions) => h('ol', {}, ...predictions.map((p) => h('li', {}, `${p.word} ${percent(p.probability)}`)));
  return h('div', { class: 'predictions' },
    h('p', {}, `Masked-word loss of this sentence (each word hidden in turn, nats per word): default ${measured.before.toFixed(3)}, now ${measured.now.toFixed(3)}.`),
    h('div', { class: 'controls' }, h('label', {}, 'Hide word', select)),
    h('div', { class: 'prediction-columns' },
      h('div', {}, h('h4', {}, 'Model guesses (default)'), list(measured.guessesBefore)),
      h('div', {}, h('h4', {}, 'Model guesses (now)'), list(measured.guessesNow))));
}

export function createExperimentsView(context) {
  const { store } = context;
  const root = h('div', { class: 'experiments-slot' });

  function render() {
    const result = store.result;
    const e = store.state.experiment;
    if (!result.experiment) {
      root.replaceChildren();
      return;
    }
    // closed, it is only its summary line: keep the one already shown
    const shown = root.firstElementChild;
    if (!e.open && shown && !shown.open) return;
    const refocus = keepFocus(root);  // the control the learner just changed keeps focus after the redraw
    const details = h('details', { class: 'experiments', open: e.open });
    details.addEventListener('toggle', () => {
      if (details.open !== e.open) {
        e.open = details.open;
        render();
      }
    });
    details.append(h('summary', {}, 'Experiments: switch heads off, change the scaling and the temperature'));
    root.replaceChildren(details);
    if (!e.open) {
      refocus();
      return;
    }

    // 1. Scaling and temperature
    const scaling = h('input', { type: 'checkbox', checked: e.scaling });
    scaling.addEventListener('change', () => store.setExperiment({ scaling: scaling.checked }));
    const slider = h('input', { type: 'range', min: '-2', max: '2', step: '0.25', value: String(Math.log2(e.temperature)), 'aria-label': 'Temperature' });
    const shownTemperature = h('output', {}, `T = ${shortNumber(e.temperature)}`);
    slider.addEventListener('input', () => { shownTemperature.textContent = `T = ${shortNumber(2 ** Number(slider.value))}`; });
    slider.addEventListener('change', () => store.setExperiment({ temperature: 2 ** Number(slider.value) }));
    details.append(h('div', { class: 'controls' },
      h('label', {}, scaling, `Scale scores by 1/√d_k = 1/√${result.headDim}`),
      h('label', {}, 'Temperature', slider, shownTemperature)),
    h('p', { class: 'note' }, `Mean entropy over all heads: ${percent(store.meanEntropy())} of uniform. ` +
        'A dot product of two d_k-dimensional vectors grows like √d_k; without the scaling the scores are that much larger, ' +
        'the softmax saturates (one word takes almost all the weight, entropy drops) and its gradients vanish. ' +
        'Temperature divides the scores: T > 1 flattens attention, T < 1 sharpens it.'));

    // 1b. Number of heads and masking (the single-layer sources take them from attributes)
    if (!result.config.source.fixedArchitecture) details.append(headsAndMasking(context));

    // 2. Head switches
    const switches = h('fieldset', { class: 'head-switches' }, h('legend', {}, 'Heads on (untick to switch a head off: its output is zeroed before W_O)'));
    for (const head of result.layers.flatMap((layer) => layer.heads)) {
      const key = `${head.layer}:${head.head}`;
      const box = h('input', { type: 'checkbox', checked: !e.disabled.has(key), 'data-key': key });
      box.addEventListener('change', () => {
        const disabled = new Set(e.disabled);
        if (box.checked) disabled.delete(key); else disabled.add(key);
        store.setExperiment({ disabled });
      });
      switches.append(h('label', {}, box, swatch(head.head), head.name));
    }
    details.append(switches);

    // 3. Measured effect against the default (all heads on, scaled, T = 1)
    const change = store.effect();
    details.append(h('p', { class: 'effect', role: 'status' },
      `Compared with the default (all heads on, scaled, T = 1), ${result.experiment.outputName} changed by ${percent(change.relative)} ` +
      `(relative L2 distance); cosine similarity ${change.cosine.toFixed(4)}.`));
    if (result.experiment.maskedLoss) details.append(lossAndPredictions(context));

    // 4. Importance
    details.append(importancePanel(context));
    refocus();
  }

  return {
    root,
    update: render,
    clear() {
      root.replaceChildren();
    },
    focus(selector) {
      root.querySelector(selector)?.focus();
    },
  };
}
