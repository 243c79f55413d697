// The widget's styles, adopted into its shadow root as a constructed
// stylesheet (allowed under a strict style-src CSP, unlike inline <style>).
export const STYLES = `
:host {
  --al-bg: #ffffff;
  --al-fg: #1b1f24;
  --al-muted: #57606a;
  --al-border: #d0d7de;
  --al-panel: #f6f8fa;
  --al-accent: #0b5cad;
  --al-highlight: #d1242f;
  --al-focus: #0b5cad;
  display: block;
  font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
  font-size: 15px;
  line-height: 1.4;
  color: var(--al-fg);
  contain: content;
  content-visibility: auto;
  contain-intrinsic-size: auto 720px;
  max-width: 100%;
}
@media (prefers-color-scheme: dark) {
  :host {
    --al-bg: #0d1117;
    --al-fg: #e6edf3;
    --al-muted: #9da7b3;
    --al-border: #3d444d;
    --al-panel: #161b22;
    --al-accent: #6cb6ff;
    --al-highlight: #ff7b72;
    --al-focus: #6cb6ff;
  }
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
.lab {
  font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; font-size: 15px; line-height: 1.4;
  color: var(--al-fg); text-align: left; letter-spacing: normal; word-spacing: normal; text-transform: none; font-style: normal; font-weight: 400;
  background: var(--al-bg); border: 1px solid var(--al-border); border-radius: 10px; padding: 14px; position: relative; }
/* before its first picture a widget keeps about the room it will take: the page below
   does not jump when it draws, and widgets below stay below the fold until then */
.lab.pending { min-height: 900px; }
/* The parts typing leaves alone are painted once, not on every keystroke: each
   part is its own stacking context, which Chromium paints as a layer of its own
   and reuses while nothing in it changed. Traced at 64 words, the widget's paint
   went from 6.3-7.7 to 2.1-2.9 ms a keystroke (both frames), and key -> picture
   from 14.7 to 13.7 ms (A/B, 246 presses each). Nothing inside them needs a
   z-index to reach past them: the tooltip is the .lab's own child, and the panel's
   title row, whose export menu drops over the parts below it, is left out. */
.tokens, .arch, .head-groups, .evidence, .view-slot, .controls, table.links { isolation: isolate; }
h2, h3, h4 { margin: 0; font-weight: 600; }
h2 { font-size: 1.05em; }
h3 { font-size: 1em; }
.top { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: baseline; justify-content: space-between; }
.top-actions { display: inline-flex; gap: 8px; align-items: center; }
.badge { font-size: 0.8em; padding: 2px 8px; border-radius: 999px; border: 1px solid var(--al-border); color: var(--al-muted); }
.badge.untrained { border-color: #9a6700; color: #7d4e00; background: #fff8c5; }
@media (prefers-color-scheme: dark) { .badge.untrained { color: #e3b341; background: #2e2409; border-color: #9e6a03; } }
.note { color: var(--al-muted); font-size: 0.85em; margin: 4px 0 0; }
label.sentence { display: block; margin-top: 10px; font-weight: 600; font-size: 0.9em; }
input[type="text"] {
  width: 100%; margin-top: 4px; padding: 8px 10px; font: inherit; color: var(--al-fg);
  background: var(--al-bg); border: 1px solid var(--al-border); border-radius: 6px;
}
/* Each keystroke lays out the text box before the input event: sized and
   contained, it is laid out alone (3 objects) instead of the whole page (~860). */
label.sentence input[type="text"] { display: block; contain: strict; height: calc(1.4em + 18px); height: calc(1lh + 18px); }
button, select, input { font: inherit; color: inherit; }
:focus-visible { outline: 3px solid var(--al-focus); outline-offset: 2px; }
.tokens { display: flex; flex-wrap: wrap; gap: 6px; margin: 10px 0 4px; padding: 0; list-style: none; }
.chip {
  border: 1px solid var(--al-border); background: var(--al-panel); border-radius: 6px;
  padding: 2px 8px; cursor: pointer; font-size: 0.92em; white-space: nowrap;
}
.chip.unknown { border-style: dashed; color: var(--al-muted); }
.chip.static { cursor: default; }
.context-tokens .tokens { margin-top: 4px; }
.context-input { max-width: 32em; }
.chip.action { max-width: none; white-space: normal; text-align: left; }
.chip .pos, .chip[data-pos]::before { color: var(--al-muted); font-size: 0.75em; margin-right: 4px; }
.chip[data-pos]::before { content: attr(data-pos); }
table.links td .pos { color: var(--al-muted); font-size: 0.75em; margin-right: 4px; font-variant-numeric: tabular-nums; }
.chip.long { max-width: 16em; overflow: hidden; text-overflow: ellipsis; }
.chip.hot { border-color: var(--al-highlight); box-shadow: 0 0 0 1px var(--al-highlight) inset; }
.chip.locked { background: var(--al-highlight); color: var(--al-bg); border-color: var(--al-highlight); }
.chip.locked .pos, .chip.locked[data-pos]::before { color: var(--al-bg); }
.status { min-height: 1.3em; font-size: 0.85em; color: var(--al-muted); }
.context-tokens:empty { display: none; }
.status:empty { min-height: 0; margin: 0; }  /* stays in the tree: a live region must exist before it speaks */
.status.error { color: var(--al-highlight); font-weight: 600; }
.arch { display: flex; flex-wrap: wrap; align-items: stretch; gap: 4px; margin: 10px 0; font-size: 0.8em; }
.arch .step { border: 1px solid var(--al-border); border-radius: 6px; padding: 4px 8px; background: var(--al-panel); text-align: center; }
.arch .step b { display: block; font-size: 1.05em; }
.arch .arrow { align-self: center; color: var(--al-muted); }
.arch-facts { font-size: 0.8em; color: var(--al-muted); margin: 0 0 10px; }
.body { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.45fr); gap: 14px; }
@media (max-width: 760px) { .body { grid-template-columns: minmax(0, 1fr); } }
.grid-head { display: flex; justify-content: space-between; align-items: center; gap: 8px; margin-bottom: 6px; flex-wrap: wrap; }
.heads { display: grid; grid-template-columns: repeat(auto-fill, minmax(118px, 1fr)); gap: 8px; }
.head-groups { display: flex; flex-direction: column; gap: 10px; }
.layer-group h4 { font-size: 0.8em; color: var(--al-muted); margin: 0 0 4px; font-weight: 600; }
.head-card {
  display: flex; flex-direction: column; align-items: stretch; gap: 4px; text-align: left;
  border: 1px solid var(--al-border); border-radius: 8px; padding: 6px; background: var(--al-bg); cursor: pointer;
}
.head-card[aria-pressed="true"] { border-color: var(--al-accent); box-shadow: 0 0 0 2px var(--al-accent); }
.head-card canvas { width: 100%; height: auto; aspect-ratio: 1; image-rendering: pixelated; border-radius: 3px; }
.head-card .name { font-weight: 600; font-size: 0.85em; display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; flex: none; }
.head-card .role { font-size: 0.75em; color: var(--al-muted); }
.head-groups.compact .heads { grid-template-columns: repeat(auto-fill, minmax(84px, 1fr)); gap: 6px; }
.head-groups.compact .head-card { padding: 4px; gap: 3px; }
.head-groups.compact .head-card .name { font-size: 0.78em; gap: 4px; }
.head-groups.compact .head-card .role { font-size: 0.7em; line-height: 1.25; }
.head-groups.compact .head-card .entropy { display: none; }
.focus { border: 1px solid var(--al-border); border-radius: 8px; padding: 10px; background: var(--al-bg); min-width: 0; }
.focus-head { display: flex; flex-wrap: wrap; gap: 6px 12px; justify-content: space-between; align-items: baseline; }
.tabs { display: flex; gap: 4px; }
.tabs button { border: 1px solid var(--al-border); background: var(--al-panel); border-radius: 6px; padding: 2px 10px; cursor: pointer; font-size: 0.85em; }
.source-switch { margin-top: 8px; align-items: center; flex-wrap: wrap; }
.switch-label { font-size: 0.85em; color: var(--al-muted); margin-right: 4px; }
.tabs button[aria-pressed="true"],
.tabs button[aria-selected="true"] { background: var(--al-accent); color: var(--al-bg); border-color: var(--al-accent); }
.evidence { font-size: 0.8em; color: var(--al-muted); margin: 4px 0 8px; }
.evidence p { margin: 0 0 4px; }
.evidence .heldout { color: var(--al-fg); }
.heat { display: grid; grid-template-columns: max-content max-content; justify-content: start; align-items: end; overflow-x: auto; max-width: 100%; }
.heat .corner { font-size: 0.7em; color: var(--al-muted); padding: 0 6px 4px 0; text-align: right; align-self: end; }
/* each axis: one text, a word per line, line-height = one cell (set in JS);
   one clip per axis (labels are shortened in JS) */
.col-labels, .row-labels { font-size: 11px; white-space: pre; color: var(--al-fg); overflow: hidden; }
/* the top axis reads bottom to top, its lines side by side left to right */
.col-labels { height: 70px; writing-mode: vertical-rl; transform: rotate(180deg); text-align: start; }
@supports (writing-mode: sideways-lr) { .col-labels { writing-mode: sideways-lr; transform: none; } }
.row-labels { text-align: right; padding-right: 6px; }
table.matrix th.hot, .col-labels .hot, .row-labels .hot { color: var(--al-highlight); font-weight: 700; }
.heat canvas { display: block; image-rendering: pixelated; cursor: crosshair; }
.heat .cells { position: relative; }
.heat .mark { position: absolute; display: none; border: 2px solid var(--al-highlight); pointer-events: none; }
.long-text { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: flex-start; margin-bottom: 8px; }
.long-text[hidden] { display: none; }
.long-text > div:last-child { flex: 1 1 200px; min-width: 0; }
.long-text .overview-box { position: relative; max-width: 100%; line-height: 0; }
.long-text .overview { display: block; image-rendering: pixelated; cursor: pointer; outline: 1px solid var(--al-border); }
.long-text .window-frame { position: absolute; display: none; border: 2px solid var(--al-highlight); pointer-events: none; box-sizing: border-box; }
.long-text .find input { width: 10em; }
.legend { display: flex; align-items: center; gap: 6px; font-size: 0.75em; color: var(--al-muted); margin: 6px 0; }
.legend .bar { display: inline-block; width: 140px; height: 10px; border-radius: 2px; }
.overlay-toggles { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0; font-size: 0.85em; }
.overlay-toggles label { display: inline-flex; align-items: center; gap: 4px; border: 1px solid var(--al-border); border-radius: 6px; padding: 1px 6px; cursor: pointer; }
.overlay-toggles .head-number { font-weight: 700; font-variant-numeric: tabular-nums; }
.lines svg { max-width: 100%; height: auto; display: block; }
.lines text { font-size: 12px; fill: var(--al-fg); cursor: pointer; }
.lines text.hot { fill: var(--al-highlight); font-weight: 700; }
.lines .caption { font-size: 11px; fill: var(--al-muted); cursor: default; }
.lines .tick { font-size: 10px; fill: var(--al-fg); }
.controls { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; font-size: 0.85em; margin: 10px 0 6px; }
.controls label { display: inline-flex; gap: 6px; align-items: center; }
.layer-select, .controls select { padding: 1px 4px; border: 1px solid var(--al-border); border-radius: 4px; background: var(--al-bg); }
table { border-collapse: collapse; width: 100%; font-size: 0.88em; }
caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--al-border); }
th button { all: unset; cursor: pointer; font-weight: 600; }
th button:focus-visible { outline: 3px solid var(--al-focus); }
th[aria-sort] button::after { content: " ↕"; color: var(--al-muted); }
th[aria-sort="ascending"] button::after { content: " ↑"; color: var(--al-fg); }
th[aria-sort="descending"] button::after { content: " ↓"; color: var(--al-fg); }
td.strength { width: 45%; }
.bar { display: flex; align-items: center; gap: 8px; }
.bar .track { flex: 1; height: 8px; background: var(--al-panel); border-radius: 4px; overflow: hidden; border: 1px solid var(--al-border); }
.bar .fill { height: 100%; background: var(--al-accent); }
.bar .pct { min-width: 3.2em; text-align: right; font-variant-numeric: tabular-nums; }
.matrix-wrap { overflow: auto; max-height: 420px; max-width: 100%; }
table.matrix { width: auto; font-size: 0.78em; font-variant-numeric: tabular-nums; }
table.matrix th, table.matrix td { padding: 2px 5px; white-space: nowrap; text-align: right; }
table.matrix th[scope="row"] { text-align: right; position: sticky; left: 0; background: var(--al-bg); }
table.matrix thead th { position: sticky; top: 0; background: var(--al-bg); }
tr.hot td { background: color-mix(in srgb, var(--al-highlight) 14%, transparent); }
.self { color: var(--al-muted); font-size: 0.8em; }
.step-list { padding-left: 0; list-style: none; margin: 0; }
.step-list li { margin: 0 0 12px; }
.step-list h4 { font-size: 0.9em; margin: 0 0 2px; }
code.vector { display: block; font-size: 0.75em; overflow-wrap: anywhere; color: var(--al-fg); }
table.step-table { width: auto; font-size: 0.8em; }
table.step-table tr.masked td { color: var(--al-muted); }
.experiments { margin-top: 14px; border: 1px solid var(--al-border); border-radius: 8px; padding: 8px 12px; }
.experiments summary { cursor: pointer; font-weight: 600; }
.head-switches { border: 1px solid var(--al-border); border-radius: 6px; display: flex; flex-wrap: wrap; gap: 6px 12px; font-size: 0.85em; }
.head-switches label { display: inline-flex; align-items: center; gap: 4px; }
.effect { font-weight: 600; font-size: 0.9em; }
.predictions { font-size: 0.9em; }
.prediction-columns { display: flex; flex-wrap: wrap; gap: 24px; font-size: 0.88em; }
.prediction-columns h4 { font-size: 0.9em; margin: 4px 0; }
.prediction-columns ol { margin: 0; padding-left: 1.4em; }
table.compare { width: auto; margin: 8px 0; font-size: 0.85em; }
table.compare th[scope="row"] { font-weight: 400; }
table.importance { width: auto; min-width: 60%; margin-top: 8px; }
.controls input[type="number"] { width: 4em; padding: 1px 4px; border: 1px solid var(--al-border); border-radius: 4px; background: var(--al-bg); }
.tooltip {
  position: absolute; pointer-events: none; background: var(--al-fg); color: var(--al-bg); padding: 3px 8px;
  border-radius: 4px; font-size: 0.8em; white-space: nowrap; z-index: 2; display: none;
}
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (prefers-reduced-motion: no-preference) { .chip, .head-card { transition: box-shadow 120ms, border-color 120ms; } }
.across-layers { margin-top: 12px; }
.across-layers summary { cursor: pointer; font-weight: 600; }
.across-scroll, .importance-scroll { overflow-x: auto; max-width: 100%; }  /* wide tables scroll inside the widget at 360 px */
.across-table { border-collapse: collapse; font-size: 0.8em; margin-top: 8px; }
.across-table caption { text-align: left; color: var(--al-muted); margin-bottom: 4px; }
.across-table th[scope="col"] { writing-mode: vertical-rl; transform: rotate(180deg); font-weight: 400; padding: 2px; max-height: 8em; }
.across-table th[scope="row"] { text-align: left; padding-right: 8px; white-space: nowrap; }
.across-table td { text-align: center; padding: 0 2px; min-width: 2.6em; vertical-align: bottom; }
.across-table .column { display: flex; align-items: flex-end; height: 2.2em; justify-content: center; }
.across-table .fill { display: block; width: 70%; background: var(--al-accent); }
.across-table .pct { font-variant-numeric: tabular-nums; font-size: 0.85em; }
.across-table .hot { color: var(--al-highlight); font-weight: 700; }
.qk-map svg { max-width: 100%; height: auto; overflow: visible; }
.qk-map .qk-query circle { fill: var(--al-accent); }
.qk-map .qk-key rect { fill: var(--al-bg); stroke: var(--al-highlight); stroke-width: 2; }
.qk-map text { font-size: 10px; fill: var(--al-fg); }
.qk-map .hot text { font-weight: 700; fill: var(--al-highlight); }
.qk-map .hot circle, .qk-map .hot rect { stroke: var(--al-fg); stroke-width: 2; }
.qk-map .qk-extra { fill: var(--al-muted); opacity: 0.35; }
.qk-map .qk-link { stroke: var(--al-highlight); }
.qk-map g { cursor: pointer; }
.head-map { margin-top: 12px; }
.head-map summary { cursor: pointer; font-weight: 600; }
.head-map-axes { display: flex; flex-wrap: wrap; gap: 8px 16px; margin: 8px 0; font-size: 0.9em; }
.head-map-grid { display: grid; grid-template-columns: minmax(280px, 400px) 1fr; gap: 16px; align-items: start; }
@media (max-width: 720px) { .head-map-grid { grid-template-columns: 1fr; } }
.head-map svg { max-width: 100%; height: auto; overflow: visible; }
.head-map .axis { stroke: var(--al-border); }
.head-map .tick, .head-map .head-point text { font-size: 10px; fill: var(--al-fg); }
.head-map .head-point { cursor: pointer; }
.head-map .head-point.open circle { stroke: var(--al-fg); stroke-width: 2.5; }
.head-map .head-point:focus-visible circle { stroke: var(--al-focus); stroke-width: 3; }
.head-map-side h4 { margin: 0 0 4px; font-size: 0.95em; }
.head-map-side ol { padding-left: 1.2em; font-size: 0.9em; }
.export-menu { position: relative; font-size: 0.85em; }
.export-menu summary { cursor: pointer; border: 1px solid var(--al-border); border-radius: 6px; padding: 2px 10px; background: var(--al-panel); list-style: none; }
.export-menu ul { position: absolute; right: 0; z-index: 5; list-style: none; margin: 4px 0 0; padding: 6px; background: var(--al-bg); border: 1px solid var(--al-border); border-radius: 6px; min-width: 15em; box-shadow: 0 4px 12px rgba(0,0,0,0.15); }
.export-menu.from-left ul { right: auto; left: 0; }
.export-menu li + li { margin-top: 4px; }
.export-menu li button { width: 100%; text-align: left; }
/* <attention-writer> */
.writer-controls { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: center; margin: 10px 0 4px; font-size: 0.9em; }
.writer-controls button.action { border: 1px solid var(--al-accent); background: var(--al-accent); color: var(--al-bg); border-radius: 6px; padding: 4px 12px; cursor: pointer; }
.writer-controls button.action:disabled { opacity: 0.5; cursor: default; }
.writer-controls input.seed { width: 6em; }
.writer-text { display: flex; flex-wrap: wrap; gap: 5px; margin: 10px 0; padding: 0; list-style: none; }
.writer-text .chip.prompt { background: var(--al-bg); }
.writer-text .chip.written { border-color: var(--al-accent); }
.writer-text .chip.selected { outline: 2px solid var(--al-accent); outline-offset: 1px; font-weight: 600; }
.writer-panels { display: grid; grid-template-columns: minmax(220px, 1fr) minmax(300px, 1.6fr); gap: 18px; align-items: start; }
.writer-panels > * { min-width: 0; }  /* a wide heatmap scrolls inside its panel instead of widening the column */
@media (max-width: 720px) { .writer-panels { grid-template-columns: minmax(0, 1fr); } }
.writer-bars h3, .writer-attention h3 { margin: 4px 0; font-size: 0.95em; }
.writer-bars ol.bars { list-style: none; margin: 8px 0 0; padding: 0; }
.writer-bars ol.bars li button { display: grid; grid-template-columns: 7.5em 1fr 4em auto; gap: 6px; align-items: center; width: 100%;
  border: 0; background: none; padding: 2px 0; cursor: pointer; text-align: left; }
.writer-bars ol.bars li button:disabled { cursor: default; }
.writer-bars .word { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.writer-bars .track { height: 0.8em; background: var(--al-panel); border: 1px solid var(--al-border); border-radius: 3px; overflow: hidden; }
.writer-bars .fill { display: block; height: 100%; background: var(--al-accent); }
.writer-bars li.chosen .fill { background: var(--al-highlight); }
.writer-bars li.chosen .word { font-weight: 700; }
.writer-bars .pct { font-variant-numeric: tabular-nums; text-align: right; font-size: 0.85em; }
.writer-bars .tag { font-size: 0.75em; color: var(--al-highlight); }
.writer-attention .head-row { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; margin-top: 12px; }
.writer-attention .heat { margin-top: 6px; }
.writer-induction { margin-top: 14px; }
.writer-induction summary { cursor: pointer; font-weight: 600; }
.writer-induction button.action { margin: 8px 0; border: 1px solid var(--al-accent); background: var(--al-accent); color: var(--al-bg); border-radius: 6px; padding: 4px 12px; cursor: pointer; }
.induction-table { border-collapse: collapse; font-size: 0.85em; margin-top: 6px; }
.induction-table caption { text-align: left; color: var(--al-muted); margin-bottom: 4px; }
.induction-table th, .induction-table td { padding: 2px 10px; border-bottom: 1px solid var(--al-border); text-align: right; }
.induction-table th[scope="row"], .induction-table thead th:first-child { text-align: left; }
.induction-table tr.met td { font-weight: 700; }
`;

