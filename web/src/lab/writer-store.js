// The state of one <attention-writer>: the model, its C++ writer (key/value
// cache), and every step written so far. The only writer module that calls
// the engine; views read `store.steps` and ask the store to act.
//
// A step is what the learner sees for one written word:
//   { token, word, position, prompt: boolean, attention: Float32Array
//     (numLayers, numHeads, position + 1), next: [{ id, word, probability }]
//     (the k likeliest words it was chosen from; null for prompt words),
//     probability (of the word written, under that distribution) }
import { loadEngine } from '../engine.js';
import { loadWriterModel } from '../trained-model.js';

export const WRITER_DEFAULTS = { prompt: 'Once upon a time', words: 20, temperature: 0, topK: 0, seed: 0, bars: 10 };

export class WriterStore {
  /** host: { render(), showStatus(message, kind) } */
  constructor(host) {
    this.host = host;
    this.settings = { ...WRITER_DEFAULTS, twin: false };
    this.model = null;       // the engine's handle of the model shown (trained or its random twin)
    this.writer = null;      // its writer
    this.steps = [];
    this.selected = null;    // index into steps of the word whose panel is open
    this.head = 0;           // layer * numHeads + head shown in the growing matrix and the lines
    this.running = false;    // a Generate loop is writing
    this._trained = null;
    this._twin = null;
    this._run = 0;           // bumps to stop a Generate loop
    this.ready = Promise.resolve();
  }

  get config() { return this.model ? this.model.config : null; }

  async _models() {
    const engine = await loadEngine();
    if (!this._trained) this._trained = await loadWriterModel(engine);
    if (this.settings.twin && !this._twin) this._twin = this._trained.randomTwin(0);  // the untrained twin: seed 0, like <attention-lab>'s
    return this.settings.twin ? this._twin : this._trained;
  }

  /** Starts again from the prompt: its words, with their attention rows. */
  async restart() {
    this.stop();
    const run = this._run;
    try {
      const model = await this._models();
      if (run !== this._run) return;
      const tokens = model.tokenize(this.settings.prompt).slice(0, model.config.maxLen - 1);
      this._release();
      this.model = model;
      this.steps = [];
      this.selected = null;
      if (tokens.length === 0) {
        this.host.showStatus('Type a prompt for the model to continue.', 'empty');
        this.host.render();
        return;
      }
      this.writer = model.startWriting(tokens.map((t) => t.id), { seed: this.settings.seed });
      tokens.forEach((token, position) => this.steps.push({
        token: token.id, word: token.text, position, prompt: true, unknown: token.unknown,
        attention: this.writer.promptAttention[position], next: null, probability: null,
      }));
      this.selected = this.steps.length - 1;
      const cut = model.tokenize(this.settings.prompt).length > tokens.length;
      this.host.showStatus(cut ? `The writer reads at most ${model.config.maxLen} tokens; the prompt was cut.` : '', cut ? 'info' : null);
      this.host.render();
    } catch (error) {
      this.host.showStatus(error instanceof Error ? error.message : String(error), 'error');
    }
  }

  /** Writes one word (chosen by the model, or `token` when the learner picked it). */
  step(token) {
    if (!this.writer) return null;
    const { temperature, topK, bars } = this.settings;
    if (this.writer.length >= this.config.maxLen) {
      this.host.showStatus(`The writer reads at most ${this.config.maxLen} tokens: rewind (click a word) to write on.`, 'info');
      return null;
    }
    const written = this.writer.step({ temperature, topK, k: bars, token });
    this.steps.push({ ...written, prompt: false, unknown: false });
    this.selected = this.steps.length - 1;
    return written;
  }

  /** Writes up to `count` words, one per frame, so the learner watches; stop() ends it. */
  async generate(count = this.settings.words) {
    if (!this.writer || this.running) return;
    const run = ++this._run;
    this.running = true;
    this.host.render();
    try {
      for (let i = 0; i < count && run === this._run; i++) {
        if (!this.step()) break;
        this.host.render();
        await new Promise((resolve) => requestAnimationFrame(() => resolve()));
      }
    } catch (error) {
      this.host.showStatus(error instanceof Error ? error.message : String(error), 'error');
    } finally {
      if (run === this._run) this.running = false;
      this.host.render();
    }
  }

  stop() {
    this._run++;
    this.running = false;
  }

  /** Keeps the words before step `index` (at least the prompt's first word) and forgets the rest. */
  rewind(index) {
    if (!this.writer) return;
    this.stop();
    const keep = Math.max(1, index);
    this.writer.rewind(keep);
    this.steps.length = keep;
    this.selected = keep - 1;
    this.host.showStatus('', null);
  }

  /** The learner picks another word for step `index`: rewind to before it and write that word. */
  replace(index, token) {
    this.rewind(index);
    this.step(token);
  }

  /**
   * The induction test on the trained writer and its untrained twin (C++,
   * analysis/induction.h), and the test's first sequence as the prompt, so
   * the learner sees the stripe. Returns the result (see engine inductionTest).
   */
  async inductionTest(seed = 1) {
    this.stop();
    const engine = await loadEngine();
    if (!this._trained) this._trained = await loadWriterModel(engine);
    if (!this._twin) this._twin = this._trained.randomTwin(0);
    const half = Math.min(20, Math.floor(this._trained.config.maxLen / 2));
    const result = this._trained.inductionTest({ twin: this._twin, half, trials: 16, seed });
    this.induction = { ...result, half, seed };
    return result;
  }

  /** Starts the writer on these token ids (the induction test's sequence). */
  async startWithIds(ids, words) {
    this.stop();
    const model = await this._models();
    this._release();
    this.model = model;
    this.writer = model.startWriting(ids, { seed: this.settings.seed });
    this.steps = ids.map((id, position) => ({ token: id, word: words[position], position, prompt: true, unknown: false,
      attention: this.writer.promptAttention[position], next: null, probability: null }));
    this.selected = this.steps.length - 1;
    this.host.showStatus('', null);
    this.host.render();
  }

  _release() {
    if (this.writer) this.writer.release();
    this.writer = null;
  }

  dispose() {
    this.stop();
    this._release();
    if (this._twin) this._twin.release();
    this._twin = null;
  }
}
