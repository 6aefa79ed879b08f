#include "detail/nifti_header.hpp"

#include <nifti2_io.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "detail/nifti_affine.hpp"
#include "detail/nifti_gzip.hpp"
#include "medimg/core/error.hpp"

namespace medimg::detail {
namespace {

namespace fs = std::filesystem;

static_assert(sizeof(nifti_1_header) == 348, "nifticlib's NIfTI-1 header must be packed");
static_assert(sizeof(nifti_2_header) == 540, "nifticlib's NIfTI-2 header must be packed");

std::int32_t swap32(std::int32_t v) {
  const auto u = static_cast<std::uint32_t>(v);
  return static_cast<std::int32_t>((u >> 24) | ((u >> 8) & 0xff00u) | ((u << 8) & 0xff0000u) |
                                   (u << 24));
}

std::string fixed_string(const char* chars, std::size_t size) {
  return std::string(chars, std::find(chars, chars + size, '\0'));
}

template <typename H>
NiftiFields fields_of(const H& h, int version) {
  NiftiFields f;
  f.version = version;
  f.single_file = h.magic[1] == '+';
  for (int d = 0; d < 8; ++d) {
    f.dim[d] = h.dim[d];
    f.pixdim[d] = h.pixdim[d];
  }
  f.datatype = h.datatype;
  // A float in NIfTI-1: NaN or an absurd value must not reach an integer conversion.
  const auto offset = static_cast<double>(h.vox_offset);
  f.vox_offset = offset >= 0 && offset < 0x1p56 ? static_cast<std::int64_t>(offset) : -1;
  f.scl_slope = h.scl_slope;
  f.scl_inter = h.scl_inter;
  f.cal_min = h.cal_min;
  f.cal_max = h.cal_max;
  f.toffset = h.toffset;
  f.slice_duration = h.slice_duration;
  f.slice_start = h.slice_start;
  f.slice_end = h.slice_end;
  f.slice_code = h.slice_code;
  f.xyzt_units = h.xyzt_units;
  f.intent_code = h.intent_code;
  f.intent_p1 = h.intent_p1;
  f.intent_p2 = h.intent_p2;
  f.intent_p3 = h.intent_p3;
  f.qform_code = h.qform_code;
  f.sform_code = h.sform_code;
  f.dim_info = static_cast<unsigned char>(h.dim_info);
  f.quatern_b = h.quatern_b;
  f.quatern_c = h.quatern_c;
  f.quatern_d = h.quatern_d;
  f.qoffset_x = h.qoffset_x;
  f.qoffset_y = h.qoffset_y;
  f.qoffset_z = h.qoffset_z;
  for (int c = 0; c < 4; ++c) {
    f.srow[0][c] = h.srow_x[c];
    f.srow[1][c] = h.srow_y[c];
    f.srow[2][c] = h.srow_z[c];
  }
  f.descrip = fixed_string(h.descrip, sizeof h.descrip);
  f.aux_file = fixed_string(h.aux_file, sizeof h.aux_file);
  f.intent_name = fixed_string(h.intent_name, sizeof h.intent_name);
  return f;
}

// nibabel's qform (Nifti1Header.get_qform): the quaternion completed in extended precision,
// its rotation matrix times diag(pixdim[1], pixdim[2], qfac * pixdim[3]), then qoffset.
Eigen::Matrix4d qform_affine(const NiftiFields& f) {
  using Real = long double;
  const Real b = f.quatern_b, c = f.quatern_c, d = f.quatern_d;
  const Real w2 = 1.0L - (b * b + c * c + d * d);
  const Real a = w2 < 0 ? 0.0L : std::sqrt(w2);
  const Real n = a * a + b * b + c * c + d * d;
  Real r[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  if (n >= 1e-15L) {
    const Real s = 2.0L / n, x = b * s, y = c * s, z = d * s;
    const Real wx = a * x, wy = a * y, wz = a * z, xx = b * x, xy = b * y, xz = b * z;
    const Real yy = c * y, yz = c * z, zz = d * z;
    const Real m[3][3] = {{1 - (yy + zz), xy - wz, xz + wy},
                          {xy + wz, 1 - (xx + zz), yz - wx},
                          {xz - wy, yz + wx, 1 - (xx + yy)}};
    std::memcpy(r, m, sizeof r);
  }
  const Real qfac = f.pixdim[0] < 0 ? -1.0L : 1.0L;
  const Real vox[3] = {static_cast<Real>(f.pixdim[1]), static_cast<Real>(f.pixdim[2]),
                       static_cast<Real>(f.pixdim[3]) * qfac};
  Eigen::Matrix4d out = Eigen::Matrix4d::Identity();
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) out(i, j) = static_cast<double>(r[i][j] * vox[j]);
  }
  out(0, 3) = f.qoffset_x;
  out(1, 3) = f.qoffset_y;
  out(2, 3) = f.qoffset_z;
  return out;
}

// nibabel's fallback (AnalyzeHeader.get_base_affine): pixdim on the diagonal, x flipped,
// the centre voxel at the origin.
Eigen::Matrix4d base_affine(const NiftiFields& f) {
  Eigen::Matrix4d out = Eigen::Matrix4d::Identity();
  for (int a = 0; a < 3; ++a) {
    const bool used = a < f.dim[0];
    const double zoom = (used ? f.pixdim[a + 1] : 1.0) * (a == 0 ? -1.0 : 1.0);
    const double size = used ? static_cast<double>(f.dim[a + 1]) : 1.0;
    out(a, a) = zoom;
    out(a, 3) = -((size - 1.0) / 2.0) * zoom;
  }
  return out;
}

}  // namespace

