// Native comparison for scripts/bench.mjs: multi-head attention forward with
// Eigen (g++ -O3 -march=native), float32, one thread. Prints one JSON object:
// { "S1": [seconds, ...], ... } for the shapes named on the command line as
// name:seq_len:d_model:heads:repetitions.
#include <Eigen/Dense>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// x: (seq_len, d_model); weights (d_model, d_model); returns (seq_len, d_model)
static Matrix multi_head_attention(const Matrix& x, const Matrix& w_q, const Matrix& w_k, const Matrix& w_v,
                                   const Matrix& w_o, int num_heads) {
  const Eigen::Index seq_len = x.rows(), d_model = x.cols(), head_dim = d_model / num_heads;
  // 1. projections
  const Matrix q = x * w_q, k = x * w_k, v = x * w_v;
  Matrix concat(seq_len, d_model);
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  for (int h = 0; h < num_heads; ++h) {
    // 2. scores, 3. softmax by rows, 4. weighted sum
    Matrix scores = q.middleCols(h * head_dim, head_dim) * k.middleCols(h * head_dim, head_dim).transpose() * scale;
    for (Eigen::Index i = 0; i < seq_len; ++i) {
      const float row_max = scores.row(i).maxCoeff();
      scores.row(i) = (scores.row(i).array() - row_max).exp();
      scores.row(i) /= scores.row(i).sum();
    }
    concat.middleCols(h * head_dim, head_dim) = scores * v.middleCols(h * head_dim, head_dim);
  }
  // 5. output projection
  return concat * w_o;
}

int main(int argc, char** argv) {
  std::printf("{");
  for (int a = 1; a < argc; ++a) {
    char name[16];
    int seq_len, d_model, heads, repetitions;
    if (std::sscanf(argv[a], "%15[^:]:%d:%d:%d:%d", name, &seq_len, &d_model, &heads, &repetitions) != 5) {
      std::fprintf(stderr, "native_bench: bad shape %s\n", argv[a]);
      return 2;
    }
    const Matrix x = Matrix::Random(seq_len, d_model);
    const float s = 1.0f / std::sqrt(static_cast<float>(d_model));
    const Matrix w_q = Matrix::Random(d_model, d_model) * s, w_k = Matrix::Random(d_model, d_model) * s;
    const Matrix w_v = Matrix::Random(d_model, d_model) * s, w_o = Matrix::Random(d_model, d_model) * s;
    float checksum = 0;
    std::vector<double> seconds;
    for (int r = 0; r < repetitions + 2; ++r) {
      const auto start = std::chrono::steady_clock::now();
      const Matrix y = multi_head_attention(x, w_q, w_k, w_v, w_o, heads);
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      checksum += y(0, 0);
      if (r >= 2) seconds.push_back(elapsed);  // two warm-up runs
    }
    std::printf("%s\"%s\":{\"seconds\":[", a > 1 ? "," : "", name);
    for (std::size_t i = 0; i < seconds.size(); ++i) std::printf("%s%.9f", i ? "," : "", seconds[i]);
    std::printf("],\"checksum\":%g}", checksum);
  }
  std::printf("}\n");
  return 0;
}
