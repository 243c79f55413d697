// Head importance in the experiments panel: the table of measures (least
// important first, by the chosen measure), the prune slider, and held-out
// loss as heads are pruned in that order.
import { h } from '../draw.js';
import { percent } from '../lab/format.js';
import { swatch } from '../lab/dom.js';

// A small line chart of held-out loss against heads pruned, plus the numbers as a table;
// while it is measured, the points so far on the whole axis of `last` heads.
function curveChart(points, measureName, last = points.length - 1) {
  const width = 380;
  const height = 180;
  const pad = 40;
  const losses = points.map((p) => p.loss);
  const low = Math.min(...losses);
  const high = Math.max(...losses);
  const x = (k) => pad + (k / Math.max(1, last)) * (width - 2 * pad);
  const y = (loss) => height - pad + 10 - ((loss - low) / Math.max(1e-9, high - low)) * (height - 2 * pad);
  const svg = h('svg:svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
    'aria-label': `Held-out loss from ${low.toFixed(2)} to ${high.toFixed(2)} nats as 0 to ${points.length - 1} heads are switched off${points.length - 1 < last ? ` (of ${last}, still measuring)` : ''}` });
  // axes with ticks: every head count across (every other past 16), three loss values up
  const axisY = height - pad + 10;
  svg.append(h('svg:line', { class: 'axis', x1: pad, y1: axisY, x2: width - pad, y2: axisY, stroke: 'currentColor', 'stroke-opacity': '0.4' }));
  svg.append(h('svg:line', { class: 'axis', x1: pad, y1: axisY, x2: pad, y2: pad - 14, stroke: 'currentColor', 'stroke-opacity': '0.4' }));
  const every = last + 1 > 17 ? 2 : 1;
  for (let k = 0; k <= last; k++) {
    if (k % every !== 0 && k !== last) continue;
    svg.append(h('svg:line', { x1: x(k), y1: axisY, x2: x(k), y2: axisY + 4, stroke: 'currentColor' }));
    svg.append(h('svg:text', { class: 'tick', x: x(k), y: axisY + 14, 'text-anchor': 'middle' }, String(k)));
  }
  for (const loss of [low, (low + high) / 2, high]) {
    svg.append(h('svg:line', { x1: pad - 4, y1: y(loss), x2: pad, y2: y(loss), stroke: 'currentColor' }));
    svg.append(h('svg:text', { class: 'tick', x: pad - 6, y: y(loss) + 3, 'text-anchor': 'end' }, loss.toFixed(2)));
  }
  svg.append(h('svg:polyline', { points: points.map((p) => `${x(p.k)},${y(p.loss)}`).join(' '), fill: 'none', stroke: 'currentColor', 'stroke-width': '2' }));
  for (const p of points) svg.append(h('svg:circle', { cx: x(p.k), cy: y(p.loss), r: '3', fill: 'currentColor' }));
  svg.append(h('svg:text', { x: width / 2, y: height - 2, class: 'caption', 'text-anchor': 'middle' }, 'heads switched off'));
  svg.append(h('svg:text', { x: 2, y: 12, class: 'caption' }, 'held-out loss (nats per word)'));
  const table = h('table', { class: 'compare' },
    h('caption', {}, `Held-out masked-word loss, ${points[0].sentences} unseen sentences, heads removed least important first (${measureName.toLowerCase()})`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Heads off'), h('th', { scope: 'col' }, 'Loss (nats per word)'))),
    h('tbody', {}, ...points.map((p) => h('tr', {}, h('td', {}, String(p.k)), h('td', {}, p.loss.toFixed(3))))));
  return h('div', { class: 'lines' }, svg, table);
}

