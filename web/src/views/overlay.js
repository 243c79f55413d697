// All heads overlaid: every cell shows the head that attends most there, in
// its colour (Okabe-Ito, readable with colour-vision deficiencies) and as
// strong as its weight, with the head's number when the cell has room; the
// words label both axes; the checkboxes are the legend and choose the heads.
import { h } from '../draw.js';
import { percent } from '../lab/format.js';
import { drawOverlay, setAxisLabels, swatch } from '../lab/dom.js';
import { heatmapCell, WINDOW_WORDS } from './heatmap.js';

export function createOverlayView({ store, highlight, tooltip, actions, lines }) {
  return {
    draw(result) {
      const { heads, seqLen, tokens, contextTokens, contextLen } = result;
      const enabled = store.state.overlay;
      const number = (index) => String(heads[index].head + 1);
      const toggles = h('div', { class: 'overlay-toggles', role: 'group', 'aria-label': 'Heads shown in the overlay (the legend)' },
        ...heads.map((head, index) => {
          const box = h('input', { type: 'checkbox', checked: enabled.has(index), 'data-head': index });
          box.addEventListener('change', () => actions.toggleOverlayHead(index, box.checked));
          return h('label', {}, box, swatch(index), h('span', { class: 'head-number' }, number(index)), ` ${head.name}`);
        }));
      const intro = [h('div', { class: 'focus-head' }, h('h3', {}, 'All heads overlaid')), toggles];
      if (Math.max(seqLen, contextLen) > WINDOW_WORDS) {
        return [...intro, h('p', { class: 'note long-note' }, `The overlay draws texts of up to ${WINDOW_WORDS} words; this one has ${Math.max(seqLen, contextLen)}. ` +
          'Leave the overlay for one head’s heatmap, which shows the whole text in an overview and a window of it.')];
      }
      const canvas = h('canvas', { role: 'img', 'aria-label': 'All selected heads overlaid: each cell in the colour and number of the head that attends most there; rows are From words, columns are To words' });
      const cell = Math.max(14, heatmapCell(seqLen, contextLen));
      const dominant = drawOverlay(canvas, heads, [...enabled], seqLen, contextLen, cell, number);
      canvas.dataset.dominant = Array.from(dominant).join(',');
      canvas.addEventListener('mousemove', (event) => {
        const rect = canvas.getBoundingClientRect();
        const col = Math.floor(((event.clientX - rect.left) / rect.width) * contextLen);
        const row = Math.floor(((event.clientY - rect.top) / rect.height) * seqLen);
        if (row < 0 || col < 0 || row >= seqLen || col >= contextLen) return;
        const top = dominant[row * contextLen + col];
        const parts = [...enabled].sort((a, b) => a - b).map((i) => `${heads[i].name} ${percent(heads[i].weights[row * contextLen + col])}`);
        highlight.setHover(row);
        tooltip.show(event, `From “${tokens[row]}” to “${contextTokens[col]}”: ${top >= 0 ? `strongest ${heads[top].name}; ` : ''}${parts.join(', ') || 'no head selected'}`);
      });
      canvas.addEventListener('mouseleave', () => { tooltip.hide(); highlight.setHover(null); });
      const columns = h('div', { class: 'col-labels', 'aria-hidden': 'true' });
      const rows = h('div', { class: 'row-labels', 'aria-hidden': 'true' });
      setAxisLabels(columns, contextTokens, cell);
      setAxisLabels(rows, tokens, cell);
      return [
        h('div', { class: 'focus-head' }, h('h3', {}, 'All heads overlaid')),
        h('p', { class: 'evidence' }, 'Each cell shows the head that attends most from that word (row) to that word (column): its colour, its number, and how strongly (the paler, the weaker). Hover a cell for every head’s weight; the checkboxes choose the heads.'),
        toggles,
        h('div', { class: 'heat overlay-heat' }, h('div', { class: 'corner', 'aria-hidden': 'true' }, 'From ↓  To →'), columns, rows, h('div', { class: 'cells' }, canvas)),
        lines.draw(result, [...enabled].sort((a, b) => a - b)),
      ];
    },
  };
}
