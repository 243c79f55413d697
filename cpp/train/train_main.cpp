// attention_train: trains the shipped masked language model from scratch, or
// evaluates a model file against the n-gram baselines.
//
//   attention_train --train build/corpus/train.txt --heldout build/corpus/heldout.txt \
//                   --out web/model/attention-lab-model.bin [--steps N] [--seed S]
//                   [--layers L --heads H --d-model D --d-ff F --max-len N --vocab V]
//                   [--pack N] [--checkpoint PATH [--checkpoint-every N] [--stop-after-seconds S] [--stop-at-step N]]
//                   [--continue-from FINISHED.ckpt]   (its weights, moments and data order, a new schedule)
//                   [--objective masked|causal]
//                   [--repeat-share P]  (causal only: that share of training sequences is a passage written
//                                        twice, so in-context copying pays; see repeat_passage)
//                   [--random-repeat-share P]  (causal only: that share is random words written twice)
//   attention_train --evaluate MODEL --train ... --heldout ... [--heldout-sentences N]
//   attention_train --analyse MODEL --parses KIND=PATH[,KIND=PATH...] [--coreference PATH] [--out MODEL2]
//                   [--pairs-out PATH]  (the measured token pairs, for the wasm reproduction test)
//   attention_train --write MODEL --prompt TEXT [--words N] [--temperature T] [--top-k K] [--seed S]
//     a causal model writes N words after the prompt; prints {"ids":[...]} (the
//     wasm writer must write the same, tests/node/writer.test.mjs)
//     measures every head against word relations (analysis/relations.h) and
//     writes them into the model file's metadata (MODEL itself without --out)
//
// The default objective is the masked LM: every word may look both ways, like
// BERT, whose heads the head-analysis literature (Clark et al. 2019, Voita et
// al. 2019) studies, and the From/To tables read naturally in both directions.
// --objective causal trains the writer instead: a decoder (causal mask) that
// predicts each next word, scored against unigram and next-word bigram baselines.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "adam.h"
#include "checkpoint.h"
#include "corpus.h"
#include "evaluation.h"
#include "model/generation.h"
#include "relations_report.h"

using namespace attention_lab;
using namespace attention_lab::train;

