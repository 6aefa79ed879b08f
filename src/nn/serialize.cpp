#include "medimg/nn/serialize.hpp"

#include <c10/util/Exception.h>
#include <torch/serialize.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <fstream>
#include <iterator>

#include "medimg/core/atomic_file.hpp"
#include "medimg/core/error.hpp"

namespace medimg::nn {
namespace {

// Python's state_dict order: a module's parameters, then its buffers, then its children.
void collect_state(const torch::nn::Module& module, const std::string& prefix, StateDict& out) {
  for (const auto& p : module.named_parameters(/*recurse=*/false)) {
    out.insert(prefix + p.key(), p.value());
  }
  for (const auto& b : module.named_buffers(/*recurse=*/false)) {
    out.insert(prefix + b.key(), b.value());
  }
  for (const auto& child : module.named_children()) {
    collect_state(*child.value(), prefix + child.key() + ".", out);
  }
}

void copy_checked(at::Tensor& target, const at::Tensor& source, const std::string& name) {
  MEDIMG_CHECK(target.sizes() == source.sizes(), ShapeError, "tensor '", name, "' has shape ",
               source.sizes(), " where the module's has ", target.sizes());
  target.copy_(source);
}

// Module::load assigns with set_, which silently changes shapes; this checks them and keeps
// the module's device and dtype.
void load_archive(torch::nn::Module& module, torch::serialize::InputArchive& archive,
                  const std::string& prefix, const std::filesystem::path& path) {
  for (auto& p : module.named_parameters(/*recurse=*/false)) {
    at::Tensor stored;
    MEDIMG_CHECK_FILE(archive.try_read(p.key(), stored), FormatError, path,
                      "has no parameter '", prefix + p.key(), "'");
    copy_checked(p.value(), stored, prefix + p.key());
  }
  for (auto& b : module.named_buffers(/*recurse=*/false)) {
    at::Tensor stored;
    MEDIMG_CHECK_FILE(archive.try_read(b.key(), stored, /*is_buffer=*/true), FormatError, path,
                      "has no buffer '", prefix + b.key(), "'");
    copy_checked(b.value(), stored, prefix + b.key());
  }
  for (auto& child : module.named_children()) {
    torch::serialize::InputArchive nested;
    MEDIMG_CHECK_FILE(archive.try_read(child.key(), nested), FormatError, path,
                      "has no module '", prefix + child.key(), "'");
    load_archive(*child.value(), nested, prefix + child.key() + ".", path);
  }
}

std::vector<char> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  MEDIMG_CHECK_FILE(in.good(), IoError, path, "cannot be opened for reading");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

StateDict state_dict(const torch::nn::Module& module) {
  StateDict state;
  collect_state(module, "", state);
  return state;
}

LoadReport load_state_dict(torch::nn::Module& module, const StateDict& state, bool strict) {
  StateDict own = state_dict(module);
  LoadReport report;
  for (const auto& item : own) {
    if (!state.contains(item.key())) report.missing.push_back(item.key());
  }
  for (const auto& item : state) {
    if (!own.contains(item.key())) report.unexpected.push_back(item.key());
  }
  if (strict && !(report.missing.empty() && report.unexpected.empty())) {
    auto list = [](const std::vector<std::string>& names) {
      std::string text;
      for (std::size_t i = 0; i < names.size() && i < 5; ++i) {
        text += (i ? ", '" : "'") + names[i] + "'";
      }
      if (names.size() > 5) text += detail::concat(" and ", names.size() - 5, " more");
      return names.empty() ? std::string("none") : text;
    };
    throw ArgumentError(detail::concat("state dict does not match ", module.name(),
                                       ": missing ", list(report.missing), "; unexpected ",
                                       list(report.unexpected)));
  }
  // Check every shape before copying anything, so a mismatch leaves the module untouched.
  for (auto& item : own) {
    if (const at::Tensor* source = state.find(item.key())) {
      MEDIMG_CHECK(item.value().sizes() == source->sizes(), ShapeError, "tensor '", item.key(),
                   "' has shape ", source->sizes(), " where the module's has ",
                   item.value().sizes());
    }
  }
  torch::NoGradGuard no_grad;
  for (auto& item : own) {
    if (const at::Tensor* source = state.find(item.key())) item.value().copy_(*source);
  }
  return report;
}

void save_archive(torch::serialize::OutputArchive& archive, const std::filesystem::path& path) {
  write_atomically(path, [&](const std::filesystem::path& temporary) {
    // save_to(file name) would name the records after the temporary.
    std::ofstream out(temporary, std::ios::binary);
    archive.save_to(out);
    out.flush();
    MEDIMG_CHECK_FILE(out.good(), IoError, path, "could not be written");
  });
}

void save(const torch::nn::Module& module, const std::filesystem::path& path) {
  torch::serialize::OutputArchive archive;
  module.save(archive);
  save_archive(archive, path);
}

void load(torch::nn::Module& module, const std::filesystem::path& path) {
  MEDIMG_CHECK_FILE(std::filesystem::is_regular_file(path), IoError, path, "does not exist");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path.string());
  } catch (const c10::Error& e) {
    throw FormatError(path, detail::concat("is not a LibTorch archive (torch::save): ",
                                           e.what_without_backtrace()));
  }
  torch::NoGradGuard no_grad;
  load_archive(module, archive, "", path);
}

void save_state_dict(const torch::nn::Module& module, const std::filesystem::path& path) {
  c10::Dict<std::string, at::Tensor> dict;
  for (const auto& item : state_dict(module)) {
    dict.insert(item.key(), item.value().detach().cpu());
  }
  const std::vector<char> bytes = torch::pickle_save(dict);
  write_atomically(path, [&](const std::filesystem::path& temporary) {
    std::ofstream out(temporary, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    MEDIMG_CHECK_FILE(out.good(), IoError, temporary, "could not be written");
  });
}

StateDict read_state_dict(const std::filesystem::path& path) {
  MEDIMG_CHECK_FILE(std::filesystem::is_regular_file(path), IoError, path, "does not exist");
  const std::vector<char> bytes = read_bytes(path);
  c10::IValue value;
  try {
    value = torch::pickle_load(bytes);
    // LibTorch's unpickler turns a collections.OrderedDict into None and then fails on its
    // items; an OrderedDict that survives that is just as unusable.
    MEDIMG_CHECK_FILE(value.isGenericDict(), FormatError, path,
                      "does not hold a dict of tensors");
  } catch (const c10::Error&) {
    throw FormatError(path,
                      "is not a pickled dict of tensors that LibTorch can read; a Python "
                      "state_dict is a collections.OrderedDict, which it cannot: save "
                      "torch.save(dict(model.state_dict()), path) instead");
  }
  StateDict state;
  for (const auto& item : value.toGenericDict()) {
    MEDIMG_CHECK_FILE(item.key().isString() && item.value().isTensor(), FormatError, path,
                      "holds an entry that is not name: tensor");
    state.insert(item.key().toStringRef(), item.value().toTensor());
  }
  return state;
}

}  // namespace medimg::nn
