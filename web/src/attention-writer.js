// <attention-writer>: a small causal language model writes word by word, and
// the learner watches which earlier words each new word attends to, in every
// head, and how likely the alternatives were. One tag for a course page:
//
//   <attention-writer prompt="Once upon a time" words="20"></attention-writer>
//
// Attributes: prompt, words (per Generate, default 20), temperature (0 =
//             greedy), top-k (0 = every word), seed (sampling; the same seed
//             writes the same words in any browser and natively).
// JS API:     el.generate(count?) (Promise), el.step(), el.stop(), el.rewind(length),
//             el.getSteps() (every word with its bars and attention rows as data),
//             el.getInduction() (the induction test's numbers, after "Repeat a random sequence"),
//             el.ready (Promise: the model is loaded and the prompt read; the model
//             loads when the element nears the viewport, when the page is idle, or
//             on el.generate(), whichever comes first).
//
// The numbers come from the C++ writer (model/generation.h, a key/value
// cache: a step costs O(prefix)); lab/writer-store.js is the only module
// here that calls the engine.
import { h } from './draw.js';
import { STYLES, adoptStyles } from './styles.js';
import { setText } from './lab/dom.js';
import { HighlightController } from './lab/highlight.js';
import { WriterStore, WRITER_DEFAULTS } from './lab/writer-store.js';
import { createWriterTextView } from './views/writer-text.js';
import { createWriterBarsView } from './views/writer-bars.js';
import { createWriterAttentionView } from './views/writer-attention.js';
import { createWriterInductionView } from './views/writer-induction.js';
import { whenWanted } from './when-wanted.js';

const OBSERVED = ['prompt', 'words', 'temperature', 'top-k', 'seed'];

function number(value, fallback, { min, max, whole }) {
  if (value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max || (whole && !Number.isInteger(n))) return null;
  return n;
}

export class AttentionWriterElement extends HTMLElement {
  static get observedAttributes() { return OBSERVED; }

  constructor() {
    super();
    this._shadow = this.attachShadow({ mode: 'open' });
    adoptStyles(this._shadow, this.ownerDocument.defaultView ?? globalThis, STYLES);
    this._store = new WriterStore({ render: () => this._render(), showStatus: (message, kind) => this._showStatus(message, kind) });
    // the highlight controller reads state.hover / state.locked and needs a result to mark
    this._highlightState = { state: { hover: null, locked: null }, get result() { return true; } };
    this._highlight = new HighlightController(this._highlightState);
    this._build();
    this.ready = new Promise((resolve) => { this._resolveReady = resolve; });
  }

  connectedCallback() {
    if (!this._prompt.value) this._prompt.value = this.getAttribute('prompt') ?? WRITER_DEFAULTS.prompt;
    if (this._started) this._restart();
    else this._startWhenWanted();
  }

  // The writer's model is a 5 MB script to decode: it is loaded when wanted
  // (near the viewport, the page idle, or a script asking it to write).
  _startWhenWanted() {
    const wanted = whenWanted(this, () => { if (!this._started) this._restart(); });
    this._startNow = wanted.now;
  }

  disconnectedCallback() {
    this._store.dispose();
  }

  adoptedCallback() {
    adoptStyles(this._shadow, this.ownerDocument.defaultView ?? globalThis, STYLES);
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (oldValue === newValue || !this._prompt) return;
    if (name === 'prompt') this._prompt.value = newValue ?? '';
    if (this.isConnected && this._started) this._restart();
  }

  // ---- public API ---------------------------------------------------------
  async generate(count) {
    this._startNow?.();
    await this.ready;
    return this._store.generate(count);
  }
  step() { this._store.step(); this._render(); }
  stop() { this._store.stop(); this._render(); }
  rewind(length) { this._store.rewind(length); this._render(); }
  /** Every word so far: { word, token, position, prompt, probability, next: [{ word, id, probability }], attention: Float32Array }. */
  getSteps() {
    return this._store.steps.map((step) => ({ ...step, attention: step.attention.slice(), next: step.next ? step.next.map((bar) => ({ ...bar })) : null }));
  }
  get config() { return this._store.config; }
  getInduction() { return this._store.induction ? structuredClone(this._store.induction) : null; }

