#include "medimg/io/nifti.hpp"

#include <ATen/ops/empty.h>
#include <nifti2_io.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "detail/nifti_affine.hpp"
#include "medimg/core/atomic_file.hpp"
#include "medimg/core/detail/huge_pages.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg {
namespace {

namespace fs = std::filesystem;

static_assert(sizeof(nifti_1_header) == 348, "nifticlib's NIfTI-1 header must be packed");
static_assert(sizeof(nifti_2_header) == 540, "nifticlib's NIfTI-2 header must be packed");

// Deflate cannot expand more than 1032:1, so a gzip file of n bytes holds at most
// 1032 n + a few bytes: a header claiming more is corrupt, found before allocating.
constexpr std::int64_t kMaxDeflateRatio = 1032;
// gzread takes an unsigned length: read in chunks well below 4 GiB.
constexpr std::int64_t kChunk = std::int64_t{1} << 30;

// ---------------------------------------------------------------------------------------------
// Reading

bool is_gzip(const fs::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return false;
  unsigned char magic[2] = {0, 0};
  const bool gz = std::fread(magic, 1, 2, file) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  std::fclose(file);
  return gz;
}

void check_readable_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw IoError(path, "no such file");
  if (!fs::is_regular_file(path, ec)) throw IoError(path, "not a regular file");
}

