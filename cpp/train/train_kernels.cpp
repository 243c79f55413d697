#include "train_kernels.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "attention/gemm.h"
#include "attention/simd4.h"
#include "model/inference.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace attention_lab::train::kernels {

using simd::f32x4;

namespace {

// Products this large split their rows over the native build's threads (the
// big corpus models); the live trainer's products and the browser stay on one.
constexpr double kParallelAbove = 4e6;

// out = a · packed [+ bias], rows split over threads when it pays.
void multiply_packed(int rows, const float* a, int a_stride, const PackedMatrix& packed, const float* bias, float* out,
                     int out_stride) {
#ifdef _OPENMP
  const double work = static_cast<double>(rows) * packed.depth * packed.cols;
  const int threads = omp_get_max_threads();
  if (work > kParallelAbove && threads > 1 && !omp_in_parallel()) {
    const int block = (rows + threads - 1) / threads;
#pragma omp parallel for num_threads(threads)
    for (int t = 0; t < threads; ++t) {
      const int first = t * block, count = std::min(rows, first + block) - first;
      if (count > 0) {
        gemm_packed(count, a + static_cast<std::size_t>(first) * a_stride, a_stride, packed, bias,
                    out + static_cast<std::size_t>(first) * out_stride, out_stride);
      }
    }
    return;
  }
#endif
  gemm_packed(rows, a, a_stride, packed, bias, out, out_stride);
}

// Loads the first `count` (< 4) values of p into a vector, the other lanes `fill`.
f32x4 load_partial(const float* p, std::size_t count, float fill) {
  float lanes[4] = {fill, fill, fill, fill};
  std::copy(p, p + count, lanes);
  return simd::load(lanes);
}

void store_partial(float* p, std::size_t count, f32x4 v) {
  float lanes[4];
  simd::store(lanes, v);
  std::copy(lanes, lanes + count, p);
}

// Applies f to n values four lanes at a time; the last partial group through
// padded lanes, so every value sees the same arithmetic on every target.
template <typename F>
void for_each_group(std::size_t n, F&& f) {
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) f(i, std::size_t{4});
  if (i < n) f(i, n - i);
}

f32x4 load_n(const float* p, std::size_t count) { return count == 4 ? simd::load(p) : load_partial(p, count, 0.0f); }
void store_n(float* p, std::size_t count, f32x4 v) {
  if (count == 4) {
    simd::store(p, v);
  } else {
    store_partial(p, count, v);
  }
}

// tanh(u) = 1 - 2 / (e^{2u} + 1); e^{2u} clamps at e^{±87}, where tanh is ±1 in float.
f32x4 tanh4(f32x4 u) {
  const f32x4 one = simd::splat(1.0f);
  const f32x4 e = simd::exp_clamped(simd::add(u, u));
  return simd::sub(one, simd::div(simd::splat(2.0f), simd::add(e, one)));
}

}  // namespace

void multiply(int rows, int depth, int cols, const float* a, int a_stride, const float* b, int b_stride,
              const float* bias, float* out, int out_stride) {
  if (rows <= 0 || cols <= 0) return;
  thread_local PackedMatrix packed;
  pack_columns(b, depth, cols, b_stride, packed);
  multiply_packed(rows, a, a_stride, packed, bias, out, out_stride);
}

void multiply_transposed(int rows, int depth, int cols, const float* a, int a_stride, const float* b, int b_stride,
                         float* out, int out_stride) {
  if (rows <= 0 || cols <= 0) return;
  thread_local PackedMatrix packed;
  pack_columns_transposed(b, depth, cols, b_stride, packed);
  multiply_packed(rows, a, a_stride, packed, nullptr, out, out_stride);
}

void add_transposed_product(int rows, int depth, int cols, const float* a, int a_stride, const float* b, int b_stride,
                            float* out, int out_stride) {
  if (rows <= 0 || cols <= 0 || depth <= 0) return;
  // 1. aᵀ: (rows, depth), copied so the GEMM reads it row by row.
  thread_local std::vector<float> a_transposed, product;
  a_transposed.resize(static_cast<std::size_t>(rows) * depth);
  for (int d = 0; d < depth; ++d) {
    const float* source = a + static_cast<std::size_t>(d) * a_stride;
    for (int r = 0; r < rows; ++r) a_transposed[static_cast<std::size_t>(r) * depth + d] = source[r];
  }
  // 2. aᵀ · b, then 3. add it to out.
  product.resize(static_cast<std::size_t>(rows) * cols);
  multiply(rows, depth, cols, a_transposed.data(), depth, b, b_stride, nullptr, product.data(), cols);
  for (int r = 0; r < rows; ++r) {
    float* target = out + static_cast<std::size_t>(r) * out_stride;
    const float* source = product.data() + static_cast<std::size_t>(r) * cols;
    for_each_group(static_cast<std::size_t>(cols), [&](std::size_t i, std::size_t count) {
      store_n(target + i, count, simd::add(load_n(target + i, count), load_n(source + i, count)));
    });
  }
}

