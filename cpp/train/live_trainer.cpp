#include "live_trainer.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "analysis/head_roles.h"
#include "corpus.h"

namespace attention_lab::train {
namespace {

constexpr int kWarmupSteps = 20;
constexpr int kEvaluationSequences = 96;
constexpr float kInitialStd = 0.1f;  // larger than the corpus model's 0.02: untrained heads show visible noise

const std::vector<std::string> kLetters = {"A", "B", "C", "D", "E", "F", "G", "H",
                                           "I", "J", "K", "L", "M", "N", "O", "P"};

int uniform(SeededGenerator& random, int count) {
  return static_cast<int>(random.next() % static_cast<std::uint64_t>(count));
}

// ---- the tasks' generators ------------------------------------------------------

int& key(TaskExample& e, std::size_t role, int i) { return e.role_keys[role][static_cast<std::size_t>(i)]; }
int length_of(const TaskExample& e) { return static_cast<int>(e.ids.size()); }

// Random letters; target and key at i: position i - 1.
void generate_copy_previous(SeededGenerator& random, TaskExample& e) {
  for (int& id : e.ids) id = uniform(random, 16);
  for (int i = 1; i < length_of(e); ++i) {
    e.targets[i] = e.ids[i - 1];
    key(e, 0, i) = i - 1;
  }
}

// Random letters; target and key at i: position n - 1 - i.
void generate_reverse(SeededGenerator& random, TaskExample& e) {
  const int n = length_of(e);
  for (int& id : e.ids) id = uniform(random, 16);
  for (int i = 0; i < n; ++i) {
    e.targets[i] = e.ids[n - 1 - i];
    key(e, 0, i) = n - 1 - i;
  }
}

// A random balanced sequence: open while there is room, close when the
// remaining positions are needed to close what is open. Every closer is
// written "?"; its target is the closer of its opener, its key the opener.
void generate_brackets(SeededGenerator& random, TaskExample& e) {
  const int n = length_of(e);
  std::vector<int> open;  // positions of unmatched openers
  for (int i = 0; i < n; ++i) {
    const int depth = static_cast<int>(open.size());
    const bool close = depth > 0 && (depth == n - i || uniform(random, 2) == 0);
    if (close) {
      const int opener = open.back();
      open.pop_back();
      e.ids[i] = 4;  // "?"
      e.targets[i] = 5 + e.ids[opener];
      key(e, 0, i) = opener;
    } else {
      e.ids[i] = uniform(random, 4);
      open.push_back(i);
    }
  }
}

// Two copies of a run of distinct letters (4 to n/2 - 1 long) at random
// places, filler letters (not in the run) everywhere else. The gap between
// the copies varies independently of the run's length, so no fixed offset or
// position finds the answer: only "find where this letter was last time, take
// the letter after it" does. Keys: the previous position everywhere; in the
// repeat, the position after the earlier occurrence, where the target is.
// (The older layout, filler then run then run at the end of the sequence, let
// the model lower the loss with position tricks and no head lit up: measured
// in the model-that-writes issue's notes.)
void generate_induction(SeededGenerator& random, TaskExample& e) {
  const int n = length_of(e), tokens = static_cast<int>(kLetters.size());
  const int run = 4 + uniform(random, n / 2 - 4);
  const int first = uniform(random, n - 2 * run + 1);                     // start of the first copy
  const int second = first + run + uniform(random, n - first - 2 * run + 1);  // start of the repeat
  std::vector<int> letters(static_cast<std::size_t>(tokens));
  for (int i = 0; i < tokens; ++i) letters[i] = i;
  for (int i = 0; i < run; ++i) std::swap(letters[i], letters[i + uniform(random, tokens - i)]);
  for (int i = 0; i < n; ++i) e.ids[i] = letters[run + uniform(random, tokens - run)];
  for (int i = 0; i < run; ++i) e.ids[first + i] = e.ids[second + i] = letters[i];
  for (int i = 1; i < n; ++i) key(e, 0, i) = i - 1;
  const int offset = second - first;
  for (int i = second; i < second + run - 1; ++i) {
    e.targets[i] = e.ids[i - offset + 1];
    key(e, 1, i) = i - offset + 1;
  }
}

// Random digits; target at i: "<", "=" or ">" comparing the digits at i - 1 and i + 1.
void generate_neighbours(SeededGenerator& random, TaskExample& e) {
  const int n = length_of(e);
  for (int& id : e.ids) id = uniform(random, 10);
  for (int i = 1; i + 1 < n; ++i) {
    key(e, 0, i) = i - 1;
    key(e, 1, i) = i + 1;
    const int before = e.ids[i - 1], after = e.ids[i + 1];
    e.targets[i] = before < after ? 10 : before == after ? 11 : 12;
  }
}

}  // namespace

std::vector<TaskInfo> live_tasks() {
  const std::vector<std::string> brackets = {"(", "[", "{", "<", "?", ")", "]", "}", ">"};
  const std::vector<std::string> digits = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "<", "=", ">"};
  return {
      {"copy-previous", "Copy the previous token",
       "Random letters; at every position the answer is the letter just before it.", {"previous token"}, 1, false, 0.9,
       kLetters, 12, generate_copy_previous},
      {"reverse", "Reverse the sequence",
       "Eight random letters; the answer at position i is the letter at position n-1-i.", {"mirror position"}, 1, false,
       0.9, kLetters, 8, generate_reverse},
      {"brackets", "Find the matching bracket",
       "Balanced brackets where every closer is written ?; the answer at a ? is the closer of the bracket it closes. "
       "Heads see only earlier positions (a closer needs only the past), and the model is attention-only by default: "
       "a layer-2 head usually learns to find the matching opener after a plateau.",
       {"matching bracket"}, 2, true, 0.9, brackets, 12, generate_brackets, true},
      {"induction", "Induction: continue a repeat",
       "A run of distinct letters appears twice, at random places among other letters; in the repeat, the answer is "
       "the letter that followed the current one last time. Heads see only earlier positions. Attention-only by "
       "default (no MLP blocks), as in the circuits papers: a previous-token head in layer 1 and an induction head in "
       "layer 2 usually appear together, suddenly, after a plateau.",
       {"previous token", "induction"}, 2, true, 0.7, kLetters, 24, generate_induction, true},
      {"neighbours", "Compare the two neighbours",
       "Random digits; the answer at position i is <, = or > comparing the digit before with the digit after. It needs "
       "two relations at once.",
       {"previous token", "next token"}, 1, false, 0.85, digits, 10, generate_neighbours},
      {"reverse-across", "Reverse, across (encoder–decoder)",
       "Eight random letters go into an encoder; a decoder writes them backwards. Its queries know only which output "
       "position they fill, so each head must learn to look across at the mirrored source letter. Beside it, the "
       "untrained twin (the same start, never trained).",
       {"mirrored source position"}, 1, false, 0.9, kLetters, 8, generate_reverse, false, true},
      {"text", "Tiny real text (masked words)",
       "Short sentences from the trained model's corpus; 15% of words are hidden and predicted from both sides. The "
       "target is to beat guessing by word frequency on unseen sentences; with so few sentences the model soon starts "
       "memorising them, and the held-out loss turns back up.",
       {"previous token", "next token"}, 2, false, 0.6, {}, 12, nullptr},
  };
}

