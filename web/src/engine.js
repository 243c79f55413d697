// Browser entry of the engine: the web flavour of the wasm module is bundled
// in (single file, wasm embedded), so nothing is fetched at run time.
import createAttentionModule from '../../build/wasm/attention_engine_web.js';
import { createEngine } from './engine-core.js';
import { startModule } from './wasm-module.js';
import { mark } from './marks.js';

let loading;

/** Resolves to the engine; every widget on the page shares one loaded module. */
export function loadEngine() {
  if (!loading) {
    if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiate !== 'function') {
      return Promise.reject(new Error('This browser cannot run WebAssembly, which attention-lab needs.'));
    }
    loading = startModule(createAttentionModule).then((module) => {
      mark('attention-lab: engine ready');
      return createEngine(module);
    });
  }
  return loading;
}
