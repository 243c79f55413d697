// attention_live_train: the browser's live trainer, natively. Prints one JSON
// object: the batch loss of every step, and evaluations (loss, head roles)
// every --every steps. tests/node compares its curve with the wasm build's;
// scripts/bench.mjs takes its step time as the native side of the ratio.
//
//   attention_live_train --task copy-previous [--steps 300] [--seed 1] [--heads 4]
//                        [--d-model 32] [--layers 0] [--batch 32] [--lr 0.003]
//                        [--every 50] [--text FILE] [--time] [--attention-only | --with-mlp] [--probe]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "corpus.h"
#include "live_trainer.h"

using namespace attention_lab::train;

int main(int argc, char** argv) {
  try {
    LiveOptions options;
    int steps = 300, every = 50;
    bool time_steps = false, probe = false;
    std::string text_path;
    for (int i = 1; i < argc; ++i) {
      const std::string flag = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value");
        return argv[++i];
      };
      if (flag == "--task") options.task = value();
      else if (flag == "--steps") steps = std::stoi(value());
      else if (flag == "--seed") options.seed = std::stoull(value());
      else if (flag == "--heads") options.num_heads = std::stoi(value());
      else if (flag == "--d-model") options.d_model = std::stoi(value());
      else if (flag == "--layers") options.num_layers = std::stoi(value());
      else if (flag == "--batch") options.batch_size = std::stoi(value());
      else if (flag == "--lr") options.learning_rate = std::stod(value());
      else if (flag == "--every") every = std::stoi(value());
      else if (flag == "--text") text_path = value();
      else if (flag == "--time") time_steps = true;
      else if (flag == "--attention-only") options.attention_only = 1;
      else if (flag == "--with-mlp") options.attention_only = 0;
      else if (flag == "--probe") probe = true;
      else throw std::invalid_argument("unknown option " + flag);
    }
    const std::vector<std::string> text = text_path.empty() ? std::vector<std::string>{} : read_lines(text_path);
    std::string problem;
    const std::unique_ptr<LiveTrainer> made = LiveTrainer::create(options, text, problem);
    if (!made) throw std::invalid_argument(problem);
    LiveTrainer& trainer = *made;
    std::printf("{\"task\":\"%s\",\"layers\":%d,\"parameters\":%zu,\"chance\":%.6f,\"target\":%.6f,\"losses\":[",
                trainer.task().id.c_str(), trainer.config().num_layers, trainer.parameter_count(),
                trainer.chance_loss(), trainer.target_loss());
    std::string evaluations;
    const auto start = std::chrono::steady_clock::now();
    double step_seconds = 0;
    for (int s = 1; s <= steps; ++s) {
      const auto before = std::chrono::steady_clock::now();
      const float loss = trainer.step();
      step_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - before).count();
      std::printf("%s%.7g", s > 1 ? "," : "", loss);
      if (every > 0 && (s % every == 0 || s == steps)) {
        const double eval = trainer.evaluate();
        std::string roles;
        for (const HeadRole& role : trainer.roles()) {
          std::string scores;
          for (double score : role.scores) scores += (scores.empty() ? "" : ",") + std::to_string(score);
          roles += std::string(roles.empty() ? "" : ",") + "{\"layer\":" + std::to_string(role.layer) +
                   ",\"head\":" + std::to_string(role.head) + ",\"best\":" + std::to_string(role.best) +
                   ",\"scores\":[" + scores + "]}";
        }
        evaluations += std::string(evaluations.empty() ? "" : ",") + "{\"step\":" + std::to_string(s) +
                       ",\"loss\":" + std::to_string(eval) + ",\"roles\":[" + roles + "]}";
      }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("],\"evaluations\":[%s],\"seconds\":%.4f", evaluations.c_str(), seconds);
    if (trainer.task().cross) {  // the untrained twin's role scores, per head
      std::printf(",\"twin\":[");
      for (std::size_t h = 0; h < trainer.twin_roles().size(); ++h) std::printf("%s%.6f", h ? "," : "", trainer.twin_roles()[h].scores[0]);
      std::printf("]");
    }
    if (time_steps) std::printf(",\"step_ms\":%.5f", 1e3 * step_seconds / std::max(1, steps));
    if (probe) {  // the probe sequence and its attention after the last evaluation: (layers, heads, n, n)
      std::printf(",\"probe\":{\"tokens\":[");
      const std::vector<std::string> tokens = trainer.probe_tokens();
      for (std::size_t i = 0; i < tokens.size(); ++i) std::printf("%s\"%s\"", i ? "," : "", tokens[i].c_str());
      std::printf("],\"attention\":[");
      const std::vector<float>& attention = trainer.probe_attention();
      for (std::size_t i = 0; i < attention.size(); ++i) std::printf("%s%.4g", i ? "," : "", attention[i]);
      std::printf("]}");
    }
    std::printf("}\n");
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "attention_live_train: %s\n", error.what());
    return 2;
  }
}
