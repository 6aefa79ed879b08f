#include "config_values.hpp"

#include <algorithm>

namespace medimg::train {

std::pair<double, double> get_pair(const ConfigNode& node, const std::string& key,
                                   std::pair<double, double> fallback) {
  const nlohmann::json& value = node.raw(key);
  if (value.is_null()) return fallback;
  if (!value.is_array() || value.size() != 2 || !value[0].is_number() || !value[1].is_number()) {
    config_types::throw_config_type(node.key_path(key), "a list [low, high] of two numbers", value);
  }
  return {value[0].get<double>(), value[1].get<double>()};
}

std::vector<double> get_numbers(const ConfigNode& node, const std::string& key) {
  const nlohmann::json& value = node.raw(key);
  if (value.is_null()) return {};
  if (value.is_number()) return {value.get<double>()};
  return config_types::ConfigType<std::vector<double>>::read(value, node.key_path(key));
}

std::vector<std::int64_t> get_integers(const ConfigNode& node, const std::string& key,
                                       std::vector<std::int64_t> fallback) {
  const nlohmann::json& value = node.raw(key);
  if (value.is_null()) return fallback;
  if (value.is_number_integer()) return {value.get<std::int64_t>()};
  return config_types::ConfigType<std::vector<std::int64_t>>::read(value, node.key_path(key));
}

std::string get_choice(const ConfigNode& node, const std::string& key, std::string fallback,
                       const std::vector<std::string>& choices) {
  std::string value = node.get<std::string>(key, std::move(fallback));
  check_choice(node, key, value, choices);
  return value;
}

void check_choice(const ConfigNode& node, const std::string& key, const std::string& value,
                  const std::vector<std::string>& choices) {
  MEDIMG_CHECK(std::find(choices.begin(), choices.end(), value) != choices.end(), ArgumentError,
               "config key '", node.key_path(key), "': unknown value '", value, "' (known: ",
               join_names(choices), ")");
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace medimg::train
