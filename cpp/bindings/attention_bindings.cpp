// The attention kernels at the wasm boundary: one-shot calls (fast float32
// and the float64 oracle), a head's step-by-step trace and the seeded random
// layer (prepared layers, weights packed once, are in
// prepared_layer_bindings.cpp). Each call copies whole
// arrays in (one TypedArray.set each) and returns views of C++-owned results
// that the JavaScript side copies out at once. Errors never cross as C++
// exceptions: they come back as { error: "..." }.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <malloc.h>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "analysis/importance.h"
#include "attention/attention.h"
#include "attention/gemm.h"
#include "attention/simd4.h"
#include "js_values.h"
#include "attention/one_shot_cache.h"
#include "model/seeded_model.h"

using emscripten::val;

namespace attention_lab {
namespace {

template <typename Real>
struct CallBuffers {
  std::vector<Real> x, context, w_q, w_k, w_v, w_o, b_q, b_k, b_v, b_o;
  std::vector<Real> output, attention, head_outputs, row_entropy;
  std::vector<std::uint8_t> key_padding_mask;
  RunOptionBuffers run_options;
};

template <typename Real>
CallBuffers<Real>& buffers() {
  static CallBuffers<Real> instance;
  return instance;
}

// The four matrices into the heap (their lengths are checked already).
template <typename Real>
void copy_weights_in(const val& args, const MhaShape& shape, MhaInputs<Real>& inputs) {
  CallBuffers<Real>& b = buffers<Real>();
  const std::size_t square = static_cast<std::size_t>(shape.d_model) * shape.d_model;
  copy_in(args, "wq", square, "", b.w_q);
  copy_in(args, "wk", square, "", b.w_k);
  copy_in(args, "wv", square, "", b.w_v);
  copy_in(args, "wo", square, "", b.w_o);
  inputs.w_q = b.w_q.data();
  inputs.w_k = b.w_k.data();
  inputs.w_v = b.w_v.data();
  inputs.w_o = b.w_o.data();
}

// Reads and checks one call's arguments into the wasm heap (one set() per array).
// With copy_weights false the four matrices' lengths are checked but they
// are left in JavaScript (copy_weights_in fetches them if they are needed).
// Returns "" or what is wrong.
template <typename Real>
std::string parse_call(const val& args, MhaShape& shape, MhaOptions& options, MhaInputs<Real>& inputs,
                       bool copy_weights = true) {
  std::string problem;
  shape.seq_len = read_int(args, "seqLen", 0, problem);
  if (problem.empty()) shape.d_model = read_int(args, "dModel", 0, problem);
  if (problem.empty()) shape.num_heads = read_int(args, "numHeads", 0, problem);
  const bool self_attention = is_missing(args["context"]);
  if (problem.empty()) {
    shape.context_len = read_int(args, "contextLen", self_attention ? shape.seq_len : 0, problem);
  }
  if (!problem.empty()) return problem;

  options.causal = read_bool(args, "causal", false);
  CallBuffers<Real>& b = buffers<Real>();
  problem = read_run_options(args, static_cast<std::size_t>(std::max(shape.num_heads, 0)), "numHeads", options, b.run_options);
  if (problem.empty()) problem = validate_shape(shape, options);
  if (!problem.empty()) return problem;
  if (self_attention && shape.context_len != shape.seq_len) {
    return std::string("contextLen must equal seqLen when no context is given (self-attention)");
  }

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
    if (problem.empty()) {
      problem = copy_weights ? copy_in(args, w.name, d * d, "dModel × dModel", *w.dst)
                             : check_length(args, w.name, d * d, "dModel × dModel");
    }
  }
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
  if (!problem.empty()) return problem;

