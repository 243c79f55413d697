// The oracle: multi-head attention in plain loops, no tricks.
// Every faster kernel is tested against this one (instantiated in double).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "attention.h"

namespace attention_lab {
namespace {

// rows: (num_rows, d_model) · weights: (d_model, d_model) + bias -> projected: (num_rows, d_model)
template <typename Real>
void project(const Real* rows, int num_rows, int d_model, const Real* weights, const Real* bias,
             std::vector<Real>& projected) {
  projected.assign(static_cast<std::size_t>(num_rows) * d_model, Real(0));
  for (int r = 0; r < num_rows; ++r) {
    for (int c = 0; c < d_model; ++c) {
      Real sum = bias != nullptr ? bias[c] : Real(0);
      for (int k = 0; k < d_model; ++k) {
        sum += rows[static_cast<std::size_t>(r) * d_model + k] *
               weights[static_cast<std::size_t>(k) * d_model + c];
      }
      projected[static_cast<std::size_t>(r) * d_model + c] = sum;
    }
  }
}

}  // namespace

template <typename Real>
void reference_multi_head_attention(const MhaShape& shape, const MhaOptions& options,
                                    const MhaInputs<Real>& inputs,
                                    const MhaOutputs<Real>& outputs) {
  const int seq_len = shape.seq_len;
  const int context_len = shape.context_len;
  const int d_model = shape.d_model;
  const int num_heads = shape.num_heads;
  const int head_dim = shape.head_dim();
  const Real* context = inputs.context != nullptr ? inputs.context : inputs.x;
  const Real logit_factor =
      static_cast<Real>(effective_scale(shape, options) / options.temperature);

  // 1. Project: Q = x·W_Q + b_Q, K = context·W_K + b_K, V = context·W_V + b_V.
  std::vector<Real> q, k, v;
  project(inputs.x, seq_len, d_model, inputs.w_q, inputs.b_q, q);
  project(context, context_len, d_model, inputs.w_k, inputs.b_k, k);
  project(context, context_len, d_model, inputs.w_v, inputs.b_v, v);

  std::vector<Real> concat(static_cast<std::size_t>(seq_len) * d_model, Real(0));
  std::vector<Real> logits(context_len), weights(context_len);

  for (int h = 0; h < num_heads; ++h) {
    const int column0 = h * head_dim;
    for (int i = 0; i < seq_len; ++i) {
      // 2. Logits for query i against every key, masked keys excluded.
      Real row_max = -std::numeric_limits<Real>::infinity();
      for (int j = 0; j < context_len; ++j) {
        const bool masked = (options.causal && j > i) ||
                            (options.key_padding_mask != nullptr && options.key_padding_mask[j] != 0);
        if (masked) {
          logits[j] = -std::numeric_limits<Real>::infinity();
          continue;
        }
        Real dot = 0;
        for (int c = 0; c < head_dim; ++c) {
          dot += q[static_cast<std::size_t>(i) * d_model + column0 + c] *
                 k[static_cast<std::size_t>(j) * d_model + column0 + c];
        }
        logits[j] = dot * logit_factor;
        row_max = std::max(row_max, logits[j]);
      }
      // 3. Softmax with the row maximum subtracted; an all-masked row stays zero.
      Real total = 0;
      for (int j = 0; j < context_len; ++j) {
        weights[j] = std::isinf(logits[j]) ? Real(0) : std::exp(logits[j] - row_max);
        total += weights[j];
      }
      for (int j = 0; j < context_len; ++j) weights[j] = total > 0 ? weights[j] / total : Real(0);
      if (outputs.attention != nullptr) {
        std::copy(weights.begin(), weights.end(),
                  outputs.attention + (static_cast<std::size_t>(h) * seq_len + i) * context_len);
      }
      // 4. Weighted sum of the values into this head's columns of the concatenation.
      for (int c = 0; c < head_dim; ++c) {
        Real sum = 0;
        for (int j = 0; j < context_len; ++j) {
          sum += weights[j] * v[static_cast<std::size_t>(j) * d_model + column0 + c];
        }
        const bool ablated = options.head_enabled != nullptr && options.head_enabled[h] == 0;
        concat[static_cast<std::size_t>(i) * d_model + column0 + c] = ablated ? Real(0) : sum;
        if (outputs.head_outputs != nullptr) {
          outputs.head_outputs[(static_cast<std::size_t>(h) * seq_len + i) * head_dim + c] = sum;
        }
      }
    }
  }

  // 5. Output projection: output = concat·W_O + b_O.
  std::vector<Real> projected;
  project(concat.data(), seq_len, d_model, inputs.w_o, inputs.b_o, projected);
  std::copy(projected.begin(), projected.end(), outputs.output);
}

template void reference_multi_head_attention<double>(const MhaShape&, const MhaOptions&,
                                                     const MhaInputs<double>&,
                                                     const MhaOutputs<double>&);
template void reference_multi_head_attention<float>(const MhaShape&, const MhaOptions&,
                                                    const MhaInputs<float>&,
                                                    const MhaOutputs<float>&);

}  // namespace attention_lab
