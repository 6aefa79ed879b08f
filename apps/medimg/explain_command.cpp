// medimg explain MODEL IMAGE OUTPUT.png: the class a medimg classifier gives a 2D image, its
// probabilities, and where it looked (Grad-CAM) as a colour overlay.
#include <ATen/ops/sigmoid.h>
#include <ATen/ops/softmax.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "arguments.hpp"
#include "commands.hpp"
#include "image_output.hpp"
#include "medimg/core/error.hpp"
#include "medimg/io/raster.hpp"
#include "medimg/io/read.hpp"
#include "medimg/nn/gradcam.hpp"
#include "medimg/nn/network.hpp"
#include "medimg/nn/overlay.hpp"
#include "medimg/train/predictor.hpp"

namespace medimg::cli {

namespace {

constexpr const char* kExplainUsage =
    "usage: medimg explain MODEL IMAGE OUTPUT.png [options]\n"
    "\n"
    "Classifies a 2D image with a medimg classification model file (ResNet, EfficientNet;\n"
    "medimg.nn.save_model, medimg train), prints the predicted class and the probabilities\n"
    "(softmax; sigmoid for one output), and writes the Grad-CAM heat map of the class over\n"
    "the image as an RGB PNG (docs/nn.md). The network sees IMAGE as it is, at its own size:\n"
    "uint8 values divided by 255 (as training on MedMNIST does), other dtypes unchanged; a\n"
    "grey image is repeated to 3 channels and an RGB image averaged to 1 when the network\n"
    "wants that (an alpha channel is dropped).\n"
    "\n"
    "options:\n"
    "  --class K            the class to explain (default: the predicted one)\n"
    "  --layer NAME         the layer whose activation is weighted (default: the network's\n"
    "                       last top-level stage, e.g. layer4 of a ResNet, features of an\n"
    "                       EfficientNet); a wrong name lists the candidates\n"
    "  --method M           gradcam (default), gradcam++ or layercam\n"
    "  --alpha A            weight of the heat map in the overlay, in [0, 1] (default 0.4)\n"
    "  --colormap NAME      an OpenCV colour map: jet (default), turbo, viridis, ...\n";

struct ExplainArguments {
  std::string model, image, output, layer;
  std::optional<std::int64_t> class_index;
  nn::CamMethod method = nn::CamMethod::GradCam;
  nn::OverlayOptions overlay;
};

ExplainArguments parse(const std::vector<std::string>& args) {
  ExplainArguments parsed;
  std::vector<std::string> positional;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> const std::string& { return option_value(args, i); };
    if (arg == "--class") {
      parsed.class_index = parse_int(arg, value());
      MEDIMG_CHECK(*parsed.class_index >= 0, ArgumentError, "--class must be >= 0, got ",
                   *parsed.class_index);
    } else if (arg == "--layer") {
      parsed.layer = value();
    } else if (arg == "--method") {
      parsed.method = nn::parse_cam_method(value());
    } else if (arg == "--alpha") {
      parsed.overlay.alpha(parse_double(arg, value()));
      MEDIMG_CHECK(parsed.overlay.alpha() >= 0 && parsed.overlay.alpha() <= 1, ArgumentError,
                   "--alpha must be in [0, 1], got ", parsed.overlay.alpha());
    } else if (arg == "--colormap") {
      parsed.overlay.colormap(nn::parse_colormap(value()));
    } else if (!arg.empty() && arg[0] == '-') {
      throw ArgumentError(detail::concat("unknown option '", arg, "'"));
    } else {
      positional.push_back(arg);
    }
  }
  MEDIMG_CHECK(positional.size() == 3, ArgumentError, "expected MODEL, IMAGE and OUTPUT.png, got ",
               positional.size(), " paths");
  parsed.model = positional[0];
  parsed.image = positional[1];
  parsed.output = positional[2];
  MEDIMG_CHECK(has_suffix(parsed.output, ".png"), ArgumentError,
               "the output is a PNG overlay and must end in .png, got '", parsed.output, "'");
  return parsed;
}

// The input channels the network expects: those of its first convolution's weight.
std::int64_t input_channels(const nn::Network& network) {
  for (const at::Tensor& p : network.module()->parameters()) {
    if (p.dim() >= 4) return p.size(1);
  }
  throw ArgumentError(detail::concat("the ", network.architecture(),
                                     " network has no convolution to read its input channels "
                                     "from"));
}

// The batch (1, channels, Y, X) the network sees (see the usage text).
at::Tensor network_input(const Image& image, std::int64_t channels) {
  at::Tensor x = image.tensor().scalar_type() == at::kByte ? image.tensor().to(at::kFloat).div(255.0)
                                                           : image.tensor().to(at::kFloat);
  if (x.size(0) == 4) x = x.slice(0, 0, 3);  // RGBA: the colour without the alpha
  if (x.size(0) != channels) {
    if (x.size(0) == 1) {
      x = x.expand({channels, x.size(1), x.size(2)});
    } else if (channels == 1) {
      x = x.mean(0, /*keepdim=*/true);
    }
  }
  MEDIMG_CHECK(x.size(0) == channels, ShapeError, "the network takes ", channels,
               " input channels; the image has ", image.channels());
  return x.unsqueeze(0).contiguous();
}

// The default Grad-CAM layer: the last top-level module that holds a convolution.
std::string default_layer(const nn::Network& network) {
  std::string layer;
  for (const std::string& name : nn::gradcam_layers(*network.module())) {
    if (name.find('.') == std::string::npos) layer = name;
  }
  MEDIMG_CHECK(!layer.empty(), ArgumentError, "the ", network.architecture(),
               " network has no top-level convolutional stage; name one with --layer");
  return layer;
}

}  // namespace

