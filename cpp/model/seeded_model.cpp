#include "model/seeded_model.h"

#include <cctype>
#include <cmath>
#include <cstddef>
#include <vector>

namespace attention_lab {

std::uint64_t fnv1a_hash(const std::string& text) {
  std::uint64_t hash = 0xCBF29CE484222325ull;
  for (unsigned char byte : text) {
    hash ^= byte;
    hash *= 0x100000001B3ull;
  }
  return hash;
}

void seeded_projection_weights(int d_model, std::uint64_t seed, float* w_q, float* w_k, float* w_v,
                               float* w_o) {
  const float limit = std::sqrt(6.0f / static_cast<float>(2 * d_model));
  float* matrices[] = {w_q, w_k, w_v, w_o};
  for (int m = 0; m < 4; ++m) {
    // one generator per matrix, so W_Q does not change when d_model changes W_O's count
    SeededGenerator generator(seed * 4 + static_cast<std::uint64_t>(m) + 1);
    const std::size_t count = static_cast<std::size_t>(d_model) * d_model;
    for (std::size_t i = 0; i < count; ++i) matrices[m][i] = limit * generator.symmetric_unit();
  }
}

void add_positional_encoding(int position, int d_model, float* row) {
  // PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d))
  for (int c = 0; c < d_model; ++c) {
    const double exponent = static_cast<double>(c - c % 2) / d_model;
    const double angle = position / std::pow(10000.0, exponent);
    row[c] += static_cast<float>(c % 2 == 0 ? std::sin(angle) : std::cos(angle));
  }
}

namespace {

// Rows [0, positions) of the sinusoidal table for d_model, built once and
// grown as longer sentences arrive: the widget embeds its sentence again on
// every keystroke, and a pow, sin or cos per element was most of that time.
// Null when the table would exceed kMaxTableFloats (then rows are computed
// as they are needed, as before).
constexpr std::size_t kMaxTableFloats = std::size_t{1} << 20;  // 4 MB

const float* positional_table(int positions, int d_model) {
  const std::size_t width = static_cast<std::size_t>(d_model);
  if (static_cast<std::size_t>(positions) * width > kMaxTableFloats) return nullptr;
  thread_local int table_width = 0;
  thread_local std::vector<float> table;  // (rows, d_model)
  if (table_width != d_model) {
    table.clear();
    table_width = d_model;
  }
  const int rows = static_cast<int>(table.size() / width);
  if (rows < positions) {
    table.resize(static_cast<std::size_t>(positions) * width, 0.0f);
    for (int p = rows; p < positions; ++p) add_positional_encoding(p, d_model, table.data() + p * width);
  }
  return table.data();
}

}  // namespace

void seeded_token_embeddings(const std::vector<std::string>& tokens, int d_model,
                             std::uint64_t seed, float* x) {
  const float root_three = std::sqrt(3.0f);
  const float* positions = positional_table(static_cast<int>(tokens.size()), d_model);
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    std::string lowered = tokens[t];
    for (char& ch : lowered) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    SeededGenerator generator(fnv1a_hash(lowered) ^ (seed * 0x9E3779B97F4A7C15ull));
    float* row = x + t * static_cast<std::size_t>(d_model);
    for (int c = 0; c < d_model; ++c) row[c] = root_three * generator.symmetric_unit();
    if (positions != nullptr) {
      // the same float sums as adding the encoding to the row directly
      const float* encoding = positions + t * static_cast<std::size_t>(d_model);
      for (int c = 0; c < d_model; ++c) row[c] += encoding[c];
    } else {
      add_positional_encoding(static_cast<int>(t), d_model, row);
    }
  }
}

}  // namespace attention_lab
