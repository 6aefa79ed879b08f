#pragma once

// Values that ConfigNode::get does not read on its own: [low, high] pairs, "one number or
// one per axis", and names from a fixed set. Errors name the key's full path, as
// ConfigNode's do. Private to the library.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "config_node.hpp"

namespace medimg::train {

// Builders read every key first, then call finish(), then check values: an unknown key is
// then reported as such even when another value is also wrong.

/// The [low, high] list at `key` (two numbers; their order is checked by the caller), or
/// `fallback` when absent.
std::pair<double, double> get_pair(const ConfigNode& node, const std::string& key,
                                   std::pair<double, double> fallback);

/// A number or a list of numbers at `key`; empty when absent.
std::vector<double> get_numbers(const ConfigNode& node, const std::string& key);

/// An integer or a list of integers at `key`; `fallback` when absent.
std::vector<std::int64_t> get_integers(const ConfigNode& node, const std::string& key,
                                       std::vector<std::int64_t> fallback = {});

/// The string at `key`, which must be one of `choices`; `fallback` when absent.
std::string get_choice(const ConfigNode& node, const std::string& key, std::string fallback,
                       const std::vector<std::string>& choices);

/// @throws ArgumentError naming the key unless `value` is one of `choices`.
void check_choice(const ConfigNode& node, const std::string& key, const std::string& value,
                  const std::vector<std::string>& choices);

/// "a, b, c".
std::string join_names(const std::vector<std::string>& names);

}  // namespace medimg::train
