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
    Matrix x_in, xhat1, a, q, k, v, concat, x_mid, xhat2, b, h_pre, g;
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
  auto weights = [&](const std::vector<Real>& w, int r, int k) { return ConstMap(w.data(), r, k); };
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
    cache.q = (cache.a * weights(p.w_q, d, d)).rowwise() + row_vector(p.b_q);
    cache.k = (cache.a * weights(p.w_k, d, d)).rowwise() + row_vector(p.b_k);
    cache.v = (cache.a * weights(p.w_v, d, d)).rowwise() + row_vector(p.b_v);
    cache.concat.resize(rows, d);
    cache.probabilities.resize(static_cast<std::size_t>(sentences) * heads);
#pragma omp parallel for schedule(dynamic)
    for (int s = 0; s < sentences; ++s) {
      const int start = batch.offsets[s], n = batch.offsets[s + 1] - start;
      for (int h = 0; h < heads; ++h) {
        Matrix scores = cache.q.block(start, h * dk, n, dk) * cache.k.block(start, h * dk, n, dk).transpose() * scale;
        for (int i = 0; i < n; ++i) {
          // causal: row i sees columns 0..i; the rest are exactly 0 (Eigen's
          // vectorised exp clamps its input, so exp(-inf) would not be 0)
          const int seen = causal ? i + 1 : n;
          const Real row_max = scores.row(i).head(seen).maxCoeff();
          scores.row(i).head(seen) = (scores.row(i).head(seen).array() - row_max).exp();
          scores.row(i).tail(n - seen).setZero();
          scores.row(i) /= scores.row(i).sum();
        }
        cache.concat.block(start, h * dk, n, dk) = scores * cache.v.block(start, h * dk, n, dk);
        cache.probabilities[static_cast<std::size_t>(s) * heads + h] = std::move(scores);
      }
    }
    cache.x_mid = x + ((cache.concat * weights(p.w_o, d, d)).rowwise() + row_vector(p.b_o));
    if (c.d_ff == 0) {  // attention-only (no MLP block, as in the circuits papers)
      x = cache.x_mid;
      continue;
    }
    layer_norm(cache.x_mid, p.ln2_gain, p.ln2_bias, cache.xhat2, cache.rstd2, cache.b);
    cache.h_pre = (cache.b * weights(p.w_1, d, c.d_ff)).rowwise() + row_vector(p.b_1);
    cache.g = cache.h_pre.unaryExpr([](Real v) {
      return Real(0.5) * v * (Real(1) + std::tanh(Real(kGeluSqrt2OverPi) * (v + Real(0.044715) * v * v * v)));
    });
    x = cache.x_mid + ((cache.g * weights(p.w_2, c.d_ff, d)).rowwise() + row_vector(p.b_2));
  }
  // 3. Final LayerNorm and the masked rows' logits against the tied embedding.
  layer_norm(x, params.final_gain, params.final_bias, xhat_f_, rstd_f_, final_);
  const int masked = static_cast<int>(batch.masked_rows.size());
  Matrix h_masked(masked, d);
  for (int m = 0; m < masked; ++m) h_masked.row(m) = final_.row(batch.masked_rows[m]);
  const ConstMap embedding(params.token_embedding.data(), c.vocab_size, d);
  Matrix logits = (h_masked * embedding.transpose()).rowwise() + row_vector(params.output_bias);
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
  Map(grads->token_embedding.data(), c.vocab_size, d) += dlogits.transpose() * h_masked;
  VectorMap(grads->output_bias.data(), c.vocab_size) += dlogits.colwise().sum();
  Matrix dfinal = Matrix::Zero(rows, d);
  const Matrix dh_masked = dlogits * embedding;
  for (int m = 0; m < masked; ++m) dfinal.row(batch.masked_rows[m]) += dh_masked.row(m);
  Matrix dx = layer_norm_backward(dfinal, xhat_f_, rstd_f_, params.final_gain, grads->final_gain, grads->final_bias);

  for (int l = c.num_layers - 1; l >= 0; --l) {
    const TransformerLayer<Real>& p = params.layers[l];
    TransformerLayer<Real>& gp = grads->layers[l];
    LayerCache& cache = caches_[l];
    // MLP branch (none in an attention-only model: its b_2 and LN_2 stay unused, gradient 0)
    Matrix dx_mid = dx;
    if (c.d_ff > 0) {
      Map(gp.w_2.data(), c.d_ff, d) += cache.g.transpose() * dx;
      VectorMap(gp.b_2.data(), d) += dx.colwise().sum();
      Matrix dg = dx * weights(p.w_2, c.d_ff, d).transpose();
      Matrix dh_pre = dg.binaryExpr(cache.h_pre, [](Real grad, Real v) {
        const Real inner = Real(kGeluSqrt2OverPi) * (v + Real(0.044715) * v * v * v);
        const Real t = std::tanh(inner);
        const Real d_inner = Real(kGeluSqrt2OverPi) * (Real(1) + Real(3) * Real(0.044715) * v * v);
        return grad * (Real(0.5) * (Real(1) + t) + Real(0.5) * v * (Real(1) - t * t) * d_inner);
      });
      Map(gp.w_1.data(), d, c.d_ff) += cache.b.transpose() * dh_pre;
      VectorMap(gp.b_1.data(), c.d_ff) += dh_pre.colwise().sum();
      Matrix db = dh_pre * weights(p.w_1, d, c.d_ff).transpose();
      dx_mid += layer_norm_backward(db, cache.xhat2, cache.rstd2, p.ln2_gain, gp.ln2_gain, gp.ln2_bias);
    }
    // attention branch
    Map(gp.w_o.data(), d, d) += cache.concat.transpose() * dx_mid;
    VectorMap(gp.b_o.data(), d) += dx_mid.colwise().sum();
    const Matrix dconcat = dx_mid * weights(p.w_o, d, d).transpose();
    Matrix dq(rows, d), dk_all(rows, d), dv(rows, d);
#pragma omp parallel for schedule(dynamic)
    for (int s = 0; s < sentences; ++s) {
      const int start = batch.offsets[s], n = batch.offsets[s + 1] - start;
      for (int h = 0; h < heads; ++h) {
        const Matrix& prob = cache.probabilities[static_cast<std::size_t>(s) * heads + h];
        const auto d_out = dconcat.block(start, h * dk, n, dk);
        const Matrix dprob = d_out * cache.v.block(start, h * dk, n, dk).transpose();
        dv.block(start, h * dk, n, dk) = prob.transpose() * d_out;
        Matrix dscores(n, n);
        for (int i = 0; i < n; ++i) {
          const Real dot = dprob.row(i).dot(prob.row(i));
          dscores.row(i) = prob.row(i).array() * (dprob.row(i).array() - dot);
        }
        dscores *= scale;
        dq.block(start, h * dk, n, dk) = dscores * cache.k.block(start, h * dk, n, dk);
        dk_all.block(start, h * dk, n, dk) = dscores.transpose() * cache.q.block(start, h * dk, n, dk);
      }
    }
    Map(gp.w_q.data(), d, d) += cache.a.transpose() * dq;
    Map(gp.w_k.data(), d, d) += cache.a.transpose() * dk_all;
    Map(gp.w_v.data(), d, d) += cache.a.transpose() * dv;
    VectorMap(gp.b_q.data(), d) += dq.colwise().sum();
    VectorMap(gp.b_k.data(), d) += dk_all.colwise().sum();
    VectorMap(gp.b_v.data(), d) += dv.colwise().sum();
    const Matrix da = dq * weights(p.w_q, d, d).transpose() + dk_all * weights(p.w_k, d, d).transpose() +
                      dv * weights(p.w_v, d, d).transpose();
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
