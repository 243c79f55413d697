// Node entry of the live trainer (tests, benchmarks): the Node flavour of the
// trainer's wasm module, the same TrainingLoop, and the shipped tiny text.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { createTrainerEngine } from './trainer-core.js';
export { TrainingLoop } from './training-loop.js';

const require = createRequire(import.meta.url);
let loading;

/** Resolves to the trainer engine (one module per process). */
export function loadTrainerEngine() {
  if (!loading) {
    let factory;
    try {
      factory = require('../../build/wasm/attention_trainer_node.js');
    } catch (error) {
      return Promise.reject(new Error(`the wasm trainer is not built (run npm test or npm start first): ${error.message}`));
    }
    loading = factory().then(createTrainerEngine);
  }
  return loading;
}

/** The sentences of the "text" task (web/model/tiny-text.txt). */
export function tinyText() {
  return readFileSync(new URL('../model/tiny-text.txt', import.meta.url), 'utf8');
}
