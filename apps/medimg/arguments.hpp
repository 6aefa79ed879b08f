#pragma once

// Number parsing for the CLI's options, with messages that name the option.

#include <cstdint>
#include <string>
#include <vector>

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

/// "16,64,64" → {16, 64, 64}.
inline std::vector<std::int64_t> parse_int_list(const std::string& option,
                                                const std::string& text) {
  std::vector<std::int64_t> values;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    try {
      values.push_back(parse_int(option, item));
    } catch (const ArgumentError&) {
      throw ArgumentError(detail::concat(option, " expects integers separated by commas, got '",
                                         text, "'"));
    }
    if (comma == std::string::npos) return values;
    start = comma + 1;
  }
}

}  // namespace medimg::cli
