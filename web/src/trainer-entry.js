// Entry of dist/attention-lab-trainer.js, the live trainer's bundle (a classic
// script with its wasm inside). Loaded two ways:
//   - as a Web Worker (over http/https): it runs the training loop and talks
//     to <attention-trainer> by messages, so the page keeps its frame rate;
//   - as a page <script> where a worker cannot start (file:// pages): it
//     exposes globalThis.AttentionLabTrainer for the page to run the loop.
import createTrainerModule from '../../build/wasm/attention_trainer_web.js';
import tinyText from '../model/tiny-text.txt';
import { createTrainerEngine } from './trainer-core.js';
import { startModule } from './wasm-module.js';
import { TrainingLoop } from './training-loop.js';

let loading;
function loadTrainerEngine() {
  if (!loading) {
    loading = startModule(createTrainerModule).then(createTrainerEngine);
  }
  return loading;
}

const inWorker = typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope;

if (inWorker) {
  let loop = null;
  const queued = [];
  const fail = (error) => postMessage({ type: 'error', message: error && error.message ? error.message : String(error) });
  const handle = (command) => {
    try {
      loop.handle(command);
    } catch (error) {
      fail(error);
    }
  };
  self.onmessage = (event) => {
    if (loop) handle(event.data);
    else queued.push(event.data);
  };
  loadTrainerEngine().then((engine) => {
    loop = new TrainingLoop(engine, {
      text: tinyText,
      onSnapshot: (snapshot) => {
        const transfer = [];
        for (const run of snapshot.runs) transfer.push(run.losses.buffer, run.evaluation.attention.buffer);
        postMessage({ type: 'snapshot', snapshot }, transfer);
      },
    });
    postMessage({ type: 'ready', tasks: engine.tasks() });
    for (const command of queued.splice(0)) handle(command);
  }, fail);
} else {
  globalThis.AttentionLabTrainer = Object.freeze({ loadTrainerEngine, TrainingLoop, text: tinyText });
}
