// <attention-lab>: one multi-head attention layer (or a trained model's
// layers), computed by the wasm engine for the learner's own sentence and
// drawn head by head.
//
// Attributes: sentence, heads (default 8), d-model (64), seed (0),
//             layer, head, view, lock, temperature, scaling, heads-off (the view to open on),
//             source ("trained"; "seeded-random" for one random layer of any shape),
//             causal (boolean), context, top-k (8). heads, d-model, causal and
//             context shape the seeded-random layer; a trained model has its own.
// JS API:     el.sentence, el.selectHead(i, layer), el.selectedHead, el.selectedLayer,
//             el.getTables(), el.getAttention(), el.getHeads(), el.getRollout(), el.recompute(), el.ready (Promise),
//             el.state (get/set), el.copyLink(),
//             'attention-lab-update' event.
//
// This file keeps attributes, mounting and the public API. The state and
// every computation live in lab/store.js; each part of the screen is a view
// in views/ (one file each); hover and lock are lab/highlight.js.
// User text only ever reaches the DOM as text nodes (never as markup).
import { h } from './draw.js';
import { STYLES, adoptStyles } from './styles.js';
import { DEFAULTS, OBSERVED_ATTRIBUTES, readConfig } from './lab/config.js';
import { HighlightController } from './lab/highlight.js';
import { LabStore } from './lab/store.js';
import { setText } from './lab/dom.js';
import { whenWanted } from './when-wanted.js';
import { mark } from './marks.js';
import { createHeaderView } from './views/header.js';
import { createTokensView } from './views/tokens.js';
import { createArchitectureView } from './views/architecture.js';
import { createHeadGridView } from './views/head-grid.js';
import { createFocusView } from './views/focus.js';
import { createExperimentsView } from './views/experiments.js';
import { createAcrossLayersView } from './views/across-layers.js';
import { createHeadMapView } from './views/head-map.js';
import { STATE_ATTRIBUTES, applyState, currentState, fragmentWith, stateFromAttributes, stateFromFragment } from './lab/view-state.js';

export { headColour } from './lab/format.js';

export class AttentionLabElement extends HTMLElement {
  static get observedAttributes() {
    return OBSERVED_ATTRIBUTES;
  }

