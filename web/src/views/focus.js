// The focus panel: the chosen head's title and evidence, the view tabs
// (Heatmap, Lines, Table, Step by step), the chosen view, and the links
// table; or, in overlay mode, every chosen head at once.
//
// The panel is kept between keystrokes: its frame (title, tabs, table
// controls, table head) is built once per view and the parts that depend on
// the sentence are patched in place, so typing changes only the words and
// numbers that changed (rebuilding it all cost more layout and paint than
// computing the attention).
import { h } from '../draw.js';
import { percent, relationEvidence } from '../lab/format.js';
import { patchParagraphs, rovingKeys, swatch } from '../lab/dom.js';
import { createHeatmapView, WINDOW_WORDS } from './heatmap.js';
import { createLinesView } from './lines.js';
import { createMatrixView } from './matrix.js';
import { createStepThroughView } from './step-through.js';
import { createOverlayView } from './overlay.js';
import { createQueryKeyMapView } from './query-key-map.js';
import { createExportMenu } from './export-menu.js';
import { createLinksTableView, tableControls } from './links-table.js';
import { afterNextFrame, offScreenLater } from '../lab/off-screen.js';

const TABS = [['heatmap', 'Heatmap'], ['lines', 'Lines'], ['table', 'Table']];

// The evidence under the title: [class, text] per paragraph.
function evidence(result, head) {
  // an earned relation is the head's label, its evidence the summary's
  const s = head.summary.shares;
  const paragraphs = [];
  if (head.heldout) {
    const t = head.heldout;
    paragraphs.push(['heldout',
      `Held-out text (${result.heldoutInfo?.predictions ? 'sentences the model never trained on' : 'unseen sentences'}): strongest link per word is the previous token ${percent(t.previous)} · itself ${percent(t.self)} · the next token ${percent(t.next)} · the first token ${percent(t.first)} · punctuation ${percent(t.punctuation)}; ` +
      `entropy ${percent(t.normalised_entropy)} of uniform. ${head.summary.evidence}.`]);
  }
  if (head.relation && !head.relation.earned) paragraphs.push(['relation', relationEvidence(head.relation)]);
  paragraphs.push(['', head.summary.cross
    ? `Strongest link is punctuation in ${percent(s.punctuation)} of rows. Mean entropy ${head.summary.meanEntropy.toFixed(2)} nats (${percent(head.summary.normalisedEntropy)} of uniform). ${head.summary.evidence}.`
    : `This sentence: previous ${percent(s.previous)} · itself ${percent(s.self)} · next ${percent(s.next)} · first ${percent(s.first)} · punctuation ${percent(s.punctuation)}. ` +
    `Mean entropy ${head.summary.meanEntropy.toFixed(2)} nats (${percent(head.summary.normalisedEntropy)} of uniform). ` +
    `${head.heldout ? `On its own this sentence would say: ${head.summary.sentenceRole}` : head.summary.sentenceEvidence}.`]);
  return paragraphs;
}

// Held-out sentences where the head does its relation: the pair's words
// marked, and the word the head's row really peaks on.
function relationExamples(store, head) {
  const examples = store.relationExamples(head);
  if (!examples.length) return null;
  return h('div', { class: 'examples' },
    h('p', { class: 'note' }, `Where ${head.name} does it (held-out sentences; the marked word attends most to the underlined one):`),
    h('ul', {}, ...examples.map((example) => h('li', {}, ...example.tokens.flatMap((token, i) => [
      i ? ' ' : '',
      i === example.from ? h('mark', {}, token) : i === example.strongest ? h('u', {}, token) : token,
    ])))));
}

