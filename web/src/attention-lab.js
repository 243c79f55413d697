// <attention-lab>: one multi-head attention layer, computed by the wasm engine
// for the learner's own sentence and drawn head by head.
//
// Attributes: sentence, heads (default 8), d-model (64), seed (0),
//             source ("seeded-random"), causal (boolean), top-k (8).
// JS API:     el.sentence, el.selectHead(i), el.selectedHead, el.getTables(),
//             el.getAttention(), el.ready (Promise), 'attention-lab-update' event.
// User text only ever reaches the DOM as text nodes (never as markup).
import { schemeTableau10 } from 'd3-scale-chromatic';
import { loadEngine } from './engine.js';
import { headSummary, allLinks } from './head-stats.js';
import { getWeightSource } from './weight-sources.js';
import { STYLES } from './styles.js';
import { h, legend, drawHeatmap, shortened } from './draw.js';

const DEFAULTS = { sentence: 'The transformer model processes all tokens in parallel using multi-head attention.', heads: 8, dModel: 64, seed: 0, topK: 8 };
const DEBOUNCE_MS = 120;
const CHEAP_WORK_MS = 12;  // recomputes at most this long run on every keystroke

let sharedSheet;
function styleSheet() {
  if (!sharedSheet && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    sharedSheet = new CSSStyleSheet();
    sharedSheet.replaceSync(STYLES);
  }
  return sharedSheet;
}

export function headColour(index) {
  return schemeTableau10[index % schemeTableau10.length];
}

function percent(value) {
  return `${(value * 100).toFixed(value >= 0.995 || value < 0.0005 ? 0 : 1)}%`;
}

// 12,345: one formatter (toLocaleString builds one on every call)
const groupedFormat = new Intl.NumberFormat('en-US');
function grouped(value) {
  return groupedFormat.format(value);
}

// Heatmap labels shorten long words in the text itself rather than clip them
// with CSS ellipsis: a clipping box per label made every keystroke's paint
// slower. Hovering a label shows the full word.
const CHIP_CHARS = 24;  // longer words get a clipped chip
const LABEL_CHARS = 12;

function parseWhole(value, fallback) {
  if (value === null || value === undefined || value === '') return fallback;
  const number = Number(value);
  return Number.isInteger(number) ? number : NaN;
}

export class AttentionLabElement extends HTMLElement {
  static get observedAttributes() {
    return ['sentence', 'context', 'heads', 'd-model', 'seed', 'source', 'causal', 'top-k'];
  }

  constructor() {
    super();
    this._shadow = this.attachShadow({ mode: 'open' });
    const sheet = styleSheet();
    if (sheet) this._shadow.adoptedStyleSheets = [sheet];
    this._state = { experiment: { scaling: true, temperature: 1, disabled: new Set(), open: false, position: null, sort: 'sensitivity' }, layer: 0, selectedHead: 0, view: 'heatmap', hover: null, locked: null, sort: { key: 'strength', direction: 'descending' }, overlay: null, topK: null, threshold: 0 };
    this._result = null;
    this._timer = null;
    this._renderToken = 0;
    this._recentWorkMs = [];
    this._readyResolve = null;
    this.ready = new Promise((resolve) => { this._readyResolve = resolve; });
    this._build();
  }

  connectedCallback() {
    if (!this._input.value) this._input.value = this.getAttribute('sentence') ?? DEFAULTS.sentence;
    this._schedule(0);
  }

  disconnectedCallback() {
    clearTimeout(this._timer);
    this._timer = null;
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (oldValue === newValue) return;
    if (name === 'sentence' && this._input && this._input.value !== newValue) this._input.value = newValue ?? '';
    if (name === 'top-k') this._state.topK = null;
    if (this.isConnected) this._schedule(0);
  }

  // ---- public API ---------------------------------------------------------
  get sentence() { return this._input.value; }
  set sentence(text) {
    this._input.value = String(text ?? '');
    this._schedule(0);
  }
  get selectedHead() { return this._state.selectedHead; }
  /** Recomputes now (no debounce); resolves when the view is drawn. */
  recompute() {
    clearTimeout(this._timer);
    this._timer = null;
    return this._compute();
  }
  selectHead(index, layer = this._state.layer) {
    const heads = this._result ? this._result.numHeads : 0;
    const layers = this._result ? this._result.numLayers : 0;
    if (!Number.isInteger(layer) || layer < 0 || layer >= layers) throw new RangeError(`layer must be 0..${layers - 1}`);
    if (!Number.isInteger(index) || index < 0 || index >= heads) throw new RangeError(`head must be 0..${heads - 1}`);
    this._state.selectedHead = index;
    this._state.layer = layer;
    this._result.heads = this._result.layers[layer].heads;
    this._state.overlay = null;
    this._renderViews();
  }
  get selectedLayer() { return this._state.layer; }
  /** The From Word / To Word / Attention Strength tables of the shown layer (after top-k, threshold and sorting). */
  getTables() {
    if (!this._result) return [];
    return this._result.heads.map((head, index) => ({
      layer: head.layer,
      head: index,
      name: head.name,
      role: head.summary.role,
      rows: this._tableRows(index).map(({ from, to, fromIndex, toIndex, strength }) => ({ from, to, fromIndex, toIndex, strength })),
    }));
  }
  /** The numbers behind the pictures: tokens and a copy of every head's weights (numLayers, numHeads, seqLen, seqLen). */
  getAttention() {
    if (!this._result) return null;
    const { tokens, contextTokens, contextLen, numHeads, numLayers, seqLen, attention, dModel, headDim, source } = this._result;
    return { tokens: [...tokens], contextTokens: [...contextTokens], numLayers, numHeads, seqLen, contextLen, dModel, headDim, source, attention: attention.slice(),
      roles: this._result.layers.map((layer) => layer.heads.map((head) => head.summary.role)) };
  }

  // ---- configuration ------------------------------------------------------
  _config() {
    const heads = parseWhole(this.getAttribute('heads'), DEFAULTS.heads);
    const dModel = parseWhole(this.getAttribute('d-model'), DEFAULTS.dModel);
    const seed = parseWhole(this.getAttribute('seed'), DEFAULTS.seed);
    const topK = this._state.topK ?? parseWhole(this.getAttribute('top-k'), DEFAULTS.topK);
    const sourceId = this.getAttribute('source') || 'seeded-random';
    const source = getWeightSource(sourceId);
    const problems = [];
    // a trained model fixes heads and d-model itself; the single-layer sources take them from attributes
    if (!source || !source.fixedArchitecture) {
      if (!(dModel >= 1 && dModel <= 1024)) problems.push(`d-model must be a whole number from 1 to 1024 (got "${this.getAttribute('d-model')}")`);
      if (!(heads >= 1 && heads <= 64)) problems.push(`heads must be a whole number from 1 to 64 (got "${this.getAttribute('heads')}")`);
      else if (dModel >= 1 && dModel % heads !== 0) problems.push(`heads (${heads}) must divide d-model (${dModel}) so each head gets d-model / heads dimensions`);
    }
    if (!Number.isInteger(seed) || seed < 0) problems.push(`seed must be a whole number ≥ 0 (got "${this.getAttribute('seed')}")`);
    if (!source) problems.push(`unknown weight source "${sourceId}"`);
    // cross-attention: queries from the sentence, keys and values from `context` (single-layer sources)
    const context = source && !source.fixedArchitecture ? (this.getAttribute('context') || '').trim() : '';
    return { heads, dModel, seed, topK: Number.isInteger(topK) && topK > 0 ? topK : DEFAULTS.topK, source,
      causal: this.hasAttribute('causal') && !context, context, problems };
  }

  // ---- computing ----------------------------------------------------------
  // Typing: when a recent recompute + redraw was cheap (the usual case), redo
  // it at once so the next frame shows it; when they were slow (long sentences
  // through the trained model with experiments open), wait for a pause in typing.
  _schedule(delay = DEBOUNCE_MS) {
    clearTimeout(this._timer);
    this._timer = null;
    if (delay === DEBOUNCE_MS && this._recentWorkMs.some((ms) => ms <= CHEAP_WORK_MS)) {
      this._compute();
      return;
    }
    this._timer = setTimeout(() => { this._timer = null; this._compute(); }, delay);
  }

