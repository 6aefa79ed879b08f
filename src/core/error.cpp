#include "medimg/core/error.hpp"

namespace medimg {

IoError::IoError(std::filesystem::path path, const std::string& message)
    : Error(path.empty() ? message : path.string() + ": " + message), path_(std::move(path)) {}

}  // namespace medimg