NiftiFields read_nifti_fields(const fs::path& path) {
  const std::vector<char> bytes = read_prefix(path, sizeof(nifti_2_header));
  if (bytes.size() < 4) {
    throw FormatError(
        path, detail::concat("holds ", bytes.size(), " bytes, too short for a NIfTI header"));
  }
  std::int32_t sizeof_hdr = 0;
  std::memcpy(&sizeof_hdr, bytes.data(), 4);
  int version = 0;
  bool other_order = false;
  for (const bool swapped : {false, true}) {
    const std::int32_t size = swapped ? swap32(sizeof_hdr) : sizeof_hdr;
    if (size == 348 || size == 540) {
      version = size == 348 ? 1 : 2;
      other_order = swapped;
    }
  }
  if (version == 0) {
    throw FormatError(path, detail::concat("not a NIfTI file: sizeof_hdr is ", sizeof_hdr,
                                           ", expected 348 (NIfTI-1) or 540 (NIfTI-2)"));
  }
  const std::size_t needed = version == 1 ? sizeof(nifti_1_header) : sizeof(nifti_2_header);
  if (bytes.size() < needed) {
    throw FormatError(path, detail::concat("truncated header: NIfTI-", version, " needs ", needed,
                                           " bytes, the file holds ", bytes.size()));
  }
  const char* magic = version == 1 ? bytes.data() + 344 : bytes.data() + 4;
  const bool good_magic = magic[0] == 'n' && (magic[1] == '+' || magic[1] == 'i') &&
                          magic[2] == '0' + version && magic[3] == '\0';
  if (!good_magic) {
    throw FormatError(
        path, detail::concat("no NIfTI-", version, " magic (\"n+", version, "\" or \"ni",
                             version, "\"): an ANALYZE 7.5 header or a damaged file"));
  }
  NiftiFields f;
  if (version == 1) {
    nifti_1_header n1{};
    std::memcpy(&n1, bytes.data(), sizeof n1);
    if (other_order) swap_nifti_header(&n1, 1);
    f = fields_of(n1, 1);
  } else {
    nifti_2_header n2{};
    std::memcpy(&n2, bytes.data(), sizeof n2);
    if (other_order) swap_nifti_header(&n2, 2);
    f = fields_of(n2, 2);
  }
  f.swapped = other_order;
  return f;
}

