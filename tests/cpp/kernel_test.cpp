// The fast float32 kernel against the float64 oracle, plus masking, extreme
// logits and the validation messages.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include <cmath>
#include <string>
#include <tuple>

#include "attention/gemm.h"
#include "bench/probes.h"
#include "test_case.h"

namespace attention_lab::testing {
namespace {

// Agreement tolerance: 1e-5 times the size of the values compared.
void expect_agrees(const Problem& problem) {
  const Result<double> expected = run_reference(problem);
  const Result<float> actual = run_fast(problem);
  const double output_scale = std::max(1.0, max_abs(expected.output));
  EXPECT_LE(max_abs_difference(actual.output, expected.output), 1e-5 * output_scale);
  EXPECT_LE(max_abs_difference(actual.attention, expected.attention), 1e-5);
  const double head_scale = std::max(1.0, max_abs(expected.head_outputs));
  EXPECT_LE(max_abs_difference(actual.head_outputs, expected.head_outputs), 1e-5 * head_scale);
  // row entropies from the softmax's sums against -sum w log w in double (nats, at most log n)
  EXPECT_LE(max_abs_difference(actual.row_entropy, expected.row_entropy), 1e-5 * std::max(1.0, max_abs(expected.row_entropy)));
  // each row's strongest link: exactly the first largest of the kernel's own
  // weights, and the reference's wherever its two largest are not a near tie
  const int context_len = problem.shape.context_len;
  for (std::size_t row = 0; row < actual.row_argmax.size(); ++row) {
    const float* weights = actual.attention.data() + row * context_len;
    const int first_largest = static_cast<int>(std::max_element(weights, weights + context_len) - weights);
    EXPECT_EQ(actual.row_argmax[row], first_largest) << "row " << row;
    std::vector<double> sorted(expected.attention.begin() + static_cast<std::ptrdiff_t>(row * context_len),
                               expected.attention.begin() + static_cast<std::ptrdiff_t>((row + 1) * context_len));
    std::sort(sorted.rbegin(), sorted.rend());
    if (sorted.size() < 2 || sorted[0] - sorted[1] > 1e-4) EXPECT_EQ(actual.row_argmax[row], expected.row_argmax[row]) << "row " << row;
  }
}

// seq_len, context_len, d_model, num_heads, cross, causal
using Shape = std::tuple<int, int, int, int, bool, bool>;

class FastMatchesReference : public ::testing::TestWithParam<Shape> {};

TEST_P(FastMatchesReference, OutputsWeightsAndHeads) {
  const auto [seq_len, context_len, d_model, num_heads, cross, causal] = GetParam();
  Problem problem = random_problem(seq_len, context_len, d_model, num_heads, cross,
                                   static_cast<unsigned>(seq_len * 131 + d_model * 7 + num_heads));
  problem.options.causal = causal;
  expect_agrees(problem);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, FastMatchesReference,
    ::testing::Values(Shape{1, 1, 8, 2, false, false}, Shape{7, 7, 12, 3, false, false},
                      Shape{33, 33, 64, 4, false, true}, Shape{7, 7, 15, 5, false, false},  // head_dim 3
                      Shape{33, 33, 42, 6, false, true},                                    // head_dim 7
                      Shape{12, 12, 64, 4, false, false}, Shape{5, 9, 24, 4, true, false},
                      Shape{33, 1, 20, 2, true, false}, Shape{1, 33, 36, 9, true, false},
                      Shape{17, 40, 30, 5, true, true}, Shape{64, 64, 128, 8, false, false},
                      Shape{9, 9, 1, 1, false, false},
                      // longer rows than the micro-kernel's blocks, causal and cross
                      Shape{300, 300, 16, 2, false, true}, Shape{70, 1500, 8, 1, true, false}));

TEST(FastKernel, CausalRowsSumToOneWithNothingAboveTheDiagonal) {
  Problem problem = random_problem(19, 19, 32, 4, false, 11);
  problem.options.causal = true;
  const Result<float> result = run_fast(problem);
  const int n = 19;
  for (int h = 0; h < 4; ++h) {
    for (int i = 0; i < n; ++i) {
      double row_sum = 0;
      for (int j = 0; j < n; ++j) {
        const float weight = result.attention[(static_cast<std::size_t>(h) * n + i) * n + j];
        if (j > i) EXPECT_EQ(weight, 0.0f) << "head " << h << " row " << i << " col " << j;
        row_sum += weight;
      }
      EXPECT_NEAR(row_sum, 1.0, 1e-5);
    }
  }
}

TEST(FastKernel, CrossAttentionHasContextLengthColumns) {
  Problem problem = random_problem(4, 11, 16, 2, true, 5);
  const Result<float> result = run_fast(problem);
  ASSERT_EQ(result.attention.size(), 2u * 4u * 11u);
  for (int row = 0; row < 2 * 4; ++row) {
    double row_sum = 0;
    for (int j = 0; j < 11; ++j) row_sum += result.attention[row * 11 + j];
    EXPECT_NEAR(row_sum, 1.0, 1e-5);
  }
  expect_agrees(problem);
}

TEST(FastKernel, ExtremeLogitsGiveNoNaN) {
  // Weights so large that logits reach about ±1e4: softmax must saturate, not overflow.
  for (double weight_std : {30.0, 100.0}) {
    Problem problem = random_problem(10, 10, 16, 2, false, 3, weight_std);
    const Result<double> expected = run_reference(problem);
    const Result<float> actual = run_fast(problem);
    double largest_logit_seen = 0;
    for (double v : expected.output) ASSERT_TRUE(std::isfinite(v));
    for (float v : actual.output) ASSERT_TRUE(std::isfinite(v));
    for (float v : actual.attention) ASSERT_TRUE(std::isfinite(v) && v >= 0.0f && v <= 1.0f);
    // the logits really are extreme: some rows are one-hot
    for (float v : actual.attention) largest_logit_seen = std::max<double>(largest_logit_seen, v);
    EXPECT_GT(largest_logit_seen, 0.999);
  }
  // Explicit ±1e4 logits via the scale: q·k of order 1 times 1e4.
  Problem problem = random_problem(6, 6, 8, 1, false, 9);
  problem.options.has_scale = true;
  problem.options.scale = 1e4;
  const Result<float> actual = run_fast(problem);
  for (float v : actual.attention) ASSERT_TRUE(std::isfinite(v));
  for (float v : actual.output) ASSERT_TRUE(std::isfinite(v));
  expect_agrees(problem);
}

// Finite inputs whose scores overflow float32 (the oracle, in double, is
// finite): the fast kernel's rows turn NaN rather than silently wrong weights
// (a row of zeros), and check_finite_result names the overflow.
TEST(FastKernel, OverflowingScoresAreReportedNotHidden) {
  for (const double huge : {1e20, -1e20}) {
    Problem problem = random_problem(5, 5, 8, 2, false, 4);
    for (double& v : problem.x) v = huge;
    const Result<double> oracle = run_reference(problem);
    for (double v : oracle.output) ASSERT_TRUE(std::isfinite(v));
    for (const auto softmax : {MhaOptions::Softmax::full_rows, MhaOptions::Softmax::streaming}) {
      problem.options.softmax = softmax;
      const Result<float> fast = run_fast(problem);
      const std::string message = check_finite_result(fast.output.data(), fast.output.size(), "the output");
      EXPECT_NE(message.find("the computation overflowed"), std::string::npos) << huge;
    }
  }
  // and a fully padded row is still all zeros, not an overflow
  Problem padded = random_problem(3, 3, 4, 1, false, 2);
  padded.key_padding_mask.assign(3, 1);
  padded.options.key_padding_mask = padded.key_padding_mask.data();
  const Result<float> fast = run_fast(padded);
  EXPECT_EQ(check_finite_result(fast.output.data(), fast.output.size(), "the output"), "");
  for (float v : fast.attention) EXPECT_EQ(v, 0.0f);
}

TEST(FastKernel, ScaleAndTemperatureMatchReference) {
  Problem problem = random_problem(9, 9, 24, 3, false, 21);
  problem.options.has_scale = true;
  problem.options.scale = 1.0;  // scaling switched off
  expect_agrees(problem);
  problem.options.temperature = 0.25;
  expect_agrees(problem);
  problem.options.has_scale = false;
  problem.options.temperature = 4.0;
  expect_agrees(problem);
}

TEST(FastKernel, TemperatureFlattensAttention) {
  Problem problem = random_problem(8, 8, 16, 2, false, 2);
  auto entropy = [](const std::vector<float>& weights) {
    double total = 0;
    for (float w : weights) total -= w > 0 ? w * std::log(w) : 0.0;
    return total;
  };
  problem.options.temperature = 0.5;
  const double sharp = entropy(run_fast(problem).attention);
  problem.options.temperature = 5.0;
  const double flat = entropy(run_fast(problem).attention);
  EXPECT_GT(flat, sharp);
}

// The streaming path (tiles of 64 queries x 256 keys, online softmax) against
// the oracle, on shapes that cross tile edges; the weights are not requested.
Result<float> run_fast_streaming(const Problem& p, MhaOptions::Softmax mode) {
  auto copy = p.as<float>();
  Result<float> result(p.shape);
  MhaOptions options = p.options;
  options.softmax = mode;
  if (!p.key_padding_mask.empty()) options.key_padding_mask = p.key_padding_mask.data();
  MhaOutputs<float> outputs = result.outputs();
  outputs.attention = nullptr;
  outputs.row_entropy = nullptr;  // asking for entropies keeps full rows
  multi_head_attention(p.shape, options, p.inputs(copy), outputs);
  return result;
}

class StreamingMatchesReference : public ::testing::TestWithParam<Shape> {};

TEST_P(StreamingMatchesReference, OutputsAndHeads) {
  const auto [seq_len, context_len, d_model, num_heads, cross, causal] = GetParam();
  Problem problem = random_problem(seq_len, context_len, d_model, num_heads, cross,
                                   static_cast<unsigned>(seq_len * 31 + context_len));
  problem.options.causal = causal;
  if (cross) {  // some padded keys, including a whole key tile's first column
    problem.key_padding_mask.assign(static_cast<std::size_t>(context_len), 0);
    for (int j = 0; j < context_len; j += 7) problem.key_padding_mask[static_cast<std::size_t>(j)] = 1;
    if (context_len > 256) problem.key_padding_mask[256] = 1;
  }
  const Result<double> expected = run_reference(problem);
  const Result<float> streamed = run_fast_streaming(problem, MhaOptions::Softmax::streaming);
  const Result<float> full = run_fast_streaming(problem, MhaOptions::Softmax::full_rows);
  const double output_scale = std::max(1.0, max_abs(expected.output));
  EXPECT_LE(max_abs_difference(streamed.output, expected.output), 1e-5 * output_scale);
  EXPECT_LE(max_abs_difference(full.output, expected.output), 1e-5 * output_scale);
  const double head_scale = std::max(1.0, max_abs(expected.head_outputs));
  EXPECT_LE(max_abs_difference(streamed.head_outputs, expected.head_outputs), 1e-5 * head_scale);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, StreamingMatchesReference,
    ::testing::Values(Shape{1, 1, 8, 2, false, false}, Shape{65, 65, 16, 2, false, true},
                      Shape{130, 300, 24, 3, true, false}, Shape{300, 300, 32, 4, false, true},
                      Shape{70, 600, 20, 5, true, true}, Shape{513, 513, 16, 1, false, false}));

TEST(FastKernel, StreamingHandlesKeysThatAreAllPadded) {
  // The first key tile is entirely padding; rows must still come out right, and
  // a row that sees nothing at all (causal row 0 with key 0 padded) is 0.
  Problem problem = random_problem(300, 300, 16, 2, false, 23);
  problem.options.causal = true;
  problem.key_padding_mask.assign(300, 0);
  for (int j = 0; j < 256; ++j) problem.key_padding_mask[static_cast<std::size_t>(j)] = 1;
  const Result<double> expected = run_reference(problem);
  const Result<float> streamed = run_fast_streaming(problem, MhaOptions::Softmax::streaming);
  for (float v : streamed.output) ASSERT_TRUE(std::isfinite(v));
  EXPECT_LE(max_abs_difference(streamed.output, expected.output), 1e-5 * std::max(1.0, max_abs(expected.output)));
}

TEST(FastKernel, KeyPaddingMaskZeroesPaddedKeys) {
  Problem problem = random_problem(5, 8, 16, 4, true, 13);
  problem.key_padding_mask = {0, 0, 1, 0, 0, 0, 1, 1};
  const Result<float> result = run_fast(problem);
  for (int row = 0; row < 4 * 5; ++row) {
    double row_sum = 0;
    for (int j = 0; j < 8; ++j) {
      const float weight = result.attention[row * 8 + j];
      if (problem.key_padding_mask[j] != 0) EXPECT_EQ(weight, 0.0f);
      row_sum += weight;
    }
    EXPECT_NEAR(row_sum, 1.0, 1e-5);
  }
  expect_agrees(problem);
}

TEST(FastKernel, FullyMaskedCausalRowIsZeroNotNaN) {
  // With causal masking, query 0 sees only key 0; padding key 0 leaves it nothing.
  Problem problem = random_problem(4, 4, 8, 2, false, 17);
  problem.options.causal = true;
  problem.key_padding_mask = {1, 0, 0, 0};
  const Result<float> result = run_fast(problem);
  const Result<double> expected = run_reference(problem);
  for (int h = 0; h < 2; ++h) {
    for (int j = 0; j < 4; ++j) EXPECT_EQ(result.attention[h * 16 + j], 0.0f);
  }
  for (float v : result.output) EXPECT_TRUE(std::isfinite(v));
  EXPECT_LE(max_abs_difference(result.output, expected.output), 1e-5);
}

TEST(FastKernel, HeadsAreIndependentColumnBlocks) {
  // Changing W_Q columns of head 1 must leave head 0's weights untouched.
  Problem problem = random_problem(6, 6, 16, 2, false, 8);
  const Result<float> before = run_fast(problem);
  for (int row = 0; row < 16; ++row) {
    for (int col = 8; col < 16; ++col) problem.w_q[row * 16 + col] *= -3.0;
  }
  const Result<float> after = run_fast(problem);
  for (int i = 0; i < 36; ++i) EXPECT_EQ(before.attention[i], after.attention[i]);
  double head1_change = 0;
  for (int i = 36; i < 72; ++i) head1_change += std::fabs(before.attention[i] - after.attention[i]);
  EXPECT_GT(head1_change, 1e-3);
}

TEST(Gemm, PackedProductMatchesLoops) {
  std::mt19937 generator(4);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  // rows pick the strips: 32 = 4 x 5 + 3 x 4 and 13 = 5 + 4 + 4 fit exactly;
  // 2, 6 and 11 cannot, so they get strips of four with a partial last one;
  // a single row takes its own kernel (depth 4 at a time, then the rest)
  for (auto [rows, depth, cols] : {std::tuple{1, 1, 1}, std::tuple{1, 130, 21}, std::tuple{1, 128, 16}, std::tuple{5, 3, 9}, std::tuple{13, 17, 19},
                                   std::tuple{8, 64, 16}, std::tuple{32, 33, 24}, std::tuple{2, 9, 8},
                                   std::tuple{6, 12, 17}, std::tuple{11, 7, 8}, std::tuple{37, 4096, 9}}) {
    std::vector<float> a(rows * depth), b(depth * cols), bias(cols), c(rows * cols);
    for (float& v : a) v = uniform(generator);
    for (float& v : b) v = uniform(generator);
    for (float& v : bias) v = uniform(generator);
    PackedMatrix packed;
    pack_columns(b.data(), depth, cols, cols, packed);
    gemm_packed(rows, a.data(), depth, packed, bias.data(), c.data(), cols);
    // and the transposed packing of bᵀ stored as (cols, depth)
    std::vector<float> b_t(cols * depth), c_t(rows * cols);
    for (int d = 0; d < depth; ++d)
      for (int col = 0; col < cols; ++col) b_t[col * depth + d] = b[d * cols + col];
    PackedMatrix packed_t;
    pack_columns_transposed(b_t.data(), depth, cols, depth, packed_t);
    gemm_packed(rows, a.data(), depth, packed_t, nullptr, c_t.data(), cols);
    // depth 4096 takes a in blocks of 16 rows (four strips of four): rows 16 and
    // 32 start new blocks, the last one a single strip of five
    const double tolerance = depth > 1000 ? 2e-4 : 1e-5;
    for (int r = 0; r < rows; ++r) {
      for (int col = 0; col < cols; ++col) {
        double expected = 0;
        for (int d = 0; d < depth; ++d) expected += double(a[r * depth + d]) * b[d * cols + col];
        EXPECT_NEAR(c_t[r * cols + col], expected, tolerance);
        EXPECT_NEAR(c[r * cols + col], expected + bias[col], tolerance);
      }
    }
  }
}

TEST(Gemm, PeakProbeComputesItsChains) {
  // The probe must really run every step: its result is what the same chains give in scalar floats.
  const int repetitions = 3;
  const float start = 1.5f;
  float x = start, y = start;
  for (long long i = 0; i < static_cast<long long>(repetitions) * kPeakStepsPerRepetition; ++i) {
    x *= 0.99999f;
    y += 1e-6f;
  }
  const float xs = ((x + x) + (x + x)) + (x + x);
  const float ys = ((y + y) + (y + y)) + (y + y);
  EXPECT_EQ(simd_peak_loop(repetitions, start), xs + ys);
  EXPECT_NE(simd_peak_loop(repetitions + 1, start), xs + ys);
}

TEST(Validation, RejectsBadShapesWithClearMessages) {
  MhaOptions options;
  auto message = [&](MhaShape shape) { return validate_shape(shape, options); };
  EXPECT_EQ(message({4, 4, 16, 4}), "");
  EXPECT_NE(message({0, 4, 16, 4}).find("seq_len must be a positive"), std::string::npos);
  EXPECT_NE(message({4, -1, 16, 4}).find("context_len must be a positive"), std::string::npos);
  EXPECT_NE(message({4, 4, 0, 4}).find("d_model must be a positive"), std::string::npos);
  EXPECT_NE(message({4, 4, 16, 0}).find("num_heads must be a positive"), std::string::npos);
  EXPECT_NE(message({4, 4, 512, 7}).find("divisible by num_heads (7)"), std::string::npos);
  EXPECT_NE(message({100000, 100000, 768, 12}).find("MB of memory"), std::string::npos);
  options.temperature = 0;
  EXPECT_NE(message({4, 4, 16, 4}).find("temperature"), std::string::npos);
  options.temperature = NAN;
  EXPECT_NE(message({4, 4, 16, 4}).find("temperature"), std::string::npos);
  options.temperature = 1;
  options.has_scale = true;
  options.scale = INFINITY;
  EXPECT_NE(message({4, 4, 16, 4}).find("scale must be a finite"), std::string::npos);
  options.has_scale = false;
  const std::uint8_t all_padded[4] = {1, 1, 1, 1};
  options.key_padding_mask = all_padded;
  EXPECT_NE(message({4, 4, 16, 4}).find("hides every key"), std::string::npos);
}

// check_finite_result scans float32 in blocks of 256 with SIMD: a single
// non-finite value anywhere (first block, a block's last lane, the tail past
// the last whole block) is found and named, and only that one.
TEST(Validation, FindsANonFiniteValueAnywhereInALongResult) {
  const float bad[] = {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                       std::numeric_limits<float>::quiet_NaN()};
  const char* names[] = {"inf", "-inf", "nan"};  // as printf writes them
  std::vector<float> values(1000, 0.5f);
  values[3] = 3e38f;  // large but finite
  EXPECT_EQ(check_finite_result(values.data(), values.size(), "x"), "");
  for (std::size_t at : {std::size_t{0}, std::size_t{255}, std::size_t{256}, std::size_t{767}, std::size_t{768}, std::size_t{999}}) {
    for (int k = 0; k < 3; ++k) {
      std::vector<float> copy = values;
      copy[at] = bad[k];
      const std::string message = check_finite_result(copy.data(), copy.size(), "the weights");
      EXPECT_NE(message.find("the weights would hold"), std::string::npos) << at << " " << names[k];
      EXPECT_NE(message.find(names[k]), std::string::npos) << at << ": " << message;
    }
  }
}

TEST(Validation, NamesTheNonFiniteValue) {
  Problem problem = random_problem(3, 3, 4, 2, false, 1);
  EXPECT_EQ(validate_values(problem.shape, problem.inputs(problem.as<double>())), "");
  problem.w_v[1 * 4 + 2] = NAN;
  EXPECT_EQ(validate_values(problem.shape, problem.inputs(problem.as<double>())),
            "wv contains a non-finite value (nan) at row 1, column 2");
  problem.w_v[1 * 4 + 2] = 0;
  problem.x[5] = -INFINITY;
  EXPECT_EQ(validate_values(problem.shape, problem.inputs(problem.as<float>())),
            "x contains a non-finite value (-inf) at row 1, column 1");
}

}  // namespace
}  // namespace attention_lab::testing
