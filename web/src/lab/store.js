// The widget's one state and the only widget module that calls the weight
// source and the engine. Views read `store.state` and `store.result`, and ask
// the store for any further number (tables, experiments); they never compute.
//
// Data path: attributes/typing -> store.schedule() -> source.compute(engine)
// -> engine.headSummaries -> store.result -> host.render() -> views.
import { loadEngine } from '../engine.js';
import { checkComputed } from '../weight-sources.js';
import { allLinks } from './links.js';
import { MeasureLater } from './measure-later.js';
import { PICTURE_LIMITS, downsampleByMax } from './pictures.js';
import { describeHeldoutRole, describeRole, relationEvidence, relationLabel } from './format.js';

const DEBOUNCE_MS = 120;
const CHEAP_WORK_MS = 33;  // recomputes of at most two frames run on every keystroke (a key comes every ~100 ms)

/**
 * @typedef {object} HeadSummary  What a head does (numbers from cpp/analysis/head_roles.h)
 * @property {{previous: number, next: number, self: number, first: number, punctuation: number}} shares
 *   share of this sentence's rows whose strongest link is that relation (NaN for positions in cross-attention)
 * @property {number} meanEntropy         mean row entropy, nats
 * @property {number} normalisedEntropy   mean row entropy / log(contextLen), in [0, 1]
 * @property {string} role                the label shown (held-out text's when the model has it)
 * @property {string} evidence            the sentence that justifies it
 * @property {string} sentenceRole        this sentence's label
 * @property {string} sentenceEvidence
 * @property {object|null} heldout        the model file's held-out statistics of this head
 * @property {boolean} [cross]
 *
 * @typedef {object} LabHead
 * @property {string} name               "Head 2" or "L1 Head 2"
 * @property {number} layer
 * @property {number} head
 * @property {Float32Array} weights      (seqLen, contextLen), rows sum to 1
 * @property {object|null} heldout
 * @property {object|null} relation    the word relation it comes closest to on held-out text (trained models)
 * @property {HeadSummary} summary
 * @property {{length: number, strongest(count: number, minimum?: number): object[]}} links  (built on first use)
 *
 * @typedef {object} LabResult           One computation, replaced on every recompute
 * @property {string[]} tokens           (seqLen) as the model sees them
 * @property {{text: string, surface: string, unknown: boolean}[]} tokenInfo  (seqLen)
 * @property {string[]} contextTokens    (contextLen): the attended sentence (= tokens in self-attention)
 * @property {boolean} cross
 * @property {number} seqLen
 * @property {number} contextLen
 * @property {number} numLayers
 * @property {number} numHeads
 * @property {number} dModel
 * @property {number} headDim
 * @property {Float32Array} attention    (numLayers, numHeads, seqLen, contextLen)
 * @property {{heads: LabHead[]}[]} layers  (numLayers)
 * @property {LabHead[]} heads           the shown layer's heads
 * @property {object} config             the attributes read for it (lab/config.js)
 * @property {string} source             the weight source's id
 * @property {object} [experiment]       what the experiments may ask the source for
 * @property {object} [architecture]     { layers, dFF, vocab, parameters } of multi-layer models
 */

export function initialState() {
  return {
    layer: 0, selectedHead: 0, view: 'heatmap', hover: null, hoverCell: null, locked: null, overlay: null,
    sort: { key: 'strength', direction: 'descending' }, topK: null, threshold: 0,
    experiment: { scaling: true, temperature: 1, disabled: new Set(), open: false, position: null, sort: 'sensitivity', shapeKey: null },
  };
}

export class LabStore {
  /**
   * host: { readConfig(state) -> config, text() -> string, render(), showStatus(message, kind), clear(), updated(tokens) }
   */
  constructor(host) {
    this.host = host;
    this.state = initialState();
    /** @type {LabResult|null} */
    this.result = null;
    this._timer = null;
    this._ticket = 0;
    this._recentWorkMs = [];
    this._readyResolve = null;
    this.ready = new Promise((resolve) => { this._readyResolve = resolve; });
    // slow per-head measures (importance), after the views are drawn
    this._later = new MeasureLater({
      onComplete: () => this.host.render(),
      onError: (message) => this.host.showStatus(`Measuring the heads failed: ${message}`, 'error'),
    });
  }

