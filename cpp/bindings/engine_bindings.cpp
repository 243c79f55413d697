// The one place that talks to JavaScript. Each call copies whole typed arrays
// into the wasm heap (one TypedArray.set each), runs a kernel, and returns
// views of the results that the JavaScript side copies out at once (slice).
// Errors never cross as C++ exceptions: they come back as { error: "..." }.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <malloc.h>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "js_values.h"
#include "../attention.h"
#include "../seeded_model.h"
#include "../transformer.h"
#include "../gemm.h"
#include "../simd4.h"

using emscripten::val;

namespace attention_lab {
namespace {

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

template <typename Real>
struct CallBuffers {
  std::vector<Real> x, context, w_q, w_k, w_v, w_o, b_q, b_k, b_v, b_o;
  std::vector<Real> output, attention, head_outputs, row_entropy;
  std::vector<std::uint8_t> key_padding_mask, head_enabled;
  std::vector<float> head_gate;
};

template <typename Real>
CallBuffers<Real>& buffers() {
  static CallBuffers<Real> instance;
  return instance;
}

// Reads and checks one call's arguments into the wasm heap (one set() per array).
// Returns "" or what is wrong.
template <typename Real>
std::string parse_call(const val& args, MhaShape& shape, MhaOptions& options, MhaInputs<Real>& inputs) {
  std::string problem;
  shape.seq_len = read_int(args, "seqLen", 0, problem);
  if (problem.empty()) shape.d_model = read_int(args, "dModel", 0, problem);
  if (problem.empty()) shape.num_heads = read_int(args, "numHeads", 0, problem);
  const bool self_attention = is_missing(args["context"]);
  if (problem.empty()) {
    shape.context_len = read_int(args, "contextLen", self_attention ? shape.seq_len : 0, problem);
  }
  if (!problem.empty()) return problem;

  options.causal = !is_missing(args["causal"]) && args["causal"].as<bool>();
  const val scale = args["scale"];
  if (!is_missing(scale)) {
    if (!scale.isNumber()) return std::string("scale must be a number");
    options.has_scale = true;
    options.scale = scale.as<double>();
  }
  const val temperature = args["temperature"];
  if (!is_missing(temperature)) {
    if (!temperature.isNumber()) return std::string("temperature must be a number");
    options.temperature = temperature.as<double>();
  }
  problem = validate_shape(shape, options);
  if (!problem.empty()) return problem;
  if (self_attention && shape.context_len != shape.seq_len) {
    return std::string("contextLen must equal seqLen when no context is given (self-attention)");
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
  if (problem.empty() && !is_missing(args["headEnabled"])) {
    problem = copy_in(args, "headEnabled", static_cast<std::size_t>(shape.num_heads), "numHeads", b.head_enabled);
    options.head_enabled = b.head_enabled.data();
  }
  if (problem.empty() && !is_missing(args["headGate"])) {
    problem = copy_in(args, "headGate", static_cast<std::size_t>(shape.num_heads), "numHeads", b.head_gate);
    for (float gate : b.head_gate) {
      if (problem.empty() && !std::isfinite(gate)) problem = "headGate values must be finite numbers";
    }
    options.head_gate = b.head_gate.data();
  }
  if (!problem.empty()) return problem;

  inputs.x = b.x.data();
  inputs.context = self_attention ? nullptr : b.context.data();
  inputs.w_q = b.w_q.data();
  inputs.w_k = b.w_k.data();
  inputs.w_v = b.w_v.data();
  inputs.w_o = b.w_o.data();
  problem = validate_values(shape, inputs);
  if (!problem.empty()) return problem;
  return "";
}

template <typename Real>
val run(const val& args) {
  MhaShape shape;
  MhaOptions options;
  MhaInputs<Real> inputs;
  const std::string problem = parse_call(args, shape, options, inputs);
  if (!problem.empty()) return error_result(problem);
  CallBuffers<Real>& b = buffers<Real>();
  const std::size_t d = static_cast<std::size_t>(shape.d_model);
  const std::size_t seq = static_cast<std::size_t>(shape.seq_len);
  const std::size_t ctx = static_cast<std::size_t>(shape.context_len);

  const bool want_attention = is_missing(args["wantAttention"]) || args["wantAttention"].as<bool>();
  const bool want_heads = is_missing(args["wantHeadOutputs"]) || args["wantHeadOutputs"].as<bool>();
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
    multi_head_attention(shape, options, inputs, outputs);
  } else {
    reference_multi_head_attention(shape, options, inputs, outputs);
  }

  val result = val::object();
  result.set("output", val(emscripten::typed_memory_view(b.output.size(), b.output.data())));
  if (want_attention) {
    result.set("attention",
               val(emscripten::typed_memory_view(b.attention.size(), b.attention.data())));
    result.set("rowEntropy",
               val(emscripten::typed_memory_view(b.row_entropy.size(), b.row_entropy.data())));
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

// Every step of one head for one word: { ...multiHeadAttention args, head, query }.
val trace_head_call(const val& args) {
  MhaShape shape;
  MhaOptions options;
  MhaInputs<double> inputs;
  std::string problem = parse_call(args, shape, options, inputs);
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

// ---- trained transformer models ----------------------------------------------
// Loaded models live here, addressed by a small integer id, until released,
// each with its weights packed once for the fast kernels.
struct StoredModel : LoadedModel {
  PackedTransformer packed;
};

Handles<StoredModel>& models() {
  static Handles<StoredModel> instance;
  return instance;
}

StoredModel* find_model(int id) { return models().find(id); }

val describe_model(int id) {
  const LoadedModel& model = *find_model(id);
  const TransformerConfig& c = model.params.config;
  val result = val::object();
  result.set("id", id);
  result.set("vocabSize", c.vocab_size);
  result.set("dModel", c.d_model);
  result.set("numHeads", c.num_heads);
  result.set("numLayers", c.num_layers);
  result.set("dFF", c.d_ff);
  result.set("maxLen", c.max_len);
  result.set("metadata", model.metadata_json);
  return result;
}

int store_model(std::unique_ptr<StoredModel> model) {
  pack_transformer(model->params, model->packed);
  return models().add(std::move(model));
}

// bytes: Uint8Array of a model file (see cpp/transformer.h).
val load_model_bytes(const val& bytes) {
  if (is_missing(bytes) || !bytes["length"].isNumber()) return error_result("model bytes must be a Uint8Array");
  const double length = bytes["length"].as<double>();
  if (length > 64.0 * 1024 * 1024) return error_result("model file is larger than 64 MB");
  std::vector<std::uint8_t> data;
  data.resize(static_cast<std::size_t>(length));
  val view{emscripten::typed_memory_view(data.size(), data.data())};
  view.call<void>("set", bytes);
  auto model = std::make_unique<StoredModel>();
  const std::string problem = load_model(data.data(), data.size(), *model);
  if (!problem.empty()) return error_result(problem);
  return describe_model(store_model(std::move(model)));
}

// The same architecture and vocabulary with seeded random weights.
val random_model_like(int id, double seed) {
  StoredModel* original = find_model(id);
  if (original == nullptr) return error_result("no model with id " + std::to_string(id));
  auto model = std::make_unique<StoredModel>();
  model->params.allocate(original->params.config);
  initialise_transformer(model->params, seed_from(seed));
  model->vocabulary = original->vocabulary;
  model->metadata_json = "{\"name\":\"untrained (seeded random) twin\"}";
  return describe_model(store_model(std::move(model)));
}

void release_model(int id) {
  models().release(id);
}

// Tokens as the model sees them: { tokens, surfaces (both joined by '\n'), ids }.
val model_tokenize(int id, const std::string& text) {
  const StoredModel* model = find_model(id);
  if (model == nullptr) return error_result("no model with id " + std::to_string(id));
  static std::vector<int> ids;
  ids.clear();
  std::string tokens, surfaces;
  for (const Token& token : split_tokens(text)) {
    if (!ids.empty()) {
      tokens += '\n';
      surfaces += '\n';
    }
    tokens += token.text;
    surfaces += token.surface;
    ids.push_back(model->vocabulary.id(token.text));
  }
  val result = val::object();
  result.set("tokens", tokens);
  result.set("surfaces", surfaces);
  result.set("ids", val(emscripten::typed_memory_view(ids.size(), ids.data())));
  return result;
}

// Reads the common arguments of a model call: { ids: Int32Array,
// headEnabled?: Uint8Array (layers*heads), scale?, temperature? }. Returns "" or a message.
struct ModelCall {
  std::vector<int> ids;
  std::vector<std::uint8_t> enabled;
  std::vector<float> gates;
  TransformerRunOptions options;
};

std::string read_model_call(const LoadedModel& model, const val& args, ModelCall& call) {
  const TransformerConfig& c = model.params.config;
  if (is_missing(args)) return "model calls need an object of arguments";
  const val ids_value = args["ids"];
  if (is_missing(ids_value) || !ids_value["length"].isNumber()) return "ids must be an array of token ids";
  const double length = ids_value["length"].as<double>();
  if (length < 1) return "there are no tokens to run";
  if (length > c.max_len) {
    return "this model reads at most " + std::to_string(c.max_len) + " tokens (got " + format_number(length) + ")";
  }
  call.ids.resize(static_cast<std::size_t>(length));
  val view{emscripten::typed_memory_view(call.ids.size(), call.ids.data())};
  view.call<void>("set", ids_value);
  for (int token_id : call.ids) {
    if (token_id < 0 || token_id >= c.vocab_size) return "token id " + std::to_string(token_id) + " is outside the vocabulary";
  }
  if (!is_missing(args["headEnabled"])) {
    const std::string problem = copy_in(args, "headEnabled", static_cast<std::size_t>(c.num_layers * c.num_heads),
                                        "numLayers × numHeads", call.enabled);
    if (!problem.empty()) return problem;
    call.options.head_enabled = call.enabled.data();
  }
  if (!is_missing(args["headGate"])) {
    const std::string problem = copy_in(args, "headGate", static_cast<std::size_t>(c.num_layers * c.num_heads),
                                        "numLayers × numHeads", call.gates);
    if (!problem.empty()) return problem;
    for (float gate : call.gates) {
      if (!std::isfinite(gate)) return "headGate values must be finite numbers";
    }
    call.options.head_gate = call.gates.data();
  }
  MhaOptions mha;
  if (!is_missing(args["scale"])) {
    if (!args["scale"].isNumber()) return "scale must be a number";
    call.options.has_scale = mha.has_scale = true;
    call.options.scale = mha.scale = args["scale"].as<double>();
  }
  if (!is_missing(args["temperature"])) {
    if (!args["temperature"].isNumber()) return "temperature must be a number";
    call.options.temperature = mha.temperature = args["temperature"].as<double>();
  }
  return validate_shape(MhaShape{static_cast<int>(length), static_cast<int>(length), c.d_model, c.num_heads}, mha);
}

// args: ModelCall fields + wantLogits?: bool
val model_run(int id, const val& args) {
  const StoredModel* model = find_model(id);
  if (model == nullptr) return error_result("no model with id " + std::to_string(id));
  static ModelCall call;
  call = ModelCall{};
  const std::string problem = read_model_call(*model, args, call);
  if (!problem.empty()) return error_result(problem);
  const bool want_logits = !is_missing(args["wantLogits"]) && args["wantLogits"].as<bool>();
  // wantHidden false (attention only): the last layer's MLP is skipped, unless logits are wanted
  call.options.want_hidden = is_missing(args["wantHidden"]) || args["wantHidden"].as<bool>();
  static TransformerRun run;
  run_transformer(model->params, model->packed, call.ids, want_logits, run, call.options);
  val result = val::object();
  result.set("seqLen", run.seq_len);
  result.set("attention", val(emscripten::typed_memory_view(run.attention.size(), run.attention.data())));
  result.set("rowEntropy", val(emscripten::typed_memory_view(run.row_entropy.size(), run.row_entropy.data())));
  if (!run.hidden.empty()) {
    result.set("hidden", val(emscripten::typed_memory_view(run.hidden.size(), run.hidden.data())));
  }
  if (want_logits) result.set("logits", val(emscripten::typed_memory_view(run.logits.size(), run.logits.data())));
  return result;
}

// Mean masked-word loss of the sentence (each word hidden in turn), nats per word.
val model_masked_loss(int id, const val& args) {
  const StoredModel* model = find_model(id);
  if (model == nullptr) return error_result("no model with id " + std::to_string(id));
  ModelCall call;
  const std::string problem = read_model_call(*model, args, call);
  if (!problem.empty()) return error_result(problem);
  val result = val::object();
  result.set("loss", masked_sentence_loss(model->params, call.ids, call.options, &model->packed));
  return result;
}

// args: ModelCall fields + position, k: the k likeliest words for the masked position.
val model_predict(int id, const val& args) {
  const StoredModel* model = find_model(id);
  if (model == nullptr) return error_result("no model with id " + std::to_string(id));
  ModelCall call;
  std::string problem = read_model_call(*model, args, call);
  const int position = problem.empty() ? read_int(args, "position", -1, problem) : 0;
  const int k = problem.empty() ? read_int(args, "k", 5, problem) : 0;
  if (problem.empty() && (position < 0 || position >= static_cast<int>(call.ids.size()))) problem = "position is outside the sentence";
  if (problem.empty() && (k < 1 || k > 100)) problem = "k must be between 1 and 100";
  if (!problem.empty()) return error_result(problem);
  static std::vector<int> ids;
  static std::vector<float> probabilities;
  ids.clear();
  probabilities.clear();
  for (const auto& [word, p] : masked_predictions(model->params, call.ids, position, k, call.options, &model->packed)) {
    ids.push_back(word);
    probabilities.push_back(p);
  }
  val result = val::object();
  result.set("ids", val(emscripten::typed_memory_view(ids.size(), ids.data())));
  result.set("probabilities", val(emscripten::typed_memory_view(probabilities.size(), probabilities.data())));
  std::string words;
  for (std::size_t i = 0; i < ids.size(); ++i) words += (i ? "\n" : "") + model->vocabulary.word(ids[i]);
  result.set("words", words);
  return result;
}

// (num_layers * num_heads) weight-magnitude importance of a model's heads.
val model_head_norms(int id) {
  const StoredModel* model = find_model(id);
  if (model == nullptr) return error_result("no model with id " + std::to_string(id));
  static std::vector<float> norms;
  norms.clear();
  const TransformerConfig& c = model->params.config;
  for (const TransformerLayer<float>& layer : model->params.layers) {
    const std::vector<float> layer_norms =
        head_weight_norms(c.d_model, c.num_heads, layer.w_q.data(), layer.w_k.data(), layer.w_v.data(), layer.w_o.data());
    norms.insert(norms.end(), layer_norms.begin(), layer_norms.end());
  }
  val result = val::object();
  result.set("norms", val(emscripten::typed_memory_view(norms.size(), norms.data())));
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

// ---- prepared layers: weights packed once, inputs through a reused buffer ----
Handles<PackedLayer>& prepared_layers() {
  static Handles<PackedLayer> instance;
  return instance;
}

// args: { wq, wk, wv, wo, bq?, bk?, bv?, bo?, dModel } -> { id } or { error }
val prepare_layer(const val& args) {
  std::string problem;
  const int d_model = read_int(args, "dModel", 0, problem);
  if (problem.empty()) problem = validate_shape(MhaShape{1, 1, d_model, 1}, MhaOptions{});
  static std::vector<float> w[4], b[4];
  const char* weight_names[] = {"wq", "wk", "wv", "wo"};
  const char* bias_names[] = {"bq", "bk", "bv", "bo"};
  const std::size_t d = static_cast<std::size_t>(std::max(d_model, 0));
  MhaInputs<float> weights;
  const float** weight_slots[] = {&weights.w_q, &weights.w_k, &weights.w_v, &weights.w_o};
  const float** bias_slots[] = {&weights.b_q, &weights.b_k, &weights.b_v, &weights.b_o};
  for (int i = 0; i < 4 && problem.empty(); ++i) {
    problem = copy_in(args, weight_names[i], d * d, "dModel × dModel", w[i]);
    *weight_slots[i] = w[i].data();
    if (problem.empty() && !is_missing(args[bias_names[i]])) {
      problem = copy_in(args, bias_names[i], d, "dModel", b[i]);
      *bias_slots[i] = b[i].data();
    }
  }
  // x and context are null here, so only the weights and biases are checked
  if (problem.empty()) problem = validate_values(MhaShape{1, 1, d_model, 1}, weights);
  if (!problem.empty()) return error_result(problem);
  auto layer = std::make_unique<PackedLayer>();
  pack_layer(d_model, weights, *layer);
  val result = val::object();
  result.set("id", prepared_layers().add(std::move(layer)));
  return result;
}

void release_layer(int id) { prepared_layers().release(id); }

// A buffer in the wasm heap that JavaScript fills with one HEAPF32.set.
std::uintptr_t allocate_floats(int count) {
  if (count <= 0 || count > (1 << 28)) return 0;
  return reinterpret_cast<std::uintptr_t>(std::malloc(static_cast<std::size_t>(count) * sizeof(float)));
}
void free_floats(std::uintptr_t pointer) { std::free(reinterpret_cast<void*>(pointer)); }

// Runs a prepared layer on inputs already in the heap. Pointers are byte
// addresses from allocate_floats; context 0 = self-attention; attention and
// row_entropy 0 = not wanted (entropy is filled with the attention only).
// scale NaN = 1/sqrt(head_dim). softmax: 0 auto, 1 full rows, 2 streaming
// (tiles, online softmax; only without attention). Returns "" or what is wrong.
std::string run_prepared_layer(int id, std::uintptr_t x, std::uintptr_t context, int seq_len, int context_len,
                               int num_heads, bool causal, double scale, double temperature, std::uintptr_t output,
                               std::uintptr_t attention, std::uintptr_t row_entropy, int softmax) {
  const PackedLayer* const found = prepared_layers().find(id);
  if (found == nullptr) return "no prepared layer with id " + std::to_string(id);
  const PackedLayer& layer = *found;
  MhaShape shape{seq_len, context == 0 ? seq_len : context_len, layer.d_model, num_heads};
  MhaOptions options;
  options.causal = causal;
  options.has_scale = !std::isnan(scale);
  options.scale = scale;
  options.temperature = temperature;
  if (softmax < 0 || softmax > 2) return "softmax mode must be 0 (auto), 1 (full rows) or 2 (streaming)";
  options.softmax = static_cast<MhaOptions::Softmax>(softmax);
  std::string problem = validate_shape(shape, options);
  if (!problem.empty()) return problem;
  if (x == 0 || output == 0) return "input and output buffers are required";
  MhaInputs<float> inputs;
  inputs.x = reinterpret_cast<const float*>(x);
  inputs.context = context == 0 ? nullptr : reinterpret_cast<const float*>(context);
  // the weights were checked when the layer was prepared (they are null here): check the inputs only
  problem = validate_values(shape, inputs);
  if (!problem.empty()) return problem;
  MhaOutputs<float> outputs;
  outputs.output = reinterpret_cast<float*>(output);
  outputs.attention = attention == 0 ? nullptr : reinterpret_cast<float*>(attention);
  outputs.row_entropy = attention == 0 || row_entropy == 0 ? nullptr : reinterpret_cast<float*>(row_entropy);
  multi_head_attention(shape, options, layer, inputs, outputs);
  return "";
}

// Bytes malloc currently hands out; lets tests check that calls do not leak.
double heap_bytes_in_use() { return static_cast<double>(mallinfo().uordblks); }

std::string simd_backend() { return ATTENTION_LAB_SIMD; }

}  // namespace
}  // namespace attention_lab

EMSCRIPTEN_BINDINGS(attention_lab) {
  emscripten::function("multiHeadAttentionF32", &attention_lab::multi_head_attention_f32);
  emscripten::function("multiHeadAttentionF64", &attention_lab::multi_head_attention_f64);
  emscripten::function("traceHead", &attention_lab::trace_head_call);
  emscripten::function("seededLayer", &attention_lab::seeded_layer);
  emscripten::function("embedTokens", &attention_lab::embed_tokens);
  emscripten::function("loadModel", &attention_lab::load_model_bytes);
  emscripten::function("randomModelLike", &attention_lab::random_model_like);
  emscripten::function("releaseModel", &attention_lab::release_model);
  emscripten::function("modelTokenize", &attention_lab::model_tokenize);
  emscripten::function("modelRun", &attention_lab::model_run);
  emscripten::function("modelMaskedLoss", &attention_lab::model_masked_loss);
  emscripten::function("modelPredict", &attention_lab::model_predict);
  emscripten::function("modelHeadNorms", &attention_lab::model_head_norms);
  emscripten::function("headWeightNorms", &attention_lab::head_norms_of);
  emscripten::function("microKernelInCache", &attention_lab::micro_kernel_in_cache);
  emscripten::function("simdPeakLoop", &attention_lab::simd_peak_loop);
  emscripten::constant("microKernelInCacheFlops", attention_lab::kMicroKernelInCacheFlops);
  emscripten::constant("simdPeakLoopFlops", attention_lab::kSimdPeakLoopFlops);
  emscripten::function("prepareLayer", &attention_lab::prepare_layer);
  emscripten::function("releaseLayer", &attention_lab::release_layer);
  emscripten::function("allocateFloats", &attention_lab::allocate_floats);
  emscripten::function("freeFloats", &attention_lab::free_floats);
  emscripten::function("runPreparedLayer", &attention_lab::run_prepared_layer);
  emscripten::function("heapBytesInUse", &attention_lab::heap_bytes_in_use);
  emscripten::function("simdBackend", &attention_lab::simd_backend);
}