NiftiStoredType nifti_stored_type(int datatype, const fs::path& path) {
  switch (datatype) {
    case DT_UINT8:
      return {at::kByte, 1, at::kByte, 0};
    case DT_INT8:
      return {at::kChar, 1, at::kChar, 0};
    case DT_INT16:
      return {at::kShort, 1, at::kShort, 0};
    case DT_UINT16:
      return {at::kShort, 1, at::kInt, 0xFFFF};
    case DT_INT32:
      return {at::kInt, 1, at::kInt, 0};
    case DT_UINT32:
      return {at::kInt, 1, at::kLong, 0xFFFFFFFFLL};
    case DT_INT64:
      return {at::kLong, 1, at::kLong, 0};
    case DT_FLOAT32:
      return {at::kFloat, 1, at::kFloat, 0};
    case DT_FLOAT64:
      return {at::kDouble, 1, at::kDouble, 0};
    case DT_RGB24:
      return {at::kByte, 3, at::kByte, 0};
    case DT_RGBA32:
      return {at::kByte, 4, at::kByte, 0};
    default:
      break;
  }
  if (nifti_is_valid_datatype(datatype)) {
    throw Unsupported(detail::concat(path.string(), ": NIfTI datatype ",
                                     nifti_datatype_string(datatype), " (", datatype,
                                     ") is not supported; medimg reads uint8, int8, int16, "
                                     "uint16, int32, uint32, int64, float32, float64, RGB24 "
                                     "and RGBA32"));
  }
  throw FormatError(path, detail::concat("invalid NIfTI datatype code ", datatype));
}

std::int64_t nifti_voxel_count(const NiftiFields& f, const fs::path& path) {
  const std::int64_t ndim = f.dim[0];
  if (ndim < 1 || ndim > 7) {
    throw FormatError(path, detail::concat("dim[0] must be 1 to 7, the header has ", ndim));
  }
  std::int64_t count = 1;
  for (std::int64_t d = 1; d <= ndim; ++d) {
    if (f.dim[d] < 1) {
      throw FormatError(
          path, detail::concat("dim[", d, "] must be at least 1, the header has ", f.dim[d]));
    }
    if (__builtin_mul_overflow(count, f.dim[d], &count) || count > (std::int64_t{1} << 56)) {
      throw FormatError(path, "the header's dimensions describe more voxels than any file holds");
    }
  }
  return count;
}

Eigen::Matrix4d nifti_best_affine(const NiftiFields& f) {
  if (f.sform_code != 0) {
    Eigen::Matrix4d out = Eigen::Matrix4d::Identity();
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 4; ++c) out(r, c) = f.srow[r][c];
    }
    return out;
  }
  if (f.qform_code != 0) return qform_affine(f);
  return base_affine(f);
}

Metadata nifti_metadata(const NiftiFields& f) {
  Metadata meta;
  meta["nifti_version"] = std::int64_t{f.version};
  meta["datatype"] = std::string(nifti_datatype_string(f.datatype));
  meta["dim"] = std::vector<double>(f.dim.begin(), f.dim.end());
  meta["pixdim"] = std::vector<double>(f.pixdim.begin(), f.pixdim.end());
  meta["descrip"] = f.descrip;
  if (!f.aux_file.empty()) meta["aux_file"] = f.aux_file;
  meta["qform_code"] = std::int64_t{f.qform_code};
  meta["sform_code"] = std::int64_t{f.sform_code};
  meta["xyz_units"] = std::string(nifti_units_string(XYZT_TO_SPACE(f.xyzt_units)));
  meta["time_units"] = std::string(nifti_units_string(XYZT_TO_TIME(f.xyzt_units)));
  if (f.dim[0] >= 4) meta["repetition_time"] = f.pixdim[4];
  meta["intent_code"] = std::int64_t{f.intent_code};
  if (f.intent_code != 0) {
    meta["intent_p1"] = f.intent_p1;
    meta["intent_p2"] = f.intent_p2;
    meta["intent_p3"] = f.intent_p3;
  }
  if (!f.intent_name.empty()) meta["intent_name"] = f.intent_name;
  if (f.toffset != 0) meta["toffset"] = f.toffset;
  if (f.cal_min != 0 || f.cal_max != 0) {
    meta["cal_min"] = f.cal_min;
    meta["cal_max"] = f.cal_max;
  }
  if (f.dim_info != 0) {
    meta["freq_dim"] = std::int64_t{DIM_INFO_TO_FREQ_DIM(f.dim_info)};
    meta["phase_dim"] = std::int64_t{DIM_INFO_TO_PHASE_DIM(f.dim_info)};
    meta["slice_dim"] = std::int64_t{DIM_INFO_TO_SLICE_DIM(f.dim_info)};
  }
  if (f.slice_code != 0 || f.slice_duration != 0) {
    meta["slice_code"] = std::int64_t{f.slice_code};
    meta["slice_start"] = f.slice_start;
    meta["slice_end"] = f.slice_end;
    meta["slice_duration"] = f.slice_duration;
  }
  return meta;
}