  _resolveReady() {
    if (this._readyResolve) { this._readyResolve(); this._readyResolve = null; }
  }

  // ---- computing ----------------------------------------------------------------
  // Typing: when a recent recompute + redraw was cheap (the usual case), redo
  // it at once so the next frame shows it; when they were slow (long sentences
  // through the trained model with experiments open), wait for a pause in typing.
  schedule(delay = DEBOUNCE_MS) {
    this.cancel();
    if (delay === DEBOUNCE_MS && this._recentWorkMs.some((ms) => ms <= CHEAP_WORK_MS)) {
      this.compute();
      return;
    }
    this._timer = setTimeout(() => { this._timer = null; this.compute(); }, delay);
  }

  /** Starts what a first computation waits for (the engine, a model script) without computing. */
  warmUp() {
    const config = this.host.readConfig(this.state);
    if (config.problems.length) return;
    config.source.prefetch?.();
    loadEngine().catch(() => {});  // compute() reports a failure in words
  }

  cancel() {
    clearTimeout(this._timer);
    this._timer = null;
    this._later.cancel();  // a recompute follows (or the widget left the page): its measures start again
  }

  fail(message) {
    this.result = null;
    this.host.showStatus(message, 'error');
    this.host.clear({ tokens: false });
    this._resolveReady();
  }

  async compute() {
    const ticket = ++this._ticket;
    const started = performance.now();
    const config = this.host.readConfig(this.state);
    if (config.problems.length) {
      this.fail(config.problems.join('; '));
      return;
    }
    // switched-off heads belong to one architecture: forget them when it changes
    const experiment = this.state.experiment;
    const shapeKey = `${config.source.id}:${config.heads}:${config.dModel}`;
    if (experiment.shapeKey !== shapeKey) {
      experiment.shapeKey = shapeKey;
      experiment.disabled = new Set();
    }
    let engine;
    let view;
    // a first load (the engine, a model file) can take a moment: say so
    const slow = setTimeout(() => { if (ticket === this._ticket) this.host.showStatus(`Loading ${config.source.label}…`, 'info'); }, 300);
    try {
      config.source.prefetch?.();  // a model script downloads while the engine compiles
      engine = await loadEngine();
      this._engine = engine;
      if (ticket !== this._ticket) return;
      view = await config.source.compute(engine, {
        text: this.host.text(), context: config.context, heads: config.heads, dModel: config.dModel, seed: config.seed, causal: config.causal,
        poolLimits: Object.values(PICTURE_LIMITS),
        // two buffers a source may reuse for the weights: the one shown, and the next
        attentionBuffers: (this._attentionBuffers ??= { arrays: [] }),
        ...this.experimentOptions(),
      });
      if (ticket !== this._ticket) return;  // a newer edit is on its way
      const problem = checkComputed(config.source.id, view);
      if (problem) throw new Error(problem);
      if (view.tokens.length === 0) {
        this.result = null;
        this.host.showStatus('Type a sentence to see its attention.', 'empty');
        this.host.clear({ tokens: true });
        this._resolveReady();
        return;
      }
      this.result = this._resultOf(engine, view, config);
    } catch (error) {
      // a source may throw anything (a string, null): say what happened in words
      const message = error instanceof Error ? error.message : `the weight source failed: ${String(error)}`;
      if (ticket === this._ticket) this.fail(message);
      return;
    } finally {
      clearTimeout(slow);
    }
    const { numHeads, numLayers, seqLen } = this.result;
    const state = this.state;
    if (state.layer >= numLayers) state.layer = 0;
    if (state.selectedHead >= numHeads) state.selectedHead = 0;
    if (state.locked !== null && state.locked >= seqLen) state.locked = null;
    state.hover = null;
    if (state.overlay) state.overlay = new Set([...state.overlay].filter((h) => h < numHeads));
    this.result.heads = this.result.layers[state.layer].heads;
    const message = [...config.notes, view.message].filter(Boolean).join('. ');
    this.host.showStatus(message, message ? 'info' : null);
    this.host.render();
    // the last two: one slow run (a garbage collection, say) must not switch
    // typing to the pause for as long as the learner keeps typing
    this._recentWorkMs = [this._recentWorkMs.at(-1), performance.now() - started].filter((ms) => ms !== undefined);
    this.host.updated(this.result.tokens);
    this._resolveReady();
  }

