// What a head measurably does: the one definition of the head-role statistics
// and of the rule that turns them into a label. Used by the corpus trainer
// (the model file's held-out statistics), the live trainer and, through the
// engine, the widget (this sentence's statistics and the label it shows).
//
// weights: (seq_len, context_len) row-major, rows sum to 1.
#pragma once

#include <string>
#include <vector>

namespace attention_lab::analysis {

// Voita et al. (2019) call a head positional when at least 90% of its
// arg-max weight falls on one fixed relation; the same bar serves every label.
constexpr double kRoleThreshold = 0.9;
// Mean normalised entropy at or above this: "broad (near-uniform)".
constexpr double kBroadEntropy = 0.9;
// Fewer tokens than this: a single sentence is too short to judge.
constexpr int kFewestTokensToJudge = 3;

// The relations a head's strongest link is checked against, in this order.
enum class Relation { kPrevious, kNext, kSelf, kFirst, kPunctuation };
constexpr int kRelationCount = 5;
const char* relation_key(Relation relation);  // "previous", "next", "self", "first", "punctuation"

// A token that is punctuation or a symbol: one or more characters, none a
// letter, digit or mark. The tokenizer's classes decide (text/tokenizer.h).
bool is_punctuation_token(const std::string& token_text);

int argmax_of_row(const float* row, int width);        // first maximum
double entropy_of_row(const float* row, int width);    // nats

struct HeadStatistics {
  // share of rows whose strongest link is that relation, over the rows where
  // it exists ("previous" and "first" on rows 1.., "next" on rows ..n-2;
  // NaN for positional relations in cross-attention, where positions do not line up)
  double shares[kRelationCount] = {0, 0, 0, 0, 0};
  double entropy = 0;             // mean nats per row
  double normalised_entropy = 0;  // mean of entropy / log(context_len), 0 when context_len is 1
  double rows = 0;                // rows measured
  bool cross = false;             // measured on cross-attention
  double share(Relation r) const { return shares[static_cast<int>(r)]; }
};

// Accumulates one head's statistics over one or more attention matrices.
class HeadTally {
 public:
  // punctuation: (context_len) flags of the attended tokens. row_entropy:
  // (seq_len) entropies already known (the softmax's own sums), or null.
  // cross: queries and keys come from different sentences. causal: row i
  // sees keys 0..i only, so its entropy is measured against log(i + 1) and
  // row 0 (one key, no choice) is left out of the normalised mean.
  void add(const float* weights, int seq_len, int context_len, const std::vector<bool>& punctuation, bool cross = false,
           const float* row_entropy = nullptr, bool causal = false);
  // The same from what the fast kernel reports per row (MhaOutputs::row_argmax
  // and row_entropy), without the weights: strongest[i] in [0, context_len).
  void add_strongest(const int* strongest, const float* row_entropy, int seq_len, int context_len,
                     const std::vector<bool>& punctuation, bool cross = false, bool causal = false);
  HeadStatistics statistics() const;

 private:
  // row_facts(i) -> { strongest link, entropy } of row i (defined and used in head_roles.cpp only)
  template <typename RowFacts>
  void add_rows(int seq_len, int context_len, const std::vector<bool>& punctuation, bool cross, bool causal,
                RowFacts row_facts);

  double hits_[kRelationCount] = {0, 0, 0, 0, 0};
  double rows_with_[kRelationCount] = {0, 0, 0, 0, 0};
  double rows_ = 0, entropy_ = 0, normalised_ = 0, normalised_rows_ = 0;
  bool cross_ = false;
};

// A relation given as a key per row (a live-training task's "mirror
// position", "matching bracket", "induction"): rows with a key (keys[i] >= 0)
// and those whose strongest link is that key.
struct KeyedCount {
  double hits = 0, rows = 0;
  double share() const { return rows > 0 ? hits / rows : 0.0; }
};
void count_keyed(const float* weights, int seq_len, int context_len, const int* keys, KeyedCount& count);

// The label rule. kind: "relation" (value = its share), "broad" (value = the
// normalised entropy), "mixed" (value = the best share), or "too-short" (a
// sentence of fewer than kFewestTokensToJudge tokens).
struct RoleDecision {
  std::string kind;
  Relation relation = Relation::kPrevious;  // for "relation", and the closest one otherwise
  double value = 0;
};
RoleDecision decide_role(const HeadStatistics& statistics, double criterion = kRoleThreshold);

// A label that must hold on several kinds of held-out text (definitions and
// quotations, say): the same relation (or "broad") decided on every kind, and
// clear of its threshold by at least kEdge on each, else "mixed". margin: the
// smallest distance to the threshold over the kinds (negative when missed).
constexpr double kEdge = 0.02;
struct CombinedRole {
  RoleDecision decision;  // kind "relation", "broad" or "mixed"
  double margin = 0;
  bool on_edge = false;   // met everywhere, but within kEdge of the threshold somewhere
};
CombinedRole decide_role_on_all(const std::vector<HeadStatistics>& per_kind, double criterion = kRoleThreshold);

}  // namespace attention_lab::analysis
