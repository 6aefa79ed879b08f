#pragma once

// The CLI's progress bar for long work, drawn on stderr so that stdout stays parseable.

#include <iostream>
#include <string>

#include "medimg/core/progress.hpp"

namespace medimg::cli {

/// One line on stderr, redrawn in place: "sliding window [########          ] 12/30"; erased
/// when the stage completes.
inline void draw_progress(const Progress& progress) {
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(progress.fraction() * kWidth);
  std::cerr << '\r' << progress.stage << " [" << std::string(filled, '#')
            << std::string(kWidth - filled, ' ') << "] " << progress.done << '/' << progress.total
            << std::flush;
  if (progress.done == progress.total) std::cerr << '\r' << std::string(60, ' ') << '\r';
}

}  // namespace medimg::cli
