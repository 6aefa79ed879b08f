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

}  // namespace medimg::cli
