// DOM helpers shared by the views of both elements: text and keyed children
// patched in place (typing rewrites only what changed), heatmap axes, marks,
// swatches, and the overlay drawing.
import { h, shortened } from '../draw.js';
import { headColour } from './format.js';

// Heatmap labels shorten long words in the text itself rather than clip them
// with CSS ellipsis: a clipping box per label made every keystroke's paint
// slower. Hovering a label shows the full word.
export const LABEL_CHARS = 12;

// Text is only rewritten when it changes: setting the same text still
// replaces the text node and costs a layout.
/** element.dataset[name] = value, unless it already holds it (a write restyles what reads it). */
export function setData(element, name, value) {
  const text = String(value);
  if (element.dataset[name] !== text) element.dataset[name] = text;
}

/** element.setAttribute(name, value), unless it already holds it: even an equal write is a mutation that restyles. */
export function setAttributeIfChanged(element, name, value) {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}

export function setText(element, text) {
  if (element.nodeType === Node.TEXT_NODE) {
    if (element.data !== text) element.data = text;
    return;
  }
  const only = element.firstChild;
  if (only && only === element.lastChild && only.nodeType === Node.TEXT_NODE && text) {
    if (only.data !== text) only.data = text;  // a changed text node, not a new one
  } else if (element.textContent !== text) {
    element.textContent = text;
  }
}

// Keeps `parent`'s children equal to `items` ({ key, build }), position by
// position: a child whose key is unchanged stays in the DOM untouched.
// An item with `update` and `shape` rewrites a child of the same shape in
// place instead of replacing it. The keys live on the nodes as plain
// properties, not data-* attributes: reading 64 chips' dataset cost ~0.2 ms a
// keystroke, and each attribute write was a mutation for Chromium to restyle.
export function patchKeyed(parent, items) {
  items.forEach(({ key, build, update, shape }, index) => {
    const old = parent.children[index];
    if (old && old._patchKey === key) return;
    if (old && update && old._patchShape === shape) {
      update(old);
      old._patchKey = key;
      return;
    }
    const node = build();
    if (update) update(node);  // a new node of this shape is filled in the same way
    node._patchKey = key;
    node._patchShape = shape;
    if (old) old.replaceWith(node); else parent.append(node);
  });
  while (parent.children.length > items.length) parent.lastElementChild.remove();
}

// A heatmap axis: the (shortened) words as lines of one text, each line
// `cell` px along the axis, none highlighted. Rewritten only when a word or
// the cell changes.
export function setAxisLabels(axis, words, cell) {
  highlightAxisLabel(axis, null);  // back to one text node first: setText would keep a highlight span whose words are unchanged
  axis._cell = cell;
  const lineHeight = `${cell}px`;
  if (axis.style.lineHeight !== lineHeight) axis.style.lineHeight = lineHeight;
  axis._lines = words.map((word) => shortened(word, LABEL_CHARS));
  setText(axis, axis._lines.join('\n'));
}

// The word at `index` in bold highlight colour (a span around that line), or none.
export function highlightAxisLabel(axis, index) {
  const lines = axis._lines;
  const line = index !== null && lines && index < lines.length ? index : null;
  if (axis._highlighted === line) return;
  axis._highlighted = line;
  if (line === null) {
    axis.textContent = lines ? lines.join('\n') : '';
    return;
  }
  const before = lines.slice(0, line).map((word) => `${word}\n`).join('');
  const after = lines.slice(line + 1).map((word) => `\n${word}`).join('');
  axis.replaceChildren(before, h('span', { class: 'hot', 'data-index': line }, lines[line]), after);
}

// The evidence paragraphs: [class, text] each, rewritten only where the text changed.
// A paragraph of the same kind has its text rewritten in place (the node and its box stay).
export function patchParagraphs(container, paragraphs) {
  patchKeyed(container, paragraphs.map(([kind, text]) => ({
    key: `${kind}\u0000${text}`, shape: `p ${kind}`,
    build: () => h('p', { class: kind || undefined }),
    update: (paragraph) => setText(paragraph, text),
  })));
}

// An outline over the heatmap at [left, top, width, height] CSS pixels, or hidden.
export function placeMark(mark, box) {
  const style = mark.style;
  const display = box ? 'block' : 'none';
  if (style.display !== display) style.display = display;
  if (!box) return;
  const [left, top, width, height] = box.map((value) => `${value}px`);
  if (style.left !== left) style.left = left;
  if (style.top !== top) style.top = top;
  if (style.width !== width) style.width = width;
  if (style.height !== height) style.height = height;
}

