// One keyboard-reachable menu (a disclosure of buttons) that saves what the
// panel shows: pictures as SVG or print-resolution PNG, and the numbers as
// CSV or JSON, exactly the engine's (lab/export.js). Everything is read when
// a button is pressed, so the menu never saves an earlier sentence.
import { h } from '../draw.js';
import { download, matricesCsv, matricesJson, pictures, pngOf, svgOf, tableCsv } from '../lab/export.js';

export function createExportMenu({ store, element }) {
  const now = () => {
    const { result, state } = store;
    const index = state.selectedHead;
    const head = result.heads[index];
    return { result, state, index, head, base: `attention-L${head.layer + 1}H${head.head + 1}`, doc: element.ownerDocument };
  };
  const picture = (name, format) => async () => {
    const { result, state, index, head, base, doc } = now();
    const shapes = pictures(result, index, state.overlay)[name]();
    const file = state.overlay ? `attention-L${head.layer + 1}-${name.replace(' ', '-')}` : `${base}-${name}`;
    if (format === 'svg') download(doc, `${file}.svg`, svgOf(shapes), 'image/svg+xml');
    else download(doc, `${file}.png`, await pngOf(shapes, doc), 'image/png');
  };
  return function exportMenu() {
    const overlay = Boolean(store.state.overlay);
    const items = [];
    for (const name of overlay ? ['overlay', 'overlay lines'] : ['heatmap', 'lines']) {
      const title = `${name[0].toUpperCase()}${name.slice(1)}`;
      items.push([`${title} as SVG`, picture(name, 'svg')], [`${title} as PNG (4x)`, picture(name, 'png')]);
    }
    if (!overlay) {
      items.push(['Links table as CSV', () => { const { index, base, doc } = now(); download(doc, `${base}-links.csv`, tableCsv(store.tableRows(index)), 'text/csv'); }]);
      items.push(['Links table as JSON', () => { const { index, base, doc } = now(); download(doc, `${base}-links.json`, `${JSON.stringify(element.getTables()[index])}\n`, 'application/json'); }]);
    }
    items.push(['Every head’s weights as CSV', () => download(now().doc, 'attention-weights.csv', matricesCsv(element.getAttention()), 'text/csv')]);
    items.push(['Every head’s weights as JSON', () => download(now().doc, 'attention-weights.json', matricesJson(element.getAttention()), 'application/json')]);
    const summary = h('summary', {}, 'Export');
    // The list drops under the button, right-aligned; where the button sits
    // nearer the widget's left edge (a narrow screen wraps it there), it is
    // left-aligned instead, else the widget's edge would cut it off.
    summary.addEventListener('click', () => {
      const button = summary.getBoundingClientRect();
      const frame = (menu.closest('.lab') ?? menu.parentElement ?? menu).getBoundingClientRect();
      menu.classList.toggle('from-left', button.right - frame.left < frame.right - button.left);
    });
    const menu = h('details', { class: 'export-menu' }, summary,
      h('ul', { role: 'list' }, items.map(([text, run]) => h('li', {}, h('button', { type: 'button', class: 'chip', onclick: () => {
        run();
        menu.open = false;  // a chosen item closes the menu, and focus returns to it
        summary.focus();
      } }, text)))));
    return menu;
  };
}
