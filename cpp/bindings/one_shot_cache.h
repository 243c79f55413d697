// The one-shot float32 call's packed weights, kept for the next call: when
// the same weights come again (the widget's experiments, a user calling the
// documented API in a loop) they are compared, not copied, re-packed nor
// re-checked. The comparison is of every bit of the four matrices and the
// biases, so an array changed in place, by one element, is never served stale.
//
// Why chunks: a matrix is read from JavaScript 32,768 floats (128 KB) at a
// time into one small buffer that stays in the core's cache, and compared
// there with the kept copy. Copying a whole matrix in first and comparing it
// after moved every byte through memory twice more: S2's four matrices are
// 4 MB, and that traffic was a third of a one-shot call.
#pragma once

#include <emscripten/val.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#include "attention/attention.h"
#include "attention/gemm.h"

namespace attention_lab {

class OneShotCache {
 public:
  PackedLayer packed;

  // Are args' four matrices (not yet copied in) and the copied biases in the
  // bit for bit those kept? d_model and the arrays' lengths are checked already.
  bool matches(int d, const emscripten::val& args, const MhaInputs<float>& in) {
    if (!valid_ || d_model_ != d) return false;
    const std::size_t square = static_cast<std::size_t>(d) * d, row = static_cast<std::size_t>(d);
    if (!same(b_q_, in.b_q, row) || !same(b_k_, in.b_k, row) || !same(b_v_, in.b_v, row) || !same(b_o_, in.b_o, row)) {
      return false;
    }
    return same_as_js(w_q_, args["wq"], square) && same_as_js(w_k_, args["wk"], square) &&
           same_as_js(w_v_, args["wv"], square) && same_as_js(w_o_, args["wo"], square);
  }

  // Keeps in's weights (all copied in, all checked) and packs them.
  void store(int d, const MhaInputs<float>& in) {
    const std::size_t square = static_cast<std::size_t>(d) * d, row = static_cast<std::size_t>(d);
    auto keep = [](std::vector<float>& kept, const float* values, std::size_t count) {
      if (values == nullptr) kept.clear(); else kept.assign(values, values + count);
    };
    keep(w_q_, in.w_q, square); keep(w_k_, in.w_k, square); keep(w_v_, in.w_v, square); keep(w_o_, in.w_o, square);
    keep(b_q_, in.b_q, row); keep(b_k_, in.b_k, row); keep(b_v_, in.b_v, row); keep(b_o_, in.b_o, row);
    pack_layer(d, in, packed);
    d_model_ = d;
    valid_ = true;
  }

 private:
  static constexpr std::size_t kChunk = 32768;

  bool valid_ = false;
  int d_model_ = 0;
  std::vector<float> w_q_, w_k_, w_v_, w_o_, b_q_, b_k_, b_v_, b_o_;  // the raw weights packed; biases empty when absent
  alignas(16) float chunk_[kChunk];  // where a piece of a JavaScript array is compared (static storage: no allocation)

  // A JavaScript array (typed, or plain numbers) against the kept copy, chunk by chunk.
  bool same_as_js(const std::vector<float>& kept, const emscripten::val& source, std::size_t count) {
    if (kept.size() != count) return false;
    if (count <= kChunk) {  // one chunk: the whole array, with no subarray to make (S1's four are 4,096 floats)
      emscripten::val(emscripten::typed_memory_view(count, chunk_)).call<void>("set", source);
      return same(kept, 0, chunk_, count);
    }
    const bool is_view = emscripten::val::global("ArrayBuffer").call<bool>("isView", source);
    for (std::size_t begin = 0; begin < count; begin += kChunk) {
      const std::size_t length = std::min(kChunk, count - begin);
      const emscripten::val part = is_view ? source.call<emscripten::val>("subarray", begin, begin + length)
                                           : source.call<emscripten::val>("slice", begin, begin + length);
      emscripten::val(emscripten::typed_memory_view(length, chunk_)).call<void>("set", part);
      if (!same(kept, begin, chunk_, length)) return false;
    }
    return true;
  }

  static bool same(const std::vector<float>& kept, const float* values, std::size_t count) {
    if (values == nullptr) return kept.empty();
    return kept.size() == count && same(kept, 0, values, count);
  }

  // Bit for bit (-0 and 0 differ, as they may in a product), 16 bytes at a
  // time with SIMD128 (the bindings are built -Os, which would leave a plain
  // loop scalar).
  static bool same(const std::vector<float>& kept, std::size_t offset, const float* values, std::size_t count) {
    const float* ours = kept.data() + offset;
    std::size_t i = 0;
#ifdef __wasm_simd128__
    v128_t difference = wasm_i32x4_splat(0);
    for (; i + 16 <= count; i += 16) {
      for (std::size_t lane = 0; lane < 16; lane += 4) {
        difference = wasm_v128_or(difference, wasm_v128_xor(wasm_v128_load(ours + i + lane), wasm_v128_load(values + i + lane)));
      }
    }
    if (wasm_v128_any_true(difference)) return false;
#endif
    std::uint32_t scalar_difference = 0;
    for (; i < count; ++i) {
      std::uint32_t a, b;
      std::memcpy(&a, ours + i, sizeof a);
      std::memcpy(&b, values + i, sizeof b);
      scalar_difference |= a ^ b;
    }
    return scalar_difference == 0;
  }
};

}  // namespace attention_lab
