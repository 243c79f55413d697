// The trainer's runs: for each run, every head's attention on the fixed
// probe as a small heatmap card with its role scores (lit once a role meets
// the criterion), and for an encoder-decoder its untrained twin's cards.
// Cards are built once per shape and redrawn in place on every snapshot.
import { h, drawHeatmap, shortened } from '../draw.js';
import { wholePercent as percent } from '../lab/format.js';

// heatmap axis labels: probe tokens cut to this many characters (letters and symbols are one)
const TRAINER_LABEL_CHARS = 4;

export class TrainerRuns {
  constructor() {
    this.element = h('div', { class: 'runs' });
    this.shape = '';
    this.cards = [];
  }

  render(snapshot) {
    const shape = snapshot.runs.map((run) => `${run.info.layers}x${run.info.heads}x${run.evaluation.tokens.length}`).join('|');
    if (shape !== this.shape) {
      this.shape = shape;
      this.cards = [];
      this.element.replaceChildren(...snapshot.runs.map((run, r) => {
        const n = run.evaluation.tokens.length;
        const cards = [];
        const layers = [];
        const cardOf = (title) => {
          const canvas = h('canvas', { class: 'map', role: 'img' });
          // the probe's tokens along both axes (the canvas's label and the readout say it in words)
          const columns = h('div', { class: 'col-labels', 'aria-hidden': 'true' });
          const rows = h('div', { class: 'row-labels', 'aria-hidden': 'true' });
          const roles = h('ul', { class: 'roles' });
          const readout = h('p', { class: 'readout' }, ' ');
          const map = h('div', { class: 'tmap' }, h('div'), columns, rows, canvas);
          const card = h('div', { class: 'card' }, h('h4', {}, title), map, readout, roles);
          const entry = { card, canvas, columns, rows, roles, readout, n, weights: null, tokens: [], rowTokens: [] };
          // hover a cell: which position attends to which, and how strongly
          canvas.addEventListener('pointermove', (event) => {
            const box = canvas.getBoundingClientRect();
            const j = Math.floor(((event.clientX - box.left) / box.width) * entry.n);
            const i = Math.floor(((event.clientY - box.top) / box.height) * entry.n);
            if (!entry.weights || i < 0 || j < 0 || i >= entry.n || j >= entry.n) return;
            readout.textContent = run.info.cross
              ? `output ${i + 1} (writes ${entry.rowTokens[i]}) → source ${j + 1} ${entry.tokens[j]}: ${percent(entry.weights[i * entry.n + j])}`
              : `${i + 1} ${entry.tokens[i]} → ${j + 1} ${entry.tokens[j]}: ${percent(entry.weights[i * entry.n + j])}`;
          });
          canvas.addEventListener('pointerleave', () => { readout.textContent = ' '; });
          return entry;
        };
        for (let l = 0; l < run.info.layers; l++) {
          const row = [];
          for (let hd = 0; hd < run.info.heads; hd++) {
            const entry = cardOf(run.info.cross ? `Cross-attention · head ${hd + 1}` : `Layer ${l + 1} · head ${hd + 1}`);
            cards.push(entry);
            row.push(entry.card);
          }
          layers.push(h('div', { class: 'layer' }, ...row));
        }
        // an encoder-decoder: its untrained twin (the same initial weights, never trained) beside it
        cards.twin = [];
        if (run.info.cross) {
          const row = [];
          for (let hd = 0; hd < run.info.heads; hd++) {
            const entry = cardOf(`Untrained twin · head ${hd + 1}`);
            entry.card.classList.add('twin');
            cards.twin.push(entry);
            row.push(entry.card);
          }
          layers.push(h('h4', { class: 'twin-title' }, 'The untrained twin: the same start, never trained'), h('div', { class: 'layer' }, ...row));
        }
        this.cards[r] = cards;
        const probe = h('p', { class: 'probe' });
        cards.probe = probe;
        return h('section', { class: 'run' }, h('h3', {}, run.label), probe, ...layers);
      }));
    }
    snapshot.runs.forEach((run, r) => {
      const { tokens, targets, attention, roles } = run.evaluation;
      const n = tokens.length;
      const cards = this.cards[r];
      const cross = Boolean(run.info.cross);
      cards.probe.textContent = cross
        ? `Probe: the encoder reads ${tokens.join(' ')}   →   the decoder should write: ${targets.join(' ')}   (rows: output positions, labelled by the letter each should write; columns: source letters)`
        : `Probe: ${tokens.join(' ')}   →   answers: ${targets.map((t) => t || '·').join(' ')}`;
      // the same probe for every head of this run: its axis labels once
      const cell = n > 12 ? 8 : 10;
      const labelsOf = (list) => list.map((token) => shortened(token, TRAINER_LABEL_CHARS)).join('\n');
      const columnLabels = labelsOf(tokens);
      const rowTokens = cross ? run.evaluation.rowTokens : tokens;
      const rowLabels = labelsOf(rowTokens);
      const upright = tokens.every((token) => Array.from(token).length === 1);
      const draw = (entry, weights, role, twin) => {
        const { card, canvas, columns, rows, roles: list } = entry;
        entry.weights = weights;
        entry.tokens = tokens;
        entry.rowTokens = rowTokens;
        drawHeatmap(canvas, weights, n, n, { cell });
        for (const [axis, labels] of [[columns, columnLabels], [rows, rowLabels]]) {
          if (axis.textContent !== labels) axis.textContent = labels;
          if (axis.style.lineHeight !== `${cell}px`) Object.assign(axis.style, { lineHeight: `${cell}px`, fontSize: `${cell}px` });
        }
        columns.classList.toggle('upright', upright);
        const best = role.best >= 0 ? run.info.roles[role.best] : null;
        card.classList.toggle('lit', best !== null);
        const who = twin ? `Untrained twin head ${role.head + 1}` : cross ? `Cross-attention head ${role.head + 1}` : `Layer ${role.layer + 1} head ${role.head + 1}`;
        canvas.setAttribute('aria-label', `${who} on the probe: ${best ? `${best} head` : 'no role yet'}`);
        list.replaceChildren(...run.info.roles.map((name, k) => h('li', { class: role.scores[k] >= run.info.threshold ? 'met' : '' },
          h('span', { class: 'mark', 'aria-hidden': 'true' }, role.scores[k] >= run.info.threshold ? '●' : '○'),
          `${name} ${percent(role.scores[k])}`)));
      };
      roles.forEach((role, index) => draw(cards[index], attention.subarray(index * n * n, (index + 1) * n * n), role, false));
      if (cross) {
        run.evaluation.twinRoles.forEach((role, index) =>
          draw(cards.twin[index], run.evaluation.twinAttention.subarray(index * n * n, (index + 1) * n * n), role, true));
      }
    });
  }
}
