// Four-lane float vectors with one spelling for every target:
//   WebAssembly: wasm_simd128.h (f32x4 instructions, needs -msimd128)
//   x86-64:      SSE2 intrinsics (so the native tests run the same kernel code)
//   elsewhere:   plain scalar lanes
// Only what the kernels need is here: load/store, arithmetic, min/max, a 4 x 4
// transpose, the pieces of a vector exp (round to integer, build 2^n), and
// the first maximum of a row.
#pragma once

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define ATTENTION_LAB_SIMD "wasm_simd128"
#elif defined(__SSE2__)
#include <emmintrin.h>
#define ATTENTION_LAB_SIMD "sse2"
#else
#include <cmath>
#define ATTENTION_LAB_SIMD "scalar"
#endif

namespace attention_lab::simd {

#if defined(__wasm_simd128__)

using f32x4 = v128_t;
inline f32x4 load(const float* p) { return wasm_v128_load(p); }
inline void store(float* p, f32x4 v) { wasm_v128_store(p, v); }
inline f32x4 splat(float x) { return wasm_f32x4_splat(x); }
inline f32x4 add(f32x4 a, f32x4 b) { return wasm_f32x4_add(a, b); }
inline f32x4 sub(f32x4 a, f32x4 b) { return wasm_f32x4_sub(a, b); }
inline f32x4 mul(f32x4 a, f32x4 b) { return wasm_f32x4_mul(a, b); }
inline f32x4 div(f32x4 a, f32x4 b) { return wasm_f32x4_div(a, b); }
inline f32x4 max(f32x4 a, f32x4 b) { return wasm_f32x4_pmax(a, b); }
inline f32x4 min(f32x4 a, f32x4 b) { return wasm_f32x4_pmin(a, b); }
// 2^n for each lane, n = round(v); v must lie in [-126, 127].
inline f32x4 exp2_of_rounded(f32x4 v) {
  v128_t n = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(v));
  return wasm_i32x4_shl(wasm_i32x4_add(n, wasm_i32x4_splat(127)), 23);
}
inline f32x4 round_nearest(f32x4 v) { return wasm_f32x4_nearest(v); }
inline float lane(f32x4 v, int i) {
  switch (i) {
    case 0: return wasm_f32x4_extract_lane(v, 0);
    case 1: return wasm_f32x4_extract_lane(v, 1);
    case 2: return wasm_f32x4_extract_lane(v, 2);
    default: return wasm_f32x4_extract_lane(v, 3);
  }
}

// Transposes the 4 x 4 matrix whose rows are a, b, c, d.
inline void transpose4(f32x4& a, f32x4& b, f32x4& c, f32x4& d) {
  const v128_t ab_low = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), ab_high = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
  const v128_t cd_low = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), cd_high = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
  a = wasm_i32x4_shuffle(ab_low, cd_low, 0, 1, 4, 5);
  b = wasm_i32x4_shuffle(ab_low, cd_low, 2, 3, 6, 7);
  c = wasm_i32x4_shuffle(ab_high, cd_high, 0, 1, 4, 5);
  d = wasm_i32x4_shuffle(ab_high, cd_high, 2, 3, 6, 7);
}

#elif defined(__SSE2__)

using f32x4 = __m128;
inline f32x4 load(const float* p) { return _mm_loadu_ps(p); }
inline void store(float* p, f32x4 v) { _mm_storeu_ps(p, v); }
inline f32x4 splat(float x) { return _mm_set1_ps(x); }
inline f32x4 add(f32x4 a, f32x4 b) { return _mm_add_ps(a, b); }
inline f32x4 sub(f32x4 a, f32x4 b) { return _mm_sub_ps(a, b); }
inline f32x4 mul(f32x4 a, f32x4 b) { return _mm_mul_ps(a, b); }
inline f32x4 div(f32x4 a, f32x4 b) { return _mm_div_ps(a, b); }
inline f32x4 max(f32x4 a, f32x4 b) { return _mm_max_ps(a, b); }
inline f32x4 min(f32x4 a, f32x4 b) { return _mm_min_ps(a, b); }
inline f32x4 exp2_of_rounded(f32x4 v) {
  __m128i n = _mm_cvtps_epi32(v);  // rounds to nearest (default MXCSR mode)
  return _mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(n, _mm_set1_epi32(127)), 23));
}
inline f32x4 round_nearest(f32x4 v) { return _mm_cvtepi32_ps(_mm_cvtps_epi32(v)); }
inline float lane(f32x4 v, int i) {
  alignas(16) float lanes[4];
  _mm_store_ps(lanes, v);
  return lanes[i];
}
inline void transpose4(f32x4& a, f32x4& b, f32x4& c, f32x4& d) { _MM_TRANSPOSE4_PS(a, b, c, d); }

#else

