// Performance marks on the way to a widget's first picture (the engine ready, a
// model script loaded, decoded and in the engine, each widget's first picture),
// for the browser's performance timeline: scripts/bench-browser.mjs prints where
// page load -> first trained heatmap goes, and DevTools shows them. No cost to
// speak of, and nothing when the host has no performance.mark.
export function mark(name) {
  try { globalThis.performance?.mark?.(name); } catch { /* a host without marks */ }
}
