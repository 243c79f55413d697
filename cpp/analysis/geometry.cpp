#include "analysis/geometry.h"

#include <algorithm>
#include <cmath>

namespace attention_lab::analysis {

namespace {

// Jacobi rotations on a symmetric matrix a (dim, dim): eigenvalues on the
// diagonal, eigenvectors in the columns of v. Exact enough for dim <= 256.
void symmetric_eigen(std::vector<double>& a, int dim, std::vector<double>& v) {
  const std::size_t n = static_cast<std::size_t>(dim);
  v.assign(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) v[i * n + i] = 1.0;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0;
    for (std::size_t p = 0; p < n; ++p) for (std::size_t q = p + 1; q < n; ++q) off += a[p * n + q] * a[p * n + q];
    if (off < 1e-30) return;
    for (std::size_t p = 0; p < n; ++p) {
      for (std::size_t q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (std::abs(apq) < 1e-300) continue;
        const double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (std::size_t k = 0; k < n; ++k) {  // columns p, q
          const double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (std::size_t k = 0; k < n; ++k) {  // rows p, q
          const double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (std::size_t k = 0; k < n; ++k) {
          const double vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
}

}  // namespace

Projection principal_components_2d(const std::vector<double>& points, int count, int dim) {
  Projection result;
  result.coords.assign(static_cast<std::size_t>(count) * 2, 0.0);
  if (count < 1 || dim < 1) return result;
  const std::size_t n = static_cast<std::size_t>(dim);
  // 1. Centre the points.
  std::vector<double> mean(n, 0.0);
  for (int i = 0; i < count; ++i) for (std::size_t k = 0; k < n; ++k) mean[k] += points[i * n + k] / count;
  // 2. Their covariance, and its eigenvectors.
  std::vector<double> covariance(n * n, 0.0);
  for (int i = 0; i < count; ++i) {
    for (std::size_t p = 0; p < n; ++p) {
      const double dp = points[i * n + p] - mean[p];
      for (std::size_t q = p; q < n; ++q) covariance[p * n + q] += dp * (points[i * n + q] - mean[q]) / count;
    }
  }
  for (std::size_t p = 0; p < n; ++p) for (std::size_t q = 0; q < p; ++q) covariance[p * n + q] = covariance[q * n + p];
  std::vector<double> vectors;
  symmetric_eigen(covariance, dim, vectors);
  std::vector<std::size_t> order(n);
  for (std::size_t k = 0; k < n; ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return covariance[x * n + x] > covariance[y * n + y]; });
  double total = 0;
  for (std::size_t k = 0; k < n; ++k) total += std::max(0.0, covariance[k * n + k]);
  // 3. Project on the two largest, each signed so its largest entry is positive.
  for (int c = 0; c < 2 && static_cast<std::size_t>(c) < n; ++c) {
    const std::size_t column = order[static_cast<std::size_t>(c)];
    std::size_t largest = 0;
    for (std::size_t k = 1; k < n; ++k) if (std::abs(vectors[k * n + column]) > std::abs(vectors[largest * n + column])) largest = k;
    const double sign = vectors[largest * n + column] < 0 ? -1.0 : 1.0;
    result.explained[c] = total > 0 ? std::max(0.0, covariance[column * n + column]) / total : 0.0;
    for (int i = 0; i < count; ++i) {
      double dot = 0;
      for (std::size_t k = 0; k < n; ++k) dot += (points[i * n + k] - mean[k]) * vectors[k * n + column];
      result.coords[static_cast<std::size_t>(i) * 2 + c] = sign * dot;
    }
  }
  return result;
}

namespace {

// One sentence's queries and keys of one head: (seq_len, head_dim) each.
void head_vectors(const TransformerParams<float>& params, const PackedTransformer& packed, const std::vector<int>& ids,
                  int layer, int head, const TransformerRunOptions& run_options, std::vector<double>& queries,
                  std::vector<double>& keys) {
  const TransformerConfig& c = params.config;
  TransformerRunOptions options = run_options;  // heads switched off in earlier layers change what this layer reads
  options.capture_layer = layer;
  options.want_hidden = false;
  TransformerRun run;
  run_transformer(params, packed, ids, false, run, options);
  const TransformerLayer<float>& weights = params.layers[static_cast<std::size_t>(layer)];
  const int n = static_cast<int>(ids.size()), d = c.d_model, dk = c.head_dim(), column = head * dk;
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < dk; ++k) {
      double q = weights.b_q[static_cast<std::size_t>(column + k)], key = weights.b_k[static_cast<std::size_t>(column + k)];
      for (int m = 0; m < d; ++m) {
        const double x = run.captured[static_cast<std::size_t>(i) * d + m];
        q += x * weights.w_q[static_cast<std::size_t>(m) * d + column + k];
        key += x * weights.w_k[static_cast<std::size_t>(m) * d + column + k];
      }
      queries.push_back(q);
      keys.push_back(key);
    }
  }
}

}  // namespace

QueryKeyGeometry query_key_geometry(const TransformerParams<float>& params, const PackedTransformer& packed,
                                    const std::vector<int>& ids, int layer, int head,
                                    const std::vector<std::vector<int>>& extra, const TransformerRunOptions& run_options) {
  const int dk = params.config.head_dim();
  QueryKeyGeometry g;
  std::vector<std::vector<double>> query_sets(1), key_sets(1);
  head_vectors(params, packed, ids, layer, head, run_options, query_sets[0], key_sets[0]);
  for (const std::vector<int>& sentence : extra) {
    if (sentence.empty() || static_cast<int>(sentence.size()) > params.config.max_len) continue;
    query_sets.emplace_back();
    key_sets.emplace_back();
    head_vectors(params, packed, sentence, layer, head, run_options, query_sets.back(), key_sets.back());
  }
  // 1. Move the keys onto the queries' mean; 2. scale both to the same mean length.
  std::vector<double> query_mean(static_cast<std::size_t>(dk), 0.0), key_mean(query_mean);
  double query_count = 0, key_count = 0;
  for (const auto& set : query_sets) for (std::size_t i = 0; i < set.size(); ++i) query_mean[i % dk] += set[i];
  for (const auto& set : key_sets) for (std::size_t i = 0; i < set.size(); ++i) key_mean[i % dk] += set[i];
  for (const auto& set : query_sets) query_count += static_cast<double>(set.size() / dk);
  for (const auto& set : key_sets) key_count += static_cast<double>(set.size() / dk);
  double shift = 0;
  for (int k = 0; k < dk; ++k) {
    query_mean[static_cast<std::size_t>(k)] /= query_count;
    key_mean[static_cast<std::size_t>(k)] /= key_count;
    const double t = query_mean[static_cast<std::size_t>(k)] - key_mean[static_cast<std::size_t>(k)];
    shift += t * t;
    for (auto& set : key_sets) for (std::size_t i = static_cast<std::size_t>(k); i < set.size(); i += static_cast<std::size_t>(dk)) set[i] += t;
  }
  auto mean_length = [dk](const std::vector<std::vector<double>>& sets) {
    double total = 0, count = 0;
    for (const auto& set : sets) {
      for (std::size_t i = 0; i < set.size(); i += static_cast<std::size_t>(dk)) {
        double length = 0;
        for (int k = 0; k < dk; ++k) length += set[i + static_cast<std::size_t>(k)] * set[i + static_cast<std::size_t>(k)];
        total += std::sqrt(length);
        count += 1;
      }
    }
    return count > 0 ? total / count : 1.0;
  };
  const double query_length = mean_length(query_sets), key_length = mean_length(key_sets);
  const double c = query_length > 0 && key_length > 0 ? std::sqrt(key_length / query_length) : 1.0;
  for (auto& set : query_sets) for (double& value : set) value *= c;
  for (auto& set : key_sets) for (double& value : set) value /= c;
  g.key_shift = std::sqrt(shift);
  g.scale = c;
  g.queries = query_sets[0];
  g.keys = key_sets[0];
  // 3. One plane for every point: the main sentence's queries and keys first.
  std::vector<double> points;
  for (std::size_t s = 0; s < query_sets.size(); ++s) {
    points.insert(points.end(), query_sets[s].begin(), query_sets[s].end());
    points.insert(points.end(), key_sets[s].begin(), key_sets[s].end());
  }
  g.projection = principal_components_2d(points, static_cast<int>(points.size() / static_cast<std::size_t>(dk)), dk);
  return g;
}

}  // namespace attention_lab::analysis
