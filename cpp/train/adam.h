// AdamW over every tensor of a TransformerParams, in the file order. Shared by
// the corpus trainer (attention_train) and the live trainer in the browser, so
// both update weights the same way.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "model/transformer.h"

namespace attention_lab::train {

class AdamW {
 public:
  float beta1 = 0.9f, beta2 = 0.98f, epsilon = 1e-8f, weight_decay = 0.01f;

  // Weight decay applies to the projection matrices (names with "w_") and the
  // token embedding; never to biases, gains or position embeddings.
  void reset(TransformerParams<float>& params) {
    first_.allocate(params.config);
    second_.allocate(params.config);
    decay_.clear();
    params.for_each([&](const std::string& name, std::vector<float>&) {
      decay_.push_back(name.find("w_") != std::string::npos || name == "token_embedding");
    });
    step_ = 0;
  }

  // One update with learning rate lr from gradients of the same layout.
  void update(TransformerParams<float>& params, TransformerParams<float>& grads, float lr) {
    ++step_;
    std::vector<std::vector<float>*> p, g, m, v;
    params.for_each([&](const std::string&, std::vector<float>& t) { p.push_back(&t); });
    grads.for_each([&](const std::string&, std::vector<float>& t) { g.push_back(&t); });
    first_.for_each([&](const std::string&, std::vector<float>& t) { m.push_back(&t); });
    second_.for_each([&](const std::string&, std::vector<float>& t) { v.push_back(&t); });
    const float correction1 = 1.0f - std::pow(beta1, static_cast<float>(step_));
    const float correction2 = 1.0f - std::pow(beta2, static_cast<float>(step_));
    for (std::size_t t = 0; t < p.size(); ++t) {
      float* param = p[t]->data();
      const float* grad = g[t]->data();
      float* mean = m[t]->data();
      float* square = v[t]->data();
      const float decay = decay_[t] ? weight_decay : 0.0f;
      for (std::size_t i = 0; i < p[t]->size(); ++i) {
        mean[i] = beta1 * mean[i] + (1 - beta1) * grad[i];
        square[i] = beta2 * square[i] + (1 - beta2) * grad[i] * grad[i];
        const float step = (mean[i] / correction1) / (std::sqrt(square[i] / correction2) + epsilon);
        param[i] -= lr * (step + decay * param[i]);
      }
    }
  }

  int steps() const { return step_; }

  // The moments and the step count: what a checkpoint must hold for a resumed
  // run to continue exactly where it stopped.
  TransformerParams<float>& first_moments() { return first_; }
  TransformerParams<float>& second_moments() { return second_; }
  void set_steps(int steps) { step_ = steps; }

 private:
  TransformerParams<float> first_, second_;
  std::vector<bool> decay_;
  int step_ = 0;
};

}  // namespace attention_lab::train
