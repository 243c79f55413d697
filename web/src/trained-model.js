// Finds the trained model's bytes in the browser with no network access
// beyond the page's own files. The build writes attention-lab-model.js next to
// attention-lab.js: a classic script that sets globalThis.AttentionLabModelData
// (the model file in base64) and the held-out sentences. It stays out of the
// widget's bundle, so pages that only use the single-layer views never load it.
// - Over http(s), from the page's own origin: the script's text is fetched and
//   its base64 handed to the engine, which decodes it in C++. The browser never
//   runs it (running the 5.3 MB script and decoding its string in JavaScript
//   took ~60 ms and ~30 ms of the main thread).
// - From file:// (fetch is refused there), a sandboxed frame, another origin or
//   a refused fetch: a script element runs it, as it can anywhere, and its
//   string goes to the same C++ decoder.

import { besideBundle, loadScript } from './bundle-location.js';
import { mark } from './marks.js';

const MODEL_SCRIPT = 'attention-lab-model.js';
const WRITER_SCRIPT = 'attention-lab-writer.js';

// The base64 text and the globals after it in a fetched model script
// (build-web.mjs writes `globalThis.NAME="...";` lines): the text as bytes,
// the held-out sentences set as the script would set them. Null when the
// file does not start that way (it is then run as a script instead).
export function readModelScript(bytes, global) {
  const quote = bytes.subarray(0, 201).indexOf(0x22);
  if (quote < 0) return null;
  const head = new TextDecoder().decode(bytes.subarray(0, quote));
  if (!new RegExp(`^\\s*(globalThis|window|self)\\.${global}\\s*=\\s*$`).test(head)) return null;
  const end = closingQuote(bytes, quote + 1);
  if (end < 0) return null;
  const rest = new TextDecoder().decode(bytes.subarray(end + 1));
  const heldout = /globalThis\.AttentionLabHeldout=(\[.*\]);/s.exec(rest);
  if (heldout && !Array.isArray(globalThis.AttentionLabHeldout)) {
    try { globalThis.AttentionLabHeldout = JSON.parse(heldout[1]); } catch { /* no held-out sentences: the views that need them say so */ }
  }
  return bytes.subarray(quote + 1, end);
}

// The quote that closes the base64, searched from the end: the model data's
// line ends `";`, and at most the held-out sentences' line (a few KB, JSON: no
// raw line breaks inside) follows it. Uint8Array.indexOf from the start took
// ~9 ms over the 5.3 MB in Chromium. A file of another shape is searched from
// the start; a quote inside the base64 (a damaged file) is refused by the
// engine's decoder either way.
function closingQuote(bytes, from) {
  let end = bytes.length;
  while (end > from && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
  const closesLine = (i) => i - 2 >= from && bytes[i - 1] === 0x3b && bytes[i - 2] === 0x22;  // '";' before position i
  if (closesLine(end)) return end - 2;  // the data's line is the last one
  for (let i = end - 1, stop = Math.max(from, end - 65536); i >= stop; i--) {
    if (bytes[i] === 0x0a) {
      const lineEnd = bytes[i - 1] === 0x0d ? i - 1 : i;
      return closesLine(lineEnd) ? lineEnd - 2 : bytes.indexOf(0x22, from);
    }
  }
  return bytes.indexOf(0x22, from);
}

// Fetched only from the page's own origin: a cross-origin or sandboxed
// (opaque-origin) page would need CORS, and its refusal is a console error.
function fetchable(url) {
  try {
    return typeof fetch === 'function' && /^https?:/.test(url) && new URL(url).origin === globalThis.origin;  // self.origin: "null" in a sandboxed frame
  } catch {
    return false;
  }
}

// One loader per model script: the script's base64 text, fetched, or the
// script run, which sets globalThis[global]. A failure is kept: every widget
// and keystroke gets the same message instead of loading the script again (a
// reload of the page tries again). load.prefetch() starts fetching before the
// engine is ready (the two downloads then overlap); load(engine) decodes it
// into the engine.
function modelLoader(script, global, missing) {
  let fetching = null;
  let loading = null;
  const viaScript = () => loadScript(besideBundle(script), missing).then(() => ({ text: globalThis[global] }));
  const prefetch = () => {
    if (fetching) return fetching;
    if (typeof globalThis[global] === 'string') return (fetching = Promise.resolve({ text: globalThis[global] }));  // the page ran it
    const url = besideBundle(script);
    if (!fetchable(url)) fetching = viaScript();
    else {
      fetching = fetch(url).then(
        async (response) => {
          if (!response.ok) throw new Error(missing);
          const base64 = readModelScript(new Uint8Array(await response.arrayBuffer()), global);
          return base64 ? { base64 } : viaScript();  // not the build's layout: run it as the script it is
        },
        () => viaScript());  // refused (a page's connect-src, say): the script element may still load it
    }
    return fetching;
  };
  const load = (engine) => {
    if (!loading) {
      loading = (async () => {
        const found = await prefetch();
        if (!found.base64 && typeof found.text !== 'string') throw new Error(`${script} did not provide the model`);
        mark(`attention-lab: ${script} loaded`);
        try {
          // a script that ran left a string: its characters are ASCII, so encoding is a copy
          return engine.loadModelBase64(found.base64 ?? new TextEncoder().encode(found.text));
        } catch (error) {
          throw /not valid base64/.test(error.message) ? new Error(`${script} is damaged: its model data is not valid base64 (copy the file again from the build)`) : error;
        } finally {
          mark(`attention-lab: ${script} in the engine`);
        }
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
