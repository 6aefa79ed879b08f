#include "medimg/io/npz.hpp"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <cstdint>

#include "detail/npy_format.hpp"
#include "detail/zip_archive.hpp"
#include "medimg/core/detail/huge_pages.hpp"
#include "medimg/core/error.hpp"

namespace medimg {

namespace fs = std::filesystem;

struct NpzFile::Directory {
  fs::path path;
  std::vector<detail::ZipMember> members;
  std::vector<std::string> names;

  // The member `name` or `name`.npy; the last of equal names wins, as in Python's zipfile.
  const detail::ZipMember* find(const std::string& name) const {
    for (auto it = members.rbegin(); it != members.rend(); ++it) {
      if (it->name == name || it->name == name + ".npy") return &*it;
    }
    return nullptr;
  }
};

namespace {

constexpr std::size_t kMaxHeaderSize = std::size_t{1} << 20;

std::string without_npy(const std::string& name) {
  const std::string suffix = ".npy";
  return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(),
                                                     suffix) == 0
             ? name.substr(0, name.size() - suffix.size())
             : name;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "(none)" : out;
}

at::Tensor read_member(const fs::path& path, const detail::ZipMember& member) {
  const std::string what = "member '" + member.name + "'";
  detail::ZipMemberReader reader(path, member);
  unsigned char preamble[detail::kNpyPreambleSize + 4] = {};
  if (reader.remaining() < detail::kNpyPreambleSize) {
    throw FormatError(path, what + ": too short for an .npy array (" +
                                std::to_string(reader.remaining()) + " bytes)");
  }
  reader.read(preamble, detail::kNpyPreambleSize);
  const int length_size = detail::npy_length_size(preamble, path, what);
  if (reader.remaining() < static_cast<std::uint64_t>(length_size)) {
    throw FormatError(path, what + ": the .npy header length is missing");
  }
  reader.read(preamble + detail::kNpyPreambleSize, static_cast<std::uint64_t>(length_size));
  std::uint64_t header_size = 0;
  for (int k = length_size - 1; k >= 0; --k) {
    header_size = header_size << 8 | preamble[detail::kNpyPreambleSize + k];
  }
  if (header_size > reader.remaining() || header_size > kMaxHeaderSize) {
    throw FormatError(path, detail::concat(what, ": the .npy header claims ", header_size,
                                           " bytes, the member holds ", reader.remaining(),
                                           " more (at most ", kMaxHeaderSize, " are accepted)"));
  }
  std::string text(static_cast<std::size_t>(header_size), '\0');
  reader.read(text.data(), header_size);
  const detail::NpyHeader header = detail::parse_npy_header(text, path, what);
  // Checked before allocating: a corrupt header cannot ask for more memory than the member
  // (whose size is bounded by the file size) holds.
  if (header.data_size > reader.remaining()) {
    std::string shape;
    for (const auto d : header.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    throw FormatError(path, detail::concat(what, ": the .npy header claims shape (", shape,
                                           ") of '", detail::escaped(header.descr), "', ",
                                           header.data_size,
                                           " bytes, but the member holds ", reader.remaining(),
                                           " bytes of data"));
  }
  at::Tensor raw = at::empty(detail::npy_storage_shape(header), at::TensorOptions(header.stored));
  detail::advise_huge_pages(raw.data_ptr(), header.data_size);
  reader.read(raw.data_ptr(), header.data_size);
  reader.finish();  // numpy ignores bytes after the data too; the CRC still covers them
  return detail::finish_npy_array(std::move(raw), header);
}

}  // namespace

NpzFile::NpzFile(fs::path path) {
  auto directory = std::make_shared<Directory>();
  directory->members = detail::read_zip_directory(path);
  for (const auto& member : directory->members) {
    directory->names.push_back(without_npy(member.name));
  }
  directory->path = std::move(path);
  directory_ = std::move(directory);
}

const fs::path& NpzFile::path() const noexcept { return directory_->path; }

const std::vector<std::string>& NpzFile::names() const noexcept { return directory_->names; }

bool NpzFile::contains(const std::string& name) const { return directory_->find(name) != nullptr; }

at::Tensor NpzFile::read(const std::string& name) const {
  const detail::ZipMember* member = directory_->find(name);
  MEDIMG_CHECK(member != nullptr, ArgumentError, directory_->path.string(), ": no array '", name,
               "' in the archive; it holds ", joined(directory_->names));
  return read_member(directory_->path, *member);
}

std::vector<std::string> list_npz(const fs::path& path) { return NpzFile(path).names(); }

std::vector<std::pair<std::string, at::Tensor>> read_npz(const fs::path& path) {
  const NpzFile file(path);
  std::vector<std::pair<std::string, at::Tensor>> arrays;
  for (const auto& name : file.names()) arrays.emplace_back(name, file.read(name));
  return arrays;
}

MedMnistSplit read_medmnist(const fs::path& path, const std::string& split) {
  MEDIMG_CHECK(split == "train" || split == "val" || split == "test", ArgumentError,
               "a MedMNIST split is 'train', 'val' or 'test', got '", split, "'");
  const NpzFile file(path);
  const std::string image_key = split + "_images", label_key = split + "_labels";
  if (!file.contains(image_key) || !file.contains(label_key)) {
    throw FormatError(path, "not a MedMNIST file with a '" + split + "' split: expected keys " +
                                image_key + " and " + label_key + ", found " +
                                joined(file.names()));
  }
  at::Tensor images = file.read(image_key);
  at::Tensor labels = file.read(label_key);
  if (images.dim() == 3) {
    images = images.unsqueeze(1);
  } else if (images.dim() == 4 && images.size(3) == 3) {
    images = images.permute({0, 3, 1, 2}).contiguous();
  } else if (images.dim() == 4) {
    images = images.unsqueeze(1);
  } else {
    throw FormatError(path, detail::concat(image_key, " should be (N, H, W), (N, H, W, 3) or ",
                                           "(N, D, H, W), got shape ", images.sizes()));
  }
  if (labels.dim() == 1) labels = labels.unsqueeze(1);
  if (labels.dim() != 2 || labels.size(0) != images.size(0)) {
    throw FormatError(path, detail::concat(label_key, " should be (N,) or (N, L) with N = ",
                                           images.size(0), " as in ", image_key, ", got shape ",
                                           labels.sizes()));
  }
  if (labels.is_floating_point() || labels.is_complex()) {
    throw FormatError(path, detail::concat(label_key, " should hold integer labels, got dtype ",
                                           labels.scalar_type()));
  }
  return {images, labels.to(at::kLong)};
}

}  // namespace medimg
