// Hover and lock: the one controller. A word is highlighted while hovered or
// focused, or until clicked again when locked; every view that shows words
// registers a highlight(active, locked) callback and marks them itself.
export class HighlightController {
  constructor(store) {
    this.store = store;
    this.views = [];
    this._shown = null;  // what the views show now
  }

  register(view) {
    if (view.highlight) this.views.push(view);
  }

  setHover(index, cell = null) {
    this.store.state.hover = index;
    this.store.state.hoverCell = cell;
    this.apply();
  }

  /** Locks `index` (the word finder: it never unlocks). */
  lock(index) {
    this.store.state.locked = index;
    this.apply();
  }

  toggleLock(index) {
    const state = this.store.state;
    state.locked = state.locked === index ? null : index;
    this.apply();
  }

  /** Tells every view what is highlighted now. Views drawn anew draw plain, so this runs after each render. */
  apply() {
    if (!this.store.result) return;
    const { hover, locked } = this.store.state;
    const active = locked ?? hover;
    // Nothing highlighted now nor at the last call (the usual case while
    // typing): every node is already plain, new ones are built plain.
    if (active === null && this._shown === null) return;
    this._shown = active;
    for (const view of this.views) view.highlight(active, locked, this.store.result);
  }
}
