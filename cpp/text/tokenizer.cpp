#include "text/tokenizer.h"

#include <algorithm>
#include <utility>
#include <stdexcept>

namespace attention_lab {

const char* const Vocabulary::kSpecial[3] = {"<pad>", "<unk>", "<mask>"};

namespace {

// ---- characters -------------------------------------------------------------

enum class CharClass { kSeparator, kWord, kPunctuation, kEmoji, kEmojiModifier, kJoiner };

// The code point at text[i] and its length in bytes; an invalid byte is taken
// alone as code point 0xFFFD's stand-in (a word character, as before).
std::pair<char32_t, std::size_t> decode(const std::string& text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return k < text.size() ? static_cast<unsigned char>(text[k]) : 0u; };
  const unsigned a = byte(i);
  const auto continuation = [&](std::size_t k) { return (byte(k) & 0xC0u) == 0x80u; };
  if (a < 0x80) return {a, 1};
  if (a >= 0xC2 && a <= 0xDF && continuation(i + 1)) return {((a & 0x1Fu) << 6) | (byte(i + 1) & 0x3Fu), 2};
  if (a >= 0xE0 && a <= 0xEF && continuation(i + 1) && continuation(i + 2)) {
    const char32_t cp = ((a & 0x0Fu) << 12) | ((byte(i + 1) & 0x3Fu) << 6) | (byte(i + 2) & 0x3Fu);
    if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) return {cp, 3};
  }
  if (a >= 0xF0 && a <= 0xF4 && continuation(i + 1) && continuation(i + 2) && continuation(i + 3)) {
    const char32_t cp = ((a & 0x07u) << 18) | ((byte(i + 1) & 0x3Fu) << 12) | ((byte(i + 2) & 0x3Fu) << 6) |
                        (byte(i + 3) & 0x3Fu);
    if (cp >= 0x10000 && cp <= 0x10FFFF) return {cp, 4};
  }
  return {0xFFFD, 1};
}

bool in(char32_t cp, char32_t low, char32_t high) { return cp >= low && cp <= high; }

CharClass classify(char32_t cp) {
  // 1. ASCII
  if (cp < 0x80) {
    if (cp <= 0x20 || cp == 0x7F) return CharClass::kSeparator;
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')) return CharClass::kWord;
    return CharClass::kPunctuation;
  }
  // 2. Spaces and invisible format characters
  if (in(cp, 0x80, 0xA0) || in(cp, 0x2000, 0x200C) || in(cp, 0x200E, 0x200F) || in(cp, 0x2028, 0x202F) ||
      in(cp, 0x205F, 0x206F) || cp == 0x3000 || cp == 0xFEFF || in(cp, 0xFFF9, 0xFFFB) || cp == 0xAD) {
    return CharClass::kSeparator;
  }
  if (cp == 0x200D) return CharClass::kJoiner;
  // 3. Emoji and what attaches to them
  if (cp == 0xFE0E || cp == 0xFE0F || in(cp, 0x1F3FB, 0x1F3FF) || cp == 0x20E3 || in(cp, 0xE0020, 0xE007F)) {
    return CharClass::kEmojiModifier;
  }
  if (in(cp, 0x1F000, 0x1FAFF) || in(cp, 0x2600, 0x27BF)) return CharClass::kEmoji;
  // 4. Punctuation and symbols: Latin-1's (not ª ² ³ µ ¹ º ¼ ½ ¾), general
  //    punctuation, currency, arrows to miscellaneous symbols, CJK and
  //    full-width punctuation
  if (in(cp, 0xA1, 0xBF)) {
    const bool letter_or_number = cp == 0xAA || cp == 0xB2 || cp == 0xB3 || cp == 0xB5 || cp == 0xB9 || cp == 0xBA ||
                                  in(cp, 0xBC, 0xBE);
    return letter_or_number ? CharClass::kWord : CharClass::kPunctuation;
  }
  if (cp == 0xD7 || cp == 0xF7 || in(cp, 0x2010, 0x2027) || in(cp, 0x2030, 0x205E) || in(cp, 0x20A0, 0x20CF) ||
      in(cp, 0x2190, 0x2BFF) || in(cp, 0x3001, 0x3003) || in(cp, 0x3008, 0x3011) || in(cp, 0x3014, 0x301F) ||
      cp == 0x30FB || in(cp, 0xFE10, 0xFE19) || in(cp, 0xFE30, 0xFE6B) || in(cp, 0xFF01, 0xFF0F) ||
      in(cp, 0xFF1A, 0xFF20) || in(cp, 0xFF3B, 0xFF40) || in(cp, 0xFF5B, 0xFF65)) {
    return CharClass::kPunctuation;
  }
  // 5. Everything else: letters, digits and marks of any script
  return CharClass::kWord;
}

struct Char {
  char32_t cp;
  std::size_t length;
  CharClass kind;
};

Char char_at(const std::string& text, std::size_t i) {
  const auto [cp, length] = decode(text, i);
  return {cp, length, classify(cp)};
}

}  // namespace

