#pragma once

// The CLI's argument handling: the common front of every command and number parsing with
// messages that name the option.

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "medimg/core/error.hpp"

namespace medimg::cli {

/// The value of the option args[i] (args[i + 1]), advancing i past it.
/// @throws ArgumentError "OPTION needs a value" when the option is the last argument.
inline const std::string& option_value(const std::vector<std::string>& args, std::size_t& i) {
  MEDIMG_CHECK(i + 1 < args.size(), ArgumentError, args[i], " needs a value");
  return args[++i];
}

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

/// The front every command shares: with --help or -h, prints `usage` and gives exit status
/// 0; when `parse` throws ArgumentError, prints "medimg NAME: message" and the usage and gives
/// 2; otherwise stores the parsed arguments in `parsed` and gives nothing.
template <class Parsed, class Parse>
std::optional<int> parse_command(const char* name, const char* usage,
                                 const std::vector<std::string>& args, Parse parse,
                                 Parsed& parsed) {
  if (std::find(args.begin(), args.end(), "--help") != args.end() ||
      std::find(args.begin(), args.end(), "-h") != args.end()) {
    std::cout << usage;
    return 0;
  }
  try {
    parsed = parse(args);
  } catch (const ArgumentError& e) {
    std::cerr << "medimg " << name << ": " << e.what() << "\n\n" << usage;
    return 2;
  }
  return std::nullopt;
}

}  // namespace medimg::cli
