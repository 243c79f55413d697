#include "model/model_file.h"

#include <array>

#include <cmath>
#include <cstring>

namespace attention_lab {

// ---- float16 and CRC-32 ---------------------------------------------------------

std::uint16_t float_to_half(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, 4);
  const std::uint32_t sign = (bits >> 16) & 0x8000u;
  const std::int32_t exponent = static_cast<std::int32_t>((bits >> 23) & 0xFF) - 127 + 15;
  std::uint32_t mantissa = bits & 0x7FFFFFu;
  if (((bits >> 23) & 0xFF) == 0xFF) return static_cast<std::uint16_t>(sign | 0x7C00u | (mantissa ? 0x200u : 0));
  if (exponent >= 31) return static_cast<std::uint16_t>(sign | 0x7C00u);  // overflow -> inf
  if (exponent <= 0) {  // subnormal half or zero
    if (exponent < -10) return static_cast<std::uint16_t>(sign);
    mantissa |= 0x800000u;
    const int shift = 14 - exponent;
    std::uint32_t half_mantissa = mantissa >> shift;
    const std::uint32_t remainder = mantissa & ((1u << shift) - 1);
    const std::uint32_t halfway = 1u << (shift - 1);
    if (remainder > halfway || (remainder == halfway && (half_mantissa & 1u))) ++half_mantissa;
    return static_cast<std::uint16_t>(sign | half_mantissa);
  }
  std::uint32_t half = sign | (static_cast<std::uint32_t>(exponent) << 10) | (mantissa >> 13);
  const std::uint32_t remainder = mantissa & 0x1FFFu;
  if (remainder > 0x1000u || (remainder == 0x1000u && (half & 1u))) ++half;  // round to nearest even
  return static_cast<std::uint16_t>(half);
}

float half_to_float(std::uint16_t half) {
  const std::uint32_t sign = static_cast<std::uint32_t>(half & 0x8000u) << 16;
  const std::uint32_t exponent = (half >> 10) & 0x1Fu;
  std::uint32_t mantissa = half & 0x3FFu;
  std::uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do {
        ++e;
        mantissa <<= 1;
      } while ((mantissa & 0x400u) == 0);
      bits = sign | (static_cast<std::uint32_t>(127 - 15 - e) << 23) | ((mantissa & 0x3FFu) << 13);
    }
  } else if (exponent == 31) {
    bits = sign | 0x7F800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}

// CRC-32 (IEEE, reflected, polynomial 0xEDB88320), eight bytes a step
// ("slicing by 8"): table k maps a byte to its CRC after k more zero bytes,
// so the eight bytes of a step are looked up independently and XORed. The
// bit-at-a-time form took ~100 ms for the 3.9 MB model in the browser. The
// 8 KB of tables are computed on first use (a few microseconds), not shipped
// in the wasm (they added 11 KB to the widget's download as base64).
namespace {

struct Crc32Tables {
  std::uint32_t table[8][256];
  Crc32Tables() {
    for (std::uint32_t byte = 0; byte < 256; ++byte) {
      std::uint32_t crc = byte;
      for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
      table[0][byte] = crc;
    }
    for (int k = 1; k < 8; ++k) {
      for (std::uint32_t byte = 0; byte < 256; ++byte) {
        const std::uint32_t previous = table[k - 1][byte];
        table[k][byte] = (previous >> 8) ^ table[0][previous & 0xFFu];
      }
    }
  }
};

const Crc32Tables& crc32_tables() {
  static const Crc32Tables tables;
  return tables;
}

}  // namespace

std::uint32_t crc32(const std::uint8_t* bytes, std::size_t size) {
  const auto& t = crc32_tables().table;
  std::uint32_t crc = 0xFFFFFFFFu;
  std::size_t i = 0;
  // 1. eight bytes at a time (read byte by byte: any alignment, any endianness)
  for (; i + 8 <= size; i += 8) {
    const std::uint32_t low = crc ^ (static_cast<std::uint32_t>(bytes[i]) | static_cast<std::uint32_t>(bytes[i + 1]) << 8 |
                                     static_cast<std::uint32_t>(bytes[i + 2]) << 16 | static_cast<std::uint32_t>(bytes[i + 3]) << 24);
    crc = t[7][low & 0xFFu] ^ t[6][(low >> 8) & 0xFFu] ^ t[5][(low >> 16) & 0xFFu] ^ t[4][low >> 24] ^
          t[3][bytes[i + 4]] ^ t[2][bytes[i + 5]] ^ t[1][bytes[i + 6]] ^ t[0][bytes[i + 7]];
  }
  // 2. the rest, a byte at a time
  for (; i < size; ++i) crc = (crc >> 8) ^ t[0][(crc ^ bytes[i]) & 0xFFu];
  return ~crc;
}

