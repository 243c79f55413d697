// Trained transformer models at the wasm boundary: loading a model file, its
// untrained twin, tokenizing as the model sees text, runs, masked-word loss,
// predictions and the heads' importance. Loaded models live in the module's
// one registry (js_values.h), each with its weights packed once.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/importance.h"
#include "analysis/geometry.h"
#include "analysis/induction.h"
#include "analysis/rollout.h"
#include "js_values.h"
#include "model/generation.h"
#include "model/inference.h"
#include "model/model_file.h"
#include "text/tokenizer.h"

using emscripten::val;

namespace attention_lab {
namespace {

// Loaded models live here, addressed by a small integer id, until released,
// each with its weights packed once for the fast kernels.
struct StoredModel : LoadedModel, Held {
  PackedTransformer packed;
  std::vector<int> writers;  // released with the model
};

StoredModel* find_model(int id) { return held_objects().find_as<StoredModel>(id); }

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
  result.set("causal", c.causal);
  result.set("metadata", model.metadata_json);
  return result;
}

int store_model(std::unique_ptr<StoredModel> model) {
  pack_transformer(model->params, model->packed);
  return held_objects().add(std::move(model));
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
  StoredModel* model = find_model(id);
  if (model == nullptr) return;
  for (int writer : model->writers) held_objects().release(writer);
  held_objects().release(id);
}

// Tokens as the model sees them: { tokens, surfaces (both joined by '\n'),
// ids, punctuation (a flag per token, the analysis core's rule) }.
val model_tokenize(int id, const std::string& text) {
  const StoredModel* model = find_model(id);
  if (model == nullptr) return error_result("no model with id " + std::to_string(id));
  static std::vector<int> ids;
  static std::vector<std::uint8_t> punctuation;
  ids.clear();
  punctuation.clear();
  std::string tokens, surfaces;
  for (const Token& token : split_tokens(text, TokenRules::kModel)) {
    if (!ids.empty()) {
      tokens += '\n';
      surfaces += '\n';
    }
    tokens += token.text;
    surfaces += token.surface;
    ids.push_back(model->vocabulary.id(token.text));
    punctuation.push_back(is_punctuation_token(token.text));
  }
  val result = val::object();
  result.set("tokens", tokens);
  result.set("surfaces", surfaces);
  result.set("ids", view_of(ids));
  result.set("punctuation", view_of(punctuation));
  return result;
}

// Reads the common arguments of a model call: { ids: Int32Array,
// headEnabled?: Uint8Array (layers*heads), scale?, temperature? }. Returns "" or a message.
struct ModelCall {
  std::vector<int> ids;
  RunOptionBuffers buffers;
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
  MhaOptions mha;
  const std::string problem = read_run_options(args, static_cast<std::size_t>(c.num_layers * c.num_heads),
                                               "numLayers × numHeads", mha, call.buffers);
  if (!problem.empty()) return problem;
  call.options.head_enabled = mha.head_enabled;
  call.options.head_gate = mha.head_gate;
  call.options.has_scale = mha.has_scale;
  call.options.scale = mha.scale;
  call.options.temperature = mha.temperature;
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
  const bool want_logits = read_bool(args, "wantLogits", false);
  // wantHidden false (attention only): the last layer's MLP is skipped, unless logits are wanted
  call.options.want_hidden = read_bool(args, "wantHidden", true);
  static TransformerRun run;
  run_transformer(model->params, model->packed, call.ids, want_logits, run, call.options);
  std::string overflow = check_finite_result(run.attention.data(), run.attention.size(), "the attention weights");
  if (overflow.empty()) overflow = check_finite_result(run.hidden.data(), run.hidden.size(), "the hidden states");
  if (overflow.empty()) overflow = check_finite_result(run.logits.data(), run.logits.size(), "the logits");
  if (!overflow.empty()) return error_result(overflow);
  val result = val::object();
  result.set("seqLen", run.seq_len);
  result.set("attention", view_of(run.attention));
  result.set("rowEntropy", view_of(run.row_entropy));
  if (!run.hidden.empty()) {
    result.set("hidden", view_of(run.hidden));
  }
  if (want_logits) result.set("logits", view_of(run.logits));
  return result;
}

// Mean masked-word loss of the sentence (each word hidden in turn), nats per word.
val model_masked_loss(int id, const val& args) {
  const StoredModel* model = find_model(id);
  if (model == nullptr) return error_result("no model with id " + std::to_string(id));
  ModelCall call;
  const std::string problem = read_model_call(*model, args, call);
  if (!problem.empty()) return error_result(problem);
  const double loss = masked_sentence_loss(model->params, call.ids, call.options, &model->packed);
  const std::string overflow = check_finite_result(&loss, 1, "the loss");
  if (!overflow.empty()) return error_result(overflow);
  val result = val::object();
  result.set("loss", loss);
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
  const std::string overflow = check_finite_result(probabilities.data(), probabilities.size(), "the probabilities");
  if (!overflow.empty()) return error_result(overflow);
  val result = val::object();
  result.set("ids", view_of(ids));
  result.set("probabilities", view_of(probabilities));
  std::string words;
  for (std::size_t i = 0; i < ids.size(); ++i) words += (i ? "\n" : "") + model->vocabulary.word(ids[i]);
  result.set("words", words);
  return result;
}

// Michel et al. (2019) importance of every head for this sentence's
// masked-word loss: { ...ModelCall, step? } -> { importance (num_layers * num_heads) }.
val model_gradient_importance(int id, const val& args) {
  const StoredModel* model = find_model(id);
  if (model == nullptr) return error_result("no model with id " + std::to_string(id));
  ModelCall call;
  std::string problem = read_model_call(*model, args, call);
  double step = 1e-2;
  if (problem.empty() && !is_missing(args["step"])) {
    step = args["step"].isNumber() ? args["step"].as<double>() : -1;
    if (!(step > 0 && step < 0.5)) problem = "step must be a number between 0 and 0.5";
  }
  if (problem.empty() && call.options.head_gate != nullptr) problem = "gradient importance sets the head gates itself";
  if (!problem.empty()) return error_result(problem);
  static std::vector<float> importance;
  importance = gradient_importance(model->params, model->packed, call.ids, call.options, step);
  const std::string overflow = check_finite_result(importance.data(), importance.size(), "the importance");
  if (!overflow.empty()) return error_result(overflow);
  val result = val::object();
  result.set("importance", view_of(importance));
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
  result.set("norms", view_of(norms));
  return result;
}

// Across layers (analysis/rollout.h): { ...ModelCall, query } -> { raw (n, n):
// the last layer's heads averaged, rollout (n, n), flow (n) from `query`, or
// absent when the sentence is longer than flowLimit, flowLimit }.
val model_rollout(int id, const val& args) {
  const StoredModel* model = find_model(id);
  if (model == nullptr) return error_result("no model with id " + std::to_string(id));
  ModelCall call;
  std::string problem = read_model_call(*model, args, call);
  const int query = problem.empty() ? read_int(args, "query", 0, problem) : 0;
  const int n = static_cast<int>(call.ids.size());
  if (problem.empty() && (query < 0 || query >= n)) problem = "query must be a word of the sentence (0 to " + std::to_string(n - 1) + ")";
  if (!problem.empty()) return error_result(problem);
  const TransformerConfig& c = model->params.config;
  static TransformerRun run;
  call.options.want_hidden = false;
  run_transformer(model->params, model->packed, call.ids, false, run, call.options);
  static std::vector<float> raw, rollout, flow;
  raw.assign(static_cast<std::size_t>(n) * n, 0.0f);
  const float* last = run.attention.data() + static_cast<std::size_t>(c.num_layers - 1) * c.num_heads * n * n;
  for (int h = 0; h < c.num_heads; ++h) {
    for (std::size_t k = 0; k < raw.size(); ++k) raw[k] += last[static_cast<std::size_t>(h) * n * n + k] / static_cast<float>(c.num_heads);
  }
  const std::vector<double> rolled = analysis::attention_rollout(run.attention.data(), c.num_layers, c.num_heads, n);
  rollout.assign(rolled.begin(), rolled.end());
  const std::vector<double> flowed = analysis::attention_flow(run.attention.data(), c.num_layers, c.num_heads, n, query);
  flow.assign(flowed.begin(), flowed.end());
  val result = val::object();
  result.set("raw", view_of(raw));
  result.set("rollout", view_of(rollout));
  if (!flow.empty()) result.set("flow", view_of(flow));
  result.set("flowLimit", analysis::kMaxFlowTokens);
  return result;
}

// The paper's check on held-out sentences: { sentences: Int32Array of ids, lengths: Int32Array }
// -> { raw, rollout, flow (mean Spearman with ablation importance), sentences }.
val model_ablation_correlation(int id, const val& args) {
  const StoredModel* model = find_model(id);
  if (model == nullptr) return error_result("no model with id " + std::to_string(id));
  if (model->params.config.causal) return error_result("the ablation check hides words, which needs a masked language model");
  if (is_missing(args) || is_missing(args["ids"]) || is_missing(args["lengths"])) return error_result("ids and lengths are needed");
  std::vector<int> ids, lengths;
  const val count = args["lengths"]["length"];
  if (!count.isNumber() || !(count.as<double>() >= 0 && count.as<double>() <= 100000)) return error_result("lengths must be an array of sentence lengths");
  std::string problem = copy_in(args, "lengths", static_cast<std::size_t>(count.as<double>()), "sentences", lengths);
  std::size_t total = 0;
  for (int length : lengths) {
    if (length < 0 || length > 100000) problem = "a sentence length is out of range";
    total += static_cast<std::size_t>(std::max(0, length));
  }
  if (problem.empty()) problem = copy_in(args, "ids", total, "the sum of lengths", ids);
  for (int token : ids) {
    if (problem.empty() && (token < 0 || token >= model->params.config.vocab_size)) problem = "token id " + std::to_string(token) + " is outside the vocabulary";
  }
  if (!problem.empty()) return error_result(problem);
  std::vector<std::vector<int>> sentences;
  std::size_t offset = 0;
  for (int length : lengths) {
    sentences.emplace_back(ids.begin() + static_cast<std::ptrdiff_t>(offset), ids.begin() + static_cast<std::ptrdiff_t>(offset + static_cast<std::size_t>(length)));
    offset += static_cast<std::size_t>(length);
  }
  const analysis::AblationCorrelation c = analysis::correlate_with_ablation(model->params, model->packed, sentences);
  val result = val::object();
  result.set("raw", c.raw);
  result.set("rollout", c.rollout);
  result.set("flow", c.flow);
  result.set("sentences", c.sentences);
  return result;
}

// Query/key geometry of one head (analysis/geometry.h): { ...ModelCall, layer,
// head, extraIds?, extraLengths? } -> { coords (Float32Array, 2 per point: the
// sentence's queries, its keys, then each extra sentence's queries and keys),
// explained (2), keyShift, scale, extraLengths (those kept) }.
val model_query_key_geometry(int id, const val& args) {
  const StoredModel* model = find_model(id);
  if (model == nullptr) return error_result("no model with id " + std::to_string(id));
  ModelCall call;
  std::string problem = read_model_call(*model, args, call);
  const TransformerConfig& c = model->params.config;
  const int layer = problem.empty() ? read_int(args, "layer", 0, problem) : 0;
  const int head = problem.empty() ? read_int(args, "head", 0, problem) : 0;
  if (problem.empty() && (layer < 0 || layer >= c.num_layers)) problem = "layer must be from 0 to " + std::to_string(c.num_layers - 1);
  if (problem.empty() && (head < 0 || head >= c.num_heads)) problem = "head must be from 0 to " + std::to_string(c.num_heads - 1);
  std::vector<std::vector<int>> extra;
  if (problem.empty() && !is_missing(args["extraLengths"])) {
    const val count = args["extraLengths"]["length"];
    if (!count.isNumber() || !(count.as<double>() >= 0 && count.as<double>() <= 1000)) problem = "extraLengths must list up to 1000 sentence lengths";
    std::vector<int> lengths, ids;
    if (problem.empty()) problem = copy_in(args, "extraLengths", static_cast<std::size_t>(count.as<double>()), "extra sentences", lengths);
    std::size_t total = 0;
    for (int length : lengths) {
      if (problem.empty() && (length < 1 || length > c.max_len)) problem = "each extra sentence needs 1 to " + std::to_string(c.max_len) + " tokens";
      total += static_cast<std::size_t>(std::max(0, length));
    }
    if (problem.empty()) problem = copy_in(args, "extraIds", total, "the sum of extraLengths", ids);
    for (int token : ids) {
      if (problem.empty() && (token < 0 || token >= c.vocab_size)) problem = "token id " + std::to_string(token) + " is outside the vocabulary";
    }
    std::size_t offset = 0;
    for (int length : lengths) {
      if (!problem.empty()) break;
      extra.emplace_back(ids.begin() + static_cast<std::ptrdiff_t>(offset), ids.begin() + static_cast<std::ptrdiff_t>(offset + static_cast<std::size_t>(length)));
      offset += static_cast<std::size_t>(length);
    }
  }
  if (!problem.empty()) return error_result(problem);
  const analysis::QueryKeyGeometry g = analysis::query_key_geometry(model->params, model->packed, call.ids, layer, head, extra);
  static std::vector<float> coords;
  coords.assign(g.projection.coords.begin(), g.projection.coords.end());
  const std::string overflow = check_finite_result(coords.data(), coords.size(), "the projected points");
  if (!overflow.empty()) return error_result(overflow);
  val explained = val::array();
  explained.call<void>("push", g.projection.explained[0]);
  explained.call<void>("push", g.projection.explained[1]);
  val result = val::object();
  result.set("coords", view_of(coords));
  result.set("explained", explained);
  result.set("keyShift", g.key_shift);
  result.set("scale", g.scale);
  return result;
}

// The induction test (analysis/induction.h) on a model and, for the label,
// its untrained twin: { twin: model id, half?, trials?, seed? } ->
// { prefixMatching, twinPrefixMatching (num_layers * num_heads), induction
// (Uint8Array: 1 = earns the label), lossFirst, lossSecond, twinLossFirst,
// twinLossSecond, example (Int32Array, 2 * half ids), threshold, margin }.
val model_induction(int id, const val& args) {
  const StoredModel* model = find_model(id);
  if (model == nullptr) return error_result("no model with id " + std::to_string(id));
  std::string problem;
  const int twin_id = is_missing(args) ? -1 : read_int(args, "twin", -1, problem);
  const StoredModel* twin = find_model(twin_id);
  if (problem.empty() && twin == nullptr) problem = "the induction label needs the untrained twin (twin: a model id)";
  if (problem.empty() && !(twin->params.config.num_layers == model->params.config.num_layers &&
                           twin->params.config.num_heads == model->params.config.num_heads &&
                           twin->params.config.vocab_size == model->params.config.vocab_size)) {
    problem = "the twin must have the model's architecture";
  }
  analysis::InductionOptions options;
  options.half = problem.empty() ? read_int(args, "half", 20, problem) : 0;
  options.trials = problem.empty() ? read_int(args, "trials", 16, problem) : 0;
  const int seed = problem.empty() ? read_int(args, "seed", 1, problem) : 0;
  options.seed = static_cast<std::uint64_t>(std::max(0, seed));
  if (problem.empty() && (options.half < 2 || 2 * options.half > model->params.config.max_len)) {
    problem = "half must be from 2 to " + std::to_string(model->params.config.max_len / 2) + " (two copies must fit the model)";
  }
  if (problem.empty() && (options.trials < 1 || options.trials > 256)) problem = "trials must be from 1 to 256";
  if (problem.empty() && seed < 0) problem = "seed must be a whole number from 0";
  if (!problem.empty()) return error_result(problem);
  options.first_id = std::min(100, model->params.config.vocab_size / 2);
  const analysis::InductionResult mine = analysis::measure_induction(model->params, model->packed, options);
  const analysis::InductionResult base = analysis::measure_induction(twin->params, twin->packed, options);
  static std::vector<float> scores, twin_scores;
  static std::vector<std::uint8_t> earned;
  static std::vector<int> example;
  scores.assign(mine.prefix_matching.begin(), mine.prefix_matching.end());
  twin_scores.assign(base.prefix_matching.begin(), base.prefix_matching.end());
  earned.clear();
  for (std::size_t h = 0; h < scores.size(); ++h) earned.push_back(analysis::induction_earned(mine.prefix_matching[h], base.prefix_matching[h]));
  example = mine.example;
  val result = val::object();
  result.set("prefixMatching", view_of(scores));
  result.set("twinPrefixMatching", view_of(twin_scores));
  result.set("induction", view_of(earned));
  result.set("lossFirst", mine.loss_first);
  result.set("lossSecond", mine.loss_second);
  result.set("twinLossFirst", base.loss_first);
  result.set("twinLossSecond", base.loss_second);
  result.set("example", view_of(example));
  std::string words;
  for (std::size_t i = 0; i < example.size(); ++i) words += (i ? "\n" : "") + model->vocabulary.word(example[i]);
  result.set("exampleWords", words);
  result.set("threshold", analysis::kInductionScore);
  result.set("margin", analysis::kInductionMargin);
  return result;
}

// ---- the writer: a causal model writing word by word -------------------------------
// A writer keeps its model's key/value cache (model/generation.h), the words
// written so far and its random generator's state at every length, so a
// rewind continues exactly as the first run did.
struct StoredWriter : Held {
  int model_id = -1;
  DecoderCache cache;
  std::vector<int> tokens;
  std::vector<std::uint64_t> random_states;  // [length]: the generator before choosing word `length`
  std::vector<float> next_logits;            // scores for the word after the last one
  SplitMix64 random;
};

StoredWriter* find_writer(int id) { return held_objects().find_as<StoredWriter>(id); }

// Appends one token; sets rows to its attention rows. "" or a message (the writer unchanged).
std::string write_token(StoredModel& model, StoredWriter& writer, int token, std::vector<float>& rows) {
  static DecoderStep step;
  const std::string problem = decoder_step(model.params, model.packed, writer.cache, token, step);
  if (!problem.empty()) return problem;
  const std::string overflow = check_finite_result(step.logits.data(), step.logits.size(), "the logits");
  if (!overflow.empty()) {
    writer.cache.truncate(writer.cache.length - 1);
    return overflow;
  }
  writer.tokens.push_back(token);
  writer.next_logits = step.logits;
  writer.random_states.resize(writer.tokens.size());
  writer.random_states.push_back(writer.random.state());
  rows = step.attention;
  return "";
}

// The k likeliest next words as { ids, words ('\n'-joined), probabilities }.
void set_next_words(const StoredModel& model, const StoredWriter& writer, int k, double temperature, val& result) {
  static std::vector<int> ids;
  static std::vector<float> probabilities;
  ids.clear();
  probabilities.clear();
  const int vocab = model.params.config.vocab_size;
  for (const auto& [word, p] : top_next_words(writer.next_logits.data(), vocab, k, temperature)) {
    ids.push_back(word);
    probabilities.push_back(p);
  }
  std::string words;
  for (std::size_t i = 0; i < ids.size(); ++i) words += (i ? "\n" : "") + model.vocabulary.word(ids[i]);
  result.set("nextIds", view_of(ids));
  result.set("nextWords", words);
  result.set("nextProbabilities", view_of(probabilities));
}

// { ids: Int32Array (the prompt, at least one token), seed? } -> { id, length,
// attention: every prompt word's rows, position p's (num_layers, num_heads, p + 1) in turn }
val writer_start(int model_id, const val& args) {
  StoredModel* model = find_model(model_id);
  if (model == nullptr) return error_result("no model with id " + std::to_string(model_id));
  if (!model->params.config.causal) return error_result("this model reads in both directions (an encoder); only a causal model writes word by word");
  ModelCall call;
  std::string problem = read_model_call(*model, args, call);
  const double seed = problem.empty() && !is_missing(args["seed"]) && args["seed"].isNumber() ? args["seed"].as<double>() : 0.0;
  if (problem.empty() && !is_missing(args["seed"]) && (!args["seed"].isNumber() || !(seed >= 0 && seed <= 9007199254740991.0) || seed != std::floor(seed))) {
    problem = "seed must be a whole number from 0 to 2^53 - 1";
  }
  if (!problem.empty()) return error_result(problem);
  auto writer = std::make_unique<StoredWriter>();
  writer->model_id = model_id;
  writer->random = SplitMix64(seed_from(seed));
  writer->cache.reset(model->params.config);
  writer->random_states.push_back(writer->random.state());
  static std::vector<float> all_rows;
  all_rows.clear();
  std::vector<float> rows;
  for (int token : call.ids) {
    problem = write_token(*model, *writer, token, rows);
    if (!problem.empty()) return error_result(problem);
    all_rows.insert(all_rows.end(), rows.begin(), rows.end());
  }
  const int id = held_objects().add(std::move(writer));
  model->writers.push_back(id);
  val result = val::object();
  result.set("id", id);
  result.set("length", static_cast<int>(call.ids.size()));
  result.set("attention", view_of(all_rows));
  return result;
}

struct WriterCall {
  StoredModel* model = nullptr;
  StoredWriter* writer = nullptr;
};

std::string find_writer_call(int id, WriterCall& call) {
  call.writer = find_writer(id);
  if (call.writer == nullptr) return "no writer with id " + std::to_string(id) + " (released?)";
  call.model = find_model(call.writer->model_id);
  if (call.model == nullptr) return "the writer's model was released";
  return "";
}

// { temperature? (0 = greedy; default 0), topK? (0 = all), k? (bars, default 10), token? (write this id instead of choosing) }
// -> { token, word, position, attention (num_layers, num_heads, position + 1), probability (of the
//      written word under the distribution it came from), nextIds/nextWords/nextProbabilities (that
//      distribution's k likeliest, as shown before the choice) }
val writer_step(int id, const val& args) {
  WriterCall call;
  std::string problem = find_writer_call(id, call);
  if (!problem.empty()) return error_result(problem);
  const int vocab = call.model->params.config.vocab_size;
  double temperature = 0;
  if (!is_missing(args) && !is_missing(args["temperature"])) {
    temperature = args["temperature"].isNumber() ? args["temperature"].as<double>() : -1;
    if (!(temperature >= 0 && temperature <= 10)) problem = "temperature must be a number from 0 (greedy) to 10";
  }
  const int top_k = problem.empty() && !is_missing(args) ? read_int(args, "topK", 0, problem) : 0;
  const int k = problem.empty() && !is_missing(args) ? read_int(args, "k", 10, problem) : 10;
  const int forced = problem.empty() && !is_missing(args) ? read_int(args, "token", -1, problem) : -1;
  if (problem.empty() && (top_k < 0 || top_k > vocab)) problem = "topK must be between 0 (every word) and the vocabulary size";
  if (problem.empty() && (k < 1 || k > 100)) problem = "k must be between 1 and 100";
  if (problem.empty() && !is_missing(args) && !is_missing(args["token"]) && (forced < kFirstWritableId || forced >= vocab)) {
    problem = "token id " + std::to_string(forced) + " cannot be written (outside the vocabulary or a special token)";
  }
  if (problem.empty() && call.writer->cache.length >= call.model->params.config.max_len) {
    problem = "the model reads at most " + std::to_string(call.model->params.config.max_len) + " tokens; rewind to write further";
  }
  if (!problem.empty()) return error_result(problem);
  StoredWriter& writer = *call.writer;
  val result = val::object();
  set_next_words(*call.model, writer, k, temperature, result);
  const SplitMix64 before = writer.random;
  const int token = forced >= 0 ? forced : choose_next_word(writer.next_logits.data(), vocab, {temperature, top_k}, writer.random);
  const double probability = next_word_probability(writer.next_logits.data(), vocab, token, temperature);
  static std::vector<float> rows;
  problem = write_token(*call.model, writer, token, rows);
  if (!problem.empty()) {
    writer.random = before;
    return error_result(problem);
  }
  result.set("token", token);
  result.set("word", call.model->vocabulary.word(token));
  result.set("position", writer.cache.length - 1);
  result.set("probability", probability);
  result.set("attention", view_of(rows));
  return result;
}

// The next-word distribution after the last word: { k? , temperature? } -> { nextIds, nextWords, nextProbabilities }
val writer_next(int id, const val& args) {
  WriterCall call;
  std::string problem = find_writer_call(id, call);
  double temperature = 0;
  if (problem.empty() && !is_missing(args) && !is_missing(args["temperature"])) {
    temperature = args["temperature"].isNumber() ? args["temperature"].as<double>() : -1;
    if (!(temperature >= 0 && temperature <= 10)) problem = "temperature must be a number from 0 (greedy) to 10";
  }
  const int k = problem.empty() && !is_missing(args) ? read_int(args, "k", 10, problem) : 10;
  if (problem.empty() && (k < 1 || k > 100)) problem = "k must be between 1 and 100";
  if (!problem.empty()) return error_result(problem);
  val result = val::object();
  set_next_words(*call.model, *call.writer, k, temperature, result);
  return result;
}

// Forgets every word from `length` on (length >= 1) and restores the random
// generator to where it stood then, so writing again repeats the same words.
val writer_rewind(int id, int length) {
  WriterCall call;
  const std::string problem = find_writer_call(id, call);
  if (!problem.empty()) return error_result(problem);
  StoredWriter& writer = *call.writer;
  if (length < 1 || length > static_cast<int>(writer.tokens.size())) {
    return error_result("can rewind to a length from 1 to " + std::to_string(writer.tokens.size()));
  }
  // the last kept word is written again to recover its next-word scores
  const int last = writer.tokens[static_cast<std::size_t>(length - 1)];
  const std::uint64_t state = writer.random_states[static_cast<std::size_t>(length)];
  writer.cache.truncate(length - 1);
  writer.tokens.resize(static_cast<std::size_t>(length - 1));
  std::vector<float> rows;
  const std::string again = write_token(*call.model, writer, last, rows);
  if (!again.empty()) return error_result(again);
  writer.random = SplitMix64(state);
  writer.random_states.back() = state;
  val result = val::object();
  result.set("length", length);
  return result;
}

void writer_release(int id) {
  StoredWriter* writer = find_writer(id);
  if (writer == nullptr) return;
  if (StoredModel* model = find_model(writer->model_id)) {
    model->writers.erase(std::remove(model->writers.begin(), model->writers.end(), id), model->writers.end());
  }
  held_objects().release(id);
}

}  // namespace
}  // namespace attention_lab

