// Masked-language-model training for TransformerParams: forward pass with
// caches and a hand-written backward pass (checked against finite differences
// in tests/cpp/train_test.cpp). Native only (Eigen); templated on Real so the
// gradient check runs in double and training in float.
//
// A batch stacks the tokens of several sentences into rows (num_rows, d_model);
// position-wise steps (LayerNorm, projections, MLP) run on all rows at once,
// attention runs per sentence, so no padding is needed.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "model/transformer.h"
#include "model/inference.h"
#include "steps.h"

namespace attention_lab::train {

struct Batch {
  std::vector<int> ids;               // (num_rows) input ids, masked positions already replaced
  std::vector<int> offsets;           // (num_sentences + 1) first row of each sentence
  std::vector<int> masked_rows;       // rows whose original token is predicted
  std::vector<int> targets;           // original ids at masked_rows
  std::vector<int> original_ids;      // (num_rows) ids before masking (for the n-gram baselines)
  int num_rows() const { return static_cast<int>(ids.size()); }
  int num_sentences() const { return static_cast<int>(offsets.size()) - 1; }
};

template <typename Real>
class MaskedLanguageModel {
 public:
  using Matrix = Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Vector = Eigen::Matrix<Real, 1, Eigen::Dynamic>;
  using Map = Eigen::Map<Matrix>;
  using ConstMap = Eigen::Map<const Matrix>;
  using VectorMap = Eigen::Map<Vector>;
  using ConstVectorMap = Eigen::Map<const Vector>;
  using Ops = Steps<Real>;

  // Mean cross-entropy (nats) over the masked rows. With grads != null, writes
  // the gradient of that mean into grads (allocated like params, overwritten).
  Real loss(const TransformerParams<Real>& params, const Batch& batch, TransformerParams<Real>* grads = nullptr);

  // Causal attention: a row sees only itself and earlier rows of its sentence
  // (the induction task needs it; the corpus model is bidirectional).
  bool causal = false;

  // The attention weights of the last loss() call: (n, n) for that sentence,
  // rows sum to 1.
  const Matrix& attention(int layer, int sentence, int head) const {
    return caches_[static_cast<std::size_t>(layer)].probabilities[static_cast<std::size_t>(sentence * num_heads_ + head)];
  }

 private:
  struct LayerCache {
    Matrix x_in, xhat1, a, q, k, v, concat, x_mid, xhat2, b, h_pre, g, tanh_u;
    Vector rstd1, rstd2;
    std::vector<Matrix> probabilities;  // per sentence * head: (n, n)
  };
  std::vector<LayerCache> caches_;
  int num_heads_ = 0;
  Matrix xhat_f_, final_;
  Vector rstd_f_;

