// Every head of every layer as a card (a small heatmap, its role and entropy);
// a card selects its head, the layer menu picks the layer the panel shows,
// and "All heads overlaid" switches the panel to the overlay.
//
// While the learner types, only the cards on screen are redrawn for the
// keystroke's frame; those within half a screen of it follow right after that
// frame, and the pictures of the others are marked stale and drawn from the
// latest result when they scroll near, or before the page prints (their words
// follow the frame too). Of the trained model's 32 cards a 720 px window shows
// a handful, and redrawing every one on each keystroke took ~0.9 ms of its
// ~17 ms (the canvases' writes, paint and commit).
import { h, drawHeatmap } from '../draw.js';
import { PICTURE_LIMITS } from '../lab/pictures.js';
import { percent } from '../lab/format.js';
import { setAttributeIfChanged, setText, swatch } from '../lab/dom.js';
import { afterNextFrame } from '../lab/off-screen.js';

// A card's picture: one pixel per cell up to PICTURE_LIMITS.thumbnail words,
// then each pixel the largest weight of its block (a long text's 1,024 x 1,024
// cells per head, for a picture shown about 100 px wide), pooled by the engine.
function drawThumbnail(canvas, head, rows, cols) {
  if (Math.max(rows, cols) <= PICTURE_LIMITS.thumbnail) {
    drawHeatmap(canvas, head.weights, rows, cols, { fit: true });
    return;
  }
  const small = head.picture(PICTURE_LIMITS.thumbnail);
  drawHeatmap(canvas, small.weights, small.rows, small.cols, { fit: true });
}

