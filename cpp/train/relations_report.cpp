#include "relations_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "analysis/head_roles.h"

namespace attention_lab::train {

using analysis::RelationSentence;
using nlohmann::json;

namespace {

std::vector<int> ids_of(const std::vector<Token>& tokens, const Vocabulary& vocabulary) {
  std::vector<int> ids;
  for (const Token& token : tokens) ids.push_back(vocabulary.id(token.text));
  return ids;
}

int token_at(const std::vector<Token>& tokens, std::size_t byte) {
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    if (byte >= tokens[t].begin && byte < tokens[t].end) return static_cast<int>(t);
  }
  return -1;
}

double rounded(double value) { return std::round(value * 1e4) / 1e4; }

}  // namespace

std::vector<RelationSentence> read_parsed_sentences(const std::string& path, const Vocabulary& vocabulary) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot read " + path + " (run scripts/parse-relations.py)");
  std::vector<RelationSentence> out;
  std::string line;
  while (std::getline(file, line)) {
    const json parse = json::parse(line);
    RelationSentence sentence;
    sentence.text = parse["text"].get<std::string>();
    const std::vector<Token> tokens = split_tokens(sentence.text);
    std::vector<analysis::ParsedWord> words;
    for (const auto& w : parse["words"]) words.push_back({w[0].get<std::size_t>(), w[1].get<std::size_t>(), w[2].get<std::string>()});
    std::vector<analysis::ParsedLink> links;
    for (const auto& l : parse["links"]) links.push_back({l[0].get<int>(), l[1].get<int>(), l[2].get<std::string>()});
    sentence.ids = ids_of(tokens, vocabulary);
    sentence.relations = analysis::sentence_relations(tokens, words, links);
    out.push_back(std::move(sentence));
  }
  return out;
}

std::vector<RelationSentence> read_coreference_sentences(const std::string& path, const Vocabulary& vocabulary) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot read " + path);
  std::vector<RelationSentence> out;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty()) continue;
    // strip the markers, remembering where each marked word starts
    std::string text;
    std::size_t pronoun = std::string::npos, antecedent = std::string::npos;
    std::vector<std::size_t> nouns;
    for (char c : line) {
      if (c == '{') pronoun = text.size();
      else if (c == '[') { antecedent = text.size(); nouns.push_back(text.size()); }
      else if (c == '<') nouns.push_back(text.size());
      else if (c != '}' && c != ']' && c != '>') text += c;
    }
    if (pronoun == std::string::npos || antecedent == std::string::npos) throw std::runtime_error(path + ": unmarked line: " + line);
    RelationSentence sentence;
    sentence.text = text;
    const std::vector<Token> tokens = split_tokens(text);
    sentence.ids = ids_of(tokens, vocabulary);
    sentence.relations["coref"].push_back({token_at(tokens, pronoun), token_at(tokens, antecedent)});
    for (std::size_t noun : nouns) sentence.nouns.push_back(token_at(tokens, noun));
    out.push_back(std::move(sentence));
  }
  return out;
}

std::string relation_pairs_jsonl(const std::vector<RelationKind>& kinds) {
  std::string out;
  for (const RelationKind& kind : kinds) {
    for (const RelationSentence& sentence : kind.sentences) {
      if (sentence.relations.empty()) continue;
      json relations = json::object();
      for (const auto& [key, pairs] : sentence.relations) {
        json list = json::array();
        for (const analysis::RelationPair& pair : pairs) list.push_back({pair.dependent, pair.head});
        relations[key] = list;
      }
      out += json{{"kind", kind.name}, {"text", sentence.text}, {"ids", sentence.ids}, {"relations", relations}}.dump();
      out += '\n';
    }
  }
  return out;
}

