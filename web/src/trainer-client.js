// Starts the live trainer for <attention-trainer>: in a Web Worker when the
// page can start one (http/https; the worker is attention-lab-trainer.js next
// to the widget's bundle, same origin, allowed by script-src 'self'), else on
// the page itself in short slices (pages opened from file://, where Chromium
// refuses workers). Both speak the same messages:
//   to the trainer:   { type: 'configure', options } | start | pause | step | reset | { type: 'learning-rate', learningRate }
//   from the trainer: { type: 'ready', tasks } | { type: 'snapshot', snapshot } | { type: 'error', message }
import { besideBundle, loadScript } from './bundle-location.js';

const TRAINER_SCRIPT = 'attention-lab-trainer.js';
const MISSING = `the trainer (${TRAINER_SCRIPT}) could not be loaded; it must sit next to attention-lab.js`;

function startWorker(onMessage) {
  return new Promise((resolve, reject) => {
    let worker;
    try {
      worker = new Worker(besideBundle(TRAINER_SCRIPT));
    } catch (error) {
      reject(error);
      return;
    }
    let ready = false;
    worker.onmessage = (event) => {
      if (!ready && event.data && event.data.type === 'ready') {
        ready = true;
        resolve({ mode: 'worker', send: (command) => worker.postMessage(command), close: () => worker.terminate() });
      }
      onMessage(event.data);
    };
    worker.onerror = (event) => {
      if (!ready) {
        event.preventDefault();
        worker.terminate();
        reject(new Error(event.message || 'the trainer worker did not start'));
      } else {
        onMessage({ type: 'error', message: event.message || 'the trainer stopped' });
      }
    };
  });
}

async function startOnPage(onMessage) {
  if (!globalThis.AttentionLabTrainer) await loadScript(besideBundle(TRAINER_SCRIPT), MISSING);
  const { loadTrainerEngine, TrainingLoop, text } = globalThis.AttentionLabTrainer;
  const engine = await loadTrainerEngine();
  // short slices: the page must keep painting while it trains
  const loop = new TrainingLoop(engine, { text, sliceMs: 12, snapshotMs: 200,
    onSnapshot: (snapshot) => onMessage({ type: 'snapshot', snapshot }) });
  const send = (command) => {
    try {
      loop.handle(command);
    } catch (error) {
      onMessage({ type: 'error', message: error.message });
    }
  };
  queueMicrotask(() => onMessage({ type: 'ready', tasks: engine.tasks() }));
  return { mode: 'page', send: (command) => setTimeout(() => send(command), 0), close: () => loop.dispose() };
}

/** Resolves to { mode: 'worker' | 'page', send(command), close() }. */
export async function connectTrainer(onMessage) {
  if (typeof Worker === 'function' && typeof location !== 'undefined' && location.protocol !== 'file:') {
    try {
      return await startWorker(onMessage);
    } catch {
      // fall through: run on the page
    }
  }
  return startOnPage(onMessage);
}
