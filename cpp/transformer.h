// A small pre-LayerNorm transformer encoder trained as a masked language model.
//
//   x_0 = token_embedding[id] + position_embedding[pos]            (seq_len, d_model)
//   per layer:  x = x + MHA(LN_1(x))                                 (heads as in attention.h)
//               x = x + W_2 · GELU(W_1 · LN_2(x) + b_1) + b_2        (d_ff hidden units)
//   h = LN_f(x);  logits = h · token_embeddingᵀ + output_bias         (tied output, (seq_len, vocab))
//
// The parameter layout is shared by the trainer (Real = float/double) and by
// inference (float), so one list of tensors drives training, saving and loading.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "attention.h"
#include "gemm.h"
#include "tokenizer.h"

namespace attention_lab {

struct TransformerConfig {
  int vocab_size = 0;
  int d_model = 0;
  int num_heads = 0;
  int num_layers = 0;
  int d_ff = 0;
  int max_len = 0;
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

constexpr float kLayerNormEpsilon = 1e-5f;
constexpr float kGeluSqrt2OverPi = 0.7978845608028654f;

// values[i] = GELU(values[i]) (the tanh form, as the trainer uses), four
// lanes at a time with the kernels' vector exp.
void gelu_in_place(float* values, std::size_t count);

// --- model file ------------------------------------------------------------
// Little-endian: "ATTNLAB1" magic, u32 format version, six u32 config fields,
// u32 + vocabulary (words joined by '\n'), u32 + metadata JSON, u32 tensor count,
// then per tensor u32 element count + float16 values, then a CRC-32 of all
// preceding bytes.
constexpr std::uint32_t kModelFormatVersion = 1;

struct LoadedModel {
  TransformerParams<float> params;
  Vocabulary vocabulary;
  std::string metadata_json;
};

std::vector<std::uint8_t> save_model(TransformerParams<float>& params, const Vocabulary& vocabulary,
                                     const std::string& metadata_json);

// Returns "" and fills `model`, or a message saying what is wrong with the bytes.
std::string load_model(const std::uint8_t* bytes, std::size_t size, LoadedModel& model);

std::uint16_t float_to_half(float value);
float half_to_float(std::uint16_t half);
std::uint32_t crc32(const std::uint8_t* bytes, std::size_t size);

// --- inference (float32, the fast kernels) -----------------------------------
struct TransformerRun {
  int seq_len = 0;
  std::vector<float> attention;    // (num_layers, num_heads, seq_len, seq_len)
  std::vector<float> row_entropy;  // (num_layers, num_heads, seq_len): entropy of each attention row, nats
  std::vector<float> hidden;       // (seq_len, d_model), after the final LayerNorm
  std::vector<float> logits;       // (seq_len, vocab) when requested
};

// Experiments a learner can run on a trained model.
struct TransformerRunOptions {
  const std::uint8_t* head_enabled = nullptr;  // (num_layers * num_heads); 0 = head output zeroed before W_O
  const float* head_gate = nullptr;            // (num_layers * num_heads); head output scaled before W_O
  bool has_scale = false;                      // false: 1/sqrt(head_dim), as trained
  double scale = 1.0;
  double temperature = 1.0;
  // false: stop after the last layer's attention (its MLP and the final
  // LayerNorm only feed hidden and logits), leaving hidden empty; a run that
  // wants logits runs everything whatever this says
  bool want_hidden = true;
};

// Every weight matrix of a model packed for the fast GEMM, once: the loaded
// models of the wasm engine keep one, so a run (and each of the n runs of a
// masked-sentence loss) packs nothing.
struct PackedTransformer {
  std::vector<PackedLayer> attention;          // (num_layers) W_Q, W_K, W_V, W_O and biases
  std::vector<PackedMatrix> mlp_in, mlp_out;   // (num_layers) W_1, W_2
  PackedMatrix embedding_t;                    // the tied output: token_embeddingᵀ (d_model, vocab)
};
void pack_transformer(const TransformerParams<float>& params, PackedTransformer& packed);

// logits_row: -1 = logits of every row, (seq_len, vocab); i >= 0 = row i's only, (1, vocab).
void run_transformer(const TransformerParams<float>& params, const PackedTransformer& packed,
                     const std::vector<int>& ids, bool want_logits, TransformerRun& run,
                     const TransformerRunOptions& options = {}, int logits_row = -1);

// The same, packing the weights first (for one-off runs).
void run_transformer(const TransformerParams<float>& params, const std::vector<int>& ids,
                     bool want_logits, TransformerRun& run, const TransformerRunOptions& options = {});

// Mean masked-word loss of a sentence (pseudo-log-likelihood): each position in
// turn is replaced by <mask> and scored. Returns nats per word.
// packed: the model's packed weights, or null to pack them once for this call.
double masked_sentence_loss(const TransformerParams<float>& params, const std::vector<int>& ids,
                            const TransformerRunOptions& options = {}, const PackedTransformer* packed = nullptr);

// The k most likely words at `position` when it is masked: (id, probability), best first.
std::vector<std::pair<int, float>> masked_predictions(const TransformerParams<float>& params, std::vector<int> ids,
                                                      int position, int k, const TransformerRunOptions& options = {},
                                                      const PackedTransformer* packed = nullptr);

// Per head, the Frobenius norm of its slices of W_Q, W_K, W_V (columns) and
// W_O (rows): one "weight magnitude" importance measure. (num_heads) values.
std::vector<float> head_weight_norms(int d_model, int num_heads, const float* w_q, const float* w_k,
                                     const float* w_v, const float* w_o);

}  // namespace attention_lab
