// Node entry of the engine: loads the Node flavour of the wasm module (a
// CommonJS file with the wasm embedded) and hands it to engine-core.js.
import { createRequire } from 'node:module';
import { createEngine } from './engine-core.js';

const require = createRequire(import.meta.url);
let loading;

/** Resolves to the engine; every caller shares one loaded module. */
export function loadEngine() {
  if (!loading) {
    let factory;
    try {
      factory = require('../../build/wasm/attention_engine_node.js');
    } catch (error) {
      return Promise.reject(new Error(`the wasm engine is not built (run npm test or npm start first): ${error.message}`));
    }
    loading = factory().then(createEngine);
  }
  return loading;
}

/** The shipped trained model (web/model/attention-lab-model.bin) loaded into the engine. */
export async function loadTrainedModel(path = new URL('../model/attention-lab-model.bin', import.meta.url)) {
  const { readFileSync } = await import('node:fs');
  const engine = await loadEngine();
  return engine.loadModel(new Uint8Array(readFileSync(path)));
}
