// The writer at the wasm boundary: a causal model writing word by word with
// its key/value cache (model/generation.h), held by a handle until released.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "js_values.h"
#include "model/generation.h"
#include "stored_model.h"

using emscripten::val;

namespace attention_lab {
namespace {

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

// args.temperature: 0 (greedy, the default) to 10; sets problem when it is not.
double read_temperature(const val& args, std::string& problem) {
  if (!problem.empty() || is_missing(args) || is_missing(args["temperature"])) return 0;
  const double temperature = args["temperature"].isNumber() ? args["temperature"].as<double>() : -1;
  if (!(temperature >= 0 && temperature <= 10)) problem = "temperature must be a number from 0 (greedy) to 10";
  return temperature;
}

// Appends one token; sets rows to its attention rows. "" or a message (the writer unchanged).
std::string write_token(StoredModel& model, StoredWriter& writer, int token, std::vector<float>& rows) {
  static DecoderStep step;
  const std::string problem = decoder_step(model.params, model.packed_for_logits(), writer.cache, token, step);
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
  const double temperature = read_temperature(args, problem);
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
  const double temperature = read_temperature(args, problem);
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

EMSCRIPTEN_BINDINGS(attention_writer) {
  emscripten::function("writerStart", &attention_lab::writer_start);
  emscripten::function("writerStep", &attention_lab::writer_step);
  emscripten::function("writerNext", &attention_lab::writer_next);
  emscripten::function("writerRewind", &attention_lab::writer_rewind);
  emscripten::function("writerRelease", &attention_lab::writer_release);
}
