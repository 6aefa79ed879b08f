#include "medimg/train/predictor.hpp"

#include <c10/core/InferenceMode.h>
#include <torch/nn/module.h>

#include <optional>

#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"
#include "medimg/nn/autocast.hpp"

namespace medimg::train {
namespace {

void apply_threads(const PredictorOptions& options) {
  MEDIMG_CHECK(options.num_threads >= 0, ArgumentError,
               "num_threads must be >= 0 (0 keeps the current pool), got ", options.num_threads);
  if (options.num_threads > 0) set_num_threads(options.num_threads);
}

nn::Network prepared(nn::Network network, const PredictorOptions& options) {
  MEDIMG_CHECK(network.defined(), ArgumentError, "ModulePredictor: the network is empty");
  network.module()->eval();
  if (options.int8) nn::quantize_dynamic_int8(network);
  return network;
}

}  // namespace

Predictor::~Predictor() = default;

Image Predictor::predict(const Image& image, const PredictOptions& options) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "predict: the image is empty");
  SlidingWindowOptions window = options.sliding_window;
  if (window.roi_size.empty()) {
    // One window the size of the image: sliding_window_predict then only adds the padding,
    // flips and output conversion; weights of one are exact.
    window.roi_size.assign(static_cast<std::size_t>(image.spatial_dims()), -1);
    window.mode = BlendMode::Constant;
  }
  return sliding_window_predict(
      image, [this](const at::Tensor& windows) { return forward(windows); }, window,
      options.output);
}

ModulePredictor::ModulePredictor(nn::Network network, PredictorOptions options)
    : network_(prepared(std::move(network), options)), options_(options) {
  apply_threads(options_);
  const auto parameters = network_.module()->parameters();
  parameters_ = parameters.empty() ? at::TensorOptions().dtype(at::kFloat)
                                   : at::TensorOptions()
                                         .device(parameters.front().device())
                                         .dtype(parameters.front().scalar_type());
}

ModulePredictor::ModulePredictor(const std::filesystem::path& model_file,
                                 PredictorOptions options)
    : ModulePredictor(nn::load_model(model_file), options) {}

at::Tensor ModulePredictor::forward(const at::Tensor& batch) {
  c10::InferenceMode inference;
  std::optional<nn::CpuAutocast> autocast;
  if (options_.bf16) autocast.emplace(at::kBFloat16);
  at::Tensor output = network_.forward(batch.to(parameters_));
  return options_.bf16 ? output.to(at::kFloat) : output;
}

std::unique_ptr<Predictor> load_predictor(const std::filesystem::path& path,
                                          PredictorOptions options) {
  MEDIMG_CHECK_FILE(std::filesystem::is_regular_file(path), IoError, path, "does not exist");
  if (TorchScriptPredictor::is_torchscript_file(path)) {
    return std::make_unique<TorchScriptPredictor>(path, options);
  }
  try {
    return std::make_unique<ModulePredictor>(path, options);
  } catch (const FormatError& e) {
    // e.what() starts with the path already.
    const std::string prefix = path.string() + ": ";
    std::string reason = e.what();
    if (reason.rfind(prefix, 0) == 0) reason.erase(0, prefix.size());
    throw FormatError(path, "is neither a TorchScript model nor a medimg model file: " + reason);
  }
}

}  // namespace medimg::train
