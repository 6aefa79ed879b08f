#include <medimg/medimg.hpp>
#include <torch/torch.h>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 3) return std::cerr << "usage: quickstart CT_PNG OUT_PNG\n", 2;
  medimg::Image ct = medimg::read_raster(argv[1]);                  // stored values, (1, 128, 128)
  ct.set_geometry(medimg::Geometry(Eigen::Vector2d(0.661468, 0.661468)));
  torch::Tensor hu = ct.tensor().to(torch::kFloat) - 1024;          // RescaleIntercept
  torch::Tensor lung = ((hu + 1350) / 1500).clamp(0, 1) * 255;      // window -600 / 1500
  medimg::write_png(argv[2], ct.with_tensor(lung.to(torch::kByte)));
  std::cout << ct << "\nmean HU " << medimg::channel_stats(ct.with_tensor(hu))[0].mean << '\n';
}