  static void layer_norm(const Matrix& x, const std::vector<Real>& gain, const std::vector<Real>& bias,
                         Matrix& xhat, Vector& rstd, Matrix& out);
  static Matrix layer_norm_backward(const Matrix& dy, const Matrix& xhat, const Vector& rstd,
                                    const std::vector<Real>& gain, std::vector<Real>& dgain, std::vector<Real>& dbias);
};

// ---- implementation ----------------------------------------------------------

template <typename Real>
void MaskedLanguageModel<Real>::layer_norm(const Matrix& x, const std::vector<Real>& gain,
                                           const std::vector<Real>& bias, Matrix& xhat, Vector& rstd, Matrix& out) {
  const Eigen::Index n = x.rows(), d = x.cols();
  xhat.resize(n, d);
  rstd.resize(n);
  out.resize(n, d);
  if constexpr (Ops::kKernels) {
    kernels::layer_norm(static_cast<int>(n), static_cast<int>(d), x.data(), gain.data(), bias.data(), kLayerNormEpsilon,
                        xhat.data(), rstd.data(), out.data());
    return;
  }
  ConstVectorMap g(gain.data(), d), b(bias.data(), d);
  for (Eigen::Index r = 0; r < n; ++r) {
    const Real mean = x.row(r).mean();
    const Real variance = (x.row(r).array() - mean).square().mean();
    rstd(r) = Real(1) / std::sqrt(variance + Real(kLayerNormEpsilon));
    xhat.row(r) = (x.row(r).array() - mean) * rstd(r);
    out.row(r) = xhat.row(r).cwiseProduct(g) + b;
  }
}

template <typename Real>
typename MaskedLanguageModel<Real>::Matrix MaskedLanguageModel<Real>::layer_norm_backward(
    const Matrix& dy, const Matrix& xhat, const Vector& rstd, const std::vector<Real>& gain,
    std::vector<Real>& dgain, std::vector<Real>& dbias) {
  const Eigen::Index d = dy.cols();
  if constexpr (Ops::kKernels) {
    Matrix dx(dy.rows(), d);
    kernels::layer_norm_backward(static_cast<int>(dy.rows()), static_cast<int>(d), dy.data(), xhat.data(), rstd.data(),
                                 gain.data(), dgain.data(), dbias.data(), dx.data());
    return dx;
  }
  VectorMap(dgain.data(), d) += dy.cwiseProduct(xhat).colwise().sum();
  VectorMap(dbias.data(), d) += dy.colwise().sum();
  Matrix dxhat = dy.array().rowwise() * ConstVectorMap(gain.data(), d).array();
  Matrix dx(dy.rows(), d);
  for (Eigen::Index r = 0; r < dy.rows(); ++r) {
    const Real mean_dxhat = dxhat.row(r).mean();
    const Real mean_dxhat_xhat = dxhat.row(r).cwiseProduct(xhat.row(r)).mean();
    dx.row(r) = rstd(r) * (dxhat.row(r).array() - mean_dxhat - xhat.row(r).array() * mean_dxhat_xhat);
  }
  return dx;
}

template <typename Real>
Real MaskedLanguageModel<Real>::loss(const TransformerParams<Real>& params, const Batch& batch,
                                     TransformerParams<Real>* grads) {
  const TransformerConfig& c = params.config;
  const int rows = batch.num_rows(), d = c.d_model, heads = c.num_heads, dk = c.head_dim();
  const int sentences = batch.num_sentences();
  const Real scale = Real(1) / std::sqrt(static_cast<Real>(dk));
  num_heads_ = heads;
  auto row_vector = [](const std::vector<Real>& v) { return ConstVectorMap(v.data(), static_cast<Eigen::Index>(v.size())); };

  // 1. Embed.
  Matrix x(rows, d);
  std::vector<int> position(static_cast<std::size_t>(rows));
  for (int s = 0; s < sentences; ++s) {
    for (int r = batch.offsets[s]; r < batch.offsets[s + 1]; ++r) position[r] = r - batch.offsets[s];
  }
  for (int r = 0; r < rows; ++r) {
    x.row(r) = ConstVectorMap(params.token_embedding.data() + static_cast<std::size_t>(batch.ids[r]) * d, d) +
               ConstVectorMap(params.position_embedding.data() + static_cast<std::size_t>(position[r]) * d, d);
  }
  caches_.resize(static_cast<std::size_t>(c.num_layers));
  // 2. Layers.
  for (int l = 0; l < c.num_layers; ++l) {
    const TransformerLayer<Real>& p = params.layers[l];
    LayerCache& cache = caches_[l];
    cache.x_in = x;
    layer_norm(x, p.ln1_gain, p.ln1_bias, cache.xhat1, cache.rstd1, cache.a);
    cache.q.resize(rows, d);
    cache.k.resize(rows, d);
    cache.v.resize(rows, d);
    Ops::multiply(rows, d, d, cache.a.data(), d, p.w_q.data(), d, p.b_q.data(), cache.q.data(), d);
    Ops::multiply(rows, d, d, cache.a.data(), d, p.w_k.data(), d, p.b_k.data(), cache.k.data(), d);
    Ops::multiply(rows, d, d, cache.a.data(), d, p.w_v.data(), d, p.b_v.data(), cache.v.data(), d);
    cache.concat.resize(rows, d);
    cache.probabilities.resize(static_cast<std::size_t>(sentences) * heads);
#pragma omp parallel for schedule(dynamic)
    for (int s = 0; s < sentences; ++s) {
      const int start = batch.offsets[s], n = batch.offsets[s + 1] - start;
      for (int h = 0; h < heads; ++h) {
        const std::size_t block = static_cast<std::size_t>(start) * d + static_cast<std::size_t>(h) * dk;  // (n, dk) at stride d
        Matrix scores(n, n);
        Ops::multiply_transposed(n, dk, n, cache.q.data() + block, d, cache.k.data() + block, d, scores.data(), n);
        // causal: row i sees columns 0..i; the rest are exactly 0
        Ops::softmax_rows(scores.data(), n, causal, scale);
        Ops::multiply(n, n, dk, scores.data(), n, cache.v.data() + block, d, nullptr, cache.concat.data() + block, d);
        cache.probabilities[static_cast<std::size_t>(s) * heads + h] = std::move(scores);
      }
    }
    cache.x_mid.resize(rows, d);
    Ops::multiply(rows, d, d, cache.concat.data(), d, p.w_o.data(), d, p.b_o.data(), cache.x_mid.data(), d);
    cache.x_mid += x;
    if (c.d_ff == 0) {  // attention-only (no MLP block, as in the circuits papers)
      x = cache.x_mid;
      continue;
    }
    layer_norm(cache.x_mid, p.ln2_gain, p.ln2_bias, cache.xhat2, cache.rstd2, cache.b);
    cache.h_pre.resize(rows, c.d_ff);
    cache.g.resize(rows, c.d_ff);
    cache.tanh_u.resize(rows, c.d_ff);
    Ops::multiply(rows, d, c.d_ff, cache.b.data(), d, p.w_1.data(), c.d_ff, p.b_1.data(), cache.h_pre.data(), c.d_ff);
    Ops::gelu(cache.h_pre.data(), cache.g.data(), cache.tanh_u.data(), static_cast<std::size_t>(cache.h_pre.size()));
    Ops::multiply(rows, c.d_ff, d, cache.g.data(), c.d_ff, p.w_2.data(), d, p.b_2.data(), x.data(), d);
    x += cache.x_mid;
  }
  // 3. Final LayerNorm and the masked rows' logits against the tied embedding.
  layer_norm(x, params.final_gain, params.final_bias, xhat_f_, rstd_f_, final_);
  const int masked = static_cast<int>(batch.masked_rows.size());
  Matrix h_masked(masked, d);
  for (int m = 0; m < masked; ++m) h_masked.row(m) = final_.row(batch.masked_rows[m]);
  const ConstMap embedding(params.token_embedding.data(), c.vocab_size, d);
  Matrix logits(masked, c.vocab_size);
  Ops::multiply_transposed(masked, d, c.vocab_size, h_masked.data(), d, embedding.data(), d, logits.data(), c.vocab_size);
  logits.rowwise() += row_vector(params.output_bias);
  Real total = 0;
  for (int m = 0; m < masked; ++m) {
    const Real row_max = logits.row(m).maxCoeff();
    logits.row(m) = (logits.row(m).array() - row_max).exp();
    const Real sum = logits.row(m).sum();
    logits.row(m) /= sum;  // now probabilities
    total += -std::log(std::max(logits(m, batch.targets[m]), std::numeric_limits<Real>::min()));
  }
  const Real mean_loss = masked ? total / masked : Real(0);
  if (grads == nullptr) return mean_loss;

  // ---- backward ----
  grads->allocate(c);
  Matrix dlogits = logits;
  for (int m = 0; m < masked; ++m) dlogits(m, batch.targets[m]) -= Real(1);
  dlogits /= static_cast<Real>(std::max(masked, 1));
  Ops::add_transposed_product(c.vocab_size, masked, d, dlogits.data(), c.vocab_size, h_masked.data(), d,
                              grads->token_embedding.data(), d);
  Ops::add_column_sums(dlogits, grads->output_bias);
  Matrix dfinal = Matrix::Zero(rows, d);
  Matrix dh_masked(masked, d);
  Ops::multiply(masked, c.vocab_size, d, dlogits.data(), c.vocab_size, embedding.data(), d, nullptr, dh_masked.data(), d);
  for (int m = 0; m < masked; ++m) dfinal.row(batch.masked_rows[m]) += dh_masked.row(m);
  Matrix dx = layer_norm_backward(dfinal, xhat_f_, rstd_f_, params.final_gain, grads->final_gain, grads->final_bias);

  for (int l = c.num_layers - 1; l >= 0; --l) {
    const TransformerLayer<Real>& p = params.layers[l];
    TransformerLayer<Real>& gp = grads->layers[l];
    LayerCache& cache = caches_[l];
    // MLP branch (none in an attention-only model: its b_2 and LN_2 stay unused, gradient 0)
    Matrix dx_mid = dx;
    if (c.d_ff > 0) {
      const int ff = c.d_ff;
      Ops::add_transposed_product(ff, rows, d, cache.g.data(), ff, dx.data(), d, gp.w_2.data(), d);
      Ops::add_column_sums(dx, gp.b_2);
      Matrix dg(rows, ff), dh_pre(rows, ff), db(rows, d);
      Ops::multiply_transposed(rows, d, ff, dx.data(), d, p.w_2.data(), d, dg.data(), ff);
      Ops::gelu_backward(dg.data(), cache.h_pre.data(), cache.tanh_u.data(), dh_pre.data(), static_cast<std::size_t>(dg.size()));
      Ops::add_transposed_product(d, rows, ff, cache.b.data(), d, dh_pre.data(), ff, gp.w_1.data(), ff);
      Ops::add_column_sums(dh_pre, gp.b_1);
      Ops::multiply_transposed(rows, ff, d, dh_pre.data(), ff, p.w_1.data(), ff, db.data(), d);
      dx_mid += layer_norm_backward(db, cache.xhat2, cache.rstd2, p.ln2_gain, gp.ln2_gain, gp.ln2_bias);
    }
    // attention branch
    Ops::add_transposed_product(d, rows, d, cache.concat.data(), d, dx_mid.data(), d, gp.w_o.data(), d);
    Ops::add_column_sums(dx_mid, gp.b_o);
    Matrix dconcat(rows, d);
    Ops::multiply_transposed(rows, d, d, dx_mid.data(), d, p.w_o.data(), d, dconcat.data(), d);
    Matrix dq(rows, d), dk_all = Matrix::Zero(rows, d), dv = Matrix::Zero(rows, d);
#pragma omp parallel for schedule(dynamic)
    for (int s = 0; s < sentences; ++s) {
      const int start = batch.offsets[s], n = batch.offsets[s + 1] - start;
      for (int h = 0; h < heads; ++h) {
        const std::size_t block = static_cast<std::size_t>(start) * d + static_cast<std::size_t>(h) * dk;  // (n, dk) at stride d
        const Matrix& prob = cache.probabilities[static_cast<std::size_t>(s) * heads + h];
        const Real* d_out = dconcat.data() + block;
        Matrix dprob(n, n);
        Ops::multiply_transposed(n, dk, n, d_out, d, cache.v.data() + block, d, dprob.data(), n);
        Ops::add_transposed_product(n, n, dk, prob.data(), n, d_out, d, dv.data() + block, d);
        Matrix dscores(n, n);
        Ops::softmax_backward_rows(prob.data(), dprob.data(), n, scale, dscores.data());
        Ops::multiply(n, n, dk, dscores.data(), n, cache.k.data() + block, d, nullptr, dq.data() + block, d);
        Ops::add_transposed_product(n, n, dk, dscores.data(), n, cache.q.data() + block, d, dk_all.data() + block, d);
      }
    }
    Ops::add_transposed_product(d, rows, d, cache.a.data(), d, dq.data(), d, gp.w_q.data(), d);
    Ops::add_transposed_product(d, rows, d, cache.a.data(), d, dk_all.data(), d, gp.w_k.data(), d);
    Ops::add_transposed_product(d, rows, d, cache.a.data(), d, dv.data(), d, gp.w_v.data(), d);
    Ops::add_column_sums(dq, gp.b_q);
    Ops::add_column_sums(dk_all, gp.b_k);
    Ops::add_column_sums(dv, gp.b_v);
    Matrix da(rows, d), da_part(rows, d);
    Ops::multiply_transposed(rows, d, d, dq.data(), d, p.w_q.data(), d, da.data(), d);
    Ops::multiply_transposed(rows, d, d, dk_all.data(), d, p.w_k.data(), d, da_part.data(), d);
    da += da_part;
    Ops::multiply_transposed(rows, d, d, dv.data(), d, p.w_v.data(), d, da_part.data(), d);
    da += da_part;
    dx = dx_mid + layer_norm_backward(da, cache.xhat1, cache.rstd1, p.ln1_gain, gp.ln1_gain, gp.ln1_bias);
  }
  // 4. Embedding gradients.
  for (int r = 0; r < rows; ++r) {
    VectorMap(grads->token_embedding.data() + static_cast<std::size_t>(batch.ids[r]) * d, d) += dx.row(r);
    VectorMap(grads->position_embedding.data() + static_cast<std::size_t>(position[r]) * d, d) += dx.row(r);
  }
  return mean_loss;
}

}  // namespace attention_lab::train
