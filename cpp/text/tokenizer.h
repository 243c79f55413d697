// The one tokenizer: word-level, used by the trainer, by every weight source
// of the widget (through the engine) and by the CLI.
//
// Rules (documented for learners in the README):
//   1. ASCII letters are lower-cased in `text` (`surface` keeps the case);
//      curly quotes are straightened (’ ‘ -> ', “ ” -> ").
//   2. A word is a run of letters, digits and combining marks of any script
//      (accents stay attached), optionally with inner apostrophes followed by
//      ASCII letters ("don't", "o'clock" stay whole).
//   3. Every punctuation mark or symbol, ASCII or not (hyphens, dashes,
//      brackets, currency, arrows, CJK full stops), is a token of its own, so
//      "multi-head" is "multi", "-", "head". An emoji with its modifiers and
//      zero-width-joined partners is one token.
//   4. Whitespace and invisible format characters, ASCII or Unicode (no-break
//      space, zero-width space, line/paragraph separators, direction marks,
//      BOM, ...), separate tokens and are dropped.
//   5. A word outside the vocabulary becomes <unk>.
//
// TokenRules::kSeeded, the seeded random layer's rule, differs in one way: an
// inner hyphen or apostrophe between word characters joins ("multi-head",
// "e-mail" stay whole), since that layer has no vocabulary to fit.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace attention_lab {

struct Token {
  std::string text;     // as the model sees it (lower-cased, normalised)
  std::string surface;  // as typed (quotes straightened)
  std::size_t begin = 0, end = 0;  // its bytes in straighten_quotes(input)
};

// The input with curly quotes made straight (’ ‘ -> ', “ ” -> "): what token
// offsets refer to, and what a parser must be given to agree with them.
std::string straighten_quotes(const std::string& utf8_text);

enum class TokenRules { kModel, kSeeded };

std::vector<Token> split_tokens(const std::string& utf8_text, TokenRules rules = TokenRules::kModel);

// True for a token made only of punctuation and symbols (rule 3's tokens):
// what the head-role statistics count as "punctuation".
bool is_punctuation_token(const std::string& token_text);

class Vocabulary {
 public:
  static constexpr int kPad = 0;
  static constexpr int kUnknown = 1;
  static constexpr int kMask = 2;
  static const char* const kSpecial[3];

  Vocabulary();  // just the special tokens
  explicit Vocabulary(std::vector<std::string> words);  // words[0..2] must be the specials

  // The most frequent words of `sentences` (count >= min_count), at most max_size entries in all.
  static Vocabulary build(const std::vector<std::string>& sentences, int max_size, int min_count);

  int id(const std::string& token_text) const;
  const std::string& word(int id) const { return words_.at(static_cast<std::size_t>(id)); }
  int size() const { return static_cast<int>(words_.size()); }
  const std::vector<std::string>& words() const { return words_; }
  std::vector<int> encode(const std::string& utf8_text) const;

 private:
  std::vector<std::string> words_;
  std::unordered_map<std::string, int> index_;
};

}  // namespace attention_lab
