// float16 -> float32 for a whole tensor at a time (the model file stores its
// 1.8M parameters as float16). Branch-free, so the compiler turns the loop
// into vector code (four or eight halves an instruction): the branchy
// per-value half_to_float took ~15 ms of a ~90 ms model load in Chromium,
// whose first call of a function runs its baseline (unoptimised) code.
// Built -O3 (CMakeLists.txt): the loop is vectorised there, not at -Os.
#include <cstring>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "halves_to_floats reads the model file's little-endian halves as native ones"
#endif

#include "model/model_file.h"

namespace attention_lab {

bool halves_to_floats(const std::uint8_t* little_endian, std::size_t count, float* out) {
  std::uint32_t non_finite = 0;
  for (std::size_t i = 0; i < count; ++i) {
    // 1. the half's bits (little-endian in the file, as in memory on every
    //    target built here: wasm, x86-64)
    std::uint16_t stored;
    std::memcpy(&stored, little_endian + 2 * i, 2);
    const std::uint32_t half = stored;
    // 2. exponent and mantissa moved to a float's places, then rebiased from
    //    15 to 127 by a multiplication by 2^112: exact for normal halves and
    //    for subnormal ones (their float is subnormal before it, normal after)
    const std::uint32_t magnitude_bits = (half & 0x7FFFu) << 13;
    float magnitude;
    std::memcpy(&magnitude, &magnitude_bits, 4);
    magnitude *= 0x1p112f;
    // 3. the sign back on
    std::uint32_t bits;
    std::memcpy(&bits, &magnitude, 4);
    bits |= (half & 0x8000u) << 16;
    std::memcpy(out + i, &bits, 4);
    // 4. exponent 31 is infinity or NaN (the value written is then wrong, and refused)
    non_finite |= static_cast<std::uint32_t>((half & 0x7C00u) == 0x7C00u);
  }
  return non_finite == 0;
}

}  // namespace attention_lab
