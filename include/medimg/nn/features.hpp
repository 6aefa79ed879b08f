#pragma once

/// Intermediate outputs of a network, picked by module name: what Grad-CAM, feature
/// extraction and model summaries need. LibTorch's C++ modules have no forward hooks, so
/// every medimg network reports the output of each module it runs through tap() (directly
/// or through run()); a FeatureRecorder alive on the same thread keeps those it was asked
/// for. Names are those of named_modules(): "layer4", "layer4.1.conv2", "encoder.3".

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>
#include <torch/ordered_dict.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "medimg/export.hpp"

namespace medimg::nn {

/// Records `output` as the output of `module` when a FeatureRecorder on this thread asked
/// for it; returns `output` unchanged. Costs one thread-local read when none is active.
MEDIMG_API const at::Tensor& tap(const torch::nn::Module& module, const at::Tensor& output);

/// module.forward(x), tapped.
MEDIMG_API at::Tensor run(torch::nn::AnyModule& module, const at::Tensor& x);

/// holder->forward(x), tapped.
template <typename ModuleType>
at::Tensor run(torch::nn::ModuleHolder<ModuleType>& holder, const at::Tensor& x) {
  return tap(*holder, holder->forward(x));
}

/// torch::nn::Sequential with a plain forward(Tensor): it can be nested in another Sequence
/// or held in an AnyModule (torchvision's EfficientNet nests Sequentials), and it taps each
/// child's output. Children are named "0", "1", ... as in Sequential.
class MEDIMG_API SequenceImpl : public torch::nn::SequentialImpl {
 public:
  using SequentialImpl::SequentialImpl;
  /// The children in order, each output tapped.
  at::Tensor forward(const at::Tensor& x);
};
TORCH_MODULE(Sequence);

/// While alive, keeps the outputs of the modules of `root` named in `names` that the
/// forward passes on this thread produce (a module run several times keeps its last
/// output). The tensors are part of the autograd graph: torch::autograd::grad(score,
/// feature) gives the gradient Grad-CAM needs. Recorders nest; the innermost one records.
class MEDIMG_API FeatureRecorder {
 public:
  /// @throws ArgumentError for a name that is not in root.named_modules(), listing some of
  ///         the names there are.
  FeatureRecorder(const torch::nn::Module& root, const std::vector<std::string>& names);
  ~FeatureRecorder();
  FeatureRecorder(const FeatureRecorder&) = delete;
  FeatureRecorder& operator=(const FeatureRecorder&) = delete;

  /// The recorded outputs, in the order of `names`.
  /// @throws ArgumentError naming the modules that produced no output (a container whose
  ///         children the forward pass calls one by one, or a module it does not use).
  torch::OrderedDict<std::string, at::Tensor> features() const;

  /// One tensor per requested name, in their order; undefined where the module produced no
  /// output (yet).
  const std::vector<at::Tensor>& outputs() const { return outputs_; }

  /// Called by tap(): keeps `output` when `module` is one of the requested ones.
  void record(const torch::nn::Module& module, const at::Tensor& output);

 private:
  std::vector<std::string> names_;
  std::unordered_map<const torch::nn::Module*, std::vector<std::size_t>> wanted_;
  std::vector<at::Tensor> outputs_;
  FeatureRecorder* previous_;
};

/// A network's output together with the features asked for.
struct Features {
  at::Tensor output;
  torch::OrderedDict<std::string, at::Tensor> features;
};

/// Runs `forward(input)` under a FeatureRecorder on `root` for `names`: the implementation
/// of every network's forward_features().
template <typename Forward>
Features forward_with_features(const torch::nn::Module& root, const at::Tensor& input,
                               const std::vector<std::string>& names, Forward&& forward) {
  FeatureRecorder recorder(root, names);
  at::Tensor output = forward(input);
  return {std::move(output), recorder.features()};
}

}  // namespace medimg::nn
