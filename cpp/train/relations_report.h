// Syntactic, coreference and rare-pattern heads of a trained model, measured
// on held-out text (analysis/relations.h) and written into the model file's
// metadata. Native only: reads the parses scripts/parse-relations.py wrote.
#pragma once

#include <string>
#include <vector>

#include "analysis/relations.h"
#include "model/model_file.h"

namespace attention_lab::train {

// Parsed sentences (JSON lines) as relation sentences for this vocabulary.
std::vector<analysis::RelationSentence> read_parsed_sentences(const std::string& path, const Vocabulary& vocabulary);

// data/coreference.txt: {pronoun}, [antecedent], <other noun> markers.
std::vector<analysis::RelationSentence> read_coreference_sentences(const std::string& path, const Vocabulary& vocabulary);

struct RelationKind {
  std::string name;  // "definitions", "quotations", "templates"
  std::vector<analysis::RelationSentence> sentences;
};

// Measures every head on every kind and returns the metadata's "relations"
// object (JSON text); prints a summary (each head's best relation against its
// baseline) to stdout.
std::string relations_json(const LoadedModel& model, const std::vector<RelationKind>& kinds);

// The positional statistics of every head on each kind of held-out text, and
// each head's label decided on all of them (analysis::decide_role_on_all):
// the metadata's "positional" object (JSON text).
std::string positional_json(const LoadedModel& model, const std::vector<RelationKind>& kinds);

// Every kind's sentences as JSON lines, one per sentence: {"kind", "text",
// "ids", "relations": {key: [[dependent, head], ...]}}, token positions as
// measured. The wasm test (tests/node/relations-wasm.test.mjs) recomputes the
// recorded accuracies from them in the browser's engine.
std::string relation_pairs_jsonl(const std::vector<RelationKind>& kinds);

// The metadata JSON with `key` replaced by (or added as) `value` (JSON text).
std::string with_metadata(const std::string& metadata_json, const std::string& key, const std::string& value);

}  // namespace attention_lab::train
