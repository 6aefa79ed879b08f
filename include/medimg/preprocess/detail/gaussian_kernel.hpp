#pragma once

// The one Gaussian kernel of the library: preprocess::gaussian_filter and classic's Canny
// both sample it, so that both equal scipy.ndimage.

#include <vector>

namespace medimg::detail {

/// scipy's _gaussian_kernel1d(sigma, order 0, radius = int(truncate * sigma + 0.5)):
/// exp(-x^2 / (2 sigma^2)) over [-radius, radius], normalised to sum 1. sigma > 0.
std::vector<double> gaussian_weights(double sigma, double truncate);

}  // namespace medimg::detail
