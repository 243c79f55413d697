// <attention-trainer>: trains a small transformer live (in a Web Worker) on a
// task whose right attention pattern is known, and shows the loss falling,
// every head's attention on a fixed probe sequence, and each head's measured
// role lighting up once it meets the criterion. Optionally trains 1 head of
// the same width side by side, from the same seed (same data, same initial
// matrices), so the benefit of several heads is measured, not asserted.
//
// Attributes: task (copy-previous), heads (4), d-model (32), layers (task
//             default), blocks (task default; "attention-only" or "mlp"),
//             learning-rate (0.003), seed (1), compare (boolean).
// JS API:     el.ready, el.train(), el.pause(), el.step(), el.reset(),
//             el.state, 'attention-trainer-update' event after every snapshot.
import { h, legend } from './draw.js';
import { grouped, headColour, nats, wholePercent as percent } from './lab/format.js';
import { STYLES, TRAINER_STYLES, adoptStyles } from './styles.js';
import { connectTrainer } from './trainer-client.js';
import { MAX_STEPS } from './training-loop.js';
import { lossChart } from './views/loss-chart.js';
import { TrainerRuns } from './views/trainer-runs.js';


const DEFAULTS = { task: 'copy-previous', heads: 4, dModel: 32, layers: 0, learningRate: 0.003, seed: 1 };
const HEADS = [1, 2, 4, 8];
const WIDTHS = [16, 32, 64];
const RATES = [0.001, 0.003, 0.01, 0.03];
const BLOCKS = ['', 'mlp', 'attention-only'];  // '' = the task's default
const BLOCK_NAMES = { '': 'task default', mlp: 'attention + MLP', 'attention-only': 'attention only' };
const RUN_COLOURS = [headColour(0), headColour(1)];
const SMOOTHING = 0.05;  // exponential moving average of the batch losses

function whole(value, fallback) {
  if (value === null || value === undefined || value === '') return fallback;
  const number = Number(value);
  return Number.isInteger(number) ? number : fallback;
}

function select(name, label, values, describe = String) {
  return h('label', { class: 'control' }, label,
    h('select', { name }, ...values.map((value) => h('option', { value: String(value) }, describe(value)))));
}

export class AttentionTrainerElement extends HTMLElement {
  static get observedAttributes() { return ['task', 'heads', 'd-model', 'layers', 'blocks', 'learning-rate', 'seed', 'compare']; }

