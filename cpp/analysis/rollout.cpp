#include "analysis/rollout.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <queue>

#include "text/tokenizer.h"

namespace attention_lab::analysis {

std::vector<double> residual_attention(const float* attention, int num_heads, int seq_len, int layer) {
  const std::size_t n = static_cast<std::size_t>(seq_len), size = n * n;
  std::vector<double> mixed(size, 0.0);
  const float* first = attention + static_cast<std::size_t>(layer) * num_heads * size;
  // 1. Average the heads.
  for (int h = 0; h < num_heads; ++h) {
    for (std::size_t k = 0; k < size; ++k) mixed[k] += first[h * size + k];
  }
  // 2. Half of it, plus half of the identity (the residual), row by row
  //    renormalised so rounding never lets a row drift from 1.
  for (std::size_t i = 0; i < n; ++i) {
    double total = 0;
    for (std::size_t j = 0; j < n; ++j) {
      double& value = mixed[i * n + j];
      value = 0.5 * value / num_heads + (i == j ? 0.5 : 0.0);
      total += value;
    }
    for (std::size_t j = 0; j < n; ++j) mixed[i * n + j] /= total;
  }
  return mixed;
}

std::vector<double> attention_rollout(const float* attention, int num_layers, int num_heads, int seq_len) {
  const std::size_t n = static_cast<std::size_t>(seq_len);
  // R_1 = Â_1; R_l = Â_l · R_{l-1}
  std::vector<double> rollout = residual_attention(attention, num_heads, seq_len, 0), next(n * n);
  for (int l = 1; l < num_layers; ++l) {
    const std::vector<double> layer = residual_attention(attention, num_heads, seq_len, l);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) {
        double sum = 0;
        for (std::size_t k = 0; k < n; ++k) sum += layer[i * n + k] * rollout[k * n + j];
        next[i * n + j] = sum;
      }
    }
    rollout.swap(next);
  }
  return rollout;
}

namespace {

// Maximum flow on the layered graph (Dinic: breadth-first levels, then a
// blocking flow by depth-first search with a current edge per node, so each
// phase pushes along many paths at once; shortest-path-only Edmonds-Karp took
// about a second for one word at 64 tokens). Nodes: layer l in [0, L], word i: l * n + i.
class LayeredFlow {
 public:
  LayeredFlow(const std::vector<std::vector<double>>& layers, int n) : layers_(static_cast<int>(layers.size())) {
    const int nodes = (layers_ + 1) * n;
    adjacency_.resize(static_cast<std::size_t>(nodes));
    for (int l = 1; l <= layers_; ++l) {
      const std::vector<double>& a = layers[static_cast<std::size_t>(l - 1)];
      for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
          const double capacity = a[static_cast<std::size_t>(i) * n + j];
          if (capacity > kEpsilon) add_edge(l * n + i, (l - 1) * n + j, capacity);
        }
      }
    }
    level_.resize(adjacency_.size());
    next_.resize(adjacency_.size());
  }

  double max_flow(int source, int sink) {
    for (Edge& e : edges_) e.flow = 0;
    double total = 0;
    while (levels(source, sink)) {
      std::fill(next_.begin(), next_.end(), 0);
      while (true) {
        const double pushed = push(source, sink, std::numeric_limits<double>::infinity());
        if (pushed <= kEpsilon) break;
        total += pushed;
      }
    }
    return total;
  }

 private:
  struct Edge {
    int to;
    double capacity, flow;
  };
  static constexpr double kEpsilon = 1e-12;
  void add_edge(int from, int to, double capacity) {
    adjacency_[static_cast<std::size_t>(from)].push_back(static_cast<int>(edges_.size()));
    edges_.push_back({to, capacity, 0});
    adjacency_[static_cast<std::size_t>(to)].push_back(static_cast<int>(edges_.size()));
    edges_.push_back({from, 0, 0});  // the reverse edge, for cancelling flow
  }
  bool levels(int source, int sink) {
    std::fill(level_.begin(), level_.end(), -1);
    std::queue<int> frontier;
    frontier.push(source);
    level_[static_cast<std::size_t>(source)] = 0;
    while (!frontier.empty()) {
      const int node = frontier.front();
      frontier.pop();
      for (int e : adjacency_[static_cast<std::size_t>(node)]) {
        const Edge& edge = edges_[static_cast<std::size_t>(e)];
        if (level_[static_cast<std::size_t>(edge.to)] < 0 && edge.capacity - edge.flow > kEpsilon) {
          level_[static_cast<std::size_t>(edge.to)] = level_[static_cast<std::size_t>(node)] + 1;
          frontier.push(edge.to);
        }
      }
    }
    return level_[static_cast<std::size_t>(sink)] >= 0;
  }
  double push(int node, int sink, double limit) {
    if (node == sink) return limit;
    std::vector<int>& out = adjacency_[static_cast<std::size_t>(node)];
    for (int& k = next_[static_cast<std::size_t>(node)]; k < static_cast<int>(out.size()); ++k) {
      Edge& edge = edges_[static_cast<std::size_t>(out[static_cast<std::size_t>(k)])];
      if (level_[static_cast<std::size_t>(edge.to)] != level_[static_cast<std::size_t>(node)] + 1 || edge.capacity - edge.flow <= kEpsilon) continue;
      const double pushed = push(edge.to, sink, std::min(limit, edge.capacity - edge.flow));
      if (pushed > kEpsilon) {
        edge.flow += pushed;
        edges_[static_cast<std::size_t>(out[static_cast<std::size_t>(k)] ^ 1)].flow -= pushed;
        return pushed;
      }
    }
    return 0;
  }
  std::vector<int> level_, next_;
  int layers_;
  std::vector<Edge> edges_;
  std::vector<std::vector<int>> adjacency_;
};

}  // namespace

