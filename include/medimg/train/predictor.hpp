#pragma once

/// Inference behind one interface: a medimg network (a Network or a model file written by
/// nn::save_model) or a TorchScript model scripted or traced in Python, both answering
/// forward(batch) and predict(Image) → Image. A C++ product codes against Predictor and
/// swaps the model file (docs/train_export.md).

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <memory>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"
#include "medimg/nn/network.hpp"
#include "medimg/train/sliding_window.hpp"

namespace medimg::train {

/// How a predictor runs its model. Fields are read when the predictor is made.
struct MEDIMG_API PredictorOptions {
  /// Runs forward() under CPU bfloat16 autocast (nn/autocast.hpp: convolutions, linear
  /// layers and matrix products in bfloat16); outputs are converted back to float32.
  bool bf16 = false;
  /// Dynamic int8 Linear layers (nn::quantize_dynamic_int8). Medimg networks only: quantise
  /// a TorchScript model in Python (torch.ao.quantization.quantize_dynamic) before saving it.
  bool int8 = false;
  /// > 0: sets the size of ATen's intra-op thread pool, which LibTorch's operators and
  /// medimg's kernels share, to this many threads when the predictor is made. Process-wide,
  /// as medimg::set_num_threads (and torch.set_num_threads). 0 keeps the current size.
  int num_threads = 0;
};

/// What Predictor::predict returns and how it covers the image.
struct MEDIMG_API PredictOptions {
  PredictionOutput output = PredictionOutput::Probabilities;
  /// Sliding-window inference with these options when roi_size is set; an empty roi_size
  /// predicts the whole image in one forward pass (flip_tta and padding still apply).
  SlidingWindowOptions sliding_window;
};

/// A model that maps a batch (N, C, *spatial) to its output. Not copyable; forward() may be
/// called from several threads at once (the model is only read).
class MEDIMG_API Predictor {
 public:
  virtual ~Predictor();
  Predictor(const Predictor&) = delete;
  Predictor& operator=(const Predictor&) = delete;

  /// The model's output for `batch`, in eval mode, without gradients (under
  /// c10::InferenceMode: the result is an inference tensor; clone() it before changing it
  /// in place outside inference mode). Integer batches are converted to float32.
  virtual at::Tensor forward(const at::Tensor& batch) = 0;

  /// The prediction for one image on the image's grid: same spatial shape, geometry and
  /// metadata; the image is a batch of one, converted to float32 when its voxels are
  /// integers. Needs a model whose output keeps the input's spatial size (segmentation);
  /// call forward() for classifiers.
  /// @throws ArgumentError for an empty image or bad sliding-window options; ShapeError when
  ///         the output's spatial size differs from the input's; the model's errors.
  Image predict(const Image& image, const PredictOptions& options = {});

 protected:
  Predictor() = default;
};

/// A medimg network as a Predictor.
class MEDIMG_API ModulePredictor final : public Predictor {
 public:
  /// Puts the network's module in eval mode (shared with every copy of the Network: call
  /// train() on it to train it again) and quantises a copy of the Network when
  /// options.int8. Batches are moved to the device and dtype of its parameters.
  /// @throws ArgumentError for an empty network.
  explicit ModulePredictor(nn::Network network, PredictorOptions options = {});

  /// The network of a model file (nn::load_model).
  /// @throws as nn::load_model.
  explicit ModulePredictor(const std::filesystem::path& model_file, PredictorOptions options = {});

  at::Tensor forward(const at::Tensor& batch) override;

  const nn::Network& network() const noexcept { return network_; }
  const PredictorOptions& options() const noexcept { return options_; }

 private:
  nn::Network network_;
  PredictorOptions options_;
  at::TensorOptions parameters_;  // device and dtype batches are moved to
};

/// A TorchScript model (torch.jit.script / torch.jit.trace, then torch.jit.save or
/// .save(path)) as a Predictor. Its forward must take one tensor and return a tensor, or a
/// tuple or list whose first element is the main output (deep supervision).
class MEDIMG_API TorchScriptPredictor final : public Predictor {
 public:
  /// Loads the model on the CPU, in eval mode.
  /// @throws IoError when the file is missing; FormatError naming the path when it is not a
  ///         TorchScript model LibTorch can load; ArgumentError for options.int8.
  explicit TorchScriptPredictor(const std::filesystem::path& path, PredictorOptions options = {});
  ~TorchScriptPredictor() override;

  /// @throws Unsupported when the model returns something other than a tensor (or a tuple
  ///         or list starting with one).
  at::Tensor forward(const at::Tensor& batch) override;

  const PredictorOptions& options() const noexcept { return options_; }

  /// True when `path` is a TorchScript archive (a zip holding constants.pkl and code/),
  /// false for anything else, a medimg model file included. Reads only the zip directory.
  static bool is_torchscript_file(const std::filesystem::path& path);

 private:
  struct Model;  // keeps torch/jit out of this header
  std::unique_ptr<Model> model_;
  PredictorOptions options_;
};

/// A TorchScriptPredictor for a TorchScript file, else a ModulePredictor for a medimg model
/// file: chosen by the file's content, not its name.
/// @throws IoError when the file is missing; FormatError when it is neither.
MEDIMG_API std::unique_ptr<Predictor> load_predictor(const std::filesystem::path& path,
                                                     PredictorOptions options = {});

}  // namespace medimg::train
