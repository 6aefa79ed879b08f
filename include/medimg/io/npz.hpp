#pragma once

/// numpy .npz archives (numpy.savez, numpy.savez_compressed) and MedMNIST files, read
/// without numpy: the zip container through zlib, each .npy member parsed in C++.

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "medimg/export.hpp"

namespace medimg {

/// An .npz archive opened once: its zip directory is read on construction, arrays on demand.
///
/// Each array comes back as numpy.load gives it: same shape (0-d and empty arrays included)
/// and values, as a C-contiguous CPU tensor in native byte order (big-endian and Fortran-order
/// arrays are converted). dtypes: bool, int8, uint8, int16, int32, int64, float16, float32,
/// float64, complex64, complex128 keep their type; uint16 becomes int32 and uint32 int64
/// (LibTorch has no such types; values are kept exactly).
///
/// Copies share the directory; reading is thread-safe (each read opens the file anew).
class MEDIMG_API NpzFile {
 public:
  /// Opens `path` and reads its zip central directory (stored, deflate and Zip64 archives).
  /// @throws IoError when the path does not exist or is not a readable file; FormatError when
  ///         it is not a zip archive or is truncated; Unsupported for encrypted or multi-disk
  ///         archives and compression methods other than stored and deflate.
  explicit NpzFile(std::filesystem::path path);

  const std::filesystem::path& path() const noexcept;

  /// The array names in archive order, without their ".npy" suffix (numpy's NpzFile.files).
  const std::vector<std::string>& names() const noexcept;

  /// Whether `name` (with or without ".npy") is a member.
  bool contains(const std::string& name) const;

  /// Reads the array `name` ("train_images" or "train_images.npy"). The .npy header is
  /// checked against the member's size before anything is allocated, and the member's
  /// CRC-32 is verified.
  /// @throws ArgumentError when there is no such member (the message lists the names);
  ///         FormatError for a truncated or corrupt member, a CRC mismatch or a header whose
  ///         shape needs more bytes than the member holds; Unsupported for dtypes without a
  ///         lossless LibTorch type (uint64, strings, objects, structured, datetimes) and .npy
  ///         versions other than 1.0, 2.0 and 3.0.
  at::Tensor read(const std::string& name) const;

 private:
  struct Directory;
  std::shared_ptr<const Directory> directory_;
};

/// The array names in the .npz file at `path`, in archive order, without ".npy".
/// @throws as NpzFile's constructor.
MEDIMG_API std::vector<std::string> list_npz(const std::filesystem::path& path);

/// Every array of the .npz file at `path` as (name, tensor) pairs in archive order.
/// @throws as NpzFile's constructor and NpzFile::read.
MEDIMG_API std::vector<std::pair<std::string, at::Tensor>> read_npz(
    const std::filesystem::path& path);

/// One split of a MedMNIST dataset.
struct MedMnistSplit {
  /// (N, C, H, W) for 2D datasets, C = 1 for grey and 3 for RGB; (N, 1, D, H, W) for the 3D
  /// ones. Contiguous, in the file's dtype (uint8 for MedMNIST).
  at::Tensor images;
  /// (N, L) int64: L = 1 for single-label tasks, the number of labels for multi-label ones.
  at::Tensor labels;
};

/// Reads `<split>_images` and `<split>_labels` of a MedMNIST .npz file (split is "train",
/// "val" or "test"). Images stored (N, H, W) become (N, 1, H, W), (N, H, W, 3) become
/// (N, 3, H, W), and (N, D, H, W) volumes (a last axis other than 3) become (N, 1, D, H, W);
/// labels stored (N,) or (N, L) become (N, L) int64.
/// @throws ArgumentError for another split name; FormatError when either key is missing (the
///         message lists the keys found), when the image rank is not 3 or 4 or when images and
///         labels disagree on N; and what NpzFile throws.
MEDIMG_API MedMnistSplit read_medmnist(const std::filesystem::path& path, const std::string& split);

}  // namespace medimg
