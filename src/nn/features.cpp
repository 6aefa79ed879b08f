#include "medimg/nn/features.hpp"

#include <algorithm>

#include "medimg/core/error.hpp"

namespace medimg::nn {
namespace {

// The innermost live recorder of this thread; forward passes on other threads (DataLoader
// workers, parallel inference) are not recorded.
thread_local FeatureRecorder* active_recorder = nullptr;

}  // namespace

const at::Tensor& tap(const torch::nn::Module& module, const at::Tensor& output) {
  if (active_recorder != nullptr) active_recorder->record(module, output);
  return output;
}

at::Tensor run(torch::nn::AnyModule& module, const at::Tensor& x) {
  return tap(*module.ptr(), module.forward(x));
}

at::Tensor SequenceImpl::forward(const at::Tensor& x) {
  at::Tensor y = x;
  for (auto& child : *this) y = run(child, y);
  return y;
}

FeatureRecorder::FeatureRecorder(const torch::nn::Module& root,
                                 const std::vector<std::string>& names)
    : names_(names), outputs_(names.size()), previous_(active_recorder) {
  // Without the root itself: a network built on the stack has no shared_ptr to give.
  const auto modules = root.named_modules("", /*include_self=*/false);
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto* found = modules.find(names[i]);
    if (found == nullptr) {
      std::string some;
      std::size_t shown = 0;
      for (const auto& item : modules) {
        if (item.key().find('.') != std::string::npos) continue;
        some += (shown++ ? ", '" : "'") + item.key() + "'";
      }
      throw ArgumentError(detail::concat(
          "no layer named '", names[i], "' in ", root.name(), "; its top-level layers are ",
          some, " (nested layers are dotted paths such as 'layer4.1.conv2'; see ",
          "named_modules())"));
    }
    wanted_[found->get()].push_back(i);
  }
  active_recorder = this;
}

FeatureRecorder::~FeatureRecorder() { active_recorder = previous_; }

void FeatureRecorder::record(const torch::nn::Module& module, const at::Tensor& output) {
  const auto it = wanted_.find(&module);
  if (it == wanted_.end()) return;
  for (std::size_t i : it->second) outputs_[i] = output;
}

torch::OrderedDict<std::string, at::Tensor> FeatureRecorder::features() const {
  std::string silent;
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (!outputs_[i].defined()) silent += (silent.empty() ? "'" : ", '") + names_[i] + "'";
  }
  MEDIMG_CHECK(silent.empty(), ArgumentError, "layer(s) ", silent,
               " produced no output in the forward pass: a container whose children run ",
               "one by one, or a layer the network does not use; pick one of its children");
  torch::OrderedDict<std::string, at::Tensor> result;
  for (std::size_t i = 0; i < names_.size(); ++i) {
    // A name given twice keeps one entry.
    if (!result.contains(names_[i])) result.insert(names_[i], outputs_[i]);
  }
  return result;
}

}  // namespace medimg::nn
