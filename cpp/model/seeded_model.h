// The "seeded random" weight source: an untrained multi-head attention layer
// whose numbers are fully determined by (d_model, seed), identical natively and
// in WebAssembly (own generator and transforms, no std:: distributions, whose
// output differs between standard libraries).
//
//   token embedding: (d_model) values, uniform in [-sqrt(3), sqrt(3)] (variance 1),
//                    drawn from a generator seeded by the lower-cased token's
//                    FNV-1a hash and the seed, plus the sinusoidal positional
//                    encoding of "Attention Is All You Need";
//   W_Q, W_K, W_V, W_O: Glorot-uniform, limit sqrt(6 / (d_model + d_model));
//   biases: zero.
// Untrained heads have no roles; the widget labels this source as such.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace attention_lab {

// splitmix64: small, fast, and the same sequence on every platform.
class SeededGenerator {
 public:
  explicit SeededGenerator(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // The whole state, so a resumed training run draws the same numbers.
  std::uint64_t state() const { return state_; }
  void set_state(std::uint64_t state) { state_ = state; }
  // uniform in [-1, 1) from the top 24 bits (exact in float)
  float symmetric_unit() {
    return static_cast<float>(static_cast<std::int32_t>(next() >> 40) - (1 << 23)) /
           static_cast<float>(1 << 23);
  }

 private:
  std::uint64_t state_;
};

std::uint64_t fnv1a_hash(const std::string& text);

// wq, wk, wv, wo: (d_model, d_model) each, written into the caller's buffers.
void seeded_projection_weights(int d_model, std::uint64_t seed, float* w_q, float* w_k, float* w_v,
                               float* w_o);

// x: (tokens.size(), d_model) = token embedding + positional encoding.
void seeded_token_embeddings(const std::vector<std::string>& tokens, int d_model,
                             std::uint64_t seed, float* x);

// Adds the sinusoidal positional encoding of position `position` to row (d_model).
void add_positional_encoding(int position, int d_model, float* row);

}  // namespace attention_lab
