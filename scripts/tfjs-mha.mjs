// Multi-head attention with @tensorflow/tfjs ops (MatMul, Reshape, Transpose,
// Softmax; no biases), the tfjs peer of the benchmarks: imported by
// scripts/bench.mjs in Node and served to the page by scripts/bench-browser.mjs.
// tf: the tfjs-core namespace with the wasm backend set.
export function tfjsMha(tf, { x, wq, wk, wv, wo, seqLen: n, dModel: d, numHeads: h }) {
  const dk = d / h;
  const [tx, tq, tk, tv, to] = [[x, [n, d]], [wq, [d, d]], [wk, [d, d]], [wv, [d, d]], [wo, [d, d]]].map(([data, shape]) => tf.tensor(data, shape));
  const split = (m) => tf.transpose(tf.reshape(m, [n, h, dk]), [1, 0, 2]);
  const run = () => {
    const y = tf.tidy(() => {
      const q = split(tf.matMul(tx, tq)), k = split(tf.matMul(tx, tk)), v = split(tf.matMul(tx, tv));
      const p = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dk)));
      return tf.matMul(tf.reshape(tf.transpose(tf.matMul(p, v), [1, 0, 2]), [n, d]), to);
    });
    const out = y.dataSync();
    y.dispose();
    return out;
  };
  return { run, dispose: () => [tx, tq, tk, tv, to].forEach((t) => t.dispose()) };
}