  async _compute() {
    const ticket = ++this._renderToken;
    const started = performance.now();
    const config = this._config();
    if (config.problems.length) {
      this._showError(config.problems.join('; '));
      return;
    }
    // switched-off heads belong to one architecture: forget them when it changes
    const shapeKey = `${config.source.id}:${config.heads}:${config.dModel}`;
    if (this._state.experiment.shapeKey !== shapeKey) {
      this._state.experiment.shapeKey = shapeKey;
      this._state.experiment.disabled = new Set();
    }
    let engine;
    let view;
    try {
      engine = await loadEngine();
      if (ticket !== this._renderToken) return;
      view = await config.source.compute(engine, {
        text: this._input.value, context: config.context, heads: config.heads, dModel: config.dModel, seed: config.seed, causal: config.causal,
        ...this._experimentOptions(),
      });
    } catch (error) {
      if (ticket === this._renderToken) this._showError(error.message);
      return;
    }
    if (ticket !== this._renderToken) return;  // a newer edit is on its way
    if (view.tokens.length === 0) {
      this._result = null;
      this._renderTokens([]);
      this._showError('Type a sentence to see its attention.', 'empty');
      this._clearViews();
      if (this._readyResolve) { this._readyResolve(this); this._readyResolve = null; }
      return;
    }
    const tokens = view.tokens.map((t) => t.text);
    const { seqLen, numHeads, numLayers } = view;
    const cross = Boolean(view.contextTokens);
    const contextTokens = cross ? view.contextTokens.map((t) => t.text) : tokens;
    const contextLen = cross ? view.contextLen : seqLen;
    const layers = [];
    for (let layer = 0; layer < numLayers; layer++) {
      const heads = [];
      for (let head = 0; head < numHeads; head++) {
        const offset = (layer * numHeads + head) * seqLen * contextLen;
        const weights = view.attention.subarray(offset, offset + seqLen * contextLen);
        const heldout = view.heldout ? view.heldout[layer][head] : null;
        const rows = (layer * numHeads + head) * seqLen;
        const entropies = view.rowEntropy ? view.rowEntropy.subarray(rows, rows + seqLen) : null;
        heads.push({
          name: numLayers > 1 ? `L${layer + 1} Head ${head + 1}` : `Head ${head + 1}`,
          layer, head, weights, heldout,
          summary: headSummary(weights, tokens, seqLen, contextLen, heldout, view.criterion, cross ? contextTokens : null, entropies),
        });
        // every (from, to) pair sorted: built the first time a table asks for it
        let links = null;
        Object.defineProperty(heads[heads.length - 1], 'links', {
          get: () => (links ??= allLinks(weights, tokens, seqLen, contextLen, contextTokens)),
        });
      }
      layers.push({ heads });
    }
    if (this._state.layer >= numLayers) this._state.layer = 0;
    if (this._state.selectedHead >= numHeads) this._state.selectedHead = 0;
    if (this._state.locked !== null && this._state.locked >= seqLen) this._state.locked = null;
    this._state.hover = null;
    if (this._state.overlay) this._state.overlay = new Set([...this._state.overlay].filter((h) => h < numHeads));
    this._result = { ...view, tokens, tokenInfo: view.tokens, cross, contextTokens, contextLen, layers, heads: layers[this._state.layer].heads, config, source: config.source.id };
    this._showError(view.message || '', view.message ? 'info' : null);
    this._render();
    // the last two: one slow run (a garbage collection, say) must not switch
    // typing to the pause for as long as the learner keeps typing
    this._recentWorkMs = [this._recentWorkMs.at(-1), performance.now() - started].filter((ms) => ms !== undefined);
    this.dispatchEvent(new CustomEvent('attention-lab-update', { detail: { tokens: [...tokens] }, bubbles: true, composed: true }));
    if (this._readyResolve) { this._readyResolve(this); this._readyResolve = null; }
  }

  _showError(message, kind = 'error') {
    setText(this._status, message || '');
    this._status.classList.toggle('error', Boolean(message) && kind === 'error');
    if (kind === 'error' && message) {
      this._result = null;
      this._clearViews();
      if (this._readyResolve) { this._readyResolve(this); this._readyResolve = null; }
    }
  }

  // ---- building the static frame -----------------------------------------
  _build() {
    this._title = h('h2', {}, 'Multi-head attention');
    this._badge = h('span', { class: 'badge' });
    this._note = h('p', { class: 'note' });
    this._switch = h('div', { class: 'tabs source-switch', role: 'group', 'aria-label': 'Trained or random weights' });
    this._input = h('input', { type: 'text', spellcheck: 'false', autocomplete: 'off', maxlength: '100000' });
    this._input.addEventListener('input', () => this._schedule());
    this._tokens = h('ul', { class: 'tokens', 'aria-label': 'Tokens (hover or focus one to highlight it; click to lock)' });
    this._contextList = h('div', { class: 'context-tokens' });
    this._status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    this._arch = h('div', { class: 'arch', 'aria-label': 'Architecture of this layer with this sentence\'s sizes' });
    this._archFacts = h('p', { class: 'arch-facts' });
    this._gridTitle = h('h3', {}, 'Heads');
    this._layerSlot = h('span', { class: 'layer-slot' });
    this._overlayButton = h('button', { class: 'chip', type: 'button', 'aria-pressed': 'false', onclick: () => this._toggleOverlay() }, 'All heads overlaid');
    this._heads = h('div', { class: 'head-groups', role: 'group', 'aria-label': 'Choose a head' });
    this._focus = h('div', { class: 'focus' });
    this._tooltip = h('div', { class: 'tooltip', role: 'presentation' });
    this._experiments = h('div', { class: 'experiments-slot' });
    this._shadow.append(h('section', { class: 'lab', 'aria-label': 'Multi-head attention explorer' },
      h('div', { class: 'top' }, this._title, this._badge),
      this._note,
      this._switch,
      h('label', { class: 'sentence' }, 'Your sentence', this._input),
      this._tokens,
      this._contextList,
      this._status,
      this._arch,
      this._archFacts,
      h('div', { class: 'body' },
        h('div', {}, h('div', { class: 'grid-head' }, this._gridTitle, this._layerSlot, this._overlayButton), this._heads),
        this._focus),
      this._experiments,
      this._tooltip));
  }

  _clearViews() {
    this._heads.replaceChildren();
    this._headCards = null;
    this._focusParts = null;
    this._focus.replaceChildren();
    this._experiments.replaceChildren();
    this._arch.replaceChildren();
    this._archFacts.textContent = '';
  }

  // ---- rendering ----------------------------------------------------------
  _render() {
    const { config } = this._result;
    this._renderSourceSwitch(config.source);
    setText(this._badge, config.source.label);
    this._badge.classList.toggle('untrained', !config.source.trained);
    setText(this._note, config.source.note || '');
    this._renderTokens(this._result.tokens);
    const contextKey = this._result.cross ? this._result.contextTokens.join('\u0000') : null;
    if (this._contextList.dataset.key !== String(contextKey)) {
      this._contextList.dataset.key = String(contextKey);
      this._contextList.replaceChildren(...(this._result.cross
        ? [h('span', { class: 'switch-label' }, 'Attending to (keys and values):'),
          h('ul', { class: 'tokens' }, ...this._result.contextTokens.map((token, j) => h('li', {}, h('span', { class: 'chip static' }, h('span', { class: 'pos', 'aria-hidden': 'true' }, j + 1), token))))]
        : []));
    }
    this._renderArchitecture();
    this._renderViews();
  }

  // Trained vs random: the same architecture with seeded random weights.
  _renderSourceSwitch(source) {
    const key = source.fixedArchitecture ? source.id : '';
    if (this._switch.dataset.key === key) return;
    this._switch.dataset.key = key;
    if (!source.fixedArchitecture) {
      this._switch.replaceChildren();
      return;
    }
    const option = (id, label) => h('button', {
      type: 'button', 'aria-pressed': String(source.id === id), 'data-source': id,
      onclick: () => {
        if (this.getAttribute('source') !== id) this.setAttribute('source', id);
        this._switch.querySelector(`button[data-source="${id}"]`)?.focus();
      },
    }, label);
    this._switch.replaceChildren(h('span', { class: 'switch-label' }, 'Weights:'),
      option('trained', 'Trained'), option('trained-random', 'Random (same architecture)'));
  }

  _renderViews() {
    if (!this._result) return;
    this._renderHeadGrid();
    this._renderFocus();
    this._renderExperiments();
    this._applyHighlight();
  }

  // ---- experiments: ablation, scaling, temperature, importance -------------
  // Options for a source: scaling off means scale = 1; disabled heads become 0 flags.
  _experimentOptions() {
    const e = this._state.experiment;
    const options = { scale: e.scaling ? undefined : 1, temperature: e.temperature === 1 ? undefined : e.temperature };
    if (e.disabled.size && this._result) {
      const { numLayers, numHeads } = this._result;
      options.headEnabled = Array.from({ length: numLayers * numHeads }, (_, k) => (e.disabled.has(`${Math.floor(k / numHeads)}:${k % numHeads}`) ? 0 : 1));
    }
    return options;
  }

