// A decoder writing one word at a time, with a key/value cache.
//
// The cache holds, for every layer, the keys and values of every position
// written so far: keys, values: (length, d_model) per layer. One step embeds
// a single new token at position `length`, runs that one row through every
// layer against the cached keys and values, appends its own, and returns its
// attention rows and next-word logits: O(length · d_model) attention work per
// layer instead of rerunning the whole prefix. The result equals row
// `length` of a full causal run (tests/cpp/generation_test.cpp checks every
// prefix length).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/inference.h"
#include "model/transformer.h"

namespace attention_lab {

struct DecoderCache {
  int length = 0;                              // positions written
  std::vector<std::vector<float>> keys;        // (num_layers) × (max_len, d_model)
  std::vector<std::vector<float>> values;      // (num_layers) × (max_len, d_model)
  void reset(const TransformerConfig& config);  // empty, sized for config.max_len positions
  void truncate(int new_length);               // rewind: forget positions >= new_length
};

struct DecoderStep {
  int position = 0;              // where the token was written
  std::vector<float> attention;  // (num_layers, num_heads, position + 1): the new word's attention rows
  std::vector<float> logits;     // (vocab): scores for the word after it
};

// Appends `token` at position cache.length. Returns "" or why it cannot (the
// model is not causal, the context is full, the id is out of range).
std::string decoder_step(const TransformerParams<float>& params, const PackedTransformer& packed, DecoderCache& cache,
                         int token, DecoderStep& step, const TransformerRunOptions& options = {});

// ---- choosing the next word ---------------------------------------------------
// A small generator with the same sequence on every platform (SplitMix64), so a
// seed reproduces a run in the browser and natively.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed = 0) : state_(seed) {}
  std::uint64_t next();
  double uniform();  // [0, 1), 53 random bits
  std::uint64_t state() const { return state_; }

 private:
  std::uint64_t state_;
};

struct SampleOptions {
  double temperature = 1.0;  // 0: greedy (the most likely word)
  int top_k = 0;             // 0: every word; else only the k most likely
};

// The first ids a writer never chooses: <pad>, <unk>, <mask>.
constexpr int kFirstWritableId = 3;

// The k most likely next words (id, probability under softmax(logits / T),
// T = the temperature, 1 when greedy), best first; ties keep the lower id.
std::vector<std::pair<int, float>> top_next_words(const float* logits, int vocab, int k, double temperature = 1.0);

// The probability of `token` under softmax(logits / T) over the writable ids
// (T = the temperature, 1 when greedy): what its bar shows.
double next_word_probability(const float* logits, int vocab, int token, double temperature = 1.0);

// Picks the next id: the argmax when temperature is 0, else a draw from
// softmax(logits / temperature) restricted to the top_k most likely words.
int choose_next_word(const float* logits, int vocab, const SampleOptions& options, SplitMix64& random);

}  // namespace attention_lab
