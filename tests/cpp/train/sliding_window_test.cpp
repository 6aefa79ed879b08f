#include "medimg/train/sliding_window.hpp"

#include <ATen/TensorOperators.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/conv2d.h>
#include <ATen/ops/conv3d.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/pad.h>
#include <ATen/ops/relu.h>
#include <ATen/ops/sin.h>
#include <ATen/ops/softmax.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <vector>

#include "medimg/core/error.hpp"
#include "test_helpers.hpp"

using medimg::train::BlendMode;
using medimg::train::SlidingWindowOptions;
using medimg::train::WindowPredictor;

namespace {

// Smooth pseudo-random values in [-1, 1], the same on every run.
at::Tensor wavy(at::IntArrayRef shape, double phase = 0.0) {
  return at::sin(medimg::test::ramp(shape) * 0.731 + phase);
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

// A 1x1 convolution (pointwise): windows cannot change its result, only blending rounding.
WindowPredictor pointwise(std::int64_t in, std::int64_t out, int dims) {
  std::vector<std::int64_t> shape{out, in, 1, 1};
  if (dims == 3) shape.push_back(1);
  const at::Tensor weight = wavy(shape, 0.3);
  const at::Tensor bias = wavy({out}, 1.1);
  return [=](const at::Tensor& x) {
    return dims == 3 ? at::conv3d(x, weight, bias) : at::conv2d(x, weight, bias);
  };
}

SlidingWindowOptions options_for(std::vector<std::int64_t> roi, double overlap,
                                 BlendMode mode = BlendMode::Constant) {
  SlidingWindowOptions o;
  o.roi_size = std::move(roi);
  o.overlap = overlap;
  o.mode = mode;
  return o;
}

// Channel d of the input holds each voxel's index along spatial axis d, so a window's first
// voxel tells where the window starts.
at::Tensor coordinates(const std::vector<std::int64_t>& size) {
  const auto dims = static_cast<std::int64_t>(size.size());
  std::vector<std::int64_t> shape{1, dims};
  shape.insert(shape.end(), size.begin(), size.end());
  at::Tensor grid = at::zeros(shape, at::kFloat);
  for (std::int64_t d = 0; d < dims; ++d) {
    std::vector<std::int64_t> view(size.size(), 1);
    view[static_cast<std::size_t>(d)] = size[static_cast<std::size_t>(d)];
    grid.select(1, d).select(0, 0).copy_(at::arange(size[static_cast<std::size_t>(d)], at::kFloat)
                                             .view(view)
                                             .expand(size));
  }
  return grid;
}

std::vector<std::vector<std::int64_t>> window_starts(const at::Tensor& inputs,
                                                     const SlidingWindowOptions& o) {
  std::vector<std::vector<std::int64_t>> starts;
  const WindowPredictor record = [&](const at::Tensor& windows) {
    for (std::int64_t b = 0; b < windows.size(0); ++b) {
      at::Tensor corner = windows.select(0, b);
      while (corner.dim() > 1) corner = corner.select(corner.dim() - 1, 0);
      std::vector<std::int64_t> start;
      for (std::int64_t d = 0; d < corner.size(0); ++d) {
        start.push_back(static_cast<std::int64_t>(corner[d].item<float>()));
      }
      starts.push_back(start);
    }
    return windows;
  };
  medimg::train::sliding_window_inference(inputs, record, o);
  return starts;
}

// All combinations of per-axis starts, first axis slowest (MONAI's meshgrid order).
std::vector<std::vector<std::int64_t>> grid_of(
    const std::vector<std::vector<std::int64_t>>& axes) {
  std::vector<std::vector<std::int64_t>> out{{}};
  for (const auto& axis : axes) {
    std::vector<std::vector<std::int64_t>> next;
    for (const auto& prefix : out) {
      for (auto s : axis) {
        next.push_back(prefix);
        next.back().push_back(s);
      }
    }
    out = next;
  }
  return out;
}

}  // namespace

TEST_CASE("Window starts follow MONAI's scan interval and dense_patch_slices",
          "[train][sliding_window]") {
  // Hand-derived with MONAI's rules: interval int(roi * (1 - overlap)) (the roi itself when
  // it equals the size), starts every interval until one reaches the border, the last one
  // moved back to size - roi.
  // (10, 7, 9), roi (4, 7, 5), overlap 0.25: intervals 3, 7, 3.
  CHECK(window_starts(coordinates({10, 7, 9}), options_for({4, 7, 5}, 0.25)) ==
        grid_of({{0, 3, 6}, {0}, {0, 3, 4}}));
  // (20, 23), roi (8, 8), overlap 0.5: interval 4; 12 + 8 reaches 20, 16 -> 15 on axis 1.
  CHECK(window_starts(coordinates({20, 23}), options_for({8, 8}, 0.5)) ==
        grid_of({{0, 4, 8, 12}, {0, 4, 8, 12, 15}}));
  // overlap 0: abutting windows, the last one moved back; roi entry -1 = the whole axis.
  CHECK(window_starts(coordinates({11, 6}), options_for({4, -1}, 0.0)) ==
        grid_of({{0, 4, 7}, {0}}));
  // overlap 0.9 on roi 5: int(0.5) = 0 -> interval 1.
  CHECK(window_starts(coordinates({8, 5}), options_for({5, 5}, 0.9)) ==
        grid_of({{0, 1, 2, 3}, {0}}));
}

TEST_CASE("A pointwise model gives one full forward pass exactly, both blend modes",
          "[train][sliding_window]") {
  const at::Tensor inputs = wavy({2, 3, 13, 17, 11});
  const WindowPredictor model = pointwise(3, 4, 3);
  const at::Tensor full = model(inputs);
  for (BlendMode mode : {BlendMode::Constant, BlendMode::Gaussian}) {
    SlidingWindowOptions o = options_for({6, 8, 5}, 0.5, mode);
    o.sw_batch_size = 3;
    const at::Tensor out = medimg::train::sliding_window_inference(inputs, model, o);
    CHECK(out.sizes() == full.sizes());
    CHECK(out.scalar_type() == at::kFloat);
    CHECK(max_abs_diff(out, full) < 1e-6);
  }
}

TEST_CASE("A small conv net equals a full forward within the blending bound",
          "[train][sliding_window]") {
  // conv 3x3 (zero padding) -> ReLU -> conv 3x3: receptive-field radius 2. A window differs
  // from the full pass only within 2 voxels of its faces inside the image, by at most
  // L = |k2|_1 * (|k1|_1 * max|x| + max|b1|) (every missing tap at its largest). The blend
  // is therefore exact where no covering window has such a face nearby, and off by at most
  // L * (weight of the windows that do) / (weight of all) elsewhere.
  const at::Tensor x = wavy({1, 1, 20, 23});
  const at::Tensor k1 = wavy({2, 1, 3, 3}, 0.2) * 0.3;
  const at::Tensor b1 = wavy({2}, 0.5) * 0.1;
  const at::Tensor k2 = wavy({1, 2, 3, 3}, 0.9) * 0.3;
  const WindowPredictor net = [&](const at::Tensor& w) {
    return at::conv2d(at::relu(at::conv2d(w, k1, b1, 1, 1)), k2, {}, 1, 1);
  };
  const at::Tensor full = net(x);
  const double bound = k2.abs().sum().item<double>() *
                       (k1.abs().sum().item<double>() * x.abs().max().item<double>() +
                        b1.abs().max().item<double>());
  const std::vector<std::vector<std::int64_t>> starts = grid_of({{0, 4, 8, 12}, {0, 4, 8, 12, 15}});
  const std::array<std::int64_t, 2> size{20, 23};
  for (BlendMode mode : {BlendMode::Constant, BlendMode::Gaussian}) {
    const at::Tensor out =
        medimg::train::sliding_window_inference(x, net, options_for({8, 8}, 0.5, mode));
    const at::Tensor w = mode == BlendMode::Gaussian
                             ? medimg::train::gaussian_importance_map({8, 8}, 0.125)
                             : at::ones({8, 8});
    std::int64_t exact = 0;
    for (std::int64_t y = 0; y < size[0]; ++y) {
      for (std::int64_t z = 0; z < size[1]; ++z) {
        double all = 0, near_face = 0;
        for (const auto& s : starts) {
          const std::array<std::int64_t, 2> p{y - s[0], z - s[1]};
          if (p[0] < 0 || p[0] >= 8 || p[1] < 0 || p[1] >= 8) continue;
          const double weight = w[p[0]][p[1]].item<double>();
          bool near = false;
          for (std::size_t d = 0; d < 2; ++d) {  // a face inside the image within 2 voxels
            near = near || (p[d] < 2 && s[d] > 0) || (p[d] >= 6 && s[d] + 8 < size[d]);
          }
          all += weight;
          if (near) near_face += weight;
        }
        const double diff =
            std::abs(out[0][0][y][z].item<double>() - full[0][0][y][z].item<double>());
        if (near_face == 0) {
          ++exact;
          CHECK(diff < 1e-6);
        } else {
          CHECK(diff <= bound * near_face / all + 1e-6);
        }
      }
    }
    CHECK(exact > 20);
  }
}

TEST_CASE("Inputs smaller than the window are padded as torch pads and cropped back",
          "[train][sliding_window]") {
  // One window covers the whole padded input, so the result is the net on the padded input,
  // cropped: any net, any padding mode, exactly.
  const at::Tensor k = wavy({2, 2, 3, 3, 3}, 0.4) * 0.2;
  const WindowPredictor net3 = [&](const at::Tensor& w) { return at::conv3d(w, k, {}, 1, 1); };
  const at::Tensor x3 = wavy({1, 2, 3, 5, 4});
  for (const char* mode : {"constant", "reflect", "replicate", "circular"}) {
    SlidingWindowOptions o = options_for({5, 6, 6}, 0.25);
    o.padding_mode = mode;
    o.cval = 0.7;
    const bool constant = std::string(mode) == "constant";
    // torch order, last axis first: X 4 -> 6 (1, 1), Y 5 -> 6 (0, 1), Z 3 -> 5 (1, 1).
    const at::Tensor padded = at::pad(x3, {1, 1, 0, 1, 1, 1}, mode,
                                      constant ? c10::optional<double>(0.7) : c10::nullopt);
    const at::Tensor expected = net3(padded).narrow(2, 1, 3).narrow(3, 0, 5).narrow(4, 1, 4);
    const at::Tensor out = medimg::train::sliding_window_inference(x3, net3, o);
    CHECK(out.sizes() == x3.sizes());
    CHECK(max_abs_diff(out, expected) < 1e-6);
  }
  // 2D, one axis padded (3 -> 8: 2 before, 3 after), the other tiled.
  const WindowPredictor model = pointwise(1, 2, 2);
  const at::Tensor x2 = wavy({2, 1, 3, 19});
  SlidingWindowOptions o = options_for({8, 8}, 0.25, BlendMode::Gaussian);
  o.sw_batch_size = 4;
  CHECK(max_abs_diff(medimg::train::sliding_window_inference(x2, model, o), model(x2)) < 1e-6);
}

TEST_CASE("Batches of windows, flip TTA, progress and float64 predictors",
          "[train][sliding_window]") {
  const at::Tensor inputs = wavy({2, 1, 10, 7, 9});
  const WindowPredictor model = pointwise(1, 2, 3);
  SlidingWindowOptions o = options_for({4, 7, 5}, 0.25, BlendMode::Gaussian);  // 9 windows
  const at::Tensor one_by_one = medimg::train::sliding_window_inference(inputs, model, o);

  std::vector<std::int64_t> batch_sizes;
  std::vector<medimg::Progress> reports;
  o.sw_batch_size = 4;
  o.flip_tta = true;
  o.progress = [&](const medimg::Progress& p) { reports.push_back(p); };
  const WindowPredictor counted = [&](const at::Tensor& w) {
    batch_sizes.push_back(w.size(0));
    return model(w);
  };
  const at::Tensor out = medimg::train::sliding_window_inference(inputs, counted, o);
  // 18 windows (2 items x 9) in batches of 4, 4, 4, 4, 2; each batch predicted 8 times.
  CHECK(batch_sizes.size() == 5 * 8);
  CHECK(batch_sizes.back() == 2);
  // A pointwise model is flip-equivariant: mirroring changes nothing.
  CHECK(max_abs_diff(out, one_by_one) < 1e-6);
  REQUIRE(reports.size() == 5);
  CHECK(reports.front().done == 4);
  CHECK(reports.back().done == 18);
  CHECK(reports.back().total == 18);
  CHECK(reports.back().stage == "sliding window");

  const WindowPredictor doubled = [&](const at::Tensor& w) { return model(w).to(at::kDouble); };
  CHECK(medimg::train::sliding_window_inference(inputs, doubled, options_for({4, 7, 5}, 0.25))
            .scalar_type() == at::kDouble);
}

TEST_CASE("Gaussian importance map is nnU-Net's", "[train][sliding_window]") {
  // roi (8, 5): sigma (1, 0.625), centre (4, 2); radii int(4.5) = 4, int(3) = 3 cover it.
  const at::Tensor map = medimg::train::gaussian_importance_map({8, 5}, 0.125);
  REQUIRE(map.sizes() == at::IntArrayRef({8, 5}));
  CHECK(map[4][2].item<float>() == 1.0f);
  for (std::int64_t i = 0; i < 8; ++i) {
    for (std::int64_t j = 0; j < 5; ++j) {
      const double expected = std::exp(-0.5 * (i - 4) * (i - 4)) *
                              std::exp(-0.5 * (j - 2) * (j - 2) / (0.625 * 0.625));
      CHECK(std::abs(map[i][j].item<float>() - expected) < 1e-7);
    }
  }
  // roi 16, sigma 0.8: radius int(3.7) = 3, so offsets beyond 3 are zero in scipy and become
  // the smallest non-zero value, exp(-9 / (2 * 0.64)).
  const at::Tensor narrow = medimg::train::gaussian_importance_map({16}, 0.05);
  const float smallest = static_cast<float>(std::exp(-9.0 / 1.28));
  CHECK(std::abs(narrow[5].item<float>() - smallest) < 1e-9);  // offset -3
  CHECK(narrow.min().item<float>() == narrow[5].item<float>());
  CHECK(narrow[4].item<float>() == narrow[5].item<float>());  // offset -4: zero in scipy
  CHECK(narrow[0].item<float>() == narrow[5].item<float>());
  CHECK(narrow[15].item<float>() == narrow[5].item<float>());

  CHECK_THROWS_AS(medimg::train::gaussian_importance_map({}, 0.125), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::train::gaussian_importance_map({4, 0}, 0.125), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::train::gaussian_importance_map({4}, 0.0), medimg::ArgumentError);
}

TEST_CASE("sliding_window_predict returns the prediction on the image's geometry",
          "[train][sliding_window]") {
  Eigen::Matrix3d direction;
  direction << 0, 1, 0, 1, 0, 0, 0, 0, 1;
  const medimg::Geometry geometry(Eigen::Vector3d(2.0, 0.5, 0.7), Eigen::Vector3d(1, -2, 3),
                                  direction);
  const medimg::Image image(wavy({1, 9, 12, 10}), geometry);
  const WindowPredictor model = pointwise(1, 3, 3);
  const SlidingWindowOptions o = options_for({4, 6, 6}, 0.5, BlendMode::Gaussian);
  const at::Tensor logits = model(image.tensor().unsqueeze(0)).select(0, 0);

  using medimg::train::PredictionOutput;
  const medimg::Image probs = medimg::train::sliding_window_predict(image, model, o);
  CHECK(probs.geometry() == geometry);
  CHECK(max_abs_diff(probs.tensor(), at::softmax(logits, 0)) < 1e-6);
  const medimg::Image labels =
      medimg::train::sliding_window_predict(image, model, o, PredictionOutput::Labels);
  CHECK(labels.dtype() == at::kByte);
  CHECK(labels.geometry() == geometry);
  CHECK(labels.tensor().to(at::kLong).equal(logits.argmax(0, true)));
  const medimg::Image raw =
      medimg::train::sliding_window_predict(image, model, o, PredictionOutput::Logits);
  CHECK(max_abs_diff(raw.tensor(), logits) < 1e-6);

  const WindowPredictor binary = pointwise(1, 1, 3);
  const at::Tensor logit = binary(image.tensor().unsqueeze(0)).select(0, 0);
  CHECK(max_abs_diff(medimg::train::sliding_window_predict(image, binary, o).tensor(),
                     logit.sigmoid()) < 1e-6);
  CHECK(medimg::train::sliding_window_predict(image, binary, o, PredictionOutput::Labels)
            .tensor()
            .equal(logit.sigmoid().gt(0.5).to(at::kByte)));
}

TEST_CASE("Bad sliding-window arguments raise medimg errors", "[train][sliding_window]") {
  const at::Tensor inputs = wavy({1, 1, 8, 9, 7});
  const WindowPredictor model = pointwise(1, 1, 3);
  using medimg::train::sliding_window_inference;
  CHECK_THROWS_AS(sliding_window_inference(inputs, model, options_for({4, 4}, 0.25)),
                  medimg::ArgumentError);
  CHECK_THROWS_AS(sliding_window_inference(inputs, model, options_for({4, 4, 4}, 1.0)),
                  medimg::ArgumentError);
  CHECK_THROWS_AS(sliding_window_inference(inputs, model, options_for({4, 4, 4}, -0.1)),
                  medimg::ArgumentError);
  CHECK_THROWS_AS(sliding_window_inference(inputs[0][0], model, options_for({4}, 0.25)),
                  medimg::ShapeError);
  SlidingWindowOptions o = options_for({4, 4, 4}, 0.25);
  o.sw_batch_size = 0;
  CHECK_THROWS_AS(sliding_window_inference(inputs, model, o), medimg::ArgumentError);
  o = options_for({4, 4, 4}, 0.25);
  o.padding_mode = "wrap";
  CHECK_THROWS_AS(sliding_window_inference(inputs, model, o), medimg::ArgumentError);
  o = options_for({4, 4, 20}, 0.25);
  o.padding_mode = "reflect";  // X: 7 -> 20 pads 6 before, 7 after; reflect needs < 7
  CHECK_THROWS_AS(sliding_window_inference(inputs, model, o), medimg::ArgumentError);
  CHECK_THROWS_AS(sliding_window_inference(inputs, WindowPredictor(), options_for({4, 4, 4}, 0.25)),
                  medimg::ArgumentError);
  const WindowPredictor shrinking = [](const at::Tensor& w) { return w.narrow(2, 0, 2); };
  CHECK_THROWS_AS(sliding_window_inference(inputs, shrinking, options_for({4, 4, 4}, 0.25)),
                  medimg::ShapeError);
  const WindowPredictor first_only = [](const at::Tensor& w) { return w.narrow(0, 0, 1); };
  o = options_for({4, 4, 4}, 0.25);
  o.sw_batch_size = 2;
  CHECK_THROWS_AS(sliding_window_inference(inputs, first_only, o), medimg::ShapeError);
  const WindowPredictor undefined = [](const at::Tensor&) { return at::Tensor(); };
  CHECK_THROWS_AS(sliding_window_inference(inputs, undefined, options_for({4, 4, 4}, 0.25)),
                  medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::train::sliding_window_predict(medimg::Image(), model,
                                                        options_for({4, 4, 4}, 0.25)),
                  medimg::ArgumentError);
}
