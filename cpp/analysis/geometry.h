// Why a query picks a key: one head's query and key vectors drawn in one
// plane (the joint embedding of AttentionViz, Yeh et al. 2023).
//
// queries, keys: (seq_len, head_dim) for one head, q_i = x_i·W_Q[:, head] + b_Q[head].
// Two changes that leave every attention row exactly as it was come first:
//   1. the keys move so their mean is the queries' mean (q·(k + t) adds the
//      same q·t to every score of a row, and softmax ignores that);
//   2. queries are scaled by c and keys by 1/c so both have the same mean
//      length (q·k is unchanged).
// Then the principal components of all 2·seq_len points (PCA, here by the
// symmetric eigen-decomposition of their covariance) give the plane.
#pragma once

#include <vector>

#include "model/inference.h"
#include "model/transformer.h"

namespace attention_lab::analysis {

struct Projection {
  std::vector<double> coords;      // (count, 2): each point on the first two components
  double explained[2] = {0, 0};    // share of the variance each component holds
};

// points: (count, dim). Components: unit eigenvectors of the covariance with
// the two largest eigenvalues, each signed so its largest entry is positive.
Projection principal_components_2d(const std::vector<double>& points, int count, int dim);

struct QueryKeyGeometry {
  std::vector<double> queries, keys;  // (seq_len, head_dim) after the two changes above
  Projection projection;              // queries first, then keys: 2 * seq_len points
  double key_shift = 0;               // length of the translation applied to the keys
  double scale = 1;                   // c
};

// `extra`: more sentences whose queries and keys join the plane's fit and
// are appended (queries then keys of each, in order) after the main sentence's.
// `run_options`: the run's head switches, scale and temperature (what the
// layers before `layer` did changes the vectors this layer reads).
QueryKeyGeometry query_key_geometry(const TransformerParams<float>& params, const PackedTransformer& packed,
                                    const std::vector<int>& ids, int layer, int head,
                                    const std::vector<std::vector<int>>& extra = {},
                                    const TransformerRunOptions& run_options = {});

}  // namespace attention_lab::analysis
