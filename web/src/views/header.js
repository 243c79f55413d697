// The widget's head: its title, what its weights are (badge and note) and,
// for a trained model, the switch to the same architecture with random weights.
import { h } from '../draw.js';
import { setText } from '../lab/dom.js';

export function createHeaderView({ element }) {
  const badge = h('span', { class: 'badge' });
  const note = h('p', { class: 'note' });
  const sourceSwitch = h('div', { class: 'tabs source-switch', role: 'group', 'aria-label': 'Trained or random weights' });
  // a link to this view: the widget needs an id to be found again in the page's address
  const link = h('button', { type: 'button', class: 'chip link-button', onclick: () => element.copyLink().catch(() => {}) }, 'Copy link to this view');
  const top = h('div', { class: 'top' }, h('h2', {}, 'Multi-head attention'), h('span', { class: 'top-actions' }, link, badge));

  // Trained vs random: the same architecture with seeded random weights.
  function renderSwitch(source) {
    const key = source.fixedArchitecture ? source.id : '';
    if (sourceSwitch.dataset.key === key) return;
    sourceSwitch.dataset.key = key;
    if (!source.fixedArchitecture) {
      sourceSwitch.replaceChildren();
      return;
    }
    const option = (id, label) => h('button', {
      type: 'button', 'aria-pressed': String(source.id === id), 'data-source': id,
      onclick: () => {
        if (element.getAttribute('source') !== id) element.setAttribute('source', id);
        sourceSwitch.querySelector(`button[data-source="${id}"]`)?.focus();
      },
    }, label);
    sourceSwitch.replaceChildren(h('span', { class: 'switch-label' }, 'Weights:'),
      option('trained', 'Trained'), option('trained-random', 'Random (same architecture)'));
  }

  return {
    roots: [top, note, sourceSwitch],
    update(result) {
      link.hidden = !element.id;
      const { source } = result.config;
      renderSwitch(source);
      setText(badge, source.label);
      badge.classList.toggle('untrained', !source.trained);
      setText(note, source.note || '');
    },
  };
}
