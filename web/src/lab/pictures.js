// Pictures of a head smaller than its matrix (a long text's 1,024 × 1,024
// weights on a card or in an overview): their sizes, and the pooling by
// largest weight for sources whose engine call does not pool.

// The longest side in pixels of a head card's picture and of the long-text overview.
export const PICTURE_LIMITS = Object.freeze({ thumbnail: 128, overview: 256 });

// The whole matrix in at most `limit` pixels per side, each pixel the
// largest weight of the block of cells it covers (a peak never averages away).
// The engine does the same in C++ for the seeded layer (prepared run's
// poolLimits, cpp/analysis/overview.h); this is the path for other sources.
export function downsampleByMax(weights, rows, cols, limit = PICTURE_LIMITS.overview) {
  const block = Math.max(1, Math.ceil(Math.max(rows, cols) / limit));
  const outRows = Math.ceil(rows / block), outCols = Math.ceil(cols / block);
  const out = new Float32Array(outRows * outCols);
  // row by row, each run of `block` columns in one tight loop (no division per cell)
  for (let i = 0; i < rows; i++) {
    const base = ((i / block) | 0) * outCols;
    const row = i * cols;
    for (let c = 0, j = 0; c < outCols; c++) {
      const end = Math.min(cols, j + block);
      let best = out[base + c];
      for (; j < end; j++) {
        const value = weights[row + j];
        if (value > best) best = value;
      }
      out[base + c] = best;
    }
  }
  return { weights: out, rows: outRows, cols: outCols, block };
}

