// The text as written: the prompt's words, then each written word as a
// button that opens its step (its bars and attention). The word whose panel
// is open is marked; hovering a word highlights it in every view.
import { h } from '../draw.js';
import { patchKeyed, setText } from '../lab/dom.js';

export function createWriterTextView({ store, highlight, actions }) {
  const list = h('ol', { class: 'writer-text', 'aria-label': 'The text: prompt words, then the words the model wrote' });
  return {
    root: list,
    update() {
      patchKeyed(list, store.steps.map((step, index) => ({
        key: `${index}:${step.token}:${step.prompt}`,
        build: () => {
          const label = step.prompt ? `${step.word}, prompt word ${index + 1}` : `${step.word}, written word ${index + 1}: open its step`;
          const chip = h('button', { type: 'button', class: `chip${step.prompt ? ' prompt' : ' written'}${step.unknown ? ' unknown' : ''}`,
            'data-index': index, 'aria-label': label,
            onclick: () => actions.select(index),
            onmouseenter: () => highlight.setHover(index), onmouseleave: () => highlight.setHover(null),
            onfocus: () => highlight.setHover(index), onblur: () => highlight.setHover(null) }, step.word);
          return h('li', {}, chip);
        },
      })));
      list.querySelectorAll('.chip').forEach((chip, index) => {
        const open = index === store.selected;
        chip.classList.toggle('selected', open);
        chip.setAttribute('aria-pressed', String(open));
      });
    },
    highlight(active) {
      list.querySelectorAll('.chip').forEach((chip, index) => chip.classList.toggle('hot', index === active));
    },
    clear() { setText(list, ''); },
  };
}
