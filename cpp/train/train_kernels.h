// Float kernels for the trainer's forward and backward passes, on the
// project's own SIMD code (attention/simd4.h and the packed GEMM of
// attention/gemm.h). Eigen 3.4 has no WebAssembly SIMD path, so a training
// step in the browser ran scalar code; with these, wasm runs the same f32x4
// instructions as the attention kernels, and the native build runs the same
// code on SSE2, so both compute the same numbers in the same order.
//
// The double path of the trainer (the finite-difference gradient check) stays
// on Eigen: it is the oracle these kernels are tested against.
//
// All matrices are row-major; a stride is the distance between rows in floats.
#pragma once

#include <cstddef>

namespace attention_lab::train::kernels {

// out: (rows, cols) = a: (rows, depth) · b: (depth, cols) [+ bias: (cols)]
void multiply(int rows, int depth, int cols, const float* a, int a_stride, const float* b, int b_stride,
              const float* bias, float* out, int out_stride);

// out: (rows, cols) = a: (rows, depth) · bᵀ, b: (cols, depth)
void multiply_transposed(int rows, int depth, int cols, const float* a, int a_stride, const float* b, int b_stride,
                         float* out, int out_stride);

// out: (rows, cols) += aᵀ · b, a: (depth, rows), b: (depth, cols); the
// weight gradients' shape (depth = the batch's rows).
void add_transposed_product(int rows, int depth, int cols, const float* a, int a_stride, const float* b, int b_stride,
                            float* out, int out_stride);

// GELU (tanh form) on n values: g = 0.5 h (1 + tanh(u)), u = √(2/π)(h + 0.044715 h³);
// tanh_u keeps tanh(u) for the backward pass.
void gelu(const float* h, float* g, float* tanh_u, std::size_t n);

// dh = dg · dGELU/dh at h, from the forward pass's tanh(u).
void gelu_backward(const float* dg, const float* h, const float* tanh_u, float* dh, std::size_t n);

// Each of the n rows of scores (n, n) becomes a softmax of scale · its visible
// columns (all n, or 0..i for row i when causal); the rest become exactly 0.
void softmax_rows(float* scores, int n, bool causal, float scale);

// The softmax's backward pass for the same rows: dscores = scale · p ⊙ (dp − Σ_j dp·p).
void softmax_backward_rows(const float* probabilities, const float* dprobabilities, int n, float scale, float* dscores);

// sums[c] += Σ_r m[r][c], m: (rows, cols) (a bias's gradient)
void add_column_sums(int rows, int cols, const float* m, int stride, float* sums);

// Per row r of x: (rows, cols): xhat = (x − mean) · rstd, rstd = 1/√(var + epsilon),
// out = xhat ⊙ gain + bias.
void layer_norm(int rows, int cols, const float* x, const float* gain, const float* bias, float epsilon, float* xhat,
                float* rstd, float* out);

// Its backward pass: dgain += Σ_r dy ⊙ xhat, dbias += Σ_r dy, and
// dx = rstd (dxhat − mean(dxhat) − xhat · mean(dxhat ⊙ xhat)), dxhat = dy ⊙ gain.
void layer_norm_backward(int rows, int cols, const float* dy, const float* xhat, const float* rstd, const float* gain,
                         float* dgain, float* dbias, float* dx);

}  // namespace attention_lab::train::kernels
