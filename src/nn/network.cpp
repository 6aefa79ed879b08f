#include "medimg/nn/network.hpp"

#include <c10/util/Exception.h>
#include <nlohmann/json.hpp>
#include <torch/serialize.h>

#include <fstream>
#include <iterator>
#include <optional>

#include "medimg/core/atomic_file.hpp"
#include "medimg/core/error.hpp"
#include "medimg/nn/cnn3d.hpp"
#include "medimg/nn/efficientnet.hpp"
#include "medimg/nn/resnet.hpp"
#include "medimg/nn/serialize.hpp"
#include "medimg/nn/unet.hpp"
#include "network_options.hpp"

namespace medimg::nn {
namespace {

using train::ConfigNode;
// Keys keep the constructor's order: the canonical options text is stable.
using OrderedJson = nlohmann::ordered_json;

// Version 1: {"medimg_model_format": 1, "architecture": str, "options": JSON str,
// "state": {name: tensor}}. Readers accept every version up to theirs.
constexpr std::int64_t kModelFormat = 1;

// ---- options → JSON, in the order of the Python constructors' keywords ----

OrderedJson describe(const UNetOptions& o) {
  return {{"spatial_dims", o.spatial_dims()},
          {"in_channels", o.in_channels()},
          {"out_channels", o.out_channels()},
          {"features", o.features()},
          {"norm", to_string(o.norm())},
          {"num_groups", o.num_groups()},
          {"activation", to_string(o.activation())},
          {"dropout", o.dropout()},
          {"upsample", to_string(o.upsample())},
          {"residual", o.residual()},
          {"deep_supervision", o.deep_supervision()},
          {"pad_input", o.pad_input()}};
}

OrderedJson describe(const ResNetOptions& o) {
  return {{"depth", o.depth()},
          {"spatial_dims", o.spatial_dims()},
          {"in_channels", o.in_channels()},
          {"num_classes", o.num_classes()},
          {"width", o.width()},
          {"cbam", o.cbam()},
          {"cbam_reduction", o.cbam_reduction()}};
}

OrderedJson describe(const EfficientNetOptions& o) {
  OrderedJson json = {{"variant", to_string(o.variant())},
                      {"spatial_dims", o.spatial_dims()},
                      {"in_channels", o.in_channels()},
                      {"num_classes", o.num_classes()},
                      {"dropout", o.dropout() ? OrderedJson(*o.dropout()) : OrderedJson(nullptr)},
                      {"stochastic_depth", o.stochastic_depth()},
                      {"cbam", o.cbam()},
                      {"cbam_reduction", o.cbam_reduction()}};
  // Written only when set (cbam_from_stage: when not 1; output_stride: when not 32), so the
  // options text of a variant's own network (and of every model file written before these
  // options existed) stays what it was.
  if (o.cbam_from_stage() != 1) json["cbam_from_stage"] = o.cbam_from_stage();
  if (o.width_multiplier()) json["width_multiplier"] = *o.width_multiplier();
  if (o.depth_multiplier()) json["depth_multiplier"] = *o.depth_multiplier();
  if (o.output_stride() != 32) {
    json["output_stride"] = o.output_stride();
    json["dilated"] = o.dilated();
  }
  return json;
}

OrderedJson describe(const CNN3dOptions& o) {
  return {{"in_channels", o.in_channels()},
          {"num_classes", o.num_classes()},
          {"features", o.features()},
          {"norm", to_string(o.norm())},
          {"num_groups", o.num_groups()},
          {"activation", to_string(o.activation())},
          {"dropout", o.dropout()}};
}

// ---- JSON → options ----

// A name option parsed by `parse`, whose error gains the key's path.
template <typename Parse>
auto parse_name(const ConfigNode& node, const std::string& key, const std::string& fallback,
                Parse&& parse) {
  const std::string name = node.get<std::string>(key, fallback);
  try {
    return parse(name);
  } catch (const ArgumentError& e) {
    throw ArgumentError(::medimg::detail::concat("config key '", node.key_path(key), "': ",
                                                 e.what()));
  }
}

std::shared_ptr<torch::nn::Module> build_unet(const ConfigNode& node) {
  UNetOptions o(node.require<std::int64_t>("spatial_dims"),
                node.require<std::int64_t>("in_channels"),
                node.require<std::int64_t>("out_channels"));
  const UNetOptions d = o;
  o.features(node.get("features", d.features()))
      .norm(parse_name(node, "norm", to_string(d.norm()), parse_norm))
      .num_groups(node.get("num_groups", d.num_groups()))
      .activation(parse_name(node, "activation", to_string(d.activation()), parse_activation))
      .dropout(node.get("dropout", d.dropout()))
      .upsample(parse_name(node, "upsample", to_string(d.upsample()), parse_upsample))
      .residual(node.get("residual", d.residual()))
      .deep_supervision(node.get("deep_supervision", d.deep_supervision()))
      .pad_input(node.get("pad_input", d.pad_input()));
  node.finish();
  return std::make_shared<UNetImpl>(o);
}

std::shared_ptr<torch::nn::Module> build_resnet(const ConfigNode& node) {
  ResNetOptions o(node.require<std::int64_t>("depth"));
  const ResNetOptions d = o;
  o.spatial_dims(node.get("spatial_dims", d.spatial_dims()))
      .in_channels(node.get("in_channels", d.in_channels()))
      .num_classes(node.get("num_classes", d.num_classes()))
      .width(node.get("width", d.width()))
      .cbam(node.get("cbam", d.cbam()))
      .cbam_reduction(node.get("cbam_reduction", d.cbam_reduction()));
  node.finish();
  return std::make_shared<ResNetImpl>(o);
}

std::shared_ptr<torch::nn::Module> build_efficientnet(const ConfigNode& node) {
  const EfficientNetOptions d;
  EfficientNetOptions o(
      parse_name(node, "variant", to_string(d.variant()), parse_efficientnet_variant));
  // null (Python's None) keeps the variant's own dropout.
  const bool has_dropout = !node.raw("dropout").is_null();
  // Likewise null or absent: the variant's multipliers.
  auto multiplier = [&node](const char* key) {
    return node.raw(key).is_null() ? std::nullopt
                                   : std::optional<double>(node.require<double>(key));
  };
  o.spatial_dims(node.get("spatial_dims", d.spatial_dims()))
      .in_channels(node.get("in_channels", d.in_channels()))
      .num_classes(node.get("num_classes", d.num_classes()))
      .dropout(has_dropout ? std::optional<double>(node.require<double>("dropout"))
                           : std::nullopt)
      .stochastic_depth(node.get("stochastic_depth", d.stochastic_depth()))
      .cbam(node.get("cbam", d.cbam()))
      .cbam_reduction(node.get("cbam_reduction", d.cbam_reduction()))
      .cbam_from_stage(node.get("cbam_from_stage", d.cbam_from_stage()))
      .width_multiplier(multiplier("width_multiplier"))
      .depth_multiplier(multiplier("depth_multiplier"))
      .output_stride(node.get("output_stride", d.output_stride()))
      .dilated(node.get("dilated", d.dilated()));
  node.finish();
  return std::make_shared<EfficientNetImpl>(o);
}

std::shared_ptr<torch::nn::Module> build_cnn3d(const ConfigNode& node) {
  const CNN3dOptions d;
  CNN3dOptions o(node.get("in_channels", d.in_channels()),
                 node.get("num_classes", d.num_classes()));
  o.features(node.get("features", d.features()))
      .norm(parse_name(node, "norm", to_string(d.norm()), parse_norm))
      .num_groups(node.get("num_groups", d.num_groups()))
      .activation(parse_name(node, "activation", to_string(d.activation()), parse_activation))
      .dropout(node.get("dropout", d.dropout()));
  node.finish();
  return std::make_shared<CNN3dImpl>(o);
}

// ---- model files ----

std::vector<char> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  MEDIMG_CHECK_FILE(in.good(), IoError, path, "cannot be opened for reading");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The entry `key` of a model file's dict, of the kind `is_kind` accepts.
template <typename IsKind>
c10::IValue model_entry(const c10::impl::GenericDict& file, const char* key, IsKind&& is_kind,
                        const char* kind, const std::filesystem::path& path) {
  const auto it = file.find(c10::IValue(std::string(key)));
  MEDIMG_CHECK_FILE(it != file.end(), FormatError, path,
                    "is not a medimg model file: it has no '", key, "' entry");
  MEDIMG_CHECK_FILE(is_kind(it->value()), FormatError, path, "has a '", key,
                    "' entry that is not ", kind);
  return it->value();
}

}  // namespace

namespace detail {

Network build_network(const std::string& architecture, const ConfigNode& options) {
  if (architecture == "unet") return Network(build_unet(options));
  if (architecture == "resnet") return Network(build_resnet(options));
  if (architecture == "efficientnet") return Network(build_efficientnet(options));
  if (architecture == "cnn3d") return Network(build_cnn3d(options));
  throw ArgumentError(::medimg::detail::concat(
      "unknown architecture '", architecture, "' (known: unet, resnet, efficientnet, cnn3d)"));
}

}  // namespace detail

Network::Network(std::shared_ptr<torch::nn::Module> module) : module_(std::move(module)) {
  MEDIMG_CHECK(module_ != nullptr, ArgumentError, "Network: the module is null");
  // Each forward_ holds the typed pointer, so forward() costs one indirect call.
  if (auto unet = std::dynamic_pointer_cast<UNetImpl>(module_)) {
    architecture_ = "unet";
    options_json_ = describe(unet->options).dump();
    forward_ = [unet](const at::Tensor& x) { return unet->forward(x); };
  } else if (auto resnet = std::dynamic_pointer_cast<ResNetImpl>(module_)) {
    architecture_ = "resnet";
    options_json_ = describe(resnet->options).dump();
    forward_ = [resnet](const at::Tensor& x) { return resnet->forward(x); };
  } else if (auto efficientnet = std::dynamic_pointer_cast<EfficientNetImpl>(module_)) {
    architecture_ = "efficientnet";
    options_json_ = describe(efficientnet->options).dump();
    forward_ = [efficientnet](const at::Tensor& x) { return efficientnet->forward(x); };
  } else if (auto cnn3d = std::dynamic_pointer_cast<CNN3dImpl>(module_)) {
    architecture_ = "cnn3d";
    options_json_ = describe(cnn3d->options).dump();
    forward_ = [cnn3d](const at::Tensor& x) { return cnn3d->forward(x); };
  } else {
    throw ArgumentError(::medimg::detail::concat(
        "Network: ", module_->name(),
        " is not a medimg network with an architecture name (UNet, ResNet, EfficientNet or "
        "CNN3d)"));
  }
}

const std::string& Network::architecture() const { return architecture_; }

const std::string& Network::options_json() const { return options_json_; }

std::shared_ptr<torch::nn::Module> Network::module() const { return module_; }

at::Tensor Network::forward(const at::Tensor& x) const {
  MEDIMG_CHECK(defined(), ArgumentError, "forward() of an empty Network");
  return forward_(x);
}

Network build_network(const std::string& architecture, const std::string& options_json) {
  nlohmann::json options;
  try {
    options = nlohmann::json::parse(options_json);
  } catch (const nlohmann::json::exception& e) {
    throw ArgumentError(::medimg::detail::concat("options of the ", architecture,
                                                 " network are not valid JSON: ", e.what()));
  }
  MEDIMG_CHECK(options.is_object(), ArgumentError, "options of the ", architecture,
               " network must be a JSON object, got ", options.dump());
  return detail::build_network(architecture, ConfigNode(std::move(options), architecture));
}

void save_model(const Network& network, const std::filesystem::path& path) {
  MEDIMG_CHECK(network.defined(), ArgumentError, "save_model: the network is empty");
  const Network current(network.module());  // options as they are now
  c10::Dict<std::string, at::Tensor> state;
  for (const auto& item : state_dict(*current.module())) {
    state.insert(item.key(), item.value().detach().cpu());
  }
  c10::impl::GenericDict file(c10::StringType::get(), c10::AnyType::get());
  file.insert(std::string("medimg_model_format"), kModelFormat);
  file.insert(std::string("architecture"), current.architecture());
  file.insert(std::string("options"), current.options_json());
  file.insert(std::string("state"), state);
  const std::vector<char> bytes = torch::pickle_save(file);
  write_atomically(path, [&](const std::filesystem::path& temporary) {
    std::ofstream out(temporary, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    MEDIMG_CHECK_FILE(out.good(), IoError, temporary, "could not be written");
  });
}

Network load_model(const std::filesystem::path& path) {
  MEDIMG_CHECK_FILE(std::filesystem::is_regular_file(path), IoError, path, "does not exist");
  const std::vector<char> bytes = read_bytes(path);
  c10::IValue value;
  try {
    value = torch::pickle_load(bytes);
  } catch (const c10::Error& e) {
    throw FormatError(path, ::medimg::detail::concat(
                                "is not a medimg model file (save_model), or it is truncated: ",
                                e.what_without_backtrace()));
  }
  MEDIMG_CHECK_FILE(value.isGenericDict(), FormatError, path,
                    "is not a medimg model file: it does not hold a dict");
  const c10::impl::GenericDict file = value.toGenericDict();
  const std::int64_t version =
      model_entry(file, "medimg_model_format", [](const c10::IValue& v) { return v.isInt(); },
                  "an integer", path)
          .toInt();
  MEDIMG_CHECK_FILE(version >= 1 && version <= kModelFormat, FormatError, path,
                    "has model format ", version, "; this medimg reads formats 1 to ",
                    kModelFormat, " (was it written by a newer medimg?)");
  auto is_string = [](const c10::IValue& v) { return v.isString(); };
  const std::string architecture =
      model_entry(file, "architecture", is_string, "a string", path).toStringRef();
  const std::string options = model_entry(file, "options", is_string, "a string", path).toStringRef();
  const c10::IValue weights = model_entry(
      file, "state", [](const c10::IValue& v) { return v.isGenericDict(); }, "a dict", path);

  StateDict state;
  for (const auto& item : weights.toGenericDict()) {
    MEDIMG_CHECK_FILE(item.key().isString() && item.value().isTensor(), FormatError, path,
                      "holds a 'state' entry that is not name: tensor");
    state.insert(item.key().toStringRef(), item.value().toTensor());
  }
  try {
    Network network = build_network(architecture, options);
    load_state_dict(*network.module(), state, /*strict=*/true);
    return network;
  } catch (const IoError&) {
    throw;
  } catch (const Error& e) {
    throw FormatError(path, ::medimg::detail::concat("holds a ", architecture,
                                                     " network that cannot be rebuilt: ",
                                                     e.what()));
  }
}

}  // namespace medimg::nn