  // Experiment numbers depend only on this computation's sentence and weights
  // (this._result, replaced on every recompute) and on their options: each is
  // measured once, so sorting the table, choosing a head or a word to hide
  // redraws without running the model again (the gradient column alone is
  // 2 × heads masked-sentence losses, each a model run per word).
  _measure(name, options, compute) {
    const cache = (this._result.measured ??= new Map());
    const key = `${name} ${JSON.stringify(options)}`;
    if (!cache.has(key)) cache.set(key, compute());
    return cache.get(key);
  }

  _setExperiment(change) {
    Object.assign(this._state.experiment, change);
    this._schedule(0);
  }

  _renderExperiments() {
    const result = this._result;
    const e = this._state.experiment;
    if (!result.experiment) {
      this._experiments.replaceChildren();
      return;
    }
    // closed, it is only its summary line: keep the one already shown
    const shown = this._experiments.firstElementChild;
    if (!e.open && shown && !shown.open) return;
    const details = h('details', { class: 'experiments', open: e.open });
    details.addEventListener('toggle', () => {
      if (details.open !== e.open) {
        e.open = details.open;
        this._renderExperiments();
      }
    });
    details.append(h('summary', {}, 'Experiments: switch heads off, change the scaling and the temperature'));
    this._experiments.replaceChildren(details);
    if (!e.open) return;

    // 1. Scaling and temperature
    const scaling = h('input', { type: 'checkbox', checked: e.scaling });
    scaling.addEventListener('change', () => this._setExperiment({ scaling: scaling.checked }));
    const slider = h('input', { type: 'range', min: '-2', max: '2', step: '0.25', value: String(Math.log2(e.temperature)), 'aria-label': 'Temperature' });
    const shownTemperature = h('output', {}, `T = ${e.temperature}`);
    slider.addEventListener('input', () => { shownTemperature.textContent = `T = ${2 ** Number(slider.value)}`; });
    slider.addEventListener('change', () => this._setExperiment({ temperature: 2 ** Number(slider.value) }));
    const heads = result.layers.flatMap((layer) => layer.heads);
    const meanEntropy = heads.reduce((sum, head) => sum + head.summary.normalisedEntropy, 0) / heads.length;
    details.append(h('div', { class: 'controls' },
      h('label', {}, scaling, `Scale scores by 1/√d_k = 1/√${result.headDim}`),
      h('label', {}, 'Temperature', slider, shownTemperature)),
      h('p', { class: 'note' }, `Mean entropy over all heads: ${percent(meanEntropy)} of uniform. ` +
        'A dot product of two d_k-dimensional vectors grows like √d_k; without the scaling the scores are that much larger, ' +
        'the softmax saturates (one word takes almost all the weight, entropy drops) and its gradients vanish. ' +
        'Temperature divides the scores: T > 1 flattens attention, T < 1 sharpens it.'));

    // 1b. Number of heads and masking (the single-layer sources take them from attributes)
    if (!result.config.source.fixedArchitecture) details.append(this._headsAndMasking(result));

    // 2. Head switches
    const switches = h('fieldset', { class: 'head-switches' }, h('legend', {}, 'Heads on (untick to switch a head off: its output is zeroed before W_O)'));
    for (const head of heads) {
      const key = `${head.layer}:${head.head}`;
      const box = h('input', { type: 'checkbox', checked: !e.disabled.has(key), 'data-key': key });
      box.addEventListener('change', () => {
        const disabled = new Set(e.disabled);
        if (box.checked) disabled.delete(key); else disabled.add(key);
        this._setExperiment({ disabled });
      });
      switches.append(h('label', {}, box, swatch(head.head), head.name));
    }
    details.append(switches);

    // 3. Measured effect against the default (all heads on, scaled, T = 1)
    const { run, outputName } = result.experiment;
    const baseline = this._measure('run', {}, () => run({}));
    // sources that skip the output while typing compute it here, once per computation
    const current = result.output ?? this._measure('output', {}, () => result.experiment.output());
    const change = relativeChange(current, baseline);
    details.append(h('p', { class: 'effect', role: 'status' },
      `Compared with the default (all heads on, scaled, T = 1), ${outputName} changed by ${percent(change.relative)} ` +
      `(relative L2 distance); cosine similarity ${change.cosine.toFixed(4)}.`));
    if (result.experiment.maskedLoss) details.append(this._lossAndPredictions(result));

    // 4. Importance
    details.append(this._importanceTable(result, heads));
  }

