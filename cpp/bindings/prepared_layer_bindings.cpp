// Prepared layers at the wasm boundary: a layer's weights are checked and
// packed once (prepareLayer -> an id), then run on many inputs
// (runPreparedLayer), and released (releaseLayer). The benchmarks' "prepared"
// numbers and the one-shot call's target both measure against this path.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "analysis/overview.h"
#include "attention/attention.h"
#include "attention/gemm.h"
#include "js_values.h"

using emscripten::val;

namespace attention_lab {
namespace {

struct PreparedLayer : PackedLayer, Held {};

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
  auto layer = std::make_unique<PreparedLayer>();
  pack_layer(d_model, weights, *layer);
  val result = val::object();
  result.set("id", held_objects().add(std::move(layer)));
  return result;
}

void release_layer(int id) {
  if (held_objects().find_as<PreparedLayer>(id) != nullptr) held_objects().release(id);
}

// Runs a prepared layer: { x, context?, seqLen, contextLen?, numHeads, causal?,
// scale?, temperature?, wantAttention?, softmax?: 0 auto, 1 full rows, 2
// streaming (tiles, online softmax; only without attention) } -> { output,
// attention?, rowEntropy?, rowArgmax? (each row's strongest link) } as views of this layer call's buffers (valid
// until the next call), or { error }.
val run_prepared_layer(int id, const val& args) {
  const PreparedLayer* const layer = held_objects().find_as<PreparedLayer>(id);
  if (layer == nullptr) return error_result("no prepared layer with id " + std::to_string(id));
  static std::vector<float> x, context, output, attention, row_entropy;
  static std::vector<int> row_argmax;
  static RunOptionBuffers run_options;
  std::string problem;
  MhaShape shape;
  shape.d_model = layer->d_model;
  shape.seq_len = read_int(args, "seqLen", 0, problem);
  const bool self_attention = is_missing(args["context"]);
  if (problem.empty()) shape.context_len = read_int(args, "contextLen", self_attention ? shape.seq_len : 0, problem);
  if (problem.empty()) shape.num_heads = read_int(args, "numHeads", 0, problem);
  const int softmax = problem.empty() ? read_int(args, "softmax", 0, problem) : 0;
  if (problem.empty() && (softmax < 0 || softmax > 2)) problem = "softmax mode must be 0 (auto), 1 (full rows) or 2 (streaming)";
  MhaOptions options;
  options.causal = read_bool(args, "causal", false);
  options.softmax = static_cast<MhaOptions::Softmax>(softmax);
  if (problem.empty() && (!is_missing(args["headEnabled"]) || !is_missing(args["headGate"]))) {
    problem = "a prepared layer takes no headEnabled or headGate (use the one-shot call)";
  }
  if (problem.empty()) problem = read_run_options(args, 0, "numHeads", options, run_options);
  if (problem.empty()) problem = validate_shape(shape, options);
  const std::size_t d = static_cast<std::size_t>(shape.d_model);
  if (problem.empty()) problem = copy_in(args, "x", static_cast<std::size_t>(shape.seq_len) * d, "seqLen × dModel", x);
  if (problem.empty() && !self_attention) {
    problem = copy_in(args, "context", static_cast<std::size_t>(shape.context_len) * d, "contextLen × dModel", context);
  }
  MhaInputs<float> inputs;
  inputs.x = x.data();
  inputs.context = self_attention ? nullptr : context.data();
  // the weights were checked when the layer was prepared (they are null here): check the inputs only
  if (problem.empty()) problem = validate_values(shape, inputs);
  if (!problem.empty()) return error_result(problem);
  const bool want_attention = read_bool(args, "wantAttention", true);
  // poolLimits: up to 4 picture sizes; each head's weights max-pooled to fit (analysis/overview.h),
  // while they are still here (a long text's 32 MB of weights need not cross to be shrunk)
  std::vector<int> pool_limits;
  const val limits = args["poolLimits"];
  if (!is_missing(limits)) {
    const val length = limits["length"];
    if (!length.isNumber() || length.as<double>() > 4) return error_result("poolLimits must be an array of at most 4 sizes");
    for (int i = 0; i < length.as<int>(); ++i) {
      const val limit = limits[i];
      if (!limit.isNumber() || limit.as<double>() != std::floor(limit.as<double>()) || limit.as<double>() < 1 ||
          limit.as<double>() > 4096) {
        return error_result("poolLimits must hold whole numbers from 1 to 4096");
      }
      pool_limits.push_back(limit.as<int>());
    }
    if (!want_attention && !pool_limits.empty()) return error_result("poolLimits needs the attention (wantAttention)");
  }
  output.resize(static_cast<std::size_t>(shape.seq_len) * d);
  attention.resize(want_attention ? static_cast<std::size_t>(shape.num_heads) * shape.seq_len * shape.context_len : 0);
  row_entropy.resize(want_attention ? static_cast<std::size_t>(shape.num_heads) * shape.seq_len : 0);
  row_argmax.resize(row_entropy.size());
  MhaOutputs<float> outputs;
  outputs.output = output.data();
  outputs.attention = want_attention ? attention.data() : nullptr;
  outputs.row_entropy = want_attention ? row_entropy.data() : nullptr;
  outputs.row_argmax = want_attention ? row_argmax.data() : nullptr;
  multi_head_attention(shape, options, *layer, inputs, outputs);
  std::string overflow = check_finite_result(output.data(), output.size(), "the output");
  // a row whose scores overflowed is NaN throughout, its entropy too (every
  // other row's weights are finite): its entropy says so without reading the
  // (num_heads, seq_len, context_len) weights again
  if (overflow.empty()) overflow = check_finite_result(row_entropy.data(), row_entropy.size(), "the attention weights");
  if (!overflow.empty()) return error_result(overflow);
  // (pooled before any view is taken: its allocations may grow the memory, which detaches views)
  static std::vector<analysis::PooledMatrices> pooled;
  pooled = pool_limits.empty() ? std::vector<analysis::PooledMatrices>{}
                               : analysis::pool_pictures(attention.data(), shape.num_heads, shape.seq_len,
                                                         shape.context_len, pool_limits);
  val result = val::object();
  result.set("output", view_of(output));
  if (want_attention) {
    result.set("attention", view_of(attention));
    result.set("rowEntropy", view_of(row_entropy));
    result.set("rowArgmax", view_of(row_argmax));
  }
  val pictures = val::array();
  for (std::size_t i = 0; i < pooled.size(); ++i) {
    val picture = val::object();
    picture.set("limit", pool_limits[i]);
    picture.set("block", pooled[i].block);
    picture.set("rows", pooled[i].rows);
    picture.set("cols", pooled[i].cols);
    picture.set("values", view_of(pooled[i].values));
    pictures.call<void>("push", picture);
  }
  if (!pool_limits.empty()) result.set("pooled", pictures);
  return result;
}

}  // namespace
}  // namespace attention_lab

EMSCRIPTEN_BINDINGS(prepared_layers) {
  emscripten::function("prepareLayer", &attention_lab::prepare_layer);
  emscripten::function("releaseLayer", &attention_lab::release_layer);
  emscripten::function("runPreparedLayer", &attention_lab::run_prepared_layer);
}
