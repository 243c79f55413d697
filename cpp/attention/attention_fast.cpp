// Fast float32 multi-head attention: packed GEMMs plus a fused scaled softmax.
//
// x: (seq_len, d_model); context: (context_len, d_model)
// Q: (seq_len, d_model), K, V: (context_len, d_model); head h owns columns
// [h * head_dim, (h + 1) * head_dim) of each.
// weights of head h: (seq_len, context_len), rows sum to 1 (0 for all-masked rows)
#include <algorithm>
#include <cmath>
#include <vector>

#include "attention/attention.h"
#include "attention/gemm.h"
#include "attention/simd4.h"

namespace attention_lab {

namespace simd {
int first_maximum(const float* row, int width) {
  constexpr int kBlock = 16;
  int best_block = -1;
  float best = 0;
  int start = 0;
  for (; start + kBlock <= width; start += kBlock) {
    const f32x4 block = max(max(load(row + start), load(row + start + 4)), max(load(row + start + 8), load(row + start + 12)));
    const float block_max = horizontal_max(block);
    if (best_block < 0 || block_max > best) {
      best = block_max;
      best_block = start;
    }
  }
  int found = -1;
  if (best_block >= 0) {
    for (int j = best_block; j < best_block + kBlock; ++j) {
      if (row[j] == best) {
        found = j;
        break;
      }
    }
  }
  for (int j = start; j < width; ++j) {
    if (found < 0 || row[j] > row[found]) found = j;
  }
  return found < 0 ? 0 : found;
}
}  // namespace simd

namespace {

// Buffers reused across calls so repeated calls of one size allocate nothing.
struct Workspace {
  PackedMatrix keys_t, values;
  std::vector<float> q, k, v, scores;
  std::vector<float> tile_scores, tile_out, accumulated, row_max, row_sum, rescale;  // streaming path
};

// Streaming path tiles: whole micro-kernel row blocks and whole 8-column panels.
constexpr int kQueryTile = 64;
constexpr int kKeyTile = 256;
// Above this many (query, key) pairs, and when the weights are not wanted,
// heads are computed in tiles with an online softmax.
constexpr long long kStreamingAbove = 256LL * 256LL;

Workspace& workspace() {
  static Workspace instance;
  return instance;
}

// The largest of row[0, len), -inf when len is 0. Two vector maxima side by
// side: a scalar loop is one dependent max per key (a third of the streaming
// path's softmax time at S3 before this).
inline float row_maximum(const float* row, int len) {
  using simd::f32x4;
  float result = -INFINITY;
  int j = 0;
  if (len >= 8) {
    f32x4 max_low = simd::load(row), max_high = simd::load(row + 4);
    for (j = 8; j + 8 <= len; j += 8) {
      max_low = simd::max(max_low, simd::load(row + j));
      max_high = simd::max(max_high, simd::load(row + j + 4));
    }
    result = simd::horizontal_max(simd::max(max_low, max_high));
  }
  for (; j < len; ++j) result = std::max(result, row[j]);
  return result;
}

// row[0, visible_len) = exp(row - row_max), returning their sum; keys padded
// in key_padding_mask (indexed like row; may be null) become exactly 0 (the
// vector exp clamps its input, so exp(-inf - max) alone would give ~1e-38).
// row_max must be finite and no smaller than any unpadded entry.
// weighted (may be null) receives sum exp(x)·x over the same entries, x =
// row - row_max clamped at -87 as the exp clamps it: with the sum Z, the row's
// entropy is log Z - weighted / Z. (A padded key adds at most 1.6e-38 · 87 to
// it before being zeroed; that is left in.)
template <bool kWeighted>
__attribute__((noinline)) float exponentiate_row(float* row, int visible_len, float row_max,
                                                 const std::uint8_t* key_padding_mask, float* weighted) {
  using simd::f32x4;
  const f32x4 max_vector = simd::splat(row_max);
  const f32x4 lowest = simd::splat(-87.0f);
  f32x4 total4 = simd::splat(0.0f);
  f32x4 weighted4 = total4;
  int j = 0;
  for (; j + 4 <= visible_len; j += 4) {
    const f32x4 x = simd::sub(simd::load(row + j), max_vector);
    const f32x4 e = simd::exp_nonpositive(x);
    simd::store(row + j, e);
    total4 = simd::add(total4, e);
    if constexpr (kWeighted) weighted4 = simd::mul_add(e, simd::max(x, lowest), weighted4);
  }
  float total = simd::horizontal_sum(total4);
  float weighted_total = simd::horizontal_sum(weighted4);
  for (; j < visible_len; ++j) {
    const float x = row[j] - row_max;
    row[j] = std::exp(x);
    total += row[j];
    if constexpr (kWeighted) weighted_total += row[j] * std::max(x, -87.0f);
  }
  if constexpr (kWeighted) *weighted = weighted_total;
  if (key_padding_mask != nullptr) {
    for (j = 0; j < visible_len; ++j) {
      if (key_padding_mask[j] != 0) {
        total -= row[j];
        row[j] = 0.0f;
      }
    }
  }
  return total;
}

// row: (context_len) raw dot products -> softmax(row * logit_factor) with masked keys at 0.
// visible_len: keys [0, visible_len) may be seen (causal); padding masks any of them.
// entropy (may be null) receives the row's entropy in nats (0 when no key is seen);
// argmax (may be null) the first position of the row's largest weight.
__attribute__((noinline)) void scaled_softmax_row(float* row, int context_len, int visible_len, float logit_factor,
                        const std::uint8_t* key_padding_mask, float* entropy, int* argmax) {
  using simd::f32x4;
  // 1. Scale and mask; masked logits become -inf.
  const float minus_infinity = -INFINITY;
  for (int j = visible_len; j < context_len; ++j) row[j] = 0.0f;
  int j = 0;
  const f32x4 factor = simd::splat(logit_factor);
  for (; j + 4 <= visible_len; j += 4) simd::store(row + j, simd::mul(simd::load(row + j), factor));
  for (; j < visible_len; ++j) row[j] *= logit_factor;
  if (key_padding_mask != nullptr) {
    for (j = 0; j < visible_len; ++j) {
      if (key_padding_mask[j] != 0) row[j] = minus_infinity;
    }
  }
  // 2. Row maximum. A maximum of +inf or NaN, or -inf where some key is
  //    visible, means the scores overflowed float32 (finite inputs whose
  //    products are too large): the row becomes NaN, so the result says so
  //    (check_finite_result) instead of showing weights that are silently wrong.
  const float row_max = row_maximum(row, visible_len);
  bool overflowed = !(row_max < INFINITY);  // +inf or NaN
  if (row_max == minus_infinity) {
    for (j = 0; j < visible_len && !overflowed; ++j) overflowed = key_padding_mask == nullptr || key_padding_mask[j] == 0;
    if (!overflowed) {  // every visible key is padded: no attention at all
      std::fill(row, row + visible_len, 0.0f);
      if (entropy != nullptr) *entropy = 0.0f;
      if (argmax != nullptr) *argmax = 0;
      return;
    }
  }
  if (overflowed) {
    std::fill(row, row + visible_len, NAN);
    if (entropy != nullptr) *entropy = NAN;
    if (argmax != nullptr) *argmax = 0;
    return;
  }
  // 3. exp(logit - max) and the row total (and, when asked, the entropy:
  //    -sum w log w with w = e / Z and log w = x - log Z is log Z - sum e x / Z).
  float weighted = 0.0f;
  const float total = entropy != nullptr
                          ? exponentiate_row<true>(row, visible_len, row_max, key_padding_mask, &weighted)
                          : exponentiate_row<false>(row, visible_len, row_max, key_padding_mask, nullptr);
  if (entropy != nullptr) *entropy = std::max(0.0f, std::log(total) - weighted / total);
  // 4. Normalise.
  const float inverse = 1.0f / total;
  const f32x4 inverse4 = simd::splat(inverse);
  for (j = 0; j + 4 <= visible_len; j += 4) simd::store(row + j, simd::mul(simd::load(row + j), inverse4));
  for (; j < visible_len; ++j) row[j] *= inverse;
  // 5. The strongest link, read while the row is in cache.
  if (argmax != nullptr) *argmax = simd::first_maximum(row, context_len);
}

// One head without materialising its weights (the online softmax of Milakov &
// Gimelshein 2018, as FlashAttention tiles it): for each tile of query rows,
// walk the keys a tile at a time keeping each row's running maximum m, its
// running sum l of exp(logit - m) and its running output o = Σ exp(logit - m)·v;
// when a tile raises m to m', rescale l and o by exp(m - m'). At the end o / l
// is exactly softmax(logits)·V, up to float rounding.
//
// q: Q_h, (seq_len, head_dim) at row stride d_model
// keys_t: K_hᵀ packed, (head_dim, context_len); values: V_h packed, (context_len, head_dim)
// out: (seq_len, head_dim) at row stride d_model; rows that see no key get 0
void streaming_head(const float* q, int seq_len, int context_len, int head_dim, int d_model,
                    const PackedMatrix& keys_t, const PackedMatrix& values, const MhaOptions& options,
                    float logit_factor, float* out, Workspace& work) {
  using simd::f32x4;
  const float minus_infinity = -INFINITY;
  work.tile_scores.resize(static_cast<std::size_t>(kQueryTile) * kKeyTile);
  work.tile_out.resize(static_cast<std::size_t>(kQueryTile) * head_dim);
  work.accumulated.resize(static_cast<std::size_t>(kQueryTile) * head_dim);
  work.row_max.resize(kQueryTile);
  work.row_sum.resize(kQueryTile);
  work.rescale.resize(kQueryTile);
  const std::size_t keys_panel_stride = static_cast<std::size_t>(head_dim) * kPanelWidth;
  const std::size_t values_panel_stride = static_cast<std::size_t>(context_len) * kPanelWidth;
  const f32x4 factor = simd::splat(logit_factor);
  for (int i0 = 0; i0 < seq_len; i0 += kQueryTile) {
    const int rows = std::min(kQueryTile, seq_len - i0);
    std::fill(work.row_max.begin(), work.row_max.end(), minus_infinity);
    std::fill(work.row_sum.begin(), work.row_sum.end(), 0.0f);
    std::fill(work.accumulated.begin(), work.accumulated.end(), 0.0f);
    // causal: the tile's last row sees keys [0, i0 + rows); later key tiles are all masked
    const int keys_seen = options.causal ? std::min(context_len, i0 + rows) : context_len;
    for (int j0 = 0; j0 < keys_seen; j0 += kKeyTile) {
      const int cols = std::min(kKeyTile, keys_seen - j0);
      // 1. Raw scores of this tile: (rows, cols) = Q tile · K_hᵀ[:, j0 : j0 + cols].
      float* scores = work.tile_scores.data();
      gemm_panels(rows, q + static_cast<std::size_t>(i0) * d_model, d_model, head_dim, cols,
                  keys_t.panels.data() + static_cast<std::size_t>(j0 / kPanelWidth) * keys_panel_stride,
                  keys_panel_stride, nullptr, scores, kKeyTile);
      // 2. Per row: scale, mask, update the running maximum and sum; the row becomes exp(logit - m').
      for (int r = 0; r < rows; ++r) {
        float* row = scores + static_cast<std::size_t>(r) * kKeyTile;
        const int visible = options.causal ? std::max(0, std::min(cols, i0 + r + 1 - j0)) : cols;
        int j = 0;
        for (; j + 4 <= visible; j += 4) simd::store(row + j, simd::mul(simd::load(row + j), factor));
        for (; j < visible; ++j) row[j] *= logit_factor;
        if (options.key_padding_mask != nullptr) {
          for (j = 0; j < visible; ++j) {
            if (options.key_padding_mask[j0 + j] != 0) row[j] = minus_infinity;
          }
        }
        const float tile_max = row_maximum(row, visible);
        if (!(tile_max < INFINITY)) {  // overflowed scores (see scaled_softmax_row): make the output NaN
          std::fill(row, row + cols, NAN);
          work.rescale[r] = NAN;
          continue;
        }
        const float old_max = work.row_max[r];
        const float new_max = std::max(old_max, tile_max);
        if (new_max == minus_infinity) {  // nothing seen yet
          work.rescale[r] = 1.0f;
          std::fill(row, row + cols, 0.0f);
          continue;
        }
        work.rescale[r] = old_max == minus_infinity ? 0.0f : std::exp(old_max - new_max);
        const float total = exponentiate_row<false>(
            row, visible, new_max, options.key_padding_mask != nullptr ? options.key_padding_mask + j0 : nullptr, nullptr);
        std::fill(row + visible, row + cols, 0.0f);
        work.row_sum[r] = work.row_sum[r] * work.rescale[r] + total;
        work.row_max[r] = new_max;
      }
      // 3. This tile's share of the output: (rows, head_dim) = P · V_h[j0 : j0 + cols, :].
      gemm_panels(rows, scores, kKeyTile, cols, head_dim,
                  values.panels.data() + static_cast<std::size_t>(j0) * kPanelWidth, values_panel_stride, nullptr,
                  work.tile_out.data(), head_dim);
      // 4. o = o * exp(m - m') + tile share.
      for (int r = 0; r < rows; ++r) {
        float* o = work.accumulated.data() + static_cast<std::size_t>(r) * head_dim;
        const float* add = work.tile_out.data() + static_cast<std::size_t>(r) * head_dim;
        const float rescale = work.rescale[r];
        for (int c = 0; c < head_dim; ++c) o[c] = o[c] * rescale + add[c];
      }
    }
    // 5. Normalise: out = o / l.
    for (int r = 0; r < rows; ++r) {
      const float inverse = work.row_sum[r] > 0.0f ? 1.0f / work.row_sum[r] : 0.0f;
      const float* o = work.accumulated.data() + static_cast<std::size_t>(r) * head_dim;
      float* destination = out + static_cast<std::size_t>(i0 + r) * d_model;
      for (int c = 0; c < head_dim; ++c) destination[c] = o[c] * inverse;
    }
  }
}

}  // namespace

void pack_layer(int d_model, const MhaInputs<float>& weights, PackedLayer& layer) {
  layer.d_model = d_model;
  pack_columns(weights.w_q, d_model, d_model, d_model, layer.w_q);
  pack_columns(weights.w_k, d_model, d_model, d_model, layer.w_k);
  pack_columns(weights.w_v, d_model, d_model, d_model, layer.w_v);
  pack_columns(weights.w_o, d_model, d_model, d_model, layer.w_o);
  auto copy_bias = [d_model](const float* bias, std::vector<float>& out) {
    if (bias != nullptr) {
      out.assign(bias, bias + d_model);
    } else {
      out.clear();
    }
  };
  copy_bias(weights.b_q, layer.b_q);
  copy_bias(weights.b_k, layer.b_k);
  copy_bias(weights.b_v, layer.b_v);
  copy_bias(weights.b_o, layer.b_o);
}

void multi_head_attention(const MhaShape& shape, const MhaOptions& options,
                          const MhaInputs<float>& inputs, const MhaOutputs<float>& outputs) {
  // Packs this call's weights (the cost a prepared layer saves), then runs.
  static PackedLayer layer;
  pack_layer(shape.d_model, inputs, layer);
  multi_head_attention(shape, options, layer, inputs, outputs);
}

void multi_head_attention(const MhaShape& shape, const MhaOptions& options, const PackedLayer& layer,
                          const MhaInputs<float>& inputs, const MhaOutputs<float>& outputs) {
  const int seq_len = shape.seq_len;
  const int context_len = shape.context_len;
  const int d_model = shape.d_model;
  const int num_heads = shape.num_heads;
  const int head_dim = shape.head_dim();
  const float* context = inputs.context != nullptr ? inputs.context : inputs.x;
  const float logit_factor = static_cast<float>(effective_scale(shape, options) / options.temperature);
  Workspace& work = workspace();

  // 1. Project: Q = x·W_Q + b_Q, K = context·W_K + b_K, V = context·W_V + b_V.
  auto bias = [](const std::vector<float>& b) { return b.empty() ? nullptr : b.data(); };
  work.q.resize(static_cast<std::size_t>(seq_len) * d_model);
  work.k.resize(static_cast<std::size_t>(context_len) * d_model);
  work.v.resize(static_cast<std::size_t>(context_len) * d_model);
  gemm_packed(seq_len, inputs.x, d_model, layer.w_q, bias(layer.b_q), work.q.data(), d_model);
  gemm_packed(context_len, context, d_model, layer.w_k, bias(layer.b_k), work.k.data(), d_model);
  gemm_packed(context_len, context, d_model, layer.w_v, bias(layer.b_v), work.v.data(), d_model);

  // Head h's output overwrites Q's columns of head h once they are consumed
  // (all scores of the full path, each query tile of the streaming path):
  // concat shares Q's buffer, one (seq_len, d_model) array less.
  float* const concat = work.q.data();

  const std::size_t head_weights_size = static_cast<std::size_t>(seq_len) * context_len;
  const bool streaming = outputs.attention == nullptr && outputs.row_entropy == nullptr && outputs.row_argmax == nullptr &&
                         (options.softmax == MhaOptions::Softmax::streaming ||
                          (options.softmax == MhaOptions::Softmax::automatic &&
                           static_cast<long long>(seq_len) * context_len > kStreamingAbove));
  if (outputs.attention == nullptr && !streaming) work.scores.resize(head_weights_size);

  for (int h = 0; h < num_heads; ++h) {
    const int column0 = h * head_dim;
    pack_columns_transposed(work.k.data() + column0, head_dim, context_len, d_model, work.keys_t);
    pack_columns(work.v.data() + column0, context_len, head_dim, d_model, work.values);
    if (streaming) {
      // 2-4. Tiles with an online softmax: no (seq_len, context_len) buffer.
      streaming_head(work.q.data() + column0, seq_len, context_len, head_dim, d_model, work.keys_t, work.values,
                     options, logit_factor, concat + column0, work);
    } else {
      float* scores = outputs.attention != nullptr ? outputs.attention + h * head_weights_size
                                                   : work.scores.data();
      // 2. scores (seq_len, context_len) = Q_h · K_hᵀ.
      gemm_packed(seq_len, work.q.data() + column0, d_model, work.keys_t, nullptr, scores, context_len);
      // 3. Fused scale, mask and softmax, row by row.
      float* entropy = outputs.row_entropy != nullptr ? outputs.row_entropy + static_cast<std::size_t>(h) * seq_len : nullptr;
      int* argmax = outputs.row_argmax != nullptr ? outputs.row_argmax + static_cast<std::size_t>(h) * seq_len : nullptr;
      for (int i = 0; i < seq_len; ++i) {
        const int visible_len = options.causal ? std::min(context_len, i + 1) : context_len;
        scaled_softmax_row(scores + static_cast<std::size_t>(i) * context_len, context_len, visible_len, logit_factor,
                           options.key_padding_mask, entropy != nullptr ? entropy + i : nullptr,
                           argmax != nullptr ? argmax + i : nullptr);
      }
      // 4. head output (seq_len, head_dim) = weights · V_h, written into its concat columns.
      gemm_packed(seq_len, scores, context_len, work.values, nullptr, concat + column0,
                  d_model);
    }
    if (outputs.head_outputs != nullptr) {
      float* head_out = outputs.head_outputs + static_cast<std::size_t>(h) * seq_len * head_dim;
      for (int i = 0; i < seq_len; ++i) {
        const float* source = concat + static_cast<std::size_t>(i) * d_model + column0;
        std::copy(source, source + head_dim, head_out + static_cast<std::size_t>(i) * head_dim);
      }
    }
    const float factor = static_cast<float>(head_factor(options, h));
    if (factor != 1.0f) {
      // ablated (0) or gated: its weights and own output stay as they are; W_O sees the scaled output
      for (int i = 0; i < seq_len; ++i) {
        float* row = concat + static_cast<std::size_t>(i) * d_model + column0;
        for (int c = 0; c < head_dim; ++c) row[c] *= factor;
      }
    }
  }

  // 5. output = concat · W_O + b_O.
  gemm_packed(seq_len, concat, d_model, layer.w_o, bias(layer.b_o), outputs.output, d_model);
}

}  // namespace attention_lab
