// The focus heatmap: one head's weights, From words down, To words across,
// with the highlighted word's row and column outlined.
import { h, legend, drawHeatmap } from '../draw.js';
import { percent } from '../lab/format.js';
import { highlightAxisLabel, placeMark, setAxisLabels } from '../lab/dom.js';

export function heatmapCell(seqLen, contextLen) {
  return Math.max(12, Math.min(34, Math.floor(340 / Math.max(seqLen, contextLen))));
}

// One canvas and one set of label rows for the life of the widget, redrawn
// and relabelled in place (a new canvas on every keystroke costs a new layer
// to raster); the canvas's handlers read the head shown now.
export function createHeatmapView({ highlight, tooltip }) {
  let shown = null;
  const canvas = h('canvas', { role: 'img' });
  const cellAt = (event) => {
    const rect = canvas.getBoundingClientRect();
    return {
      row: Math.floor(((event.clientY - rect.top) / rect.height) * shown.seqLen),
      col: Math.floor(((event.clientX - rect.left) / rect.width) * shown.contextLen),
    };
  };
  canvas.addEventListener('mousemove', (event) => {
    const { row, col } = cellAt(event);
    if (row < 0 || col < 0 || row >= shown.seqLen || col >= shown.contextLen) return;
    highlight.setHover(row, { row, col });
    tooltip.show(event, `From “${shown.tokens[row]}” to “${shown.contextTokens[col]}”: ${percent(shown.head.weights[row * shown.contextLen + col])}`);
  });
  canvas.addEventListener('mouseleave', () => { tooltip.hide(); highlight.setHover(null); });
  canvas.addEventListener('click', (event) => {
    const { row } = cellAt(event);
    if (row >= 0 && row < shown.seqLen) highlight.toggleLock(row);
  });
  // Each axis is one block of text, a word per line (a line is one cell
  // high, or one cell wide on the vertical top axis): 2 layout objects
  // instead of a span per word, whose layout and paint cost more per
  // keystroke than the rest of the panel. Hovering names the full word.
  const columns = h('div', { class: 'col-labels', 'aria-hidden': 'true' });
  const rows = h('div', { class: 'row-labels', 'aria-hidden': 'true' });
  const nameWord = (axis, words, event) => {
    const rect = axis.getBoundingClientRect();
    const vertical = axis === columns;
    const index = Math.floor(vertical ? (event.clientX - rect.left) / axis._cell : (event.clientY - rect.top) / axis._cell);
    const word = shown?.[words]?.[index];
    if (word === undefined) tooltip.hide(); else tooltip.show(event, word);
  };
  columns.addEventListener('mousemove', (event) => nameWord(columns, 'contextTokens', event));
  rows.addEventListener('mousemove', (event) => nameWord(rows, 'tokens', event));
  for (const axis of [columns, rows]) axis.addEventListener('mouseleave', () => tooltip.hide());
  // the highlighted word's row and column: two outlines over the canvas,
  // moved by CSS (the canvas holds one pixel per cell and is not redrawn)
  const rowMark = h('div', { class: 'mark', 'aria-hidden': 'true' });
  const columnMark = h('div', { class: 'mark', 'aria-hidden': 'true' });
  const root = h('div', {}, h('div', { class: 'heat' }, h('div', { class: 'corner', 'aria-hidden': 'true' }, 'From ↓  To →'), columns, rows,
    h('div', { class: 'cells' }, canvas, rowMark, columnMark)), legend());

  return {
    root,
    update(result, state, head) {
      const { tokens, seqLen, contextTokens, contextLen } = result;
      const cell = heatmapCell(seqLen, contextLen);
      // drawn plain, as every re-rendered part is: the highlight controller marks the word that is highlighted now
      placeMark(rowMark, null);
      placeMark(columnMark, null);
      shown = { head, tokens, contextTokens, seqLen, contextLen, cell };
      const label = `${head.name} attention heatmap: rows are From words, columns are To words; the Table view lists every number`;
      if (canvas.getAttribute('aria-label') !== label) canvas.setAttribute('aria-label', label);
      drawHeatmap(canvas, head.weights, seqLen, contextLen, { cell });
      setAxisLabels(columns, contextTokens, cell);
      setAxisLabels(rows, tokens, cell);
    },
    highlight(active, locked, result) {
      if (!canvas.isConnected || !shown) return;
      const { seqLen, contextLen, cell } = shown;
      const cross = result.cross;
      placeMark(rowMark, active !== null && active < seqLen ? [0, active * cell, contextLen * cell, cell] : null);
      placeMark(columnMark, active !== null && !cross && active < contextLen ? [active * cell, 0, cell, seqLen * cell] : null);
      highlightAxisLabel(rows, active);
      highlightAxisLabel(columns, cross ? null : active);
    },
  };
}
