#!/usr/bin/python3
"""Golden vectors for multi-head attention, computed independently with numpy.

Run with Debian's Python (it has python3-numpy):
    /usr/bin/python3 scripts/make-golden.py            # writes tests/fixtures/golden.json
    /usr/bin/python3 scripts/make-golden.py --reference FILE.json
        reads one CLI input object and prints the float64 reference result as JSON
        (used by tests/node/cli-numpy.test.mjs for large random shapes).

The maths is written in numpy's matrix form (einsum, broadcasting), not as the
loops of the C++ reference, so the two are independent implementations.
Inputs are rounded to float32 first, so the float32 engine and this float64
reference see exactly the same numbers.
"""
import json
import os
import sys

import numpy as np


def multi_head_attention(x, context, wq, wk, wv, wo, bq, bk, bv, bo, num_heads,
                         causal=False, scale=None, temperature=1.0, key_padding_mask=None):
    seq_len, d_model = x.shape
    context_len = context.shape[0]
    head_dim = d_model // num_heads
    if scale is None:
        scale = 1.0 / np.sqrt(head_dim)
    q = x @ wq + bq
    k = context @ wk + bk
    v = context @ wv + bv
    # (heads, positions, head_dim)
    qh = q.reshape(seq_len, num_heads, head_dim).transpose(1, 0, 2)
    kh = k.reshape(context_len, num_heads, head_dim).transpose(1, 0, 2)
    vh = v.reshape(context_len, num_heads, head_dim).transpose(1, 0, 2)
    logits = np.einsum("hic,hjc->hij", qh, kh) * (scale / temperature)
    hidden = np.zeros((seq_len, context_len), dtype=bool)
    if causal:
        hidden |= np.triu(np.ones((seq_len, context_len), dtype=bool), k=1)
    if key_padding_mask is not None:
        hidden |= np.asarray(key_padding_mask, dtype=bool)[None, :]
    logits = np.where(hidden[None], -np.inf, logits)
    row_max = logits.max(axis=-1, keepdims=True)
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)
    e = np.where(hidden[None], 0.0, np.exp(logits - row_max))
    totals = e.sum(axis=-1, keepdims=True)
    weights = np.divide(e, totals, out=np.zeros_like(e), where=totals > 0)
    heads = weights @ vh                                   # (heads, seq_len, head_dim)
    concat = heads.transpose(1, 0, 2).reshape(seq_len, d_model)
    output = concat @ wo + bo
    return output, weights, heads


def as_array(value, shape=None):
    if value is None:
        return None
    a = np.asarray(value, dtype=np.float64)
    return a.reshape(shape) if shape is not None else a


def reference_from_input(spec):
    x = as_array(spec["x"])
    context = as_array(spec["context"]) if spec.get("context") is not None else x
    d_model = x.shape[1]
    zeros = np.zeros(d_model)
    bias = lambda name: as_array(spec[name]) if spec.get(name) is not None else zeros
    output, weights, heads = multi_head_attention(
        x, context, as_array(spec["wq"]), as_array(spec["wk"]), as_array(spec["wv"]),
        as_array(spec["wo"]), bias("bq"), bias("bk"), bias("bv"), bias("bo"),
        int(spec["num_heads"]), bool(spec.get("causal", False)), spec.get("scale"),
        float(spec.get("temperature", 1.0)), spec.get("key_padding_mask"))
    return {"output": output.tolist(), "attention": weights.tolist(), "head_outputs": heads.tolist()}


def f32(a):
    return a.astype(np.float32).astype(np.float64)


def make_case(name, rng, seq_len, context_len, d_model, num_heads, cross=False, causal=False,
              scale=None, temperature=1.0, key_padding_mask=None, biases=True):
    x = f32(rng.standard_normal((seq_len, d_model)))
    context = f32(rng.standard_normal((context_len, d_model))) if cross else x
    w = [f32(rng.standard_normal((d_model, d_model)) / np.sqrt(d_model)) for _ in range(4)]
    b = [f32(rng.standard_normal(d_model) * 0.1) if biases else np.zeros(d_model) for _ in range(4)]
    output, weights, heads = multi_head_attention(x, context, *w, *b, num_heads, causal, scale,
                                                  temperature, key_padding_mask)
    case = {
        "name": name,
        "num_heads": num_heads,
        "causal": causal,
        "temperature": temperature,
        "x": x.tolist(),
        "wq": w[0].tolist(), "wk": w[1].tolist(), "wv": w[2].tolist(), "wo": w[3].tolist(),
    }
    if cross:
        case["context"] = context.tolist()
    if biases:
        case.update({"bq": b[0].tolist(), "bk": b[1].tolist(), "bv": b[2].tolist(), "bo": b[3].tolist()})
    if scale is not None:
        case["scale"] = scale
    if key_padding_mask is not None:
        case["key_padding_mask"] = list(key_padding_mask)
    case["expected"] = {"output": output.tolist(), "attention": weights.tolist(),
                        "head_outputs": heads.tolist()}
    return case


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--reference":
        with open(sys.argv[2]) as f:
            spec = json.load(f)
        json.dump(reference_from_input(spec), sys.stdout)
        return
    rng = np.random.default_rng(20261123)
    cases = [
        make_case("self_small", rng, 5, 5, 8, 2),
        make_case("self_causal", rng, 7, 7, 12, 3, causal=True),
        make_case("cross", rng, 4, 9, 16, 4, cross=True),
        make_case("cross_causal_padded", rng, 6, 6, 10, 5, cross=True, causal=True,
                  key_padding_mask=[0, 0, 0, 1, 0, 1]),
        make_case("scaling_off", rng, 6, 6, 16, 2, scale=1.0),
        make_case("temperature", rng, 6, 6, 16, 4, temperature=0.3),
        make_case("no_bias_odd_head_dim", rng, 3, 3, 21, 3, biases=False),
        make_case("single_token", rng, 1, 1, 4, 4),
    ]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures",
                       "golden.json")
    with open(out, "w") as f:
        json.dump({"generator": "scripts/make-golden.py (numpy %s)" % np.__version__,
                   "cases": cases}, f, separators=(",", ":"))
    print("wrote %d cases to %s" % (len(cases), os.path.normpath(out)))


if __name__ == "__main__":
    main()
