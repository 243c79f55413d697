#include "model/generation.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "attention/gemm.h"

namespace attention_lab {

void DecoderCache::reset(const TransformerConfig& config) {
  length = 0;
  const std::size_t size = static_cast<std::size_t>(config.max_len) * config.d_model;
  keys.assign(static_cast<std::size_t>(config.num_layers), std::vector<float>(size, 0.0f));
  values.assign(static_cast<std::size_t>(config.num_layers), std::vector<float>(size, 0.0f));
}

void DecoderCache::truncate(int new_length) { length = std::max(0, std::min(length, new_length)); }

// x: (d_model) the new word's row; cache: keys, values (length, d_model) per layer
// step.attention: (num_layers, num_heads, length + 1); step.logits: (vocab)
std::string decoder_step(const TransformerParams<float>& params, const PackedTransformer& packed, DecoderCache& cache,
                         int token, DecoderStep& step, const TransformerRunOptions& options) {
  const TransformerConfig& c = params.config;
  if (!c.causal) return "this model reads in both directions (an encoder); only a causal model writes word by word";
  if (token < 0 || token >= c.vocab_size) return "token id " + std::to_string(token) + " is outside the vocabulary";
  if (cache.keys.size() != static_cast<std::size_t>(c.num_layers)) cache.reset(c);
  if (cache.length >= c.max_len) {
    return "the model reads at most " + std::to_string(c.max_len) + " tokens; rewind to write further";
  }
  const int d = c.d_model, heads = c.num_heads, head_dim = c.head_dim();
  const int position = cache.length, seen = position + 1;
  const double scale = (options.has_scale ? options.scale : 1.0 / std::sqrt(static_cast<double>(head_dim))) / options.temperature;
  step.position = position;
  step.attention.assign(static_cast<std::size_t>(c.num_layers) * heads * seen, 0.0f);

  // 1. Embed the new token at its position.
  std::vector<float> x(static_cast<std::size_t>(d)), normed(x.size()), query(x.size()), concat(x.size()), attended(x.size());
  std::vector<float> hidden(static_cast<std::size_t>(c.d_ff)), mlp_out(x.size()), scores(static_cast<std::size_t>(seen));
  const float* embedding = params.token_embedding.data() + static_cast<std::size_t>(token) * d;
  const float* place = params.position_embedding.data() + static_cast<std::size_t>(position) * d;
  for (int k = 0; k < d; ++k) x[static_cast<std::size_t>(k)] = embedding[k] + place[k];

  for (int l = 0; l < c.num_layers; ++l) {
    const TransformerLayer<float>& layer = params.layers[static_cast<std::size_t>(l)];
    const PackedLayer& weights = packed.attention[static_cast<std::size_t>(l)];
    auto bias = [](const std::vector<float>& b) { return b.empty() ? nullptr : b.data(); };
    // 2. LN_1, then this row's query, key and value; the key and value join the cache.
    layer_norm_rows(x.data(), 1, d, layer.ln1_gain.data(), layer.ln1_bias.data(), normed.data());
    float* keys = cache.keys[static_cast<std::size_t>(l)].data();
    float* values = cache.values[static_cast<std::size_t>(l)].data();
    gemm_packed(1, normed.data(), d, weights.w_q, bias(weights.b_q), query.data(), d);
    gemm_packed(1, normed.data(), d, weights.w_k, bias(weights.b_k), keys + static_cast<std::size_t>(position) * d, d);
    gemm_packed(1, normed.data(), d, weights.w_v, bias(weights.b_v), values + static_cast<std::size_t>(position) * d, d);
    // 3. Each head: scores against every cached key (all are earlier or this one:
    //    the causal mask needs no work), softmax, weighted sum of the values.
    for (int h = 0; h < heads; ++h) {
      const int column = h * head_dim;
      double top = -std::numeric_limits<double>::infinity();
      for (int j = 0; j < seen; ++j) {
        const float* key = keys + static_cast<std::size_t>(j) * d + column;
        double dot = 0;
        for (int k = 0; k < head_dim; ++k) dot += static_cast<double>(query[static_cast<std::size_t>(column + k)]) * key[k];
        scores[static_cast<std::size_t>(j)] = static_cast<float>(dot * scale);
        top = std::max(top, static_cast<double>(scores[static_cast<std::size_t>(j)]));
      }
      double total = 0;
      for (int j = 0; j < seen; ++j) total += std::exp(scores[static_cast<std::size_t>(j)] - top);
      float* row = step.attention.data() + (static_cast<std::size_t>(l) * heads + h) * seen;
      for (int j = 0; j < seen; ++j) row[j] = static_cast<float>(std::exp(scores[static_cast<std::size_t>(j)] - top) / total);
      double factor = 1.0;
      if (options.head_enabled != nullptr && options.head_enabled[l * heads + h] == 0) factor = 0.0;
      else if (options.head_gate != nullptr) factor = options.head_gate[l * heads + h];
      for (int k = 0; k < head_dim; ++k) {
        double sum = 0;
        for (int j = 0; j < seen; ++j) sum += static_cast<double>(row[j]) * values[static_cast<std::size_t>(j) * d + column + k];
        concat[static_cast<std::size_t>(column + k)] = static_cast<float>(sum * factor);
      }
    }
    // 4. Concat · W_O + b_O, residual; then the MLP with its residual.
    gemm_packed(1, concat.data(), d, weights.w_o, bias(weights.b_o), attended.data(), d);
    for (int k = 0; k < d; ++k) x[static_cast<std::size_t>(k)] += attended[static_cast<std::size_t>(k)];
    layer_norm_rows(x.data(), 1, d, layer.ln2_gain.data(), layer.ln2_bias.data(), normed.data());
    gemm_packed(1, normed.data(), d, packed.mlp_in[static_cast<std::size_t>(l)], layer.b_1.data(), hidden.data(), c.d_ff);
    gelu_in_place(hidden.data(), hidden.size());
    gemm_packed(1, hidden.data(), c.d_ff, packed.mlp_out[static_cast<std::size_t>(l)], layer.b_2.data(), mlp_out.data(), d);
    for (int k = 0; k < d; ++k) x[static_cast<std::size_t>(k)] += mlp_out[static_cast<std::size_t>(k)];
  }
  // 5. Final LayerNorm and the tied output: scores for the next word.
  layer_norm_rows(x.data(), 1, d, params.final_gain.data(), params.final_bias.data(), normed.data());
  step.logits.resize(static_cast<std::size_t>(c.vocab_size));
  PackedMatrix scratch;
  gemm_packed(1, normed.data(), d, packed_output(params, packed, scratch), params.output_bias.data(), step.logits.data(), c.vocab_size);
  cache.length = seen;
  return "";
}

// ---- choosing the next word ---------------------------------------------------

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double SplitMix64::uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

namespace {

// Ids from kFirstWritableId on, most likely first (ties: lower id first); the first k.
std::vector<int> ranked(const float* logits, int vocab, int k) {
  std::vector<int> ids;
  for (int id = kFirstWritableId; id < vocab; ++id) ids.push_back(id);
  const auto better = [&](int a, int b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
  const std::size_t keep = k > 0 ? std::min<std::size_t>(static_cast<std::size_t>(k), ids.size()) : ids.size();
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(keep), ids.end(), better);
  ids.resize(keep);
  return ids;
}

}  // namespace

std::vector<std::pair<int, float>> top_next_words(const float* logits, int vocab, int k, double temperature) {
  const double t = temperature > 0 ? temperature : 1.0;
  double top = -std::numeric_limits<double>::infinity();
  for (int id = kFirstWritableId; id < vocab; ++id) top = std::max(top, logits[id] / t);
  double total = 0;
  for (int id = kFirstWritableId; id < vocab; ++id) total += std::exp(logits[id] / t - top);
  std::vector<std::pair<int, float>> out;
  for (int id : ranked(logits, vocab, k)) out.emplace_back(id, static_cast<float>(std::exp(logits[id] / t - top) / total));
  return out;
}

double next_word_probability(const float* logits, int vocab, int token, double temperature) {
  if (token < kFirstWritableId || token >= vocab) return 0.0;
  const double t = temperature > 0 ? temperature : 1.0;
  double top = -std::numeric_limits<double>::infinity();
  for (int id = kFirstWritableId; id < vocab; ++id) top = std::max(top, logits[id] / t);
  double total = 0;
  for (int id = kFirstWritableId; id < vocab; ++id) total += std::exp(logits[id] / t - top);
  return std::exp(logits[token] / t - top) / total;
}

int choose_next_word(const float* logits, int vocab, const SampleOptions& options, SplitMix64& random) {
  if (!(options.temperature > 0)) return ranked(logits, vocab, 1).front();
  const std::vector<int> candidates = ranked(logits, vocab, options.top_k);
  const double top = logits[candidates.front()] / options.temperature;
  std::vector<double> weights;
  double total = 0;
  for (int id : candidates) {
    weights.push_back(std::exp(logits[id] / options.temperature - top));
    total += weights.back();
  }
  double draw = random.uniform() * total;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    draw -= weights[i];
    if (draw < 0) return candidates[i];
  }
  return candidates.back();
}

}  // namespace attention_lab
