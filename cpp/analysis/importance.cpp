#include "analysis/importance.h"

#include <cmath>

namespace attention_lab {

std::vector<float> head_weight_norms(int d_model, int num_heads, const float* w_q, const float* w_k,
                                     const float* w_v, const float* w_o) {
  const int head_dim = d_model / num_heads;
  std::vector<float> norms(static_cast<std::size_t>(num_heads), 0.0f);
  for (int h = 0; h < num_heads; ++h) {
    double sum = 0;
    for (int r = 0; r < d_model; ++r) {
      for (int c = h * head_dim; c < (h + 1) * head_dim; ++c) {
        const std::size_t column_element = static_cast<std::size_t>(r) * d_model + c;  // W_Q/W_K/W_V columns
        const std::size_t row_element = static_cast<std::size_t>(c) * d_model + r;     // W_O rows
        sum += double(w_q[column_element]) * w_q[column_element] + double(w_k[column_element]) * w_k[column_element] +
               double(w_v[column_element]) * w_v[column_element] + double(w_o[row_element]) * w_o[row_element];
      }
    }
    norms[static_cast<std::size_t>(h)] = static_cast<float>(std::sqrt(sum));
  }
  return norms;
}

std::vector<float> gradient_importance(const TransformerParams<float>& params, const PackedTransformer& packed,
                                       const std::vector<int>& ids, TransformerRunOptions options, double step,
                                       int first_head, int head_count) {
  const int heads = params.config.num_layers * params.config.num_heads;
  if (head_count < 0) head_count = heads - first_head;
  // gates are float32, as the kernels use them: divide by the step they really take
  const float up = static_cast<float>(1.0 + step), down = static_cast<float>(1.0 - step);
  std::vector<float> gates(static_cast<std::size_t>(heads), 1.0f), importance(static_cast<std::size_t>(head_count));
  options.head_gate = gates.data();
  for (int k = 0; k < head_count; ++k) {
    const std::size_t h = static_cast<std::size_t>(first_head + k);
    gates[h] = up;
    const double loss_up = masked_sentence_loss(params, ids, options, &packed);
    gates[h] = down;
    const double loss_down = masked_sentence_loss(params, ids, options, &packed);
    gates[h] = 1.0f;
    importance[static_cast<std::size_t>(k)] = static_cast<float>(std::abs((loss_up - loss_down) / (double(up) - double(down))));
  }
  return importance;
}

OutputChange output_change(const float* changed, const float* reference, std::size_t count) {
  double difference = 0, norm = 0, changed_norm = 0, dot = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const double c = changed[i], r = reference[i];
    difference += (c - r) * (c - r);
    norm += r * r;
    changed_norm += c * c;
    dot += c * r;
  }
  OutputChange change;
  change.relative = norm > 0 ? std::sqrt(difference / norm) : 0.0;
  change.cosine = norm > 0 && changed_norm > 0 ? dot / std::sqrt(norm * changed_norm) : 1.0;
  return change;
}

}  // namespace attention_lab
