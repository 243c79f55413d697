// One head, one word, every step of the computation with the engine's numbers (float64).
import { h } from '../draw.js';
import { percent } from '../lab/format.js';

export function createStepThroughView({ store, actions }) {
  return {
    draw(result, head, index) {
      const { tokens, seqLen, dModel, headDim } = result;
      const e = store.state.experiment;
      const query = store.state.locked ?? (e.position !== null && e.position < seqLen ? e.position : 0);
      const t = store.trace(index, query);
      const select = h('select', { 'aria-label': 'Word to follow' }, ...tokens.map((token, i) => h('option', { value: i, selected: i === query }, `${i + 1}: ${token}`)));
      select.addEventListener('change', () => actions.followWord(Number(select.value)));
      const numbers = (values, limit = 16) => {
        const shown = Array.from(values).slice(0, limit).map((v) => v.toFixed(3));
        return h('code', { class: 'vector' }, `[${shown.join(', ')}${values.length > limit ? `, … ${values.length} values` : ''}]`);
      };
      const step = (number, title, explanation, ...content) => h('li', {}, h('h4', {}, `${number}. ${title}`), h('p', { class: 'note' }, explanation), ...content);
      const word = tokens[query];
      const perWord = h('table', { class: 'step-table' },
        h('caption', {}, `Steps 3 to 5 for “${word}”, word by word`),
        h('thead', {}, h('tr', {}, ...['Word', 'Key k (first values)', 'q·k', `× ${t.logitFactor.toFixed(4)}`, 'Weight'].map((label) => h('th', { scope: 'col' }, label)))),
        h('tbody', {}, ...result.contextTokens.map((token, j) => h('tr', { class: t.hidden[j] ? 'masked' : undefined },
          h('th', { scope: 'row' }, token), h('td', {}, numbers(t.keys.subarray(j * headDim, (j + 1) * headDim), 4)),
          h('td', {}, t.dots[j].toFixed(3)), h('td', {}, t.hidden[j] ? 'masked' : t.scaled[j].toFixed(3)), h('td', {}, percent(t.weights[j]))))));
      return h('div', { class: 'steps' },
        h('div', { class: 'controls' }, h('label', {}, 'Follow the word', select)),
        h('ol', { class: 'step-list' },
          step(1, `Input for “${word}”`, `The word's embedding plus its position encoding: ${dModel} numbers.`, numbers(t.input)),
          step(2, 'Query', `q = x·W_Q, keeping ${head.name}'s ${headDim} columns: what this word is looking for.`, numbers(t.query)),
          step(3, 'Keys', `k = x·W_K for every word, the same ${headDim} columns: what each word offers.`),
          step(4, 'Dot products, scaled, masked', `q·k for each word, times ${t.logitFactor.toFixed(4)} (1/√d_k divided by the temperature) so scores stay in the softmax's sensitive range; masked words are left out.`),
          step(5, 'Softmax', 'exp of each score divided by their sum: the attention weights, which add up to 100%.', perWord),
          step(6, 'Weighted sum of values', `Σ weight × v over the words (v = x·W_V, ${headDim} columns): this head's output for “${word}”.`, numbers(t.headOutput)),
          step(7, 'Concat and W_O', `All heads' outputs side by side (${dModel} numbers) times W_O: the layer's output for “${word}”, mixing what every head found.`, numbers(t.output))));
    },
  };
}
