#pragma once

/// The names of interpolations and border modes, shared by Python keywords, configuration
/// files and the command line, so one spelling works everywhere.

#include <string>
#include <string_view>

#include "medimg/export.hpp"
#include "medimg/preprocess/interpolation.hpp"

namespace medimg {

/// "nearest", "linear" or "bspline3" (also scipy's orders "0", "1", "3").
/// @throws ArgumentError for any other name, listing the accepted ones.
MEDIMG_API Interpolation parse_interpolation(std::string_view name);

/// "constant", "edge", "reflect", "mirror" or "wrap" (also scipy's spellings
/// "grid-constant", "nearest", "grid-mirror", "grid-wrap").
/// @throws ArgumentError for any other name, listing the accepted ones.
MEDIMG_API BorderMode parse_border_mode(std::string_view name);

/// The canonical names parse_interpolation and parse_border_mode accept.
MEDIMG_API std::string to_string(Interpolation interpolation);
MEDIMG_API std::string to_string(BorderMode border);

}  // namespace medimg
