// The oracle: multi-head attention in plain loops, no tricks.
// Every faster kernel is tested against this one (instantiated in double).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "attention/attention.h"

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
      if (outputs.row_argmax != nullptr) {
        outputs.row_argmax[static_cast<std::size_t>(h) * seq_len + i] =
            static_cast<int>(std::max_element(weights.begin(), weights.end()) - weights.begin());
      }
      if (outputs.row_entropy != nullptr) {
        Real entropy = 0;
        for (int j = 0; j < context_len; ++j) {
          if (weights[j] > 0) entropy -= weights[j] * std::log(weights[j]);
        }
        outputs.row_entropy[static_cast<std::size_t>(h) * seq_len + i] = entropy;
      }
      // 4. Weighted sum of the values into this head's columns of the concatenation.
      for (int c = 0; c < head_dim; ++c) {
        Real sum = 0;
        for (int j = 0; j < context_len; ++j) {
          sum += weights[j] * v[static_cast<std::size_t>(j) * d_model + column0 + c];
        }
        concat[static_cast<std::size_t>(i) * d_model + column0 + c] = static_cast<Real>(head_factor(options, h)) * sum;
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

HeadTrace trace_head(const MhaShape& shape, const MhaOptions& options, const MhaInputs<double>& inputs, int head,
                     int query) {
  const int d_model = shape.d_model, head_dim = shape.head_dim(), context_len = shape.context_len;
  const int column0 = head * head_dim;
  const double* context = inputs.context != nullptr ? inputs.context : inputs.x;
  HeadTrace trace;
  trace.logit_factor = effective_scale(shape, options) / options.temperature;
  // 1. q for the chosen word, k and v for every word, in this head's columns.
  auto project_slice = [&](const double* row, const double* weights, const double* bias, std::vector<double>& out,
                           std::size_t offset) {
    for (int c = 0; c < head_dim; ++c) {
      double sum = bias != nullptr ? bias[column0 + c] : 0.0;
      for (int k = 0; k < d_model; ++k) sum += row[k] * weights[static_cast<std::size_t>(k) * d_model + column0 + c];
      out[offset + c] = sum;
    }
  };
  trace.query.assign(head_dim, 0.0);
  project_slice(inputs.x + static_cast<std::size_t>(query) * d_model, inputs.w_q, inputs.b_q, trace.query, 0);
  trace.keys.assign(static_cast<std::size_t>(context_len) * head_dim, 0.0);
  trace.values.assign(trace.keys.size(), 0.0);
  for (int j = 0; j < context_len; ++j) {
    const double* row = context + static_cast<std::size_t>(j) * d_model;
    project_slice(row, inputs.w_k, inputs.b_k, trace.keys, static_cast<std::size_t>(j) * head_dim);
    project_slice(row, inputs.w_v, inputs.b_v, trace.values, static_cast<std::size_t>(j) * head_dim);
  }
  // 2. dot products, 3. scaled, 4. masked, 5. softmax, 6. weighted sum of values.
  trace.dots.assign(context_len, 0.0);
  trace.scaled.assign(context_len, 0.0);
  trace.hidden.assign(context_len, 0);
  double row_max = -std::numeric_limits<double>::infinity();
  for (int j = 0; j < context_len; ++j) {
    for (int c = 0; c < head_dim; ++c) trace.dots[j] += trace.query[c] * trace.keys[static_cast<std::size_t>(j) * head_dim + c];
    trace.scaled[j] = trace.dots[j] * trace.logit_factor;
    trace.hidden[j] = (options.causal && j > query) ||
                      (options.key_padding_mask != nullptr && options.key_padding_mask[j] != 0);
    if (!trace.hidden[j]) row_max = std::max(row_max, trace.scaled[j]);
  }
  trace.weights.assign(context_len, 0.0);
  double total = 0;
  for (int j = 0; j < context_len; ++j) {
    if (!trace.hidden[j]) total += (trace.weights[j] = std::exp(trace.scaled[j] - row_max));
  }
  trace.head_output.assign(head_dim, 0.0);
  for (int j = 0; j < context_len; ++j) {
    trace.weights[j] = total > 0 ? trace.weights[j] / total : 0.0;
    for (int c = 0; c < head_dim; ++c) {
      trace.head_output[c] += trace.weights[j] * trace.values[static_cast<std::size_t>(j) * head_dim + c];
    }
  }
  // 7. concat of all heads and W_O: the reference kernel's row for this word.
  std::vector<double> output(static_cast<std::size_t>(shape.seq_len) * d_model);
  reference_multi_head_attention<double>(shape, options, inputs, MhaOutputs<double>{output.data(), nullptr, nullptr, nullptr});
  trace.output.assign(output.begin() + static_cast<std::ptrdiff_t>(query) * d_model,
                      output.begin() + static_cast<std::ptrdiff_t>(query + 1) * d_model);
  return trace;
}

template void reference_multi_head_attention<double>(const MhaShape&, const MhaOptions&,
                                                     const MhaInputs<double>&,
                                                     const MhaOutputs<double>&);
template void reference_multi_head_attention<float>(const MhaShape&, const MhaOptions&,
                                                    const MhaInputs<float>&,
                                                    const MhaOutputs<float>&);

}  // namespace attention_lab
