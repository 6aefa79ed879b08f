// Predictors: medimg networks, model files and TorchScript models behind one interface.
#include "medimg/train/predictor.hpp"

#include <ATen/ops/arange.h>
#include <ATen/ops/allclose.h>
#include <ATen/ops/argmax.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/full.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/softmax.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/utils.h>

#include <catch2/catch.hpp>

#include <fstream>

#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"
#include "test_helpers.hpp"

namespace nn = medimg::nn;
namespace train = medimg::train;

namespace {

nn::Network tiny_unet() {
  return nn::build_network("unet", R"({"spatial_dims": 2, "in_channels": 1, "out_channels": 3,
                                       "features": [4, 8]})");
}

at::Tensor eval_forward(const nn::Network& network, const at::Tensor& x) {
  c10::InferenceMode inference;
  return network.forward(x);
}

// A TorchScript module compiled from source by LibTorch itself, as torch.jit.script would.
void save_script(const std::filesystem::path& path, const std::string& forward) {
  torch::jit::Module module("Scripted");
  module.register_parameter("w", at::full({1}, 2.0), /*is_buffer=*/false);
  module.define(forward);
  module.save(path.string());
}

medimg::Image test_image() {
  const medimg::Geometry geometry(Eigen::Vector2d(0.5, 2.0), Eigen::Vector3d(10.0, -4.0, 3.0));
  return medimg::Image((medimg::test::ramp({1, 12, 10}).remainder(7)).to(at::kByte), geometry);
}

}  // namespace

TEST_CASE("ModulePredictor runs the network in eval mode and predicts on the image's grid",
          "[train]") {
  nn::Network network = tiny_unet();
  network.forward(at::randn({2, 1, 8, 8}));  // training step: batch-norm statistics move
  train::ModulePredictor predictor(network);
  CHECK_FALSE(network.module()->is_training());  // shared with the caller's Network

  const medimg::Image image = test_image();
  const at::Tensor batch = image.tensor().unsqueeze(0);
  const at::Tensor logits = eval_forward(network, batch.to(at::kFloat));
  CHECK(at::equal(predictor.forward(batch), logits));  // uint8 converted to float32

  train::PredictOptions options;
  options.output = train::PredictionOutput::Logits;
  const medimg::Image raw = predictor.predict(image, options);
  CHECK(raw.geometry().is_close(image.geometry()));
  CHECK(at::allclose(raw.tensor(), logits[0], 1e-6, 1e-6));
  options.output = train::PredictionOutput::Probabilities;
  CHECK(at::allclose(predictor.predict(image, options).tensor(), at::softmax(logits[0], 0),
                     1e-6, 1e-6));
  options.output = train::PredictionOutput::Labels;
  const medimg::Image labels = predictor.predict(image, options);
  CHECK(labels.dtype() == at::kByte);
  CHECK(at::equal(labels.tensor()[0], logits[0].argmax(0).to(at::kByte)));

  // With a window size, predict() is sliding_window_predict over the network.
  options.sliding_window.roi_size = {8, 8};
  options.sliding_window.overlap = 0.5;
  options.sliding_window.mode = train::BlendMode::Gaussian;
  options.output = train::PredictionOutput::Probabilities;
  const medimg::Image windowed = predictor.predict(image, options);
  const medimg::Image direct = train::sliding_window_predict(
      image, [&](const at::Tensor& x) { return network.forward(x); }, options.sliding_window,
      options.output);
  CHECK(at::allclose(windowed.tensor(), direct.tensor(), 1e-6, 1e-6));
  CHECK(windowed.geometry().is_close(image.geometry()));

  train::ModulePredictor classifier(
      nn::build_network("resnet", R"({"depth": 18, "in_channels": 1, "num_classes": 2})"));
  CHECK(classifier.forward(at::randn({2, 1, 32, 32})).sizes() == at::IntArrayRef({2, 2}));
  CHECK_THROWS_AS(classifier.predict(test_image()), medimg::ShapeError);
  CHECK_THROWS_AS(predictor.predict(medimg::Image()), medimg::ArgumentError);
  CHECK_THROWS_AS(train::ModulePredictor(nn::Network()), medimg::ArgumentError);
}

