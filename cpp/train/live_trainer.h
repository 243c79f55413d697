// Live training for the browser: a small transformer (cpp/transformer.h, the
// same forward/backward as the corpus trainer in mlm.h) learns one of a few
// tasks whose right attention pattern is known, so a learner can watch heads
// turn from noise into that pattern and see a measured criterion light up.
//
// Every task supervises some positions of a sequence with a target token:
//   copy-previous   target at i = token i-1              head role: previous token
//   reverse         target at i = token n-1-i            head role: mirror position
//   brackets        at each "?", the closer of the bracket it closes (causal;
//                   attention-only by default)            role: matching bracket
//   induction       a segment repeats; in the repeat, target = the token that
//                   followed this token last time (causal; attention-only by
//                   default)                              roles: previous token, induction
//   neighbours      target at i = "<", "=" or ">" comparing tokens i-1 and i+1
//                   (two relations at once)            roles: previous token, next token
//   text            masked words of short real sentences   roles: previous, next token
//   reverse-across  an encoder-decoder (cross_attention.h): output i is source
//                   token n-1-i, and the decoder's queries know only i, so its
//                   heads must learn to look across        role: mirrored source position
//
// A head meets a role when, over the fixed evaluation set, the arg-max of its
// attention row is the role's position in at least `threshold` of the rows
// where the role is defined.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cross_attention.h"
#include "mlm.h"
#include "adam.h"
#include "model/seeded_model.h"
#include "model/transformer.h"
#include "model/inference.h"

namespace attention_lab::train {

struct LiveOptions {
  std::string task = "copy-previous";
  int d_model = 32;
  int num_heads = 4;
  int num_layers = 0;        // 0: the task's default
  int attention_only = -1;   // -1: the task's default; 1: no MLP blocks (d_ff = 0), as in the circuits papers
  int batch_size = 32;       // sequences per step
  double learning_rate = 3e-3;
  std::uint64_t seed = 1;
};

// One generated sequence: inputs, per-position targets (-1 = none) and, per
// role of the task, the key position each query row should attend to (-1 = none).
struct TaskExample {
  std::vector<int> ids;
  std::vector<int> targets;
  std::vector<std::vector<int>> role_keys;
};

// Fills one example of length ids.size() (targets and role keys pre-set to -1).
using TaskGenerator = void (*)(SeededGenerator& random, TaskExample& example);

// One row of the task table: everything that differs between tasks.
struct TaskInfo {
  std::string id, title, description;
  std::vector<std::string> roles;  // e.g. "previous token"
  int default_layers = 1;
  bool causal = false;
  double threshold = 0.9;            // role criterion
  std::vector<std::string> vocabulary;  // the synthetic tasks' tokens (the text task builds its own)
  int length = 12;                   // sequence length (the text task: the longest sentence kept)
  TaskGenerator generate = nullptr;  // null: the text task (masked words of real sentences)
  bool default_attention_only = false;
  bool cross = false;  // an encoder-decoder: rows are output positions, columns source tokens
};

std::vector<TaskInfo> live_tasks();

struct HeadRole {
  int layer = 0, head = 0;
  std::vector<double> scores;  // per role of the task, share of rows in [0, 1]
  int best = -1;               // role with the highest score that meets the threshold, or -1
};

class LiveTrainer {
 public:
  // text_lines: sentences for the "text" task (ignored by the others).
  // Returns null and a message a learner can read when the options are wrong.
  static std::unique_ptr<LiveTrainer> create(const LiveOptions& options, const std::vector<std::string>& text_lines,
                                             std::string& problem);

  const TaskInfo& task() const { return task_; }
  const TransformerConfig& config() const { return params_.config; }
  const LiveOptions& options() const { return options_; }
  const std::vector<std::string>& vocabulary() const { return vocabulary_; }

  // One AdamW step on a fresh batch (learning rate warmed up over 20 steps);
  // returns the batch's mean loss in nats.
  float step();
  int steps_done() const { return steps_; }

  // Loss on the fixed evaluation set; refreshes probe_attention() and roles().
  double evaluate();
  const std::vector<int>& probe_ids() const { return evaluation_[0].ids; }
  std::vector<std::string> probe_tokens() const;
  const std::vector<int>& probe_targets() const { return evaluation_[0].targets; }
  const std::vector<float>& probe_attention() const { return probe_attention_; }  // (layers, heads, rows, n)
  const std::vector<HeadRole>& roles() const { return roles_; }
  // Cross tasks: the untrained twin (the same initial weights, never trained),
  // measured once on the same probe and evaluation set.
  const std::vector<float>& twin_probe_attention() const { return twin_probe_attention_; }
  const std::vector<HeadRole>& twin_roles() const { return twin_roles_; }

  double chance_loss() const { return chance_loss_; }  // predicting the targets' frequencies
  double target_loss() const { return target_loss_; }  // "learnt" line on the loss chart

  std::string set_learning_rate(double lr);  // "" or what is wrong with lr
  static std::string learning_rate_problem(double lr);
  std::size_t parameter_count() { return params_.parameter_count(); }

  // A fresh example of a synthetic task (what training batches are made of).
  TaskExample generate(SeededGenerator& random);

 private:
  LiveTrainer(const LiveOptions& options, const std::vector<std::string>& text_lines);
  Batch make_training_batch();
  static Batch batch_of(const std::vector<TaskExample>& examples);

  LiveOptions options_;
  TaskInfo task_;
  std::vector<std::string> vocabulary_;
  int seq_len_ = 0;
  TransformerParams<float> params_, grads_;
  AdamW optimiser_;
  MaskedLanguageModel<float> model_;
  CrossAttentionModel<float> cross_model_;
  std::vector<CrossExample> cross_evaluation_;
  std::vector<float> twin_probe_attention_;
  std::vector<HeadRole> twin_roles_;
  double evaluate_cross(const TransformerParams<float>& params, std::vector<float>& probe, std::vector<HeadRole>& roles);
  static std::vector<CrossExample> cross_examples(const std::vector<TaskExample>& examples);
  SeededGenerator data_random_;
  std::vector<std::vector<int>> text_train_;   // text task
  std::vector<TaskExample> evaluation_;
  Batch evaluation_batch_;
  std::vector<float> probe_attention_;
  std::vector<HeadRole> roles_;
  double chance_loss_ = 0, target_loss_ = 0;
  int steps_ = 0;
  std::string problem_;
};

}  // namespace attention_lab::train