  _headsAndMasking(result) {
    const { dModel, numHeads, config } = result;
    const divisors = [];
    for (let h = 1; h <= Math.min(64, dModel); h++) if (dModel % h === 0) divisors.push(h);
    const select = h('select', { class: 'heads-select', 'aria-label': 'Number of heads' },
      ...divisors.map((count) => h('option', { value: count, selected: count === numHeads }, `${count} (d_k = ${dModel / count})`)));
    select.addEventListener('change', () => {
      this.setAttribute('heads', select.value);
      this._state.selectedHead = 0;
    });
    const causal = h('input', { type: 'checkbox', checked: config.causal, disabled: Boolean(config.context) });
    causal.addEventListener('change', () => { this.toggleAttribute('causal', causal.checked); });
    // cross-attention: queries from this sentence, keys and values from another
    const crossText = h('input', { type: 'text', class: 'context-input', value: config.context || 'Le modèle transforme tous les mots en parallèle.',
      'aria-label': 'Sentence to attend to (keys and values)', spellcheck: 'false' });
    const cross = h('input', { type: 'checkbox', checked: Boolean(config.context) });
    const applyCross = () => {
      if (cross.checked && crossText.value.trim()) this.setAttribute('context', crossText.value);
      else this.removeAttribute('context');
    };
    cross.addEventListener('change', applyCross);
    let crossTimer = null;
    crossText.addEventListener('input', () => {
      clearTimeout(crossTimer);
      crossTimer = setTimeout(() => { if (cross.checked) applyCross(); }, DEBOUNCE_MS);
    });
    // The seeds' comparison, with this sentence's numbers: one head of width d_model vs h heads of width d_k.
    const single = result.experiment.compare ? this._measure('compare', 1, () => result.experiment.compare(1)) : null;
    const parameters = (4 * dModel * dModel + 4 * dModel).toLocaleString('en-US');
    const n = result.seqLen;
    const m = result.contextLen;
    // the same count as the architecture strip: projections of X and C, QKᵀ and weights·V, W_O
    const flops = (heads) => (2 * dModel * dModel * (2 * n + 2 * m) + 4 * heads * n * m * (dModel / heads)).toLocaleString('en-US');
    const rows = [
      ['Attention patterns per word', '1', String(numHeads)],
      ['Subspace per head (d_k)', String(dModel), String(dModel / numHeads)],
      ['Parameters (4·d_model² + 4·d_model)', parameters, parameters],
      ['FLOPs for this sentence', flops(1), flops(numHeads)],
    ];
    if (single) rows.push(['Mean attention entropy (% of uniform)', percent(single.entropy), percent(result.layers[0].heads.reduce((sum, hd) => sum + hd.summary.normalisedEntropy, 0) / numHeads)]);
    return h('div', { class: 'heads-and-masking' },
      h('div', { class: 'controls' }, h('label', {}, 'Heads', select), h('label', {}, causal, 'Causal (decoder) mask: each word sees only itself and earlier words')),
      h('div', { class: 'controls' }, h('label', {}, cross, 'Cross-attention to another sentence:'), crossText),
      h('table', { class: 'compare' }, h('caption', {}, `Single head vs ${numHeads} heads, same d_model = ${dModel}`),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), h('th', { scope: 'col' }, 'Single head'), h('th', { scope: 'col' }, `${numHeads} heads`))),
        h('tbody', {}, ...rows.map(([label, one, many]) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, one), h('td', {}, many))))));
  }

  // Held-out loss as heads are pruned in the ranking's order, measured on
  // sentences the model never saw; computed in wasm a sentence at a time.
  _heldoutCurve(result, order, measureName) {
    const wrap = h('div', { class: 'curve' });
    const progress = h('progress', { max: '1', value: '0', 'aria-label': 'Measuring held-out loss' });
    const output = h('div', { role: 'status' });
    const button = h('button', { type: 'button', class: 'chip action', onclick: async () => {
      button.disabled = true;
      wrap.append(progress);
      const options = this._experimentOptions();
      delete options.headEnabled;
      try {
        const points = await result.experiment.heldoutCurve(order, options, (fraction) => { progress.value = fraction; });
        output.replaceChildren(curveChart(points, measureName));
      } catch (error) {
        output.textContent = error.message;
      }
      progress.remove();
      button.disabled = false;
    } }, `Measure held-out loss as heads are pruned (ranked by ${measureName.toLowerCase()})`);
    wrap.append(button, output);
    return wrap;
  }

  _lossAndPredictions(result) {
    const e = this._state.experiment;
    const options = this._experimentOptions();
    const wrap = h('div', { class: 'predictions' });
    const before = this._measure('maskedLoss', {}, () => result.experiment.maskedLoss({}));
    const now = this._measure('maskedLoss', options, () => result.experiment.maskedLoss(options));
    wrap.append(h('p', {}, `Masked-word loss of this sentence (each word hidden in turn, nats per word): default ${before.toFixed(3)}, now ${now.toFixed(3)}.`));
    const seqLen = result.seqLen;
    const position = e.position !== null && e.position < seqLen ? e.position : Math.min(seqLen - 1, Math.floor(seqLen / 2));
    const select = h('select', { 'aria-label': 'Word to hide' }, ...result.tokens.map((t, i) => h('option', { value: i, selected: i === position }, `${i + 1}: ${t}`)));
    select.addEventListener('change', () => { e.position = Number(select.value); this._renderExperiments(); });
    const list = (predictions) => h('ol', {}, ...predictions.map((p) => h('li', {}, `${p.word} ${percent(p.probability)}`)));
    wrap.append(h('div', { class: 'controls' }, h('label', {}, 'Hide word', select)),
      h('div', { class: 'prediction-columns' },
        h('div', {}, h('h4', {}, 'Model guesses (default)'), list(this._measure(`predict ${position}`, {}, () => result.experiment.predict(position, {})))),
        h('div', {}, h('h4', {}, 'Model guesses (now)'), list(this._measure(`predict ${position}`, options, () => result.experiment.predict(position, options))))));
    return wrap;
  }

  _importanceTable(result, heads) {
    const e = this._state.experiment;
    const options = this._experimentOptions();
    const { numLayers, numHeads } = result;
    const norms = result.experiment.weightNorms();
    const gradientOptions = { ...options, headEnabled: undefined };
    const gradients = result.experiment.gradientImportance
      ? this._measure('gradientImportance', gradientOptions, () => result.experiment.gradientImportance(gradientOptions)) : null;
    // output sensitivity: the change when this head alone is switched off, all others on (scaling and temperature as now)
    const currentOptions = { ...options, headEnabled: undefined };
    const current = this._measure('run', currentOptions, () => result.experiment.run(currentOptions));
    const rows = heads.map((head) => {
      const flags = Array.from({ length: numLayers * numHeads }, (_, k) => (k === head.layer * numHeads + head.head ? 0 : 1));
      const aloneOptions = { ...options, headEnabled: flags };
      const alone = this._measure('run', aloneOptions, () => result.experiment.run(aloneOptions));
      return { head, key: `${head.layer}:${head.head}`, entropy: head.summary.normalisedEntropy, norm: norms[head.layer][head.head],
        sensitivity: relativeChange(alone, current).relative, gradient: gradients ? gradients[head.layer][head.head] : null };
    });
    const measures = { sensitivity: ['Output sensitivity', (r) => r.sensitivity], norm: ['Weight magnitude', (r) => r.norm], entropy: ['Entropy (high = unimportant)', (r) => -r.entropy] };
    if (gradients) measures.gradient = ['Gradient importance', (r) => r.gradient];
    if (!measures[e.sort]) e.sort = 'sensitivity';
    rows.sort((a, b) => measures[e.sort][1](a) - measures[e.sort][1](b));  // least important first
    const header = (key, label) => h('th', { scope: 'col', 'aria-sort': e.sort === key ? 'ascending' : 'none' },
      h('button', { type: 'button', 'data-sort': key, onclick: () => { e.sort = key; this._renderExperiments(); this._experiments.querySelector(`th button[data-sort="${key}"]`)?.focus(); } }, label));
    const table = h('table', { class: 'importance' },
      h('caption', {}, 'Head importance, least important first (click a heading to rank by it)'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Head'), header('entropy', 'Entropy'), header('norm', 'Weight magnitude'),
        header('sensitivity', 'Output sensitivity'), gradients ? header('gradient', 'Gradient importance') : null)),
      h('tbody', {}, ...rows.map((r) => h('tr', { 'data-key': r.key },
        h('td', {}, swatch(r.head.head), ` ${r.head.name}${e.disabled.has(r.key) ? ' (off)' : ''}`),
        h('td', {}, percent(r.entropy)), h('td', {}, r.norm.toFixed(2)), h('td', {}, percent(r.sensitivity)),
        gradients ? h('td', {}, r.gradient.toFixed(4)) : null))));
    // the slider prunes as it moves: the k least important heads by the chosen ranking
    const k = h('input', { type: 'range', min: '0', max: String(rows.length), step: '1', value: String(e.disabled.size), 'aria-label': 'How many heads to switch off' });
    const shownK = h('output', {}, String(e.disabled.size));
    const prune = () => {
      const count = Math.max(0, Math.min(rows.length, Number(k.value) || 0));
      this._setExperiment({ disabled: new Set(rows.slice(0, count).map((r) => r.key)) });
    };
    k.addEventListener('input', () => { shownK.textContent = k.value; });
    k.addEventListener('change', prune);
    const reset = h('button', { type: 'button', class: 'chip', onclick: () => this._setExperiment({ disabled: new Set(), scaling: true, temperature: 1 }) }, 'Reset all');
    const curve = result.experiment.heldoutCurve ? this._heldoutCurve(result, rows.map((r) => r.key), measures[e.sort][0]) : null;
    return h('div', { class: 'importance-wrap' }, table,
      h('div', { class: 'controls' }, h('label', {}, 'Switch off the', k, shownK, `least important by ${measures[e.sort][0].toLowerCase()}`), reset),
      curve,
      h('p', { class: 'note' }, 'Weight magnitude: the norm of the head\'s slices of W_Q, W_K, W_V and W_O. Output sensitivity: how much the output changes when this head alone is switched off. Entropy: how spread out its attention is; very flat heads often matter little.' +
        (gradients ? ' Gradient importance (Michel et al. 2019): |Σ A_h · ∂L/∂A_h| for this sentence\'s masked-word loss, found as the slope of the loss when the head\'s output is scaled by 1 ± 0.01.' : '')));
  }

  // Chips are keyed by position and text: typing changes one word, so only
  // the chips whose word or status changed are rebuilt.
  _renderTokens(tokens) {
    patchKeyed(this._tokens, tokens.map((token, index) => {
      const unknown = Boolean(this._result?.tokenInfo?.[index]?.unknown);
      return {
        key: `${token}\u0000${unknown}`,
        // The word and its position are the chip's accessible name. Only a
        // long word gets a clipping box (CSS ellipsis): one per chip made
        // every keystroke's paint slower.
        build: () => h('li', {}, h('button', {
          type: 'button', class: `chip${unknown ? ' unknown' : ''}${Array.from(token).length > CHIP_CHARS ? ' long' : ''}`, 'data-index': index, 'aria-pressed': 'false',
          'aria-label': `${token}, token ${index + 1}${unknown ? ', unknown to the model' : ''}`,
          title: unknown ? `“${this._result.tokenInfo[index].surface}” is not in the model's vocabulary: it reads <unk>` : undefined,
          onmouseenter: () => this._setHover(index), onmouseleave: () => this._setHover(null),
          onfocus: () => this._setHover(index), onblur: () => this._setHover(null),
          onclick: () => this._toggleLock(index),
          'data-pos': index + 1,  // drawn by CSS before the word: visible, and not part of the name
        }, token)),
      };
    }));
  }

  _renderArchitecture() {
    const { seqLen, contextLen, cross, dModel, numHeads, headDim, config, architecture } = this._result;
    const n = seqLen;
    const m = contextLen;
    const steps = [
      [cross ? 'Input X (queries), C (keys, values)' : 'Input X', cross ? `${n} × ${dModel}, ${m} × ${dModel}` : `${n} × ${dModel}`],
      ['W_Q, W_K, W_V', `3 × (${dModel} × ${dModel})`],
      [`Split into ${numHeads} heads`, `d_k = ${dModel}/${numHeads} = ${headDim}`],
      ['Attention per head', `softmax(QKᵀ/√${headDim})V: ${numHeads} × ${n} × ${m}`],
      ['Concat', `${n} × ${dModel}`],
      ['W_O', `${dModel} × ${dModel}`],
      ['Output', `${n} × ${dModel}`],
    ];
    patchKeyed(this._arch, steps.flatMap(([name, shape], index) => [
      ...(index ? [{ key: 'arrow', build: () => h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→') }] : []),
      { key: `${name}\u0000${shape}`, build: () => h('div', { class: 'step' }, h('b', {}, name), shape) },
    ]));
    const parameters = 4 * dModel * dModel + 4 * dModel;
    // multiply-adds count 2 FLOPs: three projections, QKᵀ, weights·V, output projection
    const flops = 2 * dModel * dModel * (2 * n + 2 * m) + 2 * 2 * numHeads * n * m * headDim;
    const model = architecture
      ? ` This attention layer is one of ${architecture.layers} in a transformer encoder (each layer: LayerNorm → attention → add, LayerNorm → MLP with ${architecture.dFF} hidden units → add), vocabulary ${grouped(architecture.vocab)} words.`
      : '';
    setText(this._archFacts, `d_model = ${dModel}, h = ${numHeads}, d_k = d_model / h = ${headDim}; ` +
      `attention parameters 4·d_model² + 4·d_model = ${grouped(parameters)} per layer (the same for any h); ` +
      `this layer's forward pass: ${grouped(flops)} FLOPs${config.causal ? '; causal (decoder) mask on' : ''}.${model}`);
  }

  _renderHeadGrid() {
    const { layers, seqLen, contextLen, numLayers } = this._result;
    const overlay = this._state.overlay;
    this._overlayButton.setAttribute('aria-pressed', String(Boolean(overlay)));
    const shapeKey = layers.map((layer) => layer.heads.length).join(',');
    // Same layers and heads as last time (the learner is typing): redraw in place.
    if (this._headCards && this._headCards.shapeKey === shapeKey) {
      for (const layer of layers) {
        for (const head of layer.heads) {
          const card = this._headCards.get(`${head.layer}:${head.head}`);
          drawHeatmap(card.canvas, head.weights, seqLen, contextLen, { fit: true });
          setText(card.role, head.summary.role);
          setText(card.entropy, `entropy ${percent(head.summary.normalisedEntropy)}`);
          const pressed = String(!overlay && head.head === this._state.selectedHead && head.layer === this._state.layer);
          if (card.button.getAttribute('aria-pressed') !== pressed) card.button.setAttribute('aria-pressed', pressed);
        }
      }
      const select = this._layerSlot.querySelector('select');
      if (select) select.value = String(this._state.layer);
      return;
    }
    this._headCards = new Map();
    this._headCards.shapeKey = shapeKey;
    const groups = layers.map((layer, layerIndex) => {
      const cards = layer.heads.map((head, index) => {
        const canvas = h('canvas', { 'aria-hidden': 'true' });
        drawHeatmap(canvas, head.weights, seqLen, contextLen, { fit: true });
        const selected = !overlay && index === this._state.selectedHead && layerIndex === this._state.layer;
        const role = h('span', { class: 'role' }, head.summary.role);
        const entropy = h('span', { class: 'role' }, `entropy ${percent(head.summary.normalisedEntropy)}`);
        const button = h('button', {
          type: 'button', class: 'head-card', 'data-head': index, 'data-layer': layerIndex,
          'aria-pressed': String(selected),
          onclick: () => this.selectHead(index, layerIndex),
        }, h('span', { class: 'name' }, swatch(index), head.name), canvas, role, entropy);
        this._headCards.set(`${layerIndex}:${index}`, { button, canvas, role, entropy });
        return button;
      });
      return numLayers > 1
        ? h('div', { class: 'layer-group', role: 'group', 'aria-label': `Layer ${layerIndex + 1}` },
          h('h4', {}, `Layer ${layerIndex + 1}`), h('div', { class: 'heads' }, ...cards))
        : h('div', { class: 'heads' }, ...cards);
    });
    this._gridTitle.textContent = numLayers > 1 ? `${numLayers} layers × ${this._result.numHeads} heads` : 'Heads';
    this._heads.replaceChildren(...groups);
    if (numLayers > 1) {
      const select = h('select', { class: 'layer-select', 'aria-label': 'Layer shown in the panel' },
        ...layers.map((_, l) => h('option', { value: l, selected: l === this._state.layer }, `Layer ${l + 1}`)));
      select.addEventListener('change', () => {
        this.selectHead(this._state.selectedHead, Number(select.value));
        this._shadow.querySelector('.layer-select')?.focus();
      });
      this._layerSlot.replaceChildren(select);
    } else {
      this._layerSlot.replaceChildren();
    }
  }

  // The focus panel is kept between keystrokes: its frame (title, tabs,
  // table controls, table head) is built once per view and the parts that
  // depend on the sentence are patched in place, so typing changes only the
  // words and numbers that changed (rebuilding it all cost more layout and
  // paint than computing the attention).
  _renderFocus() {
    const { heads } = this._result;
    if (this._state.overlay) {
      this._focusParts = null;
      this._renderOverlay();
      return;
    }
    const index = this._state.selectedHead;
    const head = heads[index];
    const hasTrace = Boolean(this._result.experiment?.trace);
    const frameKey = `${this._state.view}|${hasTrace}|${this._config().topK}|${this._state.threshold}`;
    let parts = this._focusParts;
    if (!parts || parts.key !== frameKey) {
      const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'View' },
        ...[['heatmap', 'Heatmap'], ['lines', 'Lines'], ['table', 'Table'], ...(hasTrace ? [['steps', 'Step by step']] : [])].map(([view, label]) => h('button', {
          type: 'button', role: 'tab', 'aria-selected': String(this._state.view === view), 'data-view': view,
          onclick: () => {
            this._state.view = view;
            this._renderFocus();
            this._applyHighlight();
            this._focus.querySelector(`button[data-view="${view}"]`)?.focus();
          },
        }, label)));
      parts = { key: frameKey, title: h('h3'), titleKey: null, evidence: h('div', { class: 'evidence' }), view: h('div', { class: 'view-slot' }), links: this._linksTable() };
      this._focus.replaceChildren(h('div', { class: 'focus-head' }, parts.title, tabs), parts.evidence, parts.view, this._tableControls(), parts.links.table);
      this._focusParts = parts;
    }
    const titleKey = `${index}\u0000${head.name}\u0000${head.summary.role}`;
    if (parts.titleKey !== titleKey) {
      parts.title.replaceChildren(swatch(index), ` ${head.name}: ${head.summary.role}`);
      parts.titleKey = titleKey;
    }
    patchParagraphs(parts.evidence, this._evidence(head));
    const views = { lines: () => this._linesView([index]), table: () => this._matrixTable(head), heatmap: () => this._heatmapView(head),
      steps: () => (hasTrace ? this._stepThrough(head, index) : this._heatmapView(head)) };
    const view = (views[this._state.view] || views.heatmap)();
    if (parts.view.firstChild !== view || parts.view.childNodes.length !== 1) parts.view.replaceChildren(view);
    this._patchLinksTable(parts.links, index);
  }

  // The evidence under the title: [class, text] per paragraph.
  _evidence(head) {
    const s = head.summary.shares;
    const paragraphs = [];
    if (head.heldout) {
      const t = head.heldout;
      paragraphs.push(['heldout',
        `Held-out text (${this._result.heldoutInfo?.predictions ? 'sentences the model never trained on' : 'unseen sentences'}): strongest link per word is the previous token ${percent(t.previous)} · itself ${percent(t.self)} · the next token ${percent(t.next)} · the first token ${percent(t.first)} · punctuation ${percent(t.punctuation)}; ` +
        `entropy ${percent(t.normalised_entropy)} of uniform. ${head.summary.evidence}.`]);
    }
    paragraphs.push(['', head.summary.cross
      ? `Strongest link is punctuation in ${percent(s.punctuation)} of rows. Mean entropy ${head.summary.meanEntropy.toFixed(2)} nats (${percent(head.summary.normalisedEntropy)} of uniform). ${head.summary.evidence}.`
      : `This sentence: previous ${percent(s.previous)} · itself ${percent(s.self)} · next ${percent(s.next)} · first ${percent(s.first)} · punctuation ${percent(s.punctuation)}. ` +
      `Mean entropy ${head.summary.meanEntropy.toFixed(2)} nats (${percent(head.summary.normalisedEntropy)} of uniform). ` +
      `${head.heldout ? `On its own this sentence would say: ${head.summary.sentenceRole}` : head.summary.sentenceEvidence}.`]);
    return paragraphs;
  }

  _heatmapView(head) {
    const { tokens, seqLen, contextTokens, contextLen } = this._result;
    const cell = Math.max(12, Math.min(34, Math.floor(340 / Math.max(seqLen, contextLen))));
    // One canvas and one set of label rows for the life of the widget,
    // redrawn and relabelled in place (a new canvas on every keystroke costs
    // a new layer to raster); the canvas's handlers read the head shown now.
    if (!this._heatParts) {
      const canvas = h('canvas', { role: 'img' });
      const cellAt = (event) => {
        const shown = this._heatShown;
        const rect = canvas.getBoundingClientRect();
        return {
          shown,
          row: Math.floor(((event.clientY - rect.top) / rect.height) * shown.seqLen),
          col: Math.floor(((event.clientX - rect.left) / rect.width) * shown.contextLen),
        };
      };
      canvas.addEventListener('mousemove', (event) => {
        const { shown, row, col } = cellAt(event);
        if (row < 0 || col < 0 || row >= shown.seqLen || col >= shown.contextLen) return;
        this._setHover(row, { row, col });
        this._showTooltip(event, `From “${shown.tokens[row]}” to “${shown.contextTokens[col]}”: ${percent(shown.head.weights[row * shown.contextLen + col])}`);
      });
      canvas.addEventListener('mouseleave', () => { this._hideTooltip(); this._setHover(null); });
      canvas.addEventListener('click', (event) => {
        const { shown, row } = cellAt(event);
        if (row >= 0 && row < shown.seqLen) this._toggleLock(row);
      });
      // Each axis is one block of text, a word per line (a line is one cell
      // high, or one cell wide on the vertical top axis): 2 layout objects
      // instead of a span per word, whose layout and paint cost more per
      // keystroke than the rest of the panel. Hovering names the full word.
      const columns = h('div', { class: 'col-labels', 'aria-hidden': 'true' });
      const rows = h('div', { class: 'row-labels', 'aria-hidden': 'true' });
      const nameWord = (axis, words, event) => {
        const rect = axis.getBoundingClientRect();
        const vertical = axis === columns;
        const index = Math.floor(vertical ? (event.clientX - rect.left) / axis._cell : (event.clientY - rect.top) / axis._cell);
        const word = this._heatShown?.[words]?.[index];
        if (word === undefined) this._hideTooltip(); else this._showTooltip(event, word);
      };
      columns.addEventListener('mousemove', (event) => nameWord(columns, 'contextTokens', event));
      rows.addEventListener('mousemove', (event) => nameWord(rows, 'tokens', event));
      for (const axis of [columns, rows]) axis.addEventListener('mouseleave', () => this._hideTooltip());
      // the highlighted word's row and column: two outlines over the canvas,
      // moved by CSS (the canvas holds one pixel per cell and is not redrawn)
      const rowMark = h('div', { class: 'mark', 'aria-hidden': 'true' });
      const columnMark = h('div', { class: 'mark', 'aria-hidden': 'true' });
      const root = h('div', {}, h('div', { class: 'heat' }, h('div', { class: 'corner', 'aria-hidden': 'true' }, 'From ↓  To →'), columns, rows,
        h('div', { class: 'cells' }, canvas, rowMark, columnMark)), legend());
      this._heatParts = { root, canvas, columns, rows, rowMark, columnMark };
    }
    const { root, canvas, columns, rows, rowMark, columnMark } = this._heatParts;
    // drawn plain, as every re-rendered part is: _applyHighlight marks the word that is highlighted now
    placeMark(rowMark, null);
    placeMark(columnMark, null);
    this._heatShown = { head, tokens, contextTokens, seqLen, contextLen };
    const label = `${head.name} attention heatmap: rows are From words, columns are To words; the Table view lists every number`;
    if (canvas.getAttribute('aria-label') !== label) canvas.setAttribute('aria-label', label);
    drawHeatmap(canvas, head.weights, seqLen, contextLen, { cell });
    setAxisLabels(columns, contextTokens, cell);
    setAxisLabels(rows, tokens, cell);
    this._heatCanvas = canvas;
    return root;
  }

  // One head, one word, every step with the engine's numbers (float64).
  _stepThrough(head, index) {
    const { tokens, seqLen, dModel, headDim } = this._result;
    this._heatCanvas = null;
    const e = this._state.experiment;
    const query = this._state.locked ?? (e.position !== null && e.position < seqLen ? e.position : 0);
    const t = this._result.experiment.trace(index, query);
    const select = h('select', { 'aria-label': 'Word to follow' }, ...tokens.map((token, i) => h('option', { value: i, selected: i === query }, `${i + 1}: ${token}`)));
    select.addEventListener('change', () => {
      this._state.locked = null;
      e.position = Number(select.value);
      this._renderFocus();
      this._applyHighlight();
      this._focus.querySelector('.steps select')?.focus();
    });
    const numbers = (values, limit = 16) => {
      const shown = Array.from(values).slice(0, limit).map((v) => v.toFixed(3));
      return h('code', { class: 'vector' }, `[${shown.join(', ')}${values.length > limit ? `, … ${values.length} values` : ''}]`);
    };
    const step = (number, title, explanation, ...content) => h('li', {}, h('h4', {}, `${number}. ${title}`), h('p', { class: 'note' }, explanation), ...content);
    const word = tokens[query];
    const perWord = h('table', { class: 'step-table' },
      h('caption', {}, `Steps 3 to 5 for “${word}”, word by word`),
      h('thead', {}, h('tr', {}, ...['Word', 'Key k (first values)', 'q·k', `× ${t.logitFactor.toFixed(4)}`, 'Weight'].map((label) => h('th', { scope: 'col' }, label)))),
      h('tbody', {}, ...this._result.contextTokens.map((token, j) => h('tr', { class: t.hidden[j] ? 'masked' : undefined },
        h('th', { scope: 'row' }, token), h('td', {}, numbers(t.keys.subarray(j * headDim, (j + 1) * headDim), 4)),
        h('td', {}, t.dots[j].toFixed(3)), h('td', {}, t.hidden[j] ? 'masked' : t.scaled[j].toFixed(3)), h('td', {}, percent(t.weights[j]))))));
    return h('div', { class: 'steps' },
      h('div', { class: 'controls' }, h('label', {}, 'Follow the word', select)),
      h('ol', { class: 'step-list' },
        step(1, `Input for “${word}”`, `The word's embedding plus its position encoding: ${dModel} numbers.`, numbers(t.input)),
        step(2, 'Query', `q = x·W_Q, keeping ${head.name}'s ${headDim} columns: what this word is looking for.`, numbers(t.query)),
        step(3, 'Keys', `k = x·W_K for every word, the same ${headDim} columns: what each word offers.`),
        step(4, 'Dot products, scaled, masked', `q·k for each word, times ${t.logitFactor.toFixed(4)} (1/√d_k divided by the temperature) so scores stay in the softmax's sensitive range; masked words are left out.`),
        step(5, 'Softmax', 'exp of each score divided by their sum: the attention weights, which add up to 100%.', perWord),
        step(6, 'Weighted sum of values', `Σ weight × v over the words (v = x·W_V, ${headDim} columns): this head's output for “${word}”.`, numbers(t.headOutput)),
        step(7, 'Concat and W_O', `All heads' outputs side by side (${dModel} numbers) times W_O: the layer's output for “${word}”, mixing what every head found.`, numbers(t.output))));
  }

  // The heatmap's numbers as a table: every From/To pair, readable by screen readers.
  _matrixTable(head) {
    const { tokens, seqLen, contextTokens, contextLen } = this._result;
    this._heatCanvas = null;
    const rows = [];
    for (let i = 0; i < seqLen; i++) {
      const cells = [h('th', { scope: 'row', 'data-index': i }, tokens[i])];
      for (let j = 0; j < contextLen; j++) {
        const weight = head.weights[i * contextLen + j];
        cells.push(h('td', { 'aria-label': `From '${tokens[i]}' to '${contextTokens[j]}': ${percent(weight)}`, 'data-from': i, 'data-to': j }, percent(weight)));
      }
      rows.push(h('tr', {}, ...cells));
    }
    return h('div', { class: 'matrix-wrap', tabindex: '0', role: 'region', 'aria-label': `${head.name}: every attention weight` }, h('table', { class: 'matrix' },
      h('caption', {}, `${head.name}: attention from each word (rows) to each word (columns)`),
      h('thead', {}, h('tr', {}, h('td', {}), ...contextTokens.map((t, j) => h('th', { scope: 'col', 'data-index': j, 'data-side': 'to' }, t)))),
      h('tbody', {}, ...rows)));
  }

  _linesView(headIndices) {
    const { tokens, seqLen, heads, contextTokens, contextLen } = this._result;
    const rowHeight = 22;
    const width = 420;
    const height = Math.max(seqLen, contextLen) * rowHeight + 30;
    const leftX = 150;
    const rightX = width - 150;
    const svg = h('svg:svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
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
        text.addEventListener('mouseenter', () => this._setHover(i));
        text.addEventListener('mouseleave', () => this._setHover(null));
        text.addEventListener('click', () => this._toggleLock(i));
      }
      svg.append(text);
    };
    // In self-attention both columns are the same words and both respond; in
    // cross-attention the right column is the other sentence.
    tokens.forEach((token, i) => label(token, i, leftX, 'end', 'from', true));
    contextTokens.forEach((token, j) => label(token, j, rightX, 'start', 'to', !this._result.cross));
    this._linesSvg = svg;
    return h('div', { class: 'lines' }, svg);
  }

  _renderOverlay() {
    const { heads, seqLen, tokens, contextTokens, contextLen } = this._result;
    const enabled = this._state.overlay;
    const toggles = h('div', { class: 'overlay-toggles', role: 'group', 'aria-label': 'Heads shown in the overlay' },
      ...heads.map((head, index) => {
        const box = h('input', { type: 'checkbox', checked: enabled.has(index), 'data-head': index });
        box.addEventListener('change', () => {
          if (box.checked) enabled.add(index); else enabled.delete(index);
          this._renderFocus();
          this._applyHighlight();
          this._focus.querySelector(`.overlay-toggles input[data-head="${index}"]`)?.focus();
        });
        return h('label', {}, box, swatch(index), head.name);
      }));
    const canvas = h('canvas', { role: 'img', 'aria-label': 'All selected heads overlaid, one colour per head; rows are From words, columns are To words' });
    const cell = Math.max(12, Math.min(34, Math.floor(340 / Math.max(seqLen, contextLen))));
    drawOverlay(canvas, heads, [...enabled], seqLen, contextLen, cell);
    canvas.addEventListener('mousemove', (event) => {
      const rect = canvas.getBoundingClientRect();
      const col = Math.floor(((event.clientX - rect.left) / rect.width) * contextLen);
      const row = Math.floor(((event.clientY - rect.top) / rect.height) * seqLen);
      if (row < 0 || col < 0 || row >= seqLen || col >= contextLen) return;
      const parts = [...enabled].sort((a, b) => a - b).map((i) => `${heads[i].name} ${percent(heads[i].weights[row * contextLen + col])}`);
      this._setHover(row);
      this._showTooltip(event, `From “${tokens[row]}” to “${contextTokens[col]}”: ${parts.join(', ') || 'no head selected'}`);
    });
    canvas.addEventListener('mouseleave', () => { this._hideTooltip(); this._setHover(null); });
    this._heatCanvas = null;
    this._focus.replaceChildren(
      h('div', { class: 'focus-head' }, h('h3', {}, 'All heads overlaid')),
      h('p', { class: 'evidence' }, 'Each head paints its weights in its own colour; where heads agree, colours mix and darken. Toggle heads to compare them.'),
      toggles, h('div', { class: 'heat' }, canvas), this._linesView([...enabled].sort((a, b) => a - b)));
  }

  _toggleOverlay() {
    if (!this._result) return;
    this._state.overlay = this._state.overlay ? null : new Set(this._result.heads.map((_, i) => i));
    this._renderViews();
  }

  _tableControls() {
    const select = h('select', { class: 'top-k', 'aria-label': 'How many links to list' },
      ...[5, 8, 10, 20, 50].map((k) => h('option', { value: k, selected: k === this._config().topK }, `top ${k}`)),
      h('option', { value: 100000, selected: this._config().topK >= 100000 }, 'all'));
    select.addEventListener('change', () => {
      this._state.topK = Number(select.value);
      this._renderFocus();
      this._applyHighlight();
      this._focus.querySelector('.controls select.top-k')?.focus();
    });
    const threshold = h('select', { 'aria-label': 'Smallest attention strength to list' },
      ...[0, 0.05, 0.1, 0.25, 0.5].map((t) => h('option', { value: t, selected: t === this._state.threshold }, t ? `≥ ${t * 100}%` : 'any strength')));
    threshold.addEventListener('change', () => {
      this._state.threshold = Number(threshold.value);
      this._renderFocus();
      this._applyHighlight();
      this._focus.querySelector('.controls select.threshold')?.focus();
    });
    threshold.classList.add('threshold');
    return h('div', { class: 'controls' }, h('label', {}, 'Show', select), h('label', {}, 'with', threshold),
      h('span', {}, 'Click a column heading to sort.'));
  }

  _tableRows(headIndex) {
    const head = this._result.heads[headIndex];
    const rows = head.links.strongest(this._config().topK, this._state.threshold);
    const { key, direction } = this._state.sort;
    const sign = direction === 'ascending' ? 1 : -1;
    const compare = key === 'strength'
      ? (a, b) => sign * (a.strength - b.strength)
      : (a, b) => sign * (a[key].localeCompare(b[key]) || a[`${key}Index`] - b[`${key}Index`]);
    return rows.slice().sort(compare);
  }

  // The links table's frame: caption, sortable headings and an empty body.
  _linksTable() {
    const sortable = (key, label) => h('th', { scope: 'col', 'data-sort-key': key },
      h('button', { type: 'button', 'data-sort': key, onclick: () => {
        const active = this._state.sort.key === key;
        const direction = active && this._state.sort.direction === 'descending' ? 'ascending' : 'descending';
        this._state.sort = { key, direction };
        this._renderFocus();
        this._applyHighlight();
        this._focus.querySelector(`th button[data-sort="${key}"]`)?.focus();
      } }, label));
    const caption = h('caption');
    const headings = [sortable('from', 'From Word'), sortable('to', 'To Word'), sortable('strength', 'Attention Strength')];
    const body = h('tbody');
    return { table: h('table', { class: 'links' }, caption, h('thead', {}, h('tr', {}, ...headings)), body), caption, headings, body };
  }

  // Rows are keyed by what they show: only rows whose words or numbers
  // changed are rebuilt.
  _patchLinksTable({ caption, headings, body }, headIndex) {
    const head = this._result.heads[headIndex];
    const captionText = `${head.name}: strongest links`;
    if (caption.textContent !== captionText) caption.textContent = captionText;
    for (const th of headings) {
      const sort = this._state.sort.key === th.dataset.sortKey ? this._state.sort.direction : 'none';
      if (th.getAttribute('aria-sort') !== sort) th.setAttribute('aria-sort', sort);
    }
    const rows = this._tableRows(headIndex).map((link) => {
      const self = !this._result.cross && link.toIndex === link.fromIndex;
      const strength = percent(link.strength);
      const label = `From '${link.from}' to '${link.to}': ${strength}`;
      return {
        key: `${link.fromIndex}\u0000${link.toIndex}\u0000${link.from}\u0000${link.to}\u0000${strength}\u0000${fillWidth(link.strength)}`,
        // rows with the same cells are rewritten in place (typing shifts most
        // strengths a little; rebuilding every row cost a layout of each)
        shape: `link ${self}`,
        build: () => h('tr', {},
          h('td', {}, link.from, h('span', { class: 'sr-only' })),
          h('td', {}, link.to, self ? h('span', { class: 'self' }, ' (itself)') : null),
          h('td', { class: 'strength' },
            h('div', { class: 'bar', 'aria-hidden': 'true' }, h('div', { class: 'track' }, h('div', { class: 'fill' })), h('span', { class: 'pct' })))),
        update: (row) => {
          row.dataset.from = link.fromIndex;
          row.dataset.to = link.toIndex;
          const [fromCell, toCell, strengthCell] = row.cells;
          setText(fromCell.firstChild, link.from);
          setText(fromCell.lastChild, ` (word ${link.fromIndex + 1})`);
          setText(toCell.firstChild, link.to);
          strengthCell.setAttribute('aria-label', label);
          strengthCell.querySelector('.fill').style.width = fillWidth(link.strength);
          setText(strengthCell.querySelector('.pct'), strength);
        },
      };
    });
    if (rows.length === 0) {
      const text = `No link of ${head.name} reaches ${percent(this._state.threshold)}.`;
      rows.push({ key: `none\u0000${text}`, build: () => h('tr', {}, h('td', { colspan: 3 }, text)) });
    }
    patchKeyed(body, rows);
  }

  // ---- highlight ----------------------------------------------------------
  _setHover(index, cell = null) {
    this._state.hover = index;
    this._state.hoverCell = cell;
    this._applyHighlight();
  }

  _toggleLock(index) {
    this._state.locked = this._state.locked === index ? null : index;
    this._applyHighlight();
  }

  _applyHighlight() {
    if (!this._result) return;
    const active = this._state.locked ?? this._state.hover;
    // Nothing highlighted now nor at the last call (the usual case while
    // typing): every node is already plain, new ones are built plain.
    if (active === null && this._highlighted === null) return;
    this._highlighted = active;
    this._tokens.querySelectorAll('.chip').forEach((chip) => {
      const i = Number(chip.dataset.index);
      chip.classList.toggle('hot', i === active);
      chip.classList.toggle('locked', i === this._state.locked);
      const pressed = String(i === this._state.locked);
      if (chip.getAttribute('aria-pressed') !== pressed) chip.setAttribute('aria-pressed', pressed);
    });
    // in cross-attention the To side is the other sentence: an index there is a different word
    const cross = this._result.cross;
    const selector = cross ? 'table.matrix th[scope="row"]' : 'table.matrix th[data-index]';
    this._focus.querySelectorAll(selector).forEach((span) => {
      span.classList.toggle('hot', Number(span.dataset.index) === active);
    });
    this._focus.querySelectorAll('tr[data-from]').forEach((row) => {
      row.classList.toggle('hot', active !== null && (Number(row.dataset.from) === active || (!cross && Number(row.dataset.to) === active)));
    });
    if (this._linesSvg && this._linesSvg.isConnected) {
      this._linesSvg.querySelectorAll('line').forEach((line) => {
        const on = active === null || Number(line.dataset.from) === active || (!cross && Number(line.dataset.to) === active);
        line.setAttribute('visibility', on ? 'visible' : 'hidden');
      });
      this._linesSvg.querySelectorAll('text[data-index]').forEach((text) => {
        text.classList.toggle('hot', Number(text.dataset.index) === active && (!cross || text.dataset.side === 'from'));
      });
    }
    if (this._heatCanvas && this._heatCanvas.isConnected) {
      const { rowMark, columnMark } = this._heatParts;
      const { seqLen, contextLen } = this._result;
      const cell = this._heatCanvas._cell;
      placeMark(rowMark, active !== null && active < seqLen ? [0, active * cell, contextLen * cell, cell] : null);
      placeMark(columnMark, active !== null && !cross && active < contextLen ? [active * cell, 0, cell, seqLen * cell] : null);
      highlightAxisLabel(this._heatParts.rows, active);
      highlightAxisLabel(this._heatParts.columns, cross ? null : active);
    }
  }

  _showTooltip(event, text) {
    const box = this._shadow.querySelector('.lab').getBoundingClientRect();
    this._tooltip.textContent = text;
    this._tooltip.style.display = 'block';
    this._tooltip.style.left = `${Math.min(event.clientX - box.left + 12, box.width - 40)}px`;
    this._tooltip.style.top = `${event.clientY - box.top + 14}px`;
  }

  _hideTooltip() {
    this._tooltip.style.display = 'none';
  }
}

