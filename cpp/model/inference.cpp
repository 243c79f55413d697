#include "model/inference.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "attention/attention.h"
#include "attention/gemm.h"
#include "attention/simd4.h"

namespace attention_lab {

// ---- inference --------------------------------------------------------------------

namespace {

// 0.5·x·(1 + tanh(u)) written as x·sigmoid(2u), the same function: one expf
// instead of tanhf (which calls expm1f and branches); tanhf was a quarter of
// a 64-word model run in the widget.
float gelu(float x) {
  const float u = kGeluSqrt2OverPi * (x + 0.044715f * x * x * x);
  return x / (1.0f + std::exp(-2.0f * u));
}

}  // namespace

void layer_norm_rows(const float* x, int n, int d, const float* gain, const float* bias, float* out) {
  for (int r = 0; r < n; ++r) {
    const float* row = x + static_cast<std::size_t>(r) * d;
    float* dst = out + static_cast<std::size_t>(r) * d;
    double mean = 0, variance = 0;
    for (int c = 0; c < d; ++c) mean += row[c];
    mean /= d;
    for (int c = 0; c < d; ++c) variance += (row[c] - mean) * (row[c] - mean);
    variance /= d;
    const float inverse = static_cast<float>(1.0 / std::sqrt(variance + kLayerNormEpsilon));
    for (int c = 0; c < d; ++c) dst[c] = (row[c] - static_cast<float>(mean)) * inverse * gain[c] + bias[c];
  }
}

// The same function as gelu() on whole vectors: x / (1 + e^(-2u)) with the
// vector exp, clamped so e^(-2u) stays finite (x very negative gives -0 as
// the scalar form does). The scalar expf per value was a fifth of a 64-word
// model run in the widget.
void gelu_in_place(float* values, std::size_t count) {
  using simd::f32x4;
  const f32x4 sqrt_2_over_pi = simd::splat(kGeluSqrt2OverPi);
  const f32x4 cubic = simd::splat(0.044715f);
  const f32x4 minus_two = simd::splat(-2.0f);
  const f32x4 one = simd::splat(1.0f);
  std::size_t i = 0;
  for (; i + 4 <= count; i += 4) {
    const f32x4 x = simd::load(values + i);
    const f32x4 u = simd::mul(sqrt_2_over_pi, simd::add(x, simd::mul(simd::mul(simd::mul(cubic, x), x), x)));
    simd::store(values + i, simd::div(x, simd::add(one, simd::exp_clamped(simd::mul(minus_two, u)))));
  }
  for (; i < count; ++i) values[i] = gelu(values[i]);
}

void pack_transformer(const TransformerParams<float>& params, PackedTransformer& packed) {
  pack_transformer_layers(params, packed);
  pack_transformer_output(params, packed);
}

void pack_transformer_output(const TransformerParams<float>& params, PackedTransformer& packed) {
  const TransformerConfig& c = params.config;
  pack_columns_transposed(params.token_embedding.data(), c.d_model, c.vocab_size, c.d_model, packed.embedding_t);
}

const PackedMatrix& packed_output(const TransformerParams<float>& params, const PackedTransformer& packed, PackedMatrix& scratch) {
  const TransformerConfig& c = params.config;
  if (packed.embedding_t.cols == c.vocab_size) return packed.embedding_t;
  pack_columns_transposed(params.token_embedding.data(), c.d_model, c.vocab_size, c.d_model, scratch);
  return scratch;
}

void pack_transformer_layers(const TransformerParams<float>& params, PackedTransformer& packed) {
  const TransformerConfig& c = params.config;
  packed.attention.resize(params.layers.size());
  packed.mlp_in.resize(params.layers.size());
  packed.mlp_out.resize(params.layers.size());
  for (std::size_t l = 0; l < params.layers.size(); ++l) {
    const TransformerLayer<float>& layer = params.layers[l];
    MhaInputs<float> weights;
    weights.w_q = layer.w_q.data();
    weights.w_k = layer.w_k.data();
    weights.w_v = layer.w_v.data();
    weights.w_o = layer.w_o.data();
    weights.b_q = layer.b_q.data();
    weights.b_k = layer.b_k.data();
    weights.b_v = layer.b_v.data();
    weights.b_o = layer.b_o.data();
    pack_layer(c.d_model, weights, packed.attention[l]);
    pack_columns(layer.w_1.data(), c.d_model, c.d_ff, c.d_ff, packed.mlp_in[l]);
    pack_columns(layer.w_2.data(), c.d_ff, c.d_model, c.d_model, packed.mlp_out[l]);
  }
}

void run_transformer(const TransformerParams<float>& params, const std::vector<int>& ids, bool want_logits,
                     TransformerRun& run, const TransformerRunOptions& run_options) {
  PackedTransformer packed;
  pack_transformer(params, packed);
  run_transformer(params, packed, ids, want_logits, run, run_options);
}

void run_transformer(const TransformerParams<float>& params, const PackedTransformer& packed,
                     const std::vector<int>& ids, bool want_logits, TransformerRun& run,
                     const TransformerRunOptions& run_options, int logits_row) {
  const TransformerConfig& c = params.config;
  const int n = static_cast<int>(ids.size());
  const int d = c.d_model;
  run.seq_len = n;
  run.captured.clear();
  // every element of these is written by the kernel below (a masked weight as 0)
  run.attention.resize(static_cast<std::size_t>(c.num_layers) * c.num_heads * n * n);
  run.row_entropy.resize(static_cast<std::size_t>(c.num_layers) * c.num_heads * n);
  run.row_argmax.resize(run.row_entropy.size());
  // 1. Embed: token + position.
  std::vector<float>& x = run.x;
  std::vector<float>& normed = run.normed;
  std::vector<float>& attended = run.attended;
  x.resize(static_cast<std::size_t>(n) * d);
  normed.resize(x.size());
  attended.resize(x.size());
  for (int i = 0; i < n; ++i) {
    const float* token = params.token_embedding.data() + static_cast<std::size_t>(ids[i]) * d;
    const float* position = params.position_embedding.data() + static_cast<std::size_t>(i) * d;
    for (int k = 0; k < d; ++k) x[static_cast<std::size_t>(i) * d + k] = token[k] + position[k];
  }
  std::vector<float>& hidden = run.mlp_hidden;
  std::vector<float>& mlp_out = run.mlp_out;
  hidden.resize(static_cast<std::size_t>(n) * c.d_ff);
  mlp_out.resize(x.size());
  const bool one_row = logits_row >= 0 && logits_row < n;
  const int rows_after_attention = one_row ? 1 : n;  // rows the last layer's MLP and the final LayerNorm run on
  const std::size_t first_after_attention = one_row ? static_cast<std::size_t>(logits_row) * d : 0;  // from this float of x
  for (int l = 0; l < c.num_layers; ++l) {
    const TransformerLayer<float>& layer = params.layers[static_cast<std::size_t>(l)];
    // 2. x = x + MHA(LN_1(x)), the same kernel the widget uses for a single layer.
    layer_norm_rows(x.data(), n, d, layer.ln1_gain.data(), layer.ln1_bias.data(), normed.data());
    if (l == run_options.capture_layer) run.captured = normed;
    MhaShape shape{n, n, d, c.num_heads};
    MhaOptions options;
    options.causal = c.causal;  // a decoder never sees later words, in training and here
    if (run_options.head_enabled != nullptr) {
      options.head_enabled = run_options.head_enabled + static_cast<std::size_t>(l) * c.num_heads;
    }
    if (run_options.head_gate != nullptr) options.head_gate = run_options.head_gate + static_cast<std::size_t>(l) * c.num_heads;
    options.has_scale = run_options.has_scale;
    options.scale = run_options.scale;
    options.temperature = run_options.temperature;
    MhaInputs<float> inputs;
    inputs.x = normed.data();
    MhaOutputs<float> outputs;
    outputs.output = attended.data();
    outputs.attention = run.attention.data() + static_cast<std::size_t>(l) * c.num_heads * n * n;
    outputs.row_entropy = run.row_entropy.data() + static_cast<std::size_t>(l) * c.num_heads * n;
    outputs.row_argmax = run.row_argmax.data() + static_cast<std::size_t>(l) * c.num_heads * n;
    multi_head_attention(shape, options, packed.attention[static_cast<std::size_t>(l)], inputs, outputs);
    if (!run_options.want_hidden && !want_logits && !one_row && l == c.num_layers - 1) {  // every attention map is known now
      run.hidden.clear();
      run.logits.clear();
      return;
    }
    // After the last layer's attention each row goes on alone (the MLP and the
    // final LayerNorm work row by row): when one row's logits are wanted, only
    // that row goes on (a masked-word loss runs this once per word).
    const bool last_layer = l == c.num_layers - 1;
    const std::size_t first = last_layer ? first_after_attention : 0;
    const int rows = last_layer ? rows_after_attention : n;
    float* x_rows = x.data() + first;
    for (std::size_t k = 0; k < static_cast<std::size_t>(rows) * d; ++k) x_rows[k] += attended[first + k];
    // 3. x = x + W_2 · GELU(W_1 · LN_2(x) + b_1) + b_2
    layer_norm_rows(x_rows, rows, d, layer.ln2_gain.data(), layer.ln2_bias.data(), normed.data());
    gemm_packed(rows, normed.data(), d, packed.mlp_in[static_cast<std::size_t>(l)], layer.b_1.data(), hidden.data(), c.d_ff);
    gelu_in_place(hidden.data(), static_cast<std::size_t>(rows) * c.d_ff);
    gemm_packed(rows, hidden.data(), c.d_ff, packed.mlp_out[static_cast<std::size_t>(l)], layer.b_2.data(), mlp_out.data(), d);
    for (std::size_t k = 0; k < static_cast<std::size_t>(rows) * d; ++k) x_rows[k] += mlp_out[k];
  }
  // 4. Final LayerNorm, then (optionally) logits against the tied embedding.
  run.hidden.resize(static_cast<std::size_t>(rows_after_attention) * d);
  layer_norm_rows(x.data() + first_after_attention, rows_after_attention, d, params.final_gain.data(), params.final_bias.data(),
                  run.hidden.data());
  if (want_logits) {
    run.logits.resize(static_cast<std::size_t>(rows_after_attention) * c.vocab_size);
    PackedMatrix scratch;
    gemm_packed(rows_after_attention, run.hidden.data(), d, packed_output(params, packed, scratch), params.output_bias.data(),
                run.logits.data(), c.vocab_size);
  } else {
    run.logits.clear();
  }
}

double log_probability(const float* logits, int vocab, int word) {
  double top = logits[0], total = 0;
  for (int w = 1; w < vocab; ++w) top = std::max<double>(top, logits[w]);
  for (int w = 0; w < vocab; ++w) total += std::exp(logits[w] - top);
  return logits[word] - top - std::log(total);
}

void logits_of_rows(const TransformerParams<float>& params, const PackedTransformer& packed, const float* rows, int count,
                    std::vector<float>& logits) {
  const int vocab = params.config.vocab_size;
  PackedMatrix scratch;
  logits.resize(static_cast<std::size_t>(count) * vocab);
  gemm_packed(count, rows, params.config.d_model, packed_output(params, packed, scratch), params.output_bias.data(), logits.data(), vocab);
}

double masked_sentence_loss(const TransformerParams<float>& params, const std::vector<int>& ids,
                            const TransformerRunOptions& options, const PackedTransformer* packed) {
  PackedTransformer packed_here;
  if (packed == nullptr) {
    pack_transformer(params, packed_here);
    packed = &packed_here;
  }
  const int vocab = params.config.vocab_size, d = params.config.d_model;
  const int n = static_cast<int>(ids.size());
  if (n == 0) return 0.0;
  // 1. Each word hidden in turn: the final hidden state of its row only.
  std::vector<int> masked = ids;
  std::vector<float> rows(static_cast<std::size_t>(n) * d);
  TransformerRun run;
  for (int i = 0; i < n; ++i) {
    masked[static_cast<std::size_t>(i)] = Vocabulary::kMask;
    run_transformer(params, *packed, masked, false, run, options, i);
    std::copy(run.hidden.begin(), run.hidden.end(), rows.begin() + static_cast<std::ptrdiff_t>(i) * d);
    masked[static_cast<std::size_t>(i)] = ids[static_cast<std::size_t>(i)];
  }
  // 2. Their logits in one product (the output matrix read once a sentence, not once a word).
  std::vector<float> logits;
  logits_of_rows(params, *packed, rows.data(), n, logits);
  // 3. -log p(true word) for each row, in double.
  double total = 0;
  for (int i = 0; i < n; ++i) total -= log_probability(logits.data() + static_cast<std::size_t>(i) * vocab, vocab, ids[static_cast<std::size_t>(i)]);
  return total / static_cast<double>(n);
}

std::vector<std::pair<int, float>> masked_predictions(const TransformerParams<float>& params, std::vector<int> ids,
                                                      int position, int k, const TransformerRunOptions& options,
                                                      const PackedTransformer* packed) {
  PackedTransformer packed_here;
  if (packed == nullptr) {
    pack_transformer(params, packed_here);
    packed = &packed_here;
  }
  const int vocab = params.config.vocab_size;
  ids[static_cast<std::size_t>(position)] = Vocabulary::kMask;
  TransformerRun run;
  run_transformer(params, *packed, ids, true, run, options, position);
  const float* row = run.logits.data();
  double row_max = row[0], sum = 0;
  for (int w = 1; w < vocab; ++w) row_max = std::max<double>(row_max, row[w]);
  for (int w = 0; w < vocab; ++w) sum += std::exp(row[w] - row_max);
  std::vector<std::pair<int, float>> best;
  for (int w = 3; w < vocab; ++w) {  // never suggest <pad>, <unk>, <mask>
    const float p = static_cast<float>(std::exp(row[w] - row_max) / sum);
    if (static_cast<int>(best.size()) < k || p > best.back().second) {
      best.emplace_back(w, p);
      std::sort(best.begin(), best.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
      if (static_cast<int>(best.size()) > k) best.pop_back();
    }
  }
  return best;
}

}  // namespace attention_lab
