#include "analysis/relations.h"

#include <cctype>
#include <cstring>

#include "analysis/head_roles.h"

namespace attention_lab::analysis {

const char* direction_key(Direction direction) {
  return direction == Direction::kDependentToHead ? "dependent-to-head" : "head-to-dependent";
}

namespace {
struct Ends {
  int from, to;
};
Ends ends_of(const RelationPair& pair, Direction direction) {
  return direction == Direction::kDependentToHead ? Ends{pair.dependent, pair.head} : Ends{pair.head, pair.dependent};
}
}  // namespace

void score_relation(const float* attention, int seq_len, const std::vector<RelationPair>& pairs, Direction direction,
                    RelationScore& score) {
  for (const RelationPair& pair : pairs) {
    const Ends e = ends_of(pair, direction);
    if (e.from < 0 || e.to < 0 || e.from >= seq_len || e.to >= seq_len || e.from == e.to) continue;
    score.pairs += 1;
    score.hits += argmax_of_row(attention + static_cast<std::size_t>(e.from) * seq_len, seq_len) == e.to;
  }
}

void OffsetBaseline::add(const std::vector<RelationPair>& pairs, Direction direction) {
  for (const RelationPair& pair : pairs) {
    const Ends e = ends_of(pair, direction);
    if (e.from == e.to) continue;
    counts_[e.to - e.from] += 1;
    pairs_ += 1;
  }
}

double OffsetBaseline::best_share() const {
  double best = 0;
  for (const auto& [offset, count] : counts_) best = count > best ? count : best;
  return pairs_ > 0 ? best / pairs_ : 0.0;
}

int OffsetBaseline::best_offset() const {
  int offset = 0;
  double best = -1;
  for (const auto& [k, count] : counts_) {
    if (count > best) {
      best = count;
      offset = k;
    }
  }
  return offset;
}

bool relation_earned(double accuracy, double baseline, double pairs) {
  return pairs >= kMinimumPairs && accuracy >= kRelationAccuracy && accuracy >= baseline + kRelationMargin;
}

const std::vector<RelationInfo>& relation_table() {
  static const std::vector<RelationInfo> table = {
      {"det", "determiner", "noun", "link-grammar"},
      {"poss", "possessive", "noun", "link-grammar"},
      {"subj", "subject", "verb", "link-grammar"},
      {"obj", "object", "verb", "link-grammar"},
      {"pobj", "object", "preposition", "link-grammar"},
      {"amod", "adjective", "noun", "link-grammar"},
      {"aux", "auxiliary", "verb", "link-grammar"},
      {"coref", "pronoun", "antecedent", "templates"},
      {"quote", "closing quote", "opening quote", "tokens"},
      {"bracket", "closing bracket", "opening bracket", "tokens"},
  };
  return table;
}

namespace {

// "D", "Ds", "Ds**c", "Dmc": the type's letters, then a lower-case or '*' subtype (or nothing).
bool is_type(const std::string& label, const char* type) {
  const std::size_t n = std::strlen(type);
  if (label.compare(0, n, type) != 0) return false;
  return label.size() == n || !std::isupper(static_cast<unsigned char>(label[n]));
}

std::string base_word(const std::string& parser_word) {
  std::string word = parser_word.substr(0, parser_word.find('.'));
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return word;
}

bool is_possessive(const std::string& word) {
  static const char* const possessives[] = {"my", "your", "his", "her", "its", "our", "their", "'s", "'", "thy"};
  for (const char* p : possessives) {
    if (word == p) return true;
  }
  return false;
}

}  // namespace

LinkMeaning classify_link(const std::string& label, const std::string& left_word) {
  if (is_type(label, "D")) return {is_possessive(base_word(left_word)) ? "poss" : "det", true};
  if (is_type(label, "SI")) return {"subj", false};
  if (is_type(label, "S") || is_type(label, "SX")) return {"subj", true};
  if (is_type(label, "O")) return {"obj", false};
  if (is_type(label, "J")) return {"pobj", false};
  if (is_type(label, "A")) return {"amod", true};
  if (is_type(label, "I") || is_type(label, "PP") || label.rfind("Pv", 0) == 0 || label.rfind("Pg", 0) == 0) {
    return {"aux", true};
  }
  return {};
}

std::vector<int> align_words(const std::vector<ParsedWord>& words, const std::vector<Token>& tokens) {
  std::vector<int> token_of(words.size(), -1);
  for (std::size_t w = 0; w < words.size(); ++w) {
    if (words[w].end <= words[w].begin) continue;  // a wall
    for (std::size_t t = 0; t < tokens.size(); ++t) {
      if (words[w].begin >= tokens[t].begin && words[w].begin < tokens[t].end) {
        token_of[w] = static_cast<int>(t);
        break;
      }
    }
  }
  return token_of;
}

std::map<std::string, std::vector<RelationPair>> sentence_relations(const std::vector<Token>& tokens,
                                                                    const std::vector<ParsedWord>& words,
                                                                    const std::vector<ParsedLink>& links) {
  std::map<std::string, std::vector<RelationPair>> relations;
  // 1. The parser's links, moved onto tokens
  const std::vector<int> token_of = align_words(words, tokens);
  for (const ParsedLink& link : links) {
    if (link.left < 0 || link.right < 0 || link.left >= static_cast<int>(words.size()) ||
        link.right >= static_cast<int>(words.size())) {
      continue;
    }
    const LinkMeaning meaning = classify_link(link.label, words[static_cast<std::size_t>(link.left)].text);
    const int left = token_of[static_cast<std::size_t>(link.left)], right = token_of[static_cast<std::size_t>(link.right)];
    if (meaning.key == nullptr || left < 0 || right < 0 || left == right) continue;
    relations[meaning.key].push_back(meaning.left_is_dependent ? RelationPair{left, right} : RelationPair{right, left});
  }
  // 2. Quotes (straight after straightening: they alternate open, close) and brackets (nested)
  int open_quote = -1;
  std::vector<std::pair<char, int>> open_brackets;
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    const std::string& text = tokens[t].text;
    if (text.size() != 1) continue;
    const char c = text[0];
    const int position = static_cast<int>(t);
    if (c == '"') {
      if (open_quote < 0) {
        open_quote = position;
      } else {
        relations["quote"].push_back({position, open_quote});
        open_quote = -1;
      }
    } else if (c == '(' || c == '[' || c == '{') {
      open_brackets.emplace_back(c, position);
    } else if (c == ')' || c == ']' || c == '}') {
      const char opener = c == ')' ? '(' : c == ']' ? '[' : '{';
      if (!open_brackets.empty() && open_brackets.back().first == opener) {
        relations["bracket"].push_back({position, open_brackets.back().second});
        open_brackets.pop_back();
      } else {
        open_brackets.clear();  // unbalanced: trust no earlier opener
      }
    }
  }
  return relations;
}

