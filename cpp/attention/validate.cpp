// Input checks shared by every entry point (CLI, engine, tests).
#include <cmath>
#include <cstdio>

#include "attention/attention.h"
#include "attention/simd4.h"

namespace attention_lab {

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

namespace {
// Appends numbers and text without <sstream> (which would pull iostreams and
// locales into the wasm module).
struct Message {
  std::string text;
  Message& operator<<(const char* part) { text += part; return *this; }
  Message& operator<<(const std::string& part) { text += part; return *this; }
  Message& operator<<(double value) { text += format_number(value); return *this; }
  Message& operator<<(int value) { text += std::to_string(value); return *this; }
  Message& operator<<(long long value) { text += std::to_string(value); return *this; }
  Message& operator<<(std::size_t value) { text += std::to_string(value); return *this; }
  std::string str() const { return text; }
};
}  // namespace

double working_bytes(const MhaShape& shape) {
  const double seq = shape.seq_len, ctx = shape.context_len, d = shape.d_model;
  const double heads = shape.num_heads;
  const double floats =
      seq * d + ctx * d                 // x, context
      + 4.0 * d * d + 4.0 * d           // weights and biases
      + 4.0 * d * d + 4.0 * 8.0 * d     // packed copies of the weights (padded panels)
      + seq * d + 2.0 * ctx * d         // Q, K, V
      + seq * d                         // concatenated heads
      + seq * d                         // output
      + heads * seq * ctx               // attention weights
      + seq * d                         // head outputs
      + 8.0 * (ctx + 8.0) * (d / (heads > 0 ? heads : 1) + 8.0);  // per-head packed K / V
  return floats * 4.0;
}

std::string validate_shape(const MhaShape& shape, const MhaOptions& options) {
  Message message;
  if (shape.seq_len <= 0) {
    message << "seq_len must be a positive whole number (got " << shape.seq_len << ")";
  } else if (shape.context_len <= 0) {
    message << "context_len must be a positive whole number (got " << shape.context_len << ")";
  } else if (shape.d_model <= 0) {
    message << "d_model must be a positive whole number (got " << shape.d_model << ")";
  } else if (shape.num_heads <= 0) {
    message << "num_heads must be a positive whole number (got " << shape.num_heads << ")";
  } else if (shape.d_model % shape.num_heads != 0) {
    message << "d_model (" << shape.d_model << ") must be divisible by num_heads ("
            << shape.num_heads << ") so every head gets d_model / num_heads columns";
  } else if (options.has_scale && !(std::isfinite(options.scale))) {
    message << "scale must be a finite number";
  } else if (!(options.temperature > 0.0) || !std::isfinite(options.temperature)) {
    message << "temperature must be a finite number greater than 0 (got " << options.temperature
            << ")";
  } else if (working_bytes(shape) > kMaxWorkingBytes) {
    message << "this input needs about " << static_cast<long long>(working_bytes(shape) / 1048576.0)
            << " MB of memory, more than the engine's limit of "
            << static_cast<long long>(kMaxWorkingBytes / 1048576.0)
            << " MB; use a shorter sequence or a smaller model";
  } else if (options.key_padding_mask != nullptr) {
    bool any_visible = false;
    for (int j = 0; j < shape.context_len; ++j) any_visible |= options.key_padding_mask[j] == 0;
    if (!any_visible) message << "key_padding_mask hides every key; at least one key must be visible";
  }
  return message.str();
}

namespace {
template <typename Real>
std::string first_non_finite(const char* name, const Real* values, std::size_t count, int columns) {
  if (values == nullptr) return "";
  for (std::size_t i = 0; i < count; ++i) {
    if (!std::isfinite(values[i])) {
      Message message;
      message << name << " contains a non-finite value (" << values[i] << ") at row "
              << i / static_cast<std::size_t>(columns) << ", column "
              << i % static_cast<std::size_t>(columns);
      return message.str();
    }
  }
  return "";
}
}  // namespace

template <typename Real>
std::string validate_values(const MhaShape& shape, const MhaInputs<Real>& inputs) {
  const std::size_t d = static_cast<std::size_t>(shape.d_model);
  const std::size_t square = d * d;
  struct Named {
    const char* name;
    const Real* values;
    std::size_t count;
  };
  const Named arrays[] = {
      {"x", inputs.x, static_cast<std::size_t>(shape.seq_len) * d},
      {"context", inputs.context, static_cast<std::size_t>(shape.context_len) * d},
      {"wq", inputs.w_q, square},
      {"wk", inputs.w_k, square},
      {"wv", inputs.w_v, square},
      {"wo", inputs.w_o, square},
      {"bq", inputs.b_q, d},
      {"bk", inputs.b_k, d},
      {"bv", inputs.b_v, d},
      {"bo", inputs.b_o, d},
  };
  for (const Named& array : arrays) {
    std::string problem = first_non_finite(array.name, array.values, array.count, shape.d_model);
    if (!problem.empty()) return problem;
  }
  return "";
}

namespace {
// The first index whose value is not finite (count when all are): blocks of 256 floats
// summed as x - x (0 when finite, NaN for ±inf and NaN) four lanes at a time,
// then the first flagged block scanned value by value.
std::size_t first_not_finite(const float* values, std::size_t count) {
  constexpr std::size_t kBlock = 256;
  std::size_t start = 0;
  for (; start + kBlock <= count; start += kBlock) {
    simd::f32x4 flags = simd::splat(0.0f);
    for (std::size_t i = start; i < start + kBlock; i += 4) {
      const simd::f32x4 v = simd::load(values + i);
      flags = simd::add(flags, simd::sub(v, v));
    }
    if (simd::horizontal_sum(flags) != 0.0f) break;  // NaN != 0 too
  }
  for (std::size_t i = start; i < count; ++i) {
    if (!std::isfinite(values[i])) return i;
  }
  return count;
}
std::size_t first_not_finite(const double* values, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    if (!std::isfinite(values[i])) return i;
  }
  return count;
}
}  // namespace

template <typename Real>
std::string check_finite_result(const Real* values, std::size_t count, const char* what) {
  const std::size_t i = first_not_finite(values, count);
  if (i == count) return "";
  return std::string("the computation overflowed: ") + what + " would hold " + format_number(values[i]) +
         (sizeof(Real) == 4 ? " in float32" : "") +
         " (inputs this large, or scale / temperature this extreme, exceed what the numbers can hold); scale them down";
}

template std::string check_finite_result<float>(const float*, std::size_t, const char*);
template std::string check_finite_result<double>(const double*, std::size_t, const char*);
template std::string validate_values<float>(const MhaShape&, const MhaInputs<float>&);
template std::string validate_values<double>(const MhaShape&, const MhaInputs<double>&);

}  // namespace attention_lab