std::unique_ptr<LiveTrainer> LiveTrainer::create(const LiveOptions& options, const std::vector<std::string>& text_lines,
                                                 std::string& problem) {
  std::unique_ptr<LiveTrainer> trainer(new LiveTrainer(options, text_lines));
  problem = trainer->problem_;
  if (!problem.empty()) trainer.reset();
  return trainer;
}

std::string LiveTrainer::learning_rate_problem(double lr) {
  if (!std::isfinite(lr) || lr <= 0 || lr > 0.1) return "learning rate must be in (0, 0.1]";
  return "";
}

LiveTrainer::LiveTrainer(const LiveOptions& options, const std::vector<std::string>& text_lines)
    : options_(options), data_random_(options.seed ^ 0xD1B54A32D192ED03ull) {
  // 1. Task and checks (no exceptions: the wasm build has them off).
  auto fail = [&](const std::string& message) { problem_ = message; };
  bool found = false;
  for (const TaskInfo& info : live_tasks()) {
    if (info.id == options.task) {
      task_ = info;
      found = true;
    }
  }
  if (!found) { fail("unknown task \"" + options.task + "\""); return; }
  if (options_.num_layers == 0 || task_.cross) options_.num_layers = task_.default_layers;  // the encoder-decoder has one cross-attention block
  if (options_.attention_only < 0) options_.attention_only = task_.default_attention_only ? 1 : 0;
  if (options_.d_model < 4 || options_.d_model > 256) { fail("d_model must be between 4 and 256"); return; }
  if (options_.num_heads < 1 || options_.num_heads > options_.d_model || options_.d_model % options_.num_heads != 0) {
    fail("heads must divide d_model (" + std::to_string(options_.d_model) + ")");
    return;
  }
  if (options_.num_layers < 1 || options_.num_layers > 4) { fail("layers must be 1 to 4"); return; }
  if (options_.batch_size < 1 || options_.batch_size > 256) { fail("batch size must be 1 to 256"); return; }
  if (!learning_rate_problem(options_.learning_rate).empty()) { fail(learning_rate_problem(options_.learning_rate)); return; }

  // 2. Vocabulary and data.
  seq_len_ = task_.length;
  if (!task_.generate) {  // the text task
    const Vocabulary words = Vocabulary::build(text_lines, 1000, 1);
    vocabulary_ = words.words();
    std::vector<std::vector<int>> sentences;
    for (const std::string& line : text_lines) {
      std::vector<int> ids = words.encode(line);
      const auto unknown = std::count(ids.begin(), ids.end(), Vocabulary::kUnknown);
      if (ids.size() >= 4 && static_cast<int>(ids.size()) <= seq_len_ && unknown * 5 <= static_cast<long>(ids.size())) {
        sentences.push_back(std::move(ids));
      }
    }
    if (sentences.size() < 200) {
      { fail("the text task needs at least 200 short sentences (got " + std::to_string(sentences.size()) + ")"); return; }
    }
    // the last sentences are held out for evaluation; the probe is the first long one
    const std::size_t held = kEvaluationSequences;
    text_train_.assign(sentences.begin(), sentences.end() - static_cast<long>(held));
    std::vector<std::vector<int>> heldout(sentences.end() - static_cast<long>(held), sentences.end());
    std::stable_partition(heldout.begin(), heldout.end(), [](const std::vector<int>& s) { return s.size() >= 8; });
    std::vector<const Sentence*> group;
    for (const auto& s : heldout) group.push_back(&s);
    SeededGenerator masking(0x7E57ull);
    evaluation_batch_ = make_batch(group, masking, 0.15, static_cast<int>(vocabulary_.size()));
    for (int s = 0; s < evaluation_batch_.num_sentences(); ++s) {
      TaskExample example;
      const int start = evaluation_batch_.offsets[s], n = evaluation_batch_.offsets[s + 1] - start;
      example.ids.assign(evaluation_batch_.ids.begin() + start, evaluation_batch_.ids.begin() + start + n);
      example.targets.assign(static_cast<std::size_t>(n), -1);
      for (std::size_t m = 0; m < evaluation_batch_.masked_rows.size(); ++m) {
        const int row = evaluation_batch_.masked_rows[m];
        if (row >= start && row < start + n) example.targets[static_cast<std::size_t>(row - start)] = evaluation_batch_.targets[m];
      }
      // role keys: the previous and the next position (-1 where there is none)
      std::vector<int> previous(static_cast<std::size_t>(n)), next(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i) {
        previous[static_cast<std::size_t>(i)] = i - 1;
        next[static_cast<std::size_t>(i)] = i + 1 < n ? i + 1 : -1;
      }
      example.role_keys.clear();
      example.role_keys.push_back(std::move(previous));
      example.role_keys.push_back(std::move(next));
      evaluation_.push_back(std::move(example));
    }
  } else {
    vocabulary_ = task_.vocabulary;
    SeededGenerator evaluation_random(0xE7A1ull);  // the same evaluation set for every seed
    for (int s = 0; s < kEvaluationSequences; ++s) evaluation_.push_back(generate(evaluation_random));
    evaluation_batch_ = batch_of(evaluation_);
  }

  // 3. Baselines: what a model that ignores its input can reach. Synthetic
  //    tasks: the entropy of the targets' frequencies (known in advance). Text:
  //    guessing by word frequency, counted on the training sentences and
  //    measured on the held-out ones (the same smoothed unigram the corpus
  //    trainer reports); the target is to beat it.
  if (!task_.generate) {
    chance_loss_ = NgramBaselines(text_train_, static_cast<int>(vocabulary_.size())).unigram(evaluation_batch_);
    target_loss_ = chance_loss_;
  } else {
    std::map<int, double> counts;
    for (int target : evaluation_batch_.targets) counts[target] += 1;
    const double total = static_cast<double>(evaluation_batch_.targets.size());
    for (const auto& entry : counts) chance_loss_ -= entry.second / total * std::log(entry.second / total);
    target_loss_ = 0.1;
  }

  // 4. Model and optimiser.
  TransformerConfig config;
  config.vocab_size = static_cast<int>(vocabulary_.size());
  config.d_model = options_.d_model;
  config.num_heads = options_.num_heads;
  config.num_layers = options_.num_layers;
  config.d_ff = options_.attention_only || task_.cross ? 0 : 4 * options_.d_model;  // 0: no MLP blocks
  config.max_len = task_.cross ? 2 * seq_len_ : seq_len_;  // cross: the encoder's positions, then the decoder's
  params_.allocate(config);
  initialise_transformer(params_, options_.seed, kInitialStd);
  optimiser_.reset(params_);
  model_.causal = task_.causal;
  if (task_.cross) {
    cross_model_.source_len = seq_len_;
    cross_evaluation_ = cross_examples(evaluation_);
    evaluate_cross(params_, twin_probe_attention_, twin_roles_);  // the twin: these weights, before any step
  }
  evaluate();
}

