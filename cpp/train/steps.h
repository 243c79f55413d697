// The trainer's matrix products and element-wise steps for one scalar type.
// float (every real training run, native and wasm) runs the project's SIMD
// kernels (train_kernels.h); double (the finite-difference gradient check)
// runs Eigen, the oracle those kernels are tested against in train_test.cpp.
//
// Matrices are row-major; pointers and strides (floats between rows) let a
// head's block of a (rows, d_model) matrix be used in place.
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <vector>
#include <algorithm>

#include "model/inference.h"
#include "train_kernels.h"

namespace attention_lab::train {

template <typename Real>
struct Steps {
  using Matrix = Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using In = Eigen::Map<const Matrix, 0, Eigen::OuterStride<>>;
  using Out = Eigen::Map<Matrix, 0, Eigen::OuterStride<>>;
  using Row = Eigen::Map<const Eigen::Matrix<Real, 1, Eigen::Dynamic>>;
  static constexpr bool kKernels = std::is_same_v<Real, float>;

  // out: (rows, cols) = a: (rows, depth) · b: (depth, cols) [+ bias: (cols)]
  static void multiply(int rows, int depth, int cols, const Real* a, int a_stride, const Real* b, int b_stride,
                       const Real* bias, Real* out, int out_stride) {
    if constexpr (kKernels) {
      kernels::multiply(rows, depth, cols, a, a_stride, b, b_stride, bias, out, out_stride);
    } else {
      Out result(out, rows, cols, Eigen::OuterStride<>(out_stride));
      result.noalias() = In(a, rows, depth, Eigen::OuterStride<>(a_stride)) * In(b, depth, cols, Eigen::OuterStride<>(b_stride));
      if (bias != nullptr) result.rowwise() += Row(bias, cols);
    }
  }

  // out: (rows, cols) = a: (rows, depth) · bᵀ, b: (cols, depth)
  static void multiply_transposed(int rows, int depth, int cols, const Real* a, int a_stride, const Real* b,
                                  int b_stride, Real* out, int out_stride) {
    if constexpr (kKernels) {
      kernels::multiply_transposed(rows, depth, cols, a, a_stride, b, b_stride, out, out_stride);
    } else {
      Out(out, rows, cols, Eigen::OuterStride<>(out_stride)).noalias() =
          In(a, rows, depth, Eigen::OuterStride<>(a_stride)) * In(b, cols, depth, Eigen::OuterStride<>(b_stride)).transpose();
    }
  }

  // out: (rows, cols) += aᵀ · b, a: (depth, rows), b: (depth, cols)
  static void add_transposed_product(int rows, int depth, int cols, const Real* a, int a_stride, const Real* b,
                                     int b_stride, Real* out, int out_stride) {
    if constexpr (kKernels) {
      kernels::add_transposed_product(rows, depth, cols, a, a_stride, b, b_stride, out, out_stride);
    } else {
      Out(out, rows, cols, Eigen::OuterStride<>(out_stride)).noalias() +=
          In(a, depth, rows, Eigen::OuterStride<>(a_stride)).transpose() * In(b, depth, cols, Eigen::OuterStride<>(b_stride));
    }
  }

  // g = GELU(h) (tanh form), keeping tanh(u) for the backward pass
  static void gelu(const Real* h, Real* g, Real* tanh_u, std::size_t n) {
    if constexpr (kKernels) {
      kernels::gelu(h, g, tanh_u, n);
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        const Real v = h[i];
        tanh_u[i] = std::tanh(Real(kGeluSqrt2OverPi) * (v + Real(0.044715) * v * v * v));
        g[i] = Real(0.5) * v * (Real(1) + tanh_u[i]);
      }
    }
  }

  static void gelu_backward(const Real* dg, const Real* h, const Real* tanh_u, Real* dh, std::size_t n) {
    if constexpr (kKernels) {
      kernels::gelu_backward(dg, h, tanh_u, dh, n);
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        const Real v = h[i], t = tanh_u[i];
        const Real du = Real(kGeluSqrt2OverPi) * (Real(1) + Real(3) * Real(0.044715) * v * v);
        dh[i] = dg[i] * (Real(0.5) * (Real(1) + t) + Real(0.5) * v * (Real(1) - t * t) * du);
      }
    }
  }

  // Row i of scores (n, n) becomes the softmax of scale · its visible columns
  // (all, or 0..i when causal); hidden columns become exactly 0.
  static void softmax_rows(Real* scores, int n, bool causal, Real scale) {
    if constexpr (kKernels) {
      kernels::softmax_rows(scores, n, causal, scale);
    } else {
      for (int i = 0; i < n; ++i) {
        Real* row = scores + static_cast<std::size_t>(i) * n;
        const int seen = causal ? i + 1 : n;
        for (int j = 0; j < seen; ++j) row[j] *= scale;
        Real row_max = row[0], sum = 0;
        for (int j = 1; j < seen; ++j) row_max = std::max(row_max, row[j]);
        for (int j = 0; j < seen; ++j) sum += (row[j] = std::exp(row[j] - row_max));
        for (int j = 0; j < seen; ++j) row[j] /= sum;
        for (int j = seen; j < n; ++j) row[j] = 0;
      }
    }
  }

  // dscores = scale · p ⊙ (dp − Σ_j dp·p), row by row, all (n, n)
  static void softmax_backward_rows(const Real* p, const Real* dp, int n, Real scale, Real* dscores) {
    if constexpr (kKernels) {
      kernels::softmax_backward_rows(p, dp, n, scale, dscores);
    } else {
      for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
        const Real* prow = p + i * n;
        const Real* dprow = dp + i * n;
        Real dot = 0;
        for (int j = 0; j < n; ++j) dot += dprow[j] * prow[j];
        for (int j = 0; j < n; ++j) dscores[i * n + j] = scale * prow[j] * (dprow[j] - dot);
      }
    }
  }

  // sums[c] += Σ_r m[r][c] over a contiguous (rows, cols) matrix
  static void add_column_sums(const Matrix& m, std::vector<Real>& sums) {
    if constexpr (kKernels) {
      kernels::add_column_sums(static_cast<int>(m.rows()), static_cast<int>(m.cols()), m.data(), static_cast<int>(m.cols()), sums.data());
    } else {
      Eigen::Map<Eigen::Matrix<Real, 1, Eigen::Dynamic>>(sums.data(), m.cols()) += m.colwise().sum();
    }
  }
};

}  // namespace attention_lab::train
