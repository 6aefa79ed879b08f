#pragma once

// Pipelines from configuration nodes: what preprocessing_from_config and
// augmentation_from_config do after parsing the text, and what the trainer's config reader
// calls on `data.preprocess` / `data.augment`. Private to the library.

#include <memory>
#include <string>
#include <vector>

#include "config_node.hpp"
#include "medimg/train/pipeline.hpp"

namespace medimg::train {

/// The steps of a configuration list, `items` as ConfigNode::children gives them: each item
/// holds exactly one key, the step's name, whose object holds the parameters.
/// @throws ArgumentError naming the item or key for anything wrong.
Preprocessing preprocessing_from_nodes(const std::vector<ConfigNode>& items);

/// As preprocessing_from_nodes for augmentation steps.
std::shared_ptr<Compose> augmentation_from_nodes(const std::vector<ConfigNode>& items);

/// The one step `name` built from `params`, or nullptr when the name is unknown. Builders
/// read every key, call params.finish(), then check the values, so that an unknown key is
/// reported as such.
std::shared_ptr<const PreprocessStep> make_preprocess_step(const std::string& name,
                                                           const ConfigNode& params);

/// The one augmentation step `name` and its probability in the Compose, or a null transform
/// when the name is unknown.
struct AugmentStep {
  std::shared_ptr<const Transform> transform;
  double probability = 1.0;
};
AugmentStep make_augment_step(const std::string& name, const ConfigNode& params);

/// The name of a configuration item (its only key) after checking its form; `kind` is
/// "preprocessing" or "augmentation" for messages.
std::string step_name(const ConfigNode& item, const std::vector<std::string>& known,
                      const char* kind);

/// Runs `body`, turning an ArgumentError or ShapeError it throws into an ArgumentError that
/// starts with "config key '<path>': ", so checks made by the library's functions still name
/// the key.
template <typename Body>
auto at_config_key(const std::string& path, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const ArgumentError& e) {
    throw ArgumentError(detail::concat("config key '", path, "': ", e.what()));
  } catch (const ShapeError& e) {
    throw ArgumentError(detail::concat("config key '", path, "': ", e.what()));
  }
}

}  // namespace medimg::train