  // ---- inside -----------------------------------------------------------------
  _settings() {
    const problems = [];
    const read = (name, fallback, limits) => {
      const value = number(this.getAttribute(name), fallback, limits);
      if (value === null) {
        problems.push(`${name} must be ${limits.whole ? 'a whole number' : 'a number'} from ${limits.min} to ${limits.max} (got "${this.getAttribute(name)}")`);
        return fallback;
      }
      return value;
    };
    const settings = {
      words: read('words', WRITER_DEFAULTS.words, { min: 1, max: 127, whole: true }),
      temperature: read('temperature', WRITER_DEFAULTS.temperature, { min: 0, max: 10 }),
      topK: read('top-k', WRITER_DEFAULTS.topK, { min: 0, max: 100000, whole: true }),
      seed: read('seed', WRITER_DEFAULTS.seed, { min: 0, max: Number.MAX_SAFE_INTEGER, whole: true }),
    };
    return { settings, problems };
  }

  async _restart() {
    this._started = true;
    const { settings, problems } = this._settings();
    Object.assign(this._store.settings, settings, { prompt: this._prompt.value });
    this._temperature.value = String(this._store.settings.temperature);
    setText(this._temperatureOut, this._temperatureText());
    this._topK.value = String(this._store.settings.topK);
    this._seed.value = String(this._store.settings.seed);
    await this._store.restart();
    if (problems.length) this._showStatus(problems.join('; '), 'error');
    this._resolveReady(this);
  }

  _temperatureText() {
    const t = this._store.settings.temperature;
    return t === 0 ? 'greedy (T = 0)' : `T = ${Number(t.toFixed(2))}`;
  }

