#pragma once

// NIfTI-1 and NIfTI-2 headers (nifticlib's structs): parsed into the fields medimg uses,
// interpreted (datatype, voxel count, nibabel's affine, metadata), and built for writing.

#include <ATen/core/Tensor.h>

#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "medimg/core/image.hpp"

namespace medimg::detail {

/// The header fields medimg uses, in one shape for both versions, in native byte order.
struct NiftiFields {
  int version = 1;       // 1 or 2
  bool swapped = false;  // the file is in the other byte order
  bool single_file = true;  // magic "n+1"/"n+2"; false for a .hdr/.img pair ("ni1"/"ni2")
  std::array<std::int64_t, 8> dim{};
  std::array<double, 8> pixdim{};
  int datatype = 0;
  std::int64_t vox_offset = 0;  // -1 when the header's float is NaN or absurd
  double scl_slope = 0, scl_inter = 0, cal_min = 0, cal_max = 0, toffset = 0;
  double slice_duration = 0;
  std::int64_t slice_start = 0, slice_end = 0;
  int slice_code = 0, xyzt_units = 0, intent_code = 0, qform_code = 0, sform_code = 0;
  int dim_info = 0;
  double intent_p1 = 0, intent_p2 = 0, intent_p3 = 0;
  double quatern_b = 0, quatern_c = 0, quatern_d = 0;
  double qoffset_x = 0, qoffset_y = 0, qoffset_z = 0;
  std::array<std::array<double, 4>, 3> srow{};
  std::string descrip, aux_file, intent_name;
};

/// The header of `path` (gzipped or not), either version and byte order.
/// @throws FormatError when it is too short, has another sizeof_hdr or no NIfTI magic
///         (ANALYZE 7.5 included).
NiftiFields read_nifti_fields(const std::filesystem::path& path);

/// How a NIfTI datatype becomes a tensor: the dtype read, the elements per voxel (3 or 4 for
/// RGB(A)), the dtype it is widened to (unsigned types) and the mask that keeps the unsigned
/// bits after widening (0 = none).
struct NiftiStoredType {
  at::ScalarType read;
  int channels_per_voxel;
  at::ScalarType widened;
  std::int64_t mask;
};

/// @throws Unsupported for valid datatypes medimg does not read; FormatError for invalid.
NiftiStoredType nifti_stored_type(int datatype, const std::filesystem::path& path);

/// Product of the used dims.
/// @throws FormatError for dim[0] outside 1..7, a dim < 1, or an absurd product.
std::int64_t nifti_voxel_count(const NiftiFields& f, const std::filesystem::path& path);

/// The affine nibabel's img.affine gives (Nifti1Header.get_best_affine): the sform when
/// sform_code != 0, else the qform when qform_code != 0, else the centred pixdim affine with
/// x flipped. RAS, indices (i, j, k).
Eigen::Matrix4d nifti_best_affine(const NiftiFields& f);

/// The header fields as medimg metadata (nifti_version, datatype, dim, pixdim, descrip, ...).
Metadata nifti_metadata(const NiftiFields& f);

/// The NIfTI datatype write_nifti stores `dtype` as (bool as uint8).
/// @throws Unsupported for float16, complex and the other dtypes NIfTI has no code for.
int nifti_datatype_of(at::ScalarType dtype);

/// The header bytes write_nifti writes for `image`: for a single file the header, then the
/// 4-byte extension flag (no extensions) and the voxels from byte 352 / 544; for a pair
/// (`pair`) the header alone, magic "ni1"/"ni2", with the voxels at byte 0 of the .img,
/// as nibabel's Nifti1Pair writes it.
std::vector<char> make_nifti_header(const Image& image, int datatype, int version, bool pair);

}  // namespace medimg::detail