std::string relations_json(const LoadedModel& model, const std::vector<RelationKind>& kinds) {
  PackedTransformer packed;
  pack_transformer(model.params, packed);
  const TransformerConfig& c = model.params.config;
  json out = json::object();
  out["rule"] = {{"accuracy", analysis::kRelationAccuracy}, {"margin", analysis::kRelationMargin}, {"minimumPairs", analysis::kMinimumPairs},
                 {"directions", {"dependent-to-head", "head-to-dependent"}}};
  json relations = json::array();
  for (const analysis::RelationInfo& info : analysis::relation_table()) {
    json relation = {{"key", info.key}, {"dependent", info.dependent}, {"head", info.head}, {"source", info.source},
                     {"kinds", json::object()}};
    for (const RelationKind& kind : kinds) {
      const auto results = analysis::measure_relations(model.params, packed, kind.sentences);
      const auto found = results.find(info.key);
      if (found == results.end() || found->second.front().pairs == 0) continue;
      json directions = json::array();
      for (const analysis::RelationResult& r : found->second) {
        json accuracy = json::array(), examples = json::array();
        for (int l = 0; l < c.num_layers; ++l) {
          json layer_accuracy = json::array(), layer_examples = json::array();
          for (int h = 0; h < c.num_heads; ++h) {
            const std::size_t index = static_cast<std::size_t>(l * c.num_heads + h);
            layer_accuracy.push_back(rounded(r.accuracy[index]));
            json texts = json::array();
            for (int s : r.examples[index]) {
              const analysis::RelationSentence& sentence = kind.sentences[static_cast<std::size_t>(s)];
              const analysis::RelationPair& pair = sentence.relations.at(info.key).front();
              const bool forward = directions.empty();  // the first result is dependent -> head
              texts.push_back({{"text", sentence.text}, {"from", forward ? pair.dependent : pair.head},
                               {"to", forward ? pair.head : pair.dependent}});
            }
            layer_examples.push_back(texts);
          }
          accuracy.push_back(layer_accuracy);
          examples.push_back(layer_examples);
        }
        json direction = {{"pairs", r.pairs}, {"offsetBaseline", rounded(r.offset_baseline)}, {"offset", r.offset},
                          {"baseline", rounded(r.baseline())}, {"accuracy", accuracy}, {"examples", examples}};
        if (r.noun_baseline >= 0) direction["nounBaseline"] = rounded(r.noun_baseline);
        directions.push_back(direction);
      }
      relation["kinds"][kind.name] = directions;
    }
    relations.push_back(relation);
  }
  out["relations"] = relations;
  // 2. Each head's relation: the (relation, direction) whose worst margin over
  //    the kinds measured is largest; earned only when it clears the rule on
  //    every kind (a relation measured on one kind only, like coreference on
  //    its templates, needs that one).
  json heads = json::array();
  for (int l = 0; l < c.num_layers; ++l) {
    json layer = json::array();
    for (int h = 0; h < c.num_heads; ++h) {
      json best;
      double best_margin = -1e9;
      for (const json& relation : relations) {
        for (int d = 0; d < 2; ++d) {
          double margin = 1e9;
          json per_kind = json::object();
          json examples = json::array();
          for (const auto& [kind, directions] : relation["kinds"].items()) {
            const json& direction = directions[static_cast<std::size_t>(d)];
            const double accuracy = direction["accuracy"][l][h].get<double>();
            const double baseline = direction["baseline"].get<double>();
            margin = std::min(margin, std::min(accuracy - analysis::kRelationAccuracy, accuracy - baseline - analysis::kRelationMargin));
            if (direction["pairs"].get<double>() < analysis::kMinimumPairs) margin = std::min(margin, -1.0);  // too few to judge
            per_kind[kind] = {{"accuracy", accuracy}, {"baseline", baseline}, {"pairs", direction["pairs"]}};
            for (const json& text : direction["examples"][l][h]) {
              if (examples.size() < 3) examples.push_back(text);
            }
          }
          if (per_kind.empty() || margin <= best_margin) continue;
          best_margin = margin;
          best = {{"relation", relation["key"]}, {"from", d == 0 ? relation["dependent"] : relation["head"]},
                  {"to", d == 0 ? relation["head"] : relation["dependent"]}, {"direction", d == 0 ? "dependent-to-head" : "head-to-dependent"},
                  {"source", relation["source"]}, {"earned", margin >= 0}, {"margin", rounded(margin)}, {"kinds", per_kind},
                  {"examples", examples}};
        }
      }
      layer.push_back(best);
    }
    heads.push_back(layer);
  }
  out["heads"] = heads;
  // the summary: each relation's best head and direction on each kind, against its baseline
  for (const json& relation : relations) {
    for (const auto& [kind, directions] : relation["kinds"].items()) {
      for (std::size_t d = 0; d < directions.size(); ++d) {
        double best = -1;
        int best_head = 0;
        for (int l = 0; l < c.num_layers; ++l) {
          for (int h = 0; h < c.num_heads; ++h) {
            const double a = directions[d]["accuracy"][l][h].get<double>();
            if (a > best) { best = a; best_head = l * c.num_heads + h; }
          }
        }
        const std::string from = d == 0 ? relation["dependent"].get<std::string>() : relation["head"].get<std::string>();
        const std::string to = d == 0 ? relation["head"].get<std::string>() : relation["dependent"].get<std::string>();
        std::printf("%-11s %-17s -> %-17s best L%d H%d %.2f  baseline %.2f  (%g pairs)%s\n", kind.c_str(), from.c_str(),
                    to.c_str(), best_head / c.num_heads + 1, best_head % c.num_heads + 1, best,
                    directions[d]["baseline"].get<double>(), directions[d]["pairs"].get<double>(),
                    analysis::relation_earned(best, directions[d]["baseline"].get<double>(), directions[d]["pairs"].get<double>())
                        ? "  EARNED" : "");
      }
    }
  }
  return out.dump();
}

