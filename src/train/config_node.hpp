#pragma once

/// Strict reading of configuration trees (JSON or YAML files, Python dicts as JSON text).
///
/// A ConfigNode is one JSON object being read. Every key read is marked; finish() rejects
/// the others, so a misspelt key fails loudly with its full path instead of being ignored.
/// Type errors name the key's path too ("trainer.epochs: expected an integer, got 2.5").
/// Private to the library: public headers take JSON as text.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "medimg/core/error.hpp"

namespace medimg::train {

namespace config_types {

/// "an integer", "a number", ...: what a value of type T must look like, for messages.
template <typename T>
struct ConfigType;

[[noreturn]] void throw_config_type(const std::string& path, const char* expected,
                                    const nlohmann::json& got);

template <>
struct ConfigType<bool> {
  static bool read(const nlohmann::json& v, const std::string& path) {
    if (!v.is_boolean()) throw_config_type(path, "true or false", v);
    return v.get<bool>();
  }
};
template <>
struct ConfigType<std::int64_t> {
  static std::int64_t read(const nlohmann::json& v, const std::string& path) {
    if (!v.is_number_integer()) throw_config_type(path, "an integer", v);
    return v.get<std::int64_t>();
  }
};
template <>
struct ConfigType<double> {
  static double read(const nlohmann::json& v, const std::string& path) {
    if (!v.is_number()) throw_config_type(path, "a number", v);
    return v.get<double>();
  }
};
template <>
struct ConfigType<std::string> {
  static std::string read(const nlohmann::json& v, const std::string& path) {
    if (!v.is_string()) throw_config_type(path, "a string", v);
    return v.get<std::string>();
  }
};
template <typename E>
struct ConfigType<std::vector<E>> {
  static std::vector<E> read(const nlohmann::json& v, const std::string& path) {
    if (!v.is_array()) throw_config_type(path, "a list", v);
    std::vector<E> out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      out.push_back(ConfigType<E>::read(v[i], path + "[" + std::to_string(i) + "]"));
    }
    return out;
  }
};

}  // namespace config_types

class ConfigNode {
 public:
  /// `value` must be an object (or null, read as an empty object); `path` names it in
  /// messages ("" for the root, "model", "data.preprocess[0]").
  ConfigNode(nlohmann::json value, std::string path);

  bool has(const std::string& key) const { return value_.contains(key); }

  /// The value of `key` converted to T (bool, std::int64_t, double, std::string or
  /// std::vector of those), or `fallback` when the key is absent or null.
  /// @throws ArgumentError naming the key's path when the type is wrong.
  template <typename T>
  T get(const std::string& key, T fallback) const {
    used_->insert(key);
    auto it = value_.find(key);
    if (it == value_.end() || it->is_null()) return fallback;
    return config_types::ConfigType<T>::read(*it, key_path(key));
  }

  /// As get() without a fallback.
  /// @throws ArgumentError when the key is missing.
  template <typename T>
  T require(const std::string& key) const {
    used_->insert(key);
    auto it = value_.find(key);
    MEDIMG_CHECK(it != value_.end() && !it->is_null(), ArgumentError, "missing key '",
                 key_path(key), "'");
    return config_types::ConfigType<T>::read(*it, key_path(key));
  }

  /// The object at `key` (an empty object when absent).
  /// @throws ArgumentError when it is not an object.
  ConfigNode child(const std::string& key) const;

  /// The objects of the list at `key` (none when absent).
  /// @throws ArgumentError when it is not a list of objects.
  std::vector<ConfigNode> children(const std::string& key) const;

  /// The raw value of `key` (null when absent), marked as read.
  const nlohmann::json& raw(const std::string& key) const;

  const nlohmann::json& json() const noexcept { return value_; }
  const std::string& path() const noexcept { return path_; }
  std::vector<std::string> keys() const;
  /// "path.key", or "key" at the root.
  std::string key_path(const std::string& key) const;

  /// @throws ArgumentError naming the first key that was never read, with the known keys.
  void finish() const;

 private:
  nlohmann::json value_;
  std::string path_;
  std::shared_ptr<std::set<std::string>> used_;  // shared by copies of this node
};

/// A configuration file: JSON (.json) or YAML (.yaml, .yml; YAML 1.2 is a superset of JSON,
/// so other extensions are parsed as YAML), as a JSON tree. YAML scalars become booleans,
/// integers, numbers or null when they read as such, strings otherwise (quoted ones always).
/// @throws IoError for a missing file; FormatError naming the line for a syntax error.
nlohmann::json read_config_file(const std::filesystem::path& path);

/// As read_config_file for text (JSON or YAML).
/// @throws ArgumentError for a syntax error.
nlohmann::json parse_config_text(const std::string& text);

}  // namespace medimg::train
