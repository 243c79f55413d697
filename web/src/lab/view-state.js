// What a teacher can fix in the markup or a link: the shown layer and head,
// the view, the locked word, top-k and the experiment settings. One plain,
// JSON-serialisable object (el.state), read from attributes, from the page
// URL's fragment (one entry per widget id) and from the store.
//
//   { layer: 1, head: 2, view: 'lines', lock: 'it' | 3, topK: 8,
//     temperature: 1, scaling: true, headsOff: ['1.2', '2.4'], overlay: false, sentence: '…' }
//
// Layers, heads and word positions are counted from 1, as the widget shows
// them; `lock` is a word (its first occurrence) or a position. Anything that
// does not fit the computed result is left out with a message, never thrown.

export const VIEWS = ['heatmap', 'lines', 'table', 'steps', 'qk'];
export const STATE_ATTRIBUTES = ['layer', 'head', 'view', 'lock', 'temperature', 'scaling', 'heads-off'];
const FRAGMENT_PREFIX = 'attention-lab.';

/** The state the attributes ask for (only the ones present). */
export function stateFromAttributes(element) {
  const state = {};
  const number = (name) => (element.hasAttribute(name) ? Number(element.getAttribute(name)) : undefined);
  if (element.hasAttribute('layer')) state.layer = number('layer');
  if (element.hasAttribute('head')) state.head = number('head');
  if (element.hasAttribute('view')) state.view = element.getAttribute('view');
  if (element.hasAttribute('lock')) {
    const lock = element.getAttribute('lock');
    state.lock = /^#\d+$/.test(lock) ? Number(lock.slice(1)) : lock;
  }
  if (element.hasAttribute('temperature')) state.temperature = number('temperature');
  if (element.hasAttribute('scaling')) state.scaling = element.getAttribute('scaling') !== 'off';
  if (element.hasAttribute('heads-off')) state.headsOff = element.getAttribute('heads-off').split(/[\s,]+/).filter(Boolean);
  return state;
}

/** The state now, as plain data. */
export function currentState(store, sentence) {
  const s = store.state;
  const result = store.result;
  const state = {
    sentence,
    layer: s.layer + 1,
    head: s.selectedHead + 1,
    view: s.view,
    overlay: Boolean(s.overlay),
    topK: store.topK(),
    temperature: s.experiment.temperature,
    scaling: s.experiment.scaling,
    headsOff: [...s.experiment.disabled].map((key) => key.split(':').map((n) => Number(n) + 1).join('.')).sort(),
  };
  if (s.locked !== null && result) state.lock = s.locked + 1;
  return state;
}

/**
 * Applies `state` to the store for this result. Returns { problems: the parts
 * it could not apply, in words, experiment: the experiment settings to set
 * (they need a recomputation) }. Never throws on bad input.
 */
export function applyState(store, state, result) {
  const problems = [];
  if (!state || typeof state !== 'object' || Array.isArray(state)) return { problems: ['the saved view is not an object'], experiment: {} };
  if (state.error) return { problems: [state.error], experiment: {} };
  const s = store.state;
  const { numLayers, numHeads, seqLen, tokens } = result;
  const whole = (value, min, max) => Number.isInteger(value) && value >= min && value <= max;
  let layer = s.layer;
  if (state.layer !== undefined) {
    if (whole(state.layer, 1, numLayers)) layer = state.layer - 1;
    else problems.push(`layer ${String(state.layer)} (this model has ${numLayers})`);
  }
  let head = s.selectedHead;
  if (state.head !== undefined) {
    if (whole(state.head, 1, numHeads)) head = state.head - 1;
    else problems.push(`head ${String(state.head)} (each layer has ${numHeads})`);
  }
  store.selectHead(head, layer);
  if (state.view !== undefined) {
    if (VIEWS.includes(state.view)) s.view = state.view;
    else problems.push(`view "${String(state.view)}" (one of ${VIEWS.join(', ')})`);
  }
  if (state.overlay === true) store.toggleOverlay();
  if (state.lock !== undefined && state.lock !== null) {
    if (typeof state.lock === 'number') {
      if (whole(state.lock, 1, seqLen)) s.locked = state.lock - 1;
      else problems.push(`locked word ${String(state.lock)} (the sentence has ${seqLen} tokens)`);
    } else if (typeof state.lock === 'string') {
      const wanted = state.lock.toLowerCase();
      const index = tokens.findIndex((token) => token.toLowerCase() === wanted);
      if (index >= 0) s.locked = index;
      else problems.push(`locked word "${state.lock}" (not in this sentence)`);
    } else {
      problems.push('the locked word');
    }
  }
  if (state.topK !== undefined) {
    if (whole(state.topK, 1, 10000)) s.topK = state.topK;
    else problems.push(`top-k ${String(state.topK)}`);
  }
  const experiment = {};
  if (state.temperature !== undefined) {
    if (typeof state.temperature === 'number' && state.temperature >= 0.0625 && state.temperature <= 16) experiment.temperature = state.temperature;
    else problems.push(`temperature ${String(state.temperature)} (1/16 to 16)`);
  }
  if (state.scaling !== undefined) {
    if (typeof state.scaling === 'boolean') experiment.scaling = state.scaling;
    else problems.push('scaling (true or false)');
  }
  if (state.headsOff !== undefined) {
    const off = new Set();
    for (const item of Array.isArray(state.headsOff) ? state.headsOff : [state.headsOff]) {
      const match = /^(\d+)\.(\d+)$/.exec(String(item));
      if (match && whole(Number(match[1]), 1, numLayers) && whole(Number(match[2]), 1, numHeads)) off.add(`${Number(match[1]) - 1}:${Number(match[2]) - 1}`);
      else problems.push(`head to switch off "${String(item)}" (layer.head, e.g. 1.2)`);
    }
    experiment.disabled = off;
  }
  return { problems, experiment };
}

/** The saved state of widget `id` in this URL's fragment, or undefined; a damaged entry gives { error }. */
export function stateFromFragment(id, hash = globalThis.location?.hash ?? '') {
  if (!id || !hash) return undefined;
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const text = params.get(`${FRAGMENT_PREFIX}${id}`);
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return { error: 'the link’s saved view could not be read' };
  }
}

/** This URL's fragment with widget `id`'s state set (other entries kept). */
export function fragmentWith(id, state, hash = globalThis.location?.hash ?? '') {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  params.set(`${FRAGMENT_PREFIX}${id}`, JSON.stringify(state));
  return `#${params.toString()}`;
}
