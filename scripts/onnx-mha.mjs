// Multi-head attention as an ONNX graph (opset 13), encoded by hand (no onnx
// package in JavaScript), so scripts/bench.mjs can run onnxruntime-web on the
// same weights: y = concat_h(softmax(Q_h K_hᵀ / sqrt(d_k)) V_h) · W_O with
// Q = x·W_Q, K = x·W_K, V = x·W_V (no biases), as MatMul/Reshape/Transpose/Softmax.
// Protobuf wire format: field keys are (field << 3 | wire type) varints;
// wire type 0 = varint, 2 = length-delimited.
function varint(value) {
  const out = [];
  let v = BigInt(value);
  do { let byte = Number(v & 0x7fn); v >>= 7n; if (v) byte |= 0x80; out.push(byte); } while (v);
  return out;
}
const key = (field, wire) => varint((field << 3) | wire);
const bytesOf = (text) => Array.from(Buffer.from(text, 'utf8'));
const lengthDelimited = (field, payload) => [...key(field, 2), ...varint(payload.length), ...payload];
const str = (field, text) => lengthDelimited(field, bytesOf(text));
const int = (field, value) => [...key(field, 0), ...varint(value)];
function tensor(name, dims, data, type = 1) {
  const raw = type === 1 ? Buffer.from(new Float32Array(data).buffer) : Buffer.from(new BigInt64Array(data.map(BigInt)).buffer);
  return [...dims.flatMap((d) => int(1, d)), ...int(2, type), ...str(8, name), ...lengthDelimited(9, Array.from(raw))];
}
function valueInfo(name, dims) {
  const shape = dims.flatMap((d) => lengthDelimited(1, int(1, d)));
  const tensorType = [...int(1, 1), ...lengthDelimited(2, shape)];
  return [...str(1, name), ...lengthDelimited(2, lengthDelimited(1, tensorType))];
}
function node(op, inputs, outputs, attributes = []) {
  return [...inputs.flatMap((i) => str(1, i)), ...outputs.flatMap((o) => str(2, o)), ...str(4, op), ...attributes.flatMap((a) => lengthDelimited(5, a))];
}
const intsAttribute = (name, values) => [...str(1, name), ...values.flatMap((v) => int(8, v)), ...int(20, 7)];
/** The model file (Uint8Array) for one shape and one set of weights (Float32Arrays, row-major). */
export function mhaModel({ seqLen: n, dModel: d, heads: h, wq, wk, wv, wo }) {
  const dk = d / h;
  const nodes = [
    node('MatMul', ['x', 'wq'], ['q']), node('MatMul', ['x', 'wk'], ['k']), node('MatMul', ['x', 'wv'], ['v']),
    node('Reshape', ['q', 'nhd'], ['q3']), node('Reshape', ['k', 'nhd'], ['k3']), node('Reshape', ['v', 'nhd'], ['v3']),
    node('Transpose', ['q3'], ['qh'], [intsAttribute('perm', [1, 0, 2])]),
    node('Transpose', ['k3'], ['kh'], [intsAttribute('perm', [1, 2, 0])]),
    node('Transpose', ['v3'], ['vh'], [intsAttribute('perm', [1, 0, 2])]),
    node('MatMul', ['qh', 'kh'], ['s']), node('Mul', ['s', 'scale'], ['ss']), node('Softmax', ['ss'], ['p']),
    node('MatMul', ['p', 'vh'], ['o']), node('Transpose', ['o'], ['ot'], [intsAttribute('perm', [1, 0, 2])]),
    node('Reshape', ['ot', 'nd'], ['concat']), node('MatMul', ['concat', 'wo'], ['y']),
  ];
  const initializers = [tensor('wq', [d, d], wq), tensor('wk', [d, d], wk), tensor('wv', [d, d], wv), tensor('wo', [d, d], wo),
    tensor('nhd', [3], [n, h, dk], 7), tensor('nd', [2], [n, d], 7), tensor('scale', [], [1 / Math.sqrt(dk)])];
  const graph = [...nodes.flatMap((nd) => lengthDelimited(1, nd)), ...str(2, 'mha'),
    ...initializers.flatMap((t) => lengthDelimited(5, t)),
    ...lengthDelimited(11, valueInfo('x', [n, d])), ...lengthDelimited(12, valueInfo('y', [n, d]))];
  const model = [...int(1, 8), ...lengthDelimited(8, [...str(1, ''), ...int(2, 13)]), ...lengthDelimited(7, graph)];
  return Uint8Array.from(model);
}
