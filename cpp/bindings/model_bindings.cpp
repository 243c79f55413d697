// Trained transformer models at the wasm boundary: loading a model file, its
// untrained twin, tokenizing as the model sees text, runs, masked-word loss,
// predictions and the heads' importance. Loaded models live in the module's
// one registry (stored_model.h), each with its weights packed once. The
// analyses across heads and layers are model_analysis_bindings.cpp; the
// writer is writer_bindings.cpp.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/importance.h"
#include "js_values.h"
#include "stored_model.h"
#include "model/inference.h"
#include "model/model_file.h"
#include "text/tokenizer.h"

using emscripten::val;

namespace attention_lab {

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

std::string read_id_lists(const LoadedModel& model, const val& args, const char* ids_name, const char* lengths_name,
                          int longest, std::vector<std::vector<int>>& lists) {
  const val count = args[lengths_name]["length"];
  if (!count.isNumber() || !(count.as<double>() >= 0 && count.as<double>() <= 100000)) {
    return std::string(lengths_name) + " must be an array of sentence lengths";
  }
  std::vector<int> lengths, ids;
  std::string problem = copy_in(args, lengths_name, static_cast<std::size_t>(count.as<double>()), "sentences", lengths);
  std::size_t total = 0;
  for (int length : lengths) {
    if (problem.empty() && (length < 0 || length > longest)) problem = "each sentence needs 0 to " + std::to_string(longest) + " tokens";
    total += static_cast<std::size_t>(std::max(0, length));
  }
  if (problem.empty()) problem = copy_in(args, ids_name, total, "the sum of the lengths", ids);
  for (int token : ids) {
    if (problem.empty() && (token < 0 || token >= model.params.config.vocab_size)) problem = "token id " + std::to_string(token) + " is outside the vocabulary";
  }
  if (!problem.empty()) return problem;
  std::size_t offset = 0;
  for (int length : lengths) {
    lists.emplace_back(ids.begin() + static_cast<std::ptrdiff_t>(offset), ids.begin() + static_cast<std::ptrdiff_t>(offset + static_cast<std::size_t>(length)));
    offset += static_cast<std::size_t>(length);
  }
  return "";
}

namespace {


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
  // bytes, decoded by the caller at once (TextDecoder): embind's std::string
  // conversion read the encoder's 244 KB of metadata byte by byte (~30 ms in Chromium)
  result.set("metadata", val(emscripten::typed_memory_view(model.metadata_json.size(),
                                                           reinterpret_cast<const std::uint8_t*>(model.metadata_json.data()))));
  return result;
}

int store_model(std::unique_ptr<StoredModel> model) {
  pack_transformer_layers(model->params, model->packed);  // the output when logits are first wanted
  return held_objects().add(std::move(model));
}

// bytes: Uint8Array of a model file (see cpp/transformer.h).
// The model file's bytes, or (base64) its text in base64, as a model script carries it.
val load_model_from(const val& bytes, bool base64) {
  if (is_missing(bytes) || !bytes["length"].isNumber()) return error_result("model bytes must be a Uint8Array");
  const double length = bytes["length"].as<double>();
  if (length > (base64 ? 4.0 / 3.0 : 1.0) * 64.0 * 1024 * 1024) return error_result("model file is larger than 64 MB");
  auto model = std::make_unique<StoredModel>();
  {
    // not a std::vector: built -Os, its resize and destruction zero and walk all
    // 3.9 MB a byte at a time (~9 ms of a ~35 ms load in a profile)
    std::size_t size = static_cast<std::size_t>(length);
    const std::unique_ptr<std::uint8_t[]> data{new std::uint8_t[size]};
    val view{emscripten::typed_memory_view(size, data.get())};
    view.call<void>("set", bytes);
    std::string problem;
    if (base64) size = decode_base64_in_place(data.get(), size, problem);
    if (problem.empty()) problem = load_model(data.get(), size, *model);
    if (!problem.empty()) return error_result(problem);
  }
  // the file's bytes are freed before packing, so the packed weights reuse
  // their memory (fresh wasm pages cost ~5 ms a megabyte to touch in Chromium here)
  return describe_model(store_model(std::move(model)));
}

val load_model_bytes(const val& bytes) { return load_model_from(bytes, false); }
val load_model_base64(const val& text) { return load_model_from(text, true); }

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
  run_transformer(model->params, want_logits ? model->packed_for_logits() : model->packed_for_attention(), call.ids, want_logits, run,
                  call.options);
  std::string overflow = check_finite_result(run.attention.data(), run.attention.size(), "the attention weights");
  if (overflow.empty()) overflow = check_finite_result(run.hidden.data(), run.hidden.size(), "the hidden states");
  if (overflow.empty()) overflow = check_finite_result(run.logits.data(), run.logits.size(), "the logits");
  if (!overflow.empty()) return error_result(overflow);
  val result = val::object();
  result.set("seqLen", run.seq_len);
  result.set("attention", view_of(run.attention));
  result.set("rowEntropy", view_of(run.row_entropy));
  result.set("rowArgmax", view_of(run.row_argmax));
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
  const double loss = masked_sentence_loss(model->params, call.ids, call.options, &model->packed_for_logits());
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
  for (const auto& [word, p] : masked_predictions(model->params, call.ids, position, k, call.options, &model->packed_for_logits())) {
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
// masked-word loss: { ...ModelCall, step?, firstHead?, headCount? } -> { importance (headCount) },
// heads in layer-major order (all of them by default).
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
  const int heads = model->params.config.num_layers * model->params.config.num_heads;
  const int first_head = problem.empty() ? read_int(args, "firstHead", 0, problem) : 0;
  const int head_count = problem.empty() ? read_int(args, "headCount", heads - first_head, problem) : 0;
  if (problem.empty() && (first_head < 0 || first_head >= heads)) problem = "firstHead must be a head of the model (0.." + std::to_string(heads - 1) + ")";
  if (problem.empty() && (head_count < 1 || head_count > heads - first_head)) problem = "headCount must be 1.." + std::to_string(heads - first_head);
  if (!problem.empty()) return error_result(problem);
  static std::vector<float> importance;
  importance = gradient_importance(model->params, model->packed_for_logits(), call.ids, call.options, step, first_head, head_count);
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

}  // namespace
}  // namespace attention_lab

EMSCRIPTEN_BINDINGS(attention_models) {
  emscripten::function("loadModel", &attention_lab::load_model_bytes);
  emscripten::function("loadModelBase64", &attention_lab::load_model_base64);
  emscripten::function("randomModelLike", &attention_lab::random_model_like);
  emscripten::function("releaseModel", &attention_lab::release_model);
  emscripten::function("modelTokenize", &attention_lab::model_tokenize);
  emscripten::function("modelRun", &attention_lab::model_run);
  emscripten::function("modelMaskedLoss", &attention_lab::model_masked_loss);
  emscripten::function("modelPredict", &attention_lab::model_predict);
  emscripten::function("modelGradientImportance", &attention_lab::model_gradient_importance);
  emscripten::function("modelHeadNorms", &attention_lab::model_head_norms);
}
