// medimg: the command-line face of libmedimg.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "medimg/core/error.hpp"
#include "medimg/version.hpp"

namespace {

constexpr const char* kUsage =
    "usage: medimg <command> [arguments]\n"
    "\n"
    "commands:\n"
    "  info PATH              format, shape, dtype, geometry, intensity range, metadata\n"
    "  convert INPUT OUTPUT   an image or DICOM folder to .nii, .nii.gz or .png\n"
    "  window INPUT OUTPUT    an intensity window (CT preset, centre/width, DICOM) (--help)\n"
    "  segment-classic INPUT OUTPUT --method lungs|otsu|threshold\n"
    "                         a mask without a network (--help)\n"
    "  train CONFIG           train a network from a JSON/YAML config (--help for options)\n"
    "  predict MODEL INPUT OUTPUT\n"
    "                         a segmentation network's probabilities or labels (--help)\n"
    "  evaluate PRED REF      Dice, IoU, HD95, ASSD per case and label, CSV (--help)\n"
    "  explain MODEL IMAGE OUTPUT.png\n"
    "                         a classifier's prediction and Grad-CAM overlay (--help)\n"
    "  nodules CT --out DIR   lung nodules in a chest CT, LUNA16 CSV + overlays (--help)\n"
    "  benchmark              time the main kernels on synthetic data (--help)\n"
    "  demo [--out DIR]       the demo report, DIR/index.html (--help)\n"
    "  --version              print the version\n";

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "medimg " << medimg::kVersion << '\n';
    return 0;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    if (args[0] == "info") return medimg::cli::info_command(rest);
    if (args[0] == "convert") return medimg::cli::convert_command(rest);
    if (args[0] == "train") return medimg::cli::train_command(rest);
    if (args[0] == "nodules") return medimg::cli::nodules_command(rest);
    if (args[0] == "window") return medimg::cli::window_command(rest);
    if (args[0] == "segment-classic") return medimg::cli::segment_classic_command(rest);
    if (args[0] == "predict") return medimg::cli::predict_command(rest);
    if (args[0] == "evaluate") return medimg::cli::evaluate_command(rest);
    if (args[0] == "explain") return medimg::cli::explain_command(rest);
    if (args[0] == "benchmark") return medimg::cli::benchmark_command(rest);
    if (args[0] == "demo") return medimg::cli::demo_command(rest);
  } catch (const medimg::Error& e) {
    std::cerr << "medimg " << args[0] << ": " << e.what() << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "medimg " << args[0] << ": unexpected error: " << e.what() << '\n';
    return 1;
  }
  std::cerr << "medimg: unknown command '" << args[0] << "'\n\n" << kUsage;
  return 2;
}
