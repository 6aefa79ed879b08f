#include "medimg/train/pipeline.hpp"

#include <algorithm>
#include <utility>

#include "config_values.hpp"
#include "pipeline_config.hpp"

namespace medimg::train {
namespace {

/// A step from a key and a function: every built-in step is one of these.
class FunctionStep final : public PreprocessStep {
 public:
  FunctionStep(std::string key, std::function<void(Sample&)> apply)
      : key_(std::move(key)), apply_(std::move(apply)) {}
  std::string key() const override { return key_; }
  void operator()(Sample& sample) const override { apply_(sample); }

 private:
  std::string key_;
  std::function<void(Sample&)> apply_;
};

/// The items of a configuration list given as text.
std::vector<ConfigNode> items_of(const std::string& text, const std::string& path) {
  const nlohmann::json list = parse_config_text(text);
  std::vector<ConfigNode> items;
  if (list.is_null()) return items;
  if (!list.is_array()) config_types::throw_config_type(path, "a list of steps", list);
  for (std::size_t i = 0; i < list.size(); ++i) {
    items.emplace_back(list[i], path + "[" + std::to_string(i) + "]");
  }
  return items;
}

}  // namespace

std::string step_name(const ConfigNode& item, const std::vector<std::string>& known,
                      const char* kind) {
  const std::vector<std::string> keys = item.keys();
  MEDIMG_CHECK(keys.size() == 1, ArgumentError, "config key '", item.path(), "': each ", kind,
               " step is one key naming it ({\"", known.front(), "\": {...}}), got ",
               item.json().dump());
  const std::string& name = keys.front();
  MEDIMG_CHECK(std::find(known.begin(), known.end(), name) != known.end(), ArgumentError,
               "config key '", item.key_path(name), "': unknown ", kind, " step '", name,
               "' (known: ", join_names(known), ")");
  return name;
}

Preprocessing preprocessing_from_nodes(const std::vector<ConfigNode>& items) {
  Preprocessing steps;
  const std::vector<std::string> known = preprocessing_step_names();
  for (const ConfigNode& item : items) {
    const std::string name = step_name(item, known, "preprocessing");
    const ConfigNode params = item.child(name);
    steps.push_back(make_preprocess_step(name, params));
    params.finish();
    item.finish();
  }
  return steps;
}

std::shared_ptr<Compose> augmentation_from_nodes(const std::vector<ConfigNode>& items) {
  auto compose = std::make_shared<Compose>();
  const std::vector<std::string> known = augmentation_step_names();
  for (const ConfigNode& item : items) {
    const std::string name = step_name(item, known, "augmentation");
    const ConfigNode params = item.child(name);
    AugmentStep step = make_augment_step(name, params);
    params.finish();
    item.finish();
    compose->add(std::move(step.transform), step.probability);
  }
  return compose;
}

Preprocessing preprocessing_from_config(const std::string& text, const std::string& path) {
  return preprocessing_from_nodes(items_of(text, path));
}

std::shared_ptr<Compose> augmentation_from_config(const std::string& text,
                                                  const std::string& path) {
  return augmentation_from_nodes(items_of(text, path));
}

std::shared_ptr<const PreprocessStep> custom_step(std::string key,
                                                  std::function<void(Sample&)> apply) {
  MEDIMG_CHECK(!key.empty(), ArgumentError, "custom_step: the key must not be empty");
  MEDIMG_CHECK(static_cast<bool>(apply), ArgumentError, "custom_step '", key,
               "': the function is empty");
  return std::make_shared<const FunctionStep>(std::move(key), std::move(apply));
}

void preprocess(const Preprocessing& steps, Sample& sample) {
  for (const auto& step : steps) (*step)(sample);
}

std::string pipeline_key(const Preprocessing& steps) {
  std::string key;
  for (const auto& step : steps) key += (key.empty() ? "" : " | ") + step->key();
  return key;
}

}  // namespace medimg::train
