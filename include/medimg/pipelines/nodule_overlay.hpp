#pragma once

/// Pictures of lung-nodule detections for reports: the axial CT slice through a detection in
/// the lung window with the detection circled.

#include <vector>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"
#include "medimg/pipelines/lung_nodule.hpp"

namespace medimg::pipelines {

struct NoduleOverlayOptions {
  double window_low = -1000.0;  ///< HU shown black
  double window_high = 400.0;   ///< HU shown white
  /// The circle's radius is the detection's radius plus this margin, at least min_radius_mm.
  double margin_mm = 3.0;
  double min_radius_mm = 5.0;
  bool label = true;  ///< write "#rank p=… d=…mm" beside the circle
};

/// The axial slice through `detections[highlight]` (the slice of its rounded z index) as an
/// RGB uint8 Image (3, Y, X): the CT in the window, every detection whose sphere cuts the
/// slice circled — the highlighted one in red, the others in yellow — with the slice's 2D
/// geometry.
/// @throws ShapeError for a CT that is not (1, Z, Y, X); ArgumentError for an empty
///         detection list, highlight out of range or an empty window.
MEDIMG_API Image nodule_overlay(const Image& ct_hu, const std::vector<NoduleDetection>& detections,
                                std::size_t highlight, const NoduleOverlayOptions& options = {});

}  // namespace medimg::pipelines
