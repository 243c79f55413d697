// The one place that talks to JavaScript. Each call copies whole typed arrays
// into the wasm heap (one TypedArray.set each), runs a kernel, and returns
// views of the results that the JavaScript side copies out at once (slice).
// Errors never cross as C++ exceptions: they come back as { error: "..." }.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <malloc.h>
#include <string>
#include <type_traits>
#include <vector>

#include "../attention.h"
#include "../seeded_model.h"
#include "../simd4.h"

using emscripten::val;

namespace attention_lab {
namespace {

bool is_missing(const val& value) { return value.isUndefined() || value.isNull(); }

val error_result(const std::string& message) {
  val result = val::object();
  result.set("error", message);
  return result;
}

// Copies a JS typed array (or plain array of numbers) into dst with one set().
// Returns "" or what is wrong with it.
template <typename T>
std::string copy_in(const val& args, const char* name, std::size_t expected, const char* shape_text,
                    std::vector<T>& dst) {
  const val source = args[name];
  if (is_missing(source)) return std::string(name) + " is missing";
  const val length_value = source["length"];
  if (!length_value.isNumber()) return std::string(name) + " must be an array of numbers";
  const double length = length_value.as<double>();
  if (length != static_cast<double>(expected)) {
    return std::string(name) + " must have " + shape_text + " = " + std::to_string(expected) +
           " values, got " + format_number(length);
  }
  dst.resize(expected);
  val view{emscripten::typed_memory_view(dst.size(), dst.data())};
  view.call<void>("set", source);
  return "";
}

int read_int(const val& args, const char* name, int fallback, std::string& problem) {
  const val value = args[name];
  if (is_missing(value)) return fallback;
  if (!value.isNumber()) {
    problem = std::string(name) + " must be a number";
    return 0;
  }
  const double number = value.as<double>();
  if (!std::isfinite(number) || number != std::floor(number) || number < -2147483648.0 ||
      number > 2147483647.0) {
    problem = std::string(name) + " must be a whole number (got " + format_number(number) + ")";
    return 0;
  }
  return static_cast<int>(number);
}

template <typename Real>
struct CallBuffers {
  std::vector<Real> x, context, w_q, w_k, w_v, w_o, b_q, b_k, b_v, b_o;
  std::vector<Real> output, attention, head_outputs;
  std::vector<std::uint8_t> key_padding_mask;
};

template <typename Real>
CallBuffers<Real>& buffers() {
  static CallBuffers<Real> instance;
  return instance;
}

template <typename Real>
val run(const val& args) {
  std::string problem;
  MhaShape shape;
  shape.seq_len = read_int(args, "seqLen", 0, problem);
  if (problem.empty()) shape.d_model = read_int(args, "dModel", 0, problem);
  if (problem.empty()) shape.num_heads = read_int(args, "numHeads", 0, problem);
  const bool self_attention = is_missing(args["context"]);
  if (problem.empty()) {
    shape.context_len = read_int(args, "contextLen", self_attention ? shape.seq_len : 0, problem);
  }
  if (!problem.empty()) return error_result(problem);

  MhaOptions options;
  options.causal = !is_missing(args["causal"]) && args["causal"].as<bool>();
  const val scale = args["scale"];
  if (!is_missing(scale)) {
    if (!scale.isNumber()) return error_result("scale must be a number");
    options.has_scale = true;
    options.scale = scale.as<double>();
  }
  const val temperature = args["temperature"];
  if (!is_missing(temperature)) {
    if (!temperature.isNumber()) return error_result("temperature must be a number");
    options.temperature = temperature.as<double>();
  }
  problem = validate_shape(shape, options);
  if (!problem.empty()) return error_result(problem);
  if (self_attention && shape.context_len != shape.seq_len) {
    return error_result("contextLen must equal seqLen when no context is given (self-attention)");
  }

  CallBuffers<Real>& b = buffers<Real>();
  const std::size_t d = static_cast<std::size_t>(shape.d_model);
  const std::size_t seq = static_cast<std::size_t>(shape.seq_len);
  const std::size_t ctx = static_cast<std::size_t>(shape.context_len);
  problem = copy_in(args, "x", seq * d, "seqLen × dModel", b.x);
  if (problem.empty() && !self_attention) {
    problem = copy_in(args, "context", ctx * d, "contextLen × dModel", b.context);
  }
  struct Weight {
    const char* name;
    std::vector<Real>* dst;
  };
  for (Weight w : {Weight{"wq", &b.w_q}, Weight{"wk", &b.w_k}, Weight{"wv", &b.w_v},
                   Weight{"wo", &b.w_o}}) {
    if (problem.empty()) problem = copy_in(args, w.name, d * d, "dModel × dModel", *w.dst);
  }
  MhaInputs<Real> inputs;
  const Real** bias_slots[] = {&inputs.b_q, &inputs.b_k, &inputs.b_v, &inputs.b_o};
  int slot = 0;
  for (Weight w : {Weight{"bq", &b.b_q}, Weight{"bk", &b.b_k}, Weight{"bv", &b.b_v},
                   Weight{"bo", &b.b_o}}) {
    if (problem.empty() && !is_missing(args[w.name])) {
      problem = copy_in(args, w.name, d, "dModel", *w.dst);
      *bias_slots[slot] = w.dst->data();
    }
    ++slot;
  }
  if (problem.empty() && !is_missing(args["keyPaddingMask"])) {
    problem = copy_in(args, "keyPaddingMask", ctx, "contextLen", b.key_padding_mask);
    options.key_padding_mask = b.key_padding_mask.data();
    if (problem.empty()) problem = validate_shape(shape, options);
  }
  if (!problem.empty()) return error_result(problem);

  inputs.x = b.x.data();
  inputs.context = self_attention ? nullptr : b.context.data();
  inputs.w_q = b.w_q.data();
  inputs.w_k = b.w_k.data();
  inputs.w_v = b.w_v.data();
  inputs.w_o = b.w_o.data();
  problem = validate_values(shape, inputs);
  if (!problem.empty()) return error_result(problem);

  const bool want_attention = is_missing(args["wantAttention"]) || args["wantAttention"].as<bool>();
  const bool want_heads = is_missing(args["wantHeadOutputs"]) || args["wantHeadOutputs"].as<bool>();
  b.output.resize(seq * d);
  b.attention.resize(want_attention ? static_cast<std::size_t>(shape.num_heads) * seq * ctx : 0);
  b.head_outputs.resize(want_heads ? seq * d : 0);
  MhaOutputs<Real> outputs;
  outputs.output = b.output.data();
  outputs.attention = want_attention ? b.attention.data() : nullptr;
  outputs.head_outputs = want_heads ? b.head_outputs.data() : nullptr;
  if constexpr (std::is_same_v<Real, float>) {
    multi_head_attention(shape, options, inputs, outputs);
  } else {
    reference_multi_head_attention(shape, options, inputs, outputs);
  }

  val result = val::object();
  result.set("output", val(emscripten::typed_memory_view(b.output.size(), b.output.data())));
  if (want_attention) {
    result.set("attention",
               val(emscripten::typed_memory_view(b.attention.size(), b.attention.data())));
  }
  if (want_heads) {
    result.set("headOutputs",
               val(emscripten::typed_memory_view(b.head_outputs.size(), b.head_outputs.data())));
  }
  result.set("seqLen", shape.seq_len);
  result.set("contextLen", shape.context_len);
  result.set("numHeads", shape.num_heads);
  result.set("headDim", shape.head_dim());
  result.set("dModel", shape.d_model);
  return result;
}

val multi_head_attention_f32(const val& args) { return run<float>(args); }
val multi_head_attention_f64(const val& args) { return run<double>(args); }

constexpr int kMaxSeededDModel = 4096;
constexpr int kMaxTokens = 4096;

std::uint64_t seed_from(double seed) {
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(std::isfinite(seed) ? seed : 0.0));
}

// The seeded random (untrained) layer: { wq, wk, wv, wo } for d_model.
val seeded_layer(int d_model, double seed) {
  if (d_model <= 0 || d_model > kMaxSeededDModel) {
    return error_result("d_model must be between 1 and " + std::to_string(kMaxSeededDModel) +
                        " (got " + std::to_string(d_model) + ")");
  }
  static std::vector<float> weights;
  const std::size_t square = static_cast<std::size_t>(d_model) * d_model;
  weights.resize(4 * square);
  seeded_projection_weights(d_model, seed_from(seed), weights.data(), weights.data() + square,
                            weights.data() + 2 * square, weights.data() + 3 * square);
  val result = val::object();
  const char* names[] = {"wq", "wk", "wv", "wo"};
  for (int m = 0; m < 4; ++m) {
    result.set(names[m], val(emscripten::typed_memory_view(square, weights.data() + m * square)));
  }
  return result;
}

// Token embeddings + positional encoding. tokens arrive as one string joined
// by '\n' (one copy across the boundary), x leaves as (seqLen, d_model).
val embed_tokens(const std::string& joined, int d_model, double seed) {
  if (d_model <= 0 || d_model > kMaxSeededDModel) {
    return error_result("d_model must be between 1 and " + std::to_string(kMaxSeededDModel));
  }
  std::vector<std::string> tokens;
  std::size_t start = 0;
  while (start <= joined.size() && !joined.empty()) {
    const std::size_t end = joined.find('\n', start);
    tokens.push_back(joined.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (tokens.empty()) return error_result("there are no tokens to embed");
  if (tokens.size() > static_cast<std::size_t>(kMaxTokens)) {
    return error_result("too many tokens (" + std::to_string(tokens.size()) + "); the limit is " +
                        std::to_string(kMaxTokens));
  }
  static std::vector<float> x;
  x.resize(tokens.size() * static_cast<std::size_t>(d_model));
  seeded_token_embeddings(tokens, d_model, seed_from(seed), x.data());
  val result = val::object();
  result.set("x", val(emscripten::typed_memory_view(x.size(), x.data())));
  result.set("seqLen", static_cast<int>(tokens.size()));
  return result;
}

// Bytes malloc currently hands out; lets tests check that calls do not leak.
double heap_bytes_in_use() { return static_cast<double>(mallinfo().uordblks); }

std::string simd_backend() { return ATTENTION_LAB_SIMD; }

}  // namespace
}  // namespace attention_lab

EMSCRIPTEN_BINDINGS(attention_lab) {
  emscripten::function("multiHeadAttentionF32", &attention_lab::multi_head_attention_f32);
  emscripten::function("multiHeadAttentionF64", &attention_lab::multi_head_attention_f64);
  emscripten::function("seededLayer", &attention_lab::seeded_layer);
  emscripten::function("embedTokens", &attention_lab::embed_tokens);
  emscripten::function("heapBytesInUse", &attention_lab::heap_bytes_in_use);
  emscripten::function("simdBackend", &attention_lab::simd_backend);
}
