// Query/key geometry: PCA against Eigen's symmetric eigen-solver (the
// reference), and the head's queries and keys after the two changes that
// must leave every attention row as it was.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <vector>

#include "analysis/geometry.h"
#include "model/inference.h"
#include "model/seeded_model.h"
#include "model/transformer.h"

namespace attention_lab::analysis {
namespace {

TEST(Pca, PointsOnALineLieOnTheFirstComponent) {
  std::vector<double> points;
  for (int i = 0; i < 5; ++i) points.insert(points.end(), {1.0 * i, 2.0 * i, -1.0 * i});
  const Projection p = principal_components_2d(points, 5, 3);
  EXPECT_NEAR(p.explained[0], 1.0, 1e-12);
  EXPECT_NEAR(p.explained[1], 0.0, 1e-12);
  // the line's direction is (1, 2, -1)/sqrt(6), signed so its largest entry (2) is positive
  for (int i = 0; i < 5; ++i) {
    EXPECT_NEAR(p.coords[i * 2], (i - 2) * std::sqrt(6.0), 1e-9);
    EXPECT_NEAR(p.coords[i * 2 + 1], 0.0, 1e-9);
  }
}

TEST(Pca, AgreesWithEigensSelfAdjointSolver) {
  SeededGenerator random(5);
  const int count = 40, dim = 16;
  std::vector<double> points(count * dim);
  for (int i = 0; i < count; ++i) {
    for (int k = 0; k < dim; ++k) points[i * dim + k] = (static_cast<double>(random.next() % 2001) / 1000.0 - 1.0) * (k + 1);
  }
  const Projection p = principal_components_2d(points, count, dim);
  Eigen::MatrixXd x(count, dim);
  for (int i = 0; i < count; ++i) for (int k = 0; k < dim; ++k) x(i, k) = points[i * dim + k];
  const Eigen::MatrixXd centred = x.rowwise() - x.colwise().mean();
  const Eigen::MatrixXd covariance = centred.transpose() * centred / count;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(covariance);
  const Eigen::VectorXd values = solver.eigenvalues();  // ascending
  EXPECT_NEAR(p.explained[0], values(dim - 1) / values.sum(), 1e-9);
  EXPECT_NEAR(p.explained[1], values(dim - 2) / values.sum(), 1e-9);
  for (int c = 0; c < 2; ++c) {
    Eigen::VectorXd component = solver.eigenvectors().col(dim - 1 - c);
    Eigen::Index largest;
    component.cwiseAbs().maxCoeff(&largest);
    if (component(largest) < 0) component = -component;
    const Eigen::VectorXd projected = centred * component;
    for (int i = 0; i < count; ++i) EXPECT_NEAR(p.coords[i * 2 + c], projected(i), 1e-7);
  }
}

TEST(QueryKeyGeometry, TheChangedQueriesAndKeysStillGiveTheHeadsAttention) {
  TransformerParams<float> params;
  params.allocate({40, 16, 4, 2, 32, 20});
  initialise_transformer(params, 8, 0.3f);
  PackedTransformer packed;
  pack_transformer(params, packed);
  const std::vector<int> ids = {5, 9, 12, 7, 30, 22, 14};
  const int n = 7, dk = 4, layer = 1, head = 2;
  const QueryKeyGeometry g = query_key_geometry(params, packed, ids, layer, head, {{6, 7, 8}, {11, 12}});
  TransformerRun run;
  run_transformer(params, packed, ids, false, run);
  for (int i = 0; i < n; ++i) {
    std::vector<double> scores(n);
    double top = -1e300, total = 0;
    for (int j = 0; j < n; ++j) {
      double dot = 0;
      for (int k = 0; k < dk; ++k) dot += g.queries[i * dk + k] * g.keys[j * dk + k];
      scores[j] = dot / std::sqrt(static_cast<double>(dk));
      top = std::max(top, scores[j]);
    }
    for (double s : scores) total += std::exp(s - top);
    for (int j = 0; j < n; ++j) {
      const double expected = run.attention[((static_cast<std::size_t>(layer) * 4 + head) * n + i) * n + j];
      EXPECT_NEAR(std::exp(scores[j] - top) / total, expected, 1e-5) << i << "," << j;
    }
  }
  EXPECT_GT(g.key_shift, 0.0);
  // the main sentence's 2n points, then 2·3 and 2·2 of the extra sentences
  EXPECT_EQ(g.projection.coords.size(), static_cast<std::size_t>(2 * (2 * n + 6 + 4)));
  EXPECT_GT(g.projection.explained[0], g.projection.explained[1]);
}

}  // namespace
}  // namespace attention_lab::analysis