  /** @returns {LabResult} */
  _resultOf(engine, view, config) {
    const tokens = view.tokens.map((t) => t.text);
    const { seqLen, numHeads, numLayers } = view;
    const cross = Boolean(view.contextTokens);
    const contextInfo = cross ? view.contextTokens : view.tokens;
    const contextTokens = contextInfo.map((t) => t.text);
    const contextLen = cross ? view.contextLen : seqLen;
    const criterion = view.criterion ?? engine.analysisRules.roleThreshold;
    const summaries = engine.headSummaries({ attention: view.attention, rowEntropy: view.rowEntropy, rowArgmax: view.rowArgmax, numLayers, numHeads, seqLen, contextLen,
      punctuation: contextInfo.map((t) => t.punctuation), cross, heldout: view.heldout, criterion });
    const rules = { ...engine.analysisRules, roleThreshold: criterion };
    const layers = [];
    for (let layer = 0; layer < numLayers; layer++) {
      const heads = [];
      for (let head = 0; head < numHeads; head++) {
        const index = layer * numHeads + head;
        const offset = index * seqLen * contextLen;
        const weights = view.attention.subarray(offset, offset + seqLen * contextLen);
        const heldout = view.heldout ? view.heldout[layer][head] : null;
        const relation = view.relations?.[layer]?.[head] ?? null;
        const measured = summaries[index];
        const sentence = describeRole(measured.role, rules, cross ? 'Cross-attention' : 'This sentence');
        // a word relation earned on held-out text names the head; else its positional role does
        const positional = view.positional?.heads?.[layer]?.[head];
        const shown = relation?.earned ? { role: relationLabel(relation), evidence: relationEvidence(relation).replace(/\.$/, '') }
          : positional ? describeHeldoutRole(positional, Object.fromEntries(Object.entries(view.positional.kinds).map(([name, k]) => [name, k[layer][head]])),
            view.positional.criterion, view.positional.broadEntropy)
            : measured.heldoutRole ? describeRole(measured.heldoutRole, rules, 'Held-out text') : sentence;
        const entry = {
          name: numLayers > 1 ? `L${layer + 1} Head ${head + 1}` : `Head ${head + 1}`,
          layer, head, weights, heldout, relation,
          summary: { shares: measured.shares, meanEntropy: measured.meanEntropy, normalisedEntropy: measured.normalisedEntropy,
            role: shown.role, evidence: shown.evidence, sentenceRole: sentence.role, sentenceEvidence: sentence.evidence,
            heldout, ...(cross ? { cross: true } : {}) },
        };
        // a picture at most limit × limit: pooled by the engine when the source did, else here
        entry.picture = (limit) => {
          const pooled = view.pooled?.find((p) => p.limit === limit);
          if (!pooled) return Math.max(seqLen, contextLen) <= limit ? { weights, rows: seqLen, cols: contextLen, block: 1 } : downsampleByMax(weights, seqLen, contextLen, limit);
          const size = pooled.rows * pooled.cols;
          return { weights: pooled.values.subarray(index * size, (index + 1) * size), rows: pooled.rows, cols: pooled.cols, block: pooled.block };
        };
        // every (from, to) pair sorted: built the first time a table asks for it
        let links = null;
        const rowArgmax = view.rowArgmax?.subarray(index * seqLen, (index + 1) * seqLen) ?? null;
        Object.defineProperty(entry, 'links', { get: () => (links ??= allLinks(weights, tokens, seqLen, contextLen, contextTokens, rowArgmax)) });
        heads.push(entry);
      }
      layers.push({ heads });
    }
    return { ...view, tokens, tokenInfo: view.tokens, cross, contextTokens, contextLen, layers, heads: layers[0].heads, config, source: config.source.id };
  }