export function swatch(index) {
  const span = h('span', { class: 'swatch', 'aria-hidden': 'true' });
  span.style.background = headColour(index);
  return span;
}

export function fillWidth(strength) {
  return `${Math.max(0, Math.min(100, strength * 100)).toFixed(1)}%`;
}

// The overlay: every cell shows the head that attends most there (among the
// heads shown), in that head's colour, as strong as its weight; with room,
// the head's number too, so heads past the palette's 8 colours (and any
// colour a reader cannot tell apart) are still named. Returns, per cell, the
// dominant head's index or -1, (rows, cols), for tooltips and tests.
export function drawOverlay(canvas, heads, enabled, rows, cols, cell, numbers = (index) => String(index + 1)) {
  const ratio = Math.max(1, Math.round(globalThis.devicePixelRatio || 1));
  const step = cell * ratio;
  canvas.width = cols * step;
  canvas.height = rows * step;
  canvas.style.width = `${cols * cell}px`;
  canvas.style.height = `${rows * cell}px`;
  const dominant = new Int16Array(rows * cols).fill(-1);
  const context = canvas.getContext('2d');
  for (let k = 0; k < rows * cols; k++) {
    let best = 0;
    for (const index of enabled) {
      const weight = heads[index].weights[k];
      if (weight > best) { best = weight; dominant[k] = index; }
    }
  }
  if (!context) return dominant;
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  const labelled = cell >= 14;
  context.font = `${Math.round(step * 0.55)}px system-ui, sans-serif`;
  context.textAlign = 'center';
  context.textBaseline = 'middle';
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const index = dominant[i * cols + j];
      if (index < 0) continue;
      const weight = Math.min(1, heads[index].weights[i * cols + j]);
      const colour = headColour(index);
      context.globalAlpha = weight;
      context.fillStyle = colour;
      context.fillRect(j * step, i * step, step, step);
      context.globalAlpha = 1;
      if (labelled && weight >= 0.2) {
        // dark text on light cells, white on dark: the blended colour's luminance decides
        const rgb = [1, 3, 5].map((at) => parseInt(colour.slice(at, at + 2), 16) * weight + 255 * (1 - weight));
        const luminance = (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255;
        context.fillStyle = luminance > 0.55 ? '#1b1f24' : '#ffffff';
        context.fillText(numbers(index), (j + 0.5) * step, (i + 0.5) * step);
      }
    }
  }
  return dominant;
}

// Focus that survives a redraw: a view rebuilt under the learner's hands
// (the experiments panel after each change) finds the control that had focus
// by what it is (its label, key or kind), not by node, and focuses the new one.
function focusKey(element) {
  const label = element.getAttribute('aria-label') || (['SUMMARY', 'BUTTON'].includes(element.tagName) ? element.textContent.trim()
    : element.closest('label')?.textContent.trim() ?? '');
  return [element.tagName, element.type ?? '', label, element.dataset.key ?? '', element.dataset.sort ?? '', element.dataset.view ?? ''].join('|');
}

/** Call before rebuilding `root`; call the result after, to focus the same control again. */
export function keepFocus(root) {
  const active = root.getRootNode?.().activeElement;
  if (!active || !root.contains(active)) return () => {};
  const key = focusKey(active);
  return () => {
    for (const element of root.querySelectorAll('input, select, button, summary, textarea, [tabindex]')) {
      if (focusKey(element) === key) {
        element.focus();
        return;
      }
    }
  };
}

/**
 * Arrow keys, Home and End move between `items` (buttons) as one tab stop:
 * the current one has tabindex 0, the others -1. onMove(index) is called
 * with the new item (which also gets focus).
 */
export function rovingKeys(container, items, onMove) {
  container.addEventListener('keydown', (event) => {
    const list = items();
    const at = list.indexOf(event.target);
    if (at < 0) return;
    const next = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: list.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const index = Math.max(0, Math.min(list.length - 1, next));
    list.forEach((item, i) => item.setAttribute('tabindex', i === index ? '0' : '-1'));
    list[index].focus();
    onMove?.(index, list[index]);
  });
}
