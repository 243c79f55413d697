// The tokenizer and the analysis core at the wasm boundary: every source's
// tokens, and every head's statistics and label (cpp/analysis/head_roles.h),
// so the widget shows numbers computed once, in C++.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/head_roles.h"
#include "analysis/importance.h"
#include "js_values.h"
#include "text/tokenizer.h"

using emscripten::val;

namespace attention_lab {
namespace {

constexpr std::size_t kMaxTextBytes = 1 << 20;

// { tokens, surfaces (joined by '\n'), punctuation (a flag per token) } under
// rules "model" (the trained models') or "seeded" (the seeded layer's).
val tokenize_text(const std::string& text, const std::string& rules) {
  if (rules != "model" && rules != "seeded") return error_result("rules must be \"model\" or \"seeded\"");
  if (text.size() > kMaxTextBytes) return error_result("the text is longer than 1 MB");
  static std::vector<std::uint8_t> punctuation;
  punctuation.clear();
  std::string tokens, surfaces;
  for (const Token& token : split_tokens(text, rules == "model" ? TokenRules::kModel : TokenRules::kSeeded)) {
    if (!punctuation.empty()) {
      tokens += '\n';
      surfaces += '\n';
    }
    tokens += token.text;
    surfaces += token.surface;
    punctuation.push_back(is_punctuation_token(token.text));
  }
  val result = val::object();
  result.set("tokens", tokens);
  result.set("surfaces", surfaces);
  result.set("punctuation", view_of(punctuation));
  return result;
}

int kind_code(const std::string& kind) {
  return kind == "relation" ? 0 : kind == "broad" ? 1 : kind == "mixed" ? 2 : 3;
}

// Every head's statistics on this sentence and its label, plus the label of
// its held-out statistics when given:
//   { attention (numLayers, numHeads, seqLen, contextLen), or rowArgmax (numLayers, numHeads, seqLen: each row's
//     strongest link, as the kernel reports it) with rowEntropy; rowEntropy? (numLayers, numHeads, seqLen),
//     numLayers, numHeads, seqLen, contextLen, punctuation (contextLen flags), cross?,
//     heldout? (numLayers * numHeads * 6: the five shares, then the normalised entropy), criterion? }
// -> { shares (heads * 5), entropy, normalisedEntropy (heads), role (heads * 2: kind, relation),
//      roleValue (heads), heldoutRole?, heldoutValue? }
val head_summaries(const val& args) {
  std::string problem;
  const int layers = read_int(args, "numLayers", 0, problem);
  const int heads = problem.empty() ? read_int(args, "numHeads", 0, problem) : 0;
  const int seq_len = problem.empty() ? read_int(args, "seqLen", 0, problem) : 0;
  const int context_len = problem.empty() ? read_int(args, "contextLen", seq_len, problem) : 0;
  if (problem.empty() && (layers < 1 || heads < 1 || seq_len < 1 || context_len < 1 || layers * heads > 4096 ||
                          static_cast<double>(layers) * heads * seq_len * context_len > 64.0 * 1024 * 1024)) {
    problem = "numLayers, numHeads, seqLen and contextLen must be positive and the attention at most 64M values";
  }
  const std::size_t count = static_cast<std::size_t>(std::max(0, layers * heads));
  static std::vector<float> attention, row_entropy;
  static std::vector<int> strongest;
  static std::vector<std::uint8_t> punctuation_flags;
  static std::vector<double> heldout;
  // rowArgmax and rowEntropy, as the fast kernel reports them, stand in for
  // the weights: a long text's 32 MB of weights then need not cross again
  const bool from_rows = !is_missing(args["rowArgmax"]);
  if (problem.empty() && from_rows) {
    problem = copy_in(args, "rowArgmax", count * static_cast<std::size_t>(seq_len), "numLayers × numHeads × seqLen", strongest);
    if (problem.empty() && is_missing(args["rowEntropy"])) problem = "rowArgmax needs rowEntropy";
    for (std::size_t i = 0; problem.empty() && i < strongest.size(); ++i) {
      if (strongest[i] < 0 || strongest[i] >= context_len) problem = "rowArgmax values must be positions from 0 to contextLen - 1";
    }
  } else if (problem.empty()) {
    problem = copy_in(args, "attention", count * static_cast<std::size_t>(seq_len) * context_len,
                      "numLayers × numHeads × seqLen × contextLen", attention);
  }
  const bool has_entropy = !is_missing(args["rowEntropy"]);
  if (problem.empty() && has_entropy) {
    problem = copy_in(args, "rowEntropy", count * static_cast<std::size_t>(seq_len), "numLayers × numHeads × seqLen",
                      row_entropy);
  }
  if (problem.empty()) {
    problem = copy_in(args, "punctuation", static_cast<std::size_t>(context_len), "contextLen", punctuation_flags);
  }
  const bool has_heldout = !is_missing(args["heldout"]);
  if (problem.empty() && has_heldout) problem = copy_in(args, "heldout", count * 6, "numLayers × numHeads × 6", heldout);
  double criterion = analysis::kRoleThreshold;
  if (problem.empty() && !is_missing(args["criterion"])) {
    criterion = args["criterion"].isNumber() ? args["criterion"].as<double>() : NAN;
    if (!(criterion > 0 && criterion <= 1)) problem = "criterion must be a number in (0, 1]";
  }
  if (!problem.empty()) return error_result(problem);

  const bool cross = read_bool(args, "cross", false);
  const std::vector<bool> punctuation(punctuation_flags.begin(), punctuation_flags.end());
  static std::vector<double> shares, entropy, normalised, role_value, heldout_value;
  static std::vector<int> role, heldout_role;
  shares.assign(count * analysis::kRelationCount, 0);
  entropy.assign(count, 0);
  normalised.assign(count, 0);
  role.assign(count * 2, 0);
  role_value.assign(count, 0);
  heldout_role.assign(has_heldout ? count * 2 : 0, 0);
  heldout_value.assign(has_heldout ? count : 0, 0);
  const std::size_t matrix = static_cast<std::size_t>(seq_len) * context_len;
  for (std::size_t h = 0; h < count; ++h) {
    // 1. This sentence
    analysis::HeadTally tally;
    if (from_rows) {
      tally.add_strongest(strongest.data() + h * seq_len, row_entropy.data() + h * seq_len, seq_len, context_len, punctuation, cross);
    } else {
      tally.add(attention.data() + h * matrix, seq_len, context_len, punctuation, cross,
                has_entropy ? row_entropy.data() + h * seq_len : nullptr);
    }
    const analysis::HeadStatistics s = tally.statistics();
    for (int r = 0; r < analysis::kRelationCount; ++r) shares[h * analysis::kRelationCount + r] = s.shares[r];
    entropy[h] = s.entropy;
    normalised[h] = s.normalised_entropy;
    const analysis::RoleDecision decided = analysis::decide_role(s, criterion);
    role[2 * h] = kind_code(decided.kind);
    role[2 * h + 1] = static_cast<int>(decided.relation);
    role_value[h] = decided.value;
    // 2. Held-out text (measured over a whole held-out set: never too short)
    if (has_heldout) {
      analysis::HeadStatistics measured;
      for (int r = 0; r < analysis::kRelationCount; ++r) measured.shares[r] = heldout[h * 6 + r];
      measured.normalised_entropy = heldout[h * 6 + 5];
      measured.rows = analysis::kFewestTokensToJudge;
      const analysis::RoleDecision held = analysis::decide_role(measured, criterion);
      heldout_role[2 * h] = kind_code(held.kind);
      heldout_role[2 * h + 1] = static_cast<int>(held.relation);
      heldout_value[h] = held.value;
    }
  }
  val result = val::object();
  result.set("shares", view_of(shares));
  result.set("entropy", view_of(entropy));
  result.set("normalisedEntropy", view_of(normalised));
  result.set("role", view_of(role));
  result.set("roleValue", view_of(role_value));
  if (has_heldout) {
    result.set("heldoutRole", view_of(heldout_role));
    result.set("heldoutValue", view_of(heldout_value));
  }
  return result;
}

// { changed, reference } (equal lengths) -> { relative, cosine }: how far an output moved.
val output_change_of(const val& args) {
  static std::vector<float> changed, reference;
  std::string problem;
  const val length = is_missing(args) ? val::undefined() : args["reference"]["length"];
  if (!length.isNumber()) problem = "reference must be an array of numbers";
  const std::size_t count = problem.empty() ? static_cast<std::size_t>(length.as<double>()) : 0;
  if (problem.empty()) problem = copy_in(args, "reference", count, "its length", reference);
  if (problem.empty()) problem = copy_in(args, "changed", count, "the reference's length", changed);
  if (!problem.empty()) return error_result(problem);
  const OutputChange change = output_change(changed.data(), reference.data(), count);
  val result = val::object();
  result.set("relative", change.relative);
  result.set("cosine", change.cosine);
  return result;
}

// The rule's names and thresholds, so the JavaScript side states them as C++ applies them.
val analysis_rules() {
  std::string relations;
  for (int r = 0; r < analysis::kRelationCount; ++r) {
    relations += (r ? "\n" : "") + std::string(analysis::relation_key(static_cast<analysis::Relation>(r)));
  }
  val result = val::object();
  result.set("relations", relations);
  result.set("kinds", std::string("relation\nbroad\nmixed\ntoo-short"));
  result.set("roleThreshold", analysis::kRoleThreshold);
  result.set("broadEntropy", analysis::kBroadEntropy);
  result.set("fewestTokens", analysis::kFewestTokensToJudge);
  return result;
}

}  // namespace
}  // namespace attention_lab

EMSCRIPTEN_BINDINGS(attention_analysis) {
  emscripten::function("tokenize", &attention_lab::tokenize_text);
  emscripten::function("headSummaries", &attention_lab::head_summaries);
  emscripten::function("analysisRules", &attention_lab::analysis_rules);
  emscripten::function("outputChange", &attention_lab::output_change_of);
}
