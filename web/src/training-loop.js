// Runs one trainer, or two side by side (h heads vs 1 head of the same width,
// same seed: same data and same initial matrices), in time slices, and reports
// snapshots: the new batch losses, the evaluation (loss, probe attention, head
// roles) and timing. The same loop runs in the Web Worker and, where a worker
// cannot start (a page opened from file://), on the page in shorter slices.

export const MAX_STEPS = 20000;  // a forgotten tab stops eventually

function now() {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

export class TrainingLoop {
  /**
   * engine: createTrainerEngine(); text: the text task's sentences;
   * onSnapshot(snapshot): called after every evaluation;
   * sliceMs: work per turn of the event loop; snapshotMs: evaluation interval;
   * maxSteps: where a run stops by itself.
   */
  constructor(engine, { text = '', onSnapshot, sliceMs = 50, snapshotMs = 150, maxSteps = MAX_STEPS }) {
    this.engine = engine;
    this.text = text;
    this.onSnapshot = onSnapshot;
    this.sliceMs = sliceMs;
    this.snapshotMs = snapshotMs;
    this.maxSteps = maxSteps;
    this.runs = [];
    this.running = false;
    this.timer = null;
    this.options = null;
  }

  /** Carries out one message from the widget (see trainer-client.js); throws what goes wrong. */
  handle(command) {
    if (command.type === 'configure') this.configure(command.options);
    else if (command.type === 'start') this.start();
    else if (command.type === 'pause') {
      this.pause();
      if (this.runs.length) this._report(false);
    } else if (command.type === 'step') this.stepOnce();
    else if (command.type === 'reset') this.reset();
    else if (command.type === 'learning-rate') this.setLearningRate(command.learningRate);
    else throw new Error(`unknown command ${String(command.type)}`);
  }

  /** Starts over with options { task, heads, dModel, layers, attentionOnly, learningRate, seed, compare }. */
  configure(options) {
    this.pause();
    this._release();
    this.options = { ...options };
    const { compare, ...trainerOptions } = this.options;
    const runs = [{ label: `${trainerOptions.heads ?? 4} heads`, options: trainerOptions }];
    if (compare && Number(trainerOptions.heads) !== 1) runs.push({ label: '1 head', options: { ...trainerOptions, heads: 1 } });
    try {
      for (const run of runs) {
        run.trainer = this.engine.create(run.options, this.text);
        run.label = `${run.trainer.info.heads} head${run.trainer.info.heads === 1 ? '' : 's'} × ${run.trainer.info.headDim} dims`;
        run.pending = [];
        run.stepMs = 0;
        run.trainingMs = 0;
        run.reachedAt = null;
        run.litAt = {};
        this.runs.push(run);
      }
    } catch (error) {
      this._release();
      throw error;
    }
    this._report(true);
  }

  reset() {
    if (this.options) this.configure(this.options);
  }

  start() {
    if (this.running || !this.runs.length) return;
    if (this.runs.some((run) => (run.lastStep ?? 0) >= this.maxSteps)) {  // stays stopped; says so
      this._report(false);
      return;
    }
    this.running = true;
    this._schedule();
    this._report(false);
  }

  pause() {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = null;
  }

  /** One step of every run, then a snapshot. */
  stepOnce() {
    this.pause();
    if (!this.runs.length) return;
    for (const run of this.runs) this._steps(run, 1);
    this._report(false);
  }

  setLearningRate(learningRate) {
    for (const run of this.runs) run.trainer.setLearningRate(learningRate);
    if (this.options) this.options.learningRate = learningRate;
  }

  dispose() {
    this.pause();
    this._release();
  }

  _release() {
    for (const run of this.runs) if (run.trainer) run.trainer.release();
    this.runs = [];
  }

  _schedule() {
    this.timer = setTimeout(() => this._turn(), 0);
  }

  _steps(run, count) {
    const started = now();
    const { losses } = run.trainer.step(count);
    const elapsed = now() - started;
    run.trainingMs += elapsed;
    run.stepMs = run.stepMs ? 0.8 * run.stepMs + 0.2 * (elapsed / count) : elapsed / count;
    for (const loss of losses) run.pending.push(loss);
  }

  _turn() {
    if (!this.running) return;
    const started = now();
    // interleave the runs in small chunks of the same size, so they stay at the
    // same step (the slowest run sets the size: about 4 ms of its steps)
    while (now() - started < this.sliceMs) {
      const slowest = Math.max(0.05, ...this.runs.map((run) => run.stepMs || 0));
      const count = Math.max(1, Math.min(50, Math.round(4 / slowest)));
      for (const run of this.runs) this._steps(run, count);
    }
    if (!this.lastReport || now() - this.lastReport >= this.snapshotMs) this._report(false);
    if (this.runs.some((run) => (run.lastStep ?? 0) >= this.maxSteps)) this.running = false;
    if (this.running) this._schedule();
    else this._report(false);
  }

  _report(reset) {
    this.lastReport = now();
    const runs = this.runs.map((run) => {
      const evaluation = run.trainer.evaluate();
      run.lastStep = evaluation.step;
      if (!run.reachedAt && evaluation.step > 0 && evaluation.loss <= run.trainer.info.targetLoss) {
        run.reachedAt = { step: evaluation.step, seconds: run.trainingMs / 1000 };
      }
      // the first evaluation at which each role has a head (training seconds, not wall time)
      for (const role of evaluation.roles) {
        const name = role.best >= 0 ? run.trainer.info.roles[role.best] : null;
        if (name && !run.litAt[name]) run.litAt[name] = { step: evaluation.step, seconds: run.trainingMs / 1000, layer: role.layer, head: role.head };
      }
      const losses = Float32Array.from(run.pending);
      run.pending = [];
      return { label: run.label, info: run.trainer.info, losses, evaluation, stepMs: run.stepMs,
        trainingSeconds: run.trainingMs / 1000, reachedAt: run.reachedAt, litAt: { ...run.litAt } };
    });
    this.onSnapshot({ reset, running: this.running, options: this.options, runs });
  }
}
