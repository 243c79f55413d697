// Training checkpoints: everything a run needs to continue exactly where it
// stopped (float32 weights, AdamW moments, the generator, the epoch's order).
// A larger model trains for longer than one working session, so the trainer
// writes one every few hundred steps and resumes from it. Native only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "adam.h"
#include "model/transformer.h"

namespace attention_lab::train {

struct TrainingProgress {
  int step = 0;                         // steps done
  std::uint64_t random_state = 0;       // the batch generator's state after `step`
  std::vector<std::uint32_t> order;     // this epoch's shuffled sequence order
  std::uint64_t cursor = 0;             // next index into order
  double smoothed_loss = 0;
  std::uint64_t tokens_seen = 0;
  double seconds = 0;                   // training time spent before this run
  std::uint64_t setup_hash = 0;         // hash of the options and data a resume must match
};

// Writes atomically (a temporary file renamed over `path`). Throws on failure.
void save_checkpoint(const std::string& path, const TrainingProgress& progress, TransformerParams<float>& params,
                     AdamW& optimiser);

// False when there is no file at `path`. Throws when the file is damaged or
// was written for another configuration (params must be allocated already).
// check_setup false: any run's checkpoint of the same shape (a finished run
// that --continue-from trains further under a new schedule).
bool load_checkpoint(const std::string& path, TrainingProgress& progress, TransformerParams<float>& params,
                     AdamW& optimiser, bool check_setup = true);

}  // namespace attention_lab::train
