#include "medimg/nn/summary.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "medimg/nn/features.hpp"

namespace medimg::nn {
namespace {

std::string shape_text(const std::vector<std::int64_t>& shape) {
  if (shape.empty()) return "-";
  std::ostringstream out;
  out << at::IntArrayRef(shape);
  return out.str();
}

// Restores the training flag of every module on scope exit. train() recurses, so the flags
// are set in pre-order (the root, then modules() order): each module's own call comes after
// its ancestors' and leaves it, and then its descendants, at their own flags.
class TrainingFlags {
 public:
  explicit TrainingFlags(torch::nn::Module& root) : root_(root), root_training_(root.is_training()) {
    for (auto& module : root.modules(/*include_self=*/false)) {
      flags_.emplace_back(module, module->is_training());
    }
  }
  ~TrainingFlags() {
    root_.train(root_training_);
    for (auto& [module, training] : flags_) module->train(training);
  }
  TrainingFlags(const TrainingFlags&) = delete;
  TrainingFlags& operator=(const TrainingFlags&) = delete;

 private:
  torch::nn::Module& root_;
  bool root_training_;
  std::vector<std::pair<std::shared_ptr<torch::nn::Module>, bool>> flags_;
};

}  // namespace

std::int64_t count_parameters(const torch::nn::Module& module, bool trainable_only) {
  std::int64_t count = 0;
  for (const auto& p : module.parameters()) {
    if (!trainable_only || p.requires_grad()) count += p.numel();
  }
  return count;
}

ModelSummary summarize(torch::nn::Module& module,
                       const std::function<at::Tensor(const at::Tensor&)>& forward,
                       const at::Tensor& example, int max_depth) {
  ModelSummary summary;
  // Not the root (its totals close the table), which may live on the stack.
  const auto modules = module.named_modules("", /*include_self=*/false);
  std::vector<std::string> names;
  for (const auto& item : modules) {
    const int depth = 1 + static_cast<int>(std::count(item.key().begin(), item.key().end(), '.'));
    if (max_depth > 0 && depth > max_depth) continue;
    names.push_back(item.key());
    LayerSummary row;
    row.name = item.key();
    row.type = item.value()->name();
    row.depth = depth;
    row.parameters = count_parameters(*item.value());
    row.trainable_parameters = count_parameters(*item.value(), true);
    summary.layers.push_back(std::move(row));
  }
  summary.parameters = count_parameters(module);
  summary.trainable_parameters = count_parameters(module, true);

  // Record everything that produces an output; containers that are never called stay "-".
  FeatureRecorder recorder(module, names);
  {
    TrainingFlags flags(module);
    module.eval();
    torch::NoGradGuard no_grad;
    forward(example);
  }
  const auto& outputs = recorder.outputs();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (outputs[i].defined()) summary.layers[i].output_shape = outputs[i].sizes().vec();
  }
  return summary;
}

std::string ModelSummary::to_string() const {
  std::size_t name_width = 5, type_width = 4, shape_width = 12;
  for (const auto& row : layers) {
    name_width = std::max(name_width, row.name.size() + 2 * static_cast<std::size_t>(row.depth - 1));
    type_width = std::max(type_width, row.type.size());
    shape_width = std::max(shape_width, shape_text(row.output_shape).size());
  }
  std::ostringstream out;
  out << std::left << std::setw(static_cast<int>(name_width)) << "layer" << "  "
      << std::setw(static_cast<int>(type_width)) << "type" << "  "
      << std::setw(static_cast<int>(shape_width)) << "output shape" << "  " << std::right
      << std::setw(12) << "parameters" << "\n";
  for (const auto& row : layers) {
    out << std::left << std::setw(static_cast<int>(name_width))
        << (std::string(2 * static_cast<std::size_t>(row.depth - 1), ' ') + row.name) << "  "
        << std::setw(static_cast<int>(type_width)) << row.type << "  "
        << std::setw(static_cast<int>(shape_width)) << shape_text(row.output_shape) << "  "
        << std::right << std::setw(12) << row.parameters << "\n";
  }
  out << "total parameters: " << parameters << ", trainable: " << trainable_parameters << "\n";
  return out.str();
}

}  // namespace medimg::nn
