// libFuzzer target: the model-file loader on arbitrary bytes. It must either
// return an error message or a model that runs; never crash or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "model/transformer.h"
#include "model/inference.h"
#include "model/model_file.h"

#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The checksum would reject almost every mutation before the parser sees it,
  // so for even-sized inputs re-seal the mutated bytes with a valid CRC-32.
  std::vector<std::uint8_t> bytes(data, data + size);
  if (size >= 16 && size % 2 == 0) {
    const std::uint32_t crc = attention_lab::crc32(bytes.data(), size - 4);
    for (int i = 0; i < 4; ++i) bytes[size - 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  }
  attention_lab::LoadedModel model;
  const std::string problem = attention_lab::load_model(bytes.data(), bytes.size(), model);
  if (!problem.empty()) return 0;
  const auto& c = model.params.config;
  if (c.d_model % c.num_heads != 0 || model.vocabulary.size() != c.vocab_size) std::abort();
  // A model that loads must run on a short sentence.
  if (static_cast<long long>(c.vocab_size) * c.d_model <= (1 << 20) && c.max_len >= 2) {
    attention_lab::TransformerRun run;
    attention_lab::run_transformer(model.params, {3 % c.vocab_size, 1}, true, run);
  }
  return 0;
}
