#include "corpus.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <stdexcept>

namespace attention_lab::train {

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot read " + path + " (run node scripts/prepare-corpus.mjs)");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(file, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

namespace {
double unit(SeededGenerator& random) { return static_cast<double>(random.next() >> 11) * 0x1.0p-53; }
}  // namespace

Batch make_batch(const std::vector<const Sentence*>& sentences, SeededGenerator& random, double mask_rate,
                 int vocab_size) {
  Batch batch;
  batch.offsets.push_back(0);
  for (const Sentence* sentence : sentences) {
    const int start = batch.num_rows();
    const int n = static_cast<int>(sentence->size());
    std::vector<bool> chosen(static_cast<std::size_t>(n), false);
    bool any = false;
    for (int i = 0; i < n; ++i) any |= (chosen[i] = unit(random) < mask_rate);
    if (!any) chosen[static_cast<std::size_t>(random.next() % static_cast<std::uint64_t>(n))] = true;
    for (int i = 0; i < n; ++i) {
      const int original = (*sentence)[i];
      int input = original;
      if (chosen[i]) {
        const double roll = unit(random);
        if (roll < 0.8) {
          input = Vocabulary::kMask;
        } else if (roll < 0.9) {
          input = 3 + static_cast<int>(random.next() % static_cast<std::uint64_t>(vocab_size - 3));
        }
        batch.masked_rows.push_back(start + i);
        batch.targets.push_back(original);
      }
      batch.ids.push_back(input);
      batch.original_ids.push_back(original);
    }
    batch.offsets.push_back(batch.num_rows());
  }
  return batch;
}

Batch make_next_word_batch(const std::vector<const Sentence*>& sentences) {
  Batch batch;
  batch.offsets.push_back(0);
  for (const Sentence* sentence : sentences) {
    const int start = batch.num_rows();
    const int n = static_cast<int>(sentence->size());
    for (int i = 0; i < n; ++i) {
      batch.ids.push_back((*sentence)[static_cast<std::size_t>(i)]);
      batch.original_ids.push_back((*sentence)[static_cast<std::size_t>(i)]);
      if (i + 1 < n) {
        batch.masked_rows.push_back(start + i);
        batch.targets.push_back((*sentence)[static_cast<std::size_t>(i + 1)]);
      }
    }
    batch.offsets.push_back(batch.num_rows());
  }
  return batch;
}

Sentence repeat_passage(const Sentence& passage, int max_len) {
  if (max_len < 2 || passage.empty()) return passage;  // no room for two copies
  const std::size_t half = std::min(passage.size(), static_cast<std::size_t>(std::max(0, max_len / 2)));
  Sentence twice(passage.begin(), passage.begin() + static_cast<std::ptrdiff_t>(half));
  twice.insert(twice.end(), passage.begin(), passage.begin() + static_cast<std::ptrdiff_t>(half));
  return twice;
}

Sentence repeat_random_words(int length, int vocab_size, SeededGenerator& random) {
  const int first_word = Vocabulary::kMask + 1;
  if (length < 1 || vocab_size <= first_word) throw std::invalid_argument("repeat_random_words: no words to draw");
  Sentence twice(static_cast<std::size_t>(2 * length));
  for (int i = 0; i < length; ++i) {
    twice[static_cast<std::size_t>(i)] = first_word + static_cast<int>(random.next() % static_cast<std::uint64_t>(vocab_size - first_word));
    twice[static_cast<std::size_t>(i + length)] = twice[static_cast<std::size_t>(i)];
  }
  return twice;
}

void quantise_to_half(TransformerParams<float>& params) {
  params.for_each([](const std::string&, std::vector<float>& tensor) {
    for (float& value : tensor) value = half_to_float(float_to_half(value));
  });
}

NgramBaselines::NgramBaselines(const std::vector<Sentence>& train, int vocab_size)
    : vocab_size_(vocab_size),
      unigram_counts_(static_cast<std::size_t>(vocab_size), 0.0),
      followers_(static_cast<std::size_t>(vocab_size)),
      previous_totals_(static_cast<std::size_t>(vocab_size), 0.0),
      previous_types_(static_cast<std::size_t>(vocab_size), 0.0) {
  // <pad> (id 0) stands for the sentence boundary on both sides.
  std::vector<std::vector<int>> pairs(static_cast<std::size_t>(vocab_size));
  for (const Sentence& sentence : train) {
    int previous = Vocabulary::kPad;
    for (std::size_t i = 0; i <= sentence.size(); ++i) {
      const int w = i < sentence.size() ? sentence[i] : Vocabulary::kPad;
      if (i < sentence.size()) {
        unigram_counts_[static_cast<std::size_t>(w)] += 1;
        total_ += 1;
      }
      pairs[static_cast<std::size_t>(previous)].push_back(w);
      previous = w;
    }
  }
  unigram_counts_[Vocabulary::kPad] = static_cast<double>(train.size());  // boundary as a "word" for P(next|w)
  total_ += static_cast<double>(train.size());
  for (int p = 0; p < vocab_size; ++p) {
    std::vector<int>& list = pairs[static_cast<std::size_t>(p)];
    std::sort(list.begin(), list.end());
    auto& out = followers_[static_cast<std::size_t>(p)];
    for (std::size_t i = 0; i < list.size();) {
      std::size_t j = i;
      while (j < list.size() && list[j] == list[i]) ++j;
      out.emplace_back(list[i], static_cast<double>(j - i));
      i = j;
    }
    previous_totals_[static_cast<std::size_t>(p)] = static_cast<double>(list.size());
    previous_types_[static_cast<std::size_t>(p)] = static_cast<double>(out.size());
  }
}

double NgramBaselines::p_unigram(int w) const {
  return (unigram_counts_[static_cast<std::size_t>(w)] + 1.0) / (total_ + vocab_size_);  // add-one
}

double NgramBaselines::p_bigram(int previous, int w) const {
  const double count_previous = previous_totals_[static_cast<std::size_t>(previous)];
  const double types = previous_types_[static_cast<std::size_t>(previous)];
  if (count_previous == 0) return p_unigram(w);
  const auto& list = followers_[static_cast<std::size_t>(previous)];
  const auto found = std::lower_bound(list.begin(), list.end(), std::make_pair(w, 0.0),
                                      [](const auto& a, const auto& b) { return a.first < b.first; });
  const double count = (found != list.end() && found->first == w) ? found->second : 0.0;
  const double lambda = count_previous / (count_previous + types);  // Witten-Bell
  return lambda * count / count_previous + (1.0 - lambda) * p_unigram(w);
}

double NgramBaselines::unigram(const Batch& batch) const {
  double total = 0;
  for (int target : batch.targets) total -= std::log(p_unigram(target));
  return batch.targets.empty() ? 0 : total / static_cast<double>(batch.targets.size());
}

namespace {
struct Neighbours {
  int previous, next;
};
Neighbours neighbours(const Batch& batch, int row) {
  int s = static_cast<int>(std::upper_bound(batch.offsets.begin(), batch.offsets.end(), row) - batch.offsets.begin()) - 1;
  const int start = batch.offsets[s], end = batch.offsets[s + 1];
  return {row > start ? batch.original_ids[row - 1] : Vocabulary::kPad,
          row + 1 < end ? batch.original_ids[row + 1] : Vocabulary::kPad};
}
}  // namespace

double NgramBaselines::bigram(const Batch& batch) const {
  double total = 0;
  for (std::size_t m = 0; m < batch.targets.size(); ++m) {
    total -= std::log(p_bigram(neighbours(batch, batch.masked_rows[m]).previous, batch.targets[m]));
  }
  return batch.targets.empty() ? 0 : total / static_cast<double>(batch.targets.size());
}

double NgramBaselines::next_word_bigram(const Batch& batch) const {
  double total = 0;
  for (std::size_t m = 0; m < batch.targets.size(); ++m) {
    total -= std::log(p_bigram(batch.original_ids[static_cast<std::size_t>(batch.masked_rows[m])], batch.targets[m]));
  }
  return batch.targets.empty() ? 0 : total / static_cast<double>(batch.targets.size());
}

double NgramBaselines::bigram_both_sides(const Batch& batch) const {
  double total = 0;
  for (std::size_t m = 0; m < batch.targets.size(); ++m) {
    const Neighbours around = neighbours(batch, batch.masked_rows[m]);
    double normaliser = 0, target_score = 0;
    for (int w = 1; w < vocab_size_; ++w) {
      if (w == Vocabulary::kMask) continue;
      const double score = p_bigram(around.previous, w) * p_bigram(w, around.next);
      normaliser += score;
      if (w == batch.targets[m]) target_score = score;
    }
    total -= std::log(target_score / normaliser);
  }
  return batch.targets.empty() ? 0 : total / static_cast<double>(batch.targets.size());
}

std::vector<analysis::HeadStatistics> head_statistics(const TransformerParams<float>& params,
                                                      const Vocabulary& vocabulary,
                                                      const std::vector<Sentence>& sentences) {
  const int layers = params.config.num_layers, heads = params.config.num_heads;
  std::vector<analysis::HeadTally> tallies(static_cast<std::size_t>(layers * heads));
  std::vector<bool> punctuation_of_id(static_cast<std::size_t>(vocabulary.size()));
  for (int id = 0; id < vocabulary.size(); ++id) {
    punctuation_of_id[static_cast<std::size_t>(id)] = analysis::is_punctuation_token(vocabulary.word(id));
  }
  TransformerRun run;
  PackedTransformer packed;
  pack_transformer(params, packed);
  std::vector<bool> punctuation;
  for (const Sentence& sentence : sentences) {
    const int n = static_cast<int>(sentence.size());
    if (n < 2) continue;
    run_transformer(params, packed, sentence, false, run);
    punctuation.assign(sentence.size(), false);
    for (int i = 0; i < n; ++i) punctuation[static_cast<std::size_t>(i)] = punctuation_of_id[static_cast<std::size_t>(sentence[i])];
    for (int lh = 0; lh < layers * heads; ++lh) {
      tallies[static_cast<std::size_t>(lh)].add(run.attention.data() + static_cast<std::size_t>(lh) * n * n, n, n,
                                                 punctuation, false,
                                                 run.row_entropy.data() + static_cast<std::size_t>(lh) * n,
                                                 params.config.causal);
    }
  }
  std::vector<analysis::HeadStatistics> stats;
  for (const analysis::HeadTally& tally : tallies) stats.push_back(tally.statistics());
  return stats;
}

}  // namespace attention_lab::train
