#pragma once

// The .npy format (numpy's NEP 1, versions 1.0, 2.0 and 3.0): the header dictionary and the
// mapping from its 'descr' to LibTorch dtypes. Private to libmedimg.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace medimg::detail {

/// What the header of one .npy array says, turned into how to read and convert its data.
struct NpyHeader {
  std::string descr;                // as written: "<f8", "|u1", ">i2", ...
  at::ScalarType stored{};          // the dtype with the file's item size (uint16 as int16)
  at::ScalarType dtype{};           // the tensor dtype returned (uint16 as int32)
  std::int64_t item_size = 0;       // bytes per element
  std::int64_t swap_unit = 0;       // bytes per swapped unit when byte-swapping, else 0
  bool fortran_order = false;
  std::vector<std::int64_t> shape;  // numpy's shape, C order
  std::uint64_t data_size = 0;      // element count times item_size, checked for overflow
};

/// Bytes before the header length: the magic "\x93NUMPY" and two version bytes.
inline constexpr std::size_t kNpyPreambleSize = 8;

/// The size in bytes of the little-endian header length that follows the preamble: 2 in
/// version 1.0, 4 in versions 2.0 and 3.0.
/// @throws FormatError when the magic is missing; Unsupported for another version.
int npy_length_size(const unsigned char* preamble, const std::filesystem::path& path,
                    const std::string& what);

/// Parses the header dictionary `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
/// @throws FormatError for a malformed dictionary, missing or extra keys, a negative
///         dimension or a size that overflows; Unsupported for dtypes LibTorch cannot hold
///         losslessly (uint64, strings, objects, structured, datetimes).
NpyHeader parse_npy_header(const std::string& text, const std::filesystem::path& path,
                           const std::string& what);

/// Turns the raw bytes read into `raw` (shape as stored, dtype header.stored) into the array
/// numpy would return: native byte order, uint16/uint32 widened, bools normalised to 0/1,
/// Fortran order made C-contiguous.
at::Tensor finish_npy_array(at::Tensor raw, const NpyHeader& header);

/// The shape `raw` must have to receive the data bytes: reversed for Fortran order.
std::vector<std::int64_t> npy_storage_shape(const NpyHeader& header);

}  // namespace medimg::detail