std::string straighten_quotes(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80) {
      const unsigned char third = static_cast<unsigned char>(text[i + 2]);
      if (third == 0x98 || third == 0x99) { out += '\''; i += 2; continue; }
      if (third == 0x9C || third == 0x9D) { out += '"'; i += 2; continue; }
    }
    out += static_cast<char>(c);
  }
  return out;
}

namespace {

std::string lower_ascii(std::string text) {
  for (char& ch : text) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return text;
}

bool is_ascii_letter(const std::string& text, std::size_t i) {
  if (i >= text.size()) return false;
  const char c = text[i];
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The end of the word starting at i (a word character).
std::size_t word_end(const std::string& text, std::size_t i, TokenRules rules) {
  std::size_t end = i;
  while (end < text.size()) {
    const Char here = char_at(text, end);
    if (here.kind == CharClass::kWord) {
      end += here.length;
      continue;
    }
    const bool connector = here.cp == '\'' || (rules == TokenRules::kSeeded && here.cp == '-');
    if (!connector || end + 1 >= text.size()) break;
    const bool joins = rules == TokenRules::kSeeded ? char_at(text, end + 1).kind == CharClass::kWord
                                                     : is_ascii_letter(text, end + 1);
    if (!joins) break;
    end += 1;  // inner apostrophe (don't, o'clock) or, seeded, hyphen (multi-head)
  }
  return end;
}

// The end of the emoji starting at i: its modifiers, and partners joined by U+200D.
std::size_t emoji_end(const std::string& text, std::size_t i) {
  std::size_t end = i + char_at(text, i).length;
  while (end < text.size()) {
    const Char here = char_at(text, end);
    if (here.kind == CharClass::kEmojiModifier) {
      end += here.length;
    } else if (here.kind == CharClass::kJoiner && end + here.length < text.size() &&
               char_at(text, end + here.length).kind == CharClass::kEmoji) {
      end += here.length + char_at(text, end + here.length).length;
    } else {
      break;
    }
  }
  return end;
}

}  // namespace

std::vector<Token> split_tokens(const std::string& utf8_text, TokenRules rules) {
  const std::string text = straighten_quotes(utf8_text);
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    const Char here = char_at(text, i);
    std::size_t end;
    switch (here.kind) {
      case CharClass::kSeparator:
      case CharClass::kJoiner:
        i += here.length;
        continue;
      case CharClass::kWord:
        end = word_end(text, i, rules);
        break;
      case CharClass::kEmoji:
        end = emoji_end(text, i);
        break;
      default:  // punctuation, a symbol, or a stray modifier: a token of its own
        end = i + here.length;
        break;
    }
    Token token;
    token.surface = text.substr(i, end - i);
    token.text = lower_ascii(token.surface);
    token.begin = i;
    token.end = end;
    tokens.push_back(std::move(token));
    i = end;
  }
  return tokens;
}

bool is_punctuation_token(const std::string& token_text) {
  if (token_text.empty()) return false;
  for (std::size_t i = 0; i < token_text.size();) {
    const Char here = char_at(token_text, i);
    if (here.kind == CharClass::kWord || here.kind == CharClass::kSeparator) return false;
    i += here.length;
  }
  return true;
}

Vocabulary::Vocabulary() : Vocabulary(std::vector<std::string>{kSpecial[0], kSpecial[1], kSpecial[2]}) {}

Vocabulary::Vocabulary(std::vector<std::string> words) : words_(std::move(words)) {
  if (words_.size() < 3 || words_[0] != kSpecial[0] || words_[1] != kSpecial[1] || words_[2] != kSpecial[2]) {
    throw std::invalid_argument("vocabulary must start with <pad>, <unk>, <mask>");
  }
  index_.reserve(words_.size());  // one table, no rehash while it fills
  for (std::size_t i = 0; i < words_.size(); ++i) index_.emplace(words_[i], static_cast<int>(i));
}

Vocabulary Vocabulary::build(const std::vector<std::string>& sentences, int max_size, int min_count) {
  std::unordered_map<std::string, int> counts;
  for (const std::string& sentence : sentences) {
    for (const Token& token : split_tokens(sentence)) ++counts[token.text];
  }
  std::vector<std::pair<std::string, int>> ranked(counts.begin(), counts.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;  // deterministic ties
  });
  std::vector<std::string> words = {kSpecial[0], kSpecial[1], kSpecial[2]};
  for (const auto& [word, count] : ranked) {
    if (static_cast<int>(words.size()) >= max_size || count < min_count) break;
    words.push_back(word);
  }
  return Vocabulary(words);
}

int Vocabulary::id(const std::string& token_text) const {
  const auto found = index_.find(token_text);
  return found == index_.end() ? kUnknown : found->second;
}

std::vector<int> Vocabulary::encode(const std::string& utf8_text) const {
  std::vector<int> ids;
  for (const Token& token : split_tokens(utf8_text)) ids.push_back(id(token.text));
  return ids;
}

}  // namespace attention_lab
