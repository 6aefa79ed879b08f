#include "sample_cache_file.hpp"

#include <ATen/ops/empty.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <system_error>

#include "medimg/core/atomic_file.hpp"
#include "medimg/core/error.hpp"

namespace medimg::train {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kMagic = "medimg-sample-cache 1";

std::string stamp(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  const auto time = fs::last_write_time(path, ec);
  return std::to_string(ec ? 0 : size) + "@" +
         std::to_string(ec ? 0 : static_cast<long long>(time.time_since_epoch().count()));
}

const std::array<at::ScalarType, 10> kDtypes{at::kBool, at::kByte,  at::kChar,     at::kShort,
                                             at::kInt,  at::kLong,  at::kHalf,     at::kBFloat16,
                                             at::kFloat, at::kDouble};

json describe_image(const Image& image) {
  const Geometry& g = image.geometry();
  json out;
  out["dtype"] = c10::toString(image.dtype());
  out["shape"] = image.tensor().sizes().vec();
  out["spacing"] = std::vector<double>(g.spacing().data(), g.spacing().data() + g.spacing().size());
  out["origin"] = std::vector<double>{g.origin()[0], g.origin()[1], g.origin()[2]};
  std::vector<double> direction;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) direction.push_back(g.direction()(r, c));
  }
  out["direction"] = direction;
  return out;
}

void write_voxels(std::ofstream& out, const Image& image) {
  const at::Tensor voxels = image.tensor().cpu().contiguous();
  out.write(static_cast<const char*>(voxels.data_ptr()),
            static_cast<std::streamsize>(voxels.numel() * voxels.element_size()));
}

/// The image a header entry describes, its voxels read from `in`; throws on any mismatch.
Image read_image_entry(const json& entry, std::ifstream& in) {
  const std::string name = entry.at("dtype").get<std::string>();
  const auto dtype = std::find_if(kDtypes.begin(), kDtypes.end(),
                                  [&](at::ScalarType t) { return c10::toString(t) == name; });
  if (dtype == kDtypes.end()) throw std::runtime_error("unknown dtype");
  const auto shape = entry.at("shape").get<std::vector<std::int64_t>>();
  at::Tensor voxels = at::empty(shape, at::TensorOptions(*dtype));
  const auto bytes = static_cast<std::streamsize>(voxels.numel() * voxels.element_size());
  in.read(static_cast<char*>(voxels.data_ptr()), bytes);
  if (in.gcount() != bytes) throw std::runtime_error("truncated");
  const auto spacing = entry.at("spacing").get<std::vector<double>>();
  const auto origin = entry.at("origin").get<std::vector<double>>();
  const auto direction = entry.at("direction").get<std::vector<double>>();
  if (origin.size() != 3 || direction.size() != 9) throw std::runtime_error("bad geometry");
  Eigen::Matrix3d matrix;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) matrix(r, c) = direction[r * 3 + c];
  }
  const Geometry geometry(Eigen::Map<const Eigen::VectorXd>(spacing.data(),
                                                            static_cast<Eigen::Index>(spacing.size())),
                          Eigen::Vector3d(origin[0], origin[1], origin[2]), matrix);
  return Image(voxels, geometry);
}

/// 64-bit FNV-1a from a given offset basis.
std::uint64_t fnv1a(const std::string& text, std::uint64_t hash) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace

std::string file_signature(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return stamp(path);
  std::vector<std::string> entries;
  for (const auto& entry : fs::recursive_directory_iterator(path, ec)) {
    if (entry.is_regular_file(ec)) {
      entries.push_back(fs::relative(entry.path(), path, ec).string() + "=" + stamp(entry.path()));
    }
  }
  std::sort(entries.begin(), entries.end());
  std::string out;
  for (const std::string& e : entries) out += e + ";";
  return out;
}

std::string hash_text(const std::string& text) {
  char digits[33];
  std::snprintf(digits, sizeof digits, "%016llx%016llx",
                static_cast<unsigned long long>(fnv1a(text, 0xcbf29ce484222325ULL)),
                static_cast<unsigned long long>(fnv1a(text, 0x84222325cbf29ce4ULL)));
  return digits;
}

void write_sample_file(const fs::path& path, const Sample& sample) {
  json header;
  header["image"] = describe_image(sample.image);
  header["label"] = sample.label.defined() ? describe_image(sample.label) : json();
  write_atomically(path, [&](const fs::path& temporary) {
    std::ofstream out(temporary, std::ios::binary);
    MEDIMG_CHECK_FILE(out, IoError, path, "cannot write the cache entry");
    out << kMagic << '\n' << header.dump() << '\n';
    write_voxels(out, sample.image);
    if (sample.label.defined()) write_voxels(out, sample.label);
    out.flush();
    MEDIMG_CHECK_FILE(out, IoError, path, "cannot write the cache entry (disk full?)");
  });
}

std::optional<Sample> read_sample_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  try {
    std::string magic, line;
    if (!std::getline(in, magic) || magic != kMagic || !std::getline(in, line)) {
      return std::nullopt;
    }
    const json header = json::parse(line);
    Sample sample;
    sample.image = read_image_entry(header.at("image"), in);
    if (!header.at("label").is_null()) sample.label = read_image_entry(header.at("label"), in);
    if (in.peek() != std::char_traits<char>::eof()) return std::nullopt;  // trailing bytes
    return sample;
  } catch (const std::exception&) {
    return std::nullopt;  // damaged: a miss
  }
}

}  // namespace medimg::train
