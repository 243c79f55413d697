// The one-shot float32 call's packed weights, kept for the next call: when
// the same weights come again (the widget's experiments, a user calling the
// documented API in a loop) they are compared, not copied, re-packed nor
// re-checked. The comparison is of every bit of the four matrices and the
// biases, so an array changed in place, by one element, is never served stale.
//
// How a call is checked (the caller, engine-core.js, drives steps 1-2 for the
// call it is about to make, in the same synchronous turn):
//   1. begin_check(d_model): is anything of this width kept? The scratch
//      buffer holds whole rows, as many as fit in 32,768 floats (128 KB: it
//      stays in the core's cache), at least one; it is sized when weights are
//      kept, so a check allocates nothing.
//   2. For each matrix in turn (0..3: W_Q, W_K, W_V, W_O), rows in order:
//      the caller copies some rows into scratch() and asks check_rows.
//   3. The call itself takes the check (take_check, then same_biases): the
//      kept weights serve it only when every row of all four matrices was
//      found equal and the biases equal the kept ones. The check is used up
//      either way, so a later call starts from nothing.
//
// The rows are compared with the packed panels themselves (packing only
// reorders values), not with a kept raw copy: that copy was d_model² floats a
// matrix more to keep and read, and reading the panels warms them for the
// products that follow.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "attention/attention.h"
#include "attention/gemm.h"

namespace attention_lab {

class OneShotCache {
 public:
  static constexpr std::size_t kChunkFloats = 32768;

  // 1. Starts checking weights of width d against the kept ones.
  bool begin_check(int d) {
    checking_ = valid_ && d == d_model_;
    rows_checked_.fill(0);
    return checking_;
  }

  float* scratch() { return scratch_.data(); }
  std::size_t scratch_floats() const { return scratch_.size(); }

  // 2. Rows [first_row, first_row + row_count) of one matrix are in scratch():
  // the same bits as kept? Rows must come in order, each matrix from row 0; a
  // mismatch or anything out of order ends the check (the call then packs).
  bool check_rows(int matrix, int first_row, int row_count) {
    if (!checking_ || matrix < 0 || matrix > 3 || row_count <= 0 || first_row != rows_checked_[matrix] ||
        static_cast<std::size_t>(row_count) * static_cast<std::size_t>(d_model_) > scratch_.size() ||
        first_row + row_count > d_model_) {
      checking_ = false;
      return false;
    }
    const PackedMatrix* matrices[] = {&packed.w_q, &packed.w_k, &packed.w_v, &packed.w_o};
    if (!packed_rows_equal(*matrices[matrix], scratch_.data(), first_row, row_count, d_model_)) {
      checking_ = false;
      return false;
    }
    rows_checked_[matrix] += row_count;
    return true;
  }

  // 3. The call takes the check first thing, whatever follows: were all four
  // matrices found equal, every row? Then, with its arguments read (d_model
  // and the matrices' lengths checked, the biases copied in), it asks
  // same_biases. The check is used up: the next call starts from nothing.
  bool take_check() {
    const bool whole = checking_ && std::all_of(rows_checked_.begin(), rows_checked_.end(),
                                                [this](int rows) { return rows == d_model_; });
    checking_ = false;
    rows_checked_.fill(0);
    return whole;
  }

  bool same_biases(int d, const MhaInputs<float>& in) const {
    const std::size_t row = static_cast<std::size_t>(d);
    return valid_ && d == d_model_ && same(packed.b_q, in.b_q, row) && same(packed.b_k, in.b_k, row) &&
           same(packed.b_v, in.b_v, row) && same(packed.b_o, in.b_o, row);
  }

  // Packs in's weights (all copied in, all checked) and keeps them.
  void store(int d, const MhaInputs<float>& in) {
    pack_layer(d, in, packed);
    // the scratch for checking the next call: whole rows, at least one (allocated here, so a check never allocates)
    const std::size_t width = static_cast<std::size_t>(d);
    scratch_.resize(std::max(kChunkFloats / width, std::size_t{1}) * width);
    d_model_ = d;
    valid_ = true;
  }

  PackedLayer packed;

 private:
  bool valid_ = false;
  bool checking_ = false;
  int d_model_ = 0;
  std::array<int, 4> rows_checked_{};
  std::vector<float> scratch_;

  // A kept bias (empty: none) against the call's (nullptr: none), bit for bit.
  static bool same(const std::vector<float>& kept, const float* values, std::size_t count) {
    if (values == nullptr) return kept.empty();
    if (kept.size() != count) return false;
    return std::equal(kept.begin(), kept.end(), values, [](float a, float b) {
      std::uint32_t x, y;
      std::memcpy(&x, &a, sizeof x);
      std::memcpy(&y, &b, sizeof y);
      return x == y;
    });
  }
};

}  // namespace attention_lab