std::string positional_json(const LoadedModel& model, const std::vector<RelationKind>& kinds) {
  PackedTransformer packed;
  pack_transformer(model.params, packed);
  const TransformerConfig& c = model.params.config;
  const int heads = c.num_layers * c.num_heads;
  std::vector<bool> punctuation_of_id(static_cast<std::size_t>(model.vocabulary.size()));
  for (int id = 0; id < model.vocabulary.size(); ++id) {
    punctuation_of_id[static_cast<std::size_t>(id)] = analysis::is_punctuation_token(model.vocabulary.word(id));
  }
  json out = {{"criterion", analysis::kRoleThreshold}, {"broadEntropy", analysis::kBroadEntropy}, {"edge", analysis::kEdge},
              {"kinds", json::object()}};
  std::vector<std::vector<analysis::HeadStatistics>> per_head(static_cast<std::size_t>(heads));
  TransformerRun run;
  std::vector<bool> punctuation;
  for (const RelationKind& kind : kinds) {
    if (kind.name == "templates") continue;  // made-up sentences: not a kind of text
    std::vector<analysis::HeadTally> tallies(static_cast<std::size_t>(heads));
    for (const analysis::RelationSentence& sentence : kind.sentences) {
      const int n = static_cast<int>(sentence.ids.size());
      if (n < 2 || n > c.max_len) continue;
      run_transformer(model.params, packed, sentence.ids, false, run);
      punctuation.assign(sentence.ids.size(), false);
      for (int i = 0; i < n; ++i) punctuation[static_cast<std::size_t>(i)] = punctuation_of_id[static_cast<std::size_t>(sentence.ids[i])];
      for (int h = 0; h < heads; ++h) {
        tallies[static_cast<std::size_t>(h)].add(run.attention.data() + static_cast<std::size_t>(h) * n * n, n, n, punctuation,
                                                 false, run.row_entropy.data() + static_cast<std::size_t>(h) * n);
      }
    }
    json layers = json::array();
    for (int l = 0; l < c.num_layers; ++l) {
      json layer = json::array();
      for (int h = 0; h < c.num_heads; ++h) {
        const analysis::HeadStatistics s = tallies[static_cast<std::size_t>(l * c.num_heads + h)].statistics();
        per_head[static_cast<std::size_t>(l * c.num_heads + h)].push_back(s);
        json entry = json::object();
        for (int r = 0; r < analysis::kRelationCount; ++r) entry[analysis::relation_key(static_cast<analysis::Relation>(r))] = rounded(s.shares[r]);
        entry["normalised_entropy"] = rounded(s.normalised_entropy);
        entry["rows"] = s.rows;
        layer.push_back(entry);
      }
      layers.push_back(layer);
    }
    out["kinds"][kind.name] = layers;
  }
  json labels = json::array();
  for (int l = 0; l < c.num_layers; ++l) {
    json layer = json::array();
    for (int h = 0; h < c.num_heads; ++h) {
      const analysis::CombinedRole role = analysis::decide_role_on_all(per_head[static_cast<std::size_t>(l * c.num_heads + h)]);
      layer.push_back({{"kind", role.decision.kind}, {"relation", analysis::relation_key(role.decision.relation)},
                       {"margin", rounded(role.margin)}, {"onEdge", role.on_edge}});
      std::printf("positional  L%d H%d %-8s %-12s margin %+.3f%s\n", l + 1, h + 1, role.decision.kind.c_str(),
                  analysis::relation_key(role.decision.relation), role.margin, role.on_edge ? " (on the edge: dropped)" : "");
    }
    labels.push_back(layer);
  }
  out["heads"] = labels;
  return out.dump();
}

std::string with_metadata(const std::string& metadata_json, const std::string& key, const std::string& value) {
  json metadata = metadata_json.empty() ? json::object() : json::parse(metadata_json);
  metadata[key] = json::parse(value);
  return metadata.dump();
}

}  // namespace attention_lab::train