// ---------------------------------------------------------------------------------------------
// Writing

namespace {

template <typename T>
const T* meta_get(const Metadata& meta, const char* key) {
  const auto it = meta.find(key);
  return it == meta.end() ? nullptr : std::get_if<T>(&it->second);
}

double meta_real(const Metadata& meta, const char* key, double fallback) {
  if (const auto* v = meta_get<double>(meta, key)) return *v;
  if (const auto* v = meta_get<std::int64_t>(meta, key)) return static_cast<double>(*v);
  return fallback;
}

// A positive code that fits the header's int16 field, else `fallback`.
int meta_code(const Metadata& meta, const char* key, int fallback) {
  const auto* v = meta_get<std::int64_t>(meta, key);
  return v != nullptr && *v > 0 && *v <= 32767 ? static_cast<int>(*v) : fallback;
}

int time_unit_code(const Metadata& meta) {
  const auto* name = meta_get<std::string>(meta, "time_units");
  if (name == nullptr) return NIFTI_UNITS_SEC;
  for (const int code : {NIFTI_UNITS_SEC, NIFTI_UNITS_MSEC, NIFTI_UNITS_USEC, NIFTI_UNITS_HZ,
                         NIFTI_UNITS_PPM, NIFTI_UNITS_RADS}) {
    if (*name == nifti_units_string(code)) return code;
  }
  return NIFTI_UNITS_SEC;
}

void copy_text(char* out, std::size_t size, const std::string& text) {
  std::memset(out, 0, size);
  std::memcpy(out, text.data(), std::min(text.size(), size - 1));
}

struct NimDeleter {
  void operator()(nifti_image* nim) const {
    nim->data = nullptr;  // the voxels belong to a tensor
    nifti_image_free(nim);
  }
};

}  // namespace

