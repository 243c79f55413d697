// The focus heatmap: one head's weights, From words down, To words across,
// with the highlighted word's row and column outlined.
import { h, legend, drawHeatmap } from '../draw.js';
import { percent } from '../lab/format.js';
import { highlightAxisLabel, placeMark, setAttributeIfChanged, setAxisLabels, setText } from '../lab/dom.js';
import { PICTURE_LIMITS } from '../lab/pictures.js';

export function heatmapCell(seqLen, contextLen) {
  return Math.max(12, Math.min(34, Math.floor(340 / Math.max(seqLen, contextLen))));
}

// Texts longer than this many words show a window of the matrix this many
// words square (rows and columns), over an overview of the whole matrix.
export const WINDOW_WORDS = 40;
// The first window start that shows `index` centred, kept inside [0, length - size].
function centred(index, length, size) {
  return Math.max(0, Math.min(length - size, index - Math.floor(size / 2)));
}

// One canvas and one set of label rows for the life of the widget, redrawn
// and relabelled in place (a new canvas on every keystroke costs a new layer
// to raster); the canvas's handlers read the head shown now. A long text
// shows a window of WINDOW_WORDS rows and columns (row and column numbers
// below are the sentence's, the window's start added back), an overview of
// the whole matrix to move it, and a word finder; the window follows the
// locked word.
export function createHeatmapView({ highlight, tooltip, store }) {
  let shown = null;
  let windowStart = { row: 0, col: 0 };
  let lastLocked = null;
  let lastArgs = null;
  const canvas = h('canvas', { role: 'img' });
  const cellAt = (event) => {
    const rect = canvas.getBoundingClientRect();
    return {
      row: shown.row0 + Math.floor(((event.clientY - rect.top) / rect.height) * shown.rows),
      col: shown.col0 + Math.floor(((event.clientX - rect.left) / rect.width) * shown.cols),
    };
  };
  const inside = ({ row, col }) => row >= shown.row0 && col >= shown.col0 && row < shown.row0 + shown.rows && col < shown.col0 + shown.cols;
  canvas.addEventListener('mousemove', (event) => {
    const cell = cellAt(event);
    if (!inside(cell)) return;
    const { row, col } = cell;
    highlight.setHover(row, { row, col });
    tooltip.show(event, `From “${shown.tokens[row]}” (${row + 1}) to “${shown.contextTokens[col]}” (${col + 1}): ${percent(shown.head.weights[row * shown.contextLen + col])}`);
  });
  canvas.addEventListener('mouseleave', () => { tooltip.hide(); highlight.setHover(null); });
  canvas.addEventListener('click', (event) => {
    const cell = cellAt(event);
    if (inside(cell)) highlight.toggleLock(cell.row);
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
    const offset = vertical ? shown?.col0 : shown?.row0;
    const word = shown?.[words]?.[index + (offset ?? 0)];
    if (word === undefined) tooltip.hide(); else tooltip.show(event, word);
  };
  columns.addEventListener('mousemove', (event) => nameWord(columns, 'contextTokens', event));
  rows.addEventListener('mousemove', (event) => nameWord(rows, 'tokens', event));
  for (const axis of [columns, rows]) axis.addEventListener('mouseleave', () => tooltip.hide());
  // the highlighted word's row and column: two outlines over the canvas,
  // moved by CSS (the canvas holds one pixel per cell and is not redrawn)
  const rowMark = h('div', { class: 'mark', 'aria-hidden': 'true' });
  const columnMark = h('div', { class: 'mark', 'aria-hidden': 'true' });

  // ---- long texts: the overview, the window's place, the word finder ----
  const overview = h('canvas', { class: 'overview', role: 'img' });
  const frame = h('div', { class: 'window-frame', 'aria-hidden': 'true' });
  const place = h('p', { class: 'note window-place' });
  const finder = h('input', { type: 'search', name: 'find-word', autocomplete: 'off', spellcheck: 'false', placeholder: 'a word' });
  const found = h('span', { class: 'note', role: 'status', 'aria-live': 'polite' });
  const moveTo = (row, col) => {
    if (!shown) return;
    windowStart = { row: centred(row, shown.seqLen, shown.rows), col: centred(col, shown.contextLen, shown.cols) };
    redraw();
  };
  overview.addEventListener('click', (event) => {
    if (!shown) return;
    const rect = overview.getBoundingClientRect();
    moveTo(Math.floor(((event.clientY - rect.top) / rect.height) * shown.seqLen), Math.floor(((event.clientX - rect.left) / rect.width) * shown.contextLen));
  });
  // Enter (or the search) locks the next word equal to the one typed (any
  // case), after the one locked now, wrapping round; the window follows.
  const find = () => {
    if (!shown) return;
    const wanted = finder.value.trim().toLocaleLowerCase();
    if (!wanted) { found.textContent = ''; return; }
    const matches = [];
    shown.tokens.forEach((token, i) => { if (token.toLocaleLowerCase() === wanted) matches.push(i); });
    if (!matches.length) { found.textContent = `“${finder.value.trim()}” is not in the text.`; return; }
    const locked = store.state.locked;
    const next = matches.find((i) => locked === null || i > locked) ?? matches[0];
    found.textContent = `${matches.indexOf(next) + 1} of ${matches.length}: word ${next + 1}`;
    highlight.lock(next);
  };
  finder.addEventListener('keydown', (event) => { if (event.key === 'Enter') { event.preventDefault(); find(); } });
  finder.addEventListener('search', find);
  const longParts = h('div', { class: 'long-text' },
    h('div', { class: 'overview-box' }, overview, frame),
    h('div', {}, place, h('label', { class: 'control find' }, 'Find a word', finder), ' ', found));
  // the heatmap scrolls sideways on a narrow screen: a keyboard must reach it too
  const root = h('div', {}, longParts, h('div', { class: 'heat', tabindex: '0', role: 'region', 'aria-label': 'Heatmap (scrolls sideways on a narrow screen)' }, h('div', { class: 'corner', 'aria-hidden': 'true' }, 'From ↓  To →'), columns, rows,
    h('div', { class: 'cells' }, canvas, rowMark, columnMark)), legend());

  function redraw() {
    if (lastArgs) update(...lastArgs);
    highlight.apply();
  }

  function update(result, state, head) {
    lastArgs = [result, state, head];
    const { tokens, seqLen, contextTokens, contextLen } = result;
    const long = Math.max(seqLen, contextLen) > WINDOW_WORDS;
    const windowRows = Math.min(seqLen, long ? WINDOW_WORDS : seqLen);
    const windowCols = Math.min(contextLen, long ? WINDOW_WORDS : contextLen);
    const row0 = long ? Math.min(windowStart.row, seqLen - windowRows) : 0;
    const col0 = long ? Math.min(windowStart.col, contextLen - windowCols) : 0;
    const cell = heatmapCell(windowRows, windowCols);
    // drawn plain, as every re-rendered part is: the highlight controller marks the word that is highlighted now
    placeMark(rowMark, null);
    placeMark(columnMark, null);
    shown = { head, tokens, contextTokens, seqLen, contextLen, cell, row0, col0, rows: windowRows, cols: windowCols };
    const label = long
      ? `${head.name} attention heatmap, words ${row0 + 1} to ${row0 + windowRows} attending to words ${col0 + 1} to ${col0 + windowCols}; the Table view lists the strongest links`
      : `${head.name} attention heatmap: rows are From words, columns are To words; the Table view lists every number`;
    setAttributeIfChanged(canvas, 'aria-label', label);
    let weights = head.weights;
    if (long) {
      weights = new Float32Array(windowRows * windowCols);
      for (let i = 0; i < windowRows; i++) weights.set(head.weights.subarray((row0 + i) * contextLen + col0, (row0 + i) * contextLen + col0 + windowCols), i * windowCols);
    }
    drawHeatmap(canvas, weights, windowRows, windowCols, { cell });
    setAxisLabels(columns, long ? contextTokens.slice(col0, col0 + windowCols) : contextTokens, cell);
    setAxisLabels(rows, long ? tokens.slice(row0, row0 + windowRows) : tokens, cell);
    longParts.hidden = !long;
    if (long) {
      const small = head.picture(PICTURE_LIMITS.overview);
      drawHeatmap(overview, small.weights, small.rows, small.cols, { cell: 1 });
      setAttributeIfChanged(overview, 'aria-label', `Overview of all ${seqLen} × ${contextLen} weights of ${head.name}` +
        (small.block > 1 ? `, each pixel the strongest of ${small.block} × ${small.block} cells` : '') + '; click to move the window');
      const scale = 1 / small.block;
      placeMark(frame, [col0 * scale, row0 * scale, Math.max(2, windowCols * scale), Math.max(2, windowRows * scale)]);
      setText(place, `${seqLen} words: the heatmap shows words ${row0 + 1}–${row0 + windowRows} (rows) and ${col0 + 1}–${col0 + windowCols} (columns). ` +
        'Lock a word, find one, or click the overview to move it.');
    }
  }

  return {
    root,
    update,
    highlight(active, locked, result) {
      if (!canvas.isConnected || !shown) return;
      // the window follows a newly locked word (one locked from anywhere: a chip, the table, the finder)
      if (locked !== lastLocked) {
        lastLocked = locked;
        if (locked !== null && (locked < shown.row0 || locked >= shown.row0 + shown.rows || (!result.cross && (locked < shown.col0 || locked >= shown.col0 + shown.cols)))) {
          windowStart = { row: centred(locked, shown.seqLen, shown.rows), col: result.cross ? shown.col0 : centred(locked, shown.contextLen, shown.cols) };
          update(...lastArgs);
        }
      }
      const { cell, row0, col0, rows: windowRows, cols: windowCols } = shown;
      const cross = result.cross;
      const row = active !== null && active >= row0 && active < row0 + windowRows ? active - row0 : null;
      const col = active !== null && !cross && active >= col0 && active < col0 + windowCols ? active - col0 : null;
      placeMark(rowMark, row !== null ? [0, row * cell, windowCols * cell, cell] : null);
      placeMark(columnMark, col !== null ? [col * cell, 0, cell, windowRows * cell] : null);
      highlightAxisLabel(rows, row);
      highlightAxisLabel(columns, col);
    },
  };
}