struct f32x4 {
  float v[4];
};
inline f32x4 load(const float* p) { return {{p[0], p[1], p[2], p[3]}}; }
inline void store(float* p, f32x4 a) {
  for (int i = 0; i < 4; ++i) p[i] = a.v[i];
}
inline f32x4 splat(float x) { return {{x, x, x, x}}; }
#define ATTENTION_LAB_LANEWISE(name, expr)                 \
  inline f32x4 name(f32x4 a, f32x4 b) {                    \
    f32x4 r;                                               \
    for (int i = 0; i < 4; ++i) r.v[i] = (expr);           \
    return r;                                              \
  }
ATTENTION_LAB_LANEWISE(add, a.v[i] + b.v[i])
ATTENTION_LAB_LANEWISE(sub, a.v[i] - b.v[i])
ATTENTION_LAB_LANEWISE(mul, a.v[i] * b.v[i])
ATTENTION_LAB_LANEWISE(div, a.v[i] / b.v[i])
ATTENTION_LAB_LANEWISE(max, a.v[i] < b.v[i] ? b.v[i] : a.v[i])
ATTENTION_LAB_LANEWISE(min, b.v[i] < a.v[i] ? b.v[i] : a.v[i])
#undef ATTENTION_LAB_LANEWISE
inline f32x4 round_nearest(f32x4 a) {
  f32x4 r;
  for (int i = 0; i < 4; ++i) r.v[i] = std::nearbyint(a.v[i]);
  return r;
}
inline f32x4 exp2_of_rounded(f32x4 a) {
  f32x4 r;
  for (int i = 0; i < 4; ++i) r.v[i] = std::ldexp(1.0f, static_cast<int>(std::nearbyint(a.v[i])));
  return r;
}
inline float lane(f32x4 a, int i) { return a.v[i]; }
inline void transpose4(f32x4& a, f32x4& b, f32x4& c, f32x4& d) {
  f32x4* rows[4] = {&a, &b, &c, &d};
  for (int i = 0; i < 4; ++i) {
    for (int j = i + 1; j < 4; ++j) {
      const float t = rows[i]->v[j];
      rows[i]->v[j] = rows[j]->v[i];
      rows[j]->v[i] = t;
    }
  }
}

#endif

inline f32x4 mul_add(f32x4 a, f32x4 b, f32x4 c) { return add(mul(a, b), c); }

inline float horizontal_sum(f32x4 v) { return (lane(v, 0) + lane(v, 1)) + (lane(v, 2) + lane(v, 3)); }
inline float horizontal_max(f32x4 v) {
  float m01 = lane(v, 0) > lane(v, 1) ? lane(v, 0) : lane(v, 1);
  float m23 = lane(v, 2) > lane(v, 3) ? lane(v, 2) : lane(v, 3);
  return m01 > m23 ? m01 : m23;
}

// e^x for x <= 0 (softmax after the row maximum is subtracted), relative error
// below 2e-7 down to x = -87; smaller x flush to about 1.6e-38. (It stays
// right up to x = 88, where 2^n is still a normal float: exp_clamped.)
//   1. clamp x below at -87
//   2. split x = n·ln2 + r with n = round(x / ln2), |r| <= ln2 / 2
//      (ln2 in two parts so n·ln2 is exact enough)
//   3. e^r by its Taylor polynomial to degree 7 (Horner form)
//   4. scale by 2^n, built directly in the exponent bits
inline f32x4 exp_nonpositive(f32x4 x) {
  x = max(x, splat(-87.0f));
  const f32x4 n = round_nearest(mul(x, splat(1.44269504088896341f)));
  f32x4 r = sub(x, mul(n, splat(0.693145751953125f)));
  r = sub(r, mul(n, splat(1.4286068203094173e-06f)));
  f32x4 p = splat(1.0f / 5040.0f);
  p = mul_add(p, r, splat(1.0f / 720.0f));
  p = mul_add(p, r, splat(1.0f / 120.0f));
  p = mul_add(p, r, splat(1.0f / 24.0f));
  p = mul_add(p, r, splat(1.0f / 6.0f));
  p = mul_add(p, r, splat(0.5f));
  p = mul_add(p, r, splat(1.0f));
  p = mul_add(p, r, splat(1.0f));
  return mul(p, exp2_of_rounded(n));
}

// e^x for any x: clamped to [-87, 88] first, the range where exp_nonpositive's
// 2^n stays a normal float (e^88 is about 1.65e38).
inline f32x4 exp_clamped(f32x4 x) { return exp_nonpositive(min(x, splat(88.0f))); }

// The first position of the largest of row[0, width) (0 for an empty row):
// 1. the maximum of each block of 16, four lanes at a time, keeping the first
// block that holds the largest; 2. the first position in that block holding
// it; 3. the tail past the last whole block. The same first maximum as a plain
// scan for finite rows (a long text's row is 1,024 weights, 8 heads x 1,024
// rows per keystroke). Defined once, in attention_fast.cpp.
int first_maximum(const float* row, int width);

}  // namespace attention_lab::simd