export function createHeadGridView({ store, actions }) {
  const title = h('h3', {}, 'Heads');
  const layerSlot = h('span', { class: 'layer-slot' });
  const overlayButton = h('button', { class: 'chip', type: 'button', 'aria-pressed': 'false', onclick: () => actions.toggleOverlay() }, 'All heads overlaid');
  const groupsRoot = h('div', { class: 'head-groups', role: 'group', 'aria-label': 'Choose a head' });
  const root = h('div', {}, h('div', { class: 'grid-head' }, title, layerSlot, overlayButton), groupsRoot);
  let cards = null;
  let latest = null;  // the result the cards show: a stale picture is drawn from it
  // a card is "shown" when its picture is on screen or within half a screen of it; without IntersectionObserver every one is
  const observer = typeof IntersectionObserver === 'function'
    ? new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const card = entry.target.card;
        card.shown = entry.isIntersecting;
        if (card.shown && card.stale && latest) draw(card);
      }
    }, { rootMargin: '50% 0px' })
    : null;
  // ... and "in view" when on screen itself: redrawn in the keystroke's frame
  const inView = typeof IntersectionObserver === 'function'
    ? new IntersectionObserver((entries) => {
      for (const entry of entries) entry.target.card.inView = entry.isIntersecting;
    })
    : null;
  let afterFrame = null;  // cards brought up to date right after the frame

  // a card's words from the latest result, and its picture if it is near
  function refresh(card) {
    const head = latest?.layers[card.layer]?.heads[card.head];
    if (!head) return;
    setText(card.role, head.summary.role);
    setText(card.entropy, `entropy ${percent(head.summary.normalisedEntropy)}`);
    if (card.shown) draw(card); else card.stale = true;
  }
  function refreshLater(card) {
    if (!afterFrame) {
      const batch = (afterFrame = new Set());
      afterNextFrame(() => {
        if (afterFrame !== batch) return;
        afterFrame = null;
        for (const later of batch) refresh(later);
      });
    }
    afterFrame.add(card);
  }

  function draw(card) {
    card.stale = false;
    const head = latest.layers[card.layer]?.heads[card.head];
    if (head) drawThumbnail(card.canvas, head, latest.seqLen, latest.contextLen);
  }

  function pressedOf(head) {
    const { overlay, selectedHead, layer } = store.state;
    return String(!overlay && head.head === selectedHead && head.layer === layer);
  }

  function build(result) {
    const { layers, seqLen, contextLen, numLayers } = result;
    observer?.disconnect();
    inView?.disconnect();
    afterFrame = null;
    cards = new Map();
    cards.shapeKey = layers.map((layer) => layer.heads.length).join(',');
    const groups = layers.map((layer, layerIndex) => {
      const buttons = layer.heads.map((head, index) => {
        const canvas = h('canvas', { 'aria-hidden': 'true' });
        drawThumbnail(canvas, head, seqLen, contextLen);
        const role = h('span', { class: 'role' }, head.summary.role);
        const entropy = h('span', { class: 'role entropy' }, `entropy ${percent(head.summary.normalisedEntropy)}`);
        const button = h('button', {
          type: 'button', class: 'head-card', 'data-head': index, 'data-layer': layerIndex, 'aria-pressed': pressedOf(head),
          onclick: () => actions.selectHead(index, layerIndex),
        }, h('span', { class: 'name' }, swatch(index), head.name), canvas, role, entropy);
        const card = { button, canvas, role, entropy, layer: layerIndex, head: index, shown: true, inView: true, stale: false };
        canvas.card = card;
        observer?.observe(canvas);
        inView?.observe(canvas);
        cards.set(`${layerIndex}:${index}`, card);
        return button;
      });
      return numLayers > 1
        ? h('div', { class: 'layer-group', role: 'group', 'aria-label': `Layer ${layerIndex + 1}` },
          h('h4', {}, `Layer ${layerIndex + 1}`), h('div', { class: 'heads' }, ...buttons))
        : h('div', { class: 'heads' }, ...buttons);
    });
    // many heads (4 x 8 = 32): smaller cards, four to a row, the entropy left to the panel
    groupsRoot.classList.toggle('compact', layers.reduce((sum, layer) => sum + layer.heads.length, 0) > 16);
    title.textContent = numLayers > 1 ? `${numLayers} layers × ${result.numHeads} heads` : 'Heads';
    groupsRoot.replaceChildren(...groups);
    if (numLayers > 1) {
      const select = h('select', { class: 'layer-select', 'aria-label': 'Layer shown in the panel' },
        ...layers.map((_, l) => h('option', { value: l, selected: l === store.state.layer }, `Layer ${l + 1}`)));
      select.addEventListener('change', () => {
        actions.selectHead(store.state.selectedHead, Number(select.value));
        select.focus();
      });
      layerSlot.replaceChildren(select);
    } else {
      layerSlot.replaceChildren();
    }
  }

  return {
    root,
    update(result) {
      latest = result;
      setAttributeIfChanged(overlayButton, 'aria-pressed', String(Boolean(store.state.overlay)));
      const shapeKey = result.layers.map((layer) => layer.heads.length).join(',');
      if (!cards || cards.shapeKey !== shapeKey) {
        build(result);
        return;
      }
      // Same layers and heads as last time (the learner is typing): redraw in place.
      for (const layer of result.layers) {
        for (const head of layer.heads) {
          const card = cards.get(`${head.layer}:${head.head}`);
          if (card.inView) {
            afterFrame?.delete(card);
            refresh(card);
          } else {
            refreshLater(card);
          }
          const pressed = pressedOf(head);
          setAttributeIfChanged(card.button, 'aria-pressed', pressed);
        }
      }
      const select = layerSlot.querySelector('select');
      if (select) select.value = String(store.state.layer);
    },
    // Paper has no viewport to observe: the widget calls this before the page prints.
    drawStale() {
      this.drawLater();
      if (cards && latest) for (const card of cards.values()) if (card.stale) draw(card);
    },
    /** The cards kept for after the frame: now (their words; pictures of far cards stay stale). */
    drawLater() {
      const batch = afterFrame;
      afterFrame = null;
      if (batch) for (const card of batch) refresh(card);
    },
    clear() {
      observer?.disconnect();
      inView?.disconnect();
      afterFrame = null;
      groupsRoot.replaceChildren();
      cards = null;
      latest = null;
    },
  };
}
