#include "medimg/nn/autocast.hpp"

#include <ATen/autocast_mode.h>
#include <ATen/ops/randn.h>

#include <catch2/catch.hpp>

#include "medimg/core/error.hpp"
#include "medimg/nn/unet.hpp"

TEST_CASE("CpuAutocast runs a network's convolutions in bfloat16 and restores the state") {
  medimg::nn::UNet net(medimg::nn::UNetOptions(2, 1, 2).features({4, 8}));
  net->eval();
  const at::Tensor x = at::randn({1, 1, 16, 16});
  {
    medimg::nn::CpuAutocast bf16;
    CHECK(at::autocast::is_cpu_enabled());
    CHECK(net->forward(x).scalar_type() == at::kBFloat16);
    {
      medimg::nn::CpuAutocast off(at::kBFloat16, /*enabled=*/false);
      CHECK(net->forward(x).scalar_type() == at::kFloat);
    }
    CHECK(at::autocast::is_cpu_enabled());
  }
  CHECK_FALSE(at::autocast::is_cpu_enabled());
  CHECK(net->forward(x).scalar_type() == at::kFloat);
  CHECK_THROWS_AS(medimg::nn::CpuAutocast(at::kHalf), medimg::Unsupported);
}
