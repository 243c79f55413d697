// How both wasm modules (the engine, the trainer) are started, in one place.
// They are built with MODULARIZE: the factory returns the module itself with a
// `ready` promise when compiled synchronously (the browser builds, see
// CMakeLists.txt), or a promise when compiled asynchronously (Node builds).

/** Resolves to the started module. */
export function startModule(factory) {
  return new Promise((resolve) => {
    const created = factory();
    resolve(typeof created.then === 'function' ? created : created.ready);
  });
}