// <attention-trainer>'s own rules, adopted after STYLES.
export const TRAINER_STYLES = `
.trainer .controls { display: flex; flex-wrap: wrap; gap: 8px 16px; margin: 10px 0 4px; align-items: end; }
.trainer .control { display: flex; flex-direction: column; gap: 2px; font-size: 0.85em; font-weight: 600; }
.trainer .control.check { flex-direction: row; align-items: center; gap: 6px; font-weight: 400; }
.trainer select, .trainer input[type="number"] {
  padding: 4px 6px; border: 1px solid var(--al-border); border-radius: 6px; background: var(--al-bg); font-weight: 400; }
.trainer input[type="number"] { width: 7em; }
.trainer .buttons { display: flex; gap: 8px; margin: 8px 0; }
.trainer button { padding: 6px 14px; border: 1px solid var(--al-border); border-radius: 6px; background: var(--al-panel); cursor: pointer; }
.trainer button.primary { background: var(--al-accent); border-color: var(--al-accent); color: var(--al-bg); font-weight: 600; min-width: 6em; }
.trainer button:disabled { opacity: 0.55; cursor: default; }
.trainer .status { font-size: 0.9em; margin: 4px 0; min-height: 2.6em; }
.trainer .error { color: var(--al-highlight); font-weight: 600; margin: 4px 0; }
.trainer figure { margin: 6px 0; }
.trainer svg.loss { width: 100%; max-width: 560px; height: auto; display: block; }
.trainer svg .axis { stroke: var(--al-muted); stroke-width: 1; }
.trainer svg .guide { stroke: var(--al-muted); stroke-dasharray: 4 4; stroke-width: 1; }
.trainer svg .guide.target { stroke: var(--al-highlight); }
.trainer svg .caption { font-size: 11px; fill: var(--al-muted); }
.trainer .key { list-style: none; padding: 0; margin: 4px 0; font-size: 0.8em; color: var(--al-muted); }
.trainer .key li { display: flex; align-items: center; gap: 6px; }
.trainer .runs { display: flex; flex-wrap: wrap; gap: 16px; }
.trainer .run h3 { margin: 8px 0 2px; }
.trainer .probe { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.8em; color: var(--al-muted); margin: 0 0 6px; white-space: pre-wrap; }
.trainer .layer { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 8px; }
.trainer .card { border: 2px solid var(--al-border); border-radius: 8px; padding: 6px; background: var(--al-bg); }
.trainer .card.lit { border-color: #1a7f37; box-shadow: 0 0 0 2px color-mix(in srgb, #1a7f37 30%, transparent); }
.trainer .card.twin { border-style: dashed; }
.trainer .twin-title { margin: 10px 0 4px; font-size: 0.9em; color: var(--al-muted); font-weight: 600; }
.trainer .card h4 { font-size: 0.8em; margin: 0 0 4px; }
.trainer .card canvas { display: block; image-rendering: pixelated; }
.trainer .tmap { display: grid; grid-template-columns: max-content max-content; align-items: end; }
.trainer .tmap .col-labels { height: auto; padding-bottom: 2px; }
/* single letters or symbols stand upright; words read sideways, as on the widget's heatmap */
.trainer .tmap .col-labels.upright { writing-mode: vertical-lr; text-orientation: upright; transform: none; }
.trainer .tmap .row-labels { padding-right: 3px; }
.trainer .readout { font-size: 0.72em; color: var(--al-fg); margin: 2px 0 0; min-height: 1.3em; white-space: pre; font-variant-numeric: tabular-nums; }
.trainer .roles { list-style: none; padding: 0; margin: 4px 0 0; font-size: 0.75em; color: var(--al-muted); }
.trainer .roles li.met { color: var(--al-fg); font-weight: 700; }
.trainer .roles .mark { margin-right: 4px; }
.trainer .roles li.met .mark { color: #1a7f37; }
@media (prefers-color-scheme: dark) {
  .trainer .card.lit { border-color: #3fb950; }
  .trainer .roles li.met .mark { color: #3fb950; }
}
`;

// Constructed style sheets belong to one document's window: they are made once
// per window and set of texts, so an element moved into an iframe
// (document.adoptNode) adopts that window's sheets and keeps its look.
const sheetsByWindow = new WeakMap();
export function adoptStyles(root, view, ...texts) {
  const Sheet = view?.CSSStyleSheet;
  if (typeof Sheet !== 'function' || !('replaceSync' in Sheet.prototype)) return;
  const key = texts.join('\u0000');
  if (!sheetsByWindow.has(view)) sheetsByWindow.set(view, new Map());
  const made = sheetsByWindow.get(view);
  if (!made.has(key)) {
    made.set(key, texts.map((text) => {
      const sheet = new Sheet();
      sheet.replaceSync(text);
      return sheet;
    }));
  }
  root.adoptedStyleSheets = made.get(key);
}
