#include <ATen/TensorOperators.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/full.h>
#include <ATen/ops/stack.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <memory>

#include "medimg/core/error.hpp"
#include "medimg/phantoms/ct_phantom.hpp"
#include "medimg/pipelines/lung_nodule.hpp"
#include "medimg/pipelines/nodule_overlay.hpp"
#include "medimg/train/predictor.hpp"

using medimg::Image;
using medimg::pipelines::LungNoduleDetector;
using medimg::pipelines::LungNoduleOptions;
using medimg::pipelines::LungNoduleResult;

namespace {

const medimg::CtPhantom& phantom() {
  static const medimg::CtPhantom p = [] {
    medimg::CtPhantomOptions o;
    o.shape = {48, 112, 112};
    o.spacing = {2.5, 2.5, 2.5};
    o.nodules = 4;
    o.nodule_diameter = {8.0, 16.0};
    o.seed = 3;
    return medimg::make_ct_phantom(o);
  }();
  return p;
}

// Logits from the patch itself, so the expected probabilities are known: column 1 is the
// mean of the patch's central 4^3 voxels times 10, column 0 is 5.
class CentreMeanPredictor final : public medimg::train::Predictor {
 public:
  explicit CentreMeanPredictor(bool one_column = false) : one_column_(one_column) {}
  at::Tensor forward(const at::Tensor& batch) override {
    const std::int64_t c = batch.size(2) / 2;
    const at::Tensor centre =
        batch.slice(2, c - 2, c + 2).slice(3, c - 2, c + 2).slice(4, c - 2, c + 2);
    const at::Tensor nodule = centre.reshape({batch.size(0), -1}).mean(1) * 10;
    if (one_column_) return nodule.unsqueeze(1) - 5;
    return at::stack({at::full({batch.size(0)}, 5.0), nodule}, 1);
  }

 private:
  bool one_column_;
};

double centre_mean(const at::Tensor& patch) {
  const std::int64_t c = patch.size(1) / 2;
  return patch.slice(1, c - 2, c + 2).slice(2, c - 2, c + 2).slice(3, c - 2, c + 2).mean()
      .item<double>();
}

}  // namespace

TEST_CASE("LungNoduleDetector without a network finds every phantom nodule", "[pipelines]") {
  const medimg::CtPhantom& p = phantom();
  const LungNoduleDetector detector;
  CHECK_FALSE(detector.has_network());
  const LungNoduleResult result = detector.detect(p.ct);
  // Stage 1: the phantom's own lungs.
  const at::Tensor truth = p.lungs.tensor().ne(0), found = result.lungs.tensor().ne(0);
  const double dice = 2.0 * (truth & found).sum().item<double>() /
                      (truth.sum().item<double>() + found.sum().item<double>());
  CHECK(dice > 0.98);
  // Stage 2 and 3: every nodule is hit by a detection; ranks follow 1 / elongation.
  REQUIRE(result.detections.size() == result.candidates.size());
  for (const medimg::PhantomNodule& n : p.nodules) {
    bool hit = false;
    for (const auto& d : result.detections) hit |= (d.centre - n.centre).norm() < n.diameter / 2;
    CHECK(hit);
  }
  for (std::size_t i = 0; i < result.detections.size(); ++i) {
    const auto& d = result.detections[i];
    // A blob too small for a shape has a NaN elongation and scores 0.
    const double e = d.candidate.elongation;
    CHECK(d.probability == Approx(std::isfinite(e) ? 1.0 / e : 0.0));
    if (i > 0) CHECK(result.detections[i - 1].probability >= d.probability);
  }
  CHECK(result.seconds_lungs >= 0.0);
}

TEST_CASE("LungNoduleDetector scores patches with the network's softmax or sigmoid",
          "[pipelines]") {
  const medimg::CtPhantom& p = phantom();
  for (const bool one_column : {false, true}) {
    const LungNoduleDetector detector({}, std::make_shared<CentreMeanPredictor>(one_column));
    LungNoduleOptions o;
    const Image lungs = detector.lungs(p.ct);
    const auto candidates = detector.candidates(p.ct, lungs);
    REQUIRE(candidates.size() >= p.nodules.size());
    const at::Tensor patches = detector.patches(p.ct, candidates);
    const std::vector<double> scores = detector.score(p.ct, candidates);
    REQUIRE(scores.size() == candidates.size());
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const double logit = centre_mean(patches[i]) * 10;
      // softmax([5, l])[1] == sigmoid(l - 5)
      CHECK(scores[i] == Approx(1.0 / (1.0 + std::exp(5.0 - logit))).epsilon(1e-5));
    }
    const LungNoduleResult result = detector.detect(p.ct);
    for (std::size_t i = 1; i < result.detections.size(); ++i) {
      CHECK(result.detections[i - 1].probability >= result.detections[i].probability);
    }
  }
}

