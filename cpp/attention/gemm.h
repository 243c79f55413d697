// Packed matrix multiply for the fast kernels.
//
// c: (rows, cols) = a: (rows, depth) · b: (depth, cols) [+ bias: (cols)]
//
// b is first packed into panels of kPanelWidth columns: panel p holds, for
// every depth index, the kPanelWidth values b[d][p*8 .. p*8+7] side by side
// (zero-padded past the last column), so the micro-kernel reads b with two
// contiguous four-lane loads per depth step.
#pragma once

#include <cstddef>
#include <vector>

namespace attention_lab {

constexpr int kPanelWidth = 8;

struct PackedMatrix {
  int depth = 0;
  int cols = 0;
  std::vector<float> panels;  // ceil(cols / 8) panels of (depth, 8)
};

// Packs b where element (d, c) is source[d * row_stride + c].
void pack_columns(const float* source, int depth, int cols, int row_stride, PackedMatrix& packed);

// Packs the transpose of source: element (d, c) is source[c * row_stride + d].
// Used for Kᵀ, so keys can stay in their natural (context_len, d_model) layout.
void pack_columns_transposed(const float* source, int depth, int cols, int row_stride,
                             PackedMatrix& packed);

// Are depth rows [first_row, first_row + row_count) of packed, as pack_columns
// laid them out, bit for bit the rows of a row-major source (its row i, which is
// depth row first_row + i, at rows + i * row_stride)? Reads only the packed
// values, not the zeros that pad the last panel. -0 and 0 differ.
bool packed_rows_equal(const PackedMatrix& packed, const float* rows, int first_row, int row_count, int row_stride);

// c[r * c_stride + col] = sum_d a[r * a_stride + d] * b(d, col) (+ bias[col]).
void gemm_packed(int rows, const float* a, int a_stride, const PackedMatrix& b, const float* bias,
                 float* c, int c_stride);

// The same on raw panels: columns [0, cols) of panels laid out as in
// PackedMatrix, panel p starting at panels + p * panel_stride, its depth rows
// 8 floats apart. A column range starting at a multiple of 8 is a pointer
// offset; a depth range [d0, d0 + depth) is an offset of d0 * 8 with the
// full matrix's panel stride.
void gemm_panels(int rows, const float* a, int a_stride, int depth, int cols, const float* panels,
                 std::size_t panel_stride, const float* bias, float* c, int c_stride);

}  // namespace attention_lab
