// Small helpers for reading JavaScript values at the wasm boundary, shared by
// every binding file (the only code that sees embind): copying whole arrays
// in (one TypedArray.set each), the run options every call reads the same
// way, views out, and the one handle registry.
#pragma once

#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "attention/attention.h"  // format_number, MhaOptions

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

// Is args[name] an array of expected numbers? Returns "" or what is wrong with it.
inline std::string check_length(const val& args, const char* name, std::size_t expected, const char* shape_text) {
  const val source = args[name];
  if (is_missing(source)) return std::string(name) + " is missing";
  const val length_value = source["length"];
  if (!length_value.isNumber()) return std::string(name) + " must be an array of numbers";
  const double length = length_value.as<double>();
  if (length != static_cast<double>(expected)) {
    return std::string(name) + " must have " + shape_text + " = " + std::to_string(expected) + " values, got " +
           format_number(length);
  }
  return "";
}

// Copies a JS typed array (or plain array of numbers) into dst with one set().
// Returns "" or what is wrong with it.
template <typename T>
std::string copy_in(const val& args, const char* name, std::size_t expected, const char* shape_text,
                    std::vector<T>& dst) {
  std::string problem = check_length(args, name, expected, shape_text);
  if (!problem.empty()) return problem;
  const val source = args[name];
  dst.resize(expected);
  val view{emscripten::typed_memory_view(dst.size(), dst.data())};
  view.call<void>("set", source);
  return "";
}

// A view of a C++-owned array: valid until that array changes (the JS side copies it out at once).
template <typename T>
val view_of(std::vector<T>& values) {
  return val(emscripten::typed_memory_view(values.size(), values.data()));
}

inline bool read_bool(const val& args, const char* name, bool fallback) {
  const val value = args[name];
  return is_missing(value) ? fallback : value.as<bool>();
}

// The options every run reads the same way: scale?, temperature?, and per
// head headEnabled? (0 = switched off) and headGate? (a factor before W_O).
// heads: how many flags (num_heads, or num_layers * num_heads for a model).
struct RunOptionBuffers {
  std::vector<std::uint8_t> head_enabled;
  std::vector<float> head_gate;
};
inline std::string read_run_options(const val& args, std::size_t heads, const char* heads_text, MhaOptions& options,
                                    RunOptionBuffers& buffers) {
  const val scale = args["scale"];
  if (!is_missing(scale)) {
    if (!scale.isNumber()) return "scale must be a number";
    options.has_scale = true;
    options.scale = scale.as<double>();
  }
  const val temperature = args["temperature"];
  if (!is_missing(temperature)) {
    if (!temperature.isNumber()) return "temperature must be a number";
    options.temperature = temperature.as<double>();
  }
  if (!is_missing(args["headEnabled"])) {
    const std::string problem = copy_in(args, "headEnabled", heads, heads_text, buffers.head_enabled);
    if (!problem.empty()) return problem;
    options.head_enabled = buffers.head_enabled.data();
  }
  if (!is_missing(args["headGate"])) {
    const std::string problem = copy_in(args, "headGate", heads, heads_text, buffers.head_gate);
    if (!problem.empty()) return problem;
    for (float gate : buffers.head_gate) {
      if (!std::isfinite(gate)) return "headGate values must be finite numbers";
    }
    options.head_gate = buffers.head_gate.data();
  }
  return "";
}

inline std::uint64_t seed_from(double seed) {
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(std::isfinite(seed) ? seed : 0.0));
}

// Objects JavaScript holds by a small integer handle until it releases them
// (loaded models, prepared layers, trainers); a released slot is reused. A
// module keeps one registry; objects of several kinds share it by deriving
// from Held and are found with find_as<Kind>().
struct Held {
  virtual ~Held() = default;
};

template <typename T>
class Handles {
 public:
  // null for a handle never handed out, released, or of another kind
  template <typename Kind>
  Kind* find_as(int handle) const {
    return dynamic_cast<Kind*>(find(handle));
  }

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

// The module's one registry (the engine: loaded models and prepared layers).
inline Handles<Held>& held_objects() {
  static Handles<Held> all;
  return all;
}

}  // namespace attention_lab