  inputs.x = b.x.data();
  inputs.context = self_attention ? nullptr : b.context.data();
  if (copy_weights) copy_weights_in(args, shape, inputs);
  return "";  // the values are checked by the caller (the float32 call skips weights it has checked before)
}

OneShotCache& one_shot_cache() {
  static OneShotCache cache;
  return cache;
}

double one_shot_packs = 0;  // how many one-shot calls packed their weights (the tests read it)

template <typename Real>
val run(const val& args) {
  MhaShape shape;
  MhaOptions options;
  MhaInputs<Real> inputs;
  constexpr bool fast = std::is_same_v<Real, float>;
  // weights seen and checked by the last float32 call, and found equal by
  // engine-core.js's check just now: not copied, packed nor checked again
  bool rows_checked = false;
  if constexpr (fast) rows_checked = one_shot_cache().take_check();
  std::string problem = parse_call(args, shape, options, inputs, /*copy_weights=*/!fast);
  if (!problem.empty()) return error_result(problem);
  bool cached = false;
  if constexpr (fast) {
    cached = rows_checked && one_shot_cache().same_biases(shape.d_model, inputs);
    if (!cached) copy_weights_in(args, shape, inputs);
  }
  MhaInputs<Real> to_check = inputs;
  if (cached) to_check.w_q = to_check.w_k = to_check.w_v = to_check.w_o = to_check.b_q = to_check.b_k = to_check.b_v = to_check.b_o = nullptr;
  problem = validate_values(shape, to_check);
  if (!problem.empty()) return error_result(problem);  // the cache keeps what it had
  CallBuffers<Real>& b = buffers<Real>();
  const std::size_t d = static_cast<std::size_t>(shape.d_model);
  const std::size_t seq = static_cast<std::size_t>(shape.seq_len);
  const std::size_t ctx = static_cast<std::size_t>(shape.context_len);

  const bool want_attention = read_bool(args, "wantAttention", true);
  const bool want_heads = read_bool(args, "wantHeadOutputs", true);
  b.output.resize(seq * d);
  b.attention.resize(want_attention ? static_cast<std::size_t>(shape.num_heads) * seq * ctx : 0);
  b.row_entropy.resize(want_attention ? static_cast<std::size_t>(shape.num_heads) * seq : 0);
  b.head_outputs.resize(want_heads ? seq * d : 0);
  MhaOutputs<Real> outputs;
  outputs.output = b.output.data();
  outputs.attention = want_attention ? b.attention.data() : nullptr;
  outputs.row_entropy = want_attention ? b.row_entropy.data() : nullptr;
  outputs.head_outputs = want_heads ? b.head_outputs.data() : nullptr;
  if constexpr (std::is_same_v<Real, float>) {
    if (!cached) {
      one_shot_cache().store(shape.d_model, inputs);
      one_shot_packs += 1;
    }
    multi_head_attention(shape, options, one_shot_cache().packed, inputs, outputs);
  } else {
    reference_multi_head_attention(shape, options, inputs, outputs);
  }
  std::string overflow = check_finite_result(b.output.data(), b.output.size(), "the output");
  if (overflow.empty()) overflow = check_finite_result(b.attention.data(), b.attention.size(), "the attention weights");
  if (!overflow.empty()) return error_result(overflow);

  val result = val::object();
  result.set("output", view_of(b.output));
  if (want_attention) {
    result.set("attention",
               view_of(b.attention));
    result.set("rowEntropy",
               view_of(b.row_entropy));
  }
  if (want_heads) {
    result.set("headOutputs",
               view_of(b.head_outputs));
  }
  result.set("seqLen", shape.seq_len);
  result.set("contextLen", shape.context_len);
  result.set("numHeads", shape.num_heads);
  result.set("headDim", shape.head_dim());
  result.set("dModel", shape.d_model);
  return result;
}

// Every step of one head for one word: { ...multiHeadAttention args, head, query }.
val trace_head_call(const val& args) {
  MhaShape shape;
  MhaOptions options;
  MhaInputs<double> inputs;
  std::string problem = parse_call(args, shape, options, inputs);
  if (problem.empty()) problem = validate_values(shape, inputs);
  const int head = problem.empty() ? read_int(args, "head", 0, problem) : 0;
  const int query = problem.empty() ? read_int(args, "query", 0, problem) : 0;
  if (problem.empty() && (head < 0 || head >= shape.num_heads)) problem = "head is outside 0..numHeads-1";
  if (problem.empty() && (query < 0 || query >= shape.seq_len)) problem = "query is outside the sentence";
  if (!problem.empty()) return error_result(problem);
  static HeadTrace trace;
  trace = trace_head(shape, options, inputs, head, query);
  val result = val::object();
  auto view = [](std::vector<double>& v) { return val(emscripten::typed_memory_view(v.size(), v.data())); };
  result.set("query", view(trace.query));
  result.set("keys", view(trace.keys));
  result.set("values", view(trace.values));
  result.set("dots", view(trace.dots));
  result.set("scaled", view(trace.scaled));
  result.set("hidden", val(emscripten::typed_memory_view(trace.hidden.size(), trace.hidden.data())));
  result.set("weights", view(trace.weights));
  result.set("headOutput", view(trace.head_output));
  result.set("output", view(trace.output));
  result.set("logitFactor", trace.logit_factor);
  result.set("headDim", shape.head_dim());
  return result;
}

val multi_head_attention_f32(const val& args) { return run<float>(args); }
val multi_head_attention_f64(const val& args) { return run<double>(args); }

constexpr int kMaxSeededDModel = 4096;
constexpr int kMaxTokens = 4096;

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

// The same measure for one layer's weights given as arrays: { wq, wk, wv, wo, dModel, numHeads }.
val head_norms_of(const val& args) {
  std::string problem;
  const int d_model = read_int(args, "dModel", 0, problem);
  const int num_heads = problem.empty() ? read_int(args, "numHeads", 0, problem) : 0;
  if (problem.empty()) problem = validate_shape(MhaShape{1, 1, d_model, num_heads}, MhaOptions{});
  static std::vector<float> w_q, w_k, w_v, w_o, norms;
  const std::size_t square = static_cast<std::size_t>(d_model) * static_cast<std::size_t>(d_model);
  if (problem.empty()) problem = copy_in(args, "wq", square, "dModel × dModel", w_q);
  if (problem.empty()) problem = copy_in(args, "wk", square, "dModel × dModel", w_k);
  if (problem.empty()) problem = copy_in(args, "wv", square, "dModel × dModel", w_v);
  if (problem.empty()) problem = copy_in(args, "wo", square, "dModel × dModel", w_o);
  if (!problem.empty()) return error_result(problem);
  norms = head_weight_norms(d_model, num_heads, w_q.data(), w_k.data(), w_v.data(), w_o.data());
  val result = val::object();
  result.set("norms", val(emscripten::typed_memory_view(norms.size(), norms.data())));
  return result;
}

// Bytes malloc currently hands out; lets tests check that calls do not leak.
double heap_bytes_in_use() { return static_cast<double>(mallinfo().uordblks); }

std::string simd_backend() { return ATTENTION_LAB_SIMD; }

double one_shot_pack_count() { return one_shot_packs; }

// The one-shot call's weight check (cpp/attention/one_shot_cache.h), driven by
// engine-core.js: begin, then whole rows copied into the scratch buffer and
// compared, then the call. The scratch is handed out as a view of the heap:
// valid until the heap grows, so it is taken for one check only.
bool one_shot_check_begin(int d_model) { return one_shot_cache().begin_check(d_model); }
val one_shot_scratch() {
  return val(emscripten::typed_memory_view(one_shot_cache().scratch_floats(), one_shot_cache().scratch()));
}
bool one_shot_check_rows(int matrix, int first_row, int row_count) {
  return one_shot_cache().check_rows(matrix, first_row, row_count);
}

}  // namespace
}  // namespace attention_lab

EMSCRIPTEN_BINDINGS(attention_kernels) {
  emscripten::function("multiHeadAttentionF32", &attention_lab::multi_head_attention_f32);
  emscripten::function("multiHeadAttentionF64", &attention_lab::multi_head_attention_f64);
  emscripten::function("traceHead", &attention_lab::trace_head_call);
  emscripten::function("seededLayer", &attention_lab::seeded_layer);
  emscripten::function("embedTokens", &attention_lab::embed_tokens);
  emscripten::function("headWeightNorms", &attention_lab::head_norms_of);
  emscripten::function("oneShotPackCount", &attention_lab::one_shot_pack_count);
  emscripten::function("oneShotCheckBegin", &attention_lab::one_shot_check_begin);
  emscripten::function("oneShotScratch", &attention_lab::one_shot_scratch);
  emscripten::function("oneShotCheckRows", &attention_lab::one_shot_check_rows);
  emscripten::function("heapBytesInUse", &attention_lab::heap_bytes_in_use);
  emscripten::function("simdBackend", &attention_lab::simd_backend);
}