EMSCRIPTEN_BINDINGS(attention_models) {
  emscripten::function("loadModel", &attention_lab::load_model_bytes);
  emscripten::function("randomModelLike", &attention_lab::random_model_like);
  emscripten::function("releaseModel", &attention_lab::release_model);
  emscripten::function("modelTokenize", &attention_lab::model_tokenize);
  emscripten::function("modelRun", &attention_lab::model_run);
  emscripten::function("modelMaskedLoss", &attention_lab::model_masked_loss);
  emscripten::function("modelPredict", &attention_lab::model_predict);
  emscripten::function("modelGradientImportance", &attention_lab::model_gradient_importance);
  emscripten::function("modelHeadNorms", &attention_lab::model_head_norms);
  emscripten::function("modelInduction", &attention_lab::model_induction);
  emscripten::function("modelRollout", &attention_lab::model_rollout);
  emscripten::function("modelQueryKeyGeometry", &attention_lab::model_query_key_geometry);
  emscripten::function("modelAblationCorrelation", &attention_lab::model_ablation_correlation);
  emscripten::function("writerStart", &attention_lab::writer_start);
  emscripten::function("writerStep", &attention_lab::writer_step);
  emscripten::function("writerNext", &attention_lab::writer_next);
  emscripten::function("writerRewind", &attention_lab::writer_rewind);
  emscripten::function("writerRelease", &attention_lab::writer_release);
}
