#include "medimg/pipelines/lung_nodule.hpp"

#include <ATen/ops/slice.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "medimg/core/error.hpp"
#include "medimg/train/predictor.hpp"

namespace medimg::pipelines {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Rows of logits → the nodule class's probability (softmax, or sigmoid for one column).
std::vector<double> nodule_probabilities(const at::Tensor& logits, std::int64_t nodule_class) {
  MEDIMG_CHECK(logits.dim() == 2 && (logits.size(1) == 1 || nodule_class < logits.size(1)),
               ShapeError, "LungNoduleDetector: the network must return (N, 1) logits or (N, C) "
               "with nodule_class ", nodule_class, " < C, got shape ", logits.sizes());
  const at::Tensor rows = logits.to(at::kDouble).contiguous();
  const double* data = rows.data_ptr<double>();
  const std::int64_t n = rows.size(0), c = rows.size(1);
  std::vector<double> probabilities(n);
  for (std::int64_t i = 0; i < n; ++i) {
    const double* row = data + i * c;
    if (c == 1) {
      probabilities[i] = 1.0 / (1.0 + std::exp(-row[0]));
      continue;
    }
    const double top = *std::max_element(row, row + c);
    double sum = 0.0;
    for (std::int64_t k = 0; k < c; ++k) sum += std::exp(row[k] - top);
    probabilities[i] = std::exp(row[nodule_class] - top) / sum;
  }
  return probabilities;
}

}  // namespace

LungNoduleDetector::LungNoduleDetector(LungNoduleOptions options,
                                       std::shared_ptr<train::Predictor> network)
    : options_(std::move(options)), network_(std::move(network)) {
  MEDIMG_CHECK(options_.batch_size >= 1, ArgumentError,
               "LungNoduleDetector: batch_size must be >= 1, got ", options_.batch_size);
  MEDIMG_CHECK(options_.nodule_class >= 0, ArgumentError,
               "LungNoduleDetector: nodule_class must be >= 0, got ", options_.nodule_class);
  MEDIMG_CHECK(!options_.opening_radii.empty(), ArgumentError,
               "LungNoduleDetector: opening_radii needs at least one radius");
  for (const double r : options_.opening_radii) {
    MEDIMG_CHECK(std::isfinite(r) && r >= 0, ArgumentError,
                 "LungNoduleDetector: opening radii must be finite and >= 0, got ", r);
  }
  check_nodule_patch_options(options_.patches);  // now, not after the first scan's lungs
}

LungNoduleDetector::~LungNoduleDetector() = default;

void LungNoduleDetector::check_ct(const Image& ct_hu) const {
  MEDIMG_CHECK(ct_hu.defined(), ArgumentError, "LungNoduleDetector: the CT image is undefined");
  const at::Tensor& t = ct_hu.tensor();
  MEDIMG_CHECK(t.dim() == 4 && t.size(0) == 1, ShapeError,
               "LungNoduleDetector: expected a one-channel 3D CT (1, Z, Y, X), got shape ",
               t.sizes());
  MEDIMG_CHECK(t.numel() > 0, ShapeError, "LungNoduleDetector: the CT image is empty, shape ",
               t.sizes());
  const auto modality = ct_hu.meta().find("Modality");
  if (modality != ct_hu.meta().end()) {
    const auto* text = std::get_if<std::string>(&modality->second);
    MEDIMG_CHECK(text == nullptr || *text == "CT", ArgumentError,
                 "LungNoduleDetector: the image is not a CT (DICOM Modality ", *text, ")");
  }
  MEDIMG_CHECK(!t.isnan().any().item<bool>(), ArgumentError,
               "LungNoduleDetector: the CT image holds NaN values");
  const double lowest = t.min().item<double>();
  MEDIMG_CHECK(lowest <= options_.max_air_hu, ArgumentError,
               "LungNoduleDetector: the image does not look like a CT in Hounsfield units: its "
               "lowest value is ", lowest, ", but air lies near -1000 HU (threshold ",
               options_.max_air_hu, ")");
  // Patches reaching past the first or last slice see air (fill_hu) there; a series covering
  // less than half a patch would leave the network mostly fill.
  const double extent = static_cast<double>(t.size(1)) * ct_hu.geometry().spacing()[0];
  const double needed = static_cast<double>(options_.patches.size) * options_.patches.spacing / 2;
  MEDIMG_CHECK(extent >= needed, ShapeError, "LungNoduleDetector: the series is too short for 3D ",
               "patches: ", t.size(1), " slices cover ", extent, " mm along z, at least half a ",
               "patch (", needed, " mm) is needed");
}

