// medimg segment-classic INPUT OUTPUT --method lungs|otsu|threshold: segmentation without a
// network (classic/lung.hpp, classic/threshold.hpp), written as a NIfTI or PNG mask.
#include <algorithm>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "arguments.hpp"
#include "commands.hpp"
#include "image_output.hpp"
#include "medimg/classic/label.hpp"
#include "medimg/classic/lung.hpp"
#include "medimg/classic/morphology.hpp"
#include "medimg/classic/threshold.hpp"
#include "medimg/core/error.hpp"
#include "medimg/io/read.hpp"

namespace medimg::cli {

namespace {

constexpr const char* kSegmentClassicUsage =
    "usage: medimg segment-classic INPUT OUTPUT --method lungs|otsu|threshold [options]\n"
    "\n"
    "Segments a one-channel image without a network (docs/classic.md, docs/classic_lung.md)\n"
    "and writes the mask as OUTPUT.nii[.gz] (uint8, the input's geometry) or OUTPUT.png\n"
    "(a volume gives its axial slice --slice K, default the middle one).\n"
    "\n"
    "methods:\n"
    "  lungs                the lungs of a chest CT in HU (classic lung_mask): 1 right lung,\n"
    "                       2 left lung, 0 elsewhere (a PNG holds these values as they are)\n"
    "  otsu                 voxels above Otsu's threshold (skimage.filters.threshold_otsu,\n"
    "                       256 bins), a 0/1 mask (0/255 in a PNG)\n"
    "  threshold            voxels with L <= value <= H, a 0/1 mask (0/255 in a PNG)\n"
    "\n"
    "options:\n"
    "  --low L, --high H    the threshold range (at least one; the other end is open)\n"
    "  --largest            keep the largest connected component (full connectivity)\n"
    "  --fill-holes         fill the holes of the mask (face connectivity, in 3D for volumes,\n"
    "                       as scipy.ndimage.binary_fill_holes); after --largest\n"
    "  --slice K            the axial slice of a volume written to a PNG (0 <= K < Z)\n";

enum class Method { Lungs, Otsu, Threshold };

struct SegmentArguments {
  std::string input, output;
  Method method = Method::Otsu;
  std::optional<double> low, high;
  bool largest = false, fill_holes = false;
  std::optional<std::int64_t> slice;
};

SegmentArguments parse(const std::vector<std::string>& args) {
  SegmentArguments parsed;
  std::vector<std::string> positional;
  std::string method;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> const std::string& { return option_value(args, i); };
    if (arg == "--method") {
      method = value();
    } else if (arg == "--low") {
      parsed.low = parse_double(arg, value());
    } else if (arg == "--high") {
      parsed.high = parse_double(arg, value());
    } else if (arg == "--largest") {
      parsed.largest = true;
    } else if (arg == "--fill-holes") {
      parsed.fill_holes = true;
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
  if (method == "lungs") {
    parsed.method = Method::Lungs;
  } else if (method == "otsu") {
    parsed.method = Method::Otsu;
  } else if (method == "threshold") {
    parsed.method = Method::Threshold;
  } else {
    throw ArgumentError(method.empty() ? std::string("missing --method lungs|otsu|threshold")
                                       : detail::concat("--method must be lungs, otsu or "
                                                        "threshold, got '", method, "'"));
  }
  const bool range = parsed.low || parsed.high;
  MEDIMG_CHECK(range == (parsed.method == Method::Threshold), ArgumentError,
               range ? "--low and --high belong to --method threshold"
                     : "--method threshold needs --low L and/or --high H");
  MEDIMG_CHECK(!parsed.low || !parsed.high || *parsed.low <= *parsed.high, ArgumentError,
               "--low must not exceed --high, got ", parsed.low.value_or(0), " > ",
               parsed.high.value_or(0));
  MEDIMG_CHECK(parsed.method != Method::Lungs || !(parsed.largest || parsed.fill_holes),
               ArgumentError,
               "--largest and --fill-holes belong to otsu and threshold (lungs keeps the two "
               "largest air regions and fills their holes itself)");
  return parsed;
}

// A 0/1 mask (bool, the spatial shape) of a one-channel image by Otsu or a range, then its
// largest component and hole filling when asked.
at::Tensor binary_mask(const Image& image, const SegmentArguments& parsed) {
  const at::Tensor voxels = image.tensor()[0];
  at::Tensor mask;
  if (parsed.method == Method::Otsu) {
    const double t = threshold_otsu(voxels);
    std::cout << "Otsu threshold: " << std::setprecision(10) << t << '\n';
    mask = threshold(voxels, t);
  } else {
    constexpr double kInfinity = std::numeric_limits<double>::infinity();
    mask = threshold_range(voxels, parsed.low.value_or(-kInfinity),
                           parsed.high.value_or(kInfinity));
  }
  if (parsed.largest) mask = keep_largest(mask, 1);
  if (parsed.fill_holes) mask = fill_holes(mask);
  return mask;
}

}  // namespace

int segment_classic_command(const std::vector<std::string>& args) {
  SegmentArguments parsed;
  if (const auto status =
          parse_command("segment-classic", kSegmentClassicUsage, args, parse, parsed)) {
    return *status;
  }
  const OutputFormat format = output_format(parsed.output);
  const Image image = read_image(parsed.input);
  MEDIMG_CHECK(image.channels() == 1, ShapeError, "segment-classic needs a one-channel image; ",
               parsed.input, " has ", image.channels(), " channels");

  Image mask;
  if (parsed.method == Method::Lungs) {
    MEDIMG_CHECK(image.spatial_dims() == 3 && image.tensor().size(1) > 1, ShapeError,
                 "--method lungs needs a CT volume (Z, Y, X) in HU; ", parsed.input,
                 " has shape ", image.tensor().sizes());
    mask = lung_mask(image);
  } else {
    mask = Image(binary_mask(image, parsed).unsqueeze(0), image.geometry());
  }
  // A PNG of a bool mask holds 0/255 (visible); NIfTI stores it as uint8 0/1.
  write_output(parsed.output, format, mask, parsed.slice);
  const std::int64_t foreground = mask.tensor().count_nonzero().item<std::int64_t>();
  std::cout << "wrote " << parsed.output << ": " << foreground << " of "
            << mask.tensor().numel() << " voxels in the mask\n";
  return 0;
}

}  // namespace medimg::cli
