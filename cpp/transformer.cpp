#include "transformer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "attention.h"
#include "gemm.h"
#include "seeded_model.h"
#include "simd4.h"

namespace attention_lab {

// ---- parameters ---------------------------------------------------------------

template <typename Real>
void TransformerParams<Real>::allocate(const TransformerConfig& c) {
  config = c;
  const std::size_t d = c.d_model, ff = c.d_ff;
  token_embedding.assign(static_cast<std::size_t>(c.vocab_size) * d, Real(0));
  position_embedding.assign(static_cast<std::size_t>(c.max_len) * d, Real(0));
  layers.assign(static_cast<std::size_t>(c.num_layers), TransformerLayer<Real>{});
  for (TransformerLayer<Real>& layer : layers) {
    for (auto* v : {&layer.ln1_gain, &layer.ln1_bias, &layer.b_q, &layer.b_k, &layer.b_v, &layer.b_o,
                    &layer.ln2_gain, &layer.ln2_bias, &layer.b_2}) {
      v->assign(d, Real(0));
    }
    for (auto* w : {&layer.w_q, &layer.w_k, &layer.w_v, &layer.w_o}) w->assign(d * d, Real(0));
    layer.w_1.assign(d * ff, Real(0));
    layer.b_1.assign(ff, Real(0));
    layer.w_2.assign(ff * d, Real(0));
  }
  final_gain.assign(d, Real(0));
  final_bias.assign(d, Real(0));
  output_bias.assign(static_cast<std::size_t>(c.vocab_size), Real(0));
}

std::size_t parameter_count(const TransformerConfig& c) {
  const std::size_t d = static_cast<std::size_t>(c.d_model), ff = static_cast<std::size_t>(c.d_ff);
  const std::size_t per_layer = 9 * d + 4 * d * d + d * ff + ff + ff * d;  // as allocate() lays a layer out
  return static_cast<std::size_t>(c.vocab_size) * d + static_cast<std::size_t>(c.max_len) * d +
         static_cast<std::size_t>(c.num_layers) * per_layer + 2 * d + static_cast<std::size_t>(c.vocab_size);
}

template <typename Real>
void TransformerParams<Real>::for_each(
    const std::function<void(const std::string&, std::vector<Real>&)>& visit) {
  visit("token_embedding", token_embedding);
  visit("position_embedding", position_embedding);
  for (std::size_t l = 0; l < layers.size(); ++l) {
    TransformerLayer<Real>& layer = layers[l];
    const std::string p = "layer" + std::to_string(l) + ".";
    visit(p + "ln1_gain", layer.ln1_gain);
    visit(p + "ln1_bias", layer.ln1_bias);
    visit(p + "w_q", layer.w_q);
    visit(p + "w_k", layer.w_k);
    visit(p + "w_v", layer.w_v);
    visit(p + "w_o", layer.w_o);
    visit(p + "b_q", layer.b_q);
    visit(p + "b_k", layer.b_k);
    visit(p + "b_v", layer.b_v);
    visit(p + "b_o", layer.b_o);
    visit(p + "ln2_gain", layer.ln2_gain);
    visit(p + "ln2_bias", layer.ln2_bias);
    visit(p + "w_1", layer.w_1);
    visit(p + "b_1", layer.b_1);
    visit(p + "w_2", layer.w_2);
    visit(p + "b_2", layer.b_2);
  }
  visit("final_gain", final_gain);
  visit("final_bias", final_bias);
  visit("output_bias", output_bias);
}

template <typename Real>
std::size_t TransformerParams<Real>::parameter_count() {
  std::size_t total = 0;
  for_each([&](const std::string&, std::vector<Real>& tensor) { total += tensor.size(); });
  return total;
}

template struct TransformerParams<float>;
template struct TransformerParams<double>;

// ---- initialisation -------------------------------------------------------------

void initialise_transformer(TransformerParams<float>& params, std::uint64_t seed, float std) {
  SeededGenerator random(seed);
  // sum of four uniforms in [-1, 1): variance 4/3, close to normal
  const float normaliser = std / std::sqrt(4.0f / 3.0f);
  auto fill = [&](std::vector<float>& tensor, float scale) {
    for (float& value : tensor) {
      float sum = 0.0f;  // one draw per statement: the order is fixed on every compiler
      for (int k = 0; k < 4; ++k) sum += random.symmetric_unit();
      value = scale * normaliser * sum;
    }
  };
  const float residual_scale = 1.0f / std::sqrt(2.0f * static_cast<float>(params.config.num_layers));
  fill(params.token_embedding, 1.0f);
  fill(params.position_embedding, 1.0f);
  for (TransformerLayer<float>& layer : params.layers) {
    for (auto* w : {&layer.w_q, &layer.w_k, &layer.w_v, &layer.w_1}) fill(*w, 1.0f);
    for (auto* w : {&layer.w_o, &layer.w_2}) fill(*w, residual_scale);
    std::fill(layer.ln1_gain.begin(), layer.ln1_gain.end(), 1.0f);
    std::fill(layer.ln2_gain.begin(), layer.ln2_gain.end(), 1.0f);
  }
  std::fill(params.final_gain.begin(), params.final_gain.end(), 1.0f);
}

// ---- float16 and CRC-32 ---------------------------------------------------------

std::uint16_t float_to_half(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, 4);
  const std::uint32_t sign = (bits >> 16) & 0x8000u;
  const std::int32_t exponent = static_cast<std::int32_t>((bits >> 23) & 0xFF) - 127 + 15;
  std::uint32_t mantissa = bits & 0x7FFFFFu;
  if (((bits >> 23) & 0xFF) == 0xFF) return static_cast<std::uint16_t>(sign | 0x7C00u | (mantissa ? 0x200u : 0));
  if (exponent >= 31) return static_cast<std::uint16_t>(sign | 0x7C00u);  // overflow -> inf
  if (exponent <= 0) {  // subnormal half or zero
    if (exponent < -10) return static_cast<std::uint16_t>(sign);
    mantissa |= 0x800000u;
    const int shift = 14 - exponent;
    std::uint32_t half_mantissa = mantissa >> shift;
    const std::uint32_t remainder = mantissa & ((1u << shift) - 1);
    const std::uint32_t halfway = 1u << (shift - 1);
    if (remainder > halfway || (remainder == halfway && (half_mantissa & 1u))) ++half_mantissa;
    return static_cast<std::uint16_t>(sign | half_mantissa);
  }
  std::uint32_t half = sign | (static_cast<std::uint32_t>(exponent) << 10) | (mantissa >> 13);
  const std::uint32_t remainder = mantissa & 0x1FFFu;
  if (remainder > 0x1000u || (remainder == 0x1000u && (half & 1u))) ++half;  // round to nearest even
  return static_cast<std::uint16_t>(half);
}

