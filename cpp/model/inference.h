// Inference with a trained transformer (float32, the fast kernels): every
// layer's attention, the hidden states, logits, masked-word loss and predictions.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "attention/attention.h"
#include "attention/gemm.h"
#include "model/transformer.h"
#include "text/tokenizer.h"

namespace attention_lab {

constexpr float kLayerNormEpsilon = 1e-5f;
constexpr float kGeluSqrt2OverPi = 0.7978845608028654f;

// rows (n, d): out = (x - mean) / sqrt(var + eps) * gain + bias
void layer_norm_rows(const float* x, int n, int d, const float* gain, const float* bias, float* out);

// values[i] = GELU(values[i]) (the tanh form, as the trainer uses), four
// lanes at a time with the kernels' vector exp.
void gelu_in_place(float* values, std::size_t count);

struct TransformerRun {
  int seq_len = 0;
  std::vector<float> attention;    // (num_layers, num_heads, seq_len, seq_len)
  std::vector<float> row_entropy;  // (num_layers, num_heads, seq_len): entropy of each attention row, nats
  std::vector<int> row_argmax;     // (num_layers, num_heads, seq_len): each row's strongest link, its first largest weight
  std::vector<float> hidden;       // (seq_len, d_model), after the final LayerNorm
  std::vector<float> logits;       // (seq_len, vocab) when requested
  std::vector<float> captured;     // (seq_len, d_model): LN_1 of layer `capture_layer`'s input, when asked
  // Working buffers, kept between runs: a run reused for the next sentence (the
  // widget's, on every keystroke) allocates and zeroes nothing.
  std::vector<float> x, normed, attended, mlp_hidden, mlp_out;
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
  // >= 0: keep the normalised input that layer's attention reads (its Q, K and
  // V are this times W_Q, W_K, W_V), in run.captured
  int capture_layer = -1;
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
// The same in two parts: every layer's matrices, and the tied output (embedding_t,
// needed only for logits). Runs that want logits require the second (checked).
void pack_transformer_layers(const TransformerParams<float>& params, PackedTransformer& packed);
void pack_transformer_output(const TransformerParams<float>& params, PackedTransformer& packed);
// The packed tied output for logits: packed.embedding_t, or (a model packed
// without it) `scratch` packed on the spot: right, only slower.
const PackedMatrix& packed_output(const TransformerParams<float>& params, const PackedTransformer& packed, PackedMatrix& scratch);

// logits_row: -1 = every row, logits (seq_len, vocab); i >= 0 = row i's only: logits (1, vocab)
// when wanted, and run.hidden is then row i's alone, (1, d_model), with or without logits
// (after the last layer's attention only that row is computed).
void run_transformer(const TransformerParams<float>& params, const PackedTransformer& packed,
                     const std::vector<int>& ids, bool want_logits, TransformerRun& run,
                     const TransformerRunOptions& options = {}, int logits_row = -1);

// The same, packing the weights first (for one-off runs).
void run_transformer(const TransformerParams<float>& params, const std::vector<int>& ids,
                     bool want_logits, TransformerRun& run, const TransformerRunOptions& options = {});

// log p(word) under the softmax of one row of logits (vocab), in double.
double log_probability(const float* logits, int vocab, int word);

// Logits (count, vocab) of `count` final hidden states (count, d_model) in one
// product: the (d_model, vocab) output matrix, far larger than the cache, is
// read once for all of them instead of once a row.
void logits_of_rows(const TransformerParams<float>& params, const PackedTransformer& packed, const float* rows, int count,
                    std::vector<float>& logits);

// Mean masked-word loss of a sentence (pseudo-log-likelihood): each position in
// turn is replaced by <mask> and scored. Returns nats per word.
// packed: the model's packed weights, or null to pack them once for this call.
double masked_sentence_loss(const TransformerParams<float>& params, const std::vector<int>& ids,
                            const TransformerRunOptions& options = {}, const PackedTransformer* packed = nullptr);

// The k most likely words at `position` when it is masked: (id, probability), best first.
std::vector<std::pair<int, float>> masked_predictions(const TransformerParams<float>& params, std::vector<int> ids,
                                                      int position, int k, const TransformerRunOptions& options = {},
                                                      const PackedTransformer* packed = nullptr);

}  // namespace attention_lab
