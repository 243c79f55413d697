#include "tokenizer.h"

#include <algorithm>
#include <stdexcept>

namespace attention_lab {

const char* const Vocabulary::kSpecial[3] = {"<pad>", "<unk>", "<mask>"};

namespace {

bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

bool is_letter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Length in bytes of a Unicode space or control character starting at i
// (NBSP, C1 controls, U+2000-U+200B, U+2028/2029, U+202F, U+205F, U+3000,
// U+FEFF), or 0. They separate tokens like ASCII whitespace does.
std::size_t unicode_separator_length(const std::string& text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return k < text.size() ? static_cast<unsigned char>(text[k]) : 0u; };
  const unsigned a = byte(i), b = byte(i + 1), c = byte(i + 2);
  if (a == 0xC2 && (b == 0xA0 || (b >= 0x80 && b <= 0x9F))) return 2;
  if (a == 0xE2 && b == 0x80 && ((c >= 0x80 && c <= 0x8B) || c == 0xA8 || c == 0xA9 || c == 0xAF)) return 3;
  if (a == 0xE2 && b == 0x81 && c == 0x9F) return 3;
  if (a == 0xE3 && b == 0x80 && c == 0x80) return 3;
  if (a == 0xEF && b == 0xBB && c == 0xBF) return 3;
  return 0;
}

// Replaces curly quotes with straight ones, keeping byte positions meaningful for surfaces.
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

std::string lower_ascii(std::string text) {
  for (char& ch : text) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return text;
}

}  // namespace

std::vector<Token> split_tokens(const std::string& utf8_text) {
  const std::string text = straighten_quotes(utf8_text);
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c <= 0x20 || c == 0x7F) {  // whitespace and control characters separate tokens
      ++i;
      continue;
    }
    if (const std::size_t skip = unicode_separator_length(text, i)) {
      i += skip;
      continue;
    }
    std::size_t end = i;
    if (is_word_byte(c)) {
      while (end < text.size()) {
        const unsigned char d = static_cast<unsigned char>(text[end]);
        if (unicode_separator_length(text, end) != 0) break;
        if (is_word_byte(d)) {
          ++end;
        } else if (d == '\'' && end + 1 < text.size() && is_letter(static_cast<unsigned char>(text[end + 1])) &&
                   end > i) {
          ++end;  // inner apostrophe: don't, o'clock
        } else {
          break;
        }
      }
    } else {
      end = i + 1;  // one punctuation or symbol character
    }
    Token token;
    token.surface = text.substr(i, end - i);
    token.text = lower_ascii(token.surface);
    tokens.push_back(std::move(token));
    i = end;
  }
  return tokens;
}

Vocabulary::Vocabulary() : Vocabulary(std::vector<std::string>{kSpecial[0], kSpecial[1], kSpecial[2]}) {}

Vocabulary::Vocabulary(const std::vector<std::string>& words) : words_(words) {
  if (words_.size() < 3 || words_[0] != kSpecial[0] || words_[1] != kSpecial[1] || words_[2] != kSpecial[2]) {
    throw std::invalid_argument("vocabulary must start with <pad>, <unk>, <mask>");
  }
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