namespace {

struct Options {
  std::string train_path = "build/corpus/train.txt";
  std::string heldout_path = "build/corpus/heldout.txt";
  std::string out_path = "web/model/attention-lab-model.bin";
  std::string evaluate_path;
  std::string probe_path;
  std::string analyse_path, parses, coreference_path, pairs_out;
  std::string checkpoint_path;   // resume from it when it exists; write it every checkpoint_every steps
  std::string continue_from;     // a finished run's checkpoint: start from its weights, moments and data order,
                                 // under this run's own schedule (--steps, --warmup, --lr)
  int checkpoint_every = 250;
  int stop_after_seconds = 0;    // 0 = run to the end; else checkpoint and exit 75 after this long
  int stop_at_step = 0;          // 0 = run to the end; else checkpoint at this step of the schedule and exit 0
                                 // (a run cut short on purpose, to continue it under another schedule)
  int pack_tokens = 0;           // 0 = one sentence a sequence; else consecutive sentences up to this many tokens
  double repeat_share = 0;       // causal only: the share of training sequences written twice (repeat_passage)
  double random_repeat_share = 0;  // causal only: the share made of random words written twice (repeat_random_words)
  int steps = 12000;
  std::uint64_t seed = 20261123;
  int batch_tokens = 2048;
  int heldout_sentences = 0;  // 0 = all
  int vocab_size = 8000;
  int min_count = 3;
  TransformerConfig config{0, 64, 4, 2, 256, 64};
  float peak_learning_rate = 2e-3f;
  int warmup_steps = 300;
  // "masked": a bidirectional encoder filling in hidden words (BERT-style);
  // "causal": a decoder predicting the next word (GPT-style), which can write
  std::string objective = "masked";
  std::string write_path, prompt;
  int words = 20, top_k = 0;
  double temperature = 0;
};

Options parse(int argc, char** argv) {
  Options o;
  std::map<std::string, std::string*> text = {{"--train", &o.train_path}, {"--heldout", &o.heldout_path},
                                              {"--out", &o.out_path}, {"--evaluate", &o.evaluate_path},
                                              {"--continue-from", &o.continue_from},
                                              {"--probe", &o.probe_path}};
  std::map<std::string, int*> numbers = {{"--steps", &o.steps}, {"--batch-tokens", &o.batch_tokens},
                                         {"--heldout-sentences", &o.heldout_sentences}, {"--vocab", &o.vocab_size},
                                         {"--d-model", &o.config.d_model}, {"--heads", &o.config.num_heads},
                                         {"--layers", &o.config.num_layers}, {"--d-ff", &o.config.d_ff},
                                         {"--max-len", &o.config.max_len}, {"--warmup", &o.warmup_steps},
                                         {"--min-count", &o.min_count}, {"--pack", &o.pack_tokens},
                                         {"--checkpoint-every", &o.checkpoint_every},
                                         {"--stop-after-seconds", &o.stop_after_seconds},
                                         {"--stop-at-step", &o.stop_at_step}};
  text["--checkpoint"] = &o.checkpoint_path;
  text["--analyse"] = &o.analyse_path;
  text["--parses"] = &o.parses;
  text["--coreference"] = &o.coreference_path;
  text["--pairs-out"] = &o.pairs_out;
  text["--objective"] = &o.objective;
  text["--write"] = &o.write_path;
  text["--prompt"] = &o.prompt;
  numbers["--words"] = &o.words;
  numbers["--top-k"] = &o.top_k;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "attention_train: %s needs a value\n", flag.c_str());
      std::exit(2);
    }
    if (text.count(flag)) {
      *text[flag] = argv[++i];
    } else if (numbers.count(flag)) {
      *numbers[flag] = std::atoi(argv[++i]);
    } else if (flag == "--lr") {
      o.peak_learning_rate = std::strtof(argv[++i], nullptr);
    } else if (flag == "--repeat-share") {
      o.repeat_share = std::strtod(argv[++i], nullptr);
    } else if (flag == "--random-repeat-share") {
      o.random_repeat_share = std::strtod(argv[++i], nullptr);
    } else if (flag == "--temperature") {
      o.temperature = std::strtod(argv[++i], nullptr);
    } else if (flag == "--seed") {
      o.seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "attention_train: unknown option %s\n", flag.c_str());
      std::exit(2);
    }
  }
  if (o.objective != "masked" && o.objective != "causal") {
    std::fprintf(stderr, "attention_train: --objective is masked or causal (got %s)\n", o.objective.c_str());
    std::exit(2);
  }
  o.config.causal = o.objective == "causal";
  if (!(o.repeat_share >= 0 && o.random_repeat_share >= 0 && o.repeat_share + o.random_repeat_share <= 1) ||
      (o.repeat_share + o.random_repeat_share > 0 && !o.config.causal)) {
    std::fprintf(stderr, "attention_train: --repeat-share is a share in [0, 1], for --objective causal only "
                         "(with --random-repeat-share, the two add up to at most 1)\n");
    std::exit(2);
  }
  return o;
}

std::vector<Sentence> encode_all(const std::vector<std::string>& lines, const Vocabulary& vocabulary, int max_len) {
  std::vector<Sentence> out;
  for (const std::string& line : lines) {
    Sentence ids = vocabulary.encode(line);
    if (ids.size() > static_cast<std::size_t>(max_len)) ids.resize(static_cast<std::size_t>(max_len));
    if (ids.size() >= 2) out.push_back(std::move(ids));
  }
  return out;
}