std::vector<CrossExample> LiveTrainer::cross_examples(const std::vector<TaskExample>& examples) {
  std::vector<CrossExample> out;
  for (const TaskExample& e : examples) out.push_back({e.ids, e.targets});
  return out;
}

// The encoder-decoder's loss on the evaluation set, its probe attention (1,
// heads, target_len, source_len) and its heads' roles.
double LiveTrainer::evaluate_cross(const TransformerParams<float>& params, std::vector<float>& probe, std::vector<HeadRole>& roles) {
  const double loss = cross_model_.loss(params, cross_evaluation_);
  const int heads = params.config.num_heads, n = seq_len_;
  probe.assign(static_cast<std::size_t>(heads) * n * n, 0.0f);
  roles.assign(static_cast<std::size_t>(heads), HeadRole{});
  for (int h = 0; h < heads; ++h) {
    const auto& first = cross_model_.attention(0, h);
    std::copy(first.data(), first.data() + first.size(), probe.begin() + static_cast<std::ptrdiff_t>(h) * n * n);
    analysis::KeyedCount count;
    for (std::size_t s = 0; s < cross_evaluation_.size(); ++s) {
      const auto& weights = cross_model_.attention(static_cast<int>(s), h);
      analysis::count_keyed(weights.data(), static_cast<int>(weights.rows()), static_cast<int>(weights.cols()),
                            evaluation_[s].role_keys[0].data(), count);
    }
    HeadRole& role = roles[static_cast<std::size_t>(h)];
    role.head = h;
    role.scores.push_back(count.share());
    if (role.scores[0] >= task_.threshold) role.best = 0;
  }
  return loss;
}