// A small line chart of held-out loss against heads pruned, plus the numbers as a table.
function curveChart(points, measureName) {
  const width = 360;
  const height = 160;
  const pad = 34;
  const losses = points.map((p) => p.loss);
  const low = Math.min(...losses);
  const high = Math.max(...losses);
  const x = (k) => pad + (k / Math.max(1, points.length - 1)) * (width - 2 * pad);
  const y = (loss) => height - pad + 10 - ((loss - low) / Math.max(1e-9, high - low)) * (height - 2 * pad);
  const svg = h('svg:svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
    'aria-label': `Held-out loss from ${low.toFixed(2)} to ${high.toFixed(2)} nats as 0 to ${points.length - 1} heads are switched off` });
  svg.append(h('svg:polyline', { points: points.map((p) => `${x(p.k)},${y(p.loss)}`).join(' '), fill: 'none', stroke: 'currentColor', 'stroke-width': '2' }));
  for (const p of points) svg.append(h('svg:circle', { cx: x(p.k), cy: y(p.loss), r: '3', fill: 'currentColor' }));
  svg.append(h('svg:text', { x: pad, y: height - 4, class: 'caption' }, 'heads switched off →'));
  svg.append(h('svg:text', { x: 2, y: 12, class: 'caption' }, `loss (nats): ${low.toFixed(2)} to ${high.toFixed(2)}`));
  const table = h('table', { class: 'compare' },
    h('caption', {}, `Held-out masked-word loss, ${points[0].sentences} unseen sentences, heads removed least important first (${measureName.toLowerCase()})`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Heads off'), h('th', { scope: 'col' }, 'Loss (nats per word)'))),
    h('tbody', {}, ...points.map((p) => h('tr', {}, h('td', {}, String(p.k)), h('td', {}, p.loss.toFixed(3))))));
  return h('div', { class: 'lines' }, svg, table);
}

