// A small pre-LayerNorm transformer encoder trained as a masked language model.
//
//   x_0 = token_embedding[id] + position_embedding[pos]            (seq_len, d_model)
//   per layer:  x = x + MHA(LN_1(x))                                 (heads as in attention.h)
//               x = x + W_2 · GELU(W_1 · LN_2(x) + b_1) + b_2        (d_ff hidden units;
//                                                                  d_ff = 0: attention-only, no MLP block)
//   h = LN_f(x);  logits = h · token_embeddingᵀ + output_bias         (tied output, (seq_len, vocab))
//
// The parameter layout is shared by the trainer (Real = float/double) and by
// inference (float), so one list of tensors drives training, saving and loading.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>


namespace attention_lab {

struct TransformerConfig {
  int vocab_size = 0;
  int d_model = 0;
  int num_heads = 0;
  int num_layers = 0;
  int d_ff = 0;
  int max_len = 0;
  // A decoder (GPT-style): position i attends only to positions <= i, in
  // training and in every run. Not a parameter: the model file keeps it as a flag.
  bool causal = false;
  int head_dim() const { return d_model / num_heads; }
};

template <typename Real>
struct TransformerLayer {
  std::vector<Real> ln1_gain, ln1_bias;
  std::vector<Real> w_q, w_k, w_v, w_o, b_q, b_k, b_v, b_o;
  std::vector<Real> ln2_gain, ln2_bias;
  std::vector<Real> w_1, b_1, w_2, b_2;  // (d_model, d_ff), (d_ff), (d_ff, d_model), (d_model)
};

template <typename Real>
struct TransformerParams {
  TransformerConfig config;
  std::vector<Real> token_embedding;     // (vocab, d_model)
  std::vector<Real> position_embedding;  // (max_len, d_model)
  std::vector<TransformerLayer<Real>> layers;
  std::vector<Real> final_gain, final_bias, output_bias;  // (d_model), (d_model), (vocab)

  // Allocates every tensor at its size, zero-filled (gains too: callers initialise).
  void allocate(const TransformerConfig& c);

  // Visits every tensor in the fixed file order with its name.
  void for_each(const std::function<void(const std::string& name, std::vector<Real>& tensor)>& visit);
  std::size_t parameter_count();
};

// How many parameters a configuration has (what allocate() would make),
// computed without allocating: the model loader checks it against the file's
// length before trusting a header.
std::size_t parameter_count(const TransformerConfig& c);

// Random initialisation, identical on every platform (own generator): roughly
// N(0, std^2) (sum of four uniforms), LayerNorm gains 1, biases 0, output
// projections (W_O, W_2) scaled by 1/sqrt(2 * num_layers). The trainer starts
// here; the widget's "random, same architecture" view uses it too.
void initialise_transformer(TransformerParams<float>& params, std::uint64_t seed, float std = 0.02f);

}  // namespace attention_lab
