#include <iostream>

#include "commands.hpp"
#include "image_output.hpp"
#include "medimg/core/error.hpp"
#include "medimg/io/nifti.hpp"
#include "medimg/io/raster.hpp"
#include "medimg/io/read.hpp"

namespace medimg::cli {

int convert_command(const std::vector<std::string>& args) {
  if (args.size() != 2) {
    std::cerr << "usage: medimg convert INPUT OUTPUT.nii[.gz]|OUTPUT.png\n";
    return 2;
  }
  const std::string& output = args[1];
  const bool nifti = has_suffix(output, ".nii") || has_suffix(output, ".nii.gz");
  MEDIMG_CHECK(nifti || has_suffix(output, ".png"), ArgumentError,
               "the output must end in .nii, .nii.gz or .png, got '", output, "'");
  const Image image = read_image(args[0]);
  if (nifti) {
    write_nifti(output, image);
  } else {
    write_png(output, image);
  }
  std::cout << "wrote " << output << ": " << image.tensor().sizes() << ' ' << image.geometry()
            << '\n';
  return 0;
}

}  // namespace medimg::cli