std::string LiveTrainer::set_learning_rate(double lr) {
  std::string problem = learning_rate_problem(lr);
  if (problem.empty()) options_.learning_rate = lr;
  return problem;
}

std::vector<std::string> LiveTrainer::probe_tokens() const {
  std::vector<std::string> tokens;
  for (int id : probe_ids()) tokens.push_back(vocabulary_[static_cast<std::size_t>(id)]);
  return tokens;
}

TaskExample LiveTrainer::generate(SeededGenerator& random) {
  TaskExample e;
  e.ids.assign(static_cast<std::size_t>(seq_len_), 0);
  e.targets.assign(static_cast<std::size_t>(seq_len_), -1);
  e.role_keys.assign(task_.roles.size(), std::vector<int>(static_cast<std::size_t>(seq_len_), -1));
  if (task_.generate) task_.generate(random, e);
  return e;
}

Batch LiveTrainer::batch_of(const std::vector<TaskExample>& examples) {
  Batch batch;
  batch.offsets.push_back(0);
  for (const TaskExample& e : examples) {
    const int start = batch.num_rows();
    for (std::size_t i = 0; i < e.ids.size(); ++i) {
      batch.ids.push_back(e.ids[i]);
      batch.original_ids.push_back(e.ids[i]);
      if (e.targets[i] >= 0) {
        batch.masked_rows.push_back(start + static_cast<int>(i));
        batch.targets.push_back(e.targets[i]);
      }
    }
    batch.offsets.push_back(batch.num_rows());
  }
  return batch;
}