std::size_t decode_base64_in_place(std::uint8_t* text, std::size_t size, std::string& problem) {
  // 1. the value of each character, 64 for one outside the alphabet
  static const auto values = [] {
    std::array<std::uint8_t, 256> table{};
    table.fill(64);
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<std::uint8_t>(alphabet[i])] = i;
    return table;
  }();
  // 2. up to two '=' at the end; what is left must not be one character short of a byte
  std::size_t length = size;
  for (int pad = 0; pad < 2 && length > 0 && text[length - 1] == '='; ++pad) --length;
  if (size % 4 != 0 || length % 4 == 1) {
    problem = "model data is not valid base64 (its length, " + std::to_string(size) + ", is not a multiple of 4)";
    return 0;
  }
  // 3. four characters to three bytes; a character outside the alphabet stops it
  std::size_t out = 0, i = 0;
  std::uint32_t outside = 0;
  for (; i + 4 <= length; i += 4) {
    const std::uint32_t a = values[text[i]], b = values[text[i + 1]], c = values[text[i + 2]], d = values[text[i + 3]];
    outside |= (a | b | c | d) & 64u;
    const std::uint32_t bits = (a << 18) | (b << 12) | (c << 6) | d;
    text[out++] = static_cast<std::uint8_t>(bits >> 16);
    text[out++] = static_cast<std::uint8_t>(bits >> 8);
    text[out++] = static_cast<std::uint8_t>(bits);
  }
  if (length - i >= 2) {  // 4. the last two or three characters: one or two bytes
    const std::uint32_t a = values[text[i]], b = values[text[i + 1]], c = length - i == 3 ? values[text[i + 2]] : 0;
    outside |= (a | b | c) & 64u;
    text[out++] = static_cast<std::uint8_t>((a << 2) | (b >> 4));
    if (length - i == 3) text[out++] = static_cast<std::uint8_t>(((b & 15u) << 4) | (c >> 2));
  }
  if (outside != 0) {
    problem = "model data is not valid base64 (a character outside A-Z a-z 0-9 + /)";
    return 0;
  }
  return out;
}

// ---- model file -------------------------------------------------------------------

namespace {

constexpr char kMagic[8] = {'A', 'T', 'T', 'N', 'L', 'A', 'B', '1'};

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

void put_text(std::vector<std::uint8_t>& out, const std::string& text) {
  put_u32(out, static_cast<std::uint32_t>(text.size()));
  out.insert(out.end(), text.begin(), text.end());
}

class Reader {
 public:
  Reader(const std::uint8_t* bytes, std::size_t size) : bytes_(bytes), size_(size) {}
  bool u32(std::uint32_t& value) {
    if (size_ - position_ < 4) return false;
    value = 0;
    for (int i = 0; i < 4; ++i) value |= static_cast<std::uint32_t>(bytes_[position_ + i]) << (8 * i);
    position_ += 4;
    return true;
  }
  bool take(std::size_t count, const std::uint8_t*& start) {
    if (size_ - position_ < count) return false;
    start = bytes_ + position_;
    position_ += count;
    return true;
  }
  std::size_t position() const { return position_; }

 private:
  const std::uint8_t* bytes_;
  std::size_t size_;
  std::size_t position_ = 0;
};

}  // namespace

std::vector<std::uint8_t> save_model(TransformerParams<float>& params, const Vocabulary& vocabulary,
                                     const std::string& metadata_json) {
  std::vector<std::uint8_t> out(kMagic, kMagic + 8);
  const TransformerConfig& c = params.config;
  put_u32(out, c.causal ? 2u : 1u);
  for (int field : {c.vocab_size, c.d_model, c.num_heads, c.num_layers, c.d_ff, c.max_len}) {
    put_u32(out, static_cast<std::uint32_t>(field));
  }
  if (c.causal) put_u32(out, kModelFlagCausal);
  std::string joined;
  for (int i = 0; i < vocabulary.size(); ++i) {
    if (i) joined += '\n';
    joined += vocabulary.word(i);
  }
  put_text(out, joined);
  put_text(out, metadata_json);
  std::uint32_t tensors = 0;
  params.for_each([&](const std::string&, std::vector<float>&) { ++tensors; });
  put_u32(out, tensors);
  params.for_each([&](const std::string&, std::vector<float>& tensor) {
    put_u32(out, static_cast<std::uint32_t>(tensor.size()));
    for (float value : tensor) {
      const std::uint16_t half = float_to_half(value);
      out.push_back(static_cast<std::uint8_t>(half & 0xFF));
      out.push_back(static_cast<std::uint8_t>(half >> 8));
    }
  });
  put_u32(out, crc32(out.data(), out.size()));
  return out;
}

