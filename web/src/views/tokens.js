// The sentence's tokens as chips (hover or focus one to highlight it, click
// to lock it) and, in cross-attention, the attended sentence's tokens.
import { h } from '../draw.js';
import { patchKeyed, rovingKeys, setAttributeIfChanged, setText } from '../lab/dom.js';

const CHIP_CHARS = 24;  // longer words get a clipped chip

export function createTokensView({ highlight }) {
  const list = h('ul', { class: 'tokens', 'aria-label': 'Tokens (arrow keys move between them; Enter locks one)' });
  // one tab stop for all the chips (a roving tabindex): arrows, Home and End move
  rovingKeys(list, () => [...list.querySelectorAll('.chip')]);
  const keepOneTabStop = () => {
    const chips = [...list.querySelectorAll('.chip')];
    if (chips.length && !chips.some((chip) => chip.getAttribute('tabindex') === '0')) chips[0].setAttribute('tabindex', '0');
  };
  const contextList = h('div', { class: 'context-tokens' });

  // Chips are keyed by position and text: typing changes one word, so only
  // the chips whose word or status changed are rewritten, in place (a chip
  // at a position always stands for that position, so its handlers stay).
  function renderChips(tokens, tokenInfo) {
    patchKeyed(list, tokens.map((token, index) => {
      const unknown = Boolean(tokenInfo?.[index]?.unknown);
      return {
        key: `${token}\u0000${unknown}`,
        shape: 'chip',
        build: () => h('li', {}, h('button', {
          type: 'button', class: 'chip', 'data-index': index, 'aria-pressed': 'false', tabindex: '-1',
          onmouseenter: () => highlight.setHover(index), onmouseleave: () => highlight.setHover(null),
          onfocus: () => highlight.setHover(index), onblur: () => highlight.setHover(null),
          onclick: () => highlight.toggleLock(index),
          'data-pos': index + 1,  // drawn by CSS before the word: visible, and not part of the name
        })),
        // The word and its position are the chip's accessible name. Only a
        // long word gets a clipping box (CSS ellipsis): one per chip made
        // every keystroke's paint slower.
        update: (item) => {
          const chip = item.firstChild;
          setText(chip, token);
          setAttributeIfChanged(chip, 'class', `chip${unknown ? ' unknown' : ''}${Array.from(token).length > CHIP_CHARS ? ' long' : ''}` +
            `${chip.classList.contains('hot') ? ' hot' : ''}${chip.classList.contains('locked') ? ' locked' : ''}`);
          setAttributeIfChanged(chip, 'aria-label', `${token}, token ${index + 1}${unknown ? ', unknown to the model' : ''}`);
          if (unknown) setAttributeIfChanged(chip, 'title', `“${tokenInfo[index].surface}” is not in the model's vocabulary: it reads <unk>`);
          else if (chip.hasAttribute('title')) chip.removeAttribute('title');
        },
      };
    }));
  }

  return {
    roots: [list, contextList],
    update(result) {
      renderChips(result.tokens, result.tokenInfo);
      keepOneTabStop();
      const contextKey = result.cross ? result.contextTokens.join('\u0000') : null;
      if (contextList.dataset.key === String(contextKey)) return;
      contextList.dataset.key = String(contextKey);
      contextList.replaceChildren(...(result.cross
        ? [h('span', { class: 'switch-label' }, 'Attending to (keys and values):'),
          h('ul', { class: 'tokens' }, ...result.contextTokens.map((token, j) => h('li', {}, h('span', { class: 'chip static' }, h('span', { class: 'pos', 'aria-hidden': 'true' }, j + 1), token))))]
        : []));
    },
    clear() {
      renderChips([], null);
    },
    highlight(active, locked) {
      list.querySelectorAll('.chip').forEach((chip) => {
        const i = Number(chip.dataset.index);
        chip.classList.toggle('hot', i === active);
        chip.classList.toggle('locked', i === locked);
        const pressed = String(i === locked);
        setAttributeIfChanged(chip, 'aria-pressed', pressed);
      });
    },
  };
}
