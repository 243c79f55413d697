// The live trainer's JavaScript boundary (a module of its own, loaded only by
// pages that train, usually inside a Web Worker). Trainers are kept here by
// integer handle; results are copied out whole (typed_memory_view + slice on
// the JS side). Errors come back as { error: "..." }, never as exceptions.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <malloc.h>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "js_values.h"
#include "../train/live_trainer.h"

using attention_lab::error_result;
using attention_lab::is_missing;
using emscripten::val;
using attention_lab::train::HeadRole;
using attention_lab::train::LiveOptions;
using attention_lab::train::LiveTrainer;
using attention_lab::train::TaskInfo;

namespace {

attention_lab::Handles<LiveTrainer>& trainers() {
  static attention_lab::Handles<LiveTrainer> all;
  return all;
}

LiveTrainer* find(int handle) { return trainers().find(handle); }

template <typename T>
val array_of(const std::vector<T>& values) {
  val out = val::array();
  for (std::size_t i = 0; i < values.size(); ++i) out.set(i, values[i]);
  return out;
}

// A whole number option in [low, high], left as it is when absent.
bool read_int(const val& options, const char* name, int low, int high, int& out, std::string& problem) {
  const int value = attention_lab::read_int(options, name, out, problem);
  if (!problem.empty() || value < low || value > high) {
    problem = std::string(name) + " must be a whole number from " + std::to_string(low) + " to " + std::to_string(high);
    return false;
  }
  out = value;
  return true;
}

val tasks() {
  val out = val::array();
  int index = 0;
  for (const TaskInfo& info : attention_lab::train::live_tasks()) {
    val task = val::object();
    task.set("id", info.id);
    task.set("title", info.title);
    task.set("description", info.description);
    task.set("roles", array_of(info.roles));
    task.set("defaultLayers", info.default_layers);
    task.set("defaultAttentionOnly", info.default_attention_only);
    task.set("cross", info.cross);
    task.set("causal", info.causal);
    task.set("threshold", info.threshold);
    out.set(index++, task);
  }
  return out;
}

// options: { task, dModel, heads, layers, batchSize, learningRate, seed, attentionOnly }
// (attentionOnly absent: the task's default); text: sentences, one a line.
val create_trainer(val options, std::string text) {
  if (is_missing(options)) options = val::object();
  LiveOptions o;
  std::string problem;
  if (!options["task"].isUndefined()) {
    if (!options["task"].isString()) return error_result("task must be a string");
    o.task = options["task"].as<std::string>();
  }
  int seed = 1;
  if (!read_int(options, "dModel", 4, 256, o.d_model, problem) || !read_int(options, "heads", 1, 256, o.num_heads, problem) ||
      !read_int(options, "layers", 0, 4, o.num_layers, problem) ||
      !read_int(options, "batchSize", 1, 256, o.batch_size, problem) ||
      !read_int(options, "seed", 0, 2147483647, seed, problem)) {
    return error_result(problem);
  }
  o.seed = static_cast<std::uint64_t>(seed);
  const val lr = options["learningRate"];
  if (!is_missing(lr)) {
    if (!lr.isNumber()) return error_result("learningRate must be a number");
    o.learning_rate = lr.as<double>();
  }
  const val attention_only = options["attentionOnly"];
  if (!is_missing(attention_only)) {
    if (!attention_only.isTrue() && !attention_only.isFalse()) return error_result("attentionOnly must be true or false");
    o.attention_only = attention_only.isTrue() ? 1 : 0;
  }
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  std::unique_ptr<LiveTrainer> trainer = LiveTrainer::create(o, lines, problem);
  if (!trainer) return error_result(problem);
  LiveTrainer& t = *trainer;
  const int handle = trainers().add(std::move(trainer));
  val result = val::object();
  result.set("handle", handle);
  result.set("task", t.task().id);
  result.set("dModel", t.config().d_model);
  result.set("heads", t.config().num_heads);
  result.set("layers", t.config().num_layers);
  result.set("headDim", t.config().head_dim());
  result.set("dFf", t.config().d_ff);
  result.set("attentionOnly", t.config().d_ff == 0);
  result.set("parameters", static_cast<double>(t.parameter_count()));
  result.set("vocabularySize", t.config().vocab_size);
  result.set("chanceLoss", t.chance_loss());
  result.set("targetLoss", t.target_loss());
  result.set("roles", array_of(t.task().roles));
  result.set("threshold", t.task().threshold);
  result.set("causal", t.task().causal);
  result.set("cross", t.task().cross);
  return result;
}

// Runs count steps; returns { losses: Float32Array(count), step }.
val step_trainer(int handle, int count) {
  LiveTrainer* trainer = find(handle);
  if (!trainer) return error_result("no trainer with handle " + std::to_string(handle));
  if (count < 1 || count > 10000) return error_result("steps must be from 1 to 10000");
  std::vector<float> losses(static_cast<std::size_t>(count));
  for (float& loss : losses) loss = trainer->step();
  val result = val::object();
  result.set("losses", val(emscripten::typed_memory_view(losses.size(), losses.data())).call<val>("slice"));
  result.set("step", trainer->steps_done());
  return result;
}

// [{ layer, head, scores, best }] per head.
val roles_array(const std::vector<HeadRole>& heads) {
  val roles = val::array();
  int index = 0;
  for (const HeadRole& role : heads) {
    val entry = val::object();
    entry.set("layer", role.layer);
    entry.set("head", role.head);
    entry.set("scores", array_of(role.scores));
    entry.set("best", role.best);
    roles.set(index++, entry);
  }
  return roles;
}

// Evaluation-set loss, the probe's attention and every head's role scores.
val evaluate_trainer(int handle) {
  LiveTrainer* trainer = find(handle);
  if (!trainer) return error_result("no trainer with handle " + std::to_string(handle));
  const double loss = trainer->evaluate();
  val result = val::object();
  result.set("step", trainer->steps_done());
  result.set("loss", loss);
  result.set("tokens", array_of(trainer->probe_tokens()));
  std::vector<std::string> targets;
  for (int target : trainer->probe_targets()) targets.push_back(target < 0 ? "" : trainer->vocabulary()[static_cast<std::size_t>(target)]);
  result.set("targets", array_of(targets));
  const std::vector<float>& attention = trainer->probe_attention();
  result.set("attention", val(emscripten::typed_memory_view(attention.size(), attention.data())).call<val>("slice"));
  result.set("roles", roles_array(trainer->roles()));
  if (trainer->task().cross) {
    // rows are output positions (labelled by the letter each should write),
    // columns the source letters; the untrained twin beside it
    result.set("rowTokens", array_of(targets));
    const std::vector<float>& twin = trainer->twin_probe_attention();
    result.set("twinAttention", val(emscripten::typed_memory_view(twin.size(), twin.data())).call<val>("slice"));
    result.set("twinRoles", roles_array(trainer->twin_roles()));
  }
  return result;
}

val set_learning_rate(int handle, double lr) {
  LiveTrainer* trainer = find(handle);
  if (!trainer) return error_result("no trainer with handle " + std::to_string(handle));
  const std::string problem = trainer->set_learning_rate(lr);
  if (!problem.empty()) return error_result(problem);
  return val::object();
}

void release_trainer(int handle) {
  trainers().release(handle);
}

// Bytes malloc currently hands out; lets tests check that trainers do not leak.
double heap_bytes_in_use() { return static_cast<double>(mallinfo().uordblks); }

}  // namespace

EMSCRIPTEN_BINDINGS(attention_lab_trainer) {
  emscripten::function("trainerTasks", &tasks);
  emscripten::function("createTrainer", &create_trainer);
  emscripten::function("stepTrainer", &step_trainer);
  emscripten::function("evaluateTrainer", &evaluate_trainer);
  emscripten::function("setTrainerLearningRate", &set_learning_rate);
  emscripten::function("releaseTrainer", &release_trainer);
  emscripten::function("heapBytesInUse", &heap_bytes_in_use);
}
