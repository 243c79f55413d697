// libFuzzer target: the tokenizer and vocabulary lookup on arbitrary bytes.
// Invariants: no crash; every token is non-empty, has no whitespace or control
// bytes, and its lower-cased text has the surface's length.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "text/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  static const attention_lab::Vocabulary vocabulary(
      std::vector<std::string>{"<pad>", "<unk>", "<mask>", "the", "a", "-", "'", "don't"});
  for (const attention_lab::Token& token : attention_lab::split_tokens(text)) {
    if (token.text.empty() || token.text.size() != token.surface.size()) std::abort();
    for (unsigned char c : token.text) {
      if (c <= 0x20 || c == 0x7F) std::abort();
    }
    const int id = vocabulary.id(token.text);
    if (id < 0 || id >= vocabulary.size()) std::abort();
  }
  (void)vocabulary.encode(text);
  return 0;
}
