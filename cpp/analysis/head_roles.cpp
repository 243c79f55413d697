#include "analysis/head_roles.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "attention/simd4.h"
#include "text/tokenizer.h"

namespace attention_lab::analysis {

const char* relation_key(Relation relation) {
  static const char* const keys[kRelationCount] = {"previous", "next", "self", "first", "punctuation"};
  return keys[static_cast<int>(relation)];
}

bool is_punctuation_token(const std::string& token_text) { return attention_lab::is_punctuation_token(token_text); }

int argmax_of_row(const float* row, int width) { return simd::first_maximum(row, width); }

double entropy_of_row(const float* row, int width) {
  double entropy = 0;
  for (int j = 0; j < width; ++j) {
    if (row[j] > 0) entropy -= row[j] * std::log(static_cast<double>(row[j]));
  }
  return entropy;
}

void count_keyed(const float* weights, int seq_len, int context_len, const int* keys, KeyedCount& count) {
  for (int i = 0; i < seq_len; ++i) {
    if (keys[i] < 0) continue;
    count.rows += 1;
    count.hits += argmax_of_row(weights + static_cast<std::size_t>(i) * context_len, context_len) == keys[i];
  }
}

template <typename RowFacts>
void HeadTally::add_rows(int seq_len, int context_len, const std::vector<bool>& punctuation, bool cross, bool causal,
                         RowFacts row_facts) {
  // 1. Where each relation exists: "previous" and "first" on rows 1.., "next"
  //    on rows ..n-2, "self" and "punctuation" on every row.
  cross_ = cross_ || cross;
  const double others = seq_len > 0 ? seq_len - 1 : 0;
  rows_with_[static_cast<int>(Relation::kPrevious)] += others;
  rows_with_[static_cast<int>(Relation::kNext)] += others;
  rows_with_[static_cast<int>(Relation::kFirst)] += others;
  rows_with_[static_cast<int>(Relation::kSelf)] += seq_len;
  rows_with_[static_cast<int>(Relation::kPunctuation)] += seq_len;
  rows_ += seq_len;
  const double max_entropy = context_len > 1 ? std::log(static_cast<double>(context_len)) : 0.0;
  for (int i = 0; i < seq_len; ++i) {
    // 2. The strongest link of row i and the relations it satisfies
    const auto [j, h] = row_facts(i);
    hits_[static_cast<int>(Relation::kPrevious)] += i > 0 && j == i - 1;
    hits_[static_cast<int>(Relation::kNext)] += i < seq_len - 1 && j == i + 1;
    hits_[static_cast<int>(Relation::kSelf)] += j == i;
    hits_[static_cast<int>(Relation::kFirst)] += i > 0 && j == 0;
    hits_[static_cast<int>(Relation::kPunctuation)] += j < static_cast<int>(punctuation.size()) && punctuation[j];
    // 3. Its entropy h, raw and as a share of a uniform row's
    entropy_ += h;
    if (causal) {
      if (i > 0) {
        normalised_ += h / std::log(static_cast<double>(std::min(i + 1, context_len)));
        normalised_rows_ += 1;
      }
    } else {
      if (max_entropy > 0) normalised_ += h / max_entropy;
      normalised_rows_ += 1;
    }
  }
}

void HeadTally::add(const float* weights, int seq_len, int context_len, const std::vector<bool>& punctuation, bool cross,
                    const float* row_entropy, bool causal) {
  add_rows(seq_len, context_len, punctuation, cross, causal, [&](int i) {
    const float* row = weights + static_cast<std::size_t>(i) * context_len;
    return std::pair<int, double>{argmax_of_row(row, context_len),
                                  row_entropy != nullptr ? row_entropy[i] : entropy_of_row(row, context_len)};
  });
}

void HeadTally::add_strongest(const int* strongest, const float* row_entropy, int seq_len, int context_len,
                              const std::vector<bool>& punctuation, bool cross, bool causal) {
  add_rows(seq_len, context_len, punctuation, cross, causal,
           [&](int i) { return std::pair<int, double>{strongest[i], row_entropy[i]}; });
}

HeadStatistics HeadTally::statistics() const {
  HeadStatistics s;
  for (int r = 0; r < kRelationCount; ++r) {
    const bool positional = r != static_cast<int>(Relation::kPunctuation);
    s.shares[r] = cross_ && positional ? std::numeric_limits<double>::quiet_NaN()
                                       : hits_[r] / std::max(1.0, rows_with_[r]);
  }
  s.entropy = rows_ > 0 ? entropy_ / rows_ : 0;
  s.normalised_entropy = normalised_rows_ > 0 ? normalised_ / normalised_rows_ : 0;
  s.rows = rows_;
  s.cross = cross_;
  return s;
}

RoleDecision decide_role(const HeadStatistics& s, double criterion) {
  RoleDecision decision;
  // 1. The best relation (the first of equals, in Relation order)
  int best = -1;
  for (int r = 0; r < kRelationCount; ++r) {
    if (std::isnan(s.shares[r])) continue;
    if (best < 0 || s.shares[r] > s.shares[best]) best = r;
  }
  if (best >= 0) {
    decision.relation = static_cast<Relation>(best);
    decision.value = s.shares[best];
  }
  // 2. The label: too short to judge, a relation, broad, or mixed. Across two
  //    sentences positions do not line up: no relation is labelled there.
  if (!s.cross && s.rows < kFewestTokensToJudge) {
    decision.kind = "too-short";
  } else if (!s.cross && best >= 0 && s.shares[best] >= criterion) {
    decision.kind = "relation";
  } else if (s.normalised_entropy >= kBroadEntropy) {
    decision.kind = "broad";
    decision.value = s.normalised_entropy;
  } else {
    decision.kind = "mixed";
  }
  return decision;
}

CombinedRole decide_role_on_all(const std::vector<HeadStatistics>& per_kind, double criterion) {
  CombinedRole combined;
  combined.decision.kind = "mixed";
  if (per_kind.empty()) return combined;
  // 1. Each kind's own decision: they must agree on a relation, or all be broad
  std::vector<RoleDecision> decisions;
  for (const HeadStatistics& s : per_kind) decisions.push_back(decide_role(s, criterion));
  const RoleDecision& first = decisions.front();
  bool agree = first.kind == "relation" || first.kind == "broad";
  for (const RoleDecision& d : decisions) {
    agree = agree && d.kind == first.kind && (d.kind != "relation" || d.relation == first.relation);
  }
  // 2. The margin: for the first kind's relation (or its entropy), the
  //    smallest distance to the threshold over every kind
  double margin = 1e9;
  for (const HeadStatistics& s : per_kind) {
    const double distance = first.kind == "broad" ? s.normalised_entropy - kBroadEntropy
                                                  : s.share(first.relation) - criterion;
    margin = margin < distance ? margin : distance;
  }
  combined.margin = margin;
  combined.decision = first;
  if (!agree || margin < kEdge) {
    combined.on_edge = agree && margin >= 0;
    combined.decision.kind = "mixed";
  }
  return combined;
}

}  // namespace attention_lab::analysis