// How far `changed` moved from `reference`: relative L2 distance and cosine similarity.
function relativeChange(changed, reference) {
  let difference = 0;
  let norm = 0;
  let dot = 0;
  let changedNorm = 0;
  for (let i = 0; i < reference.length; i++) {
    difference += (changed[i] - reference[i]) ** 2;
    norm += reference[i] ** 2;
    changedNorm += changed[i] ** 2;
    dot += changed[i] * reference[i];
  }
  return { relative: norm ? Math.sqrt(difference / norm) : 0, cosine: norm && changedNorm ? dot / Math.sqrt(norm * changedNorm) : 1 };
}

// Text is only rewritten when it changes: setting the same text still
// replaces the text node and costs a layout.
function setText(element, text) {
  if (element.nodeType === Node.TEXT_NODE) {
    if (element.data !== text) element.data = text;
    return;
  }
  const only = element.firstChild;
  if (only && only === element.lastChild && only.nodeType === Node.TEXT_NODE && text) {
    if (only.data !== text) only.data = text;  // a changed text node, not a new one
  } else if (element.textContent !== text) {
    element.textContent = text;
  }
}

// Keeps `parent`'s children equal to `items` ({ key, build }), position by
// position: a child whose key is unchanged stays in the DOM untouched.
// An item with `update` and `shape` rewrites a child of the same shape in
// place instead of replacing it.
function patchKeyed(parent, items) {
  items.forEach(({ key, build, update, shape }, index) => {
    const old = parent.children[index];
    if (old && old.dataset.key === key) return;
    if (old && update && old.dataset.shape === shape) {
      update(old);
      old.dataset.key = key;
      return;
    }
    const node = build();
    if (update) update(node);  // a new node of this shape is filled in the same way
    node.dataset.key = key;
    if (shape) node.dataset.shape = shape;
    if (old) old.replaceWith(node); else parent.append(node);
  });
  while (parent.children.length > items.length) parent.lastElementChild.remove();
}

