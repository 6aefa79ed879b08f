#include <ATen/ops/stack.h>

#include "medimg/core/error.hpp"
#include "medimg/train/loader.hpp"
#include "medimg/train/sample.hpp"

namespace medimg::train {
namespace {

/// "sample 7 (path)" for messages.
std::string name_of(std::size_t index, const Dataset* dataset) {
  std::string out = "sample " + std::to_string(index);
  if (dataset != nullptr && index < dataset->size()) out += " (" + dataset->describe(index) + ")";
  return out;
}

at::Tensor label_values(const at::Tensor& label) {
  return label.is_floating_point() ? label.to(at::kFloat) : label.to(at::kLong);
}

}  // namespace

Batch collate(const std::vector<Sample>& samples, const std::vector<std::size_t>& indices,
              const Dataset* dataset) {
  MEDIMG_CHECK(!samples.empty(), ArgumentError, "collate: no samples");
  MEDIMG_CHECK(samples.size() == indices.size(), ArgumentError, "collate: ", samples.size(),
               " samples but ", indices.size(), " indices");
  const Sample& first = samples.front();
  const bool labelled = first.label.defined();
  const bool classes = has_class_label(first);
  std::vector<at::Tensor> images, labels;
  for (std::size_t k = 0; k < samples.size(); ++k) {
    const Sample& s = samples[k];
    MEDIMG_CHECK(s.image.defined(), ArgumentError, "collate: ", name_of(indices[k], dataset),
                 " has no image");
    MEDIMG_CHECK(s.image.tensor().sizes() == first.image.tensor().sizes(), ShapeError,
                 "cannot batch ", name_of(indices[k], dataset), " of image shape ",
                 s.image.tensor().sizes(), " with ", name_of(indices[0], dataset), " of shape ",
                 first.image.tensor().sizes(),
                 ": give every sample one shape (crop_or_pad, rand_crop_by_label)");
    images.push_back(s.image.tensor().to(at::kFloat));
    MEDIMG_CHECK(s.label.defined() == labelled && (!labelled || has_class_label(s) == classes),
                 ShapeError, "cannot batch ", name_of(indices[k], dataset), " with ",
                 name_of(indices[0], dataset), ": one has ",
                 labelled ? (classes ? "a class label" : "a label map") : "no label",
                 ", the other ",
                 s.label.defined() ? (has_class_label(s) ? "a class label" : "a label map")
                                   : "no label");
    if (!labelled) continue;
    MEDIMG_CHECK(s.label.tensor().sizes() == first.label.tensor().sizes(), ShapeError,
                 "cannot batch ", name_of(indices[k], dataset), " of label shape ",
                 s.label.tensor().sizes(), " with ", name_of(indices[0], dataset), " of shape ",
                 first.label.tensor().sizes());
    labels.push_back(s.label.tensor());
  }
  Batch batch;
  batch.image = at::stack(images);
  batch.indices = indices;
  if (labelled) {
    // Stacked in their own dtype, converted once (uint8 maps stack 8x cheaper than int64).
    bool same_dtype = true;
    for (const at::Tensor& l : labels) same_dtype &= l.scalar_type() == labels[0].scalar_type();
    if (!same_dtype) {
      for (at::Tensor& l : labels) l = label_values(l);
    }
    at::Tensor stacked = label_values(at::stack(labels));
    if (classes) {
      // (N, L, 1, 1): one class index per item as (N), as cross-entropy wants it.
      const std::int64_t count = stacked.size(1);
      stacked = (count == 1 ? stacked.reshape({stacked.size(0)})
                            : stacked.reshape({stacked.size(0), count}))
                    .to(at::kLong);
    }
    batch.label = stacked;
  }
  return batch;
}

}  // namespace medimg::train