Batch LiveTrainer::make_training_batch() {
  if (!task_.generate) {
    std::vector<const Sentence*> group;
    for (int s = 0; s < options_.batch_size; ++s) {
      group.push_back(&text_train_[static_cast<std::size_t>(uniform(data_random_, static_cast<int>(text_train_.size())))]);
    }
    return make_batch(group, data_random_, 0.15, static_cast<int>(vocabulary_.size()));
  }
  std::vector<TaskExample> examples;
  for (int s = 0; s < options_.batch_size; ++s) examples.push_back(generate(data_random_));
  return batch_of(examples);
}

float LiveTrainer::step() {
  float loss;
  if (task_.cross) {
    std::vector<TaskExample> examples;
    for (int s = 0; s < options_.batch_size; ++s) examples.push_back(generate(data_random_));
    loss = cross_model_.loss(params_, cross_examples(examples), &grads_);
  } else {
    loss = model_.loss(params_, make_training_batch(), &grads_);
  }
  ++steps_;
  const double warm = std::min(1.0, static_cast<double>(steps_) / kWarmupSteps);
  optimiser_.update(params_, grads_, static_cast<float>(options_.learning_rate * warm));
  return loss;
}

double LiveTrainer::evaluate() {
  if (task_.cross) return evaluate_cross(params_, probe_attention_, roles_);
  const double loss = model_.loss(params_, evaluation_batch_);
  const TransformerConfig& c = params_.config;
  // 1. The probe's attention: (layers, heads, n, n).
  const int n = static_cast<int>(evaluation_[0].ids.size());
  probe_attention_.assign(static_cast<std::size_t>(c.num_layers) * c.num_heads * n * n, 0.0f);
  for (int l = 0; l < c.num_layers; ++l) {
    for (int h = 0; h < c.num_heads; ++h) {
      const auto& weights = model_.attention(l, 0, h);
      float* out = probe_attention_.data() + (static_cast<std::size_t>(l) * c.num_heads + h) * n * n;
      for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) out[i * n + j] = weights(i, j);
      }
    }
  }
  // 2. Roles: share of rows whose arg-max is the role's key.
  const std::size_t num_roles = task_.roles.size();
  roles_.assign(static_cast<std::size_t>(c.num_layers) * c.num_heads, HeadRole{});
  for (int l = 0; l < c.num_layers; ++l) {
    for (int h = 0; h < c.num_heads; ++h) {
      std::vector<analysis::KeyedCount> counts(num_roles);
      for (std::size_t s = 0; s < evaluation_.size(); ++s) {
        const auto& weights = model_.attention(l, static_cast<int>(s), h);
        const int rows = static_cast<int>(weights.rows());
        for (std::size_t r = 0; r < num_roles; ++r) {
          analysis::count_keyed(weights.data(), rows, static_cast<int>(weights.cols()), evaluation_[s].role_keys[r].data(),
                                counts[r]);
        }
      }
      HeadRole& role = roles_[static_cast<std::size_t>(l * c.num_heads + h)];
      role.layer = l;
      role.head = h;
      for (std::size_t r = 0; r < num_roles; ++r) {
        role.scores.push_back(counts[r].share());
        if (role.scores[r] >= task_.threshold && (role.best < 0 || role.scores[r] > role.scores[static_cast<std::size_t>(role.best)])) {
          role.best = static_cast<int>(r);
        }
      }
    }
  }
  return loss;
}

}  // namespace attention_lab::train
