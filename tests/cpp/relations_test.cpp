// Word relations for the syntactic-head measurements: link-grammar parses
// (captured from the parser into tests/fixtures/parses.jsonl) mapped onto our
// tokens and checked by hand, and the accuracy and baseline against a
// hand-computed case.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "analysis/relations.h"

namespace attention_lab::analysis {
namespace {

using Pairs = std::vector<std::pair<int, int>>;

std::vector<std::map<std::string, std::vector<RelationPair>>> fixture_relations() {
  std::ifstream file(std::string(ATTENTION_LAB_FIXTURES) + "/parses.jsonl");
  std::vector<std::map<std::string, std::vector<RelationPair>>> out;
  std::string line;
  while (std::getline(file, line)) {
    const nlohmann::json parse = nlohmann::json::parse(line);
    std::vector<ParsedWord> words;
    for (const auto& w : parse["words"]) words.push_back({w[0].get<std::size_t>(), w[1].get<std::size_t>(), w[2].get<std::string>()});
    std::vector<ParsedLink> links;
    for (const auto& l : parse["links"]) links.push_back({l[0].get<int>(), l[1].get<int>(), l[2].get<std::string>()});
    out.push_back(sentence_relations(split_tokens(parse["text"].get<std::string>()), words, links));
  }
  return out;
}

Pairs pairs(const std::map<std::string, std::vector<RelationPair>>& relations, const std::string& key) {
  Pairs out;
  const auto found = relations.find(key);
  if (found == relations.end()) return out;
  for (const RelationPair& p : found->second) out.emplace_back(p.dependent, p.head);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Relations, LinkGrammarParsesMapOntoTokens) {
  const auto sentences = fixture_relations();
  ASSERT_EQ(sentences.size(), 3u);
  // the(0) old(1) man(2) poured(3) a(4) cup(5) of(6) tea(7) because(8) he(9) was(10) tired(11) .(12)
  const auto& first = sentences[0];
  EXPECT_EQ(pairs(first, "det"), (Pairs{{0, 2}, {4, 5}}));
  EXPECT_EQ(pairs(first, "subj"), (Pairs{{2, 3}, {9, 10}}));
  EXPECT_EQ(pairs(first, "obj"), (Pairs{{5, 3}}));    // cup <- poured
  EXPECT_EQ(pairs(first, "pobj"), (Pairs{{7, 6}}));   // tea <- of
  EXPECT_EQ(pairs(first, "aux"), (Pairs{{10, 11}}));  // was -> tired (passive)
  EXPECT_TRUE(pairs(first, "amod").empty());           // "old man" is a noun-noun link (AN), not measured
  // my(0) sister's(1) dog(2) has(3) eaten(4) the(5) big(6) red(7) apple(8) .(9)
  const auto& second = sentences[1];
  EXPECT_EQ(pairs(second, "poss"), (Pairs{{1, 2}}));  // the parser's "'s" lies in the token sister's
  EXPECT_EQ(pairs(second, "subj"), (Pairs{{2, 3}}));
  EXPECT_EQ(pairs(second, "aux"), (Pairs{{3, 4}}));   // has -> eaten
  EXPECT_EQ(pairs(second, "obj"), (Pairs{{8, 4}}));
  EXPECT_EQ(pairs(second, "det"), (Pairs{{5, 8}}));
  EXPECT_EQ(pairs(second, "amod"), (Pairs{{6, 7}, {7, 8}}));
  // she(0) said(1) "(2) go(3) ((4) now(5) )(6) home(7) "(8) and(9) they(10) left(11) .(12)
  const auto& third = sentences[2];
  EXPECT_EQ(pairs(third, "subj"), (Pairs{{0, 1}, {10, 11}}));
  EXPECT_EQ(pairs(third, "quote"), (Pairs{{8, 2}}));
  EXPECT_EQ(pairs(third, "bracket"), (Pairs{{6, 4}}));
}

TEST(Relations, LinkTypes) {
  EXPECT_STREQ(classify_link("Ds**c", "the").key, "det");
  EXPECT_STREQ(classify_link("Ds", "their").key, "poss");
  EXPECT_STREQ(classify_link("SIs", "was.v").key, "subj");
  EXPECT_FALSE(classify_link("SIs", "was.v").left_is_dependent);
  EXPECT_STREQ(classify_link("Pg*b", "is.v").key, "aux");
  EXPECT_EQ(classify_link("Pa", "was.v").key, nullptr);  // copula + adjective is not an auxiliary
  EXPECT_EQ(classify_link("DD", "the").key, nullptr);
  EXPECT_EQ(classify_link("AN", "old.n").key, nullptr);
  EXPECT_EQ(classify_link("MVp", "go.v").key, nullptr);
}

TEST(Relations, AccuracyAndOffsetBaselineByHand) {
  // 4 tokens; the head's rows peak on: 0 -> 1, 1 -> 0, 2 -> 3, 3 -> 2
  const std::vector<float> attention = {0.1f, 0.7f, 0.1f, 0.1f, 0.7f, 0.1f, 0.1f, 0.1f,
                                        0.1f, 0.1f, 0.1f, 0.7f, 0.1f, 0.1f, 0.7f, 0.1f};
  const std::vector<RelationPair> pairs = {{0, 1}, {2, 3}, {3, 1}};
  RelationScore forward, backward;
  score_relation(attention.data(), 4, pairs, Direction::kDependentToHead, forward);
  score_relation(attention.data(), 4, pairs, Direction::kHeadToDependent, backward);
  EXPECT_DOUBLE_EQ(forward.accuracy(), 2.0 / 3);   // 0 -> 1 and 2 -> 3 hit, 3 -> 1 misses
  EXPECT_DOUBLE_EQ(backward.accuracy(), 2.0 / 3);  // 1 -> 0 and 3 -> 2 hit, 1 -> 3 misses
  OffsetBaseline baseline;
  baseline.add(pairs, Direction::kDependentToHead);
  EXPECT_EQ(baseline.best_offset(), 1);              // offsets +1, +1, -2
  EXPECT_DOUBLE_EQ(baseline.best_share(), 2.0 / 3);
  EXPECT_FALSE(relation_earned(forward.accuracy(), baseline.best_share()));  // not 10 points above position
  EXPECT_TRUE(relation_earned(0.8, 0.65));
  EXPECT_FALSE(relation_earned(0.45, 0.2));  // under 50%
  EXPECT_FALSE(relation_earned(0.8, 0.6, 5));  // too few pairs to judge
}

}  // namespace
}  // namespace attention_lab::analysis