Image LungNoduleDetector::lungs(const Image& ct_hu) const {
  Image mask = lung_mask(ct_hu, options_.lungs);
  MEDIMG_CHECK(mask.tensor().any().item<bool>(), ArgumentError,
               "LungNoduleDetector: no lungs found (no air enclosed by the body below ",
               options_.lungs.threshold, " HU)");
  return mask;
}

std::vector<NoduleCandidate> LungNoduleDetector::candidates(const Image& ct_hu,
                                                            const Image& lungs) const {
  std::vector<NoduleCandidate> merged;
  NoduleCandidateOptions pass = options_.candidates;
  for (const double radius : options_.opening_radii) {
    pass.opening_radius = radius;
    for (const NoduleCandidate& c : nodule_candidates(ct_hu, lungs, pass)) {
      const bool known = std::any_of(merged.begin(), merged.end(), [&](const NoduleCandidate& m) {
        return (m.centre - c.centre).norm() < std::max(m.diameter, c.diameter) / 2;
      });
      if (!known) merged.push_back(c);
    }
  }
  return merged;
}

at::Tensor LungNoduleDetector::patches(const Image& ct_hu,
                                       const std::vector<NoduleCandidate>& candidates) const {
  std::vector<Eigen::Vector3d> centres;
  centres.reserve(candidates.size());
  for (const NoduleCandidate& c : candidates) centres.push_back(c.centre);
  return nodule_patches(ct_hu, centres, options_.patches);
}

std::vector<double> LungNoduleDetector::score(const Image& ct_hu,
                                              const std::vector<NoduleCandidate>& candidates) const {
  std::vector<double> scores;
  scores.reserve(candidates.size());
  if (!network_) {
    for (const NoduleCandidate& c : candidates) {
      scores.push_back(std::isfinite(c.elongation) && c.elongation >= 1.0 ? 1.0 / c.elongation : 0.0);
    }
    return scores;
  }
  const at::Tensor all = patches(ct_hu, candidates);
  for (std::int64_t begin = 0; begin < all.size(0); begin += options_.batch_size) {
    const std::int64_t end = std::min(all.size(0), begin + options_.batch_size);
    const std::vector<double> batch =
        nodule_probabilities(network_->forward(all.slice(0, begin, end)), options_.nodule_class);
    MEDIMG_CHECK(static_cast<std::int64_t>(batch.size()) == end - begin, ShapeError,
                 "LungNoduleDetector: the network returned ", batch.size(), " rows for ",
                 end - begin, " patches");
    scores.insert(scores.end(), batch.begin(), batch.end());
  }
  return scores;
}

LungNoduleResult LungNoduleDetector::detect(const Image& ct_hu) const {
  check_ct(ct_hu);
  LungNoduleResult result;
  auto start = std::chrono::steady_clock::now();
  result.lungs = lungs(ct_hu);
  result.seconds_lungs = seconds_since(start);
  start = std::chrono::steady_clock::now();
  result.candidates = candidates(ct_hu, result.lungs);
  result.seconds_candidates = seconds_since(start);
  start = std::chrono::steady_clock::now();
  const std::vector<double> scores = score(ct_hu, result.candidates);
  result.seconds_scoring = seconds_since(start);

  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Stable: equal probabilities keep the candidate stage's order (larger first).
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  for (const std::size_t i : order) {
    const NoduleCandidate& c = result.candidates[i];
    result.detections.push_back({c.centre, c.index, c.diameter, scores[i], c});
  }
  return result;
}

}  // namespace medimg::pipelines