  _build() {
    const store = this._store;
    const highlight = this._highlight;
    const tooltipBox = h('div', { class: 'tooltip', role: 'presentation' });
    const tooltip = {
      show: (event, text) => {
        const box = this._root.getBoundingClientRect();
        tooltipBox.textContent = text;
        tooltipBox.style.display = 'block';
        tooltipBox.style.left = `${Math.min(event.clientX - box.left + 12, box.width - 40)}px`;
        tooltipBox.style.top = `${event.clientY - box.top + 14}px`;
      },
      hide: () => { tooltipBox.style.display = 'none'; },
    };
    const actions = {
      select: (index) => { store.selected = index; this._render(); },
      selectHead: (index) => { store.head = index; this._render(); },
      setView: (id) => { this._views.attention.setView(id); this._render(); },
      induction: async () => {
        this._inductionSeed = (this._inductionSeed ?? 0) + 1;
        try {
          const result = await store.inductionTest(this._inductionSeed);
          await store.startWithIds(result.example, result.exampleWords);
          // show the head with the highest score, so its stripe is what the learner sees
          store.head = result.prefixMatching.reduce((best, score, i, all) => (score > all[best] ? i : best), 0);
        } catch (error) {
          this._showStatus(error instanceof Error ? error.message : String(error), 'error');
        }
        this._render();
      },
      replace: (index, token) => {
        try { store.replace(index, token); } catch (error) { this._showStatus(error.message, 'error'); }
        this._render();
      },
    };
    const context = { store, highlight, tooltip, actions };
    this._views = {
      text: createWriterTextView(context),
      bars: createWriterBarsView(context),
      attention: createWriterAttentionView(context),
      induction: createWriterInductionView(context),
    };
    highlight.register(this._views.text);
    highlight.register(this._views.attention);

    this._prompt = h('input', { type: 'text', 'aria-label': 'Prompt for the model to continue', maxlength: 2000 });
    this._prompt.addEventListener('keydown', (event) => { if (event.key === 'Enter') this._restart().then(() => this._store.generate()); });
    const button = (text, onclick, label) => h('button', { type: 'button', class: 'action', onclick, 'aria-label': label ?? text }, text);
    this._generate = button('Generate', () => this._restartIfPromptChanged().then(() => store.generate()), 'Generate: the model writes the next words one by one');
    this._stepButton = button('Step', () => this._restartIfPromptChanged().then(() => { try { store.step(); } catch (error) { this._showStatus(error.message, 'error'); } this._render(); }), 'Step: write one word');
    this._stopButton = button('Stop', () => { store.stop(); this._render(); });
    this._reset = button('Back to the prompt', () => this._restart());
    this._temperature = h('input', { type: 'range', min: 0, max: 2, step: 0.1, 'aria-label': 'Temperature (0 = greedy)',
      oninput: () => { store.settings.temperature = Number(this._temperature.value); setText(this._temperatureOut, this._temperatureText()); } });
    this._temperatureOut = h('output', {});
    this._topK = h('select', { 'aria-label': 'Choose only among the k likeliest words', onchange: () => { store.settings.topK = Number(this._topK.value); } },
      [['0', 'every word'], ['5', 'top 5'], ['10', 'top 10'], ['40', 'top 40']].map(([value, text]) => h('option', { value }, text)));
    this._seed = h('input', { type: 'number', min: 0, step: 1, 'aria-label': 'Seed for sampling', class: 'seed',
      onchange: () => { const seed = Number(this._seed.value); if (Number.isSafeInteger(seed) && seed >= 0) { store.settings.seed = seed; this._restart(); } } });
    this._badge = h('span', { class: 'badge' });
    this._sourceSwitch = h('div', { class: 'tabs source-switch', role: 'group', 'aria-label': 'Trained or random weights' });
    const sourceButton = (twin, text) => h('button', { type: 'button', 'data-twin': String(twin), 'aria-pressed': 'false',
      onclick: () => { if (store.settings.twin !== twin) { store.settings.twin = twin; this._restart(); } } }, text);
    this._sourceSwitch.append(h('span', { class: 'switch-label' }, 'Weights:'), sourceButton(false, 'Trained'), sourceButton(true, 'Random (same architecture)'));
    this._status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    this._root = h('div', { class: 'widget writer' },
      h('div', { class: 'top' }, h('h2', {}, 'A model that writes'), this._badge),
      h('p', { class: 'note' }, 'A small transformer trained to predict the next word. It sees only the words before each position (causal mask). Each new word is computed from the cached keys and values of the words before it.'),
      this._sourceSwitch,
      h('label', { class: 'sentence' }, 'Prompt', this._prompt),
      h('div', { class: 'writer-controls' }, this._generate, this._stepButton, this._stopButton, this._reset,
        h('label', {}, 'Temperature ', this._temperature, ' ', this._temperatureOut), h('label', {}, 'Choose from ', this._topK),
        h('label', {}, 'Seed ', this._seed)),
      this._status,
      this._views.text.root,
      h('div', { class: 'writer-panels' }, this._views.bars.root, this._views.attention.root),
      this._views.induction.root,
      tooltipBox);
    this._shadow.append(this._root);
  }

  async _restartIfPromptChanged() {
    if (this._prompt.value !== this._store.settings.prompt || !this._store.writer) await this._restart();
  }

  _showStatus(message, kind) {
    setText(this._status, message || '');
    this._status.classList.toggle('error', Boolean(message) && kind === 'error');
  }

  _render() {
    const store = this._store;
    const trained = !store.settings.twin;
    setText(this._badge, trained ? 'Trained writer (causal language model)' : 'Same architecture, random weights (untrained)');
    this._badge.classList.toggle('untrained', !trained);
    this._sourceSwitch.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.twin === String(store.settings.twin))));
    this._stopButton.disabled = !store.running;
    this._generate.disabled = store.running;
    this._stepButton.disabled = store.running;
    this._views.text.update();
    this._views.bars.update();
    this._views.attention.update();
    this._views.induction.update();
    this._highlight.apply();
  }
}

export function defineAttentionWriter(name = 'attention-writer') {
  if (!customElements.get(name)) customElements.define(name, class extends AttentionWriterElement {});
}
