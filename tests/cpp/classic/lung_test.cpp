#include "medimg/classic/lung.hpp"

#include <ATen/TensorOperators.h>
#include <ATen/ops/full.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>

#include "medimg/core/error.hpp"
#include "medimg/phantoms/ct_phantom.hpp"

namespace {

double dice(const at::Tensor& a, const at::Tensor& b) {
  const double both = (a & b).sum().item<double>();
  return 2.0 * both / (a.sum().item<double>() + b.sum().item<double>());
}

medimg::CtPhantom small_phantom() {
  medimg::CtPhantomOptions options;
  options.shape = {48, 96, 96};
  options.spacing = {5.0, 3.2, 3.2};
  options.nodules = 4;
  options.nodule_diameter = {8.0, 20.0};
  options.seed = 7;
  return medimg::make_ct_phantom(options);
}

}  // namespace

TEST_CASE("lung_mask finds the phantom's right and left lungs", "[lung]") {
  const medimg::CtPhantom phantom = small_phantom();
  const medimg::Image lungs = medimg::lung_mask(phantom.ct);
  CHECK(lungs.dtype() == at::kByte);
  CHECK(lungs.geometry().spacing() == phantom.ct.geometry().spacing());
  const at::Tensor found = lungs.tensor(), truth = phantom.lungs.tensor();
  CHECK(dice(found > 0, truth > 0) >= 0.98);
  CHECK(dice(found == 1, truth == 1) >= 0.98);
  CHECK(dice(found == 2, truth == 2) >= 0.98);
}

TEST_CASE("nodule_candidates contain every phantom nodule", "[lung]") {
  const medimg::CtPhantom phantom = small_phantom();
  const auto candidates = medimg::nodule_candidates(phantom.ct, medimg::lung_mask(phantom.ct));
  REQUIRE_FALSE(candidates.empty());
  CHECK(std::is_sorted(candidates.begin(), candidates.end(),
                       [](const auto& a, const auto& b) { return a.diameter > b.diameter; }));
  for (const medimg::PhantomNodule& nodule : phantom.nodules) {
    double nearest = std::numeric_limits<double>::infinity();
    for (const auto& c : candidates) nearest = std::min(nearest, (c.centre - nodule.centre).norm());
    CHECK(nearest <= nodule.diameter / 2);
  }
}

TEST_CASE("lung helpers refuse bad input and give empty results for no air", "[lung]") {
  const medimg::Image flat(at::full({1, 8, 8}, 40.0f));
  CHECK_THROWS_AS(medimg::lung_mask(flat), medimg::ShapeError);
  at::Tensor nan = at::full({1, 6, 8, 8}, 40.0f);
  nan[0][1][2][3] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_AS(medimg::lung_mask(medimg::Image(nan)), medimg::ArgumentError);
  medimg::LungMaskOptions negative;
  negative.min_lung_fraction = 2.0;
  const medimg::Image tissue(at::full({1, 6, 16, 16}, 40.0f));
  CHECK_THROWS_AS(medimg::lung_mask(tissue, negative), medimg::ArgumentError);

  const medimg::Image none = medimg::lung_mask(tissue);
  CHECK(none.tensor().sum().item<int>() == 0);
  CHECK(medimg::nodule_candidates(tissue, none).empty());
  CHECK_THROWS_AS(medimg::nodule_candidates(tissue, medimg::Image(at::full({1, 6, 8, 8}, 1.0f))),
                  medimg::ShapeError);
}
