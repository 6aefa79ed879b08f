#pragma once

// Shared by the spatial transforms.

#include "medimg/preprocess/interpolation.hpp"

namespace medimg::detail {

/// How a label map is resampled: nearest neighbour, background (0) outside unless the
/// image's border mode copies or reflects content.
inline SampleOptions label_sampling(BorderMode border) {
  SampleOptions options;
  options.interpolation = Interpolation::Nearest;
  options.border = border;
  options.fill_value = 0.0;
  return options;
}

}  // namespace medimg::detail
