#pragma once

/// A synthetic chest CT with known truth: body, fat, spine and ribs, two lungs with vessel
/// trees, trachea, heart, and solid or part-solid nodules, in Hounsfield units with partial
/// volume and noise. It stands in for labelled chest CT, which is scarce here, when testing
/// lung masks and nodule detection. One seed gives one phantom.

#include <Eigen/Core>

#include <cstdint>
#include <vector>

#include "medimg/augment/random.hpp"
#include "medimg/core/image.hpp"
#include "medimg/export.hpp"

namespace medimg {

struct CtPhantomOptions {
  std::vector<std::int64_t> shape{96, 160, 160};  ///< (z, y, x) voxels
  std::vector<double> spacing{2.5, 2.0, 2.0};     ///< (z, y, x) mm
  int nodules = 4;                                 ///< how many, split between the lungs
  Range nodule_diameter{4.0, 20.0};                ///< mm, drawn uniformly
  double part_solid_fraction = 0.25;  ///< share of nodules with a ground-glass halo
  int vessel_generations = 5;         ///< branchings of each lung's vessel tree
  double noise_std = 15.0;            ///< HU, Gaussian
  double blur = 0.7;  ///< mm, sigma of the scanner's point spread; partial volume adds the
                      ///< voxel's own extent on top
  std::uint64_t seed = 0;
};

/// One planted nodule.
struct PhantomNodule {
  Eigen::Vector3d centre;  ///< world LPS mm
  Eigen::Vector3d index;   ///< continuous (z, y, x) index of the centre
  double diameter = 0.0;   ///< mm, of the whole nodule (halo included for part-solid)
  bool part_solid = false;
  int lung = 0;            ///< 1 right, 2 left
};

struct CtPhantom {
  Image ct;     ///< (1, Z, Y, X) float32 HU; world LPS with the volume centred on 0
  Image lungs;  ///< (1, Z, Y, X) uint8: 1 right lung, 2 left lung (vessels and nodules inside
                ///< count as lung; heart, trachea and chest wall do not)
  Image nodule_labels;  ///< (1, Z, Y, X) int32: nodule k (1-based, order of `nodules`) or 0
  std::vector<PhantomNodule> nodules;
};

/// Renders a phantom. The anatomy scales with the field of view (shape × spacing), so any
/// grid from 64³ to full 512² resolution gives a chest of plausible proportions.
/// @throws ArgumentError for spacing <= 0, a shape that is not 3 values >= 16, a negative
///         nodule count, a diameter range outside (0, 40] mm or a negative noise or blur.
MEDIMG_API CtPhantom make_ct_phantom(const CtPhantomOptions& options = {});

}  // namespace medimg