export function createFocusView(context) {
  const { store, actions } = context;
  const root = h('div', { class: 'focus' });
  const heatmap = createHeatmapView(context);
  const lines = createLinesView(context);
  const matrix = createMatrixView();
  const steps = createStepThroughView(context);
  const overlay = createOverlayView({ ...context, lines });
  const queryKeyMap = createQueryKeyMapView(context);
  const exportMenu = createExportMenu(context);
  const links = createLinksTableView(context);
  // below the window while the learner types (it is the panel's last part): rewritten right after the frame
  const linksLater = offScreenLater(links.root);
  let parts = null;

  function renderFrame(result, hasTrace, frameKey, hasGeometry) {
    const state = store.state;
    // the ARIA tabs pattern: one tab stop; arrows, Home and End move and show
    const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'View' },
      ...[...TABS, ...(hasTrace ? [['steps', 'Step by step']] : []), ...(hasGeometry ? [['qk', 'Query/key map']] : [])].map(([view, label]) => h('button', {
        type: 'button', role: 'tab', 'aria-selected': String(state.view === view), 'data-view': view, tabindex: state.view === view ? '0' : '-1',
        onclick: () => actions.showView(view),
      }, label)));
    rovingKeys(tabs, () => [...tabs.querySelectorAll('[role="tab"]')], (index, tab) => actions.showView(tab.dataset.view));
    parts = { key: frameKey, title: h('h3'), titleKey: null, evidence: h('div', { class: 'evidence' }), examples: h('div'), examplesKey: null,
      view: h('div', { class: 'view-slot' }), exportSlot: h('span', { class: 'export-slot' }) };
    root.replaceChildren(h('div', { class: 'focus-head' }, parts.title, tabs, parts.exportSlot), parts.evidence, parts.examples, parts.view, tableControls(context), links.root);
  }

  return {
    root,
    views: [heatmap, lines, matrix, links, queryKeyMap],  // the ones that mark the highlighted word
    update(result, state) {
      if (state.overlay) {
        parts = null;
        const [head, ...rest] = overlay.draw(result);
        head.append(exportMenu());
        root.replaceChildren(head, ...rest);
        return;
      }
      const index = state.selectedHead;
      const head = result.heads[index];
      const hasTrace = Boolean(result.experiment?.trace);
      const hasGeometry = Boolean(result.experiment?.queryKeyGeometry);
      const frameKey = `${state.view}|${hasTrace}|${hasGeometry}|${store.topK()}|${state.threshold}`;
      const newFrame = !parts || parts.key !== frameKey;
      if (newFrame) renderFrame(result, hasTrace, frameKey, hasGeometry);
      const titleKey = `${index}\u0000${head.name}\u0000${head.summary.role}`;
      if (parts.titleKey !== titleKey) {
        parts.title.replaceChildren(swatch(index), ` ${head.name}: ${head.summary.role}`);
        parts.titleKey = titleKey;
      }
      patchParagraphs(parts.evidence, evidence(result, head));
      const examplesKey = head.relation ? `${head.layer}:${head.head}` : '';
      if (parts.examplesKey !== examplesKey) {
        parts.examplesKey = examplesKey;
        parts.examples.replaceChildren();
        // a model run per held-out sentence (~30 ms for the encoder): drawn after this frame, not before it
        const shown = parts;
        if (head.relation) {
          afterNextFrame(() => {
            if (parts === shown && shown.examplesKey === examplesKey && store.result) {
              shown.examples.replaceChildren(...[relationExamples(store, head)].filter(Boolean));
            }
          });
        }
      }
      let view;
      const longText = Math.max(result.seqLen, result.contextLen) > WINDOW_WORDS;
      if (longText && (state.view === 'lines' || state.view === 'table')) {
        view = h('p', { class: 'note long-note' }, `${state.view === 'lines' ? 'Lines' : 'The table of every weight'} ` +
          `${state.view === 'lines' ? 'are' : 'is'} drawn for texts of up to ${WINDOW_WORDS} words; this one has ${Math.max(result.seqLen, result.contextLen)}. ` +
          'The Heatmap shows all of it (an overview and a window); the table below lists the strongest links.');
      } else if (state.view === 'lines') view = lines.draw(result, [index]);
      else if (state.view === 'table') view = matrix.draw(result, head);
      else if (state.view === 'steps' && hasTrace) view = steps.draw(result, head, index);
      else if (state.view === 'qk' && hasGeometry) view = queryKeyMap.draw(result, head);
      else {
        heatmap.update(result, state, head);
        view = heatmap.root;
      }
      if (parts.view.firstChild !== view || parts.view.childNodes.length !== 1) parts.view.replaceChildren(view);
      linksLater.run((later) => {
        links.update(result, state, index);
        // the highlight controller marked the rows before these: mark them anew
        const active = state.locked ?? state.hover;
        if (later && active !== null) links.highlight(active, state.locked, result);
      }, { now: newFrame });
      // the menu reads the numbers when a button is pressed: built once per frame
      if (!parts.exportSlot.firstChild) parts.exportSlot.replaceChildren(exportMenu());
    },
    /** The links table kept for after the frame (off screen): now. */
    drawLater() {
      linksLater.flush();
    },
    clear() {
      parts = null;
      root.replaceChildren();
    },
    /** Focus the control matching `selector` inside the panel (after a redraw replaced it). */
    focus(selector) {
      root.querySelector(selector)?.focus();
    },
  };
}