// A heatmap axis: the (shortened) words as lines of one text, each line
// `cell` px along the axis, none highlighted. Rewritten only when a word or
// the cell changes.
function setAxisLabels(axis, words, cell) {
  highlightAxisLabel(axis, null);  // back to one text node first: setText would keep a highlight span whose words are unchanged
  axis._cell = cell;
  const lineHeight = `${cell}px`;
  if (axis.style.lineHeight !== lineHeight) axis.style.lineHeight = lineHeight;
  axis._lines = words.map((word) => shortened(word, LABEL_CHARS));
  setText(axis, axis._lines.join('\n'));
}

// The word at `index` in bold highlight colour (a span around that line), or none.
function highlightAxisLabel(axis, index) {
  const lines = axis._lines;
  const line = index !== null && lines && index < lines.length ? index : null;
  if (axis._highlighted === line) return;
  axis._highlighted = line;
  if (line === null) {
    axis.textContent = lines ? lines.join('\n') : '';
    return;
  }
  const before = lines.slice(0, line).map((word) => `${word}\n`).join('');
  const after = lines.slice(line + 1).map((word) => `\n${word}`).join('');
  axis.replaceChildren(before, h('span', { class: 'hot', 'data-index': line }, lines[line]), after);
}

// The evidence paragraphs: [class, text] each, rewritten only where the text changed.
function patchParagraphs(container, paragraphs) {
  patchKeyed(container, paragraphs.map(([kind, text]) => ({ key: `${kind}\u0000${text}`, build: () => h('p', { class: kind || undefined }, text) })));
}