  // ---- selection ------------------------------------------------------------------
  selectHead(index, layer) {
    const result = this.result;
    const heads = result ? result.numHeads : 0;
    const layers = result ? result.numLayers : 0;
    if (!Number.isInteger(layer) || layer < 0 || layer >= layers) throw new RangeError(`layer must be 0..${layers - 1}`);
    if (!Number.isInteger(index) || index < 0 || index >= heads) throw new RangeError(`head must be 0..${heads - 1}`);
    this.state.selectedHead = index;
    this.state.layer = layer;
    this.result.heads = this.result.layers[layer].heads;
    this.state.overlay = null;
  }

  toggleOverlay() {
    if (!this.result) return;
    this.state.overlay = this.state.overlay ? null : new Set(this.result.heads.map((_, i) => i));
  }

  /** How many links the table lists: the learner's choice, else the top-k attribute. */
  topK() {
    return this.host.readConfig(this.state).topK;
  }

  /** The links table's rows for a head of the shown layer (top-k, threshold, sorting applied). */
  tableRows(headIndex) {
    const head = this.result.heads[headIndex];
    const rows = head.links.strongest(this.topK(), this.state.threshold);
    const { key, direction } = this.state.sort;
    const sign = direction === 'ascending' ? 1 : -1;
    const compare = key === 'strength'
      ? (a, b) => sign * (a.strength - b.strength)
      : (a, b) => sign * (a[key].localeCompare(b[key]) || a[`${key}Index`] - b[`${key}Index`]);
    return rows.slice().sort(compare);
  }

  // ---- experiments ------------------------------------------------------------------
  /** Options for a source: scaling off means scale = 1; disabled heads become 0 flags. */
  experimentOptions() {
    const e = this.state.experiment;
    const options = { scale: e.scaling ? undefined : 1, temperature: e.temperature === 1 ? undefined : e.temperature };
    if (e.disabled.size && this.result) {
      const { numLayers, numHeads } = this.result;
      options.headEnabled = Array.from({ length: numLayers * numHeads }, (_, k) => (e.disabled.has(`${Math.floor(k / numHeads)}:${k % numHeads}`) ? 0 : 1));
    }
    return options;
  }

  setExperiment(change) {
    Object.assign(this.state.experiment, change);
    this.schedule(0);
  }

  // Experiment numbers depend only on this computation's sentence and weights
  // (this.result, replaced on every recompute) and on their options: each is
  // measured once, so sorting the table, choosing a head or a word to hide
  // redraws without running the model again (the gradient column alone is
  // 2 × heads masked-sentence losses, each a model run per word).
  _measure(name, options, compute) {
    const cache = (this.result.measured ??= new Map());
    const key = `${name} ${JSON.stringify(options)}`;
    if (!cache.has(key)) cache.set(key, compute());
    return cache.get(key);
  }

  /** Across layers for word `query`: { raw, rollout (n, n), flow (n) or null, flowLimit }, or null for one-layer sources. */
  rollout(query) {
    const { experiment } = this.result;
    if (!experiment?.rollout || this.result.numLayers < 2) return null;
    const options = this.experimentOptions();
    return this._measure(`rollout ${query}`, options, () => experiment.rollout(query, options));
  }

