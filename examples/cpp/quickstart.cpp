#include <medimg/medimg.hpp>
#include <torch/torch.h>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 3) return std::cerr << "usage: quickstart CT_DICOM OUT_PNG\n", 2;
  const medimg::Image ct = medimg::read_image(argv[1]);             // Hounsfield units, LPS
  std::cout << ct << '\n' << ct.geometry().affine() << '\n';
  torch::Tensor lung = ((ct.tensor() + 1350) / 1500).clamp(0, 1) * 255;  // window -600 / 1500
  medimg::write_png(argv[2], ct.with_tensor(lung.to(torch::kByte)));
  const auto stats = medimg::channel_stats(ct);
  std::cout << "HU range " << stats[0].min << " .. " << stats[0].max << '\n';
}
