#include "medimg/io/nifti.hpp"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "detail/nifti_gzip.hpp"
#include "detail/nifti_header.hpp"
#include "detail/nifti_paths.hpp"
#include "medimg/core/atomic_file.hpp"
#include "medimg/core/error.hpp"

namespace medimg {

namespace fs = std::filesystem;

void write_nifti(const fs::path& path, const Image& image, const NiftiWriteOptions& options) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "write_nifti needs a defined image");
  const detail::NiftiOutput out = detail::nifti_output_files(path);
  MEDIMG_CHECK(out.valid, ArgumentError,
               "write_nifti writes .nii or .nii.gz files, or .hdr/.img pairs (.hdr.gz/.img.gz "
               "gzipped), got '", path.string(), "'");
  MEDIMG_CHECK(options.version() >= 0 && options.version() <= 2, ArgumentError,
               "NIfTI version must be 0 (automatic), 1 or 2, got ", options.version());
  MEDIMG_CHECK(options.compression_level() >= 1 && options.compression_level() <= 9, ArgumentError,
               "compression_level must be 1 to 9, got ", options.compression_level());
  const int datatype = detail::nifti_datatype_of(image.dtype());
  const bool too_big_for_1 =
      std::any_of(image.tensor().sizes().begin(), image.tensor().sizes().end(),
                  [](std::int64_t s) { return s > 32767; });
  MEDIMG_CHECK(!(too_big_for_1 && options.version() == 1), Unsupported,
               "NIfTI-1 holds at most 32767 voxels per axis, the image has shape ",
               image.tensor().sizes(), "; write NIfTI-2");
  const int version = options.version() != 0 ? options.version() : (too_big_for_1 ? 2 : 1);

  at::Tensor voxels = image.tensor().cpu();
  if (voxels.scalar_type() == at::kBool) voxels = voxels.to(at::kByte);
  voxels = voxels.contiguous();
  const std::vector<char> header = detail::make_nifti_header(image, datatype, version, out.pair);
  const int level = options.compression_level();
  if (!out.pair) {
    write_atomically(path, [&](const fs::path& temporary) {
      detail::write_file_bytes(temporary, path, out.gz, level, header, voxels);
    });
    return;
  }
  // A pair: the .img is replaced first and the .hdr last, each atomically, so a failure
  // never leaves a new header beside missing or old voxels.
  const at::Tensor no_voxels = at::empty({0}, at::kByte);
  write_atomically(out.header, [&](const fs::path& header_temporary) {
    detail::write_file_bytes(header_temporary, out.header, out.gz, level, header, no_voxels);
    write_atomically(out.image, [&](const fs::path& image_temporary) {
      detail::write_file_bytes(image_temporary, out.image, out.gz, level, {}, voxels);
    });
  });
}

}  // namespace medimg
