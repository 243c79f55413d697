// The "From Word / To Word / Attention Strength" table of one head: its
// strongest links (top-k, a threshold), sortable by any column.
import { h } from '../draw.js';
import { percent } from '../lab/format.js';
import { fillWidth, patchKeyed, setAttributeIfChanged, setData, setText } from '../lab/dom.js';

export function createLinksTableView({ store, actions }) {
  const sortable = (key, label) => h('th', { scope: 'col', 'data-sort-key': key },
    h('button', { type: 'button', 'data-sort': key, onclick: () => actions.sortTable(key) }, label));
  const caption = h('caption');
  const headings = [sortable('from', 'From Word'), sortable('to', 'To Word'), sortable('strength', 'Attention Strength')];
  const body = h('tbody');
  const table = h('table', { class: 'links' }, caption, h('thead', {}, h('tr', {}, ...headings)), body);

  return {
    root: table,
    // Rows are keyed by what they show: only rows whose words or numbers
    // changed are rebuilt.
    update(result, state, headIndex) {
      const head = result.heads[headIndex];
      const captionText = `${head.name}: strongest links`;
      if (caption.textContent !== captionText) caption.textContent = captionText;
      for (const th of headings) {
        const sort = state.sort.key === th.dataset.sortKey ? state.sort.direction : 'none';
        setAttributeIfChanged(th, 'aria-sort', sort);
      }
      const rows = store.tableRows(headIndex).map((link) => {
        const self = !result.cross && link.toIndex === link.fromIndex;
        const strength = percent(link.strength);
        const label = `From '${link.from}' to '${link.to}': ${strength}`;
        return {
          key: `${link.fromIndex}\u0000${link.toIndex}\u0000${link.from}\u0000${link.to}\u0000${strength}\u0000${fillWidth(link.strength)}`,
          // rows with the same cells are rewritten in place (typing shifts most
          // strengths a little; rebuilding every row cost a layout of each)
          shape: `link ${self} ${result.cross}`,
          build: () => h('tr', {},
            h('td', {}, h('span', { class: 'pos', 'aria-hidden': 'true' }), link.from, h('span', { class: 'sr-only' })),
            h('td', {}, result.cross ? null : h('span', { class: 'pos', 'aria-hidden': 'true' }), link.to, h('span', { class: 'sr-only' }), self ? h('span', { class: 'self' }, ' (itself)') : null),
            h('td', { class: 'strength' },
              h('div', { class: 'bar', 'aria-hidden': 'true' }, h('div', { class: 'track' }, h('div', { class: 'fill' })), h('span', { class: 'pct' })))),
          // only what changed is written
          update: (row) => {
            setData(row, 'from', link.fromIndex);
            setData(row, 'to', link.toIndex);
            const [fromCell, toCell, strengthCell] = row.cells;
            // repeated words must not look alike: each cell shows its position before the word
            // (hidden from screen readers, which hear it in the words after it). A text, not
            // CSS ::before content: a new attr() value rebuilt each cell's layout (and the table's)
            setText(fromCell.childNodes[0], String(link.fromIndex + 1));
            setText(fromCell.childNodes[1], link.from);
            setText(fromCell.lastChild, ` (word ${link.fromIndex + 1})`);
            if (result.cross) {
              setText(toCell.childNodes[0], link.to);
            } else {
              setText(toCell.childNodes[0], String(link.toIndex + 1));
              setText(toCell.childNodes[1], link.to);
              setText(toCell.children[1], self ? '' : ` (word ${link.toIndex + 1})`);
            }
            setAttributeIfChanged(strengthCell, 'aria-label', label);
            const fill = strengthCell.querySelector('.fill');
            const width = fillWidth(link.strength);
            if (fill.style.width !== width) fill.style.width = width;
            setText(strengthCell.querySelector('.pct'), strength);
          },
        };
      });
      if (rows.length === 0) {
        const text = `No link of ${head.name} reaches ${percent(state.threshold)}.`;
        rows.push({ key: `none\u0000${text}`, build: () => h('tr', {}, h('td', { colspan: 3 }, text)) });
      }
      patchKeyed(body, rows);
    },
    highlight(active, locked, result) {
      if (!table.isConnected) return;
      const cross = result.cross;
      body.querySelectorAll('tr[data-from]').forEach((row) => {
        row.classList.toggle('hot', active !== null && (Number(row.dataset.from) === active || (!cross && Number(row.dataset.to) === active)));
      });
    },
  };
}

// The controls above the table: how many links, and the smallest strength listed.
export function tableControls({ store, actions }) {
  const topK = store.topK();
  const select = h('select', { class: 'top-k', 'aria-label': 'How many links to list' },
    ...[5, 8, 10, 20, 50].map((k) => h('option', { value: k, selected: k === topK }, `top ${k}`)),
    h('option', { value: 100000, selected: topK >= 100000 }, 'all'));
  select.addEventListener('change', () => actions.setTableOption({ topK: Number(select.value) }, '.controls select.top-k'));
  const threshold = h('select', { 'aria-label': 'Smallest attention strength to list' },
    ...[0, 0.05, 0.1, 0.25, 0.5].map((t) => h('option', { value: t, selected: t === store.state.threshold }, t ? `≥ ${t * 100}%` : 'any strength')));
  threshold.addEventListener('change', () => actions.setTableOption({ threshold: Number(threshold.value) }, '.controls select.threshold'));
  threshold.classList.add('threshold');
  return h('div', { class: 'controls' }, h('label', {}, 'Show', select), h('label', {}, 'with', threshold),
    h('span', {}, 'Click a column heading to sort.'));
}
