// The links table's list: every (from, to) pair of one head, strongest first.
// A selection of weights the engine computed, not a new number.

/**
 * The (from, to) links of one head, strongest first (ties by position), as a
 * lazy list: strongest(count, minimum) builds objects only for the links asked for.
 * rowArgmax (optional, seqLen): each row's strongest link as the engine found it;
 * a short list then reads only the rows that can hold one of its links.
 */
export function allLinks(weights, tokens, seqLen, contextLen, contextTokens = tokens, rowArgmax = null) {
  const total = seqLen * contextLen;
  // strongest first; the row-major position breaks ties
  const before = (a, b) => weights[a] > weights[b] || (weights[a] === weights[b] && a < b);
  let order = null;  // every position sorted, built only when a long list is asked for
  // The rows that can hold one of the `wanted` strongest links, in order, or
  // null (read every row). The `wanted` largest row maxima are `wanted` links
  // at least as strong as the smallest of them, T, so every one of the
  // strongest links is at least T, and lies in a row whose maximum is at least T.
  // A long text's table (8 of 1,048,576 links) then reads about 8 rows.
  const rowsThatCanHold = (wanted) => {
    if (!rowArgmax || rowArgmax.length !== seqLen || wanted > seqLen) return null;
    const maxima = new Float32Array(seqLen);
    for (let i = 0; i < seqLen; i++) maxima[i] = weights[i * contextLen + rowArgmax[i]];
    const threshold = Float32Array.from(maxima).sort()[seqLen - wanted];
    const rows = [];
    for (let i = 0; i < seqLen; i++) if (maxima[i] >= threshold) rows.push(i);
    return rows;
  };
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
      const consider = (k) => {
        const weight = weights[k];
        if (!(weight >= minimum) || weight <= floor) return;
        let at = best.length === wanted ? wanted - 1 : best.length;
        while (at > 0 && before(k, best[at - 1])) { best[at] = best[at - 1]; at--; }
        best[at] = k;
        if (best.length === wanted) floor = weights[best[wanted - 1]];
      };
      const rows = rowsThatCanHold(wanted);
      if (rows) {
        // in row order, so ties still go to the earlier position
        for (const i of rows) for (let k = i * contextLen, end = k + contextLen; k < end; k++) consider(k);
      } else {
        for (let k = 0; k < total; k++) consider(k);
      }
      return best.map(link);
    },
  };
}
