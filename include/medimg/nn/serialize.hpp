#pragma once

/// Saving and loading network weights, in two formats:
///
/// - archives: torch::save / torch::load of the module (LibTorch's own format). save() and
///   load() below; Python's medimg.nn.save / medimg.nn.load call the same code.
/// - state-dict files: a pickled {name: tensor} dict, the format of Python's
///   torch.save(state_dict). save_state_dict() writes one that torch.load reads;
///   read_state_dict() reads those and torch.save(dict(model.state_dict()), path) files.
///
/// Names are those of state_dict(): parameters and buffers, dot-separated, as Python's
/// torch.nn.Module.state_dict() gives them for the same network.

#include <torch/nn/module.h>
#include <torch/ordered_dict.h>
#include <torch/serialize/output-archive.h>

#include <filesystem>
#include <string>
#include <vector>

#include "medimg/export.hpp"

namespace medimg::nn {

using StateDict = torch::OrderedDict<std::string, at::Tensor>;

/// Every parameter and buffer of `module` by its dotted name (the tensors themselves, not
/// copies), parameters of each module before its buffers, as torch.nn.Module.state_dict().
MEDIMG_API StateDict state_dict(const torch::nn::Module& module);

/// What load_state_dict() did not match.
struct MEDIMG_API LoadReport {
  std::vector<std::string> missing;     ///< in the module, not in the state dict
  std::vector<std::string> unexpected;  ///< in the state dict, not in the module
};

/// Copies the tensors of `state` into the module's parameters and buffers of the same names
/// (values only: devices and dtypes of the module are kept).
/// @throws ShapeError when a tensor's shape differs from its parameter's; ArgumentError
///         when strict and a name is missing or unexpected (nothing is copied then).
MEDIMG_API LoadReport load_state_dict(torch::nn::Module& module, const StateDict& state,
                                      bool strict = true);

/// torch::save of the module to `path`, written atomically.
/// @throws IoError when the file cannot be written.
MEDIMG_API void save(const torch::nn::Module& module, const std::filesystem::path& path);

/// Writes `archive` to `path` atomically (core/atomic_file.hpp), through a stream so that
/// its records sit under LibTorch's fixed name "archive/": the bytes depend on the content
/// only, not on the temporary file's name. save() and Trainer::save_checkpoint() use it.
/// @throws IoError when the file cannot be written.
MEDIMG_API void save_archive(torch::serialize::OutputArchive& archive,
                             const std::filesystem::path& path);

/// torch::load of an archive written by save() (or torch::save) into `module`, which must
/// have the same structure.
/// @throws IoError for a missing file; FormatError for a file that is not an archive or
///         lacks one of the module's tensors; ShapeError for a tensor of another shape.
MEDIMG_API void load(torch::nn::Module& module, const std::filesystem::path& path);

/// Writes state_dict(module), on the CPU, as a pickle that Python's torch.load reads into a
/// dict: model.load_state_dict(torch.load(path)).
/// @throws IoError when the file cannot be written.
MEDIMG_API void save_state_dict(const torch::nn::Module& module,
                                const std::filesystem::path& path);

/// Reads a {name: tensor} dict pickled by save_state_dict() or by Python's
/// torch.save(dict(state_dict), path) (the zip format of torch ≥ 1.6, or the legacy one).
/// A state_dict saved as it is (a collections.OrderedDict) cannot be read by LibTorch's
/// unpickler: convert it with dict() first.
/// @throws IoError for a missing file; FormatError for anything else.
MEDIMG_API StateDict read_state_dict(const std::filesystem::path& path);

}  // namespace medimg::nn
