// attention-lab core: multi-head attention as in "Attention Is All You Need"
// and PyTorch nn.MultiheadAttention.
//
// Conventions (everything row-major, y = x · W):
//   x:        (seq_len, d_model)          the queries' input sequence
//   context:  (context_len, d_model)      keys/values input; equals x for self-attention
//   w_q, w_k, w_v, w_o: (d_model, d_model)
//   b_q, b_k, b_v, b_o: (d_model) or null (no bias)
//   head h uses columns [h * head_dim, (h + 1) * head_dim) of Q, K and V,
//   head_dim = d_model / num_heads.
//
// Outputs:
//   output:       (seq_len, d_model)
//   attention:    (num_heads, seq_len, context_len), each unmasked row sums to 1
//   head_outputs: (num_heads, seq_len, head_dim), head h's output before concat
//
// Logits are (q · k) * scale / temperature; scale defaults to 1/sqrt(head_dim).
// A query row whose keys are all masked (causal mask and/or key padding) gets
// all-zero weights and a zero head output instead of NaN.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "attention/gemm.h"

namespace attention_lab {

struct MhaShape {
  int seq_len = 0;
  int context_len = 0;
  int d_model = 0;
  int num_heads = 0;
  int head_dim() const { return num_heads > 0 ? d_model / num_heads : 0; }
};

struct MhaOptions {
  bool causal = false;           // query i may only see keys j <= i
  bool has_scale = false;        // false: scale = 1/sqrt(head_dim)
  double scale = 1.0;
  double temperature = 1.0;      // logits are divided by it; must be > 0
  const std::uint8_t* key_padding_mask = nullptr;  // (context_len), nonzero = ignore key
  const std::uint8_t* head_enabled = nullptr;  // (num_heads), 0 = ablate: head output zeroed before W_O
  const float* head_gate = nullptr;  // (num_heads), head output multiplied by it before W_O (default 1);
                                     // d loss / d gate at 1 is Michel et al.'s sum(A_h * dL/dA_h)
  // Fast kernel only. When the weights matrix is not requested, long inputs are
  // computed in tiles with an online softmax (memory O(seq_len * d_model)
  // instead of O(seq_len * context_len)); tests force either path.
  enum class Softmax { automatic, full_rows, streaming } softmax = Softmax::automatic;
};

// The factor head h's output is multiplied by before W_O: 0 if ablated, else its gate (default 1).
inline double head_factor(const MhaOptions& options, int h) {
  if (options.head_enabled != nullptr && options.head_enabled[h] == 0) return 0.0;
  return options.head_gate != nullptr ? options.head_gate[h] : 1.0;
}

inline double effective_scale(const MhaShape& shape, const MhaOptions& options) {
  if (options.has_scale) return options.scale;
  return 1.0 / std::sqrt(static_cast<double>(shape.head_dim()));
}

template <typename Real>
struct MhaInputs {
  const Real* x = nullptr;
  const Real* context = nullptr;  // null: self-attention (context = x)
  const Real* w_q = nullptr;
  const Real* w_k = nullptr;
  const Real* w_v = nullptr;
  const Real* w_o = nullptr;
  const Real* b_q = nullptr;
  const Real* b_k = nullptr;
  const Real* b_v = nullptr;
  const Real* b_o = nullptr;
};

template <typename Real>
struct MhaOutputs {
  Real* output = nullptr;        // required
  Real* attention = nullptr;     // optional
  Real* head_outputs = nullptr;  // optional
  // optional, (num_heads, seq_len): entropy in nats of each row of the
  // weights, -sum w log w (0 for a row that sees no key). The fast kernel
  // takes it from the softmax's own sums, so asking for it keeps full rows.
  Real* row_entropy = nullptr;
  // optional, (num_heads, seq_len): the first position of each row's largest
  // weight, its strongest link. The fast kernel finds it while the row is
  // still in cache, so a long text's head summaries need not read its
  // (num_heads, seq_len, context_len) weights again.
  int* row_argmax = nullptr;
};

// Largest working set the engine accepts, in bytes (inputs, intermediates and outputs).
constexpr double kMaxWorkingBytes = 1024.0 * 1024.0 * 1024.0;

// Bytes the fast float32 kernel needs for this call, including the inputs and all outputs.
double working_bytes(const MhaShape& shape);

// Shortest readable text for a number in messages ("0.5", "nan", "-inf").
std::string format_number(double value);

// Checks sizes and options. Returns an empty string when valid, else a message
// for a learner or course author saying what is wrong.
std::string validate_shape(const MhaShape& shape, const MhaOptions& options);

// Checks that every value is finite (arrays left null are skipped). Returns "" or a message
// naming the array, row and column.
template <typename Real>
std::string validate_values(const MhaShape& shape, const MhaInputs<Real>& inputs);

// After a kernel ran: "" when every value of `values` is finite, else a
// message saying the computation overflowed (finite inputs whose products or
// scaled scores exceed what Real holds, e.g. |x| = 1e20 in float32, or a huge
// scale / tiny temperature). what: "the output", "the attention weights", ...
template <typename Real>
std::string check_finite_result(const Real* values, std::size_t count, const char* what);

// The oracle: plain loops in Real (use double). No validation; call validate_* first.
template <typename Real>
void reference_multi_head_attention(const MhaShape& shape, const MhaOptions& options,
                                    const MhaInputs<Real>& inputs, const MhaOutputs<Real>& outputs);

// Every intermediate number of one head for one query word, for the
// step-by-step view (computed in double, like the reference).
struct HeadTrace {
  std::vector<double> query;        // (head_dim) q_i = x_i·W_Q[:, head cols] + b_Q[head cols]
  std::vector<double> keys;         // (context_len, head_dim)
  std::vector<double> values;       // (context_len, head_dim)
  std::vector<double> dots;         // (context_len) q_i·k_j
  std::vector<double> scaled;       // (context_len) dots * scale / temperature
  std::vector<std::uint8_t> hidden; // (context_len) 1 = masked
  std::vector<double> weights;      // (context_len) softmax of the visible scaled dots
  std::vector<double> head_output;  // (head_dim) sum_j weights_j v_j
  std::vector<double> output;       // (d_model) row i of concat(all heads)·W_O + b_O
  double logit_factor = 0;          // scale / temperature
};

HeadTrace trace_head(const MhaShape& shape, const MhaOptions& options, const MhaInputs<double>& inputs, int head,
                     int query);

// The fast float32 kernel: packed GEMM with a SIMD micro-kernel (wasm_simd128.h
// in the WebAssembly build, SSE natively) and a fused scaled softmax.
void multi_head_attention(const MhaShape& shape, const MhaOptions& options,
                          const MhaInputs<float>& inputs, const MhaOutputs<float>& outputs);

// A layer's weights packed once for the fast kernel, to reuse across calls
// (the widget recomputing as the learner types, the benchmark).
struct PackedLayer {
  int d_model = 0;
  PackedMatrix w_q, w_k, w_v, w_o;
  std::vector<float> b_q, b_k, b_v, b_o;  // empty: no bias
};
// Packs into `layer`, reusing its storage.
void pack_layer(int d_model, const MhaInputs<float>& weights, PackedLayer& layer);
// Same as multi_head_attention with `inputs`' weights and biases taken from `layer`
// (only inputs.x and inputs.context are read).
void multi_head_attention(const MhaShape& shape, const MhaOptions& options, const PackedLayer& layer,
                          const MhaInputs<float>& inputs, const MhaOutputs<float>& outputs);

}  // namespace attention_lab
