// Heads against word relations (syntax from a parser, coreference, brackets
// and quotes), measured as Clark et al. (2019) do: for each pair (dependent,
// head) of a relation, does the attention row of one word peak on the other?
// Each direction is scored on its own, and against the best fixed relative
// offset for that relation (a purely positional guesser), so a label is
// earned only by beating position.
//
// attention: (seq_len, seq_len) of one head, rows sum to 1.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "model/inference.h"
#include "model/transformer.h"
#include "text/tokenizer.h"

namespace attention_lab::analysis {

// One word pair of a relation in one sentence, as token positions.
struct RelationPair {
  int dependent = 0;  // e.g. the determiner, the subject, the pronoun, the closing bracket
  int head = 0;       // e.g. the noun, the verb, the antecedent, the opening bracket
};

enum class Direction { kDependentToHead, kHeadToDependent };
const char* direction_key(Direction direction);  // "dependent-to-head", "head-to-dependent"

// Counts over one head: pairs seen, and pairs whose `from` row peaks on `to`.
struct RelationScore {
  double hits = 0, pairs = 0;
  double accuracy() const { return pairs > 0 ? hits / pairs : 0.0; }
};

// Adds one sentence's pairs of one relation for one head.
void score_relation(const float* attention, int seq_len, const std::vector<RelationPair>& pairs, Direction direction,
                    RelationScore& score);

// The positional baseline: for every relative offset k (to - from), the share
// of pairs where from + k is to; returns the best share and its offset.
class OffsetBaseline {
 public:
  void add(const std::vector<RelationPair>& pairs, Direction direction);
  double best_share() const;
  int best_offset() const;
  double pairs() const { return pairs_; }

 private:
  std::map<int, double> counts_;
  double pairs_ = 0;
};

// The label rule for a relation: accuracy at least kRelationAccuracy and at
// least kRelationMargin above the baseline, over at least kMinimumPairs pairs.
constexpr double kRelationAccuracy = 0.5;
constexpr double kRelationMargin = 0.10;
constexpr double kMinimumPairs = 30;
bool relation_earned(double accuracy, double baseline, double pairs = kMinimumPairs);

// ---- relations in a sentence ------------------------------------------------------
// The relations measured, in the order they are reported: each names its
// dependent and its head, so both directions read naturally ("determiner ->
// noun", "noun -> determiner").
struct RelationInfo {
  const char* key;
  const char* dependent;
  const char* head;
  const char* source;  // "link-grammar", "templates" or "tokens"
};
const std::vector<RelationInfo>& relation_table();

// A parse of one sentence (scripts/parse-relations.py writes them): the
// parser's words with their bytes in the quote-straightened sentence (begin
// == end for its walls) and its links between word indices, with labels.
struct ParsedWord {
  std::size_t begin = 0, end = 0;
  std::string text;  // as the parser writes it, e.g. "dog.n", "'s.p"
};
struct ParsedLink {
  int left = 0, right = 0;
  std::string label;
};

// What a link means: the relation's key (null: none measured) and whether
// its left word is the dependent. The map, by link type:
//   D*   determiner -> noun, or possessive -> noun when the determiner is a
//        possessive pronoun or "'s"       (left: dependent)
//   S*   subject -> verb                 (left: dependent); SI*: inverted (right: dependent)
//   O*   object of the verb              (right: dependent)
//   J*   object of the preposition       (right: dependent)
//   A*   adjective -> noun               (left: dependent)
//   I*, PP*, Pv*, Pg*  auxiliary -> verb (left: dependent)
// Types of two capitals (DD, AN, ...) are other relations and are skipped.
struct LinkMeaning {
  const char* key = nullptr;
  bool left_is_dependent = true;
};
LinkMeaning classify_link(const std::string& label, const std::string& left_word);

// The token holding each parser word's first byte, or -1 (walls, words in no token).
std::vector<int> align_words(const std::vector<ParsedWord>& words, const std::vector<Token>& tokens);

// A sentence's pairs by relation key: the parser's links on its tokens (a link
// whose two words fall in one token is dropped), and quotes and brackets
// matched on the tokens themselves (closing -> opening).
std::map<std::string, std::vector<RelationPair>> sentence_relations(const std::vector<Token>& tokens,
                                                                    const std::vector<ParsedWord>& words,
                                                                    const std::vector<ParsedLink>& links);

// ---- measuring every head of a model ---------------------------------------------
// One held-out sentence with its relation pairs (and, for coreference, the
// positions of every candidate noun, for the nearest-preceding-noun baseline).
struct RelationSentence {
  std::string text;
  std::vector<int> ids;
  std::map<std::string, std::vector<RelationPair>> relations;
  std::vector<int> nouns;  // coreference sentences: every noun a pronoun could refer to
};

// One relation in one direction over a set of sentences.
struct RelationResult {
  double pairs = 0;
  double offset_baseline = 0;  // best fixed offset's share
  int offset = 0;              // that offset
  double noun_baseline = -1;   // coreference, dependent -> head only: nearest preceding noun's share (-1: not measured)
  std::vector<double> accuracy;             // per layer * head
  std::vector<std::vector<int>> examples;   // per layer * head: up to 3 sentence indices where every pair hits
  double baseline() const { return noun_baseline > offset_baseline ? noun_baseline : offset_baseline; }
};

// Runs the model on every sentence (the inference path, as the browser does)
// and scores every head on every relation, both directions:
// results[key][direction] (direction 0: dependent -> head, 1: head -> dependent).
std::map<std::string, std::vector<RelationResult>> measure_relations(
    const TransformerParams<float>& params, const PackedTransformer& packed, const std::vector<RelationSentence>& sentences);

}  // namespace attention_lab::analysis