std::map<std::string, std::vector<RelationResult>> measure_relations(
    const TransformerParams<float>& params, const PackedTransformer& packed, const std::vector<RelationSentence>& sentences) {
  const int heads = params.config.num_layers * params.config.num_heads;
  struct Tally {
    std::vector<RelationScore> scores;
    std::vector<std::vector<int>> examples;
    OffsetBaseline offsets;
    double noun_hits = 0, noun_pairs = 0;
  };
  std::map<std::string, std::vector<Tally>> tallies;  // key -> direction
  TransformerRun run;
  for (std::size_t s = 0; s < sentences.size(); ++s) {
    const RelationSentence& sentence = sentences[s];
    const int n = static_cast<int>(sentence.ids.size());
    if (sentence.relations.empty() || n < 2 || n > params.config.max_len) continue;
    run_transformer(params, packed, sentence.ids, false, run);
    for (const auto& [key, pairs] : sentence.relations) {
      if (pairs.empty()) continue;
      std::vector<Tally>& both = tallies[key];
      if (both.empty()) {
        both.resize(2);
        for (Tally& t : both) {
          t.scores.assign(static_cast<std::size_t>(heads), RelationScore{});
          t.examples.assign(static_cast<std::size_t>(heads), {});
        }
      }
      for (int d = 0; d < 2; ++d) {
        const Direction direction = d == 0 ? Direction::kDependentToHead : Direction::kHeadToDependent;
        Tally& tally = both[static_cast<std::size_t>(d)];
        tally.offsets.add(pairs, direction);
        for (int h = 0; h < heads; ++h) {
          RelationScore here;
          score_relation(run.attention.data() + static_cast<std::size_t>(h) * n * n, n, pairs, direction, here);
          RelationScore& total = tally.scores[static_cast<std::size_t>(h)];
          total.hits += here.hits;
          total.pairs += here.pairs;
          auto& examples = tally.examples[static_cast<std::size_t>(h)];
          if (here.pairs > 0 && here.hits == here.pairs && examples.size() < 3) examples.push_back(static_cast<int>(s));
        }
        // nearest preceding candidate noun (coreference): the guess a reader without attention would make
        if (d == 0 && !sentence.nouns.empty()) {
          for (const RelationPair& pair : pairs) {
            int nearest = -1;
            for (int noun : sentence.nouns) {
              if (noun < pair.dependent && noun > nearest) nearest = noun;
            }
            tally.noun_pairs += 1;
            tally.noun_hits += nearest == pair.head;
          }
        }
      }
    }
  }
  std::map<std::string, std::vector<RelationResult>> results;
  for (auto& [key, both] : tallies) {
    for (Tally& tally : both) {
      RelationResult result;
      result.pairs = tally.offsets.pairs();
      result.offset_baseline = tally.offsets.best_share();
      result.offset = tally.offsets.best_offset();
      if (tally.noun_pairs > 0) result.noun_baseline = tally.noun_hits / tally.noun_pairs;
      for (const RelationScore& score : tally.scores) result.accuracy.push_back(score.accuracy());
      result.examples = std::move(tally.examples);
      results[key].push_back(std::move(result));
    }
  }
  return results;
}

}  // namespace attention_lab::analysis
