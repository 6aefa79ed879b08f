#include "medimg/nn/summary.hpp"

#include <ATen/ops/randn.h>

#include <catch2/catch.hpp>

#include "medimg/nn/cnn3d.hpp"
#include "medimg/nn/serialize.hpp"

namespace nn = medimg::nn;

TEST_CASE("count_parameters counts elements, optionally only trainable ones") {
  nn::CNN3d net(nn::CNN3dOptions(1, 2).features({4, 8}));
  // Two ConvBlocks (3x3x3 convolutions without bias, batch norms) and Linear(8, 2).
  const std::int64_t expected = (27 * 1 * 4 + 27 * 4 * 4 + 2 * 2 * 4) +
                                (27 * 4 * 8 + 27 * 8 * 8 + 2 * 2 * 8) + (8 * 2 + 2);
  CHECK(nn::count_parameters(*net) == expected);
  net->freeze_backbone();
  CHECK(nn::count_parameters(*net, true) == 18);
}

TEST_CASE("summarize lists layers with output shapes and leaves the network as it was") {
  nn::CNN3d net(nn::CNN3dOptions(1, 3).features({4, 8}));
  net->train();
  net->named_modules()["features.0"]->eval();  // a per-module flag that must survive
  const auto before = nn::state_dict(*net);
  std::vector<at::Tensor> saved;
  for (const auto& item : before) saved.push_back(item.value().clone());

  const auto summary = nn::summarize(
      *net, [&](const at::Tensor& x) { return net->forward(x); }, at::randn({2, 1, 16, 16, 16}));
  CHECK(summary.parameters == nn::count_parameters(*net));
  auto row = [&](const std::string& name) {
    for (const auto& r : summary.layers) {
      if (r.name == name) return r;
    }
    FAIL("no row " << name);
    return nn::LayerSummary{};
  };
  CHECK(row("features.0").output_shape == std::vector<std::int64_t>{2, 4, 16, 16, 16});
  CHECK(row("features.2").output_shape == std::vector<std::int64_t>{2, 8, 8, 8, 8});
  CHECK(row("classifier.1").output_shape == std::vector<std::int64_t>{2, 3});
  CHECK(row("classifier.1").parameters == 8 * 3 + 3);
  CHECK(row("features.0.conv1").depth == 3);
  CHECK(summary.to_string().find("features.0.conv1") != std::string::npos);

  std::size_t i = 0;
  for (const auto& item : nn::state_dict(*net)) CHECK(at::equal(item.value(), saved[i++]));
  CHECK(net->is_training());
  CHECK_FALSE(net->named_modules()["features.0"]->is_training());
  CHECK_FALSE(net->named_modules()["features.0.norm1"]->is_training());
  CHECK(net->named_modules()["features.2.norm1"]->is_training());

  const auto shallow = nn::summarize(
      *net, [&](const at::Tensor& x) { return net->forward(x); }, at::randn({1, 1, 8, 8, 8}), 1);
  CHECK(shallow.layers.size() == 3);  // features, avgpool, classifier
}
