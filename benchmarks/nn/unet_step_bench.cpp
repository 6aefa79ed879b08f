// Forward + backward + Adam step of medimg's U-Net, driven from C++: the C++ column of
// unet_step_bench.py, which runs it with the same configuration and thread count.
//
//   unet_step_bench SPATIAL_DIMS BATCH SIZE WARMUP STEPS F0 F1 ...
//
// Builds UNet(SPATIAL_DIMS, 1 -> 2 channels, features F0 F1 ...), feeds it a fixed random
// batch (BATCH, 1, SIZE, ...) with random class labels, and prints the step times of the
// timed steps in milliseconds, one line: "ms ms ms ...".
#include <ATen/ops/cross_entropy_loss.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/randn.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "medimg/nn/unet.hpp"

int main(int argc, char** argv) {
  if (argc < 7) {
    std::fprintf(stderr, "usage: %s SPATIAL_DIMS BATCH SIZE WARMUP STEPS F0 F1 ...\n", argv[0]);
    return 2;
  }
  const int spatial_dims = std::atoi(argv[1]);
  const std::int64_t batch = std::atoll(argv[2]);
  const std::int64_t size = std::atoll(argv[3]);
  const int warmup = std::atoi(argv[4]);
  const int steps = std::atoi(argv[5]);
  std::vector<std::int64_t> features;
  for (int i = 6; i < argc; ++i) features.push_back(std::atoll(argv[i]));

  torch::manual_seed(0);
  medimg::nn::UNet net(medimg::nn::UNetOptions(spatial_dims, 1, 2).features(features));
  net->train();
  torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(1e-3));
  std::vector<std::int64_t> shape{batch, 1}, label_shape{batch};
  for (int d = 0; d < spatial_dims; ++d) {
    shape.push_back(size);
    label_shape.push_back(size);
  }
  const at::Tensor x = at::randn(shape);
  const at::Tensor y = at::randint(0, 2, label_shape, at::kLong);

  std::string times;
  for (int s = 0; s < warmup + steps; ++s) {
    const auto start = std::chrono::steady_clock::now();
    const at::Tensor loss = at::cross_entropy_loss(net->forward(x), y);
    adam.zero_grad();
    loss.backward();
    adam.step();
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    if (s >= warmup) times += (times.empty() ? "" : " ") + std::to_string(took.count());
  }
  std::printf("%s\n", times.c_str());
  return 0;
}
