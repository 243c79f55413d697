// Node: loads the Node flavour of a wasm module (a CommonJS file with the wasm
// embedded) once per process and wraps it; shared by engine-node.js and trainer-node.js.
import { createRequire } from 'node:module';
import { startModule } from './wasm-module.js';

const require = createRequire(import.meta.url);

/** Returns load(): a promise of wrap(module) for the module at `path` (relative to web/src). */
export function nodeModuleLoader(path, wrap, what) {
  let loading;
  return () => {
    if (!loading) {
      let factory;
      try {
        factory = require(path);
      } catch (error) {
        return Promise.reject(new Error(`the wasm ${what} is not built (run npm test or npm start first): ${error.message}`));
      }
      loading = startModule(factory).then(wrap);
    }
    return loading;
  };
}
