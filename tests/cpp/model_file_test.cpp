// Model file: float16 conversion, save/load round trip, and clear errors for
// corrupted, truncated and foreign bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "corpus.h"
#include "model/transformer.h"
#include "model/inference.h"
#include "model/model_file.h"

namespace attention_lab {
namespace {

TEST(Float16, RoundTripAndRounding) {
  for (float v : {0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f, 0.333251953125f}) {
    EXPECT_EQ(half_to_float(float_to_half(v)), v) << v;
  }
  EXPECT_EQ(float_to_half(1.0f), 0x3C00);
  EXPECT_EQ(float_to_half(-2.0f), 0xC000);
  EXPECT_TRUE(std::isinf(half_to_float(float_to_half(1e6f))));
  EXPECT_NEAR(half_to_float(float_to_half(0.1f)), 0.1f, 0.1f * 1e-3f);
  EXPECT_EQ(half_to_float(float_to_half(1.0f + 1.0f / 4096)), 1.0f);  // ties to even
}

// The vectorised tensor conversion gives every one of the 65,536 halves the
// bits the per-value one gives (signed zeros and subnormals included), and
// refuses exactly the infinite and NaN ones.
TEST(Float16, TensorConversionEqualsThePerValueOneForEveryHalf) {
  std::vector<std::uint8_t> bytes;
  std::vector<std::uint16_t> finite;
  for (std::uint32_t half = 0; half < 65536; ++half) {
    if ((half & 0x7C00u) == 0x7C00u) continue;
    finite.push_back(static_cast<std::uint16_t>(half));
    bytes.push_back(static_cast<std::uint8_t>(half & 0xFFu));
    bytes.push_back(static_cast<std::uint8_t>(half >> 8));
  }
  ASSERT_EQ(finite.size(), 65536u - 2u * 1024u);
  std::vector<float> converted(finite.size());
  ASSERT_TRUE(halves_to_floats(bytes.data(), finite.size(), converted.data()));
  for (std::size_t i = 0; i < finite.size(); ++i) {
    const float expected = half_to_float(finite[i]);
    std::uint32_t want, got;
    std::memcpy(&want, &expected, 4);
    std::memcpy(&got, &converted[i], 4);
    ASSERT_EQ(got, want) << "half 0x" << std::hex << finite[i];
  }
  // one infinity or NaN anywhere (here in the last of 17, past a vector's width) is refused
  for (std::uint16_t special : {0x7C00, 0xFC00, 0x7E00, 0x7C01}) {
    std::vector<std::uint8_t> tensor(2 * 17, 0);
    tensor[2 * 16] = static_cast<std::uint8_t>(special & 0xFFu);
    tensor[2 * 16 + 1] = static_cast<std::uint8_t>(special >> 8);
    std::vector<float> out(17);
    EXPECT_FALSE(halves_to_floats(tensor.data(), 17, out.data())) << std::hex << special;
  }
}

// Decodes a string with the in-place decoder (the test's own copy of it).
std::string decoded(const std::string& text, std::string& problem) {
  std::vector<std::uint8_t> bytes(text.begin(), text.end());
  const std::size_t length = decode_base64_in_place(bytes.data(), bytes.size(), problem);
  return std::string(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(length));
}

TEST(Base64, DecodesTheRfc4648ExamplesInPlace) {
  // RFC 4648 section 10: "" f fo foo foob fooba foobar; then the last two letters and a zero byte
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", ""}, {"Zg==", "f"}, {"Zm8=", "fo"}, {"Zm9v", "foo"}, {"Zm9vYg==", "foob"}, {"Zm9vYmE=", "fooba"},
      {"Zm9vYmFy", "foobar"}, {"+/8A", std::string("\xfb\xff\x00", 3)}};
  for (const auto& [text, expected] : cases) {
    std::string problem;
    EXPECT_EQ(decoded(text, problem), expected) << text;
    EXPECT_EQ(problem, "") << text;
  }
}

TEST(Base64, EveryByteValueSurvivesARoundTripThroughAnEncoder) {
  std::string bytes;
  for (int i = 0; i < 3 * 256 + 2; ++i) bytes.push_back(static_cast<char>((i * 37 + i / 256) & 255));
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string text;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t left = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t bits = 0;
    for (std::size_t k = 0; k < 3; ++k) bits = (bits << 8) | (k < left ? static_cast<std::uint8_t>(bytes[i + k]) : 0u);
    for (std::size_t k = 0; k < 4; ++k) text.push_back(k <= left ? alphabet[(bits >> (18 - 6 * k)) & 63u] : '=');
  }
  std::string problem;
  EXPECT_EQ(decoded(text, problem), bytes);
  EXPECT_EQ(problem, "");
}

TEST(Base64, RefusesCharactersOutsideTheAlphabetAndBadLengths) {
  for (const char* text : {"Zm9v\nYmFy", "Zm 9", "Zm9-", "Z===", "Zm9vY", "Zg=a", "\"Zm9v"}) {
    std::string problem;
    decoded(text, problem);
    EXPECT_NE(problem.find("not valid base64"), std::string::npos) << text;
  }
}

