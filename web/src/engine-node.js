// Node entry of the engine: loads the Node flavour of the wasm module (a
// CommonJS file with the wasm embedded) and hands it to engine-core.js.
import { createEngine } from './engine-core.js';
import { nodeModuleLoader } from './node-module.js';

/** Resolves to the engine; every caller shares one loaded module. */
export const loadEngine = nodeModuleLoader('../../build/wasm/attention_engine_node.js', createEngine, 'engine');

/** The shipped trained model (web/model/attention-lab-model.bin) loaded into the engine. */
export async function loadTrainedModel(path = new URL('../model/attention-lab-model.bin', import.meta.url)) {
  const { readFileSync } = await import('node:fs');
  const engine = await loadEngine();
  return engine.loadModel(new Uint8Array(readFileSync(path)));
}
