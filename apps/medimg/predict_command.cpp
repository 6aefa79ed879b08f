// medimg predict MODEL INPUT OUTPUT: a segmentation network (a medimg model file or a
// TorchScript file) on one image, the result on the image's grid.
#include <c10/util/Exception.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "arguments.hpp"
#include "commands.hpp"
#include "image_output.hpp"
#include "medimg/core/error.hpp"
#include "medimg/io/read.hpp"
#include "medimg/train/pipeline.hpp"
#include "medimg/train/predictor.hpp"
#include "medimg/train/sample.hpp"
#include "progress_bar.hpp"

namespace medimg::cli {

namespace {

constexpr const char* kPredictUsage =
    "usage: medimg predict MODEL INPUT OUTPUT [options]\n"
    "\n"
    "Runs a segmentation network on INPUT (docs/train_inference.md) and writes the result on\n"
    "INPUT's grid: OUTPUT.nii[.gz] holds the K class probabilities (float32, K channels:\n"
    "softmax, or sigmoid for one output channel), or with --labels the label map (uint8);\n"
    "OUTPUT.png takes --labels only, from a 2D input. MODEL is a medimg model file\n"
    "(medimg.nn.save_model, medimg train) or a TorchScript file, told apart by content.\n"
    "\n"
    "options:\n"
    "  --roi Z,Y,X          sliding-window inference with this window (Y,X for 2D; -1 = the\n"
    "                       whole axis); without it one forward pass over the whole image\n"
    "  --overlap F          fraction shared by neighbouring windows, in [0, 1) (default 0.25)\n"
    "  --mode MODE          window blending: constant (default) or gaussian (nnU-Net)\n"
    "  --sw-batch N         windows per forward pass (default 1)\n"
    "  --labels             write the argmax label map (sigmoid > 0.5 for one channel)\n"
    "  --tta                average over the 2^D mirrored copies (nnU-Net's mirroring)\n"
    "  --preprocess STEPS   preprocessing of the training config, JSON or YAML, e.g.\n"
    "                       '[{\"window\": {\"preset\": \"abdomen\"}}]'; steps that keep the grid\n"
    "                       (window, normalize, clip, to_float), docs/train_data.md\n"
    "  --bf16               bfloat16 autocast on the CPU\n"
    "  --threads N          intra-op threads (default: LibTorch's)\n"
    "  --quiet              no progress bar\n";

struct PredictArguments {
  std::string model, input, output, preprocess;
  train::PredictOptions predict;
  train::PredictorOptions predictor;
  bool quiet = false;
};

PredictArguments parse(const std::vector<std::string>& args) {
  PredictArguments parsed;
  std::vector<std::string> positional;
  train::SlidingWindowOptions& window = parsed.predict.sliding_window;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> const std::string& { return option_value(args, i); };
    if (arg == "--roi") {
      window.roi_size = parse_int_list(arg, value());
      for (const std::int64_t size : window.roi_size) {
        MEDIMG_CHECK(size != 0 && size >= -1, ArgumentError,
                     "--roi sizes must be positive (or -1 for a whole axis), got ", size);
      }
    } else if (arg == "--overlap") {
      window.overlap = parse_double(arg, value());
      MEDIMG_CHECK(window.overlap >= 0 && window.overlap < 1, ArgumentError,
                   "--overlap must be in [0, 1), got ", window.overlap);
    } else if (arg == "--mode") {
      const std::string& mode = value();
      MEDIMG_CHECK(mode == "constant" || mode == "gaussian", ArgumentError,
                   "--mode must be constant or gaussian, got '", mode, "'");
      window.mode = train::parse_blend_mode(mode);
    } else if (arg == "--sw-batch") {
      window.sw_batch_size = parse_int(arg, value());
      MEDIMG_CHECK(window.sw_batch_size >= 1, ArgumentError, "--sw-batch must be >= 1");
    } else if (arg == "--labels") {
      parsed.predict.output = train::PredictionOutput::Labels;
    } else if (arg == "--tta") {
      window.flip_tta = true;
    } else if (arg == "--preprocess") {
      parsed.preprocess = value();
    } else if (arg == "--bf16") {
      parsed.predictor.bf16 = true;
    } else if (arg == "--threads") {
      parsed.predictor.num_threads = parse_int(arg, value());
      MEDIMG_CHECK(parsed.predictor.num_threads >= 1, ArgumentError, "--threads must be >= 1");
    } else if (arg == "--quiet") {
      parsed.quiet = true;
    } else if (!arg.empty() && arg[0] == '-') {
      throw ArgumentError(detail::concat("unknown option '", arg, "'"));
    } else {
      positional.push_back(arg);
    }
  }
  MEDIMG_CHECK(positional.size() == 3, ArgumentError, "expected MODEL, INPUT and OUTPUT, got ",
               positional.size(), " paths");
  parsed.model = positional[0];
  parsed.input = positional[1];
  parsed.output = positional[2];
  MEDIMG_CHECK(output_format(parsed.output) == OutputFormat::Nifti ||
                   parsed.predict.output == train::PredictionOutput::Labels,
               ArgumentError, "a PNG output holds a label map: add --labels, or write .nii.gz");
  return parsed;
}

// The preprocessing steps of a training config applied to the image alone; they must keep
// its grid, since the prediction is written on it.
Image preprocessed(const Image& image, const std::string& steps_text) {
  const train::Preprocessing steps = train::preprocessing_from_config(steps_text, "--preprocess");
  Sample sample;
  sample.image = image;
  train::preprocess(steps, sample);
  MEDIMG_CHECK(sample.image.spatial_shape() == image.spatial_shape() &&
                   sample.image.geometry().is_close(image.geometry()),
               ArgumentError, "--preprocess must keep the image's grid (window, normalize, clip, "
               "to_float); '", train::pipeline_key(steps), "' changes it");
  return sample.image;
}

// The model's own error, reduced to its last line: TorchScript prefixes it with both
// tracebacks, which name the model's code, not the user's mistake.
Error model_failure(const std::string& input, const Image& image, const std::string& message) {
  std::string reason = message;
  while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
  const std::size_t newline = reason.rfind('\n');
  if (newline != std::string::npos) reason = reason.substr(newline + 1);
  return Error(detail::concat("the model failed on ", input, " of shape ", image.tensor().sizes(),
                              " (C, [Z,] Y, X): ", reason));
}

}  // namespace