TEST(Crc32, KnownValue) {
  const std::string text = "123456789";
  EXPECT_EQ(crc32(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), 0xCBF43926u);
}

// The oracle: CRC-32 one bit at a time, straight from the definition.
std::uint32_t crc32_bit_by_bit(const std::uint8_t* bytes, std::size_t size) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < size; ++i) {
    crc ^= bytes[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1u) ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
  }
  return ~crc;
}

TEST(Crc32, EightBytesAStepAgreesWithBitByBitAtEveryLengthAndAlignment) {
  std::vector<std::uint8_t> bytes(1 << 16);
  std::uint32_t state = 12345;
  for (auto& b : bytes) b = static_cast<std::uint8_t>((state = state * 1664525u + 1013904223u) >> 24);
  for (std::size_t start = 0; start < 9; ++start) {
    for (std::size_t length = 0; length < 70; ++length) {
      ASSERT_EQ(crc32(bytes.data() + start, length), crc32_bit_by_bit(bytes.data() + start, length)) << start << " " << length;
    }
  }
  EXPECT_EQ(crc32(bytes.data() + 3, bytes.size() - 3), crc32_bit_by_bit(bytes.data() + 3, bytes.size() - 3));
}

struct SmallModel {
  TransformerParams<float> params;
  Vocabulary vocabulary{std::vector<std::string>{"<pad>", "<unk>", "<mask>", "the", "cat", "sat", "."}};
  SmallModel() {
    params.allocate({7, 8, 2, 2, 12, 10});
    initialise_transformer(params, 3, 0.3f);
    train::quantise_to_half(params);
  }
};

TEST(ModelFile, SaveLoadRoundTripGivesIdenticalOutputs) {
  SmallModel m;
  const std::vector<std::uint8_t> bytes = save_model(m.params, m.vocabulary, "{\"note\":\"test\"}");
  LoadedModel loaded;
  ASSERT_EQ(load_model(bytes.data(), bytes.size(), loaded), "");
  EXPECT_EQ(loaded.metadata_json, "{\"note\":\"test\"}");
  EXPECT_EQ(loaded.vocabulary.words(), m.vocabulary.words());
  TransformerRun a, b;
  run_transformer(m.params, {3, 4, 5, 6}, true, a);
  run_transformer(loaded.params, {3, 4, 5, 6}, true, b);
  EXPECT_EQ(a.logits, b.logits);
  EXPECT_EQ(a.attention, b.attention);
}

TEST(ModelFile, CorruptTruncatedAndForeignBytesGiveClearErrors) {
  SmallModel m;
  std::vector<std::uint8_t> bytes = save_model(m.params, m.vocabulary, "{}");
  LoadedModel loaded;
  EXPECT_NE(load_model(nullptr, 0, loaded).find("empty"), std::string::npos);
  std::vector<std::uint8_t> foreign(bytes.size(), 0x42);
  EXPECT_NE(load_model(foreign.data(), foreign.size(), loaded).find("not an attention-lab model"), std::string::npos);
  for (std::size_t cut : {std::size_t{13}, std::size_t{40}, bytes.size() / 2, bytes.size() - 1}) {
    const std::string message = load_model(bytes.data(), cut, loaded);
    EXPECT_FALSE(message.empty()) << cut;
    EXPECT_TRUE(message.find("truncated") != std::string::npos || message.find("corrupted") != std::string::npos)
        << message;
  }
  std::vector<std::uint8_t> flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x10;
  EXPECT_NE(load_model(flipped.data(), flipped.size(), loaded).find("checksum"), std::string::npos);
  std::vector<std::uint8_t> version = bytes;
  version[8] = 9;
  EXPECT_NE(load_model(version.data(), version.size(), loaded).find("version 9"), std::string::npos);
  std::vector<std::uint8_t> heads = bytes;
  heads[20] = 3;  // num_heads 3 does not divide d_model 8
  EXPECT_NE(load_model(heads.data(), heads.size(), loaded).find("impossible sizes"), std::string::npos);
  // the good file still loads after all that
  EXPECT_EQ(load_model(bytes.data(), bytes.size(), loaded), "");
}

}  // namespace
}  // namespace attention_lab

