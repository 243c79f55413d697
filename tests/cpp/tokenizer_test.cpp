// The tokenizer's documented rules, edge cases and round trip through ids.
#include <gtest/gtest.h>

#include "text/tokenizer.h"

namespace attention_lab {
namespace {

std::vector<std::string> texts(const std::string& input) {
  std::vector<std::string> out;
  for (const Token& t : split_tokens(input)) out.push_back(t.text);
  return out;
}

TEST(Tokenizer, WordsPunctuationCaseAndContractions) {
  EXPECT_EQ(texts("The cat didn't sit."), (std::vector<std::string>{"the", "cat", "didn't", "sit", "."}));
  EXPECT_EQ(texts("multi-head attention"), (std::vector<std::string>{"multi", "-", "head", "attention"}));
  EXPECT_EQ(texts("It’s “quoted”"), (std::vector<std::string>{"it's", "\"", "quoted", "\""}));
  EXPECT_EQ(texts("'tis rock 'n' roll"), (std::vector<std::string>{"'", "tis", "rock", "'", "n", "'", "roll"}));
  EXPECT_EQ(texts("A1 b2c3"), (std::vector<std::string>{"a1", "b2c3"}));
}

TEST(Tokenizer, EdgeCases) {
  EXPECT_TRUE(texts("").empty());
  EXPECT_TRUE(texts(" \t\n\r  ").empty());
  EXPECT_TRUE(texts(std::string("\x01\x02\x7f", 3)).empty());
  EXPECT_TRUE(texts("\u00a0\u2003\u200b\u2028\u3000\ufeff").empty());  // Unicode spaces only
  EXPECT_EQ(texts("a\u00a0b\u200bc"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(texts("👨\u200d👩"), (std::vector<std::string>{"👨\u200d👩"}));  // a ZWJ sequence stays whole
  EXPECT_EQ(texts("<script>"), (std::vector<std::string>{"<", "script", ">"}));
  EXPECT_EQ(texts("café naïve"), (std::vector<std::string>{"café", "naïve"}));  // non-ASCII stays in words
  EXPECT_EQ(texts("日本語 テスト"), (std::vector<std::string>{"日本語", "テスト"}));
  const std::vector<Token> tokens = split_tokens("Hello, World");
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens[2].surface, "World");
  EXPECT_EQ(tokens[2].text, "world");
  // a huge input is linear, not a crash
  EXPECT_EQ(split_tokens(std::string(200000, 'a') + " b").size(), 2u);
}

std::vector<std::string> surfaces(const std::string& input, TokenRules rules) {
  std::vector<std::string> out;
  for (const Token& t : split_tokens(input, rules)) out.push_back(t.surface);
  return out;
}

TEST(Tokenizer, UnicodePunctuationSymbolsAndEmoji) {
  EXPECT_EQ(texts("word—word"), (std::vector<std::string>{"word", "—", "word"}));
  EXPECT_EQ(texts("«oui» ¿qué? 5€"), (std::vector<std::string>{"«", "oui", "»", "¿", "qué", "?", "5", "€"}));
  EXPECT_EQ(texts("注意力。日本"), (std::vector<std::string>{"注意力", "。", "日本"}));
  EXPECT_EQ(texts("e\u0301te\u0301"), (std::vector<std::string>{"e\u0301te\u0301"}));  // marks stay in the word
  EXPECT_EQ(texts("ok👍🏽thanks"), (std::vector<std::string>{"ok", "👍🏽", "thanks"}));
  EXPECT_EQ(texts("🏳️\u200d🌈!"), (std::vector<std::string>{"🏳️\u200d🌈", "!"}));
  EXPECT_EQ(texts("a\u200eb\u2060c"), (std::vector<std::string>{"a", "b", "c"}));  // direction mark, word joiner
  EXPECT_EQ(texts("x\u00b2 \u00bd"), (std::vector<std::string>{"x\u00b2", "\u00bd"}));  // superscript two, one half
}

// The seeded layer's rule joins inner hyphens; the model's splits them. Both keep case in the surface.
TEST(Tokenizer, SeededRuleKeepsHyphenatedWordsWhole) {
  EXPECT_EQ(surfaces("Multi-head e-mail don't -x y-", TokenRules::kSeeded),
            (std::vector<std::string>{"Multi-head", "e-mail", "don't", "-", "x", "y", "-"}));
  EXPECT_EQ(surfaces("Multi-head", TokenRules::kModel), (std::vector<std::string>{"Multi", "-", "head"}));
  EXPECT_EQ(split_tokens("Multi-head", TokenRules::kSeeded)[0].text, "multi-head");
  EXPECT_EQ(surfaces("naïve-café", TokenRules::kSeeded), (std::vector<std::string>{"naïve-café"}));
}

TEST(Tokenizer, PunctuationTokens) {
  for (const char* yes : {".", ",", "-", "—", "«", "€", "。", "👍", "👍🏽", "!?"}) EXPECT_TRUE(is_punctuation_token(yes)) << yes;
  for (const char* no : {"", "a", "é", "1", "a.", "日本", "e\u0301"}) EXPECT_FALSE(is_punctuation_token(no)) << no;
}

TEST(Vocabulary, BuildEncodeRoundTripAndUnknown) {
  const Vocabulary v = Vocabulary::build({"the cat sat", "the dog sat", "the cat ran"}, 100, 2);
  EXPECT_EQ(v.word(0), "<pad>");
  EXPECT_EQ(v.word(1), "<unk>");
  EXPECT_EQ(v.word(2), "<mask>");
  EXPECT_EQ(v.word(3), "the");  // most frequent first
  EXPECT_EQ(v.size(), 6);       // the, cat, sat (count >= 2)
  const std::vector<int> ids = v.encode("The cat jumped");
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(v.word(ids[0]), "the");
  EXPECT_EQ(v.word(ids[1]), "cat");
  EXPECT_EQ(ids[2], Vocabulary::kUnknown);
  for (int id : v.encode("sat the cat")) EXPECT_NE(id, Vocabulary::kUnknown);
}

}  // namespace
}  // namespace attention_lab
