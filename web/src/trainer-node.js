// Node entry of the live trainer (tests, benchmarks): the Node flavour of the
// trainer's wasm module, the same TrainingLoop, and the shipped tiny text.
import { readFileSync } from 'node:fs';
import { createTrainerEngine } from './trainer-core.js';
import { nodeModuleLoader } from './node-module.js';
export { TrainingLoop } from './training-loop.js';

/** Resolves to the trainer engine (one module per process). */
export const loadTrainerEngine = nodeModuleLoader('../../build/wasm/attention_trainer_node.js', createTrainerEngine, 'trainer');

/** The sentences of the "text" task (web/model/tiny-text.txt). */
export function tinyText() {
  return readFileSync(new URL('../model/tiny-text.txt', import.meta.url), 'utf8');
}
