// How attention combines across layers (Abnar & Zuidema 2020, "Quantifying
// Attention Flow in Transformers").
//
// attention: (num_layers, num_heads, seq_len, seq_len), rows sum to 1, as a
// model run returns it. Each layer's heads are averaged, and the residual
// connection is modelled as the paper does: the token also keeps itself,
//   Â_l = 0.5 · mean_h(A_l,h) + 0.5 · I   (rows still sum to 1).
// That is an assumption about how much of a layer's output is its input; it
// ignores the MLP and LayerNorm, and the values' sizes.
//
//   raw       Â_L's row (the last layer only)
//   rollout   Â_L · Â_{L-1} · … · Â_1: the share of position i's top-layer
//             representation traced back to each input word along all paths
//   flow      the maximum flow from (top layer, word i) to (input, word j) in
//             the graph whose edges (l, i) → (l-1, j) carry capacity Â_l[i][j]
#pragma once

#include <vector>

#include "model/inference.h"
#include "model/transformer.h"

namespace attention_lab::analysis {

// Â_l for one layer: (seq_len, seq_len), rows sum to 1.
std::vector<double> residual_attention(const float* attention, int num_heads, int seq_len, int layer);

// (seq_len, seq_len): row i = input words' shares in position i at the top layer, rows sum to 1.
std::vector<double> attention_rollout(const float* attention, int num_layers, int num_heads, int seq_len);

// The longest sentence flow is computed for (seq_len max-flows per word; about
// 20 ms for one word at 64 tokens, 4 layers x 8 heads, natively on this machine kind;
// tests/cpp/rollout_test.cpp prints it).
constexpr int kMaxFlowTokens = 64;

// (seq_len): the max-flow from (top layer, query) to each input word j, raw
// (not normalised; each is at most 1). Empty when seq_len > kMaxFlowTokens.
std::vector<double> attention_flow(const float* attention, int num_layers, int num_heads, int seq_len, int query);

// Spearman's rank correlation (average ranks for ties); 0 when either side is constant.
double spearman(const std::vector<double>& a, const std::vector<double>& b);

// The paper's check, on a masked language model: in each sentence the middle
// word is hidden, and each other word j is hidden in turn as well; its
// importance is how much the log-probability of the true middle word drops.
// The correlation (Spearman, averaged over sentences) of that importance with
// raw attention, rollout and flow from the middle word.
struct AblationCorrelation {
  double raw = 0, rollout = 0, flow = 0;
  int sentences = 0;  // sentences of 3 to kMaxFlowTokens tokens used
};
AblationCorrelation correlate_with_ablation(const TransformerParams<float>& params, const PackedTransformer& packed,
                                            const std::vector<std::vector<int>>& sentences);

}  // namespace attention_lab::analysis
