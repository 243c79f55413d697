// Finds the trained model's bytes in the browser without any network access:
// the build writes attention-lab-model.js next to attention-lab.js, a classic
// script that sets globalThis.AttentionLabModelData (the model file, base64).
// A script element loads from http(s) and from file:// alike, and keeps the
// widget's own bundle small for pages that only use the single-layer views.

import { besideBundle, loadScript } from './bundle-location.js';
import { mark } from './marks.js';

const MODEL_SCRIPT = 'attention-lab-model.js';
const WRITER_SCRIPT = 'attention-lab-writer.js';

function decodeBase64(text, script) {
  try {
    // native where the browser has it (Chromium 140+, Firefox 133+): ~10 ms for
    // the 5.3 MB encoder text, against ~40-100 ms for atob and a copy loop
    if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(text);
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    throw new Error(`${script} is damaged: its model data is not valid base64 (copy the file again from the build)`);
  }
}

// One loader per model script: the script sets globalThis[global] (the model
// file, base64). A failure is kept: every widget and keystroke gets the same
// message instead of loading the script again (a reload of the page tries again).
// load.prefetch() starts fetching the script before the engine is ready (the
// two downloads then overlap); load(engine) decodes it into the engine.
function modelLoader(script, global, missing) {
  let fetching = null;
  let loading = null;
  const prefetch = () => {
    if (!fetching) fetching = typeof globalThis[global] === 'string' ? Promise.resolve() : loadScript(besideBundle(script), missing);
    return fetching;
  };
  const load = (engine) => {
    if (!loading) {
      loading = (async () => {
        await prefetch();
        if (typeof globalThis[global] !== 'string') throw new Error(`${script} did not provide the model`);
        mark(`attention-lab: ${script} loaded`);
        const bytes = decodeBase64(globalThis[global], script);
        mark(`attention-lab: ${script} decoded`);
        const model = engine.loadModel(bytes);
        mark(`attention-lab: ${script} in the engine`);
        return model;
      })();
    }
    return loading;
  };
  load.prefetch = () => { prefetch().catch(() => {}); };  // a failure is reported by load()
  return load;
}

/** Resolves to the engine's handle of the trained model (loaded once per page). */
export const loadTrainedModel = modelLoader(MODEL_SCRIPT, 'AttentionLabModelData',
  `the trained model (${MODEL_SCRIPT}) could not be loaded; it must sit next to attention-lab.js (or give the widget source="seeded-random")`);

/** Resolves to the engine's handle of the writer, the causal model (loaded once per page). */
export const loadWriterModel = modelLoader(WRITER_SCRIPT, 'AttentionLabWriterData',
  `the writer model (${WRITER_SCRIPT}) could not be loaded; it must sit next to attention-lab.js`);

/** The held-out sentences shipped with the model (never trained on), or []. */
export function heldoutSample() {
  return Array.isArray(globalThis.AttentionLabHeldout) ? globalThis.AttentionLabHeldout : [];
}
