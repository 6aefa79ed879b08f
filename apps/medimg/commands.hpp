#pragma once

// Subcommands of the medimg CLI; each takes its own arguments (after the subcommand name)
// and returns the process exit status.

#include <string>
#include <vector>

namespace medimg::cli {

/// medimg info PATH: format, shape, dtype, geometry, intensity range and metadata of an image
/// (a DICOM folder or file, NIfTI, PNG/JPEG/TIFF/BMP).
int info_command(const std::vector<std::string>& args);

/// medimg convert INPUT OUTPUT: any readable image (e.g. a DICOM folder) to NIfTI or PNG.
int convert_command(const std::vector<std::string>& args);

/// medimg train CONFIG [--nproc N ...]: trains what a JSON/YAML config describes.
int train_command(const std::vector<std::string>& args);

/// medimg nodules CT --out DIR [--model FILE ...]: the lung-nodule pipeline on one chest CT.
int nodules_command(const std::vector<std::string>& args);

/// medimg window INPUT OUTPUT (--preset NAME | --center C --width W | --from-metadata): an
/// intensity window written as NIfTI (float32 in [0, 1]) or PNG (uint8).
int window_command(const std::vector<std::string>& args);

/// medimg segment-classic INPUT OUTPUT --method lungs|otsu|threshold: a mask without a network.
int segment_classic_command(const std::vector<std::string>& args);

/// medimg predict MODEL INPUT OUTPUT: a segmentation network's probabilities or labels.
int predict_command(const std::vector<std::string>& args);

/// medimg evaluate PRED REF: Dice, IoU, HD95 and ASSD per case and label, CSV and summary.
int evaluate_command(const std::vector<std::string>& args);

/// medimg explain MODEL IMAGE OUTPUT.png: a classifier's prediction and its Grad-CAM overlay.
int explain_command(const std::vector<std::string>& args);

/// medimg benchmark [--size small|full]: times libmedimg's main kernels on synthetic data.
int benchmark_command(const std::vector<std::string>& args);

/// medimg demo [--out DIR] [--quick]: the demo report of the source tree it was built from.
int demo_command(const std::vector<std::string>& args);

}  // namespace medimg::cli