TEST_CASE("LungNoduleDetector batches patches and checks the network's output", "[pipelines]") {
  const medimg::CtPhantom& p = phantom();
  LungNoduleOptions small_batches;
  small_batches.batch_size = 3;
  const LungNoduleDetector batched(small_batches, std::make_shared<CentreMeanPredictor>());
  const LungNoduleDetector whole({}, std::make_shared<CentreMeanPredictor>());
  const Image lungs = whole.lungs(p.ct);
  const auto candidates = whole.candidates(p.ct, lungs);
  CHECK(batched.score(p.ct, candidates) == whole.score(p.ct, candidates));

  LungNoduleOptions third_class;
  third_class.nodule_class = 2;
  const LungNoduleDetector wrong(third_class, std::make_shared<CentreMeanPredictor>());
  CHECK_THROWS_AS(wrong.score(p.ct, candidates), medimg::ShapeError);
  LungNoduleOptions bad;
  bad.batch_size = 0;
  CHECK_THROWS_AS(LungNoduleDetector(bad), medimg::ArgumentError);
  bad = {};
  bad.patches.size = 0;
  CHECK_THROWS_AS(LungNoduleDetector(bad), medimg::ArgumentError);
}

TEST_CASE("LungNoduleDetector refuses what is not a chest CT", "[pipelines]") {
  const medimg::CtPhantom& p = phantom();
  const LungNoduleDetector detector;
  const at::Tensor& hu = p.ct.tensor();
  auto message = [&](const Image& ct) {
    try {
      detector.detect(ct);
    } catch (const medimg::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // Not in HU: an MR-like volume of non-negative values.
  CHECK_THAT(message(p.ct.with_tensor(hu + 2000)), Catch::Contains("Hounsfield"));
  // A DICOM Modality other than CT.
  Image mr = p.ct.clone();
  mr.meta()["Modality"] = std::string("MR");
  CHECK_THAT(message(mr), Catch::Contains("not a CT"));
  // Too few slices for a 40 mm patch: 7 x 2.5 mm covers less than half of it.
  CHECK_THAT(message(p.ct.with_tensor(hu.slice(1, 0, 7))), Catch::Contains("too short"));
  // A water cylinder in air (a QA phantom): a CT in HU, but no lungs.
  const at::Tensor y = at::arange(112, at::kFloat).view({1, 1, 112, 1}) - 55.5;
  const at::Tensor x = at::arange(112, at::kFloat).view({1, 1, 1, 112}) - 55.5;
  const at::Tensor inside = (y * y + x * x).lt(40.0 * 40.0).expand({1, 48, 112, 112});
  const at::Tensor water = at::full({1, 48, 112, 112}, -1000.0).masked_fill(inside, 0.0);
  CHECK_THAT(message(p.ct.with_tensor(water)), Catch::Contains("no lungs"));
  CHECK_THROWS_AS(detector.detect(Image(hu[0][0].unsqueeze(0))), medimg::ShapeError);
  at::Tensor nan = hu.clone();
  nan[0][3][4][5] = NAN;
  CHECK_THROWS_AS(detector.detect(p.ct.with_tensor(nan)), medimg::ArgumentError);
}

TEST_CASE("nodule_overlay circles the highlighted detection on its slice", "[pipelines]") {
  const medimg::CtPhantom& p = phantom();
  const LungNoduleResult result = LungNoduleDetector().detect(p.ct);
  REQUIRE(!result.detections.empty());
  medimg::pipelines::NoduleOverlayOptions o;
  o.label = false;
  const Image rgb = medimg::pipelines::nodule_overlay(p.ct, result.detections, 0, o);
  REQUIRE(rgb.tensor().sizes() == at::IntArrayRef({3, 112, 112}));
  REQUIRE(rgb.dtype() == at::kByte);
  // Red pixels (255, 40, 40) lie on a circle of radius d/2 + 3 mm around the detection.
  const auto& d = result.detections[0];
  const at::Tensor t = rgb.tensor();
  const at::Tensor red = t[0].eq(255) & t[1].lt(100) & t[2].lt(100);
  REQUIRE(red.any().item<bool>());
  const double radius_px = std::max(d.diameter / 2 + 3.0, 5.0) / 2.5;
  const at::Tensor where = red.nonzero().to(at::kDouble);
  const at::Tensor dist = ((where.select(1, 0) - d.index[1]).pow(2) +
                           (where.select(1, 1) - d.index[2]).pow(2)).sqrt();
  CHECK(dist.min().item<double>() > radius_px - 2.0);
  CHECK(dist.max().item<double>() < radius_px + 2.0);
  // Elsewhere the slice is the CT in the lung window, grey.
  const std::int64_t z = std::llround(d.index[0]);
  const double hu00 = p.ct.tensor()[0][z][0][0].item<double>();
  CHECK(t[1][0][0].item<int>() == std::lround(std::clamp((hu00 + 1000) * 255 / 1400, 0.0, 255.0)));
  CHECK_THROWS_AS(medimg::pipelines::nodule_overlay(p.ct, result.detections,
                                                    result.detections.size()),
                  medimg::ArgumentError);
}