std::string load_model(const std::uint8_t* bytes, std::size_t size, LoadedModel& model) {
  if (bytes == nullptr || size < 12) return "model file is empty or far too short to be a model";
  if (std::memcmp(bytes, kMagic, 8) != 0) return "this is not an attention-lab model file (wrong magic bytes)";
  Reader reader(bytes, size);
  const std::uint8_t* skip;
  reader.take(8, skip);
  std::uint32_t version = 0;
  reader.u32(version);
  if (version != 1 && version != kModelFormatVersion) {
    return "model file format version " + std::to_string(version) + " is not supported (this engine reads versions 1 to " +
           std::to_string(kModelFormatVersion) + ")";
  }
  if (size < 16) return "model file is truncated (no checksum)";
  std::uint32_t stored_crc = 0;
  for (int i = 0; i < 4; ++i) stored_crc |= static_cast<std::uint32_t>(bytes[size - 4 + i]) << (8 * i);
  std::uint32_t fields[6];
  for (std::uint32_t& field : fields) {
    if (!reader.u32(field)) return "model file is truncated in its header";
  }
  std::uint32_t flags = 0;
  if (version >= 2 && !reader.u32(flags)) return "model file is truncated in its header";
  if ((flags & ~kModelFlagCausal) != 0) return "model file has flags this engine does not know (" + std::to_string(flags) + ")";
  TransformerConfig c{static_cast<int>(fields[0]), static_cast<int>(fields[1]), static_cast<int>(fields[2]),
                      static_cast<int>(fields[3]), static_cast<int>(fields[4]), static_cast<int>(fields[5])};
  c.causal = (flags & kModelFlagCausal) != 0;
  const bool sane = fields[0] >= 4 && fields[0] <= 100000 && fields[1] >= 1 && fields[1] <= 2048 &&
                    fields[2] >= 1 && fields[2] <= 64 && fields[1] % fields[2] == 0 && fields[3] >= 1 &&
                    fields[3] <= 48 && fields[4] >= 1 && fields[4] <= 16384 && fields[5] >= 1 && fields[5] <= 8192;
  if (!sane) return "model file header has impossible sizes (corrupted?)";
  // every parameter takes 2 bytes (float16): a header promising more than the
  // file holds is refused before anything is allocated for it
  if (parameter_count(c) > size / 2) {
    return "model file is too short for the sizes in its header (" + std::to_string(parameter_count(c)) +
           " parameters; corrupted or truncated?)";
  }
  if (crc32(bytes, size - 4) != stored_crc) {
    return "model file is corrupted or truncated (checksum mismatch)";
  }
  std::uint32_t length = 0;
  const std::uint8_t* text = nullptr;
  if (!reader.u32(length) || !reader.take(length, text)) return "model file is truncated in its vocabulary";
  std::vector<std::string> words;
  words.reserve(fields[0]);
  const char* const vocabulary_text = reinterpret_cast<const char*>(text);
  for (std::uint32_t start = 0;;) {  // lines, each made at once (not a character at a time)
    const void* newline = std::memchr(vocabulary_text + start, '\n', length - start);
    const std::uint32_t end = newline != nullptr ? static_cast<std::uint32_t>(static_cast<const char*>(newline) - vocabulary_text) : length;
    words.emplace_back(vocabulary_text + start, end - start);
    if (newline == nullptr) break;
    start = end + 1;
  }
  if (words.size() != fields[0]) return "model file vocabulary size does not match its header";
  for (int i = 0; i < 3; ++i) {
    if (words[static_cast<std::size_t>(i)] != Vocabulary::kSpecial[i]) return "model file vocabulary lacks <pad> <unk> <mask>";
  }
  if (!reader.u32(length) || !reader.take(length, text)) return "model file is truncated in its metadata";
  model.metadata_json.assign(reinterpret_cast<const char*>(text), length);
  model.params.allocate(c);
  std::uint32_t tensor_count = 0;
  if (!reader.u32(tensor_count)) return "model file is truncated before its tensors";
  std::uint32_t expected_count = 0;
  model.params.for_each([&](const std::string&, std::vector<float>&) { ++expected_count; });
  if (tensor_count != expected_count) return "model file has the wrong number of tensors for its configuration";
  std::string problem;
  model.params.for_each([&](const std::string& name, std::vector<float>& tensor) {
    if (!problem.empty()) return;
    std::uint32_t count = 0;
    const std::uint8_t* data = nullptr;
    if (!reader.u32(count) || count != tensor.size()) {
      problem = "model file tensor " + name + " has the wrong size";
      return;
    }
    if (!reader.take(static_cast<std::size_t>(count) * 2, data)) {
      problem = "model file is truncated in tensor " + name;
      return;
    }
    if (!halves_to_floats(data, count, tensor.data())) problem = "model file tensor " + name + " contains a non-finite value";
  });
  if (!problem.empty()) return problem;
  if (reader.position() != size - 4) return "model file has unexpected bytes after its tensors";
  model.vocabulary = Vocabulary(std::move(words));
  return "";
}

}  // namespace attention_lab