float half_to_float(std::uint16_t half) {
  const std::uint32_t sign = static_cast<std::uint32_t>(half & 0x8000u) << 16;
  const std::uint32_t exponent = (half >> 10) & 0x1Fu;
  std::uint32_t mantissa = half & 0x3FFu;
  std::uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do {
        ++e;
        mantissa <<= 1;
      } while ((mantissa & 0x400u) == 0);
      bits = sign | (static_cast<std::uint32_t>(127 - 15 - e) << 23) | ((mantissa & 0x3FFu) << 13);
    }
  } else if (exponent == 31) {
    bits = sign | 0x7F800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}

std::uint32_t crc32(const std::uint8_t* bytes, std::size_t size) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < size; ++i) {
    crc ^= bytes[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// ---- model file -------------------------------------------------------------------

namespace {

constexpr char kMagic[8] = {'A', 'T', 'T', 'N', 'L', 'A', 'B', '1'};

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

void put_text(std::vector<std::uint8_t>& out, const std::string& text) {
  put_u32(out, static_cast<std::uint32_t>(text.size()));
  out.insert(out.end(), text.begin(), text.end());
}

class Reader {
 public:
  Reader(const std::uint8_t* bytes, std::size_t size) : bytes_(bytes), size_(size) {}
  bool u32(std::uint32_t& value) {
    if (size_ - position_ < 4) return false;
    value = 0;
    for (int i = 0; i < 4; ++i) value |= static_cast<std::uint32_t>(bytes_[position_ + i]) << (8 * i);
    position_ += 4;
    return true;
  }
  bool take(std::size_t count, const std::uint8_t*& start) {
    if (size_ - position_ < count) return false;
    start = bytes_ + position_;
    position_ += count;
    return true;
  }
  std::size_t position() const { return position_; }

 private:
  const std::uint8_t* bytes_;
  std::size_t size_;
  std::size_t position_ = 0;
};

}  // namespace

std::vector<std::uint8_t> save_model(TransformerParams<float>& params, const Vocabulary& vocabulary,
                                     const std::string& metadata_json) {
  std::vector<std::uint8_t> out(kMagic, kMagic + 8);
  put_u32(out, kModelFormatVersion);
  const TransformerConfig& c = params.config;
  for (int field : {c.vocab_size, c.d_model, c.num_heads, c.num_layers, c.d_ff, c.max_len}) {
    put_u32(out, static_cast<std::uint32_t>(field));
  }
  std::string joined;
  for (int i = 0; i < vocabulary.size(); ++i) {
    if (i) joined += '\n';
    joined += vocabulary.word(i);
  }
  put_text(out, joined);
  put_text(out, metadata_json);
  std::uint32_t tensors = 0;
  params.for_each([&](const std::string&, std::vector<float>&) { ++tensors; });
  put_u32(out, tensors);
  params.for_each([&](const std::string&, std::vector<float>& tensor) {
    put_u32(out, static_cast<std::uint32_t>(tensor.size()));
    for (float value : tensor) {
      const std::uint16_t half = float_to_half(value);
      out.push_back(static_cast<std::uint8_t>(half & 0xFF));
      out.push_back(static_cast<std::uint8_t>(half >> 8));
    }
  });
  put_u32(out, crc32(out.data(), out.size()));
  return out;
}

std::string load_model(const std::uint8_t* bytes, std::size_t size, LoadedModel& model) {
  if (bytes == nullptr || size < 12) return "model file is empty or far too short to be a model";
  if (std::memcmp(bytes, kMagic, 8) != 0) return "this is not an attention-lab model file (wrong magic bytes)";
  Reader reader(bytes, size);
  const std::uint8_t* skip;
  reader.take(8, skip);
  std::uint32_t version = 0;
  reader.u32(version);
  if (version != kModelFormatVersion) {
    return "model file format version " + std::to_string(version) + " is not supported (this engine reads version " +
           std::to_string(kModelFormatVersion) + ")";
  }
  if (size < 16) return "model file is truncated (no checksum)";
  std::uint32_t stored_crc = 0;
  for (int i = 0; i < 4; ++i) stored_crc |= static_cast<std::uint32_t>(bytes[size - 4 + i]) << (8 * i);
  std::uint32_t fields[6];
  for (std::uint32_t& field : fields) {
    if (!reader.u32(field)) return "model file is truncated in its header";
  }
  TransformerConfig c{static_cast<int>(fields[0]), static_cast<int>(fields[1]), static_cast<int>(fields[2]),
                      static_cast<int>(fields[3]), static_cast<int>(fields[4]), static_cast<int>(fields[5])};
  const bool sane = fields[0] >= 4 && fields[0] <= 100000 && fields[1] >= 1 && fields[1] <= 2048 &&
                    fields[2] >= 1 && fields[2] <= 64 && fields[1] % fields[2] == 0 && fields[3] >= 1 &&
                    fields[3] <= 48 && fields[4] >= 1 && fields[4] <= 16384 && fields[5] >= 1 && fields[5] <= 8192;
  if (!sane) return "model file header has impossible sizes (corrupted?)";
  // every parameter takes 2 bytes (float16): a header promising more than the
  // file holds is refused before anything is allocated for it
  if (parameter_count(c) > size / 2) {
    return "model file is too short for the sizes in its header (" + std::to_string(parameter_count(c)) +
           " parameters; corrupted or truncated?)";
  }
  if (crc32(bytes, size - 4) != stored_crc) {
    return "model file is corrupted or truncated (checksum mismatch)";
  }
  std::uint32_t length = 0;
  const std::uint8_t* text = nullptr;
  if (!reader.u32(length) || !reader.take(length, text)) return "model file is truncated in its vocabulary";
  std::vector<std::string> words;
  std::string current;
  for (std::uint32_t i = 0; i < length; ++i) {
    if (text[i] == '\n') {
      words.push_back(current);
      current.clear();
    } else {
      current += static_cast<char>(text[i]);
    }
  }
  words.push_back(current);
  if (words.size() != fields[0]) return "model file vocabulary size does not match its header";
  for (int i = 0; i < 3; ++i) {
    if (words[static_cast<std::size_t>(i)] != Vocabulary::kSpecial[i]) return "model file vocabulary lacks <pad> <unk> <mask>";
  }
  if (!reader.u32(length) || !reader.take(length, text)) return "model file is truncated in its metadata";
  model.metadata_json.assign(reinterpret_cast<const char*>(text), length);
  model.params.allocate(c);
  std::uint32_t tensor_count = 0;
  if (!reader.u32(tensor_count)) return "model file is truncated before its tensors";
  std::uint32_t expected_count = 0;
  model.params.for_each([&](const std::string&, std::vector<float>&) { ++expected_count; });
  if (tensor_count != expected_count) return "model file has the wrong number of tensors for its configuration";
  std::string problem;
  model.params.for_each([&](const std::string& name, std::vector<float>& tensor) {
    if (!problem.empty()) return;
    std::uint32_t count = 0;
    const std::uint8_t* data = nullptr;
    if (!reader.u32(count) || count != tensor.size()) {
      problem = "model file tensor " + name + " has the wrong size";
      return;
    }
    if (!reader.take(static_cast<std::size_t>(count) * 2, data)) {
      problem = "model file is truncated in tensor " + name;
      return;
    }
    for (std::uint32_t i = 0; i < count; ++i) {
      const float value = half_to_float(static_cast<std::uint16_t>(data[2 * i] | (data[2 * i + 1] << 8)));
      if (!std::isfinite(value)) {
        problem = "model file tensor " + name + " contains a non-finite value";
        return;
      }
      tensor[i] = value;
    }
  });
  if (!problem.empty()) return problem;
  if (reader.position() != size - 4) return "model file has unexpected bytes after its tensors";
  model.vocabulary = Vocabulary(words);
  return "";
}

// ---- inference --------------------------------------------------------------------

namespace {

// rows (n, d): out = (x - mean) / sqrt(var + eps) * gain + bias
void layer_norm(const float* x, int n, int d, const float* gain, const float* bias, float* out) {
  for (int r = 0; r < n; ++r) {
    const float* row = x + static_cast<std::size_t>(r) * d;
    float* dst = out + static_cast<std::size_t>(r) * d;
    double mean = 0, variance = 0;
    for (int c = 0; c < d; ++c) mean += row[c];
    mean /= d;
    for (int c = 0; c < d; ++c) variance += (row[c] - mean) * (row[c] - mean);
    variance /= d;
    const float inverse = static_cast<float>(1.0 / std::sqrt(variance + kLayerNormEpsilon));
    for (int c = 0; c < d; ++c) dst[c] = (row[c] - static_cast<float>(mean)) * inverse * gain[c] + bias[c];
  }
}

// 0.5·x·(1 + tanh(u)) written as x·sigmoid(2u), the same function: one expf
// instead of tanhf (which calls expm1f and branches); tanhf was a quarter of
// a 64-word model run in the widget.
float gelu(float x) {
  const float u = kGeluSqrt2OverPi * (x + 0.044715f * x * x * x);
  return x / (1.0f + std::exp(-2.0f * u));
}

}  // namespace

// The same function as gelu() on whole vectors: x / (1 + e^(-2u)) with the
// vector exp, clamped so e^(-2u) stays finite (x very negative gives -0 as
// the scalar form does). The scalar expf per value was a fifth of a 64-word
// model run in the widget.
void gelu_in_place(float* values, std::size_t count) {
  using simd::f32x4;
  const f32x4 sqrt_2_over_pi = simd::splat(kGeluSqrt2OverPi);
  const f32x4 cubic = simd::splat(0.044715f);
  const f32x4 minus_two = simd::splat(-2.0f);
  const f32x4 one = simd::splat(1.0f);
  std::size_t i = 0;
  for (; i + 4 <= count; i += 4) {
    const f32x4 x = simd::load(values + i);
    const f32x4 u = simd::mul(sqrt_2_over_pi, simd::add(x, simd::mul(simd::mul(simd::mul(cubic, x), x), x)));
    simd::store(values + i, simd::div(x, simd::add(one, simd::exp_clamped(simd::mul(minus_two, u)))));
  }
  for (; i < count; ++i) values[i] = gelu(values[i]);
}

void pack_transformer(const TransformerParams<float>& params, PackedTransformer& packed) {
  const TransformerConfig& c = params.config;
  packed.attention.resize(params.layers.size());
  packed.mlp_in.resize(params.layers.size());
  packed.mlp_out.resize(params.layers.size());
  for (std::size_t l = 0; l < params.layers.size(); ++l) {
    const TransformerLayer<float>& layer = params.layers[l];
    MhaInputs<float> weights;
    weights.w_q = layer.w_q.data();
    weights.w_k = layer.w_k.data();
    weights.w_v = layer.w_v.data();
    weights.w_o = layer.w_o.data();
    weights.b_q = layer.b_q.data();
    weights.b_k = layer.b_k.data();
    weights.b_v = layer.b_v.data();
    weights.b_o = layer.b_o.data();
    pack_layer(c.d_model, weights, packed.attention[l]);
    pack_columns(layer.w_1.data(), c.d_model, c.d_ff, c.d_ff, packed.mlp_in[l]);
    pack_columns(layer.w_2.data(), c.d_ff, c.d_model, c.d_model, packed.mlp_out[l]);
  }
  pack_columns_transposed(params.token_embedding.data(), c.d_model, c.vocab_size, c.d_model, packed.embedding_t);
}

void run_transformer(const TransformerParams<float>& params, const std::vector<int>& ids, bool want_logits,
                     TransformerRun& run, const TransformerRunOptions& run_options) {
  PackedTransformer packed;
  pack_transformer(params, packed);
  run_transformer(params, packed, ids, want_logits, run, run_options);
}

void run_transformer(const TransformerParams<float>& params, const PackedTransformer& packed,
                     const std::vector<int>& ids, bool want_logits, TransformerRun& run,
                     const TransformerRunOptions& run_options, int logits_row) {
  const TransformerConfig& c = params.config;
  const int n = static_cast<int>(ids.size());
  const int d = c.d_model;
  run.seq_len = n;
  run.attention.assign(static_cast<std::size_t>(c.num_layers) * c.num_heads * n * n, 0.0f);
  run.row_entropy.assign(static_cast<std::size_t>(c.num_layers) * c.num_heads * n, 0.0f);
  // 1. Embed: token + position.
  std::vector<float> x(static_cast<std::size_t>(n) * d), normed(x.size()), attended(x.size());
  for (int i = 0; i < n; ++i) {
    const float* token = params.token_embedding.data() + static_cast<std::size_t>(ids[i]) * d;
    const float* position = params.position_embedding.data() + static_cast<std::size_t>(i) * d;
    for (int k = 0; k < d; ++k) x[static_cast<std::size_t>(i) * d + k] = token[k] + position[k];
  }
  std::vector<float> hidden(static_cast<std::size_t>(n) * c.d_ff), mlp_out(x.size());
  for (int l = 0; l < c.num_layers; ++l) {
    const TransformerLayer<float>& layer = params.layers[static_cast<std::size_t>(l)];
    // 2. x = x + MHA(LN_1(x)), the same kernel the widget uses for a single layer.
    layer_norm(x.data(), n, d, layer.ln1_gain.data(), layer.ln1_bias.data(), normed.data());
    MhaShape shape{n, n, d, c.num_heads};
    MhaOptions options;
    if (run_options.head_enabled != nullptr) {
      options.head_enabled = run_options.head_enabled + static_cast<std::size_t>(l) * c.num_heads;
    }
    if (run_options.head_gate != nullptr) options.head_gate = run_options.head_gate + static_cast<std::size_t>(l) * c.num_heads;
    options.has_scale = run_options.has_scale;
    options.scale = run_options.scale;
    options.temperature = run_options.temperature;
    MhaInputs<float> inputs;
    inputs.x = normed.data();
    MhaOutputs<float> outputs;
    outputs.output = attended.data();
    outputs.attention = run.attention.data() + static_cast<std::size_t>(l) * c.num_heads * n * n;
    outputs.row_entropy = run.row_entropy.data() + static_cast<std::size_t>(l) * c.num_heads * n;
    multi_head_attention(shape, options, packed.attention[static_cast<std::size_t>(l)], inputs, outputs);
    if (!run_options.want_hidden && !want_logits && l == c.num_layers - 1) {  // every attention map is known now
      run.hidden.clear();
      run.logits.clear();
      return;
    }
    for (std::size_t k = 0; k < x.size(); ++k) x[k] += attended[k];
    // 3. x = x + W_2 · GELU(W_1 · LN_2(x) + b_1) + b_2
    layer_norm(x.data(), n, d, layer.ln2_gain.data(), layer.ln2_bias.data(), normed.data());
    gemm_packed(n, normed.data(), d, packed.mlp_in[static_cast<std::size_t>(l)], layer.b_1.data(), hidden.data(), c.d_ff);
    gelu_in_place(hidden.data(), hidden.size());
    gemm_packed(n, hidden.data(), c.d_ff, packed.mlp_out[static_cast<std::size_t>(l)], layer.b_2.data(), mlp_out.data(), d);
    for (std::size_t k = 0; k < x.size(); ++k) x[k] += mlp_out[k];
  }
  // 4. Final LayerNorm, then (optionally) logits against the tied embedding.
  run.hidden.resize(x.size());
  layer_norm(x.data(), n, d, params.final_gain.data(), params.final_bias.data(), run.hidden.data());
  if (want_logits) {
    const bool one_row = logits_row >= 0 && logits_row < n;
    const int rows = one_row ? 1 : n;
    const float* from = run.hidden.data() + (one_row ? static_cast<std::size_t>(logits_row) * d : 0);
    run.logits.resize(static_cast<std::size_t>(rows) * c.vocab_size);
    gemm_packed(rows, from, d, packed.embedding_t, params.output_bias.data(), run.logits.data(), c.vocab_size);
  } else {
    run.logits.clear();
  }
}

double masked_sentence_loss(const TransformerParams<float>& params, const std::vector<int>& ids,
                            const TransformerRunOptions& options, const PackedTransformer* packed) {
  PackedTransformer packed_here;
  if (packed == nullptr) {
    pack_transformer(params, packed_here);
    packed = &packed_here;
  }
  const int vocab = params.config.vocab_size;
  std::vector<int> masked = ids;
  TransformerRun run;
  double total = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    masked[i] = Vocabulary::kMask;
    run_transformer(params, *packed, masked, true, run, options, static_cast<int>(i));  // row i's logits only
    const float* row = run.logits.data();
    double row_max = row[0], sum = 0;
    for (int k = 1; k < vocab; ++k) row_max = std::max<double>(row_max, row[k]);
    for (int k = 0; k < vocab; ++k) sum += std::exp(row[k] - row_max);
    total -= row[ids[i]] - row_max - std::log(sum);
    masked[i] = ids[i];
  }
  return ids.empty() ? 0.0 : total / static_cast<double>(ids.size());
}

std::vector<std::pair<int, float>> masked_predictions(const TransformerParams<float>& params, std::vector<int> ids,
                                                      int position, int k, const TransformerRunOptions& options,
                                                      const PackedTransformer* packed) {
  PackedTransformer packed_here;
  if (packed == nullptr) {
    pack_transformer(params, packed_here);
    packed = &packed_here;
  }
  const int vocab = params.config.vocab_size;
  ids[static_cast<std::size_t>(position)] = Vocabulary::kMask;
  TransformerRun run;
  run_transformer(params, *packed, ids, true, run, options, position);
  const float* row = run.logits.data();
  double row_max = row[0], sum = 0;
  for (int w = 1; w < vocab; ++w) row_max = std::max<double>(row_max, row[w]);
  for (int w = 0; w < vocab; ++w) sum += std::exp(row[w] - row_max);
  std::vector<std::pair<int, float>> best;
  for (int w = 3; w < vocab; ++w) {  // never suggest <pad>, <unk>, <mask>
    const float p = static_cast<float>(std::exp(row[w] - row_max) / sum);
    if (static_cast<int>(best.size()) < k || p > best.back().second) {
      best.emplace_back(w, p);
      std::sort(best.begin(), best.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
      if (static_cast<int>(best.size()) > k) best.pop_back();
    }
  }
  return best;
}

std::vector<float> head_weight_norms(int d_model, int num_heads, const float* w_q, const float* w_k,
                                     const float* w_v, const float* w_o) {
  const int head_dim = d_model / num_heads;
  std::vector<float> norms(static_cast<std::size_t>(num_heads), 0.0f);
  for (int h = 0; h < num_heads; ++h) {
    double sum = 0;
    for (int r = 0; r < d_model; ++r) {
      for (int c = h * head_dim; c < (h + 1) * head_dim; ++c) {
        const std::size_t column_element = static_cast<std::size_t>(r) * d_model + c;  // W_Q/W_K/W_V columns
        const std::size_t row_element = static_cast<std::size_t>(c) * d_model + r;     // W_O rows
        sum += double(w_q[column_element]) * w_q[column_element] + double(w_k[column_element]) * w_k[column_element] +
               double(w_v[column_element]) * w_v[column_element] + double(w_o[row_element]) * w_o[row_element];
      }
    }
    norms[static_cast<std::size_t>(h)] = static_cast<float>(std::sqrt(sum));
  }
  return norms;
}

}  // namespace attention_lab
