// How likely the alternatives were: the k likeliest next words at one step,
// as bars, the one written marked. Each bar is a button: writing that word
// instead rewinds to this step and continues from the learner's choice.
import { h } from '../draw.js';
import { percent } from '../lab/format.js';

export function createWriterBarsView({ store, actions }) {
  const root = h('div', { class: 'writer-bars' });
  return {
    root,
    update() {
      const index = store.selected;
      const step = index === null ? null : store.steps[index];
      root.replaceChildren();
      if (!step) return;
      if (step.prompt) {
        root.append(h('p', { class: 'note' }, `“${step.word}” is part of the prompt. Click a word the model wrote to see how likely the alternatives were.`));
        return;
      }
      const before = store.steps.slice(0, index).map((s) => s.word).join(' ');
      const greedy = store.settings.temperature === 0;
      root.append(h('h3', {}, `Word ${index + 1}: what could follow “${shortenTail(before)}”`),
        h('p', { class: 'note' }, greedy
          ? 'Greedy: the model writes its most likely word. Bars: softmax of its scores.'
          : `Sampled at temperature ${store.settings.temperature}${store.settings.topK ? ` from the ${store.settings.topK} likeliest words` : ''}, seed ${store.settings.seed}. Bars: softmax(scores / temperature).`));
      const rows = step.next.map((bar) => {
        const chosen = bar.id === step.token;
        const fill = h('span', { class: 'fill' });
        fill.style.width = `${(bar.probability * 100).toFixed(2)}%`;
        return h('li', { class: chosen ? 'chosen' : '' },
          h('button', { type: 'button', 'data-id': bar.id, disabled: chosen || store.running,
            onclick: () => actions.replace(index, bar.id) },
          h('span', { class: 'word' }, bar.word), h('span', { class: 'track', 'aria-hidden': 'true' }, fill),
          h('span', { class: 'pct' }, percent(bar.probability)), chosen ? h('span', { class: 'tag' }, 'written') : h('span', { class: 'sr-only' }, ': write this word instead')));
      });
      root.append(h('ol', { class: 'bars' }, rows));
      if (!step.next.some((bar) => bar.id === step.token)) {
        root.append(h('p', { class: 'note' }, `Written: “${step.word}” (${percent(step.probability)}), outside the ${step.next.length} likeliest.`));
      }
    },
  };
}

function shortenTail(text) {
  return text.length > 60 ? `…${text.slice(-58)}` : text;
}
