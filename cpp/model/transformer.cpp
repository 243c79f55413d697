#include "model/transformer.h"

#include <algorithm>
#include <cmath>

#include "model/seeded_model.h"

namespace attention_lab {

// ---- parameters ---------------------------------------------------------------

namespace {
// n zeros, as value-initialisation writes them: one memset, not a loop
// storing a float at a time (a model load's 7 MB of tensors, ~12 ms in
// Chromium, where the first call of a function runs unoptimised code)
template <typename Real>
void zeroed(std::vector<Real>& values, std::size_t n) {
  values.clear();
  values.resize(n);
}
}  // namespace

template <typename Real>
void TransformerParams<Real>::allocate(const TransformerConfig& c) {
  config = c;
  const std::size_t d = c.d_model, ff = c.d_ff;
  zeroed(token_embedding, static_cast<std::size_t>(c.vocab_size) * d);
  zeroed(position_embedding, static_cast<std::size_t>(c.max_len) * d);
  layers.assign(static_cast<std::size_t>(c.num_layers), TransformerLayer<Real>{});
  for (TransformerLayer<Real>& layer : layers) {
    for (auto* v : {&layer.ln1_gain, &layer.ln1_bias, &layer.b_q, &layer.b_k, &layer.b_v, &layer.b_o,
                    &layer.ln2_gain, &layer.ln2_bias, &layer.b_2}) {
      zeroed(*v, d);
    }
    for (auto* w : {&layer.w_q, &layer.w_k, &layer.w_v, &layer.w_o}) zeroed(*w, d * d);
    zeroed(layer.w_1, d * ff);
    zeroed(layer.b_1, ff);
    zeroed(layer.w_2, ff * d);
  }
  zeroed(final_gain, d);
  zeroed(final_bias, d);
  zeroed(output_bias, static_cast<std::size_t>(c.vocab_size));
}

std::size_t parameter_count(const TransformerConfig& c) {
  const std::size_t d = static_cast<std::size_t>(c.d_model), ff = static_cast<std::size_t>(c.d_ff);
  const std::size_t per_layer = 9 * d + 4 * d * d + d * ff + ff + ff * d;  // as allocate() lays a layer out
  return static_cast<std::size_t>(c.vocab_size) * d + static_cast<std::size_t>(c.max_len) * d +
         static_cast<std::size_t>(c.num_layers) * per_layer + 2 * d + static_cast<std::size_t>(c.vocab_size);
}

template <typename Real>
void TransformerParams<Real>::for_each(
    const std::function<void(const std::string&, std::vector<Real>&)>& visit) {
  visit("token_embedding", token_embedding);
  visit("position_embedding", position_embedding);
  for (std::size_t l = 0; l < layers.size(); ++l) {
    TransformerLayer<Real>& layer = layers[l];
    const std::string p = "layer" + std::to_string(l) + ".";
    visit(p + "ln1_gain", layer.ln1_gain);
    visit(p + "ln1_bias", layer.ln1_bias);
    visit(p + "w_q", layer.w_q);
    visit(p + "w_k", layer.w_k);
    visit(p + "w_v", layer.w_v);
    visit(p + "w_o", layer.w_o);
    visit(p + "b_q", layer.b_q);
    visit(p + "b_k", layer.b_k);
    visit(p + "b_v", layer.b_v);
    visit(p + "b_o", layer.b_o);
    visit(p + "ln2_gain", layer.ln2_gain);
    visit(p + "ln2_bias", layer.ln2_bias);
    visit(p + "w_1", layer.w_1);
    visit(p + "b_1", layer.b_1);
    visit(p + "w_2", layer.w_2);
    visit(p + "b_2", layer.b_2);
  }
  visit("final_gain", final_gain);
  visit("final_bias", final_bias);
  visit("output_bias", output_bias);
}

template <typename Real>
std::size_t TransformerParams<Real>::parameter_count() {
  std::size_t total = 0;
  for_each([&](const std::string&, std::vector<Real>& tensor) { total += tensor.size(); });
  return total;
}

template struct TransformerParams<float>;
template struct TransformerParams<double>;

// ---- initialisation -------------------------------------------------------------

void initialise_transformer(TransformerParams<float>& params, std::uint64_t seed, float std) {
  SeededGenerator random(seed);
  // sum of four uniforms in [-1, 1): variance 4/3, close to normal
  const float normaliser = std / std::sqrt(4.0f / 3.0f);
  auto fill = [&](std::vector<float>& tensor, float scale) {
    for (float& value : tensor) {
      float sum = 0.0f;  // one draw per statement: the order is fixed on every compiler
      for (int k = 0; k < 4; ++k) sum += random.symmetric_unit();
      value = scale * normaliser * sum;
    }
  };
  const float residual_scale = 1.0f / std::sqrt(2.0f * static_cast<float>(params.config.num_layers));
  fill(params.token_embedding, 1.0f);
  fill(params.position_embedding, 1.0f);
  for (TransformerLayer<float>& layer : params.layers) {
    for (auto* w : {&layer.w_q, &layer.w_k, &layer.w_v, &layer.w_1}) fill(*w, 1.0f);
    for (auto* w : {&layer.w_o, &layer.w_2}) fill(*w, residual_scale);
    std::fill(layer.ln1_gain.begin(), layer.ln1_gain.end(), 1.0f);
    std::fill(layer.ln2_gain.begin(), layer.ln2_gain.end(), 1.0f);
  }
  std::fill(params.final_gain.begin(), params.final_gain.end(), 1.0f);
}

}  // namespace attention_lab
