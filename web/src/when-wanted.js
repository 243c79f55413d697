// Work a widget need not do before the learner can see it: start() runs once,
// when the element comes within `margin` of the viewport, when the page has
// loaded and is idle, or when the returned now() is called, whichever comes
// first. The widgets a learner sees first (and their models) then get the
// page's first moments to themselves; the ones far below follow when idle.
//
// "Idle" can come while a widget in sight still waits for its model (the
// main thread is idle during a download): a widget started by sight or by a
// script may pass `drawn()` (a promise of its first picture), and widgets
// started by idleness wait for those pictures first, at most idleTimeout ms.
const inSight = new WeakMap();  // window -> Set of first pictures still coming

export function whenWanted(element, start, { margin = '600px 0px', idleTimeout = 4000, drawn = null } = {}) {
  const view = element.ownerDocument.defaultView ?? globalThis;
  if (!inSight.has(view)) inSight.set(view, new Set());
  const coming = inSight.get(view);
  let done = false;
  let observer = null;
  const begin = (bySight) => {
    if (done || !element.isConnected) return;
    done = true;
    observer?.disconnect();
    start();
    const picture = bySight && drawn ? drawn() : null;
    if (picture) {
      coming.add(picture);
      const settled = () => coming.delete(picture);
      picture.then(settled, settled);
    }
  };
  const now = () => begin(true);
  if (typeof view.IntersectionObserver === 'function') {
    observer = new view.IntersectionObserver((entries) => { if (entries.some((entry) => entry.isIntersecting)) now(); }, { rootMargin: margin });
    observer.observe(element);
  }
  const whenIdle = () => {
    if (done) return;
    if (coming.size === 0) { begin(false); return; }
    const waited = new Promise((resolve) => view.setTimeout(resolve, idleTimeout));
    Promise.race([Promise.allSettled([...coming]), waited]).then(() => begin(false));
  };
  const later = () => (typeof view.requestIdleCallback === 'function' ? view.requestIdleCallback(whenIdle, { timeout: idleTimeout }) : view.setTimeout(whenIdle, 1500));
  if (element.ownerDocument.readyState === 'complete') later();
  else view.addEventListener('load', later, { once: true });
  return { now, get started() { return done; }, cancel: () => observer?.disconnect() };
}
