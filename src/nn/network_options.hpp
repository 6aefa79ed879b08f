#pragma once

// Networks from config trees, for the library's own readers (the trainer's "model" section):
// the same keys as build_network(), with error messages that name the key's full path.

#include <string>

#include "../train/config_node.hpp"
#include "medimg/nn/network.hpp"

namespace medimg::nn::detail {

/// build_network() for an options node already parsed; finish()es it, so unknown keys are
/// reported as "unknown config key '<node path>.<key>'".
Network build_network(const std::string& architecture, const train::ConfigNode& options);

}  // namespace medimg::nn::detail
