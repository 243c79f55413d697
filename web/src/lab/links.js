// The links table's list: every (from, to) pair of one head, strongest first.
// A selection of weights the engine computed, not a new number.

/**
 * The (from, to) links of one head, strongest first (ties by position), as a
 * lazy list: strongest(count, minimum) builds objects only for the links asked for.
 */
export function allLinks(weights, tokens, seqLen, contextLen, contextTokens = tokens) {
  const total = seqLen * contextLen;
  // strongest first; the row-major position breaks ties
  const before = (a, b) => weights[a] > weights[b] || (weights[a] === weights[b] && a < b);
  let order = null;  // every position sorted, built only when a long list is asked for
  const link = (k) => ({ fromIndex: Math.floor(k / contextLen), toIndex: k % contextLen,
    from: tokens[Math.floor(k / contextLen)], to: contextTokens[k % contextLen], strength: weights[k] });
  return {
    length: total,
    /** Up to `count` links with strength >= minimum, strongest first. */
    strongest(count, minimum = 0) {
      const wanted = Math.min(count, total);
      if (order || wanted * 16 > total) {
        if (!order) {
          order = new Uint32Array(total);
          for (let k = 0; k < total; k++) order[k] = k;
          order.sort((a, b) => weights[b] - weights[a] || a - b);
        }
        const out = [];
        for (let r = 0; r < total && out.length < wanted && weights[order[r]] >= minimum; r++) out.push(link(order[r]));
        return out;
      }
      // a short list (the table's top 8 of n² links, on every keystroke): one
      // pass keeping the best `wanted` in order, no sort of all n² links
      // Once the list is full, a link must beat the weakest kept one; k only
      // grows, so an equal weight never does (ties go to the earlier position).
      if (wanted <= 0) return [];
      const best = [];
      let floor = -Infinity;
      for (let k = 0; k < total; k++) {
        const weight = weights[k];
        if (!(weight >= minimum) || weight <= floor) continue;
        let at = best.length === wanted ? wanted - 1 : best.length;
        while (at > 0 && before(k, best[at - 1])) { best[at] = best[at - 1]; at--; }
        best[at] = k;
        if (best.length === wanted) floor = weights[best[wanted - 1]];
      }
      return best.map(link);
    },
  };
}