  adoptedCallback() {
    adoptStyles(this.shadowRoot, this.ownerDocument.defaultView ?? globalThis, STYLES, TRAINER_STYLES);
  }

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    adoptStyles(root, this.ownerDocument.defaultView ?? globalThis, STYLES, TRAINER_STYLES);
    this._history = [];  // per run: { smoothed: [[step, loss]], evaluations: [[step, loss]], last }
    this._snapshot = null;
    this._tasks = [];
    this._running = false;
    this._connection = null;
    this._queue = [];  // commands sent before the connection is up
    this._build(root);
    this.ready = new Promise((resolve, reject) => {
      this._resolveReady = resolve;
      this._rejectReady = reject;
    });
    this.ready.catch(() => {});
  }

  connectedCallback() {
    // The trainer (its own ~650 KB bundle) starts only when the widget comes
    // near the viewport: a page with trainers further down loads as fast as one without.
    if (this._connecting || this._observer) return;
    if (typeof IntersectionObserver !== 'function') {
      this._connect();
      return;
    }
    this._observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        this._observer.disconnect();
        this._observer = null;
        this._connect();
      }
    }, { rootMargin: '300px' });
    this._observer.observe(this);
  }

  _connect() {
    this._status.textContent = 'Loading the trainer…';
    const attempt = connectTrainer((message) => this._receive(message)).then((connection) => {
      if (this._connecting !== attempt) {  // removed from the page meanwhile
        connection.close();
        return;
      }
      this._connection = connection;
      for (const command of this._queue.splice(0)) connection.send(command);
      this._mode.textContent = connection.mode === 'worker' ? 'trains in a Web Worker' : 'trains on this page';
    }, (error) => {
      this._showError(error.message);
      this._rejectReady(error);
    });
    this._connecting = attempt;
  }

  disconnectedCallback() {
    if (this._observer) this._observer.disconnect();
    this._observer = null;
    if (this._connection) this._connection.close();
    this._connection = null;
    this._connecting = null;
    this._queue = [];
    this._setRunning(false);
  }

  attributeChangedCallback() {
    if (!this._tasks.length) return;
    this._readAttributes();
    this._configure();
  }

  // ---- public API ---------------------------------------------------------
  train() { this._send({ type: 'start' }); this._setRunning(true); }
  pause() { this._send({ type: 'pause' }); this._setRunning(false); }
  step() { this._send({ type: 'step' }); this._setRunning(false); }
  reset() { this._send({ type: 'reset' }); }
  /** { mode, running, step, runs: [{ label, heads, headDim, attentionOnly, loss, targetLoss, chanceLoss, reachedAt, litAt, roles, cross?, twinRoles? }] } */
  get state() {
    const snapshot = this._snapshot;
    return {
      mode: this._connection ? this._connection.mode : null,
      running: this._running,
      step: snapshot && snapshot.runs.length ? snapshot.runs[0].evaluation.step : 0,
      runs: snapshot ? snapshot.runs.map((run) => ({
        label: run.label, heads: run.info.heads, headDim: run.info.headDim, attentionOnly: run.info.attentionOnly,
        loss: run.evaluation.loss, targetLoss: run.info.targetLoss, chanceLoss: run.info.chanceLoss, reachedAt: run.reachedAt,
        litAt: structuredClone(run.litAt ?? {}),
        roles: run.evaluation.roles.map((role) => ({ layer: role.layer, head: role.head, best: role.best,
          role: role.best >= 0 ? run.info.roles[role.best] : null, scores: [...role.scores] })),
        ...(run.info.cross ? { cross: true, twinRoles: run.evaluation.twinRoles.map((role) => ({ head: role.head, best: role.best, scores: [...role.scores] })) } : {}),
      })) : [],
    };
  }

  // ---- view ---------------------------------------------------------------
  _build(root) {
    this._taskSelect = h('select', { name: 'task' });
    this._description = h('p', { class: 'note' });
    this._seed = h('input', { type: 'number', name: 'seed', min: '0', max: '2147483647', step: '1', value: '1', inputmode: 'numeric' });
    this._compare = h('input', { type: 'checkbox', name: 'compare' });
    const heads = select('heads', 'Heads', HEADS);
    const width = select('d-model', 'd_model', WIDTHS);
    const layers = select('layers', 'Layers', [0, 1, 2], (v) => (v === 0 ? 'task default' : String(v)));
    const blocks = select('blocks', 'Blocks', BLOCKS, (v) => BLOCK_NAMES[v]);
    const rate = select('learning-rate', 'Learning rate', RATES);
    this._selects = { heads: heads.lastChild, dModel: width.lastChild, layers: layers.lastChild, blocks: blocks.lastChild, learningRate: rate.lastChild };
    this._trainButton = h('button', { type: 'button', class: 'primary', onclick: () => (this._running ? this.pause() : this.train()) }, 'Train');
    this._stepButton = h('button', { type: 'button', onclick: () => this.step() }, 'Step');
    this._resetButton = h('button', { type: 'button', onclick: () => this._configure() }, 'Reset');
    this._status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' }, 'The trainer loads when this part of the page is in view.');
    this._error = h('p', { class: 'error', role: 'alert', hidden: true });
    this._mode = h('span', { class: 'badge' }, 'starting');
    this._chart = h('div', { class: 'chart' });
    this._runs = new TrainerRuns();
    this._criteria = h('p', { class: 'note' });
    for (const control of [this._taskSelect, this._seed, this._compare, heads.lastChild, width.lastChild, layers.lastChild, blocks.lastChild]) {
      control.addEventListener('change', () => this._configure());
    }
    rate.lastChild.addEventListener('change', () => this._send({ type: 'learning-rate', learningRate: Number(rate.lastChild.value) }));
    this._controls = [this._taskSelect, this._seed, this._compare, heads.lastChild, width.lastChild, layers.lastChild, blocks.lastChild, rate.lastChild,
      this._trainButton, this._stepButton, this._resetButton];
    for (const control of this._controls) control.disabled = true;
    root.append(h('div', { class: 'lab trainer' },
      h('div', { class: 'top' }, h('h2', {}, 'Watch heads specialise'), this._mode),
      h('div', { class: 'controls' },
        h('label', { class: 'control' }, 'Task', this._taskSelect), heads, width, layers, blocks, rate,
        h('label', { class: 'control' }, 'Seed', this._seed),
        h('label', { class: 'control check' }, this._compare, 'Compare with 1 head of the same width')),
      this._description,
      h('div', { class: 'buttons' }, this._trainButton, this._stepButton, this._resetButton),
      this._status, this._error, this._chart, this._runs.element, legend(), this._criteria));
  }

  _readAttributes() {
    const task = this.getAttribute('task') || DEFAULTS.task;
    this._taskSelect.value = this._tasks.some((t) => t.id === task) ? task : DEFAULTS.task;
    const pick = (element, value, allowed, fallback) => { element.value = String(allowed.includes(value) ? value : fallback); };
    pick(this._selects.heads, whole(this.getAttribute('heads'), DEFAULTS.heads), HEADS, DEFAULTS.heads);
    pick(this._selects.dModel, whole(this.getAttribute('d-model'), DEFAULTS.dModel), WIDTHS, DEFAULTS.dModel);
    pick(this._selects.layers, whole(this.getAttribute('layers'), DEFAULTS.layers), [0, 1, 2], DEFAULTS.layers);
    pick(this._selects.blocks, this.getAttribute('blocks') ?? '', BLOCKS, '');
    pick(this._selects.learningRate, Number(this.getAttribute('learning-rate') ?? DEFAULTS.learningRate), RATES, DEFAULTS.learningRate);
    const seed = whole(this.getAttribute('seed'), DEFAULTS.seed);
    this._seed.value = String(seed >= 0 ? seed : DEFAULTS.seed);
    this._compare.checked = this.hasAttribute('compare');
  }

  _options() {
    const seed = whole(this._seed.value, NaN);
    return {
      task: this._taskSelect.value,
      heads: Number(this._selects.heads.value),
      dModel: Number(this._selects.dModel.value),
      layers: Number(this._selects.layers.value),
      ...(this._selects.blocks.value ? { attentionOnly: this._selects.blocks.value === 'attention-only' } : {}),
      learningRate: Number(this._selects.learningRate.value),
      seed: Number.isInteger(seed) && seed >= 0 && seed <= 2147483647 ? seed : NaN,
      compare: this._compare.checked,
    };
  }

  _configure() {
    const options = this._options();
    const task = this._tasks.find((t) => t.id === options.task);
    this._description.textContent = task ? task.description : '';
    if (Number.isNaN(options.seed)) {
      this._showError('The seed must be a whole number from 0 to 2147483647.');
      return;
    }
    if (options.heads > options.dModel) {
      this._showError(`${options.heads} heads need d_model of at least ${options.heads}.`);
      return;
    }
    this._showError('');
    const wasRunning = this._running;
    this._send({ type: 'configure', options });
    if (wasRunning) this._send({ type: 'start' });
  }

  _send(command) {
    if (this._connection) this._connection.send(command);
    else this._queue.push(command);
  }

  _setRunning(running) {
    this._running = running;
    this._trainButton.textContent = running ? 'Pause' : 'Train';
    this._trainButton.setAttribute('aria-pressed', String(running));
  }

  _showError(message) {
    this._error.textContent = message;
    this._error.hidden = !message;
  }

  _receive(message) {
    if (!message || typeof message !== 'object') return;
    if (message.type === 'ready') {
      this._tasks = message.tasks;
      this._taskSelect.replaceChildren(...this._tasks.map((task) => h('option', { value: task.id }, task.title)));
      for (const control of this._controls) control.disabled = false;
      this._readAttributes();
      this._configure();
    } else if (message.type === 'error') {
      this._showError(message.message);
      this._setRunning(false);
    } else if (message.type === 'snapshot') {
      this._take(message.snapshot);
    }
  }

  _take(snapshot) {
    if (snapshot.reset) this._history = snapshot.runs.map(() => ({ smoothed: [], evaluations: [], last: null }));
    snapshot.runs.forEach((run, index) => {
      const history = this._history[index];
      let step = run.evaluation.step - run.losses.length;
      for (const loss of run.losses) {
        step += 1;
        history.last = history.last === null ? loss : (1 - SMOOTHING) * history.last + SMOOTHING * loss;
        history.smoothed.push([step, history.last]);
      }
      const evaluations = history.evaluations;
      if (!evaluations.length || evaluations[evaluations.length - 1][0] !== run.evaluation.step) evaluations.push([run.evaluation.step, run.evaluation.loss]);
    });
    if (!snapshot.running && this._running && !snapshot.reset) this._setRunning(false);
    this._snapshot = snapshot;
    if (this._resolveReady) {
      this._resolveReady(this);
      this._resolveReady = null;
    }
    this._render();
    this.dispatchEvent(new CustomEvent('attention-trainer-update', { detail: this.state }));
  }

  _render() {
    const snapshot = this._snapshot;
    const first = snapshot.runs[0];
    const parts = [`Step ${first.evaluation.step}`];
    for (const run of snapshot.runs) {
      const reached = run.reachedAt ? `, target reached at step ${run.reachedAt.step} after ${run.reachedAt.seconds.toFixed(1)} s of training` : '';
      const lit = Object.entries(run.litAt ?? {}).map(([role, at]) => `, ${role} head (layer ${at.layer + 1}, head ${at.head + 1}) from step ${at.step} (${at.seconds.toFixed(1)} s)`).join('');
      const speed = run.stepMs ? `, ${run.stepMs.toFixed(1)} ms a step` : '';
      const blocks = run.info.attentionOnly ? ', attention only' : '';
      parts.push(`${run.label}${blocks}: held-out loss ${nats(run.evaluation.loss)} (target ${run.info.targetLoss.toFixed(2)})${reached}${lit}${speed}`);
    }
    const stopped = !snapshot.running && first.evaluation.step >= MAX_STEPS;
    this._status.textContent = `${parts.join(' · ')}.${stopped ? ` Stopped after ${grouped(MAX_STEPS)} steps; Reset to start again.` : ''}`;
    this._chart.replaceChildren(lossChart(snapshot, this._history, RUN_COLOURS, this._chart.clientWidth));
    this._runs.render(snapshot);
    const task = this._tasks.find((t) => t.id === snapshot.options.task);
    this._criteria.textContent = `A head earns a role when, on ${task && task.id === 'text' ? 'held-out sentences' : 'a fixed evaluation set of sequences'}, ` +
      `its strongest attention falls on the role's position in at least ${percent(first.info.threshold)} of the rows where that position exists. ` +
      `Heatmaps: rows attend from, columns attend to, on the probe sequence shown above them.`;
  }
}

export function defineAttentionTrainer(name = 'attention-trainer') {
  if (!customElements.get(name)) customElements.define(name, AttentionTrainerElement);
}
