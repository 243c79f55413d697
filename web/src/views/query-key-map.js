// Why a query picks a key: the open head's queries (circles) and keys
// (squares) for this sentence in one plane (cpp/analysis/geometry.h, PCA
// after moves that leave every attention row unchanged). Hovering a word
// draws its query's lines to the three keys it attends to most, so a learner
// sees a query landing near the keys it picks. Held-out sentences can be
// added as faint points to show the clusters.
import { h } from '../draw.js';
import { percent } from '../lab/format.js';

const WIDTH = 420;
const HEIGHT = 320;
const PAD = 28;

export function createQueryKeyMapView({ store, highlight }) {
  let svg = null;
  let shown = null;
  let withHeldout = false;
  const box = h('div', { class: 'qk-map' });
  function linesFor(active) {
    if (!svg || !shown) return;
    svg.querySelectorAll('.qk-link').forEach((line) => line.remove());
    svg.querySelectorAll('[data-index]').forEach((mark) => mark.classList.toggle('hot', Number(mark.dataset.index) === active));
    if (active === null || active >= shown.n) return;
    const { x, y, queries, keys, weights, n } = shown;
    const row = Array.from({ length: n }, (_, j) => [j, weights[active * n + j]]).sort((a, b) => b[1] - a[1]).slice(0, 3);
    for (const [j, weight] of row) {
      svg.insertBefore(h('svg:line', { class: 'qk-link', x1: x(queries[active][0]), y1: y(queries[active][1]), x2: x(keys[j][0]), y2: y(keys[j][1]),
        'stroke-width': (1 + 4 * weight).toFixed(2), 'stroke-opacity': Math.max(0.25, weight).toFixed(2) },
      h('svg:title', {}, `query “${shown.tokens[active]}” → key “${shown.tokens[j]}”: ${percent(weight)}`)), svg.firstChild);
    }
  }
  return {
    draw(result, head) {
      const measured = store.queryKeyGeometry(head.layer, head.head, withHeldout);
      const toggle = h('label', { class: 'note' }, h('input', { type: 'checkbox', checked: withHeldout, onchange: (event) => {
        withHeldout = event.target.checked;
        store.redrawFocus();
      } }), ' add 20 held-out sentences (faint)');
      if (!measured) {
        box.replaceChildren(h('p', { class: 'note' }, 'The query/key map needs a trained model’s weights.'));
        return box;
      }
      const { queries, keys, extra, explained } = measured;
      const all = [...queries, ...keys, ...extra.flatMap((s) => [...s.queries, ...s.keys])];
      const xs = all.map((p) => p[0]);
      const ys = all.map((p) => p[1]);
      const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      const x = (v) => PAD + ((v - x0) / Math.max(1e-9, x1 - x0)) * (WIDTH - 2 * PAD);
      const y = (v) => HEIGHT - PAD - ((v - y0) / Math.max(1e-9, y1 - y0)) * (HEIGHT - 2 * PAD);
      const n = queries.length;
      shown = { x, y, queries, keys, n, tokens: result.tokens, weights: head.weights };
      svg = h('svg:svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT, role: 'img',
        'aria-label': `${head.name}: queries (circles) and keys (squares) of this sentence in one plane; the first two principal components hold ${percent(explained[0] + explained[1])} of the variance` });
      for (const sentence of extra) {
        for (const [px, py] of sentence.queries) svg.append(h('svg:circle', { class: 'qk-extra', cx: x(px), cy: y(py), r: 2 }));
        for (const [px, py] of sentence.keys) svg.append(h('svg:rect', { class: 'qk-extra', x: x(px) - 2, y: y(py) - 2, width: 4, height: 4 }));
      }
      const mark = (kind, point, i) => {
        const g = h('svg:g', { class: `qk-${kind}`, 'data-index': i,
          onmouseenter: () => highlight.setHover(i), onmouseleave: () => highlight.setHover(null), onclick: () => highlight.toggleLock(i) },
        kind === 'query' ? h('svg:circle', { cx: x(point[0]), cy: y(point[1]), r: 5 }) : h('svg:rect', { x: x(point[0]) - 4.5, y: y(point[1]) - 4.5, width: 9, height: 9 }),
        h('svg:text', { x: x(point[0]) + 7, y: y(point[1]) + 4 }, result.tokens[i]),
        h('svg:title', {}, `${kind} of “${result.tokens[i]}”`));
        svg.append(g);
      };
      keys.forEach((point, i) => mark('key', point, i));
      queries.forEach((point, i) => mark('query', point, i));
      box.replaceChildren(
        h('p', { class: 'note' }, `Circles: queries; squares: keys (${head.name}, d_k = ${result.headDim}, projected to 2D by PCA: ${percent(explained[0])} + ${percent(explained[1])} of the variance). Keys were moved onto the queries’ centre and both scaled to one mean length; neither changes any attention weight. Hover a word: lines to the three keys its query picks.`),
        toggle, svg);
      return box;
    },
    highlight(active) { linesFor(active); },
  };
}
