// Golden vectors from numpy (scripts/make-golden.py) against both C++ kernels.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "test_case.h"

namespace attention_lab::testing {
namespace {

using nlohmann::json;

void flatten(const json& value, std::vector<double>& out) {
  if (value.is_array()) {
    for (const json& item : value) flatten(item, out);
  } else {
    out.push_back(value.get<double>());
  }
}

std::vector<double> flat(const json& value) {
  std::vector<double> out;
  flatten(value, out);
  return out;
}

json load_cases() {
  std::ifstream file(std::string(ATTENTION_LAB_FIXTURES) + "/golden.json");
  EXPECT_TRUE(file.good()) << "missing tests/fixtures/golden.json";
  return json::parse(file)["cases"];
}

Problem problem_from(const json& spec) {
  Problem p;
  p.x = flat(spec["x"]);
  p.shape.seq_len = static_cast<int>(spec["x"].size());
  p.shape.d_model = static_cast<int>(spec["x"][0].size());
  p.shape.num_heads = spec["num_heads"].get<int>();
  p.cross = spec.contains("context");
  p.context = p.cross ? flat(spec["context"]) : std::vector<double>{};
  p.shape.context_len = p.cross ? static_cast<int>(spec["context"].size()) : p.shape.seq_len;
  p.w_q = flat(spec["wq"]);
  p.w_k = flat(spec["wk"]);
  p.w_v = flat(spec["wv"]);
  p.w_o = flat(spec["wo"]);
  p.biases = spec.contains("bq");
  if (p.biases) {
    p.b_q = flat(spec["bq"]);
    p.b_k = flat(spec["bk"]);
    p.b_v = flat(spec["bv"]);
    p.b_o = flat(spec["bo"]);
  }
  p.options.causal = spec["causal"].get<bool>();
  p.options.temperature = spec["temperature"].get<double>();
  if (spec.contains("scale")) {
    p.options.has_scale = true;
    p.options.scale = spec["scale"].get<double>();
  }
  if (spec.contains("key_padding_mask")) {
    for (const json& m : spec["key_padding_mask"]) p.key_padding_mask.push_back(m.get<int>() != 0);
  }
  return p;
}

TEST(Golden, FixturesExist) { EXPECT_GE(load_cases().size(), 6u); }

TEST(Golden, ReferenceAndFastKernelMatchNumpy) {
  for (const json& spec : load_cases()) {
    SCOPED_TRACE(spec["name"].get<std::string>());
    const Problem problem = problem_from(spec);
    ASSERT_EQ(validate_shape(problem.shape, problem.options), "");
    const std::vector<double> output = flat(spec["expected"]["output"]);
    const std::vector<double> attention = flat(spec["expected"]["attention"]);
    const std::vector<double> heads = flat(spec["expected"]["head_outputs"]);

    const Result<double> reference = run_reference(problem);
    EXPECT_LE(max_abs_difference(reference.output, output), 1e-12);
    EXPECT_LE(max_abs_difference(reference.attention, attention), 1e-12);
    EXPECT_LE(max_abs_difference(reference.head_outputs, heads), 1e-12);

    const Result<float> fast = run_fast(problem);
    EXPECT_LE(max_abs_difference(fast.output, output), 1e-5);
    EXPECT_LE(max_abs_difference(fast.attention, attention), 1e-5);
    EXPECT_LE(max_abs_difference(fast.head_outputs, heads), 1e-5);
  }
}

}  // namespace
}  // namespace attention_lab::testing