int explain_command(const std::vector<std::string>& args) {
  ExplainArguments parsed;
  if (const auto status = parse_command("explain", kExplainUsage, args, parse, parsed)) {
    return *status;
  }
  MEDIMG_CHECK(!train::TorchScriptPredictor::is_torchscript_file(parsed.model), ArgumentError,
               parsed.model, " is a TorchScript file; explain needs a medimg model file "
               "(medimg.nn.save_model), whose layers it can name");
  const nn::Network network = nn::load_model(parsed.model);
  network.module()->eval();
  const Image image = squeeze_single_slice(read_image(parsed.image));
  MEDIMG_CHECK(image.spatial_dims() == 2, ShapeError, "explain takes a 2D image; ",
               parsed.image, " has shape ", image.tensor().sizes(), " (C, Z, Y, X)");
  const at::Tensor x = network_input(image, input_channels(network));

  at::Tensor probabilities;
  {
    c10::InferenceMode inference;
    const at::Tensor logits = network.forward(x);
    MEDIMG_CHECK(logits.dim() == 2, ArgumentError, "explain needs a classification network "
                 "(output (N, classes)); the ", network.architecture(), " gives shape ",
                 logits.sizes());
    probabilities = (logits.size(1) == 1 ? at::sigmoid(logits) : at::softmax(logits, 1))[0];
  }
  const std::int64_t classes = probabilities.size(0);
  const std::int64_t predicted = classes == 1 ? (probabilities[0].item<double>() > 0.5 ? 1 : 0)
                                              : probabilities.argmax().item<std::int64_t>();
  // One output: its logit is the only score to explain, whichever way it decides.
  const std::int64_t explained = parsed.class_index.value_or(classes == 1 ? 0 : predicted);
  MEDIMG_CHECK(explained < classes, ArgumentError, "--class ", explained,
               " is out of range: the network has ", classes, " classes");

  const std::string layer = parsed.layer.empty() ? default_layer(network) : parsed.layer;
  const at::Tensor cam = nn::gradcam(
      *network.module(), [&network](const at::Tensor& batch) { return network.forward(batch); },
      x, nn::GradCamOptions(layer).class_index({explained}).method(parsed.method));
  const Image shown = image.channels() == 4 ? image.with_tensor(image.tensor().slice(0, 0, 3))
                                            : image;
  write_png(parsed.output, nn::overlay(shown, cam[0], parsed.overlay));

  std::cout << "predicted class: " << predicted << '\n' << "probabilities:";
  for (std::int64_t c = 0; c < classes; ++c) {
    std::cout << ' ' << std::fixed << std::setprecision(6) << probabilities[c].item<double>();
  }
  std::cout << '\n'
            << "wrote " << parsed.output << ": Grad-CAM of class " << explained << " at layer "
            << layer << " (" << nn::to_string(parsed.method) << ")\n";
  return 0;
}

}  // namespace medimg::cli
