// Browser entry of the engine: the web flavour of the wasm module is bundled
// in (single file, wasm embedded), so nothing is fetched at run time.
import createAttentionModule from '../../build/wasm/attention_engine_web.js';
import { createEngine } from './engine-core.js';

let loading;

/** Resolves to the engine; every widget on the page shares one loaded module. */
export function loadEngine() {
  if (!loading) {
    if (typeof WebAssembly !== 'object' || typeof WebAssembly.instantiate !== 'function') {
      return Promise.reject(new Error('This browser cannot run WebAssembly, which attention-lab needs.'));
    }
    // Compiled synchronously (see CMakeLists.txt), the factory hands back the
    // module itself with a `ready` promise; asynchronously, the promise.
    loading = new Promise((resolve) => {
      const created = createAttentionModule();
      resolve(typeof created.then === 'function' ? created : created.ready);
    }).then(createEngine);
  }
  return loading;
}
