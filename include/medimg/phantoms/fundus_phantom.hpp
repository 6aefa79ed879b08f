#pragma once

/// A synthetic colour fundus photograph with known diabetic-retinopathy lesions: circular field
/// of view, orange-red retina with vignetting, optic disc and cup, a vessel tree, and
/// microaneurysms, haemorrhages and hard exudates whose count sets the grade (0-4). It stands in
/// for graded fundus photographs, which are not available here, when testing the DR grading
/// pipeline. One (grade, size, seed) gives one image. The grading rule: docs/fundus.md.

#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <vector>

#include "medimg/export.hpp"

namespace medimg {

/// Lesion classes of FundusPhantom::lesions.
enum class FundusLesionKind : std::uint8_t {
  Microaneurysm = 1,  ///< small dark-red dot
  Haemorrhage = 2,    ///< dark-red blot
  HardExudate = 3,    ///< bright yellow-white spot
};

/// One planted lesion, in pixel coordinates (x = column, y = row; pixel centres at integers).
struct FundusLesion {
  FundusLesionKind kind = FundusLesionKind::Microaneurysm;
  double x = 0.0;
  double y = 0.0;
  double radius = 0.0;  ///< pixels; the lesion's own pixels are those within it of (x, y)
};

struct FundusPhantom {
  at::Tensor image;    ///< (3, S, S) float32 R, G, B in [0, 1]; exactly 0 outside the field of view
  at::Tensor lesions;  ///< (S, S) uint8: 0 background, 1 microaneurysm, 2 haemorrhage, 3 exudate
  std::vector<FundusLesion> lesion_list;  ///< the same lesions, one per connected component
  int grade = 0;                          ///< 0 none ... 4 proliferative
  std::array<double, 2> fov_centre{};     ///< (x, y) pixels
  double fov_radius = 0.0;                ///< pixels; every pixel farther than radius + 0.5 is 0
  std::array<double, 2> disc_centre{};    ///< optic disc (x, y) pixels
  double disc_radius = 0.0;               ///< pixels
  /// Grade 4's tuft of new vessels (not in the lesion map): its loops stay within
  /// new_vessels_radius pixels of new_vessels_centre (x, y). Radius 0 for grades 0-3.
  std::array<double, 2> new_vessels_centre{};
  double new_vessels_radius = 0.0;
};

/// Renders one phantom of `grade` (0-4) on a size x size grid; geometry, colours, illumination
/// and lesions are drawn from `seed`. Lesion counts per grade (docs/fundus.md):
///   0: none; 1: 1-4 microaneurysms; 2: 5-10 microaneurysms plus 1-3 haemorrhages or 1-3
///   exudates; 3: 5-10 microaneurysms, 8-12 haemorrhages spread over all four quadrants, 0-2
///   exudates; 4: the grade-3 findings, 8-14 exudates and a tuft of new vessels by the disc.
/// Lesions lie inside the field of view, off the disc and off the large vessels, apart from
/// each other (each is one 4-connected component of the lesion map).
/// @throws ArgumentError for a grade outside 0..4 or a size outside [32, 4096].
MEDIMG_API FundusPhantom fundus_phantom(int grade, std::int64_t size = 128, std::uint64_t seed = 0);

/// A balanced data set of `n` phantoms.
struct FundusDataset {
  at::Tensor images;   ///< (n, 3, S, S) float32
  at::Tensor grades;   ///< (n,) int64
  at::Tensor lesions;  ///< (n, S, S) uint8
};

/// The grade of case `index` of fundus_dataset(n, size, seed) for any n > index: the grades of
/// each block of five cases (5b ... 5b + 4) are 0..4 in an order shuffled by (seed, b), so a
/// data set is balanced to within one case per grade and every prefix is a data set.
MEDIMG_API int fundus_dataset_grade(std::uint64_t seed, std::int64_t index);

/// The phantom seed of case `index` (a hash of seed and index).
MEDIMG_API std::uint64_t fundus_case_seed(std::uint64_t seed, std::int64_t index);

/// n phantoms rendered in parallel; case i is
/// fundus_phantom(fundus_dataset_grade(seed, i), size, fundus_case_seed(seed, i)), so any case
/// is reproducible on its own and fundus_dataset(m) is the first m cases of fundus_dataset(n).
/// @throws ArgumentError for n < 0 or a bad size (as fundus_phantom).
MEDIMG_API FundusDataset fundus_dataset(std::int64_t n, std::int64_t size = 128,
                                        std::uint64_t seed = 0);

}  // namespace medimg
