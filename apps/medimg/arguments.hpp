#pragma once

// Number parsing for the CLI's options, with messages that name the option.

#include <string>

#include "medimg/core/error.hpp"

namespace medimg::cli {

inline int parse_int(const std::string& option, const std::string& text) {
  try {
    std::size_t used = 0;
    const int value = std::stoi(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  throw ArgumentError(detail::concat(option, " expects an integer, got '", text, "'"));
}

inline double parse_double(const std::string& option, const std::string& text) {
  try {
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  throw ArgumentError(detail::concat(option, " expects a number, got '", text, "'"));
}

}  // namespace medimg::cli
