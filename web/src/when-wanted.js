// Work a widget need not do before the learner can see it: start() runs once,
// when the element comes within `margin` of the viewport, when the page has
// loaded and is idle, or when the returned now() is called, whichever comes
// first. The widgets a learner sees first (and their models) then get the
// page's first moments to themselves; the ones far below follow when idle.
export function whenWanted(element, start, { margin = '600px 0px', idleTimeout = 4000 } = {}) {
  const view = element.ownerDocument.defaultView ?? globalThis;
  let done = false;
  let observer = null;
  const now = () => {
    if (done || !element.isConnected) return;
    done = true;
    observer?.disconnect();
    start();
  };
  if (typeof view.IntersectionObserver === 'function') {
    observer = new view.IntersectionObserver((entries) => { if (entries.some((entry) => entry.isIntersecting)) now(); }, { rootMargin: margin });
    observer.observe(element);
  }
  const later = () => (typeof view.requestIdleCallback === 'function' ? view.requestIdleCallback(now, { timeout: idleTimeout }) : view.setTimeout(now, 1500));
  if (element.ownerDocument.readyState === 'complete') later();
  else view.addEventListener('load', later, { once: true });
  return { now, get started() { return done; }, cancel: () => observer?.disconnect() };
}
