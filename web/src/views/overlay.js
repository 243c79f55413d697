// All heads overlaid: each chosen head paints its weights in its own colour,
// with their lines beside; checkboxes choose the heads.
import { h } from '../draw.js';
import { percent } from '../lab/format.js';
import { drawOverlay, swatch } from '../lab/dom.js';
import { heatmapCell } from './heatmap.js';

export function createOverlayView({ store, highlight, tooltip, actions, lines }) {
  return {
    draw(result) {
      const { heads, seqLen, tokens, contextTokens, contextLen } = result;
      const enabled = store.state.overlay;
      const toggles = h('div', { class: 'overlay-toggles', role: 'group', 'aria-label': 'Heads shown in the overlay' },
        ...heads.map((head, index) => {
          const box = h('input', { type: 'checkbox', checked: enabled.has(index), 'data-head': index });
          box.addEventListener('change', () => actions.toggleOverlayHead(index, box.checked));
          return h('label', {}, box, swatch(index), head.name);
        }));
      const canvas = h('canvas', { role: 'img', 'aria-label': 'All selected heads overlaid, one colour per head; rows are From words, columns are To words' });
      drawOverlay(canvas, heads, [...enabled], seqLen, contextLen, heatmapCell(seqLen, contextLen));
      canvas.addEventListener('mousemove', (event) => {
        const rect = canvas.getBoundingClientRect();
        const col = Math.floor(((event.clientX - rect.left) / rect.width) * contextLen);
        const row = Math.floor(((event.clientY - rect.top) / rect.height) * seqLen);
        if (row < 0 || col < 0 || row >= seqLen || col >= contextLen) return;
        const parts = [...enabled].sort((a, b) => a - b).map((i) => `${heads[i].name} ${percent(heads[i].weights[row * contextLen + col])}`);
        highlight.setHover(row);
        tooltip.show(event, `From “${tokens[row]}” to “${contextTokens[col]}”: ${parts.join(', ') || 'no head selected'}`);
      });
      canvas.addEventListener('mouseleave', () => { tooltip.hide(); highlight.setHover(null); });
      return [
        h('div', { class: 'focus-head' }, h('h3', {}, 'All heads overlaid')),
        h('p', { class: 'evidence' }, 'Each head paints its weights in its own colour; where heads agree, colours mix and darken. Toggle heads to compare them.'),
        toggles, h('div', { class: 'heat' }, canvas), lines.draw(result, [...enabled].sort((a, b) => a - b)),
      ];
    },
  };
}
