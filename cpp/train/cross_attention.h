// The smallest encoder–decoder that must learn cross-attention: the decoder's
// queries know only which output position they fill, the encoder's keys and
// values carry the source tokens, and the output is read from what the
// decoder's heads fetched across. Its parameters live in a TransformerParams
// (one layer, d_ff = 0), so the live trainer's AdamW, initialisation and
// parameter count serve it unchanged:
//
//   max_len = source_len + target_len position rows: [0, source_len) the
//   encoder's positions, [source_len, source_len + target_len) the decoder's.
//
//   E = token_embedding[source] + position_embedding[j]                  (source_len, d_model)  encoder
//   D = position_embedding[source_len + i]                                (target_len, d_model)  decoder queries
//   per head h: P_h = softmax(Q_h K_hᵀ / sqrt(head_dim)),  Q = D·W_Q + b_Q, K = E·W_K + b_K, V = E·W_V + b_V
//   H = D + concat_h(P_h V_h)·W_O + b_O
//   logits = LN_f(H)·token_embeddingᵀ + output_bias                        (target_len, vocab), tied output
//
// P_h (target_len, source_len) is the cross-attention a learner sees: row i,
// output position i; column j, source token j. Native and wasm (Eigen);
// templated on Real so the gradient check runs in double.
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <limits>
#include <vector>

#include "model/transformer.h"

namespace attention_lab::train {

// One example: source ids (source_len) and the target id of every output position (target_len).
struct CrossExample {
  std::vector<int> source, targets;
};

template <typename Real>
class CrossAttentionModel {
 public:
  using Matrix = Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Vector = Eigen::Matrix<Real, 1, Eigen::Dynamic>;
  using Map = Eigen::Map<Matrix>;
  using ConstMap = Eigen::Map<const Matrix>;
  using VectorMap = Eigen::Map<Vector>;
  using ConstVectorMap = Eigen::Map<const Vector>;

  int source_len = 0;  // the decoder's positions follow the encoder's in position_embedding

  // Mean cross-entropy (nats) over every output position of every example.
  // With grads != null, writes the gradient of that mean into grads
  // (allocated like params, overwritten).
  Real loss(const TransformerParams<Real>& params, const std::vector<CrossExample>& examples,
            TransformerParams<Real>* grads = nullptr);

  // The cross-attention of example `example`, head `head` in the last loss()
  // call: (target_len, source_len), rows sum to 1.
  const Matrix& attention(int example, int head) const {
    return probabilities_[static_cast<std::size_t>(example * num_heads_ + head)];
  }

