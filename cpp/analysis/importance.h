// How much a head matters: measures a learner can compare (weight magnitude
// here; output sensitivity and gradient importance run the model).
#pragma once

#include <cstddef>
#include <vector>

#include "model/inference.h"
#include "model/transformer.h"

namespace attention_lab {

// Per head, the Frobenius norm of its slices of W_Q, W_K, W_V (columns) and
// W_O (rows): one "weight magnitude" importance measure. (num_heads) values.
std::vector<float> head_weight_norms(int d_model, int num_heads, const float* w_q, const float* w_k,
                                     const float* w_v, const float* w_o);

// Michel et al. (2019) importance of every head for a sentence's masked-word
// loss: |d loss / d gate_h| at gate 1, which equals |sum(A_h * dL/dA_h)|,
// by central differences: the loss with head h's output scaled by 1 + step
// and by 1 - step. (num_layers * num_heads) values; options.head_gate is
// replaced (head_enabled, scale and temperature apply as given).
// first_head and head_count pick heads (in layer-major order) so a caller can
// measure a few at a time: (head_count) values; head_count -1 means to the last.
std::vector<float> gradient_importance(const TransformerParams<float>& params, const PackedTransformer& packed,
                                       const std::vector<int>& ids, TransformerRunOptions options, double step = 1e-2,
                                       int first_head = 0, int head_count = -1);

// How far an output moved from a reference output (the experiments' "changed
// by"): the relative L2 distance |changed - reference| / |reference| (0 when
// the reference is zero) and the cosine similarity (1 when either is zero).
struct OutputChange {
  double relative = 0;
  double cosine = 1;
};
OutputChange output_change(const float* changed, const float* reference, std::size_t count);

}  // namespace attention_lab
