// A multi-head attention problem held in double (for the oracle) and float
// (for the fast kernel), so both kernels see the same numbers.
#pragma once

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "attention/attention.h"

namespace attention_lab::testing {

struct Problem {
  MhaShape shape;
  MhaOptions options;
  bool cross = false;
  bool biases = true;
  std::vector<double> x, context, w_q, w_k, w_v, w_o, b_q, b_k, b_v, b_o;
  std::vector<std::uint8_t> key_padding_mask;

  template <typename Real>
  struct Copy {
    std::vector<Real> x, context, w_q, w_k, w_v, w_o, b_q, b_k, b_v, b_o;
  };

  template <typename Real>
  Copy<Real> as() const {
    auto convert = [](const std::vector<double>& source) {
      return std::vector<Real>(source.begin(), source.end());
    };
    return {convert(x),   convert(context), convert(w_q), convert(w_k), convert(w_v),
            convert(w_o), convert(b_q),     convert(b_k), convert(b_v), convert(b_o)};
  }

  template <typename Real>
  MhaInputs<Real> inputs(const Copy<Real>& copy) const {
    MhaInputs<Real> in;
    in.x = copy.x.data();
    in.context = cross ? copy.context.data() : nullptr;
    in.w_q = copy.w_q.data();
    in.w_k = copy.w_k.data();
    in.w_v = copy.w_v.data();
    in.w_o = copy.w_o.data();
    if (biases) {
      in.b_q = copy.b_q.data();
      in.b_k = copy.b_k.data();
      in.b_v = copy.b_v.data();
      in.b_o = copy.b_o.data();
    }
    return in;
  }
};

// Random problem; weights ~ N(0, weight_std^2), inputs ~ N(0, 1).
inline Problem random_problem(int seq_len, int context_len, int d_model, int num_heads, bool cross,
                              unsigned seed, double weight_std = -1.0) {
  Problem p;
  p.shape = {seq_len, context_len, d_model, num_heads};
  p.cross = cross;
  std::mt19937 generator(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  if (weight_std < 0) weight_std = 1.0 / std::sqrt(static_cast<double>(d_model));
  auto fill = [&](std::vector<double>& v, std::size_t n, double stddev) {
    v.resize(n);
    for (double& value : v) value = normal(generator) * stddev;
  };
  const std::size_t d = d_model;
  fill(p.x, static_cast<std::size_t>(seq_len) * d, 1.0);
  fill(p.context, static_cast<std::size_t>(cross ? context_len : 0) * d, 1.0);
  for (auto* w : {&p.w_q, &p.w_k, &p.w_v, &p.w_o}) fill(*w, d * d, weight_std);
  for (auto* b : {&p.b_q, &p.b_k, &p.b_v, &p.b_o}) fill(*b, d, 0.1);
  return p;
}

template <typename Real>
struct Result {
  std::vector<Real> output, attention, head_outputs, row_entropy;
  std::vector<int> row_argmax;
  explicit Result(const MhaShape& s)
      : output(static_cast<std::size_t>(s.seq_len) * s.d_model),
        attention(static_cast<std::size_t>(s.num_heads) * s.seq_len * s.context_len),
        head_outputs(static_cast<std::size_t>(s.seq_len) * s.d_model),
        row_entropy(static_cast<std::size_t>(s.num_heads) * s.seq_len),
        row_argmax(static_cast<std::size_t>(s.num_heads) * s.seq_len, -1) {}
  MhaOutputs<Real> outputs() {
    return {output.data(), attention.data(), head_outputs.data(), row_entropy.data(), row_argmax.data()};
  }
};

inline Result<double> run_reference(const Problem& p) {
  auto copy = p.as<double>();
  Result<double> result(p.shape);
  MhaOptions options = p.options;
  if (!p.key_padding_mask.empty()) options.key_padding_mask = p.key_padding_mask.data();
  reference_multi_head_attention(p.shape, options, p.inputs(copy), result.outputs());
  return result;
}

inline Result<float> run_fast(const Problem& p) {
  auto copy = p.as<float>();
  Result<float> result(p.shape);
  MhaOptions options = p.options;
  if (!p.key_padding_mask.empty()) options.key_padding_mask = p.key_padding_mask.data();
  multi_head_attention(p.shape, options, p.inputs(copy), result.outputs());
  return result;
}

template <typename A, typename B>
double max_abs_difference(const std::vector<A>& a, const std::vector<B>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double difference = std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    if (std::isnan(difference)) return difference;  // a NaN anywhere fails every tolerance
    worst = std::max(worst, difference);
  }
  return worst;
}

template <typename A>
double max_abs(const std::vector<A>& a) {
  double largest = 0;
  for (A value : a) largest = std::max(largest, std::fabs(static_cast<double>(value)));
  return largest;
}

}  // namespace attention_lab::testing
