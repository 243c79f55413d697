// A part of the widget the learner cannot see need not hold back the frame
// that shows the parts they can. offScreenLater(element) follows whether
// `element` is on screen; run(task) runs the task at once while it is (or
// while that cannot be known: no IntersectionObserver yet, or no answer from
// it yet), else keeps it, only the newest, and runs it (task(true): later) in a task right after
// the next frame, so the part is current again long before it can be
// scrolled into view. flush() runs a kept task now: before the page prints,
// or for a script that waits for everything (el.recompute()).
//
// Measured (the demo page's seeded widget, a 64-word sentence, 1280 x 720):
// the links table sits below the window while the learner types, and
// rewriting, laying out and painting it in the keystroke's frame cost ~2 ms
// of its ~16-18 ms from key to picture. content-visibility: auto does not
// skip it: Chromium keeps rendering such content within about 1.5 screens of
// the viewport.
/** callback() in a task right after the next frame (the frame that shows what changed before it). */
export function afterNextFrame(callback, view = globalThis) {
  view.requestAnimationFrame(() => view.setTimeout(callback, 0));
}

export function offScreenLater(element) {
  const view = element.ownerDocument?.defaultView ?? globalThis;
  let onScreen = true;  // until the observer says otherwise
  let kept = null;
  let scheduled = false;
  if (typeof view.IntersectionObserver === 'function') {
    new view.IntersectionObserver((entries) => { onScreen = entries[entries.length - 1].isIntersecting; }).observe(element);
  }
  const flush = () => {
    const task = kept;
    kept = null;
    task?.(true);
  };
  return {
    /** now: run it at once whatever the observer last said (the element was just put back on the page). */
    run(task, { now = false } = {}) {
      if (onScreen || now) {
        kept = null;  // an older kept task would overwrite this one's result
        task(false);
        return;
      }
      kept = task;
      if (scheduled) return;
      scheduled = true;
      afterNextFrame(() => { scheduled = false; flush(); }, view);
    },
    flush,
    get pending() { return kept !== null; },
  };
}