  /** One head's queries and keys in one plane, or null when the source has no weights to give them. */
  queryKeyGeometry(layer, head, withHeldout) {
    const { experiment } = this.result;
    if (!experiment?.queryKeyGeometry) return null;
    const options = this.experimentOptions();  // heads switched off before this layer change its queries and keys
    return this._measure(`qk ${layer} ${head} ${withHeldout}`, options, () => experiment.queryKeyGeometry(layer, head, withHeldout, options));
  }

  /**
   * Every head with the measures the head map can plot: { layer, head, name,
   * values: { key: number | null } }. Shares and entropy are held-out numbers when the
   * model ships them, else this sentence's; importance is measured on this sentence
   * (only when asked: it runs the model once per head).
   */
  headMeasures(withImportance = false, withInduction = false) {
    const result = this.result;
    const importance = withImportance && result.experiment?.weightNorms ? this.importance() : null;
    const induction = withInduction ? this.induction() : null;
    const byKey = new Map(importance ? importance.rows.map((row) => [row.key, row]) : []);
    return result.layers.flatMap((layer) => layer.heads.map((head) => {
      const held = head.heldout;
      const shares = held ?? head.summary.shares;
      const kinds = head.relation ? Object.values(head.relation.kinds ?? {}) : [];
      const row = byKey.get(`${head.layer}:${head.head}`);
      return {
        layer: head.layer, head: head.head, name: head.name,
        values: {
          previous: shares.previous, next: shares.next,
          entropy: held ? held.normalised_entropy : head.summary.normalisedEntropy,
          relation: kinds.length ? kinds.reduce((sum, kind) => sum + kind.accuracy, 0) / kinds.length : null,
          sensitivity: row ? row.sensitivity : null,
          gradient: row ? row.gradient : null,
          induction: induction ? induction.prefixMatching[head.layer * result.numHeads + head.head] : null,
        },
        relationName: head.relation ? `${head.relation.from} → ${head.relation.to}` : null,
      };
    }));
  }

  // An experiment of the source (or `compute`) measured once per model (the same
  // for every sentence), or null when the source has none.
  _oncePerModel(name, compute = this.result.experiment?.[name]) {
    if (!compute) return null;
    this._perModel ??= new Map();
    const key = `${this.result.source}:${name}`;
    if (!this._perModel.has(key)) this._perModel.set(key, compute());
    return this._perModel.get(key);
  }

  /** The induction test on this model, or null when the source has none. */
  induction() {
    return this._oncePerModel('induction');
  }

  /** The 3 held-out sentences where a head's attention is most concentrated, or null. */
  heldoutPeaks(layer, head) {
    const peaks = this._oncePerModel('heldoutPeaks');
    return peaks ? peaks[layer * this.result.numHeads + head] : null;
  }

  /** Redraws the focus panel (a view's own control changed). */
  redrawFocus() {
    this.host.render();
  }

  /** The ablation check on held-out sentences (measured once per model), or null when the source has none. */
  ablationCheck() {
    return this._oncePerModel('ablationCheck');
  }

  /** Mean normalised entropy over every head of every layer. */
  meanEntropy() {
    const heads = this.result.layers.flatMap((layer) => layer.heads);
    return heads.reduce((sum, head) => sum + head.summary.normalisedEntropy, 0) / heads.length;
  }

  /** The output now against the default (all heads on, scaled, T = 1). */
  effect() {
    const { experiment } = this.result;
    const baseline = this._measure('run', {}, () => experiment.run({}));
    // sources that skip the output while typing compute it here, once per computation
    const current = this.result.output ?? this._measure('output', {}, () => experiment.output());
    return this._engine.outputChange(current, baseline);
  }

  /** The seeds' comparison: this layer computed with one head of width d_model. */
  singleHead() {
    const { experiment } = this.result;
    return experiment.compare ? this._measure('compare', 1, () => experiment.compare(1)) : null;
  }

