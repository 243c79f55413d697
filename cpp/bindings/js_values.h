// Small helpers for reading JavaScript values at the wasm boundary, shared by
// the engine's and the trainer's bindings (the only code that sees embind).
#pragma once

#include <emscripten/val.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../attention.h"  // format_number

namespace attention_lab {

using emscripten::val;

inline bool is_missing(const val& value) { return value.isUndefined() || value.isNull(); }

inline val error_result(const std::string& message) {
  val result = val::object();
  result.set("error", message);
  return result;
}

// A whole number argument, or fallback when absent; on a bad value sets problem.
inline int read_int(const val& args, const char* name, int fallback, std::string& problem) {
  const val value = args[name];
  if (is_missing(value)) return fallback;
  if (!value.isNumber()) {
    problem = std::string(name) + " must be a number";
    return 0;
  }
  const double number = value.as<double>();
  if (!std::isfinite(number) || number != std::floor(number) || number < -2147483648.0 ||
      number > 2147483647.0) {
    problem = std::string(name) + " must be a whole number (got " + format_number(number) + ")";
    return 0;
  }
  return static_cast<int>(number);
}

// Objects JavaScript holds by a small integer handle until it releases them
// (loaded models, prepared layers, trainers); a released slot is reused.
template <typename T>
class Handles {
 public:
  int add(std::unique_ptr<T> object) {
    std::size_t slot = 0;
    while (slot < slots_.size() && slots_[slot]) ++slot;
    if (slot == slots_.size()) slots_.emplace_back();
    slots_[slot] = std::move(object);
    return static_cast<int>(slot);
  }
  // null for a handle never handed out or already released
  T* find(int handle) const {
    if (handle < 0 || handle >= static_cast<int>(slots_.size())) return nullptr;
    return slots_[static_cast<std::size_t>(handle)].get();
  }
  void release(int handle) {
    if (find(handle) != nullptr) slots_[static_cast<std::size_t>(handle)].reset();
  }

 private:
  std::vector<std::unique_ptr<T>> slots_;
};

}  // namespace attention_lab
