#include <ATen/TensorOperators.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "detail/components.hpp"
#include "detail/ct_volume.hpp"
#include "detail/physical_footprint.hpp"
#include "medimg/classic/label.hpp"
#include "medimg/classic/lung.hpp"
#include "medimg/classic/morphology.hpp"
#include "medimg/classic/regionprops.hpp"
#include "medimg/core/error.hpp"

namespace medimg {

namespace {

// The blobs of `dense` (26 neighbours) whose size and shape pass the options.
std::vector<NoduleCandidate> measure_blobs(const at::Tensor& dense, const at::Tensor& hu,
                                           const Geometry& geometry,
                                           const NoduleCandidateOptions& options) {
  const LabelResult blobs = label(dense, 3);
  std::vector<NoduleCandidate> candidates;
  for (const RegionProps& p : regionprops(blobs.labels, geometry, hu)) {
    // A handful of voxels has no meaningful shape (a 2-voxel blob is "infinitely" elongated).
    const bool shaped = p.area < options.min_shape_voxels || p.elongation <= options.max_elongation;
    if (p.equivalent_diameter < options.min_diameter ||
        p.equivalent_diameter > options.max_diameter || !shaped) {
      continue;
    }
    NoduleCandidate c;
    c.centre = p.centroid_world;
    c.index = Eigen::Vector3d(p.centroid[0], p.centroid[1], p.centroid[2]);
    c.diameter = p.equivalent_diameter;
    c.volume = p.volume;
    c.mean_hu = p.intensity_mean;
    c.elongation = p.elongation;
    c.voxels = p.area;
    candidates.push_back(c);
  }
  return candidates;
}

// Whether `c` lies within the radius of one of `found` (or one of them within c's).
bool already_found(const NoduleCandidate& c, const std::vector<NoduleCandidate>& found) {
  return std::any_of(found.begin(), found.end(), [&](const NoduleCandidate& f) {
    return (f.centre - c.centre).norm() <= std::max(f.diameter, c.diameter) / 2;
  });
}

}  // namespace

std::vector<NoduleCandidate> nodule_candidates(const Image& ct_hu, const Image& lungs,
                                               const NoduleCandidateOptions& options) {
  constexpr const char* kName = "nodule_candidates";
  const at::Tensor hu = detail::ct_volume(ct_hu, kName);
  MEDIMG_CHECK(lungs.defined(), ArgumentError, kName, ": expected a lung mask, got none");
  MEDIMG_CHECK(lungs.spatial_shape() == ct_hu.spatial_shape() && lungs.channels() == 1,
               ShapeError, kName, ": the lung mask ", lungs.tensor().sizes(),
               " must have the CT's shape ", ct_hu.tensor().sizes());
  MEDIMG_CHECK(options.min_diameter >= 0 && options.min_diameter <= options.max_diameter,
               ArgumentError, kName, ": expected 0 <= min_diameter <= max_diameter, got ",
               options.min_diameter, " and ", options.max_diameter);
  MEDIMG_CHECK(options.opening_radius >= 0, ArgumentError, kName,
               ": opening_radius must be >= 0 mm, got ", options.opening_radius);
  MEDIMG_CHECK(!std::isnan(options.max_elongation), ArgumentError, kName,
               ": max_elongation is NaN");
  MEDIMG_CHECK(options.min_shape_voxels >= 0, ArgumentError, kName,
               ": min_shape_voxels must be >= 0, got ", options.min_shape_voxels);

  const at::Tensor dense =
      (hu > options.threshold) & detail::binary(lungs.tensor().select(0, 0));
  // Isolated blobs as they are, then the blobs left once an opening has cut the thin
  // vessels off (nodules on a vessel tree only appear there).
  std::vector<NoduleCandidate> candidates =
      measure_blobs(dense, hu, ct_hu.geometry(), options);
  if (options.opening_radius > 0) {
    const Footprint ellipsoid = detail::physical_footprint(
        options.opening_radius, detail::spacing_zyx(ct_hu), false);
    const std::vector<NoduleCandidate> isolated = candidates;
    for (const NoduleCandidate& c :
         measure_blobs(binary_opening(dense, ellipsoid), hu, ct_hu.geometry(), options)) {
      if (!already_found(c, isolated)) candidates.push_back(c);
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const NoduleCandidate& a, const NoduleCandidate& b) {
                     return a.diameter > b.diameter;
                   });
  return candidates;
}

}  // namespace medimg