  constructor() {
    super();
    this._shadow = this.attachShadow({ mode: 'open' });
    this._adoptStyles();
    this._store = new LabStore({
      readConfig: (state) => {
        const config = readConfig(this, state);
        if (this._stateNotice) config.notes.push(this._stateNotice);
        return config;
      },
      text: () => this._input.value,
      render: () => this._render(),
      showStatus: (message, kind) => this._showStatus(message, kind),
      clear: ({ tokens }) => this._clear(tokens),
      updated: (tokens) => {
        if (!this._drawn) mark(`attention-lab: first picture${this.id ? ` #${this.id}` : ''}`);
        this._drawn = true;
        this.dispatchEvent(new CustomEvent('attention-lab-update', { detail: { tokens: [...tokens] }, bubbles: true, composed: true }));
      },
    });
    this._highlight = new HighlightController(this._store);
    // paper has no viewport: what waits for one is drawn now
    this._beforePrint = () => {
      this._views.grid.drawStale();
      this._views.focus.drawLater();
    };
    this.ready = this._store.ready.then(() => this);
    this._build();
  }

  connectedCallback() {
    (this.ownerDocument.defaultView ?? globalThis).addEventListener('beforeprint', this._beforePrint);
    if (!this._input.value) this._input.value = this.getAttribute('sentence') ?? DEFAULTS.sentence;
    // the view a teacher asked for: attributes, then this widget's entry in the page's link
    const linked = stateFromFragment(this.id);
    this._pendingState = { ...stateFromAttributes(this), ...(linked ?? {}) };
    if (linked && typeof linked.sentence === 'string' && linked.sentence.length <= 100000) this._input.value = linked.sentence;
    // the first computation waits until the widget is near the viewport (or the page is idle)
    if (this._wanted?.started) this._store.schedule(0);
    else {
      this._store.warmUp();  // the engine compiles and a model script downloads meanwhile
      this._wanted = whenWanted(this, () => this._store.schedule(0), { drawn: () => this._store.ready });
    }
  }

  disconnectedCallback() {
    (this.ownerDocument.defaultView ?? globalThis).removeEventListener('beforeprint', this._beforePrint);
    this._store.cancel();
    this._wanted?.cancel();
  }

  /** A script asked for this widget's numbers: start now if it has not yet. */
  _wantedNow() {
    if (this._wanted && !this._wanted.started) this._wanted.now();
  }

  adoptedCallback() {
    this._adoptStyles();
  }

  _adoptStyles() {
    adoptStyles(this._shadow, this.ownerDocument.defaultView ?? globalThis, STYLES);
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (oldValue === newValue) return;
    if (name === 'sentence' && this._input && this._input.value !== newValue) this._input.value = newValue ?? '';
    if (name === 'top-k') this._store.state.topK = null;
    if (STATE_ATTRIBUTES.includes(name)) this._pendingState = { ...(this._pendingState ?? {}), ...stateFromAttributes(this) };
    // (an upgrade reports the page's own attributes before connectedCallback: those wait for it)
    if (this.isConnected && this._wanted) {
      this._wantedNow();
      this._store.schedule(0);
    }
  }

  // ---- public API ---------------------------------------------------------
  get sentence() { return this._input.value; }
  set sentence(text) {
    this._input.value = String(text ?? '');
    this._wantedNow();
    this._store.schedule(0);
  }
  /**
   * The view as plain data (layers, heads and positions from 1): { sentence, layer,
   * head, view, overlay, lock, topK, temperature, scaling, headsOff: ['layer.head'] }.
   * Setting it applies what fits and names the rest in the status line.
   */
  get state() { return currentState(this._store, this._input.value); }
  set state(value) {
    if (!value || typeof value !== 'object') throw new TypeError('state must be an object (see el.state)');
    if (typeof value.sentence === 'string') this._input.value = value.sentence;
    this._pendingState = { ...value };
    this._wantedNow();
    this._store.schedule(0);
  }
  /** Writes this widget's view into the page URL's fragment (the widget needs an id); resolves to the link. */
  async copyLink() {
    if (!this.id) throw new Error('give the widget an id to link to its view');
    const hash = fragmentWith(this.id, this.state);
    globalThis.history?.replaceState(null, '', hash);
    const link = globalThis.location.href;
    try {
      await globalThis.navigator.clipboard.writeText(link);
      this._showStatus('Link to this view copied (and set as the page address).', 'info');
    } catch {
      this._showStatus(`Link to this view (set as the page address): ${link}`, 'info');
    }
    return link;
  }
  get selectedHead() { return this._store.state.selectedHead; }
  get selectedLayer() { return this._store.state.layer; }
  /**
   * Recomputes now (no debounce); resolves when the view is drawn, the parts
   * off screen too (but the pictures of head cards far from the window, which
   * wait for it: views/head-grid.js).
   */
  async recompute() {
    this._wantedNow();
    this._store.cancel();
    await this._store.compute();
    this._views.grid.drawLater();
    this._views.focus.drawLater();
  }
  selectHead(index, layer = this._store.state.layer) {
    this._store.selectHead(index, layer);
    this._renderViews();
  }
  /** The From Word / To Word / Attention Strength tables of the shown layer (after top-k, threshold and sorting). */
  getTables() {
    const result = this._store.result;
    if (!result) return [];
    return result.heads.map((head, index) => ({
      layer: head.layer,
      head: index,
      name: head.name,
      role: head.summary.role,
      rows: this._store.tableRows(index).map(({ from, to, fromIndex, toIndex, strength }) => ({ from, to, fromIndex, toIndex, strength })),
    }));
  }
  /**
   * Every head of every layer as data: its label, the criterion behind it and
   * the evidence (shares and entropy on this sentence, held-out statistics and
   * the closest word relation when the model has them).
   */
  getHeads() {
    const result = this._store.result;
    if (!result) return [];
    return result.layers.map((layer) => layer.heads.map((head) => ({
      layer: head.layer, head: head.head, name: head.name,
      role: head.summary.role, evidence: head.summary.evidence,
      sentence: { role: head.summary.sentenceRole, evidence: head.summary.sentenceEvidence, shares: { ...head.summary.shares },
        meanEntropy: head.summary.meanEntropy, normalisedEntropy: head.summary.normalisedEntropy },
      heldout: head.heldout ? { ...head.heldout } : null,
      relation: head.relation ? structuredClone(head.relation) : null,
    })));
  }
  /** Attention rollout through every layer, (seqLen, seqLen) row-major, or null for one-layer sources (cpp/analysis/rollout.h). */
  getRollout() {
    return this._views.across.getRollout();
  }
  /** The numbers behind the pictures: tokens and a copy of every head's weights (numLayers, numHeads, seqLen, seqLen). */
  getAttention() {
    const result = this._store.result;
    if (!result) return null;
    const { tokens, contextTokens, contextLen, numHeads, numLayers, seqLen, attention, dModel, headDim, source } = result;
    return { tokens: [...tokens], contextTokens: [...contextTokens], numLayers, numHeads, seqLen, contextLen, dModel, headDim, source, attention: attention.slice(),
      roles: result.layers.map((layer) => layer.heads.map((head) => head.summary.role)) };
  }

  // ---- the frame and its views ----------------------------------------------
  _build() {
    const store = this._store;
    const highlight = this._highlight;
    this._input = h('input', { type: 'text', spellcheck: 'false', autocomplete: 'off', maxlength: '100000' });
    this._input.addEventListener('input', () => { this._stateNotice = ''; store.schedule(); });
    this._status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    this._tooltip = h('div', { class: 'tooltip', role: 'presentation' });
    const context = { store, highlight, element: this, tooltip: this._tooltipControl(), actions: this._actions() };
    this._views = {
      header: createHeaderView(context),
      tokens: createTokensView(context),
      architecture: createArchitectureView(context),
      grid: createHeadGridView(context),
      focus: createFocusView(context),
      experiments: createExperimentsView(context),
      across: createAcrossLayersView(context),
      headMap: createHeadMapView(context),
    };
    const views = this._views;
    for (const view of [views.tokens, ...views.focus.views, views.across]) highlight.register(view);
    this._lab = h('section', { class: 'lab pending', 'aria-label': 'Multi-head attention explorer' },
      ...views.header.roots,
      h('form', { class: 'sentence-form', onsubmit: (event) => event.preventDefault() }, h('label', { class: 'sentence' }, 'Your sentence', this._input)),
      ...views.tokens.roots,
      this._status,
      ...views.architecture.roots,
      h('div', { class: 'body' }, views.grid.root, views.focus.root),
      views.headMap.root,
      views.across.root,
      views.experiments.root,
      this._tooltip);
    this._shadow.append(this._lab);
  }

  _tooltipControl() {
    return {
      show: (event, text) => {
        const box = this._lab.getBoundingClientRect();
        this._tooltip.textContent = text;
        this._tooltip.style.display = 'block';
        this._tooltip.style.left = `${Math.min(event.clientX - box.left + 12, box.width - 40)}px`;
        this._tooltip.style.top = `${event.clientY - box.top + 14}px`;
      },
      hide: () => { this._tooltip.style.display = 'none'; },
    };
  }

  // What the learner's controls do: change the state, redraw what shows it,
  // and give focus back to the control (a redraw may have replaced it).
  _actions() {
    const store = this._store;
    const state = store.state;
    const redrawFocus = (selector) => {
      this._views.focus.update(store.result, state);
      this._highlight.apply();
      if (selector) this._views.focus.focus(selector);
    };
    return {
      selectHead: (index, layer) => this.selectHead(index, layer),
      toggleOverlay: () => {
        store.toggleOverlay();
        this._renderViews();
      },
      toggleOverlayHead: (index, on) => {
        if (on) state.overlay.add(index); else state.overlay.delete(index);
        redrawFocus(`.overlay-toggles input[data-head="${index}"]`);
      },
      showView: (view) => {
        state.view = view;
        redrawFocus(`button[data-view="${view}"]`);
      },
      sortTable: (key) => {
        const direction = state.sort.key === key && state.sort.direction === 'descending' ? 'ascending' : 'descending';
        state.sort = { key, direction };
        redrawFocus(`th button[data-sort="${key}"]`);
      },
      setTableOption: (change, selector) => {
        Object.assign(state, change);
        redrawFocus(selector);
      },
      followWord: (index) => {
        state.locked = null;
        state.experiment.position = index;
        redrawFocus('.steps select');
      },
      hideWord: (index) => {
        state.experiment.position = index;
        this._views.experiments.update();
      },
      rankBy: (key) => {
        state.experiment.sort = key;
        this._views.experiments.update();
        this._views.experiments.focus(`th button[data-sort="${key}"]`);
      },
    };
  }

  _showStatus(message, kind) {
    setText(this._status, message || '');
    this._status.classList.toggle('error', Boolean(message) && kind === 'error');
  }

  _clear(tokens) {
    if (this._lab.classList.contains('pending')) this._lab.classList.remove('pending');  // a message instead of a picture: no room kept for one
    if (tokens) this._views.tokens.clear();
    for (const name of ['grid', 'focus', 'experiments', 'architecture', 'across', 'headMap']) this._views[name].clear();
  }

  _render() {
    if (this._lab.classList.contains('pending')) this._lab.classList.remove('pending');
    const result = this._store.result;
    if (result && this._pendingState) this._applyPendingState(result);
    this._views.header.update(result);
    this._views.tokens.update(result);
    this._views.architecture.update(result);
    this._renderViews();
  }

  _applyPendingState(result) {
    const pending = this._pendingState;
    this._pendingState = null;
    const { problems, experiment } = applyState(this._store, pending, result);
    this._stateNotice = problems.length ? `Ignored from the saved view: ${problems.join('; ')}` : '';
    if (this._stateNotice) this._showStatus(this._stateNotice, 'info');
    const e = this._store.state.experiment;
    const changed = Object.entries(experiment).some(([key, value]) => (key === 'disabled'
      ? [...value].sort().join() !== [...e.disabled].sort().join() : e[key] !== value));
    if (changed) {
      Object.assign(e, experiment);
      this._store.schedule(0);
    }
  }

  _renderViews() {
    const result = this._store.result;
    if (!result) return;
    const state = this._store.state;
    this._views.grid.update(result, state);
    this._views.focus.update(result, state);
    this._views.experiments.update();
    this._views.across.update();
    this._views.headMap.update();
    this._highlight.apply();
  }
}

export function defineAttentionLab(name = 'attention-lab') {
  if (!customElements.get(name)) customElements.define(name, AttentionLabElement);
}