struct GzCloser {
  void operator()(gzFile_s* file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

GzFile open_gz(const fs::path& path, const char* mode) {
  GzFile file(gzopen(path.c_str(), mode));
  if (!file) throw IoError(path, std::string("cannot open: ") + std::strerror(errno));
  return file;
}

// Up to `size` bytes from the start of `path`, gunzipped when it is gzipped (zlib reads plain
// files as they are).
std::vector<char> read_prefix(const fs::path& path, std::size_t size) {
  GzFile file = open_gz(path, "rb");
  std::vector<char> bytes(size);
  const int got = gzread(file.get(), bytes.data(), static_cast<unsigned>(size));
  if (got < 0) throw FormatError(path, "cannot decompress the header (corrupt gzip stream)");
  bytes.resize(static_cast<std::size_t>(got));
  return bytes;
}

std::int32_t swap32(std::int32_t v) {
  const auto u = static_cast<std::uint32_t>(v);
  return static_cast<std::int32_t>((u >> 24) | ((u >> 8) & 0xff00u) | ((u << 8) & 0xff0000u) |
                                   (u << 24));
}

// A NIfTI-1 or NIfTI-2 header in native byte order, with what was learnt reading it.
struct Header {
  int version = 0;  // 1 or 2
  bool swapped = false;
  nifti_1_header n1{};
  nifti_2_header n2{};
};

Header read_header(const fs::path& path) {
  const std::vector<char> bytes = read_prefix(path, sizeof(nifti_2_header));
  if (bytes.size() < 4) {
    throw FormatError(
        path, detail::concat("holds ", bytes.size(), " bytes, too short for a NIfTI header"));
  }
  std::int32_t sizeof_hdr = 0;
  std::memcpy(&sizeof_hdr, bytes.data(), 4);
  Header h;
  for (const bool swapped : {false, true}) {
    const std::int32_t size = swapped ? swap32(sizeof_hdr) : sizeof_hdr;
    if (size == 348 || size == 540) {
      h.version = size == 348 ? 1 : 2;
      h.swapped = swapped;
    }
  }
  if (h.version == 0) {
    throw FormatError(path, detail::concat("not a NIfTI file: sizeof_hdr is ", sizeof_hdr,
                                           ", expected 348 (NIfTI-1) or 540 (NIfTI-2)"));
  }
  const std::size_t needed = h.version == 1 ? sizeof(nifti_1_header) : sizeof(nifti_2_header);
  if (bytes.size() < needed) {
    throw FormatError(path, detail::concat("truncated header: NIfTI-", h.version, " needs ", needed,
                                           " bytes, the file holds ", bytes.size()));
  }
  const char* magic = h.version == 1 ? bytes.data() + 344 : bytes.data() + 4;
  const bool good_magic = magic[0] == 'n' && (magic[1] == '+' || magic[1] == 'i') &&
                          magic[2] == '0' + h.version && magic[3] == '\0';
  if (!good_magic) {
    throw FormatError(
        path, detail::concat("no NIfTI-", h.version, " magic (\"n+", h.version, "\" or \"ni",
                             h.version, "\"): an ANALYZE 7.5 header or a damaged file"));
  }
  if (h.version == 1) {
    std::memcpy(&h.n1, bytes.data(), sizeof h.n1);
    if (h.swapped) swap_nifti_header(&h.n1, 1);
  } else {
    std::memcpy(&h.n2, bytes.data(), sizeof h.n2);
    if (h.swapped) swap_nifti_header(&h.n2, 2);
  }
  return h;
}

// The fields medimg uses, in one shape for both header versions.
struct Fields {
  int version = 1;
  bool single_file = true;
  std::array<std::int64_t, 8> dim{};
  std::array<double, 8> pixdim{};
  int datatype = 0;
  std::int64_t vox_offset = 0;
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

std::string fixed_string(const char* chars, std::size_t size) {
  return std::string(chars, std::find(chars, chars + size, '\0'));
}

template <typename H>
Fields fields_of(const H& h, int version) {
  Fields f;
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

// How a NIfTI datatype becomes a tensor: the dtype read, the bytes of one element, the
// elements per voxel (3 or 4 for RGB(A)) and the dtype it is widened to (unsigned types).
struct StoredType {
  at::ScalarType read;
  int channels_per_voxel;
  at::ScalarType widened;
  std::int64_t mask;  // keeps the unsigned bits after widening; 0 = none
};

StoredType stored_type(int datatype, const fs::path& path) {
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

// Product of the used dims, checked for overflow and for sizes nothing can hold.
std::int64_t voxel_count(const Fields& f, const fs::path& path) {
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

fs::path with_suffix(const fs::path& path, const std::string& from, const std::string& to) {
  const std::string name = path.filename().string();
  return path.parent_path() / (name.substr(0, name.size() - from.size()) + to);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The header and image files of `path`: the same file for .nii(.gz); the .hdr and .img of
// a pair, whichever of them was named, each gzipped or not.
std::pair<fs::path, fs::path> pair_files(const fs::path& path) {
  const std::string name = path.filename().string();
  for (const auto& [mine, other] :
       {std::pair<std::string, std::string>{".hdr", ".img"}, {".img", ".hdr"}}) {
    for (const std::string gz : {"", ".gz"}) {
      if (!ends_with(name, mine + gz)) continue;
      fs::path partner = with_suffix(path, mine + gz, other + gz);
      std::error_code ec;
      if (!fs::exists(partner, ec)) {
        const fs::path alternative =
            with_suffix(path, mine + gz, other + (gz.empty() ? ".gz" : ""));
        if (fs::exists(alternative, ec)) partner = alternative;
      }
      return mine == ".hdr" ? std::pair{path, partner} : std::pair{partner, path};
    }
  }
  return {path, path};
}

// Reads `nbytes` voxel bytes at `offset` of `file` into `out`.
void read_voxels(const fs::path& file, bool gz, std::int64_t offset, std::int64_t nbytes,
                 void* out) {
  auto* dst = static_cast<char*>(out);
  if (!gz) {
    std::FILE* f = std::fopen(file.c_str(), "rb");
    if (f == nullptr) throw IoError(file, std::string("cannot open: ") + std::strerror(errno));
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> guard(f, &std::fclose);
    if (::fseeko(f, static_cast<off_t>(offset), SEEK_SET) != 0) {
      throw FormatError(file, detail::concat("cannot seek to the voxels at byte ", offset));
    }
    const std::size_t got = std::fread(dst, 1, static_cast<std::size_t>(nbytes), f);
    if (static_cast<std::int64_t>(got) != nbytes) {
      throw FormatError(file, detail::concat("truncated: the header describes ", nbytes,
                                             " voxel bytes, the file holds ", got));
    }
    return;
  }
  GzFile f = open_gz(file, "rb");
  gzbuffer(f.get(), 1 << 18);
  if (gzseek(f.get(), static_cast<z_off_t>(offset), SEEK_SET) != static_cast<z_off_t>(offset)) {
    throw FormatError(
        file, detail::concat("truncated: the file ends before the voxels at byte ", offset));
  }
  std::int64_t done = 0;
  while (done < nbytes) {
    const auto want = static_cast<unsigned>(std::min(kChunk, nbytes - done));
    const int got = gzread(f.get(), dst + done, want);
    if (got < 0) {
      int code = 0;
      throw FormatError(file, std::string("corrupt gzip stream: ") + gzerror(f.get(), &code));
    }
    if (got == 0) break;
    done += got;
  }
  if (done != nbytes) {
    throw FormatError(file, detail::concat("truncated: the header describes ", nbytes,
                                           " voxel bytes, the file holds ", done));
  }
}

// nibabel's qform (Nifti1Header.get_qform): the quaternion completed in extended precision,
// its rotation matrix times diag(pixdim[1], pixdim[2], qfac * pixdim[3]), then qoffset.
Eigen::Matrix4d qform_affine(const Fields& f) {
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
Eigen::Matrix4d base_affine(const Fields& f) {
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

// The affine nibabel's img.affine gives (Nifti1Header.get_best_affine).
Eigen::Matrix4d best_affine(const Fields& f) {
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

Metadata metadata_of(const Fields& f) {
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
  const auto [header_file, image_file] = pair_files(path);
  check_readable_file(header_file);
  const Header header = read_header(header_file);
  const Fields f = header.version == 1 ? fields_of(header.n1, 1) : fields_of(header.n2, 2);
  const std::int64_t nvox = voxel_count(f, header_file);
  const StoredType type = stored_type(f.datatype, header_file);

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
  const bool gz = is_gzip(data_file);
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
  read_voxels(data_file, gz, offset, nbytes, voxels.data_ptr());
  if (header.swapped && swapsize > 1) {
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

  Metadata meta = metadata_of(f);
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
    geometry = Geometry::from_affine(detail::nifti_ras_to_lps_array(best_affine(f)), 3);
  } catch (const ArgumentError& e) {
    throw FormatError(header_file, std::string("the header's affine is unusable: ") + e.what());
  }
  return Image(std::move(voxels), std::move(geometry), std::move(meta));
}

// ---------------------------------------------------------------------------------------------
// Writing

namespace {

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

// The header bytes (header + the 4-byte extension flag) describing `image`.
std::vector<char> make_header(const Image& image, int datatype, int version) {
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
  nim->nifti_type = version == 1 ? NIFTI_FTYPE_NIFTI1_1 : NIFTI_FTYPE_NIFTI2_1;
  nim->iname_offset = version == 1 ? 352 : 544;

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
  bytes.resize(bytes.size() + 4, '\0');  // no extensions
  return bytes;
}

// `size` bytes at `data` as one gzip member (RFC 1952) at `level`.
std::string gzip_member(const char* data, std::int64_t size, int level) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw Error("zlib cannot start a gzip stream");
  }
  std::string out(deflateBound(&z, static_cast<uLong>(size)), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
  z.avail_in = static_cast<uInt>(size);
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (status != Z_STREAM_END) throw Error("zlib could not compress a block");
  return out;
}

// Writes header + voxels to `file`, gzipped when `gz`. The gzip file is a series of
// independent members of kMemberBytes each, compressed in parallel; their concatenation is
// one valid gzip file (RFC 1952, section 2.2) that zlib, nifticlib, ITK and Python's gzip
// (nibabel) read as a single stream, as they read bgzip's and pigz --independent's output.
void write_file(const fs::path& file, const fs::path& reported, bool gz, int level,
                const std::vector<char>& header, const at::Tensor& voxels) {
  constexpr std::int64_t kMemberBytes = std::int64_t{4} << 20;
  const auto* data = static_cast<const char*>(voxels.data_ptr());
  const auto nbytes = static_cast<std::int64_t>(voxels.numel() * voxels.element_size());
  std::vector<std::string> members;
  if (gz) {
    members.resize(static_cast<std::size_t>((nbytes + kMemberBytes - 1) / kMemberBytes) + 1);
    members[0] = gzip_member(header.data(), static_cast<std::int64_t>(header.size()), level);
    parallel_for(1, static_cast<std::int64_t>(members.size()), 1,
                 [&](std::int64_t begin, std::int64_t end) {
                   for (std::int64_t m = begin; m < end; ++m) {
                     const std::int64_t start = (m - 1) * kMemberBytes;
                     members[static_cast<std::size_t>(m)] =
                         gzip_member(data + start, std::min(kMemberBytes, nbytes - start), level);
                   }
                 });
  }
  std::FILE* f = std::fopen(file.c_str(), "wb");
  if (f == nullptr) throw IoError(reported, std::string("cannot create: ") + std::strerror(errno));
  bool ok = true;
  if (gz) {
    for (const std::string& member : members) {
      ok = ok && std::fwrite(member.data(), 1, member.size(), f) == member.size();
    }
  } else {
    ok = std::fwrite(header.data(), 1, header.size(), f) == header.size() &&
         std::fwrite(data, 1, static_cast<std::size_t>(nbytes), f) ==
             static_cast<std::size_t>(nbytes);
  }
  const int saved_errno = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) throw IoError(reported, std::string("cannot write: ") + std::strerror(saved_errno));
}

}  // namespace

void write_nifti(const fs::path& path, const Image& image, const NiftiWriteOptions& options) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "write_nifti needs a defined image");
  const std::string name = path.filename().string();
  const bool gz = ends_with(name, ".nii.gz");
  MEDIMG_CHECK(gz || ends_with(name, ".nii"), ArgumentError,
               "write_nifti writes .nii or .nii.gz files, got '", path.string(), "'");
  MEDIMG_CHECK(options.version() >= 0 && options.version() <= 2, ArgumentError,
               "NIfTI version must be 0 (automatic), 1 or 2, got ", options.version());
  MEDIMG_CHECK(options.compression_level() >= 1 && options.compression_level() <= 9, ArgumentError,
               "compression_level must be 1 to 9, got ", options.compression_level());
  const int datatype = nifti_datatype_of(image.dtype());
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
  const std::vector<char> header = make_header(image, datatype, version);
  write_atomically(path, [&](const fs::path& temporary) {
    write_file(temporary, path, gz, options.compression_level(), header, voxels);
  });
}

}  // namespace medimg
