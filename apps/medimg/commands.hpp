#pragma once

// Subcommands of the medimg CLI; each takes its own arguments (after the subcommand name)
// and returns the process exit status.

#include <string>
#include <vector>

namespace medimg::cli {

/// medimg info PATH: shape, dtype, geometry, intensity range and metadata of an image.
int info_command(const std::vector<std::string>& args);

}  // namespace medimg::cli
