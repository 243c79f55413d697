// Measures of every head that take too long for a keystroke (gradient
// importance: half a second for 32 heads and an 8-word sentence; output
// sensitivity: a model run a head), measured after the views are drawn.
// get() returns a measure's values when they are in for this computation,
// else null, and queues it: heads are measured in tasks of about SLICE_MS,
// so input and frames come between them; a newer computation (the next
// keystroke, an option) drops what is queued; when a measure is complete,
// onComplete() draws the views again.

const SLICE_MS = 8;

export class MeasureLater {
  /** onComplete(): a measure is in; onError(message): one failed (the rest are dropped). */
  constructor({ onComplete, onError }) {
    this._onComplete = onComplete;
    this._onError = onError;
    this._queue = null;  // { result, jobs: [{ key, measureHead, next, values }] }
  }

  /**
   * result: the computation the values belong to (its `measured` map keeps
   * them); key names the measure and its options; measureHead(k) -> number
   * for head k of `count` (layer-major). Returns a Float64Array(count) or null.
   */
  get(result, key, count, measureHead) {
    const measured = (result.measured ??= new Map());
    if (measured.has(key)) return measured.get(key);
    if (this._queue?.result !== result) this._queue = { result, jobs: [] };
    const queue = this._queue;
    if (queue.jobs.some((job) => job.key === key)) return null;
    queue.jobs.push({ key, measureHead, next: 0, values: new Float64Array(count) });
    if (queue.jobs.length === 1) setTimeout(() => this._slice(queue), 0);
    return null;
  }

  /** Drops what is queued (the widget left the page, or its result is gone). */
  cancel() {
    this._queue = null;
  }

  _slice(queue) {
    if (this._queue !== queue) return;  // a newer computation took over
    const started = performance.now();
    const job = queue.jobs[0];
    try {
      do {
        job.values[job.next] = job.measureHead(job.next);
        job.next += 1;
      } while (job.next < job.values.length && performance.now() - started < SLICE_MS);
    } catch (error) {
      this._queue = null;
      this._onError(error instanceof Error ? error.message : String(error));
      return;
    }
    if (job.next === job.values.length) {
      queue.jobs.shift();
      queue.result.measured.set(job.key, job.values);
      this._onComplete();  // asks for this measure again and finds it in
    }
    if (queue.jobs.length) setTimeout(() => this._slice(queue), 0);
  }
}