// Held-out loss as heads are pruned in the ranking's order, measured on
// sentences the model never saw; computed in wasm a sentence at a time.
function heldoutCurve(store, order, measureName) {
  const wrap = h('div', { class: 'curve' });
  const progress = h('progress', { max: '1', value: '0', 'aria-label': 'Measuring held-out loss' });
  const output = h('div', { role: 'status' });
  const button = h('button', { type: 'button', class: 'chip action', onclick: async () => {
    button.disabled = true;
    button.after(progress);  // beside the button, above the growing chart
    output.setAttribute('aria-busy', 'true');  // read out once, when complete
    try {
      let drawn = 0;  // points drawn so far: the chart grows as each one is measured
      const points = await store.heldoutCurve(order, (fraction, sofar) => {
        progress.value = fraction;
        if (sofar.length > drawn) {
          drawn = sofar.length;
          output.replaceChildren(curveChart(sofar, measureName, order.length));
        }
      });
      if (points.length > drawn) output.replaceChildren(curveChart(points, measureName, order.length));  // else drawn as the last point came
    } catch (error) {
      output.textContent = error.message;
    }
    progress.remove();
    output.removeAttribute('aria-busy');
    button.disabled = false;
  } }, `Measure held-out loss as heads are pruned (ranked by ${measureName.toLowerCase()})`);
  wrap.append(button, output);
  return wrap;
}

export function importancePanel({ store, actions }) {
  const e = store.state.experiment;
  const { rows, hasGradients, measuring, rankedBy, measureName } = store.importance();
  const cell = (value, format) => h('td', {}, value === null ? '…' : format(value));
  const header = (key, label) => h('th', { scope: 'col', 'aria-sort': rankedBy === key ? 'ascending' : 'none' },
    h('button', { type: 'button', 'data-sort': key, onclick: () => actions.rankBy(key) }, label));
  const names = { sensitivity: 'output sensitivity', gradient: 'gradient importance' };
  const table = h('table', { class: 'importance', 'aria-busy': measuring.length ? 'true' : null },
    h('caption', {}, 'Head importance, least important first (click a heading to rank by it)',
      measuring.length ? h('span', { class: 'measuring' }, ` · measuring ${measuring.map((m) => names[m]).join(' and ')}${measuring.includes(e.sort) ? ' (ranked by weight magnitude until then)' : ''}…`) : null),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Head'), header('entropy', 'Entropy'), header('norm', 'Weight magnitude'),
      header('sensitivity', 'Output sensitivity'), hasGradients ? header('gradient', 'Gradient importance') : null)),
    h('tbody', {}, ...rows.map((r) => h('tr', { 'data-key': r.key },
      h('td', {}, swatch(r.head.head), ` ${r.head.name}${e.disabled.has(r.key) ? ' (off)' : ''}`),
      h('td', {}, percent(r.entropy)), h('td', {}, r.norm.toFixed(2)), cell(r.sensitivity, percent),
      hasGradients ? cell(r.gradient, (v) => v.toFixed(4)) : null))));
  // the slider prunes as it moves: the k least important heads by the chosen ranking
  const k = h('input', { type: 'range', min: '0', max: String(rows.length), step: '1', value: String(e.disabled.size), 'aria-label': 'How many heads to switch off' });
  const shownK = h('output', {}, String(e.disabled.size));
  k.addEventListener('input', () => { shownK.textContent = k.value; });
  k.addEventListener('change', () => {
    const count = Math.max(0, Math.min(rows.length, Number(k.value) || 0));
    store.setExperiment({ disabled: new Set(rows.slice(0, count).map((r) => r.key)) });
  });
  const reset = h('button', { type: 'button', class: 'chip', onclick: () => store.setExperiment({ disabled: new Set(), scaling: true, temperature: 1 }) }, 'Reset all');
  const curve = store.result.experiment.heldoutCurve ? heldoutCurve(store, rows.map((r) => r.key), measureName) : null;
  return h('div', { class: 'importance-wrap' }, h('div', { class: 'importance-scroll' }, table),
    h('div', { class: 'controls' }, h('label', {}, 'Switch off the', k, shownK, `least important by ${measureName.toLowerCase()}`), reset),
    curve,
    h('p', { class: 'note' }, 'Weight magnitude: the norm of the head\'s slices of W_Q, W_K, W_V and W_O. Output sensitivity: how much the output changes when this head alone is switched off. Entropy: how spread out its attention is; very flat heads often matter little.' +
      (hasGradients ? ' Gradient importance (Michel et al. 2019): |Σ A_h · ∂L/∂A_h| for this sentence\'s masked-word loss, found as the slope of the loss when the head\'s output is scaled by 1 ± 0.01.' : '') +
      ' They answer different questions (the weights alone; this sentence\'s output; this sentence\'s loss; how spread the attention is), so they disagree when a head is large but redundant with another, or sharp but unimportant for this sentence.'));
}
