// The heatmap's numbers as a table: every From/To pair, readable by screen readers.
import { h } from '../draw.js';
import { percent } from '../lab/format.js';

export function createMatrixView() {
  let table = null;
  return {
    draw(result, head) {
      const { tokens, seqLen, contextTokens, contextLen } = result;
      const rows = [];
      for (let i = 0; i < seqLen; i++) {
        const cells = [h('th', { scope: 'row', 'data-index': i }, tokens[i])];
        for (let j = 0; j < contextLen; j++) {
          const weight = head.weights[i * contextLen + j];
          cells.push(h('td', { 'aria-label': `From '${tokens[i]}' to '${contextTokens[j]}': ${percent(weight)}`, 'data-from': i, 'data-to': j }, percent(weight)));
        }
        rows.push(h('tr', {}, ...cells));
      }
      table = h('table', { class: 'matrix' },
        h('caption', {}, `${head.name}: attention from each word (rows) to each word (columns)`),
        h('thead', {}, h('tr', {}, h('td', {}), ...contextTokens.map((t, j) => h('th', { scope: 'col', 'data-index': j, 'data-side': 'to' }, t)))),
        h('tbody', {}, ...rows));
      return h('div', { class: 'matrix-wrap', tabindex: '0', role: 'region', 'aria-label': `${head.name}: every attention weight` }, table);
    },
    highlight(active, locked, result) {
      if (!table || !table.isConnected) return;
      // in cross-attention the To side is the other sentence: an index there is a different word
      const selector = result.cross ? 'th[scope="row"]' : 'th[data-index]';
      table.querySelectorAll(selector).forEach((cell) => {
        cell.classList.toggle('hot', Number(cell.dataset.index) === active);
      });
    },
  };
}