std::vector<char> make_nifti_header(const Image& image, int datatype, int version, bool pair) {
  const at::Tensor& t = image.tensor();
  const bool planar = image.spatial_dims() == 2;
  const std::int64_t c = t.size(0);
  const std::int64_t nz = planar ? 1 : t.size(1), ny = t.size(-2), nx = t.size(-1);
  int64_t dims[8] = {c > 1 ? 4 : (planar ? 2 : 3), nx, ny, nz, c, 1, 1, 1};
  std::unique_ptr<nifti_image, NimDeleter> nim(nifti_make_new_nim(dims, datatype, 0));
  if (!nim) throw Error("nifticlib could not create a NIfTI header");
  const Metadata& meta = image.meta();

  // Affine in NIfTI's RAS (i, j, k): for a 2D image, k is the plane normal.
  Eigen::Matrix4d lps = image.geometry().affine();
  if (planar) {
    Eigen::Matrix4d kji = lps;
    kji.col(0) = lps.col(2);
    kji.col(1) = lps.col(0);
    kji.col(2) = lps.col(1);
    lps = kji;
  }
  const Eigen::Matrix4d ras = detail::lps_array_to_nifti_ras(lps);
  nifti_dmat44 m{};
  for (int r = 0; r < 4; ++r) {
    for (int k = 0; k < 4; ++k) m.m[r][k] = ras(r, k);
  }
  nim->sto_xyz = m;
  nim->sform_code = meta_code(meta, "sform_code", NIFTI_XFORM_SCANNER_ANAT);
  nim->qform_code = meta_code(meta, "qform_code", NIFTI_XFORM_SCANNER_ANAT);
  double dx = 0, dy = 0, dz = 0;
  nifti_dmat44_to_quatern(m, &nim->quatern_b, &nim->quatern_c, &nim->quatern_d, &nim->qoffset_x,
                          &nim->qoffset_y, &nim->qoffset_z, &dx, &dy, &dz, &nim->qfac);
  nim->dx = nim->pixdim[1] = dx;
  nim->dy = nim->pixdim[2] = dy;
  nim->dz = nim->pixdim[3] = dz;
  nim->xyz_units = NIFTI_UNITS_MM;
  if (c > 1) {
    nim->dt = nim->pixdim[4] = meta_real(meta, "repetition_time", 1.0);
    nim->time_units = time_unit_code(meta);
    nim->toffset = meta_real(meta, "toffset", 0.0);
  }
  nim->scl_slope = 1.0;
  nim->scl_inter = 0.0;
  nim->intent_code = meta_code(meta, "intent_code", 0);
  nim->intent_p1 = meta_real(meta, "intent_p1", 0.0);
  nim->intent_p2 = meta_real(meta, "intent_p2", 0.0);
  nim->intent_p3 = meta_real(meta, "intent_p3", 0.0);
  if (const auto* s = meta_get<std::string>(meta, "intent_name")) {
    copy_text(nim->intent_name, sizeof nim->intent_name, *s);
  }
  const auto* descrip = meta_get<std::string>(meta, "descrip");
  copy_text(nim->descrip, sizeof nim->descrip, descrip != nullptr ? *descrip : "medimg");
  if (pair) {  // magic "ni1"/"ni2", the voxels from byte 0 of the .img
    nim->nifti_type = version == 1 ? NIFTI_FTYPE_NIFTI1_2 : NIFTI_FTYPE_NIFTI2_2;
    nim->iname_offset = 0;
  } else {
    nim->nifti_type = version == 1 ? NIFTI_FTYPE_NIFTI1_1 : NIFTI_FTYPE_NIFTI2_1;
    nim->iname_offset = version == 1 ? 352 : 544;
  }

  std::vector<char> bytes;
  if (version == 1) {
    nifti_1_header h{};
    if (nifti_convert_nim2n1hdr(nim.get(), &h) != 0) {
      throw Error("nifticlib could not build a NIfTI-1 header");
    }
    bytes.assign(reinterpret_cast<const char*>(&h), reinterpret_cast<const char*>(&h) + sizeof h);
  } else {
    nifti_2_header h{};
    if (nifti_convert_nim2n2hdr(nim.get(), &h) != 0) {
      throw Error("nifticlib could not build a NIfTI-2 header");
    }
    bytes.assign(reinterpret_cast<const char*>(&h), reinterpret_cast<const char*>(&h) + sizeof h);
  }
  // A single file flags "no extensions" before its voxels; nibabel's pair header has no flag.
  if (!pair) bytes.resize(bytes.size() + 4, '\0');
  return bytes;
}

int nifti_datatype_of(at::ScalarType dtype) {
  switch (dtype) {
    case at::kBool:
    case at::kByte:
      return DT_UINT8;
    case at::kChar:
      return DT_INT8;
    case at::kShort:
      return DT_INT16;
    case at::kInt:
      return DT_INT32;
    case at::kLong:
      return DT_INT64;
    case at::kFloat:
      return DT_FLOAT32;
    case at::kDouble:
      return DT_FLOAT64;
    default:
      throw Unsupported(
          detail::concat("write_nifti writes bool, uint8, int8, int16, int32, "
                         "int64, float32 and float64 images, got ",
                         dtype));
  }
}

}  // namespace medimg::detail
