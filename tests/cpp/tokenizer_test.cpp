// The tokenizer's documented rules, edge cases and round trip through ids.
#include <gtest/gtest.h>

#include "tokenizer.h"

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
