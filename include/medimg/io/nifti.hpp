#pragma once

/// NIfTI-1 and NIfTI-2 files (.nii, .nii.gz, .hdr/.img pairs) through nifticlib, with the
/// affine converted between NIfTI's RAS (i, j, k) convention and medimg's LPS array order.
/// docs/io_nifti.md gives every rule in full.

#include <torch/arg.h>

#include <filesystem>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg {

/// Reads a NIfTI-1 or NIfTI-2 file: `.nii`, `.nii.gz`, or a `.hdr`/`.img` pair (either name,
/// either file gzipped). Always a 3D image (C, Z, Y, X) with Z = dim[3] (1 for a 2D file),
/// Y = dim[2], X = dim[1] (NIfTI stores i fastest, so this is a view of the file's order)
/// and C = the product of dim[4..7], t fastest (a 4D series has one channel per volume).
///
/// dtype: the stored one (uint8, int8, int16, int32, int64, float32, float64); uint16 becomes
/// int32 and uint32 int64 (LibTorch has no unsigned wide types); RGB24 and RGBA32 give 3 or 4
/// uint8 channels per volume. When scl_slope is finite and non-zero and (slope, inter) is not
/// (1, 0), values are stored * slope + inter computed in double, as nibabel does, and returned
/// as float32 for 8/16-bit and float32 storage, float64 for 32/64-bit integers and float64.
///
/// Geometry: nibabel's choice of affine (sform when sform_code != 0, else qform when
/// qform_code != 0, else the centred pixdim affine with x flipped), converted to LPS and to
/// array order: affine_lps = diag(-1, -1, 1, 1) * affine_ras * P, P mapping (k, j, i) to
/// (i, j, k). Metadata: the header fields (descrip, intent_*, qform_code, sform_code,
/// xyz_units, time_units, repetition_time, dim, pixdim, datatype, nifti_version, ...).
/// @throws IoError when the path (or the pair's other file) does not exist or cannot be read;
///         FormatError when the header is malformed, the affine singular, or the file holds
///         fewer voxel bytes than the header describes (checked before allocating);
///         Unsupported for complex, float128, uint64 and binary datatypes.
MEDIMG_API Image read_nifti(const std::filesystem::path& path);

/// How write_nifti writes.
struct MEDIMG_API NiftiWriteOptions {
  /// 1 or 2 forces NIfTI-1 or NIfTI-2; 0 (the default) writes NIfTI-1 unless a dimension
  /// exceeds 32767, NIfTI-1's limit.
  TORCH_ARG(int, version) = 0;
  /// gzip level 1 (fastest, nibabel's default) to 9 (smallest) for `.nii.gz` files.
  TORCH_ARG(int, compression_level) = 1;
};

/// Writes `image` as `.nii` or `.nii.gz` (gzip chosen by the name), atomically
/// (core/atomic_file.hpp), or as a `.hdr`/`.img` pair when the name ends in either (both
/// gzipped for `.hdr.gz`/`.img.gz`): magic "ni1"/"ni2", the header alone in the .hdr and the
/// voxels from byte 0 of the .img, as nibabel's Nifti1Pair writes them; each file is written
/// atomically, the .img first. Voxels keep their dtype (bool becomes uint8); the file holds X as
/// i, Y as j, Z as k and the channels as t (dim[0] = 4 when C > 1). A 2D image is written
/// with dim[0] = 2 (3D (C, 1, Y, X) when read back).
///
/// The affine is converted to RAS (i, j, k) and stored both as sform and as qform (the
/// qform being its nearest rigid part when the affine has shears), with codes taken from
/// meta "sform_code" / "qform_code" when positive, else 1 (scanner), so nibabel, ITK and
/// FSL read the same affine. NIfTI-1 stores the sform in float32; NIfTI-2 in float64.
/// meta "descrip", "intent_*", "time_units", "repetition_time" and "toffset" are written.
/// `.nii.gz` voxels are compressed on every core as independent 4 MiB gzip members, which
/// together form one valid gzip file (RFC 1952) that zlib, nifticlib and nibabel read.
/// @throws ArgumentError for another extension (ANALYZE 7.5 is not written), or an option
///         out of range; Unsupported for
///         float16, complex or a dimension over 32767 with version 1; IoError when the
///         file cannot be written (nothing is left behind).
MEDIMG_API void write_nifti(const std::filesystem::path& path, const Image& image,
                            const NiftiWriteOptions& options = {});

}  // namespace medimg
