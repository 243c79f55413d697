// The trainer's loss chart: each run's smoothed training-batch losses (faint)
// and held-out losses (thick) against the step, with the guessing and target
// lines; a figure with its key.
import { h } from '../draw.js';
import { grouped, nats } from '../lab/format.js';

// histories: per run { smoothed: [[step, loss]], evaluations: [[step, loss]] };
// colours: one per run; shownWidth: the chart's width on screen (0 if unknown)
export function lossChart(snapshot, histories, colours, shownWidth) {
  // drawn at the width it is shown at (280 to 560 units), so its 11 px text
  // stays 11 px on a phone instead of shrinking with a fixed viewBox
  const width = Math.max(280, Math.min(560, Math.round(shownWidth || 560)));
  const height = 200;
  const left = 44;
  const bottom = 28;
  const top = 10;
  const right = 10;
  const info = snapshot.runs[0].info;
  const steps = Math.max(100, ...histories.map((hist) => (hist.smoothed.length ? hist.smoothed[hist.smoothed.length - 1][0] : 0)));
  const firstLoss = Math.max(...histories.map((hist) => (hist.evaluations.length ? hist.evaluations[0][1] : 0)));
  const high = Math.max(info.chanceLoss * 1.1, firstLoss * 1.05, 0.5);
  const x = (step) => left + (step / steps) * (width - left - right);
  const y = (loss) => top + (1 - Math.min(loss, high) / high) * (height - top - bottom);
  const svg = h('svg:svg', { viewBox: `0 0 ${width} ${height}`, class: 'loss', role: 'img',
    'aria-label': `Loss against training step. ${snapshot.runs.map((run) => `${run.label}: held-out loss ${nats(run.evaluation.loss)} at step ${run.evaluation.step}`).join('; ')}. Target ${info.targetLoss.toFixed(2)}, guessing ${info.chanceLoss.toFixed(2)} nats.` });
  svg.append(h('svg:line', { x1: left, y1: top, x2: left, y2: height - bottom, class: 'axis' }));
  svg.append(h('svg:line', { x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, class: 'axis' }));
  const guide = (loss, text, cls) => {
    svg.append(h('svg:line', { x1: left, y1: y(loss), x2: width - right, y2: y(loss), class: cls }));
    svg.append(h('svg:text', { x: width - right - 4, y: y(loss) - 4, 'text-anchor': 'end', class: 'caption' }, text));
  };
  if (Math.abs(info.chanceLoss - info.targetLoss) < 1e-9) {
    guide(info.targetLoss, `target: beat guessing by frequency, ${info.targetLoss.toFixed(2)}`, 'guide target');
  } else {
    guide(info.chanceLoss, `guessing by frequency ${info.chanceLoss.toFixed(2)}`, 'guide');
    guide(info.targetLoss, `target ${info.targetLoss.toFixed(2)}`, 'guide target');
  }
  for (const tick of [0, high / 2, high]) {
    svg.append(h('svg:text', { x: left - 6, y: y(tick) + 4, 'text-anchor': 'end', class: 'caption' }, tick.toFixed(1)));
  }
  svg.append(h('svg:text', { x: left, y: height - 8, class: 'caption' }, '0'));
  svg.append(h('svg:text', { x: width - right, y: height - 8, 'text-anchor': 'end', class: 'caption' }, `step ${steps}`));
  svg.append(h('svg:text', { x: 4, y: top + 2, class: 'caption', transform: `rotate(90 4 ${top + 2})` }, 'loss (nats)'));
  histories.forEach((history, index) => {
    const colour = colours[index % colours.length];
    const points = history.smoothed;
    const stride = Math.max(1, Math.ceil(points.length / 400));
    const line = [];
    for (let i = 0; i < points.length; i += stride) line.push(`${x(points[i][0]).toFixed(1)},${y(points[i][1]).toFixed(1)}`);
    if (line.length > 1) svg.append(h('svg:polyline', { points: line.join(' '), fill: 'none', stroke: colour, 'stroke-width': '2', opacity: '0.55' }));
    const evaluation = history.evaluations.map(([step, loss]) => `${x(step).toFixed(1)},${y(loss).toFixed(1)}`);
    if (evaluation.length > 1) svg.append(h('svg:polyline', { points: evaluation.join(' '), fill: 'none', stroke: colour, 'stroke-width': '2.5' }));
  });
  const key = h('ul', { class: 'key' }, ...snapshot.runs.map((run, index) => {
    const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
    swatch.style.background = colours[index % colours.length];
    return h('li', {}, swatch, `${run.label} (${grouped(run.info.parameters)} parameters): thick = held-out loss, faint = training batches`);
  }));
  return h('figure', {}, svg, key);
}
