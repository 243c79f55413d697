// The model file: a trained model's weights (float16), vocabulary and
// metadata, checked by a CRC-32. Written by the trainer, read by the engine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/transformer.h"
#include "text/tokenizer.h"

namespace attention_lab {

// Little-endian: "ATTNLAB1" magic, u32 format version, six u32 config fields,
// (version 2 only) u32 flags, u32 + vocabulary (words joined by '\n'), u32 +
// metadata JSON, u32 tensor count, then per tensor u32 element count + float16
// values, then a CRC-32 of all preceding bytes.
// Version 1: encoders (bidirectional attention). Version 2 adds the flags word,
// bit 0 = causal (a decoder); an encoder is still written as version 1, so
// its file is unchanged.
constexpr std::uint32_t kModelFormatVersion = 2;
constexpr std::uint32_t kModelFlagCausal = 1;

struct LoadedModel {
  TransformerParams<float> params;
  Vocabulary vocabulary;
  std::string metadata_json;
};

std::vector<std::uint8_t> save_model(TransformerParams<float>& params, const Vocabulary& vocabulary,
                                     const std::string& metadata_json);

// Returns "" and fills `model`, or a message saying what is wrong with the bytes.
std::string load_model(const std::uint8_t* bytes, std::size_t size, LoadedModel& model);

std::uint16_t float_to_half(float value);
float half_to_float(std::uint16_t half);
// count halves (2 bytes each, little-endian) into out, as half_to_float converts
// them; false when any is infinite or NaN (cpp/model/float16.cpp, vectorised).
bool halves_to_floats(const std::uint8_t* little_endian, std::size_t count, float* out);
std::uint32_t crc32(const std::uint8_t* bytes, std::size_t size);

// Standard base64 (A-Z a-z 0-9 + /, '=' padding, no line breaks), decoded over
// its own text: the bytes shrink to 3/4, so each is written at or before the
// character it came from. Returns the decoded length, or 0 with `problem` set.
// (The browser fetches the model script's text and decodes it here, instead of
// running a 5.3 MB script and decoding its string in JavaScript.)
std::size_t decode_base64_in_place(std::uint8_t* text, std::size_t size, std::string& problem);

}  // namespace attention_lab
