#pragma once

/// The lung-nodule detection pipeline: a chest CT in HU → lungs → nodule candidates by
/// density → false-positive reduction by a 3D CNN on isotropic patches → detections ranked
/// by probability (docs/lung_nodules.md). Each stage is a public member, so its output can be
/// saved and inspected, and the network is any train::Predictor: a medimg model file or a
/// TorchScript model trained elsewhere.

#include <ATen/core/Tensor.h>
#include <Eigen/Core>

#include <memory>
#include <string>
#include <vector>

#include "medimg/classic/lung.hpp"
#include "medimg/core/image.hpp"
#include "medimg/export.hpp"
#include "medimg/pipelines/nodule_patches.hpp"

namespace medimg::train {
class Predictor;  // train/predictor.hpp: keeps LibTorch's module headers out of this one
}

namespace medimg::pipelines {

struct LungNoduleOptions {
  LungMaskOptions lungs;
  NoduleCandidateOptions candidates;  ///< its opening_radius is replaced by opening_radii
  /// mm: the candidate stage runs nodule_candidates once per radius and merges the lists.
  /// One radius cuts vessels off small nodules but erases nodules narrower than twice it;
  /// larger radii free large nodules from thick hilar vessels. A candidate of a later
  /// radius is dropped when an earlier one lies within either's radius.
  std::vector<double> opening_radii{3.5, 5.0, 7.0};
  NodulePatchOptions patches;
  std::int64_t batch_size = 32;  ///< patches per forward pass of the network
  /// The network's output column holding the nodule class for (N, C >= 2) logits, which are
  /// turned into probabilities by a softmax; (N, 1) logits go through a sigmoid.
  std::int64_t nodule_class = 1;
  /// A CT whose lowest value lies above this is refused as not being in HU (air is -1000).
  double max_air_hu = -500.0;
};

/// One ranked finding.
struct NoduleDetection {
  Eigen::Vector3d centre;  ///< world (x, y, z) LPS mm
  Eigen::Vector3d index;   ///< continuous (z, y, x) index
  double diameter = 0.0;   ///< mm, of the candidate's equal-volume sphere
  /// The network's nodule probability; without a network, the classical score
  /// 1 / elongation (1 for a sphere, lower for vessel segments; 0 for a single voxel).
  double probability = 0.0;
  NoduleCandidate candidate;  ///< what the candidate stage measured
};

/// Every stage's output for one scan.
struct LungNoduleResult {
  Image lungs;  ///< uint8: 1 right lung, 2 left lung
  std::vector<NoduleCandidate> candidates;  ///< in the candidate stage's order
  std::vector<NoduleDetection> detections;  ///< all candidates, highest probability first
  double seconds_lungs = 0.0, seconds_candidates = 0.0, seconds_scoring = 0.0;
};

class MEDIMG_API LungNoduleDetector {
 public:
  /// @param network the false-positive reduction model; null ranks by the classical score.
  /// @throws ArgumentError for batch_size < 1, a negative nodule_class, no or a negative
  ///         opening radius, or bad patch options.
  explicit LungNoduleDetector(LungNoduleOptions options = {},
                              std::shared_ptr<train::Predictor> network = nullptr);
  ~LungNoduleDetector();

  /// Checks that `ct_hu` can be scanned for nodules: a one-channel 3D image, without NaN, in
  /// HU (its lowest value at most max_air_hu), with a DICOM Modality of CT when it has one,
  /// and covering at least half a patch (size × spacing / 2 mm) along z.
  /// @throws ShapeError, ArgumentError naming what is wrong.
  void check_ct(const Image& ct_hu) const;

  /// Stage 1, classic::lung_mask. @throws ArgumentError when no lung is found.
  Image lungs(const Image& ct_hu) const;
  /// Stage 2, classic::nodule_candidates inside `lungs` for each of opening_radii, merged;
  /// largest first within each radius, radii in order.
  std::vector<NoduleCandidate> candidates(const Image& ct_hu, const Image& lungs) const;
  /// Stage 3 input: nodule_patches at the candidates' centres.
  at::Tensor patches(const Image& ct_hu, const std::vector<NoduleCandidate>& candidates) const;
  /// Stage 3: each candidate's nodule probability, in the candidates' order.
  /// @throws ShapeError when the network's output is not (N, C) with nodule_class < C or
  ///         (N, 1).
  std::vector<double> score(const Image& ct_hu, const std::vector<NoduleCandidate>& candidates) const;

  /// All stages; check_ct first.
  LungNoduleResult detect(const Image& ct_hu) const;

  const LungNoduleOptions& options() const noexcept { return options_; }
  bool has_network() const noexcept { return network_ != nullptr; }

 private:
  LungNoduleOptions options_;
  std::shared_ptr<train::Predictor> network_;
};

}  // namespace medimg::pipelines