void gelu(const float* h, float* g, float* tanh_u, std::size_t n) {
  const f32x4 half = simd::splat(0.5f), one = simd::splat(1.0f);
  const f32x4 scale = simd::splat(static_cast<float>(kGeluSqrt2OverPi)), cubic = simd::splat(0.044715f);
  for_each_group(n, [&](std::size_t i, std::size_t count) {
    const f32x4 x = load_n(h + i, count);
    // 1. u = √(2/π)(x + 0.044715 x³), 2. t = tanh(u), 3. g = x (1 + t) / 2
    const f32x4 u = simd::mul(scale, simd::add(x, simd::mul(cubic, simd::mul(x, simd::mul(x, x)))));
    const f32x4 t = tanh4(u);
    store_n(tanh_u + i, count, t);
    store_n(g + i, count, simd::mul(simd::mul(half, x), simd::add(one, t)));
  });
}

void gelu_backward(const float* dg, const float* h, const float* tanh_u, float* dh, std::size_t n) {
  const f32x4 half = simd::splat(0.5f), one = simd::splat(1.0f);
  const f32x4 scale = simd::splat(static_cast<float>(kGeluSqrt2OverPi)), cubic3 = simd::splat(3.0f * 0.044715f);
  for_each_group(n, [&](std::size_t i, std::size_t count) {
    const f32x4 x = load_n(h + i, count), t = load_n(tanh_u + i, count), grad = load_n(dg + i, count);
    // dGELU/dx = (1 + t)/2 + x (1 - t²)/2 · du/dx, du/dx = √(2/π)(1 + 3 · 0.044715 x²)
    const f32x4 du = simd::mul(scale, simd::add(one, simd::mul(cubic3, simd::mul(x, x))));
    const f32x4 slope = simd::add(simd::mul(half, simd::add(one, t)),
                                  simd::mul(simd::mul(half, x), simd::mul(simd::sub(one, simd::mul(t, t)), du)));
    store_n(dh + i, count, simd::mul(grad, slope));
  });
}

void softmax_rows(float* scores, int n, bool causal, float scale) {
  const f32x4 scale4 = simd::splat(scale);
  for (int i = 0; i < n; ++i) {
    float* row = scores + static_cast<std::size_t>(i) * n;
    const std::size_t seen = static_cast<std::size_t>(causal ? i + 1 : n);
    // 1. scale the visible columns and take their maximum
    for_each_group(seen, [&](std::size_t j, std::size_t count) { store_n(row + j, count, simd::mul(load_n(row + j, count), scale4)); });
    float row_max = row[0];
    for (std::size_t j = 1; j < seen; ++j) row_max = std::max(row_max, row[j]);
    // 2. exp(x - max) and their sum, four at a time
    const f32x4 max4 = simd::splat(row_max);
    f32x4 sum4 = simd::splat(0.0f);
    for_each_group(seen, [&](std::size_t j, std::size_t count) {
      const f32x4 e = simd::exp_nonpositive(simd::sub(count == 4 ? simd::load(row + j) : load_partial(row + j, count, row_max), max4));
      store_n(row + j, count, e);
      sum4 = simd::add(sum4, count == 4 ? e : load_n(row + j, count));  // padded lanes add 0
    });
    // 3. divide by the sum; hidden columns are exactly 0
    const f32x4 inverse = simd::splat(1.0f / simd::horizontal_sum(sum4));
    for_each_group(seen, [&](std::size_t j, std::size_t count) { store_n(row + j, count, simd::mul(load_n(row + j, count), inverse)); });
    std::fill(row + seen, row + n, 0.0f);
  }
}

void softmax_backward_rows(const float* probabilities, const float* dprobabilities, int n, float scale, float* dscores) {
  const std::size_t width = static_cast<std::size_t>(n);
  for (std::size_t i = 0; i < width; ++i) {
    const float* p = probabilities + i * width;
    const float* dp = dprobabilities + i * width;
    float* out = dscores + i * width;
    // 1. dot = Σ_j dp·p, 2. out = scale · p ⊙ (dp − dot)
    f32x4 dot4 = simd::splat(0.0f);
    for_each_group(width, [&](std::size_t j, std::size_t count) {
      dot4 = simd::mul_add(load_n(dp + j, count), load_n(p + j, count), dot4);
    });
    const f32x4 dot = simd::splat(simd::horizontal_sum(dot4)), scale4 = simd::splat(scale);
    for_each_group(width, [&](std::size_t j, std::size_t count) {
      store_n(out + j, count, simd::mul(scale4, simd::mul(load_n(p + j, count), simd::sub(load_n(dp + j, count), dot))));
    });
  }
}

