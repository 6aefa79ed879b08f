// Dynamic int8 Linear layers through LibTorch's quantized::linear_prepack and
// quantized::linear_dynamic operators: the kernels behind PyTorch's
// torch.ao.nn.quantized.dynamic.Linear, called through the dispatcher (they have no at::
// functions). medimg's C++ networks call their heads directly, so the quantised forward runs
// the float network, takes the head's input (the pooled features) and applies the int8 head.
#include <ATen/Context.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <ATen/ops/quantize_per_tensor.h>
#include <torch/nn/modules/linear.h>

#include <algorithm>
#include <cfloat>

#include "medimg/core/error.hpp"
#include "medimg/nn/features.hpp"
#include "medimg/nn/network.hpp"

namespace medimg::nn {
namespace {

// Prepacking picks the kernels: QNNPACK where this LibTorch has it (Debian's 1.13 has
// QNNPACK and oneDNN, no FBGEMM), whose results torch's quantize_dynamic reproduces under
// torch.backends.quantized.engine = "qnnpack". The engine is set only while packing.
class EngineScope {
 public:
  EngineScope() : previous_(at::globalContext().qEngine()) {
    const auto& engines = at::globalContext().supportedQEngines();
    const bool any = std::any_of(engines.begin(), engines.end(),
                                 [](at::QEngine e) { return e != at::QEngine::NoQEngine; });
    MEDIMG_CHECK(any, Unsupported, "this LibTorch has no quantized engine for int8 layers");
    if (std::find(engines.begin(), engines.end(), at::QEngine::QNNPACK) != engines.end()) {
      at::globalContext().setQEngine(at::QEngine::QNNPACK);
    }
  }
  ~EngineScope() { at::globalContext().setQEngine(previous_); }
  EngineScope(const EngineScope&) = delete;
  EngineScope& operator=(const EngineScope&) = delete;

 private:
  at::QEngine previous_;
};

// torch.ao.quantization's default_weight_observer (MinMaxObserver, qint8, per-tensor
// symmetric): scale = max(-min(w, 0), max(w, 0)) / 127.5 in float32, at least float32's
// epsilon, zero point 0.
c10::IValue prepack(const torch::nn::LinearImpl& linear) {
  const at::Tensor weight = linear.weight.detach().to(at::kCPU, at::kFloat).contiguous();
  const float low = std::min(weight.min().item<float>(), 0.0f);
  const float high = std::max(weight.max().item<float>(), 0.0f);
  const float scale = std::max(std::max(-low, high) / 127.5f, FLT_EPSILON);
  torch::jit::Stack stack{at::quantize_per_tensor(weight, scale, 0, at::kQInt8),
                          linear.bias.defined()
                              ? c10::IValue(linear.bias.detach().to(at::kCPU, at::kFloat))
                              : c10::IValue()};
  static const auto op =
      c10::Dispatcher::singleton().findSchemaOrThrow("quantized::linear_prepack", "");
  op.callBoxed(&stack);
  return stack.at(0);
}

at::Tensor linear_dynamic(const c10::IValue& packed, const at::Tensor& x) {
  static const auto op =
      c10::Dispatcher::singleton().findSchemaOrThrow("quantized::linear_dynamic", "");
  // torch.ao.nn.quantized.dynamic.Linear passes reduce_range=True, which QNNPACK ignores
  // (with a warning on every process's first call); false says what QNNPACK does: 8 bits.
  torch::jit::Stack stack{x.to(at::kFloat).contiguous(), packed, false};
  op.callBoxed(&stack);
  return stack.at(0).toTensor();
}

// The Linear head of each classifier; its input is the flattened global average pool.
const char* head_name(const std::string& architecture) {
  if (architecture == "resnet") return "fc";
  if (architecture == "efficientnet" || architecture == "cnn3d") return "classifier.1";
  return nullptr;
}

}  // namespace

std::vector<std::string> quantize_dynamic_int8(Network& network) {
  MEDIMG_CHECK(network.defined(), ArgumentError, "quantize_dynamic_int8: the network is empty");
  // Quantising twice starts again from the float weights.
  network.forward_ = Network(network.module_).forward_;
  network.quantized_layers_.clear();
  const char* head = head_name(network.architecture_);
  if (head == nullptr) return {};  // a UNet: no Linear layer

  std::shared_ptr<torch::nn::LinearImpl> linear;
  for (const auto& item : network.module_->named_modules()) {
    if (item.key() == head) linear = std::dynamic_pointer_cast<torch::nn::LinearImpl>(item.value());
  }
  MEDIMG_CHECK(linear != nullptr, ArgumentError, "quantize_dynamic_int8: the ",
               network.architecture_, " has no Linear layer '", head, "'");
  c10::IValue packed;
  {
    EngineScope engine;
    packed = prepack(*linear);
  }
  network.forward_ = [root = network.module_, float_forward = network.forward_,
                      packed](const at::Tensor& x) {
    FeatureRecorder recorder(*root, {"avgpool"});
    float_forward(x);  // the float head's result is dropped; it costs a few µs
    return linear_dynamic(packed, recorder.outputs().at(0).flatten(1));
  };
  network.quantized_layers_ = {head};
  return network.quantized_layers_;
}

}  // namespace medimg::nn
