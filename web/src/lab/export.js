// Export what the learner sees, for slides and papers: the heatmap, lines and
// overlay as SVG (vector) or PNG (drawn at 4x, 300-dpi-ready), with the words
// and the colour key; the links table and every head's weights as CSV or
// JSON, with the engine's numbers written exactly (String of each float32).
// Words go into SVG escaped, never as markup.
import { interpolateViridis } from 'd3-scale-chromatic';
import { headColour } from './format.js';

const escapeXml = (text) => String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }[c]));
const csvField = (value) => (/[",\n\r]/.test(String(value)) ? `"${String(value).replace(/"/g, '""')}"` : String(value));

/** A picture as a list of shapes, drawn the same way into SVG and into a canvas. */
function heatmapShapes({ title, rowWords, columnWords, weights, cell = 22, colourOf = (w) => interpolateViridis(Math.min(1, Math.max(0, w))), labelOf = null }) {
  const labelWidth = Math.max(...rowWords.map((w) => w.length), 4) * 7 + 12;
  const labelHeight = Math.max(...columnWords.map((w) => w.length), 4) * 7 + 12;
  const top = 28 + labelHeight;
  // wide enough for the grid, the title and the colour key (about 7.5 px a character at 14 px bold)
  const width = Math.ceil(Math.max(labelWidth + columnWords.length * cell + 20, 16 + title.length * 8, labelWidth + 420));
  const keyTop = top + rowWords.length * cell + 16;
  const height = keyTop + 40;
  const shapes = [{ kind: 'text', x: 8, y: 18, text: title, size: 14, weight: 700 }];
  columnWords.forEach((word, j) => shapes.push({ kind: 'text', x: labelWidth + j * cell + cell / 2 + 4, y: top - 6, text: word, size: 11, rotate: -90 }));
  rowWords.forEach((word, i) => shapes.push({ kind: 'text', x: labelWidth - 6, y: top + i * cell + cell / 2 + 4, text: word, size: 11, anchor: 'end' }));
  rowWords.forEach((_, i) => columnWords.forEach((__, j) => {
    const k = i * columnWords.length + j;
    shapes.push({ kind: 'rect', x: labelWidth + j * cell, y: top + i * cell, width: cell, height: cell, fill: colourOf(weights[k], k) });
    const label = labelOf ? labelOf(k) : null;
    if (label) shapes.push({ kind: 'text', x: labelWidth + j * cell + cell / 2, y: top + i * cell + cell / 2 + 4, text: label, size: 10, anchor: 'middle' });
  }));
  if (!labelOf) {  // the colour key: 0% to 100% on viridis
    for (let s = 0; s < 50; s++) shapes.push({ kind: 'rect', x: labelWidth + s * 4, y: keyTop, width: 4, height: 10, fill: interpolateViridis(s / 49) });
    shapes.push({ kind: 'text', x: labelWidth, y: keyTop + 24, text: '0%', size: 10 });
    shapes.push({ kind: 'text', x: labelWidth + 200, y: keyTop + 24, text: '100%', size: 10, anchor: 'end' });
    shapes.push({ kind: 'text', x: labelWidth + 210, y: keyTop + 9, text: 'attention weight (viridis)', size: 10 });
  }
  return { width, height, shapes };
}

function toSvg({ width, height, shapes }) {
  const parts = shapes.map((s) => {
    if (s.kind === 'rect') return `<rect x="${s.x}" y="${s.y}" width="${s.width}" height="${s.height}" fill="${s.fill}"/>`;
    if (s.kind === 'line') return `<line x1="${s.x1}" y1="${s.y1}" x2="${s.x2}" y2="${s.y2}" stroke="${s.stroke}" stroke-width="${s.widthPx}" stroke-opacity="${s.opacity}"/>`;
    const anchor = s.anchor === 'end' ? ' text-anchor="end"' : s.anchor === 'middle' ? ' text-anchor="middle"' : '';
    const rotate = s.rotate ? ` transform="rotate(${s.rotate} ${s.x} ${s.y})"` : '';
    return `<text x="${s.x}" y="${s.y}" font-size="${s.size}"${s.weight ? ` font-weight="${s.weight}"` : ''}${anchor}${rotate}>${escapeXml(s.text)}</text>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">` +
    `<rect width="100%" height="100%" fill="#ffffff"/>${parts.join('')}</svg>\n`;
}

/** Draws the shapes at `scale` into a canvas and resolves to a PNG blob. */
function toPng({ width, height, shapes }, document, scale = 4) {
  const canvas = document.createElement('canvas');
  canvas.width = width * scale;
  canvas.height = height * scale;
  const context = canvas.getContext('2d');
  context.scale(scale, scale);
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, width, height);
  for (const s of shapes) {
    if (s.kind === 'rect') {
      context.fillStyle = s.fill;
      context.fillRect(s.x, s.y, s.width, s.height);
    } else if (s.kind === 'line') {
      context.strokeStyle = s.stroke;
      context.globalAlpha = Number(s.opacity);
      context.lineWidth = s.widthPx;
      context.beginPath();
      context.moveTo(s.x1, s.y1);
      context.lineTo(s.x2, s.y2);
      context.stroke();
      context.globalAlpha = 1;
    } else {
      context.save();
      context.fillStyle = '#1b1f24';
      context.font = `${s.weight ?? 400} ${s.size}px system-ui, sans-serif`;
      context.textAlign = s.anchor === 'end' ? 'right' : s.anchor === 'middle' ? 'center' : 'left';
      context.translate(s.x, s.y);
      if (s.rotate) context.rotate((s.rotate * Math.PI) / 180);
      context.fillText(s.text, 0, 0);
      context.restore();
    }
  }
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
}

function linesShapes({ title, fromWords, toWords, heads }) {
  const rowHeight = 22;
  const width = 560;
  const leftX = 200;
  const rightX = width - 200;
  const y = (i) => 50 + i * rowHeight;
  const shapes = [{ kind: 'text', x: 8, y: 18, text: title, size: 14, weight: 700 }];
  for (const { weights, colour } of heads) {
    fromWords.forEach((_, i) => toWords.forEach((__, j) => {
      const w = weights[i * toWords.length + j];
      if (w >= 0.02) shapes.push({ kind: 'line', x1: leftX + 6, y1: y(i) - 4, x2: rightX - 6, y2: y(j) - 4, stroke: colour, widthPx: (0.75 + 3 * w).toFixed(2), opacity: w.toFixed(3) });
    }));
  }
  fromWords.forEach((word, i) => shapes.push({ kind: 'text', x: leftX, y: y(i), text: word, size: 12, anchor: 'end' }));
  toWords.forEach((word, j) => shapes.push({ kind: 'text', x: rightX, y: y(j), text: word, size: 12 }));
  return { width, height: y(Math.max(fromWords.length, toWords.length)) + 10, shapes };
}

/** The pictures one head (or the overlay) can be exported as: { name: shapes }. */
export function pictures(result, headIndex, overlay) {
  const { tokens, contextTokens, seqLen, contextLen, heads } = result;
  const head = heads[headIndex];
  const out = {
    heatmap: () => heatmapShapes({ title: `${head.name}: attention (rows attend to columns)`, rowWords: tokens, columnWords: contextTokens, weights: head.weights }),
    lines: () => linesShapes({ title: `${head.name}: attention as lines`, fromWords: tokens, toWords: contextTokens, heads: [{ weights: head.weights, colour: headColour(headIndex) }] }),
  };
  if (overlay && overlay.size) {
    const shown = [...overlay].sort((a, b) => a - b);
    const dominant = new Int16Array(seqLen * contextLen).fill(-1);
    const strength = new Float32Array(seqLen * contextLen);
    for (let k = 0; k < dominant.length; k++) {
      for (const index of shown) if (heads[index].weights[k] > strength[k]) { strength[k] = heads[index].weights[k]; dominant[k] = index; }
    }
    const mix = (hex, w) => `#${[1, 3, 5].map((i) => Math.round(parseInt(hex.slice(i, i + 2), 16) * w + 255 * (1 - w)).toString(16).padStart(2, '0')).join('')}`;
    out.overlay = () => heatmapShapes({ title: `Heads ${shown.map((i) => heads[i].head + 1).join(', ')} overlaid: the strongest head per cell`, rowWords: tokens, columnWords: contextTokens,
      weights: strength, colourOf: (w, k) => (dominant[k] < 0 ? '#ffffff' : mix(headColour(dominant[k]), Math.min(1, w))), labelOf: (k) => (dominant[k] < 0 ? '' : String(heads[dominant[k]].head + 1)) });
    out['overlay lines'] = () => linesShapes({ title: `Heads ${shown.map((i) => heads[i].head + 1).join(', ')} overlaid`, fromWords: tokens, toWords: contextTokens,
      heads: shown.map((index) => ({ weights: heads[index].weights, colour: headColour(index) })) });
  }
  return out;
}

export function svgOf(shapes) { return toSvg(shapes); }
export function pngOf(shapes, document) { return toPng(shapes, document); }

/** The From/To/Strength rows as CSV. */
export function tableCsv(rows) {
  return ['from_position,from,to_position,to,strength', ...rows.map((r) => [r.fromIndex + 1, r.from, r.toIndex + 1, r.to, String(r.strength)].map(csvField).join(','))].join('\n') + '\n';
}

/** Every head's weights, every layer, one row per cell (positions from 1). */
export function matricesCsv(attention) {
  const { tokens, contextTokens, numLayers, numHeads, seqLen, contextLen } = attention;
  const lines = ['layer,head,from_position,from,to_position,to,weight'];
  for (let l = 0; l < numLayers; l++) for (let h = 0; h < numHeads; h++) for (let i = 0; i < seqLen; i++) for (let j = 0; j < contextLen; j++) {
    lines.push([l + 1, h + 1, i + 1, tokens[i], j + 1, contextTokens[j], String(attention.attention[((l * numHeads + h) * seqLen + i) * contextLen + j])].map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}

export function matricesJson(attention) {
  const { tokens, contextTokens, numLayers, numHeads, seqLen, contextLen } = attention;
  const weights = Array.from({ length: numLayers }, (_, l) => Array.from({ length: numHeads }, (__, h) => Array.from({ length: seqLen }, (___, i) =>
    Array.from(attention.attention.subarray(((l * numHeads + h) * seqLen + i) * contextLen, ((l * numHeads + h) * seqLen + i + 1) * contextLen)))));
  return `${JSON.stringify({ tokens, contextTokens, numLayers, numHeads, seqLen, contextLen, attention: weights })}\n`;
}

/** Saves text or a blob as a file through a temporary link (no network, works from file://). */
export function download(document, name, content, type) {
  const blob = content instanceof Blob ? content : new Blob([content], { type });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
