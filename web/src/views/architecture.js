// The architecture strip: the layer's steps with this sentence's sizes, and
// the facts under it (d_k, parameters, FLOPs).
import { h } from '../draw.js';
import { grouped } from '../lab/format.js';
import { patchKeyed, setText } from '../lab/dom.js';

export function createArchitectureView() {
  const strip = h('div', { class: 'arch', 'aria-label': 'Architecture of this layer with this sentence\'s sizes' });
  const facts = h('p', { class: 'arch-facts' });
  return {
    roots: [strip, facts],
    update(result) {
      const { seqLen, contextLen, cross, dModel, numHeads, headDim, config, architecture } = result;
      const n = seqLen;
      const m = contextLen;
      const steps = [
        [cross ? 'Input X (queries), C (keys, values)' : 'Input X', cross ? `${n} × ${dModel}, ${m} × ${dModel}` : `${n} × ${dModel}`],
        ['W_Q, W_K, W_V', `3 × (${dModel} × ${dModel})`],
        [`Split into ${numHeads} heads`, `d_k = ${dModel}/${numHeads} = ${headDim}`],
        ['Attention per head', `softmax(QKᵀ/√${headDim})V: ${numHeads} × ${n} × ${m}`],
        ['Concat', `${n} × ${dModel}`],
        ['W_O', `${dModel} × ${dModel}`],
        ['Output', `${n} × ${dModel}`],
      ];
      patchKeyed(strip, steps.flatMap(([name, shape], index) => [
        ...(index ? [{ key: 'arrow', build: () => h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→') }] : []),
        { key: `${name}\u0000${shape}`, build: () => h('div', { class: 'step' }, h('b', {}, name), shape) },
      ]));
      const parameters = 4 * dModel * dModel + 4 * dModel;
      // multiply-adds count 2 FLOPs: three projections, QKᵀ, weights·V, output projection
      const flops = 2 * dModel * dModel * (2 * n + 2 * m) + 2 * 2 * numHeads * n * m * headDim;
      const model = architecture
        ? ` This attention layer is one of ${architecture.layers} in a transformer encoder (each layer: LayerNorm → attention → add, LayerNorm → MLP with ${architecture.dFF} hidden units → add), vocabulary ${grouped(architecture.vocab)} words.`
        : '';
      setText(facts, `d_model = ${dModel}, h = ${numHeads}, d_k = d_model / h = ${headDim}; ` +
        `attention parameters 4·d_model² + 4·d_model = ${grouped(parameters)} per layer (the same for any h); ` +
        `this layer's forward pass: ${grouped(flops)} FLOPs${config.causal ? '; causal (decoder) mask on' : ''}.${model}`);
    },
    clear() {
      strip.replaceChildren();
      facts.textContent = '';
    },
  };
}