// An outline over the heatmap at [left, top, width, height] CSS pixels, or hidden.
function placeMark(mark, box) {
  const style = mark.style;
  const display = box ? 'block' : 'none';
  if (style.display !== display) style.display = display;
  if (!box) return;
  const [left, top, width, height] = box.map((value) => `${value}px`);
  if (style.left !== left) style.left = left;
  if (style.top !== top) style.top = top;
  if (style.width !== width) style.width = width;
  if (style.height !== height) style.height = height;
}

function swatch(index) {
  const span = h('span', { class: 'swatch', 'aria-hidden': 'true' });
  span.style.background = headColour(index);
  return span;
}

function fillWidth(strength) {
  return `${Math.max(0, Math.min(100, strength * 100)).toFixed(1)}%`;
}


// Overlay: each enabled head multiplies its hue in with opacity = weight.
function drawOverlay(canvas, heads, enabled, rows, cols, cell) {
  const ratio = Math.max(1, Math.round(globalThis.devicePixelRatio || 1));
  const step = cell * ratio;
  canvas.width = cols * step;
  canvas.height = rows * step;
  canvas.style.width = `${cols * cell}px`;
  canvas.style.height = `${rows * cell}px`;
  const context = canvas.getContext('2d');
  if (!context) return;
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.globalCompositeOperation = 'multiply';
  for (const index of enabled) {
    context.fillStyle = headColour(index);
    const { weights } = heads[index];
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        context.globalAlpha = Math.min(1, weights[i * cols + j]);
        context.fillRect(j * step, i * step, step, step);
      }
    }
  }
  context.globalAlpha = 1;
  context.globalCompositeOperation = 'source-over';
}

export function defineAttentionLab(name = 'attention-lab') {
  if (!customElements.get(name)) customElements.define(name, AttentionLabElement);
}