TEST_CASE("load_predictor opens model files and TorchScript files by their content",
          "[train]") {
  medimg::test::ScratchDir dir("train-predictor");
  const nn::Network network = tiny_unet();
  nn::save_model(network, dir / "model.bin");
  const auto from_file = train::load_predictor(dir / "model.bin");
  auto* module_predictor = dynamic_cast<train::ModulePredictor*>(from_file.get());
  REQUIRE(module_predictor != nullptr);
  CHECK(module_predictor->network().options_json() == network.options_json());
  const at::Tensor x = at::randn({1, 1, 8, 12});
  network.module()->eval();
  CHECK(at::equal(from_file->forward(x), eval_forward(network, x)));

  save_script(dir / "scripted.pt", R"JIT(
def forward(self, x):
    return torch.cat([x * self.w, x + 1.0], 1)
)JIT");
  CHECK(train::TorchScriptPredictor::is_torchscript_file(dir / "scripted.pt"));
  CHECK_FALSE(train::TorchScriptPredictor::is_torchscript_file(dir / "model.bin"));
  const auto scripted = train::load_predictor(dir / "scripted.pt");
  REQUIRE(dynamic_cast<train::TorchScriptPredictor*>(scripted.get()) != nullptr);
  CHECK(at::equal(scripted->forward(x), at::cat({x * 2.0, x + 1.0}, 1)));
  const medimg::Image image = test_image();
  train::PredictOptions options;
  options.output = train::PredictionOutput::Logits;
  const medimg::Image predicted = scripted->predict(image, options);
  const at::Tensor voxels = image.tensor().to(at::kFloat);
  CHECK(at::equal(predicted.tensor(), at::cat({voxels * 2.0, voxels + 1.0}, 0)));
  CHECK(predicted.geometry().is_close(image.geometry()));

  // Deep-supervision models return a tuple: the first element is the prediction.
  save_script(dir / "tuple.pt", R"JIT(
def forward(self, x):
    return (x * self.w, x)
)JIT");
  CHECK(at::equal(train::TorchScriptPredictor(dir / "tuple.pt").forward(x), x * 2.0));
  save_script(dir / "dict.pt", R"JIT(
def forward(self, x):
    return {"out": x}
)JIT");
  CHECK_THROWS_AS(train::TorchScriptPredictor(dir / "dict.pt").forward(x), medimg::Unsupported);
  train::PredictorOptions int8;
  int8.int8 = true;
  CHECK_THROWS_AS(train::TorchScriptPredictor(dir / "scripted.pt", int8), medimg::ArgumentError);
}

TEST_CASE("Predictors refuse missing, truncated and foreign files with medimg errors",
          "[train]") {
  medimg::test::ScratchDir dir("train-predictor-bad");
  CHECK_THROWS_AS(train::load_predictor(dir / "missing.pt"), medimg::IoError);
  CHECK_THROWS_AS(train::TorchScriptPredictor(dir / "missing.pt"), medimg::IoError);
  std::ofstream(dir / "junk.pt") << "neither kind of model";
  CHECK_THROWS_WITH(train::load_predictor(dir / "junk.pt"),
                    Catch::Contains("junk.pt") && Catch::Contains("neither a TorchScript"));
  CHECK_THROWS_WITH(train::TorchScriptPredictor(dir / "junk.pt"),
                    Catch::Contains("junk.pt") && Catch::Contains("not a TorchScript model"));

  save_script(dir / "scripted.pt", "def forward(self, x):\n    return x * self.w\n");
  std::filesystem::resize_file(dir / "scripted.pt",
                               std::filesystem::file_size(dir / "scripted.pt") / 2);
  CHECK_THROWS_AS(train::load_predictor(dir / "scripted.pt"), medimg::FormatError);
  CHECK_THROWS_AS(train::TorchScriptPredictor(dir / "scripted.pt"), medimg::FormatError);
  nn::save_model(tiny_unet(), dir / "model.pt");
  std::filesystem::resize_file(dir / "model.pt", std::filesystem::file_size(dir / "model.pt") - 100);
  CHECK_THROWS_AS(train::load_predictor(dir / "model.pt"), medimg::FormatError);
}

TEST_CASE("bf16 and int8 predictors stay close to float, thread settings apply", "[train]") {
  torch::manual_seed(5);
  const nn::Network network =
      nn::build_network("resnet", R"({"depth": 18, "in_channels": 1, "num_classes": 3})");
  const at::Tensor x = at::randn({4, 1, 32, 32});
  train::ModulePredictor float32(network);
  const at::Tensor reference = float32.forward(x);
  const double range = reference.abs().max().item<double>();

  train::PredictorOptions options;
  options.bf16 = true;
  const at::Tensor bf16 = train::ModulePredictor(network, options).forward(x);
  CHECK(bf16.scalar_type() == at::kFloat);
  CHECK((bf16 - reference).abs().max().item<double>() < 0.1 * range);

  options = {};
  options.int8 = true;
  train::ModulePredictor int8(network, options);
  CHECK(int8.network().quantized_layers() == std::vector<std::string>{"fc"});
  CHECK((int8.forward(x) - reference).abs().max().item<double>() < 0.05 * range);
  CHECK(network.quantized_layers().empty());  // the caller's Network stays float

  const int threads = medimg::get_num_threads();
  options = {};
  options.num_threads = 1;
  train::ModulePredictor single(network, options);
  CHECK(medimg::get_num_threads() == 1);
  medimg::set_num_threads(threads);
  options.num_threads = -1;
  CHECK_THROWS_AS(train::ModulePredictor(network, options), medimg::ArgumentError);
}
