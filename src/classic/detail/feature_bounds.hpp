#pragma once

// Whether a Haar feature's rectangles lie inside the detection window, so that its four
// lookups per rectangle stay inside the window's tables.

#include <cstdint>
#include <string>

#include "medimg/classic/haar_features.hpp"

namespace medimg::detail {

/// "" when every rectangle of `feature` fits a height x width window, else what does not.
std::string feature_outside_window(const HaarFeature& feature, std::int64_t height,
                                   std::int64_t width);

}  // namespace medimg::detail
