#pragma once

// The bytes of NIfTI files, plain or gzipped, through zlib: a header prefix, a range of
// voxels, and whole files written with the voxels gzipped in parallel.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <vector>

namespace medimg::detail {

/// True when the file starts with the gzip magic (false when it cannot be opened).
bool is_gzip(const std::filesystem::path& path);

/// Up to `size` bytes from the start of `path`, gunzipped when it is gzipped.
/// @throws IoError when it cannot be opened; FormatError for a corrupt gzip stream.
std::vector<char> read_prefix(const std::filesystem::path& path, std::size_t size);

/// Reads exactly `nbytes` bytes at (uncompressed) `offset` of `file` into `out`.
/// @throws IoError when it cannot be opened; FormatError when it is truncated or corrupt.
void read_file_range(const std::filesystem::path& file, bool gz, std::int64_t offset,
                     std::int64_t nbytes, void* out);

/// Writes `header` then the bytes of `voxels` (contiguous) to `file`; when `gz`, as
/// independent gzip members at `level` (the header one, then one per 4 MiB of voxels,
/// compressed on every core), whose concatenation is one valid gzip file (RFC 1952 2.2).
/// Errors name `reported` (the target, not the temporary `file`).
/// @throws IoError when the file cannot be created or written.
void write_file_bytes(const std::filesystem::path& file, const std::filesystem::path& reported,
                      bool gz, int level, const std::vector<char>& header,
                      const at::Tensor& voxels);

}  // namespace medimg::detail
