// Analyses of a loaded model across its heads and layers at the wasm
// boundary: attention rollout and flow with the ablation check, one head's
// query/key geometry, and the induction test against the untrained twin.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/geometry.h"
#include "analysis/induction.h"
#include "analysis/rollout.h"
#include "js_values.h"
#include "stored_model.h"

using emscripten::val;

namespace attention_lab {
namespace {

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
  run_transformer(model->params, model->packed_for_attention(), call.ids, false, run, call.options);
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
  std::vector<std::vector<int>> sentences;
  const std::string problem = read_id_lists(*model, args, "ids", "lengths", 100000, sentences);
  if (!problem.empty()) return error_result(problem);
  const analysis::AblationCorrelation c = analysis::correlate_with_ablation(model->params, model->packed_for_logits(), sentences);
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
    problem = read_id_lists(*model, args, "extraIds", "extraLengths", c.max_len, extra);
    for (const std::vector<int>& sentence : extra) {
      if (problem.empty() && sentence.empty()) problem = "each extra sentence needs 1 to " + std::to_string(c.max_len) + " tokens";
    }
  }
  if (!problem.empty()) return error_result(problem);
  const analysis::QueryKeyGeometry g = analysis::query_key_geometry(model->params, model->packed_for_attention(), call.ids, layer, head, extra, call.options);
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
  const analysis::InductionResult mine = analysis::measure_induction(model->params, model->packed_for_logits(), options);
  const analysis::InductionResult base = analysis::measure_induction(twin->params, twin->packed_for_logits(), options);
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

}  // namespace
}  // namespace attention_lab

EMSCRIPTEN_BINDINGS(attention_model_analysis) {
  emscripten::function("modelInduction", &attention_lab::model_induction);
  emscripten::function("modelRollout", &attention_lab::model_rollout);
  emscripten::function("modelQueryKeyGeometry", &attention_lab::model_query_key_geometry);
  emscripten::function("modelAblationCorrelation", &attention_lab::model_ablation_correlation);
}
