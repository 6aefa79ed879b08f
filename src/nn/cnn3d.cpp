#include "medimg/nn/cnn3d.hpp"

#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

#include <ostream>

#include "medimg/core/error.hpp"
#include "medimg/nn/blocks.hpp"
#include "medimg/nn/classifier.hpp"

namespace medimg::nn {

CNN3dOptions::CNN3dOptions(std::int64_t in_channels, std::int64_t num_classes)
    : in_channels_(in_channels), num_classes_(num_classes) {}

CNN3dImpl::CNN3dImpl(CNN3dOptions options_) : options(std::move(options_)) { reset(); }

void CNN3dImpl::reset() {
  const CNN3dOptions& o = options;
  const auto& f = o.features();
  MEDIMG_CHECK(!f.empty(), ArgumentError, "CNN3d: features needs at least one stage");
  MEDIMG_CHECK(o.in_channels() > 0 && o.num_classes() > 0, ArgumentError,
               "CNN3d: in_channels and num_classes must be positive, got ", o.in_channels(),
               " and ", o.num_classes());
  MEDIMG_CHECK(o.dropout() >= 0 && o.dropout() < 1, ArgumentError,
               "CNN3d: dropout must be in [0, 1), got ", o.dropout());
  features_ = Sequence();
  for (std::size_t i = 0; i < f.size(); ++i) {
    MEDIMG_CHECK(f[i] > 0, ArgumentError, "CNN3d: every entry of features must be positive, got ",
                 f[i]);
    if (i > 0) features_->push_back(make_max_pool(3, 2, 2));
    features_->push_back(ConvBlock(ConvBlockOptions(3, i == 0 ? o.in_channels() : f[i - 1], f[i])
                                       .norm(o.norm())
                                       .num_groups(o.num_groups())
                                       .activation(o.activation())));
  }
  register_module("features", features_);
  avgpool_ = make_global_avg_pool(3);
  register_module("avgpool", avgpool_.ptr());
  classifier_ = Sequence(torch::nn::Dropout(o.dropout()),
                                      torch::nn::Linear(f.back(), o.num_classes()));
  register_module("classifier", classifier_);
}

at::Tensor CNN3dImpl::forward(const at::Tensor& input) {
  check_network_input(input, 3, options.in_channels(), "CNN3d");
  const std::int64_t smallest = std::int64_t{1} << (options.features().size() - 1);
  for (std::int64_t a = 2; a < 5; ++a) {
    MEDIMG_CHECK(input.size(a) >= smallest, ShapeError, "CNN3d with ",
                 options.features().size(), " stages expects patches of at least ", smallest,
                 " voxels per axis, got shape ", input.sizes());
  }
  at::Tensor x = run(avgpool_, run(features_, input)).flatten(1);
  return tap(*this, run(classifier_, x));
}

Features CNN3dImpl::forward_features(const at::Tensor& x, const std::vector<std::string>& names) {
  return forward_with_features(*this, x, names, [this](const at::Tensor& t) { return forward(t); });
}

void CNN3dImpl::freeze_backbone() { freeze_all_but(*this, "classifier"); }

void CNN3dImpl::unfreeze() { unfreeze_all(*this); }

void CNN3dImpl::replace_head(std::int64_t num_classes) {
  MEDIMG_CHECK(num_classes > 0, ArgumentError, "num_classes must be positive, got ",
               num_classes);
  auto& old = classifier_->at<torch::nn::LinearImpl>(1);
  torch::nn::Linear linear(old.options.in_features(), num_classes);
  linear->to(old.weight.device(), old.weight.scalar_type());
  const double p = classifier_->at<torch::nn::DropoutImpl>(0).options.p();
  classifier_ = replace_module("classifier",
                               Sequence(torch::nn::Dropout(p), linear));
  options.num_classes(num_classes);
}

void CNN3dImpl::pretty_print(std::ostream& stream) const {
  stream << "medimg::nn::CNN3d(in_channels=" << options.in_channels()
         << ", num_classes=" << options.num_classes()
         << ", features=" << at::IntArrayRef(options.features())
         << ", norm=" << to_string(options.norm()) << ", dropout=" << options.dropout() << ")";
}

}  // namespace medimg::nn
