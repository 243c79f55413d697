// Lines from each From word (left) to each To word (right), one colour per
// head, opacity and width by attention weight. Used by the focus panel (one
// head) and the overlay (several).
import { h } from '../draw.js';
import { headColour } from '../lab/format.js';

export function createLinesView({ highlight }) {
  let svg = null;
  return {
    /** A new drawing of `headIndices` (of result.heads); it becomes the one highlight() marks. */
    draw(result, headIndices) {
      const { tokens, seqLen, heads, contextTokens, contextLen } = result;
      const rowHeight = 22;
      const width = 420;
      const height = Math.max(seqLen, contextLen) * rowHeight + 30;
      const leftX = 150;
      const rightX = width - 150;
      svg = h('svg:svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
        'aria-label': `Lines from each From word (left) to each To word (right); line opacity is the attention weight` });
      svg.append(h('svg:text', { x: leftX, y: 14, 'text-anchor': 'end', class: 'caption' }, 'From'));
      svg.append(h('svg:text', { x: rightX, y: 14, 'text-anchor': 'start', class: 'caption' }, 'To'));
      const y = (i) => 30 + i * rowHeight + rowHeight / 2;
      for (const index of headIndices) {
        const { weights } = heads[index];
        for (let i = 0; i < seqLen; i++) {
          for (let j = 0; j < contextLen; j++) {
            const w = weights[i * contextLen + j];
            if (w < 0.02) continue;
            svg.append(h('svg:line', {
              x1: leftX + 6, y1: y(i), x2: rightX - 6, y2: y(j), stroke: headColour(index),
              'stroke-opacity': w.toFixed(3), 'stroke-width': (0.75 + 3 * w).toFixed(2), 'data-from': i, 'data-to': j, 'data-head': index,
            }));
          }
        }
      }
      const label = (word, i, x, anchor, side, interactive) => {
        const text = h('svg:text', { x, y: y(i) + 4, 'text-anchor': anchor, 'data-index': i, 'data-side': side }, word.length > 18 ? `${word.slice(0, 17)}…` : word);
        if (interactive) {
          text.addEventListener('mouseenter', () => highlight.setHover(i));
          text.addEventListener('mouseleave', () => highlight.setHover(null));
          text.addEventListener('click', () => highlight.toggleLock(i));
        }
        svg.append(text);
      };
      // In self-attention both columns are the same words and both respond; in
      // cross-attention the right column is the other sentence.
      tokens.forEach((token, i) => label(token, i, leftX, 'end', 'from', true));
      contextTokens.forEach((token, j) => label(token, j, rightX, 'start', 'to', !result.cross));
      return h('div', { class: 'lines' }, svg);
    },
    highlight(active, locked, result) {
      if (!svg || !svg.isConnected) return;
      const cross = result.cross;
      svg.querySelectorAll('line').forEach((line) => {
        const on = active === null || Number(line.dataset.from) === active || (!cross && Number(line.dataset.to) === active);
        line.setAttribute('visibility', on ? 'visible' : 'hidden');
      });
      svg.querySelectorAll('text[data-index]').forEach((text) => {
        text.classList.toggle('hot', Number(text.dataset.index) === active && (!cross || text.dataset.side === 'from'));
      });
    },
  };
}