int predict_command(const std::vector<std::string>& args) {
  // Config syntax and unknown steps are argument errors too; check them before the work.
  auto parse_and_check = [](const std::vector<std::string>& arguments) {
    PredictArguments p = parse(arguments);
    if (!p.preprocess.empty()) train::preprocessing_from_config(p.preprocess, "--preprocess");
    return p;
  };
  PredictArguments parsed;
  if (const auto status = parse_command("predict", kPredictUsage, args, parse_and_check, parsed)) {
    return *status;
  }
  const OutputFormat format = output_format(parsed.output);
  const std::unique_ptr<train::Predictor> predictor =
      train::load_predictor(parsed.model, parsed.predictor);
  Image image = read_image(parsed.input);
  if (!parsed.preprocess.empty()) image = preprocessed(image, parsed.preprocess);

  train::SlidingWindowOptions& window = parsed.predict.sliding_window;
  MEDIMG_CHECK(window.roi_size.empty() ||
                   window.roi_size.size() == static_cast<std::size_t>(image.spatial_dims()),
               ArgumentError, "--roi has ", window.roi_size.size(), " sizes; ", parsed.input,
               " has ", image.spatial_dims(), " spatial axes ", image.tensor().sizes(),
               " (C, [Z,] Y, X)");
  if (!parsed.quiet && !window.roi_size.empty()) window.progress = draw_progress;

  Image result;
  try {
    result = predictor->predict(image, parsed.predict);
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    // LibTorch's message without its C++ backtrace; a channel count that does not fit the
    // network is the usual cause.
    throw model_failure(parsed.input, image, e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw model_failure(parsed.input, image, e.what());
  }
  if (format == OutputFormat::Png) {
    MEDIMG_CHECK(result.spatial_dims() == 2 || result.tensor().size(1) == 1, ArgumentError,
                 "a PNG holds one 2D label map; ", parsed.input,
                 " is a volume: write .nii.gz");
  }
  write_output(parsed.output, format, result, std::nullopt);
  std::cout << "wrote " << parsed.output << ": " << result.tensor().sizes() << ' '
            << result.dtype() << " ("
            << (parsed.predict.output == train::PredictionOutput::Labels ? "labels"
                                                                          : "probabilities")
            << ")\n";
  return 0;
}

}  // namespace medimg::cli
