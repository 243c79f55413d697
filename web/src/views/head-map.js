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
  ['induction', 'Induction: prefix-matching score'],
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
      ...(result.experiment?.weightNorms ? ['sensitivity'] : []), ...(hasGradient ? ['gradient'] : []),
      ...(result.experiment?.induction ? ['induction'] : [])]);
    if (!available.has(x)) x = 'previous';
    if (!available.has(y)) y = 'entropy';
    const heads = store.headMeasures(['sensitivity', 'gradient'].includes(x) || ['sensitivity', 'gradient'].includes(y), x === 'induction' || y === 'induction');
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
    // With many heads (4 x 8) points crowd: smaller dots, and a name is written
    // only where it covers no other dot or name (the open head's first); the
    // line under the map names the point under the pointer or in focus.
    const hovered = h('p', { class: 'note head-map-hover' }, 'Point at a dot to name its head.');
    const radius = heads.length > 16 ? 5 : 7;
    const centres = heads.map((_, i) => [px(xs[i]), py(ys[i])]);
    const placed = [];
    const labelBox = (i) => ({ x0: centres[i][0] + radius + 2, x1: centres[i][0] + radius + 32, y0: centres[i][1] - 7, y1: centres[i][1] + 7 });
    const free = (box, own) => placed.every((b) => box.x1 < b.x0 || box.x0 > b.x1 || box.y1 < b.y0 || box.y0 > b.y1)
      && centres.every(([cx, cy], j) => j === own || cx + radius < box.x0 || cx - radius > box.x1 || cy + radius < box.y0 || cy - radius > box.y1);
    const order = heads.map((_, i) => i).sort((a, b) => Number(`${heads[b].layer}:${heads[b].head}` === selected) - Number(`${heads[a].layer}:${heads[a].head}` === selected));
    const labelled = new Set();
    for (const i of order) {
      const box = labelBox(i);
      const open = `${heads[i].layer}:${heads[i].head}` === selected;  // always named (and first, so it takes its place)
      if (open ? placed.length === 0 || free(box, i) : free(box, i)) { placed.push(box); labelled.add(i); }
    }
    heads.forEach((head, i) => {
      const missing = head.values[x] === null || head.values[y] === null;
      const name = `L${head.layer + 1}H${head.head + 1}`;
      const description = `${name} (${head.name}${head.relationName ? `, closest relation ${head.relationName}` : ''}): ${MEASURES.find(([k]) => k === x)[1]} ${format(x, head.values[x])}, ${MEASURES.find(([k]) => k === y)[1]} ${format(y, head.values[y])}`;
      const point = h('svg:g', { class: `head-point${`${head.layer}:${head.head}` === selected ? ' open' : ''}`, tabindex: 0, role: 'button',
        'data-layer': head.layer, 'data-head': head.head,
        'aria-label': `${description}; open it`,
        onclick: () => { actions.selectHead(head.head, head.layer); draw(); },
        onpointerenter: () => { hovered.textContent = description; },
        onfocus: () => { hovered.textContent = description; },
        onkeydown: (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); actions.selectHead(head.head, head.layer); draw(); } } },
      h('svg:circle', { cx: centres[i][0], cy: centres[i][1], r: radius, fill: headColour(head.layer), 'fill-opacity': missing ? 0.25 : 0.85 }),
      labelled.has(i) ? h('svg:text', { x: centres[i][0] + radius + 2, y: centres[i][1] + 4 }, name) : null);
      svg.append(point);
    });
    const test = x === 'induction' || y === 'induction' ? store.induction() : null;
    const inductionNote = test
      ? h('p', { class: 'note' }, `Induction: ${test.example.length / 2} random words, then the same words again (16 sequences); a head's score is the mean weight a word of the repeat gives the word that followed its earlier occurrence. The same heads with random weights score at most ${percent(Math.max(...test.twinPrefixMatching))}; the label "induction head" needs ≥ ${percent(test.threshold)} and ${Math.round(test.margin * 100)} points above that.`)
      : null;
    // output sensitivity and gradient importance are measured after the map is drawn (lab/measure-later.js)
    const pending = [...new Set([x, y])].filter((key) => ['sensitivity', 'gradient'].includes(key) && heads.some((head) => head.values[key] === null));
    const measuring = pending.length
      ? h('p', { class: 'note', role: 'status' }, `Measuring ${pending.map((key) => (key === 'gradient' ? 'gradient importance (two masked-word losses a head)' : 'output sensitivity (a model run a head)')).join(' and ')}; faded points have no value yet.`) : null;
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
      h('div', { class: 'head-map-grid' }, h('div', {}, svg, hovered, measuring, legend, inductionNote), side));
    refocus();
  }

  return {
    root,
    update() { if (root.open) draw(); },
    clear() { body.replaceChildren(); },
  };
}