// Consecutive sentences (the corpus keeps each source's order, so neighbours
// come from the same text) joined into sequences of up to max_tokens tokens,
// each sequence's target length drawn from [16, max_tokens]: the model sees
// short and long inputs, and positions up to max_tokens get trained.
std::vector<Sentence> pack_sentences(const std::vector<Sentence>& sentences, int max_tokens, std::uint64_t seed) {
  SeededGenerator random(seed ^ 0x5EC0ull);
  std::vector<Sentence> out;
  Sentence current;
  std::size_t target = 0;
  for (const Sentence& s : sentences) {
    if (!current.empty() && current.size() + s.size() > target) {
      out.push_back(std::move(current));
      current.clear();
    }
    if (current.empty()) target = 16 + random.next() % static_cast<std::uint64_t>(std::max(1, max_tokens - 15));
    current.insert(current.end(), s.begin(), s.end());
    if (current.size() > static_cast<std::size_t>(max_tokens)) current.resize(static_cast<std::size_t>(max_tokens));
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

std::uint64_t setup_hash(const Options& o, const TransformerConfig& c, const std::vector<Sentence>& train) {
  std::ostringstream key;
  key << o.seed << ' ' << o.steps << ' ' << o.batch_tokens << ' ' << o.peak_learning_rate << ' ' << o.warmup_steps << ' '
      << o.pack_tokens << ' ' << c.vocab_size << ' ' << c.d_model << ' ' << c.num_heads << ' ' << c.num_layers << ' '
      << c.d_ff << ' ' << c.max_len << ' ' << train.size();
  if (c.causal) key << " causal";  // (encoder checkpoints from before the flag keep their hash)
  if (!o.continue_from.empty()) key << " continuing " << o.continue_from;
  if (o.repeat_share > 0) key << " repeat " << o.repeat_share;
  if (o.random_repeat_share > 0) key << " random repeat " << o.random_repeat_share;
  std::uint64_t hash = fnv1a_hash(key.str());
  for (const Sentence& s : train) {
    for (int id : s) hash = (hash ^ static_cast<std::uint64_t>(id)) * 0x100000001B3ull;
  }
  return hash;
}

// Reads and checks a model file; prints why on failure.
bool load_model_file(const std::string& path, LoadedModel& loaded) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::fprintf(stderr, "attention_train: cannot read %s\n", path.c_str());
    return false;
  }
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const std::string problem = load_model(bytes.data(), bytes.size(), loaded);
  if (!problem.empty()) std::fprintf(stderr, "attention_train: %s: %s\n", path.c_str(), problem.c_str());
  return problem.empty();
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const auto t0 = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  try {
    if (!o.probe_path.empty()) {
      // One JSON line per sentence read from stdin: the ids and the logits of
      // the native inference path (tests compare them with the wasm engine).
      LoadedModel loaded;
      if (!load_model_file(o.probe_path, loaded)) return 2;
      std::string line;
      TransformerRun run;
      PackedTransformer packed;
      pack_transformer(loaded.params, packed);
      while (std::getline(std::cin, line)) {
        const std::vector<int> ids = loaded.vocabulary.encode(line);
        if (ids.empty() || ids.size() > static_cast<std::size_t>(loaded.params.config.max_len)) continue;
        run_transformer(loaded.params, packed, ids, true, run);
        std::printf("{\"ids\":[");
        for (std::size_t i = 0; i < ids.size(); ++i) std::printf("%s%d", i ? "," : "", ids[i]);
        std::printf("],\"logits\":[");
        for (std::size_t i = 0; i < run.logits.size(); ++i) std::printf("%s%.9g", i ? "," : "", run.logits[i]);
        std::printf("]}\n");
      }
      return 0;
    }
    if (!o.write_path.empty()) {
      LoadedModel loaded;
      if (!load_model_file(o.write_path, loaded)) return 2;
      PackedTransformer packed;
      pack_transformer(loaded.params, packed);
      DecoderCache cache;
      DecoderStep step;
      SplitMix64 random(o.seed);
      std::vector<int> written;
      for (int id : loaded.vocabulary.encode(o.prompt)) {
        const std::string problem = decoder_step(loaded.params, packed, cache, id, step);
        if (!problem.empty()) throw std::runtime_error(problem);
      }
      for (int w = 0; w < o.words && cache.length < loaded.params.config.max_len; ++w) {
        const int next = choose_next_word(step.logits.data(), loaded.params.config.vocab_size, {o.temperature, o.top_k}, random);
        written.push_back(next);
        const std::string problem = decoder_step(loaded.params, packed, cache, next, step);
        if (!problem.empty()) throw std::runtime_error(problem);
      }
      std::printf("{\"ids\":[");
      for (std::size_t i = 0; i < written.size(); ++i) std::printf("%s%d", i ? "," : "", written[i]);
      std::printf("]}\n");
      return 0;
    }
    if (!o.analyse_path.empty()) {
      LoadedModel loaded;
      if (!load_model_file(o.analyse_path, loaded)) return 2;
      std::vector<RelationKind> kinds;
      std::stringstream list(o.parses);
      std::string item;
      while (std::getline(list, item, ',')) {
        const std::size_t equals = item.find('=');
        if (equals == std::string::npos) throw std::runtime_error("--parses takes KIND=PATH items");
        kinds.push_back({item.substr(0, equals), read_parsed_sentences(item.substr(equals + 1), loaded.vocabulary)});
      }
      if (!o.coreference_path.empty()) kinds.push_back({"templates", read_coreference_sentences(o.coreference_path, loaded.vocabulary)});
      const std::string relations = relations_json(loaded, kinds);
      if (!o.pairs_out.empty()) {
        std::ofstream pairs(o.pairs_out, std::ios::binary);
        pairs << relation_pairs_jsonl(kinds);
        if (!pairs) throw std::runtime_error("cannot write " + o.pairs_out);
      }
      const std::string positional = positional_json(loaded, kinds);
      const std::string out_path = o.out_path.empty() || o.out_path == Options{}.out_path ? o.analyse_path : o.out_path;
      const std::vector<std::uint8_t> bytes = save_model(loaded.params, loaded.vocabulary,
                                                    with_metadata(with_metadata(loaded.metadata_json, "relations", relations), "positional", positional));
      std::ofstream out(out_path, std::ios::binary);
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      if (!out) throw std::runtime_error("cannot write " + out_path);
      std::printf("wrote %s (%zu bytes)\n", out_path.c_str(), bytes.size());
      return 0;
    }
    const std::vector<std::string> train_lines = read_lines(o.train_path);
    std::vector<std::string> heldout_lines = read_lines(o.heldout_path);
    if (o.heldout_sentences > 0 && heldout_lines.size() > static_cast<std::size_t>(o.heldout_sentences)) {
      heldout_lines.resize(static_cast<std::size_t>(o.heldout_sentences));
    }

    if (!o.evaluate_path.empty()) {
      LoadedModel loaded;
      if (!load_model_file(o.evaluate_path, loaded)) return 2;
      const auto train = encode_all(train_lines, loaded.vocabulary, loaded.params.config.max_len);
      const auto heldout = encode_all(heldout_lines, loaded.vocabulary, loaded.params.config.max_len);
      const Evaluation e = evaluate(loaded.params, heldout, NgramBaselines(train, loaded.vocabulary.size()));
      print_evaluation(e, loaded.params.config.causal);
      return e.model < std::min(e.bigram, e.bigram_both) ? 0 : 1;
    }

    // 1. Vocabulary and data.
    const Vocabulary vocabulary = Vocabulary::build(train_lines, o.vocab_size, o.min_count);
    TransformerConfig config = o.config;
    config.vocab_size = vocabulary.size();
    const auto sentences = encode_all(train_lines, vocabulary, config.max_len);
    const auto heldout = encode_all(heldout_lines, vocabulary, config.max_len);
    const auto train = o.pack_tokens > 0 ? pack_sentences(sentences, std::min(o.pack_tokens, config.max_len), o.seed) : sentences;
    std::size_t train_tokens = 0;
    for (const Sentence& s : train) train_tokens += s.size();
    std::printf("vocabulary %d words; %zu training sentences in %zu sequences (%zu tokens), %zu held-out\n",
                vocabulary.size(), sentences.size(), train.size(), train_tokens, heldout.size());

    // 2. Model and optimiser (AdamW; no weight decay on biases, gains, embeddings' positions).
    TransformerParams<float> params, grads;
    params.allocate(config);
    initialise_transformer(params, o.seed);
    std::printf("parameters: %zu\n", params.parameter_count());
    AdamW optimiser;
    optimiser.reset(params);

    // 3. Train: shuffled sentences, batches of about batch_tokens tokens.
    SeededGenerator random(o.seed ^ 0xA5A5A5A5ull);
    std::vector<std::uint32_t> order(train.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::uint32_t>(i);
    std::size_t cursor = order.size();
    MaskedLanguageModel<float> model;
    model.causal = config.causal;
    double smoothed = 0;
    std::size_t tokens_seen = 0;
    int first_step = 1;
    double earlier_seconds = 0;  // spent by the runs this one resumes
    int earlier_steps = 0;       // taken by the run this one continues (--continue-from)
    TrainingProgress progress;
    progress.setup_hash = setup_hash(o, config, train);
    if (!o.checkpoint_path.empty() && load_checkpoint(o.checkpoint_path, progress, params, optimiser)) {
      if (progress.order.size() != order.size()) throw std::runtime_error(o.checkpoint_path + ": checkpoint is damaged");
      order = progress.order;
      cursor = static_cast<std::size_t>(progress.cursor);
      random.set_state(progress.random_state);
      smoothed = progress.smoothed_loss;
      tokens_seen = static_cast<std::size_t>(progress.tokens_seen);
      earlier_seconds = progress.seconds;
      first_step = progress.step + 1;
      std::printf("resumed from %s at step %d\n", o.checkpoint_path.c_str(), progress.step);
      if (!o.continue_from.empty()) {  // the metadata counts the continued run's steps too
        TrainingProgress start;
        TransformerParams<float> scratch = params;
        AdamW scratch_optimiser;
        scratch_optimiser.reset(scratch);
        if (load_checkpoint(o.continue_from, start, scratch, scratch_optimiser, false)) earlier_steps = start.step;
      }
    } else if (!o.continue_from.empty()) {
      TrainingProgress start;
      if (!load_checkpoint(o.continue_from, start, params, optimiser, false)) {
        throw std::runtime_error("--continue-from: no checkpoint at " + o.continue_from);
      }
      if (start.order.size() != order.size()) throw std::runtime_error(o.continue_from + ": trained on another corpus");
      order = start.order;
      cursor = static_cast<std::size_t>(start.cursor);
      random.set_state(start.random_state);
      tokens_seen = static_cast<std::size_t>(start.tokens_seen);
      earlier_seconds = start.seconds;
      earlier_steps = start.step;
      std::printf("continuing from %s after its step %d, under a new schedule of %d steps\n", o.continue_from.c_str(),
                  start.step, o.steps);
    }
    auto checkpoint = [&](int step) {
      progress.step = step;
      progress.random_state = random.state();
      progress.order = order;
      progress.cursor = cursor;
      progress.smoothed_loss = smoothed;
      progress.tokens_seen = tokens_seen;
      progress.seconds = earlier_seconds + seconds();
      save_checkpoint(o.checkpoint_path, progress, params, optimiser);
    };
    if (o.stop_at_step > 0 && first_step > o.stop_at_step && first_step <= o.steps) {
      std::printf("already stopped at step %d (--stop-at-step %d): nothing to do\n", first_step - 1, o.stop_at_step);
      return 0;
    }
    for (int step = first_step; step <= o.steps; ++step) {
      std::vector<const Sentence*> group;
      std::deque<Sentence> repeated;  // this batch's passages written twice (stable addresses)
      int tokens = 0;
      while (tokens < o.batch_tokens) {
        if (cursor >= order.size()) {  // new epoch: Fisher-Yates with our generator
          for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[random.next() % (i + 1)]);
          cursor = 0;
        }
        group.push_back(&train[order[cursor++]]);
        // (the generator is drawn only when repeats are on, so runs without them keep their data order)
        if (o.repeat_share + o.random_repeat_share > 0) {
          const double draw = static_cast<double>(random.next() >> 11) * 0x1.0p-53;
          if (draw < o.repeat_share) {
            repeated.push_back(repeat_passage(*group.back(), config.max_len));
            group.back() = &repeated.back();
          } else if (draw < o.repeat_share + o.random_repeat_share) {  // as long as the passage written twice
            const int length = static_cast<int>(std::min(group.back()->size(), static_cast<std::size_t>(config.max_len / 2)));
            repeated.push_back(repeat_random_words(std::max(1, length), config.vocab_size, random));
            group.back() = &repeated.back();
          }
        }
        tokens += static_cast<int>(group.back()->size());
      }
      tokens_seen += static_cast<std::size_t>(tokens);
      const Batch batch = config.causal ? make_next_word_batch(group) : make_batch(group, random, 0.15, config.vocab_size);
      const float loss = model.loss(params, batch, &grads);
      smoothed = step == 1 ? loss : 0.98 * smoothed + 0.02 * loss;
      if (!std::isfinite(loss)) throw std::runtime_error("the loss is not finite at step " + std::to_string(step));
      // learning rate: linear warm-up, then linear decay to 10%
      const float progress = static_cast<float>(step - o.warmup_steps) / static_cast<float>(std::max(1, o.steps - o.warmup_steps));
      const float lr = step <= o.warmup_steps ? o.peak_learning_rate * step / o.warmup_steps
                                              : o.peak_learning_rate * (1.0f - 0.9f * progress);
      optimiser.update(params, grads, lr);
      if (step % 200 == 0 || step == 1) {
        std::printf("step %5d  loss %.4f  lr %.2e  %.0f s\n", step, smoothed, lr, earlier_seconds + seconds());
        std::fflush(stdout);
      }
      if (o.stop_at_step > 0 && step == o.stop_at_step && step < o.steps) {
        if (o.checkpoint_path.empty()) throw std::runtime_error("--stop-at-step needs --checkpoint");
        checkpoint(step);
        std::printf("stopped at step %d of a %d-step schedule, as asked; its checkpoint is %s\n", step, o.steps,
                    o.checkpoint_path.c_str());
        return 0;
      }
      if (!o.checkpoint_path.empty() && step < o.steps) {
        const bool out_of_time = o.stop_after_seconds > 0 && seconds() >= o.stop_after_seconds;
        if (step % o.checkpoint_every == 0 || out_of_time) checkpoint(step);
        if (out_of_time) {
          std::printf("stopped at step %d of %d after %.0f s; run again with the same options to resume\n", step,
                      o.steps, seconds());
          return 75;
        }
      }
    }

    // 4. What ships is float16: measure that, not the float32 weights.
    quantise_to_half(params);
    const double training_seconds = earlier_seconds + seconds();
    const Evaluation e = evaluate(params, heldout, NgramBaselines(train, vocabulary.size()));
    print_evaluation(e, config.causal);
    const std::vector<analysis::HeadStatistics> heads = head_statistics(params, vocabulary, heldout);
    for (int l = 0; l < config.num_layers; ++l) {
      for (int h = 0; h < config.num_heads; ++h) {
        const analysis::HeadStatistics& s = heads[static_cast<std::size_t>(l * config.num_heads + h)];
        using analysis::Relation;
        std::printf("layer %d head %d: previous %.2f next %.2f self %.2f first %.2f punct %.2f entropy %.2f\n", l + 1,
                    h + 1, s.share(Relation::kPrevious), s.share(Relation::kNext), s.share(Relation::kSelf),
                    s.share(Relation::kFirst), s.share(Relation::kPunctuation), s.normalised_entropy);
      }
    }
    const std::vector<std::uint8_t> bytes =
        save_model(params, vocabulary, metadata(TrainingRecord{o.train_path, o.seed, earlier_steps + o.steps, o.steps, o.batch_tokens, tokens_seen,
                                                               training_seconds, o.repeat_share, o.random_repeat_share},
                                                config, params.parameter_count(), e, heads));
    std::ofstream out(o.out_path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + o.out_path);
    std::printf("wrote %s (%zu bytes) in %.0f s\n", o.out_path.c_str(), bytes.size(), seconds());
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "attention_train: %s\n", error.what());
    return 1;
  }
}