namespace attention_lab {
namespace {

TEST(ModelFile, ParameterCountWithoutAllocatingMatchesAllocate) {
  for (const TransformerConfig& c : {TransformerConfig{13, 8, 2, 2, 12, 8}, TransformerConfig{100, 64, 4, 3, 256, 32},
                                     TransformerConfig{5, 6, 3, 1, 1, 2}}) {
    TransformerParams<float> params;
    params.allocate(c);
    EXPECT_EQ(parameter_count(c), params.parameter_count());
  }
}

// Found by the model-loader fuzzer: a 76-byte file with a valid checksum whose
// header promised 48 layers of d_model 1540 (about 800 million parameters);
// the loader allocated them (3 GB) before reading a single tensor.
TEST(ModelFile, HeaderPromisingMoreThanTheFileHoldsIsRefusedBeforeAllocating) {
  const std::vector<std::uint8_t> forged = {
      0x41, 0x54, 0x54, 0x4e, 0x4c, 0x41, 0x42, 0x31, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00,
      0x04, 0x06, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00,
      0x04, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x3c, 0x70, 0x61, 0x64, 0x3e, 0x0a, 0x3c, 0x75,
      0x6e, 0x6b, 0x3e, 0x0a, 0x3c, 0x6d, 0x61, 0x73, 0x6b, 0x3e, 0x0a, 0x61, 0x0a, 0x63, 0x0a, 0x2e,
      0x02, 0x00, 0x00, 0x00, 0x7b, 0x8f, 0xb5, 0xb5, 0x1d, 0x54, 0xda, 0x38};
  LoadedModel model;
  const std::string problem = load_model(forged.data(), forged.size(), model);
  EXPECT_NE(problem.find("too short for the sizes in its header"), std::string::npos) << problem;
  EXPECT_TRUE(model.params.layers.empty()) << "nothing may be allocated for a forged header";
}

TEST(Ablation, SwitchingAHeadOffEqualsZeroingItsRowsOfWO) {
  TransformerParams<float> params;
  params.allocate({12, 16, 4, 2, 20, 10});
  initialise_transformer(params, 6, 0.3f);
  const std::vector<int> ids = {3, 5, 7, 9, 11, 4};
  std::vector<std::uint8_t> enabled(8, 1);
  enabled[1 * 4 + 2] = 0;  // layer 2, head 3
  TransformerRunOptions options;
  options.head_enabled = enabled.data();
  TransformerRun ablated, zeroed;
  run_transformer(params, ids, true, ablated, options);
  for (int r = 2 * 4; r < 3 * 4; ++r) {
    std::fill(params.layers[1].w_o.begin() + r * 16, params.layers[1].w_o.begin() + (r + 1) * 16, 0.0f);
  }
  run_transformer(params, ids, true, zeroed);
  ASSERT_EQ(ablated.logits.size(), zeroed.logits.size());
  for (std::size_t i = 0; i < zeroed.logits.size(); ++i) EXPECT_NEAR(ablated.logits[i], zeroed.logits[i], 1e-5);
}

// A TransformerRun reused for the next sentence (the wasm engine keeps one, so
// typing allocates nothing) gives exactly what a fresh one gives, for a
// longer, then a shorter, then a causal sentence; and its row_argmax is each
// attention row's first largest weight, in every layer and head.
TEST(Transformer, AReusedRunEqualsAFreshOneAndReportsEachRowsStrongestLink) {
  TransformerParams<float> params;
  params.allocate({12, 16, 4, 2, 20, 10});
  initialise_transformer(params, 6, 0.3f);
  TransformerRun reused;
  for (const std::vector<int>& ids : {std::vector<int>{3, 5, 7, 9, 11, 4, 2, 8}, std::vector<int>{6, 5, 4}, std::vector<int>{1, 2, 3, 4, 5}}) {
    for (bool causal : {false, true}) {
      params.config.causal = causal;
      TransformerRun fresh;
      run_transformer(params, ids, true, reused);
      run_transformer(params, ids, true, fresh);
      EXPECT_EQ(reused.attention, fresh.attention);
      EXPECT_EQ(reused.row_entropy, fresh.row_entropy);
      EXPECT_EQ(reused.hidden, fresh.hidden);
      EXPECT_EQ(reused.logits, fresh.logits);
      EXPECT_EQ(reused.row_argmax, fresh.row_argmax);
      const std::size_t n = ids.size();
      ASSERT_EQ(reused.row_argmax.size(), 2u * 4u * n);
      for (std::size_t row = 0; row < reused.row_argmax.size(); ++row) {
        const float* weights = reused.attention.data() + row * n;
        const auto first_max = std::max_element(weights, weights + n) - weights;
        EXPECT_EQ(reused.row_argmax[row], first_max) << "row " << row << ", " << n << " tokens, causal " << causal;
      }
    }
  }
}

// The vector GELU of the inference model against the tanh form in double,
// from deep in the negative tail (where it must give -0, not NaN) to large
// positive values; 103 values, so the scalar tail runs too.
TEST(Transformer, VectorGeluMatchesTheTanhFormInDouble) {
  std::vector<float> values;
  for (int i = 0; i < 103; ++i) values.push_back(-120.0f + 240.0f * static_cast<float>(i) / 102.0f);
  for (float small : {-3.0f, -0.5f, -1e-3f, 0.0f, 1e-3f, 0.5f, 3.0f}) values.push_back(small);
  const std::vector<float> inputs = values;
  gelu_in_place(values.data(), values.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const double x = inputs[i];
    const double expected = 0.5 * x * (1.0 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
    ASSERT_FALSE(std::isnan(values[i])) << "x = " << x;
    EXPECT_NEAR(values[i], expected, 1e-6 * std::max(1.0, std::fabs(x))) << "x = " << x;
  }
}

}  // namespace
}  // namespace attention_lab
