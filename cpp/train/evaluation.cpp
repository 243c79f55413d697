#include "evaluation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "mlm.h"
#include "model/seeded_model.h"

namespace attention_lab::train {

Evaluation evaluate(const TransformerParams<float>& params, const std::vector<Sentence>& heldout,
                    const NgramBaselines& baselines) {
  SeededGenerator random(7);
  MaskedLanguageModel<float> model;
  Evaluation result;
  double model_total = 0, unigram_total = 0, bigram_total = 0, both_total = 0;
  for (std::size_t start = 0; start < heldout.size(); start += 256) {
    std::vector<const Sentence*> group;
    for (std::size_t i = start; i < std::min(heldout.size(), start + 256); ++i) group.push_back(&heldout[i]);
    const bool causal = params.config.causal;
    model.causal = causal;
    const Batch batch = causal ? make_next_word_batch(group) : make_batch(group, random, 0.15, params.config.vocab_size);
    const double count = static_cast<double>(batch.targets.size());
    model_total += model.loss(params, batch) * count;
    unigram_total += baselines.unigram(batch) * count;
    // a next word has one side to go on: the word before it
    bigram_total += (causal ? baselines.next_word_bigram(batch) : baselines.bigram(batch)) * count;
    both_total += (causal ? baselines.next_word_bigram(batch) : baselines.bigram_both_sides(batch)) * count;
    result.predictions += batch.targets.size();
  }
  const double n = static_cast<double>(std::max<std::size_t>(1, result.predictions));
  result.model = model_total / n;
  result.unigram = unigram_total / n;
  result.bigram = bigram_total / n;
  result.bigram_both = both_total / n;
  return result;
}

void print_evaluation(const Evaluation& e, bool causal) {
  std::printf("held-out %s loss (nats, %zu predictions):\n", causal ? "next-word" : "masked-token", e.predictions);
  std::printf("  model                      %.4f  (perplexity %.1f)\n", e.model, std::exp(e.model));
  std::printf("  unigram baseline           %.4f  (perplexity %.1f)\n", e.unigram, std::exp(e.unigram));
  std::printf("  bigram baseline (previous) %.4f  (perplexity %.1f)\n", e.bigram, std::exp(e.bigram));
  std::printf("  bigram baseline (both)     %.4f  (perplexity %.1f)\n", e.bigram_both, std::exp(e.bigram_both));
  std::printf("model %s the strongest bigram baseline\n", e.model < std::min(e.bigram, e.bigram_both) ? "BEATS" : "does NOT beat");
}

namespace {

std::string json_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", value);
  return text;
}

}  // namespace

std::string metadata(const TrainingRecord& o, const TransformerConfig& c, std::size_t parameters, const Evaluation& e,
                     const std::vector<analysis::HeadStatistics>& heads) {
  std::ostringstream json;
  const bool large = o.train_path.find("corpus-large") != std::string::npos;
  json << (c.causal ? "{\"name\":\"attention-lab writer\",\"objective\":\"causal language model (next word)\","
                    : "{\"name\":\"attention-lab masked LM\",\"objective\":\"masked language model (15% of tokens; 80/10/10)\",")
       << "\"causal\":" << (c.causal ? "true" : "false") << ","
       << "\"parameters\":" << parameters << ","
       << "\"config\":{\"vocab\":" << c.vocab_size << ",\"d_model\":" << c.d_model << ",\"heads\":" << c.num_heads
       << ",\"layers\":" << c.num_layers << ",\"d_ff\":" << c.d_ff << ",\"max_len\":" << c.max_len << "},"
       << "\"training\":{\"seed\":" << o.seed << ",\"steps\":" << o.steps << ",\"batch_tokens\":" << o.batch_tokens
       << ",\"tokens_seen\":" << o.tokens_seen
       << (o.repeat_share + o.random_repeat_share > 0
               ? ",\"repeats\":{\"share\":" + json_number(o.repeat_share) + ",\"random_share\":" +
                     json_number(o.random_repeat_share) + ",\"last_steps\":" + std::to_string(o.last_steps) + "}"
               : std::string()) << ",\"seconds\":" << json_number(o.seconds)
       << ",\"corpus\":\"" << (large ? "large: wordnet-base glosses and examples, fortunes, World English Bible, GCIDE quotations (scripts/prepare-corpus.mjs --corpus large)"
                                      : "wordnet-base glosses and examples + fortunes (scripts/prepare-corpus.mjs)") << "\"},"
       << "\"heldout\":{\"predictions\":" << e.predictions << ",\"model\":" << json_number(e.model)
       << ",\"unigram\":" << json_number(e.unigram) << ",\"bigram\":" << json_number(e.bigram)
       << ",\"bigram_both\":" << json_number(e.bigram_both) << "},"
       << "\"head_criterion\":0.9,\"heads\":[";
  for (int l = 0; l < c.num_layers; ++l) {
    json << (l ? "," : "") << "[";
    for (int h = 0; h < c.num_heads; ++h) {
      const analysis::HeadStatistics& s = heads[static_cast<std::size_t>(l * c.num_heads + h)];
      json << (h ? "," : "") << "{";
      for (int r = 0; r < analysis::kRelationCount; ++r) {
        json << "\"" << analysis::relation_key(static_cast<analysis::Relation>(r)) << "\":" << json_number(s.shares[r]) << ",";
      }
      json << "\"entropy\":" << json_number(s.entropy) << ",\"normalised_entropy\":" << json_number(s.normalised_entropy) << "}";
    }
    json << "]";
  }
  json << "]}";
  return json.str();
}

}  // namespace attention_lab::train