  /** Masked-word loss (default and now) and the model's guesses for the hidden word at `position`. */
  lossAndPredictions(position) {
    const { experiment } = this.result;
    const options = this.experimentOptions();
    return {
      before: this._measure('maskedLoss', {}, () => experiment.maskedLoss({})),
      now: this._measure('maskedLoss', options, () => experiment.maskedLoss(options)),
      guessesBefore: this._measure(`predict ${position}`, {}, () => experiment.predict(position, {})),
      guessesNow: this._measure(`predict ${position}`, options, () => experiment.predict(position, options)),
    };
  }

  /**
   * Every head of every layer with its importance measures, least important
   * first by state.experiment.sort. Output sensitivity (a model run a head)
   * and gradient importance (two masked-sentence losses a head) are measured
   * after the views are drawn (see measure-later.js): until they are in, their
   * values are null and the rows rank by weight magnitude.
   */
  importance() {
    const result = this.result;
    const e = this.state.experiment;
    const options = this.experimentOptions();
    const { numLayers, numHeads, experiment } = result;
    const heads = result.layers.flatMap((layer) => layer.heads);
    const norms = experiment.weightNorms();
    // output sensitivity: the change when this head alone is switched off, all others on (scaling and temperature as now)
    const allOn = { ...options, headEnabled: undefined };
    const sensitivity = this._later.get(result, `sensitivity ${JSON.stringify(allOn)}`, numLayers * numHeads, (k) => {
      const current = this._measure('run', allOn, () => experiment.run(allOn));
      const alone = experiment.run({ ...allOn, headEnabled: Array.from({ length: numLayers * numHeads }, (_, j) => (j === k ? 0 : 1)) });
      return this._engine.outputChange(alone, current).relative;
    });
    const gradients = experiment.gradientImportance
      ? this._later.get(result, `gradientImportance ${JSON.stringify(allOn)}`, numLayers * numHeads, (k) => experiment.gradientImportance(allOn, k, 1)[0]) : null;
    const rows = heads.map((head) => {
      const k = head.layer * numHeads + head.head;
      return { head, key: `${head.layer}:${head.head}`, entropy: head.summary.normalisedEntropy, norm: norms[head.layer][head.head],
        sensitivity: sensitivity ? sensitivity[k] : null, gradient: gradients ? gradients[k] : null };
    });
    const measures = { sensitivity: ['Output sensitivity', (r) => r.sensitivity], norm: ['Weight magnitude', (r) => r.norm],
      entropy: ['Entropy (high = unimportant)', (r) => -r.entropy] };
    if (experiment.gradientImportance) measures.gradient = ['Gradient importance', (r) => r.gradient];
    if (!measures[e.sort]) e.sort = 'sensitivity';
    const pending = new Set([...(sensitivity ? [] : ['sensitivity']), ...(experiment.gradientImportance && !gradients ? ['gradient'] : [])]);
    const by = pending.has(e.sort) ? 'norm' : e.sort;
    rows.sort((a, b) => measures[by][1](a) - measures[by][1](b));  // least important first
    return { rows, hasGradients: Boolean(experiment.gradientImportance), measuring: [...pending], rankedBy: by, measureName: measures[by][0] };
  }

  /** A head's example sentences for its word relation, as tokens with the pair marked: [{ tokens, from, to, strongest }]. */
  relationExamples(head) {
    const examples = head.relation?.examples ?? [];
    // held-out sentences through the model as it is: once per model and head, whatever is typed
    return this._oncePerModel(`examples ${head.layer}:${head.head}`, () => examples.map((example) =>
      ({ ...this.result.experiment.attendedWord(example.text, head.layer, head.head, example.from), from: example.from, to: example.to })));
  }

  /** Every step of one head for one word (float64, from the engine). */
  trace(head, query) {
    return this.result.experiment.trace(head, query);
  }

  /** Held-out loss as heads are pruned in `order`; resolves to [{ k, loss, sentences }]. */
  heldoutCurve(order, onProgress) {
    const options = this.experimentOptions();
    delete options.headEnabled;
    return this.result.experiment.heldoutCurve(order, options, onProgress);
  }
}