std::vector<double> attention_flow(const float* attention, int num_layers, int num_heads, int seq_len, int query) {
  if (seq_len > kMaxFlowTokens || query < 0 || query >= seq_len) return {};
  std::vector<std::vector<double>> layers;
  for (int l = 0; l < num_layers; ++l) layers.push_back(residual_attention(attention, num_heads, seq_len, l));
  LayeredFlow graph(layers, seq_len);
  std::vector<double> flow(static_cast<std::size_t>(seq_len));
  for (int j = 0; j < seq_len; ++j) flow[static_cast<std::size_t>(j)] = graph.max_flow(num_layers * seq_len + query, j);
  return flow;
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  const std::size_t n = a.size();
  if (n < 2 || b.size() != n) return 0.0;
  auto ranks = [n](const std::vector<double>& values) {
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return values[x] < values[y]; });
    std::vector<double> rank(n);
    for (std::size_t i = 0; i < n;) {
      std::size_t j = i;
      while (j + 1 < n && values[order[j + 1]] == values[order[i]]) ++j;
      for (std::size_t k = i; k <= j; ++k) rank[order[k]] = (static_cast<double>(i) + static_cast<double>(j)) / 2.0;
      i = j + 1;
    }
    return rank;
  };
  const std::vector<double> ra = ranks(a), rb = ranks(b);
  const double mean = (static_cast<double>(n) - 1) / 2.0;
  double covariance = 0, va = 0, vb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    covariance += (ra[i] - mean) * (rb[i] - mean);
    va += (ra[i] - mean) * (ra[i] - mean);
    vb += (rb[i] - mean) * (rb[i] - mean);
  }
  return va > 0 && vb > 0 ? covariance / std::sqrt(va * vb) : 0.0;
}

AblationCorrelation correlate_with_ablation(const TransformerParams<float>& params, const PackedTransformer& packed,
                                            const std::vector<std::vector<int>>& sentences) {
  const TransformerConfig& c = params.config;
  AblationCorrelation result;
  TransformerRun run;
  for (const std::vector<int>& sentence : sentences) {
    const int n = static_cast<int>(sentence.size());
    if (n < 3 || n > kMaxFlowTokens || n > c.max_len) continue;
    const int middle = n / 2;
    // 1. The middle word hidden: its log-probability, and the attention to explain it.
    std::vector<int> ids = sentence;
    ids[static_cast<std::size_t>(middle)] = Vocabulary::kMask;
    run_transformer(params, packed, ids, true, run);
    const int word = sentence[static_cast<std::size_t>(middle)];
    const double base = log_probability(run.logits.data() + static_cast<std::size_t>(middle) * c.vocab_size, c.vocab_size, word);
    const std::vector<float> attention = run.attention;
    const std::vector<double> rollout = attention_rollout(attention.data(), c.num_layers, c.num_heads, n);
    const std::vector<double> flow = attention_flow(attention.data(), c.num_layers, c.num_heads, n, middle);
    const std::vector<double> last = residual_attention(attention.data(), c.num_heads, n, c.num_layers - 1);
    // 2. Each other word hidden too: the middle row's final hidden state of
    // each such run, then all their logits in one product (the output matrix
    // read once a sentence), and how much the true word's log-probability drops.
    std::vector<double> importance, raw_row, rollout_row, flow_row;
    std::vector<float> rows;
    std::vector<int> ablated = ids;
    for (int j = 0; j < n; ++j) {
      if (j == middle) continue;
      ablated[static_cast<std::size_t>(j)] = Vocabulary::kMask;
      run_transformer(params, packed, ablated, false, run, {}, middle);
      ablated[static_cast<std::size_t>(j)] = ids[static_cast<std::size_t>(j)];
      rows.insert(rows.end(), run.hidden.begin(), run.hidden.end());
      raw_row.push_back(last[static_cast<std::size_t>(middle) * n + j]);
      rollout_row.push_back(rollout[static_cast<std::size_t>(middle) * n + j]);
      flow_row.push_back(flow[static_cast<std::size_t>(j)]);
    }
    std::vector<float> logits;
    logits_of_rows(params, packed, rows.data(), n - 1, logits);
    for (int k = 0; k < n - 1; ++k) {
      importance.push_back(base - log_probability(logits.data() + static_cast<std::size_t>(k) * c.vocab_size, c.vocab_size, word));
    }
    result.raw += spearman(importance, raw_row);
    result.rollout += spearman(importance, rollout_row);
    result.flow += spearman(importance, flow_row);
    ++result.sentences;
  }
  if (result.sentences > 0) {
    result.raw /= result.sentences;
    result.rollout /= result.sentences;
    result.flow /= result.sentences;
  }
  return result;
}

}  // namespace attention_lab::analysis
