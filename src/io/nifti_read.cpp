#include "medimg/io/nifti.hpp"

#include <ATen/ops/empty.h>
#include <nifti2_io.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <system_error>

#include "detail/nifti_affine.hpp"
#include "detail/nifti_gzip.hpp"
#include "detail/nifti_header.hpp"
#include "detail/nifti_paths.hpp"
#include "medimg/core/detail/huge_pages.hpp"
#include "medimg/core/error.hpp"

namespace medimg {
namespace {

namespace fs = std::filesystem;

// Deflate cannot expand more than 1032:1, so a gzip file of n bytes holds at most
// 1032 n + a few bytes: a header claiming more is corrupt, found before allocating.
constexpr std::int64_t kMaxDeflateRatio = 1032;

void check_readable_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw IoError(path, "no such file");
  if (!fs::is_regular_file(path, ec)) throw IoError(path, "not a regular file");
}

// stored * slope + inter in double, as nibabel's ArrayProxy computes it.
at::Tensor apply_scaling(const at::Tensor& stored, double slope, double inter) {
  const at::ScalarType st = stored.scalar_type();
  const bool wide = st == at::kInt || st == at::kLong || st == at::kDouble;
  at::Tensor real = stored.to(at::kDouble);
  real.mul_(slope).add_(inter);
  return wide ? real : real.to(at::kFloat);
}

}  // namespace

Image read_nifti(const fs::path& path) {
  check_readable_file(path);
  const auto [header_file, image_file] = detail::nifti_pair_files(path);
  check_readable_file(header_file);
  const detail::NiftiFields f = detail::read_nifti_fields(header_file);
  const std::int64_t nvox = detail::nifti_voxel_count(f, header_file);
  const detail::NiftiStoredType type = detail::nifti_stored_type(f.datatype, header_file);

  fs::path data_file = header_file;
  if (!f.single_file) {
    if (image_file == header_file) {
      throw FormatError(path, "a NIfTI pair header (magic \"ni" + std::to_string(f.version) +
                                  "\") must be named .hdr, with its voxels in the .img beside it");
    }
    check_readable_file(image_file);
    data_file = image_file;
  }
  int nbyper = 0, swapsize = 0;
  nifti_datatype_sizes(f.datatype, &nbyper, &swapsize);
  const std::int64_t nbytes = nvox * nbyper;
  // A single file's voxels start after the header and the 4-byte extension flag; nibabel
  // moves a smaller vox_offset there too.
  const std::int64_t header_bytes = f.version == 1 ? 352 : 544;
  if (f.vox_offset < 0) {
    throw FormatError(header_file, "the header's vox_offset is negative, not a number or absurd");
  }
  const std::int64_t offset = f.single_file ? std::max(f.vox_offset, header_bytes)
                                            : std::max<std::int64_t>(f.vox_offset, 0);

  // Check the size before allocating: a damaged header must not ask for terabytes.
  const bool gz = detail::is_gzip(data_file);
  std::error_code ec;
  const auto file_size = static_cast<std::int64_t>(fs::file_size(data_file, ec));
  if (ec) throw IoError(data_file, "cannot read the file size: " + ec.message());
  if (!gz && offset + nbytes > file_size) {
    throw FormatError(data_file, detail::concat("truncated: the header describes ", nbytes,
                                                " voxel bytes from byte ", offset,
                                                ", the file holds ", file_size, " bytes"));
  }
  if (gz && offset + nbytes > file_size * kMaxDeflateRatio + 4096) {
    throw FormatError(data_file, detail::concat("the header describes ", nbytes,
                                                " voxel bytes, more than a gzip file of ",
                                                file_size, " bytes can hold"));
  }

  const std::int64_t channels = f.dim[0] >= 4
                                    ? nvox / (f.dim[1] * std::max<std::int64_t>(f.dim[2], 1) *
                                              std::max<std::int64_t>(f.dim[3], 1))
                                    : 1;
  const std::int64_t nx = f.dim[1];
  const std::int64_t ny = f.dim[0] >= 2 ? f.dim[2] : 1;
  const std::int64_t nz = f.dim[0] >= 3 ? f.dim[3] : 1;
  at::Tensor voxels = at::empty({channels, nz, ny, nx * type.channels_per_voxel}, type.read);
  detail::advise_huge_pages(voxels.data_ptr(), nbytes);
  detail::read_file_range(data_file, gz, offset, nbytes, voxels.data_ptr());
  if (f.swapped && swapsize > 1) {
    nifti_swap_Nbytes(nbytes / swapsize, swapsize, voxels.data_ptr());
  }

  if (type.channels_per_voxel > 1) {
    const std::int64_t per = type.channels_per_voxel;
    voxels = voxels.view({channels, nz, ny, nx, per})
                 .permute({0, 4, 1, 2, 3})
                 .reshape({channels * per, nz, ny, nx});
  } else if (type.widened != type.read) {
    voxels = voxels.to(type.widened).bitwise_and_(type.mask);
  }

  Metadata meta = detail::nifti_metadata(f);
  // nibabel's rule (Nifti1Header.get_slope_inter); the standard says RGB is never scaled.
  const bool scaled = type.channels_per_voxel == 1 && std::isfinite(f.scl_slope) &&
                      f.scl_slope != 0 && !(f.scl_slope == 1 && f.scl_inter == 0);
  if (scaled) {
    if (!std::isfinite(f.scl_inter)) {
      throw FormatError(header_file,
                        detail::concat("scl_slope is ", f.scl_slope, " but scl_inter is ",
                                       f.scl_inter, "; expected a finite intercept"));
    }
    voxels = apply_scaling(voxels, f.scl_slope, f.scl_inter);
    meta["scl_slope"] = f.scl_slope;
    meta["scl_inter"] = f.scl_inter;
  }

  Geometry geometry;
  try {
    const Eigen::Matrix4d ras = detail::nifti_best_affine(f);
    geometry = Geometry::from_affine(detail::nifti_ras_to_lps_array(ras), 3);
  } catch (const ArgumentError& e) {
    throw FormatError(header_file, std::string("the header's affine is unusable: ") + e.what());
  }
  return Image(std::move(voxels), std::move(geometry), std::move(meta));
}

}  // namespace medimg
