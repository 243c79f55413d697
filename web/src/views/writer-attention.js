// Where each new word looked. Two pictures of the same numbers:
//  - this word, every head: one row per head over the words before it;
//  - one head, every word so far: the rows stack up as the model writes (a
//    lower triangle: a writer never sees later words), or as lines from the
//    open word to the words it attends to.
import { h, drawHeatmap, legend } from '../draw.js';
import { percent, headColour } from '../lab/format.js';
import { placeMark, setAxisLabels, highlightAxisLabel } from '../lab/dom.js';
import { createLinesView } from './lines.js';

const cellFor = (count) => Math.max(4, Math.min(24, Math.floor(360 / Math.max(1, count))));

function heatmap({ tooltip, describe, onHover, onClick, label }) {
  const canvas = h('canvas', { role: 'img', 'aria-label': label });
  const columns = h('div', { class: 'col-labels', 'aria-hidden': 'true' });
  const rows = h('div', { class: 'row-labels', 'aria-hidden': 'true' });
  const columnMark = h('div', { class: 'mark', 'aria-hidden': 'true' });
  const rowMark = h('div', { class: 'mark', 'aria-hidden': 'true' });
  let shown = null;
  const cellAt = (event) => {
    const rect = canvas.getBoundingClientRect();
    return { row: Math.floor(((event.clientY - rect.top) / rect.height) * shown.rows), col: Math.floor(((event.clientX - rect.left) / rect.width) * shown.cols) };
  };
  canvas.addEventListener('mousemove', (event) => {
    if (!shown) return;
    const { row, col } = cellAt(event);
    if (row < 0 || col < 0 || row >= shown.rows || col >= shown.cols) return;
    onHover(row, col);
    tooltip.show(event, describe(row, col, shown.weights[row * shown.cols + col]));
  });
  canvas.addEventListener('mouseleave', () => { tooltip.hide(); onHover(null, null); });
  canvas.addEventListener('click', (event) => { if (shown) { const { row, col } = cellAt(event); onClick(row, col); } });
  // scrolls sideways on a narrow screen: a keyboard must reach it too
  const root = h('div', { class: 'heat', tabindex: '0', role: 'region', 'aria-label': `${label} (scrolls sideways on a narrow screen)` }, h('div', { class: 'corner', 'aria-hidden': 'true' }), columns, rows, h('div', { class: 'cells' }, canvas, rowMark, columnMark));
  return {
    root,
    draw(weights, rowWords, columnWords) {
      const cell = cellFor(Math.max(columnWords.length, rowWords.length));
      shown = { weights, rows: rowWords.length, cols: columnWords.length, cell };
      drawHeatmap(canvas, weights, rowWords.length, columnWords.length, { cell });
      // labels only when a line is tall enough to read; the tooltip names every cell
      setAxisLabels(columns, cell >= 10 ? columnWords : [], cell);
      setAxisLabels(rows, cell >= 10 ? rowWords : [], cell);
      placeMark(rowMark, null);
      placeMark(columnMark, null);
    },
    mark(row, col) {
      if (!shown) return;
      const { cell } = shown;
      placeMark(rowMark, row !== null && row < shown.rows ? [0, row * cell, shown.cols * cell, cell] : null);
      placeMark(columnMark, col !== null && col < shown.cols ? [col * cell, 0, cell, shown.rows * cell] : null);
      highlightAxisLabel(columns, col);
    },
  };
}

export function createWriterAttentionView({ store, highlight, tooltip, actions }) {
  const headName = (index) => `L${Math.floor(index / store.config.numHeads) + 1} H${(index % store.config.numHeads) + 1}`;
  const everyHead = heatmap({
    tooltip, label: 'Attention of the open word, one row per head, over the words before it',
    describe: (row, col, weight) => `${headName(row)}: “${store.steps[store.selected].word}” → “${store.steps[col].word}”: ${percent(weight)}`,
    onHover: (row, col) => highlight.setHover(col),
    onClick: (row) => { if (row >= 0) actions.selectHead(row); },
  });
  const growing = heatmap({
    tooltip, label: 'One head: each word’s attention over the words before it, a row per word as it was written',
    describe: (row, col, weight) => `${headName(store.head)}: “${store.steps[row].word}” → “${store.steps[col].word}”: ${percent(weight)}`,
    onHover: (row, col) => highlight.setHover(col),
    onClick: (row) => { if (row >= 0) actions.select(row); },
  });
  const lines = createLinesView({ highlight });
  const linesBox = h('div', { class: 'writer-lines' });
  const title = h('h3', {});
  const headTitle = h('h3', {});
  const headSelect = h('select', { 'aria-label': 'Head shown below', onchange: () => actions.selectHead(Number(headSelect.value)) });
  const tabs = h('div', { class: 'tabs', role: 'group', 'aria-label': 'Picture of the head' });
  const tab = (id, text) => h('button', { type: 'button', 'data-view': id, 'aria-pressed': 'false', onclick: () => actions.setView(id) }, text);
  tabs.append(tab('heatmap', 'Heatmap'), tab('lines', 'Lines'));
  const headPanel = h('div', { class: 'writer-head' });
  const root = h('div', { class: 'writer-attention' }, title, everyHead.root,
    h('div', { class: 'head-row' }, headTitle, h('label', {}, 'Head ', headSelect), tabs), headPanel, legend());
  let view = 'heatmap';
  return {
    root,
    setView(id) { view = id; },
    update() {
      const index = store.selected;
      if (index === null || !store.config) return;
      const { numLayers, numHeads } = store.config;
      const layerHeads = numLayers * numHeads;
      const step = store.steps[index];
      const prefix = store.steps.slice(0, index + 1).map((s) => s.word);
      title.textContent = `Where “${step.word}” (word ${index + 1}) looked, in every head`;
      const heads = Array.from({ length: layerHeads }, (_, i) => headName(i));
      everyHead.draw(step.attention, heads, prefix);
      if (headSelect.options.length !== layerHeads) {
        headSelect.replaceChildren(...heads.map((name, i) => h('option', { value: i }, name)));
      }
      headSelect.value = String(store.head);
      headTitle.textContent = view === 'heatmap' ? `${headName(store.head)}: every word so far, row by row as it was written` : `${headName(store.head)}: lines from “${step.word}” to the words before it`;
      tabs.querySelectorAll('button').forEach((button) => button.setAttribute('aria-pressed', String(button.dataset.view === view)));
      if (view === 'heatmap') {
        const n = store.steps.length;
        const matrix = new Float32Array(n * n);
        store.steps.forEach((s, row) => {
          for (let col = 0; col <= row; col++) matrix[row * n + col] = s.attention[store.head * (row + 1) + col];
        });
        growing.draw(matrix, store.steps.map((s) => s.word), store.steps.map((s) => s.word));
        growing.mark(index, null);
        headPanel.replaceChildren(growing.root);
      } else {
        const weights = step.attention.subarray(store.head * (index + 1), (store.head + 1) * (index + 1));
        linesBox.replaceChildren(lines.draw({ tokens: [step.word], seqLen: 1, contextTokens: prefix, contextLen: index + 1,
          heads: [{ weights, colour: headColour(store.head) }] }, [0]));
        headPanel.replaceChildren(linesBox);
      }
    },
    highlight(active) {
      everyHead.mark(null, active);
      if (view === 'heatmap') growing.mark(store.selected, active);
    },
  };
}
