#pragma once

/// Everything medimg offers, in one include. Prefer the individual headers in library code:
/// they compile faster.

#include "medimg/core/atomic_file.hpp"
#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/geometry.hpp"
#include "medimg/core/image.hpp"
#include "medimg/core/image_view.hpp"
#include "medimg/core/metadata.hpp"
#include "medimg/core/opencv_bridge.hpp"
#include "medimg/core/parallel.hpp"
#include "medimg/core/progress.hpp"
#include "medimg/core/statistics.hpp"
#include "medimg/io/raster.hpp"
#include "medimg/metrics/accumulator.hpp"
#include "medimg/metrics/bootstrap.hpp"
#include "medimg/metrics/classification.hpp"
#include "medimg/metrics/detection.hpp"
#include "medimg/metrics/distance_transform.hpp"
#include "medimg/metrics/kappa.hpp"
#include "medimg/metrics/overlap.hpp"
#include "medimg/metrics/point_set_distance.hpp"
#include "medimg/metrics/roc.hpp"
#include "medimg/metrics/surface_distance.hpp"
#include "medimg/version.hpp"
