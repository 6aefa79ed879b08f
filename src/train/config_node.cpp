#include "config_node.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace medimg::train {

namespace config_types {

void throw_config_type(const std::string& path, const char* expected,
                       const nlohmann::json& got) {
  throw ArgumentError(::medimg::detail::concat("config key '", path, "': expected ", expected, ", got ",
                             got.dump()));
}

}  // namespace config_types

ConfigNode::ConfigNode(nlohmann::json value, std::string path)
    : value_(value.is_null() ? nlohmann::json::object() : std::move(value)),
      path_(std::move(path)),
      used_(std::make_shared<std::set<std::string>>()) {
  MEDIMG_CHECK(value_.is_object(), ArgumentError, "config key '", path_.empty() ? "<root>" : path_,
               "': expected a mapping of keys to values, got ", value_.dump());
}

std::string ConfigNode::key_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

const nlohmann::json& ConfigNode::raw(const std::string& key) const {
  static const nlohmann::json null;
  used_->insert(key);
  auto it = value_.find(key);
  return it == value_.end() ? null : *it;
}

ConfigNode ConfigNode::child(const std::string& key) const {
  return ConfigNode(raw(key), key_path(key));
}

std::vector<ConfigNode> ConfigNode::children(const std::string& key) const {
  const nlohmann::json& list = raw(key);
  std::vector<ConfigNode> out;
  if (list.is_null()) return out;
  MEDIMG_CHECK(list.is_array(), ArgumentError, "config key '", key_path(key),
               "': expected a list, got ", list.dump());
  for (std::size_t i = 0; i < list.size(); ++i) {
    out.emplace_back(list[i], key_path(key) + "[" + std::to_string(i) + "]");
  }
  return out;
}

std::vector<std::string> ConfigNode::keys() const {
  std::vector<std::string> out;
  for (auto it = value_.begin(); it != value_.end(); ++it) out.push_back(it.key());
  return out;
}

void ConfigNode::finish() const {
  for (auto it = value_.begin(); it != value_.end(); ++it) {
    if (used_->count(it.key())) continue;
    std::string known;
    for (const std::string& key : *used_) known += (known.empty() ? "" : ", ") + key;
    throw ArgumentError(detail::concat("unknown config key '", key_path(it.key()), "'",
                                       known.empty() ? "" : " (known: " + known + ")"));
  }
}

namespace {

// A plain YAML scalar as JSON: the YAML 1.2 core schema's booleans, null, integers and
// floats, anything else a string.
nlohmann::json yaml_scalar(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: always a string
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  long long integer = std::strtoll(begin, &end, 10);
  if (*end == '\0' && errno == 0) return static_cast<std::int64_t>(integer);
  errno = 0;
  double number = std::strtod(begin, &end);
  bool numeric = *end == '\0' && errno == 0 &&
                 text.find_first_of("0123456789") != std::string::npos &&
                 text.find_first_of("xXpP") == std::string::npos;
  if (numeric) return number;
  if (text == ".inf" || text == "+.inf") return std::numeric_limits<double>::infinity();
  if (text == "-.inf") return -std::numeric_limits<double>::infinity();
  return text;
}

nlohmann::json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return yaml_scalar(node);
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const YAML::Node& item : node) out.push_back(yaml_to_json(item));
      return out;
    }
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& item : node) out[item.first.as<std::string>()] = yaml_to_json(item.second);
      return out;
    }
  }
  return nullptr;
}

nlohmann::json parse_yaml(const std::string& text) { return yaml_to_json(YAML::Load(text)); }

}  // namespace

nlohmann::json parse_config_text(const std::string& text) {
  try {
    return parse_yaml(text);
  } catch (const YAML::Exception& e) {
    throw ArgumentError(detail::concat("config text is neither JSON nor YAML: ", e.what()));
  }
}

nlohmann::json read_config_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  MEDIMG_CHECK_FILE(in, IoError, path, "cannot open the config file");
  std::stringstream text;
  text << in.rdbuf();
  try {
    if (path.extension() == ".json") return nlohmann::json::parse(text.str());
    return parse_yaml(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw FormatError(path, detail::concat("is not valid JSON: ", e.what()));
  } catch (const YAML::Exception& e) {
    throw FormatError(path, detail::concat("is not valid YAML: ", e.what()));
  }
}

}  // namespace medimg::train
