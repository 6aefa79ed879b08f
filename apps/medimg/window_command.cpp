// medimg window INPUT OUTPUT: an intensity window (a CT preset, centre and width, or the
// image's own DICOM window) written as NIfTI (float32 in [0, 1]) or PNG (uint8 0..255).
#include <ATen/ops/nan_to_num.h>
#include <ATen/ops/round.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "arguments.hpp"
#include "commands.hpp"
#include "image_output.hpp"
#include "medimg/core/error.hpp"
#include "medimg/io/read.hpp"
#include "medimg/preprocess/intensity.hpp"

namespace medimg::cli {

namespace {

constexpr const char* kWindowUsage =
    "usage: medimg window INPUT OUTPUT (--preset NAME | --center C --width W |\n"
    "                                   --from-metadata) [options]\n"
    "\n"
    "Maps intensities through a window to [0, 1] (docs/preprocess_intensity.md) and writes\n"
    "OUTPUT.nii[.gz] as float32 in [0, 1] with the input's geometry, or OUTPUT.png as uint8\n"
    "round(255 * value); a volume gives its axial slice --slice K (default: the middle one).\n"
    "\n"
    "window (one of):\n"
    "  --preset NAME        lung (-600, 1500), mediastinum (40, 400), bone (400, 1800),\n"
    "                       brain (40, 80), abdomen (50, 400), liver (60, 160): (centre, width)\n"
    "  --center C --width W a window in the input's units (HU for CT), W > 0\n"
    "  --from-metadata      the image's DICOM WindowCenter/WindowWidth (first values)\n"
    "\n"
    "options:\n"
    "  --mode MODE          linear-clip (clip to [C - W/2, C + W/2]; default), linear (DICOM\n"
    "                       LINEAR; default with --from-metadata) or linear-exact\n"
    "  --slice K            the axial slice of a volume written to a PNG (0 <= K < Z)\n";

struct WindowArguments {
  std::string input, output, preset, mode;
  std::optional<double> center, width;
  bool from_metadata = false;
  std::optional<std::int64_t> slice;
};

WindowMode parse_mode(const std::string& name) {
  if (name == "linear-clip") return WindowMode::LinearClip;
  if (name == "linear") return WindowMode::Linear;
  if (name == "linear-exact") return WindowMode::LinearExact;
  throw ArgumentError(detail::concat("--mode must be linear-clip, linear or linear-exact, got '",
                                     name, "'"));
}

WindowArguments parse(const std::vector<std::string>& args) {
  WindowArguments parsed;
  std::vector<std::string> positional;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> const std::string& { return option_value(args, i); };
    if (arg == "--preset") {
      parsed.preset = value();
    } else if (arg == "--center") {
      parsed.center = parse_double(arg, value());
    } else if (arg == "--width") {
      parsed.width = parse_double(arg, value());
    } else if (arg == "--from-metadata") {
      parsed.from_metadata = true;
    } else if (arg == "--mode") {
      parsed.mode = value();
      parse_mode(parsed.mode);
    } else if (arg == "--slice") {
      parsed.slice = parse_int(arg, value());
    } else if (!arg.empty() && arg[0] == '-') {
      throw ArgumentError(detail::concat("unknown option '", arg, "'"));
    } else {
      positional.push_back(arg);
    }
  }
  MEDIMG_CHECK(positional.size() == 2, ArgumentError, "expected INPUT and OUTPUT, got ",
               positional.size(), " paths");
  parsed.input = positional[0];
  parsed.output = positional[1];
  output_format(parsed.output);
  const int windows = !parsed.preset.empty() + parsed.from_metadata +
                      (parsed.center || parsed.width);
  MEDIMG_CHECK(windows == 1, ArgumentError,
               "give exactly one window: --preset NAME, --center C --width W, or "
               "--from-metadata");
  if (!parsed.preset.empty()) window_preset(parsed.preset);  // names the known presets
  MEDIMG_CHECK(!(parsed.center || parsed.width) || (parsed.center && parsed.width), ArgumentError,
               "--center and --width go together");
  MEDIMG_CHECK(!parsed.width || *parsed.width > 0, ArgumentError, "--width must be > 0, got ",
               parsed.width.value_or(0));
  return parsed;
}

}  // namespace

int window_command(const std::vector<std::string>& args) {
  WindowArguments parsed;
  if (const auto status = parse_command("window", kWindowUsage, args, parse, parsed)) {
    return *status;
  }
  const OutputFormat format = output_format(parsed.output);
  Image image = read_image(parsed.input);
  // Only the written slice needs windowing.
  if (format == OutputFormat::Png) image = axial_slice(image, parsed.slice);

  WindowOptions options;
  if (parsed.from_metadata) {
    options.mode(parsed.mode.empty() ? WindowMode::Linear : parse_mode(parsed.mode));
    MEDIMG_CHECK(image.meta().count("WindowCenter") && image.meta().count("WindowWidth"),
                 ArgumentError, "--from-metadata: ", parsed.input,
                 " has no DICOM WindowCenter/WindowWidth; use --preset or --center and --width");
    image = window_from_metadata(image, options);
  } else {
    if (!parsed.mode.empty()) options.mode(parse_mode(parsed.mode));
    const auto [center, width] = parsed.preset.empty()
                                     ? std::pair<double, double>(*parsed.center, *parsed.width)
                                     : window_preset(parsed.preset);
    image = window(image, center, width, options);
  }
  if (format == OutputFormat::Png) {
    // NaN voxels (which window keeps) become 0: uint8 has no NaN.
    image = image.with_tensor(
        at::round(at::nan_to_num(image.tensor(), 0.0).mul(255.0)).to(at::kByte));
  }
  write_output(parsed.output, format, image, parsed.slice);
  std::cout << "wrote " << parsed.output << ": " << image.tensor().sizes() << ' '
            << image.dtype() << '\n';
  return 0;
}

}  // namespace medimg::cli