 private:
  int num_heads_ = 0;
  std::vector<Matrix> probabilities_;
};

template <typename Real>
Real CrossAttentionModel<Real>::loss(const TransformerParams<Real>& params, const std::vector<CrossExample>& examples,
                                     TransformerParams<Real>* grads) {
  const TransformerConfig& c = params.config;
  const int d = c.d_model, heads = c.num_heads, dk = c.head_dim();
  const int count = static_cast<int>(examples.size());
  const int n = source_len, m = c.max_len - source_len;
  const Real scale = Real(1) / std::sqrt(static_cast<Real>(dk));
  const TransformerLayer<Real>& p = params.layers[0];
  auto weights = [&](const std::vector<Real>& w) { return ConstMap(w.data(), d, d); };
  auto row = [](const std::vector<Real>& v) { return ConstVectorMap(v.data(), static_cast<Eigen::Index>(v.size())); };
  num_heads_ = heads;
  probabilities_.assign(static_cast<std::size_t>(count) * heads, Matrix());

  // 1. The decoder's queries: the same for every example (positions only).
  const Matrix decoder = ConstMap(params.position_embedding.data() + static_cast<std::size_t>(n) * d, m, d);
  const Matrix queries = (decoder * weights(p.w_q)).rowwise() + row(p.b_q);
  const ConstMap embedding(params.token_embedding.data(), c.vocab_size, d);
  Real total = 0;
  if (grads != nullptr) grads->allocate(c);
  Matrix d_queries = Matrix::Zero(m, d);
  for (int e = 0; e < count; ++e) {
    const CrossExample& example = examples[static_cast<std::size_t>(e)];
    // 2. Encoder: token + position embeddings; keys and values.
    Matrix encoder(n, d);
    for (int j = 0; j < n; ++j) {
      encoder.row(j) = ConstVectorMap(params.token_embedding.data() + static_cast<std::size_t>(example.source[j]) * d, d) +
                       ConstVectorMap(params.position_embedding.data() + static_cast<std::size_t>(j) * d, d);
    }
    const Matrix keys = (encoder * weights(p.w_k)).rowwise() + row(p.b_k);
    const Matrix values = (encoder * weights(p.w_v)).rowwise() + row(p.b_v);
    // 3. Cross-attention per head, concatenated.
    Matrix concat(m, d);
    for (int h = 0; h < heads; ++h) {
      Matrix scores = queries.middleCols(h * dk, dk) * keys.middleCols(h * dk, dk).transpose() * scale;
      for (int i = 0; i < m; ++i) {
        const Real top = scores.row(i).maxCoeff();
        scores.row(i) = (scores.row(i).array() - top).exp();
        scores.row(i) /= scores.row(i).sum();
      }
      concat.middleCols(h * dk, dk) = scores * values.middleCols(h * dk, dk);
      probabilities_[static_cast<std::size_t>(e * heads + h)] = std::move(scores);
    }
    // 4. Residual, final LayerNorm, tied output.
    const Matrix hidden = decoder + ((concat * weights(p.w_o)).rowwise() + row(p.b_o));
    Matrix xhat(m, d), normed(m, d);
    Vector rstd(m);
    for (int i = 0; i < m; ++i) {
      const Real mean = hidden.row(i).mean();
      const Real variance = (hidden.row(i).array() - mean).square().mean();
      rstd(i) = Real(1) / std::sqrt(variance + Real(1e-5));
      xhat.row(i) = (hidden.row(i).array() - mean) * rstd(i);
      normed.row(i) = xhat.row(i).cwiseProduct(row(params.final_gain)) + row(params.final_bias);
    }
    Matrix probs = (normed * embedding.transpose()).rowwise() + row(params.output_bias);
    for (int i = 0; i < m; ++i) {
      const Real top = probs.row(i).maxCoeff();
      probs.row(i) = (probs.row(i).array() - top).exp();
      probs.row(i) /= probs.row(i).sum();
      total += -std::log(std::max(probs(i, example.targets[i]), std::numeric_limits<Real>::min()));
    }
    if (grads == nullptr) continue;

    // ---- backward for this example (the mean over count * m rows) ----
    TransformerLayer<Real>& gp = grads->layers[0];
    Matrix d_logits = probs;
    for (int i = 0; i < m; ++i) d_logits(i, example.targets[i]) -= Real(1);
    d_logits /= static_cast<Real>(count * m);
    Map(grads->token_embedding.data(), c.vocab_size, d) += d_logits.transpose() * normed;
    VectorMap(grads->output_bias.data(), c.vocab_size) += d_logits.colwise().sum();
    const Matrix d_normed = d_logits * embedding;
    VectorMap(grads->final_gain.data(), d) += d_normed.cwiseProduct(xhat).colwise().sum();
    VectorMap(grads->final_bias.data(), d) += d_normed.colwise().sum();
    Matrix d_hidden(m, d);
    const Matrix d_xhat = d_normed.array().rowwise() * row(params.final_gain).array();
    for (int i = 0; i < m; ++i) {
      d_hidden.row(i) = rstd(i) * (d_xhat.row(i).array() - d_xhat.row(i).mean() -
                                   xhat.row(i).array() * d_xhat.row(i).cwiseProduct(xhat.row(i)).mean());
    }
    // H = D + concat W_O + b_O
    Map(gp.w_o.data(), d, d) += concat.transpose() * d_hidden;
    VectorMap(gp.b_o.data(), d) += d_hidden.colwise().sum();
    Map(grads->position_embedding.data() + static_cast<std::size_t>(n) * d, m, d) += d_hidden;  // D's residual path
    const Matrix d_concat = d_hidden * weights(p.w_o).transpose();
    Matrix d_keys(n, d), d_values(n, d);
    for (int h = 0; h < heads; ++h) {
      const Matrix& prob = probabilities_[static_cast<std::size_t>(e * heads + h)];
      const auto d_out = d_concat.middleCols(h * dk, dk);
      const Matrix d_prob = d_out * values.middleCols(h * dk, dk).transpose();
      d_values.middleCols(h * dk, dk) = prob.transpose() * d_out;
      Matrix d_scores(m, n);
      for (int i = 0; i < m; ++i) d_scores.row(i) = prob.row(i).array() * (d_prob.row(i).array() - d_prob.row(i).dot(prob.row(i)));
      d_scores *= scale;
      d_queries.middleCols(h * dk, dk) += d_scores * keys.middleCols(h * dk, dk);
      d_keys.middleCols(h * dk, dk) = d_scores.transpose() * queries.middleCols(h * dk, dk);
    }
    Map(gp.w_k.data(), d, d) += encoder.transpose() * d_keys;
    Map(gp.w_v.data(), d, d) += encoder.transpose() * d_values;
    VectorMap(gp.b_k.data(), d) += d_keys.colwise().sum();
    VectorMap(gp.b_v.data(), d) += d_values.colwise().sum();
    const Matrix d_encoder = d_keys * weights(p.w_k).transpose() + d_values * weights(p.w_v).transpose();
    for (int j = 0; j < n; ++j) {
      VectorMap(grads->token_embedding.data() + static_cast<std::size_t>(example.source[j]) * d, d) += d_encoder.row(j);
      VectorMap(grads->position_embedding.data() + static_cast<std::size_t>(j) * d, d) += d_encoder.row(j);
    }
  }
  if (grads != nullptr) {
    // Q = D W_Q + b_Q, shared by every example
    TransformerLayer<Real>& gp = grads->layers[0];
    Map(gp.w_q.data(), d, d) += decoder.transpose() * d_queries;
    VectorMap(gp.b_q.data(), d) += d_queries.colwise().sum();
    Map(grads->position_embedding.data() + static_cast<std::size_t>(n) * d, m, d) += d_queries * weights(p.w_q).transpose();
  }
  return count ? total / (count * m) : Real(0);
}

}  // namespace attention_lab::train
