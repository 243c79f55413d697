// Drawing helpers shared by <attention-lab> and <attention-trainer>: a DOM
// builder that never parses HTML, and crisp viridis heatmaps (d3's scale,
// looked up once into a byte table).
import { interpolateViridis } from 'd3-scale-chromatic';

const SVG = 'http://www.w3.org/2000/svg';

// Small DOM builder: attributes are set as attributes/properties, children as
// nodes or text. Never parses HTML.
export function h(tag, attributes = {}, ...children) {
  const element = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') element.setAttribute('class', value);
    else if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else if (key in element && !tag.startsWith('svg:') && typeof value !== 'string') element[key] = value;
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// The colour key: a CSS gradient through 11 viridis stops (no canvas to
// create and fill on every redraw; set through the CSSOM, which a strict
// style-src CSP allows).
let legendGradient = null;
export function legend() {
  if (!legendGradient) {
    const stops = Array.from({ length: 11 }, (_, i) => `${interpolateViridis(i / 10)} ${i * 10}%`);
    legendGradient = `linear-gradient(to right, ${stops.join(', ')})`;
  }
  const bar = h('span', { class: 'bar', 'aria-hidden': 'true' });
  bar.style.backgroundImage = legendGradient;
  return h('div', { class: 'legend' }, h('span', {}, '0%'), bar, h('span', {}, '100% attention weight (viridis scale)'));
}

// 256 viridis colours as RGBA pixels, built once from d3's scale: the bytes
// are written in order and read back as 32-bit words, so one store paints a
// cell whatever the machine's byte order.
let viridisPixels = null;
function viridisTable() {
  if (!viridisPixels) {
    const bytes = new Uint8ClampedArray(256 * 4);
    for (let i = 0; i < 256; i++) {
      const hex = interpolateViridis(i / 255);  // "#rrggbb"
      for (let c = 0; c < 3; c++) bytes[i * 4 + c] = parseInt(hex.slice(1 + 2 * c, 3 + 2 * c), 16);
      bytes[i * 4 + 3] = 255;
    }
    viridisPixels = new Uint32Array(bytes.buffer);
  }
  return viridisPixels;
}

// One ImageData per size, reused: typing redraws ten pictures a keystroke in
// two or three sizes (cards, a long text's window and overview), so the last
// few sizes are kept, not only the last one.
const cellImages = new Map();
function cellPixels(cols, rows) {
  const key = `${cols}x${rows}`;
  let image = cellImages.get(key);
  if (!image) {
    if (cellImages.size >= 4) cellImages.delete(cellImages.keys().next().value);
    image = new ImageData(cols, rows);
    cellImages.set(key, image);
  }
  return image;
}

// The weights as one viridis pixel per cell.
function cellPixelsOf(weights, rows, cols) {
  const table = viridisTable();
  const image = cellPixels(cols, rows);
  const pixels = new Uint32Array(image.data.buffer, image.data.byteOffset, rows * cols);
  const count = rows * cols;
  for (let k = 0; k < count; k++) {
    const level = weights[k] * 255 + 0.5;  // rounded below; NaN and negatives take colour 0
    pixels[k] = table[level >= 255 ? 255 : level > 0 ? level | 0 : 0];
  }
  return image;
}

// Crisp heatmap: one canvas pixel per cell, written straight in as an
// ImageData and scaled up by CSS without smoothing (image-rendering:
// pixelated), so a 64-token map is a 16 KB bitmap: drawing a full-size
// bitmap on every keystroke and handing it to the compositor costs more
// than computing the attention.
// cell: CSS pixels per cell; fit: no size set here, CSS sizes the canvas
// (the head thumbnails).
export function drawHeatmap(canvas, weights, rows, cols, { cell = 1, fit = false } = {}) {
  if (canvas.width !== cols) canvas.width = cols;
  if (canvas.height !== rows) canvas.height = rows;
  if (!fit) {
    const size = Math.max(1, Math.round(cell));
    canvas._cell = size;
    if (canvas.style.width !== `${cols * size}px`) canvas.style.width = `${cols * size}px`;
    if (canvas.style.height !== `${rows * size}px`) canvas.style.height = `${rows * size}px`;
  }
  canvas.getContext('2d')?.putImageData(cellPixelsOf(weights, rows, cols), 0, 0);
}

// word cut to `limit` characters, the last one an ellipsis when it was longer
export function shortened(word, limit) {
  const characters = Array.from(word);  // whole code points, never half a surrogate pair
  return characters.length > limit ? `${characters.slice(0, limit - 1).join('')}…` : word;
}
