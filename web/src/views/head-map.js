// A map of every head: each head a point, placed by two measurements the
// learner picks, coloured by layer; hover names it, click opens it in the
// panel. Beside it, the opened head's held-out sentences where its attention
// is most concentrated (measured live on the sentences shipped with the model).
import { h } from '../draw.js';
import { headColour, percent } from '../lab/format.js';
import { keepFocus } from '../lab/dom.js';

const WIDTH = 380;
const HEIGHT = 300;
const PAD = 40;

const MEASURES = [
  ['previous', 'Previous-token share'],
  ['next', 'Next-token share'],
  ['entropy', 'Entropy (share of uniform)'],
  ['relation', 'Closest word relation: accuracy'],
  ['sensitivity', 'Output sensitivity (this sentence)'],
  ['gradient', 'Gradient importance (this sentence)'],
];

export function createHeadMapView({ store, actions }) {
  let x = 'previous';
  let y = 'entropy';
  const body = h('div', { class: 'head-map-body' });
  const root = h('details', { class: 'head-map' }, h('summary', {}, 'Map of every head'), body);
  root.addEventListener('toggle', () => { if (root.open) draw(); });

  function axisSelect(current, label, onchange, available) {
    const select = h('select', { 'aria-label': label, onchange: () => { onchange(select.value); draw(); } },
      MEASURES.filter(([key]) => available.has(key)).map(([key, text]) => h('option', { value: key, selected: key === current }, text)));
    return select;
  }

  function draw() {
    const result = store.result;
    if (!root.open || !result) return;
    const hasRelations = result.layers.some((layer) => layer.heads.some((head) => head.relation));
    const hasGradient = Boolean(result.experiment?.gradientImportance);
    const available = new Set(['previous', 'next', 'entropy', ...(hasRelations ? ['relation'] : []),
      ...(result.experiment?.weightNorms ? ['sensitivity'] : []), ...(hasGradient ? ['gradient'] : [])]);
    if (!available.has(x)) x = 'previous';
    if (!available.has(y)) y = 'entropy';
    const heads = store.headMeasures(['sensitivity', 'gradient'].includes(x) || ['sensitivity', 'gradient'].includes(y));
    const xs = heads.map((head) => head.values[x] ?? 0);
    const ys = heads.map((head) => head.values[y] ?? 0);
    const shares = (key) => key !== 'sensitivity' && key !== 'gradient';
    const range = (values, key) => (shares(key) ? [0, 1] : [Math.min(0, ...values), Math.max(1e-9, ...values)]);
    const [x0, x1] = range(xs, x);
    const [y0, y1] = range(ys, y);
    const px = (v) => PAD + ((v - x0) / (x1 - x0)) * (WIDTH - PAD - 12);
    const py = (v) => HEIGHT - PAD - ((v - y0) / (y1 - y0)) * (HEIGHT - PAD - 12);
    const format = (key, v) => (v === null || v === undefined ? '—' : shares(key) ? percent(v) : v.toPrecision(3));
    const selected = `${store.state.layer}:${store.state.selectedHead}`;
    const svg = h('svg:svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT, role: 'group',
      'aria-label': `Every head by ${MEASURES.find(([k]) => k === x)[1]} (across) and ${MEASURES.find(([k]) => k === y)[1]} (up), coloured by layer` },
    h('svg:line', { class: 'axis', x1: PAD, y1: HEIGHT - PAD, x2: WIDTH - 8, y2: HEIGHT - PAD }),
    h('svg:line', { class: 'axis', x1: PAD, y1: 8, x2: PAD, y2: HEIGHT - PAD }),
    h('svg:text', { class: 'tick', x: PAD, y: HEIGHT - PAD + 14, 'text-anchor': 'middle' }, format(x, x0)),
    h('svg:text', { class: 'tick', x: WIDTH - 12, y: HEIGHT - PAD + 14, 'text-anchor': 'end' }, format(x, x1)),
    h('svg:text', { class: 'tick', x: PAD - 4, y: HEIGHT - PAD, 'text-anchor': 'end' }, format(y, y0)),
    h('svg:text', { class: 'tick', x: PAD - 4, y: 16, 'text-anchor': 'end' }, format(y, y1)));
    heads.forEach((head, i) => {
      const missing = head.values[x] === null || head.values[y] === null;
      const point = h('svg:g', { class: `head-point${`${head.layer}:${head.head}` === selected ? ' open' : ''}`, tabindex: 0, role: 'button',
        'data-layer': head.layer, 'data-head': head.head,
        'aria-label': `L${head.layer + 1}H${head.head + 1} (${head.name}${head.relationName ? `, closest relation ${head.relationName}` : ''}): ${MEASURES.find(([k]) => k === x)[1]} ${format(x, head.values[x])}, ${MEASURES.find(([k]) => k === y)[1]} ${format(y, head.values[y])}; open it`,
        onclick: () => { actions.selectHead(head.head, head.layer); draw(); },
        onkeydown: (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); actions.selectHead(head.head, head.layer); draw(); } } },
      h('svg:circle', { cx: px(xs[i]), cy: py(ys[i]), r: 7, fill: headColour(head.layer), 'fill-opacity': missing ? 0.25 : 0.85 }),
      h('svg:text', { x: px(xs[i]) + 9, y: py(ys[i]) + 4 }, `L${head.layer + 1}H${head.head + 1}`));
      svg.append(point);
    });
    const legend = h('p', { class: 'note' }, ...result.layers.flatMap((_, l) => {
      const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
      swatch.style.background = headColour(l);  // through the CSSOM: a strict style-src allows it
      return [swatch, ` Layer ${l + 1}  `];
    }));
    const open = result.layers[store.state.layer]?.heads[store.state.selectedHead];
    const peaks = open ? store.heldoutPeaks(open.layer, open.head) : null;
    const side = h('div', { class: 'head-map-side' }, h('h4', {}, open ? `${open.name}: where its attention is most concentrated` : ''),
      peaks
        ? h('div', {}, h('p', { class: 'note' }, 'Measured live on the 100 held-out sentences shipped with the model: the three where this head’s rows peak highest on average; the marked word attends most to the underlined one.'),
          h('ol', {}, peaks.map((peak) => h('li', {}, ...peak.tokens.flatMap((token, i) => [i ? ' ' : '',
            i === peak.from ? h('mark', {}, token) : i === peak.to ? h('u', {}, token) : token]), h('span', { class: 'note' }, ` (${percent(peak.weight)})`)))))
        : h('p', { class: 'note' }, 'Held-out sentences come with the trained model; with these weights the map uses this sentence.'));
    const refocus = keepFocus(body);
    body.replaceChildren(
      h('div', { class: 'head-map-axes' }, h('label', {}, 'Across ', axisSelect(x, 'Measure across', (v) => { x = v; }, available)),
        h('label', {}, 'Up ', axisSelect(y, 'Measure up', (v) => { y = v; }, available))),
      h('div', { class: 'head-map-grid' }, h('div', {}, svg, legend), side));
    refocus();
  }

  return {
    root,
    update() { if (root.open) draw(); },
    clear() { body.replaceChildren(); },
  };
}
