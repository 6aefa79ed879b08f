// TorchScriptPredictor: the only translation unit that includes torch/jit.
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>

#include <optional>

#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"
#include "medimg/nn/autocast.hpp"
#include "medimg/train/predictor.hpp"

namespace medimg::train {

struct TorchScriptPredictor::Model {
  torch::jit::Module module;
};

TorchScriptPredictor::TorchScriptPredictor(const std::filesystem::path& path,
                                           PredictorOptions options)
    : model_(std::make_unique<Model>()), options_(options) {
  MEDIMG_CHECK(!options_.int8, ArgumentError,
               "int8 applies to medimg networks; quantise a TorchScript model in Python "
               "(torch.ao.quantization.quantize_dynamic) before scripting and saving it");
  MEDIMG_CHECK(options_.num_threads >= 0, ArgumentError,
               "num_threads must be >= 0 (0 keeps the current pool), got ", options_.num_threads);
  MEDIMG_CHECK_FILE(std::filesystem::is_regular_file(path), IoError, path, "does not exist");
  try {
    model_->module = torch::jit::load(path.string(), at::Device(at::kCPU));
  } catch (const c10::Error& e) {
    throw FormatError(path, ::medimg::detail::concat("is not a TorchScript model LibTorch can load: ",
                                                     e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw FormatError(path, ::medimg::detail::concat("is not a TorchScript model LibTorch can load: ",
                                                     e.what()));
  }
  model_->module.eval();
  if (options_.num_threads > 0) set_num_threads(options_.num_threads);
}

TorchScriptPredictor::~TorchScriptPredictor() = default;

at::Tensor TorchScriptPredictor::forward(const at::Tensor& batch) {
  c10::InferenceMode inference;
  std::optional<nn::CpuAutocast> autocast;
  if (options_.bf16) autocast.emplace(at::kBFloat16);
  const at::Tensor input = batch.is_floating_point() ? batch : batch.to(at::kFloat);
  c10::IValue result = model_->module.forward({input});
  // Deep-supervision models return (main, auxiliary...): the first is the prediction.
  if (result.isTuple() && !result.toTupleRef().elements().empty()) {
    result = result.toTupleRef().elements()[0];
  } else if (result.isList() && !result.toListRef().empty()) {
    result = result.toListRef()[0];
  }
  MEDIMG_CHECK(result.isTensor(), Unsupported, "the TorchScript model returned a ",
               result.tagKind(), "; a predictor needs a tensor (or a tuple or list starting "
               "with one)");
  at::Tensor output = result.toTensor();
  return options_.bf16 && output.scalar_type() == at::kBFloat16 ? output.to(at::kFloat) : output;
}

bool TorchScriptPredictor::is_torchscript_file(const std::filesystem::path& path) {
  try {
    caffe2::serialize::PyTorchStreamReader reader(path.string());
    return reader.hasRecord("constants.pkl") && reader.hasRecord("data.pkl");
  } catch (const std::exception&) {
    return false;  // not a zip archive at all
  }
}

}  // namespace medimg::train