void add_column_sums(int rows, int cols, const float* m, int stride, float* sums) {
  const std::size_t width = static_cast<std::size_t>(cols);
  for (int r = 0; r < rows; ++r) {
    const float* row = m + static_cast<std::size_t>(r) * stride;
    for_each_group(width, [&](std::size_t c, std::size_t count) {
      store_n(sums + c, count, simd::add(load_n(sums + c, count), load_n(row + c, count)));
    });
  }
}

namespace {
float row_mean(const float* row, std::size_t width) {
  f32x4 sum4 = simd::splat(0.0f);
  for_each_group(width, [&](std::size_t c, std::size_t count) { sum4 = simd::add(sum4, load_n(row + c, count)); });
  return simd::horizontal_sum(sum4) / static_cast<float>(width);
}
}  // namespace

void layer_norm(int rows, int cols, const float* x, const float* gain, const float* bias, float epsilon, float* xhat,
                float* rstd, float* out) {
  const std::size_t width = static_cast<std::size_t>(cols);
  for (std::size_t r = 0; r < static_cast<std::size_t>(rows); ++r) {
    const float* in = x + r * width;
    float* centred = xhat + r * width;
    // 1. mean, 2. centre and take the variance, 3. normalise, scale and shift
    const f32x4 mean = simd::splat(row_mean(in, width));
    f32x4 square4 = simd::splat(0.0f);
    for_each_group(width, [&](std::size_t c, std::size_t count) {
      const f32x4 v = simd::sub(load_n(in + c, count), mean);
      store_n(centred + c, count, v);
      square4 = simd::add(square4, count == 4 ? simd::mul(v, v) : simd::mul(load_n(centred + c, count), load_n(centred + c, count)));
    });
    rstd[r] = 1.0f / std::sqrt(simd::horizontal_sum(square4) / static_cast<float>(width) + epsilon);
    const f32x4 inverse = simd::splat(rstd[r]);
    for_each_group(width, [&](std::size_t c, std::size_t count) {
      const f32x4 normalised = simd::mul(load_n(centred + c, count), inverse);
      store_n(centred + c, count, normalised);
      store_n(out + r * width + c, count, simd::mul_add(normalised, load_n(gain + c, count), load_n(bias + c, count)));
    });
  }
}

void layer_norm_backward(int rows, int cols, const float* dy, const float* xhat, const float* rstd, const float* gain,
                         float* dgain, float* dbias, float* dx) {
  const std::size_t width = static_cast<std::size_t>(cols);
  thread_local std::vector<float> dxhat;
  dxhat.resize(width);
  for (std::size_t r = 0; r < static_cast<std::size_t>(rows); ++r) {
    const float* grad = dy + r * width;
    const float* normalised = xhat + r * width;
    // 1. the parameters' gradients and dxhat = dy ⊙ gain, with Σ dxhat and Σ dxhat ⊙ xhat
    f32x4 sum4 = simd::splat(0.0f), weighted4 = simd::splat(0.0f);
    for_each_group(width, [&](std::size_t c, std::size_t count) {
      const f32x4 g = load_n(grad + c, count), h = load_n(normalised + c, count);
      store_n(dgain + c, count, simd::mul_add(g, h, load_n(dgain + c, count)));
      store_n(dbias + c, count, simd::add(load_n(dbias + c, count), g));
      const f32x4 scaled = simd::mul(g, load_n(gain + c, count));
      store_n(dxhat.data() + c, count, scaled);
      sum4 = simd::add(sum4, scaled);
      weighted4 = simd::mul_add(scaled, h, weighted4);
    });
    // 2. dx = rstd (dxhat − mean(dxhat) − xhat · mean(dxhat ⊙ xhat))
    const float inverse_width = 1.0f / static_cast<float>(width);
    const f32x4 mean = simd::splat(simd::horizontal_sum(sum4) * inverse_width);
    const f32x4 weighted_mean = simd::splat(simd::horizontal_sum(weighted4) * inverse_width);
    const f32x4 scale = simd::splat(rstd[r]);
    for_each_group(width, [&](std::size_t c, std::size_t count) {
      const f32x4 centred = simd::sub(simd::sub(load_n(dxhat.data() + c, count), mean),
                                      simd::mul(load_n(normalised + c, count), weighted_mean));
      store_n(dx + r * width + c, count, simd::mul(scale, centred));
    });
  }
}

}  // namespace attention_lab::train::kernels
