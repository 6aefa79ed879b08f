// Haar cascades: integral images, the feature set, grouping, XML and a small training run.
// The comparisons with OpenCV's own detector (cv2.CascadeClassifier) are in
// tests/python/test_classic_cascade.py.
#include "medimg/classic/cascade.hpp"

#include <ATen/ops/empty.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "medimg/classic/cascade_train.hpp"
#include "medimg/classic/cascade_xml.hpp"
#include "medimg/classic/haar_features.hpp"
#include "medimg/classic/integral_image.hpp"
#include "medimg/core/error.hpp"
#include "test_helpers.hpp"

namespace {

using medimg::PixelRect;

const char* const kFaceCascade = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";

// A CT-like scene (uint8): noisy parenchyma with a gradient, bright vessel segments 1-2 px
// wide and vessel cross-sections of radius 1-2 px (the clutter negatives must teach), plus
// bright soft discs (nodules) with the given (centre y, centre x, radius).
at::Tensor scene(std::int64_t rows, std::int64_t cols, std::mt19937& rng,
                 const std::vector<std::array<double, 3>>& discs) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> noise(0.0, 8.0);
  std::vector<double> v(static_cast<std::size_t>(rows * cols));
  const double gy = 0.4 * (u(rng) - 0.5), gx = 0.4 * (u(rng) - 0.5);
  for (std::int64_t y = 0; y < rows; ++y) {
    for (std::int64_t x = 0; x < cols; ++x) {
      v[static_cast<std::size_t>(y * cols + x)] =
          50 + gy * static_cast<double>(y) + gx * static_cast<double>(x) + noise(rng);
    }
  }
  auto add = [&](double contrast, auto distance) {
    for (std::int64_t y = 0; y < rows; ++y) {
      for (std::int64_t x = 0; x < cols; ++x) {
        v[static_cast<std::size_t>(y * cols + x)] +=
            contrast / (1.0 + std::exp(distance(static_cast<double>(y), static_cast<double>(x)) / 0.6));
      }
    }
  };
  const double h = static_cast<double>(rows), w = static_cast<double>(cols);
  const int segments = static_cast<int>(rows * cols / 800) + 2;
  for (int k = 0; k < segments; ++k) {  // vessels: distance to a segment minus half width
    const double y0 = u(rng) * h, x0 = u(rng) * w, a = u(rng) * 6.283, len = 15 + 30 * u(rng);
    const double dy = std::sin(a), dx = std::cos(a), half = 0.5 + 0.6 * u(rng);
    add(60 + 40 * u(rng), [&](double y, double x) {
      const double t = std::clamp((y - y0) * dy + (x - x0) * dx, 0.0, len);
      return std::hypot(y - y0 - t * dy, x - x0 - t * dx) - half;
    });
  }
  for (int k = 0; k < segments; ++k) {  // cross-sections
    const double cy = u(rng) * h, cx = u(rng) * w, r = 1 + u(rng);
    add(60 + 40 * u(rng), [&](double y, double x) { return std::hypot(y - cy, x - cx) - r; });
  }
  for (const auto& d : discs) {
    add(70 + 30 * u(rng), [&](double y, double x) { return std::hypot(y - d[0], x - d[1]) - d[2]; });
  }
  at::Tensor image = at::empty({rows, cols}, at::kByte);
  auto a = image.accessor<std::uint8_t, 2>();
  for (std::int64_t y = 0; y < rows; ++y) {
    for (std::int64_t x = 0; x < cols; ++x) {
      a[y][x] = static_cast<std::uint8_t>(
          std::clamp(std::lround(v[static_cast<std::size_t>(y * cols + x)]), 0L, 255L));
    }
  }
  return image;
}

}  // namespace

TEST_CASE("integral images equal their definitions, the tilted one included") {
  at::Tensor image = at::randint(0, 256, {7, 9}, at::kByte);
  const auto t = medimg::integral_images(image);
  REQUIRE(t.sum.scalar_type() == at::kLong);
  REQUIRE(t.sum.sizes() == at::IntArrayRef({8, 10}));
  auto img = image.accessor<std::uint8_t, 2>();
  for (int Y = 0; Y <= 7; ++Y) {
    for (int X = 0; X <= 9; ++X) {
      std::int64_t s = 0, q = 0, tilt = 0;
      for (int y = 0; y < 7; ++y) {
        for (int x = 0; x < 9; ++x) {
          const std::int64_t p = img[y][x];
          if (y < Y && x < X) {
            s += p;
            q += p * p;
          }
          if (y < Y && std::abs(x - X + 1) <= Y - y - 1) tilt += p;
        }
      }
      CHECK(t.sum[Y][X].item<std::int64_t>() == s);
      CHECK(t.squared_sum[Y][X].item<std::int64_t>() == q);
      CHECK(t.tilted[Y][X].item<std::int64_t>() == tilt);
    }
  }
  const auto f = medimg::integral_images(image.to(at::kFloat));
  CHECK(f.tilted.scalar_type() == at::kDouble);
  CHECK(f.tilted.equal(t.tilted.to(at::kDouble)));
  CHECK_THROWS_AS(medimg::integral_images(at::zeros({2, 3, 4})), medimg::ShapeError);
}

TEST_CASE("the Haar feature set has opencv_traincascade's counts and order") {
  CHECK(medimg::haar_features(24, 24, medimg::HaarMode::Basic).size() == 162336);
  CHECK(medimg::haar_features(24, 24, medimg::HaarMode::Core).size() == 210400);
  CHECK(medimg::haar_features(24, 24, medimg::HaarMode::All).size() == 261600);
  const auto f = medimg::haar_features(4, 5, medimg::HaarMode::Basic);
  // x = 0, y = 0, dx = 1, dy = 1: edge x2, edge y2, line x3, line y3, checker board.
  REQUIRE(f.size() > 5);
  CHECK(f[0].rects[0].width == 2);
  CHECK(f[0].rects[1].x == 1);
  CHECK(f[0].rects[1].weight == 2.0f);
  CHECK(f[1].rects[0].height == 2);
  CHECK(f[2].rects[1].weight == 3.0f);
  CHECK(f[4].rects.size() == 3);
  for (const auto& feature : medimg::haar_features(6, 7, medimg::HaarMode::All)) {
    for (const auto& r : feature.rects) {
      if (feature.tilted) {
        CHECK(r.x - r.height >= 0);
        CHECK(r.x + r.width <= 7);
        CHECK(r.y + r.width + r.height <= 6);
      } else {
        CHECK(r.x + r.width <= 7);
        CHECK(r.y + r.height <= 6);
      }
    }
  }
  CHECK(medimg::haar_mode_from_string("ALL") == medimg::HaarMode::All);
  CHECK_THROWS_AS(medimg::haar_mode_from_string("tilted"), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::haar_features(0, 5), medimg::ArgumentError);
}

TEST_CASE("feature values are normalised rectangle sums") {
  // A 4 x 4 window: left half 0, right half 100 -> inner 2 x 2 has 0, 100 / 0, 100.
  at::Tensor w = at::zeros({1, 4, 4}, at::kByte);
  auto pixels = w.accessor<std::uint8_t, 3>();
  for (int y = 0; y < 4; ++y) {
    for (int x = 2; x < 4; ++x) pixels[0][y][x] = 100;
  }
  medimg::HaarFeature edge{{{0, 0, 4, 4, -1.f}, {2, 0, 2, 4, 2.f}}, false};
  const at::Tensor v = medimg::haar_feature_values(w, {edge});
  // Raw: -1 * 800 + 2 * 800 = 800; inner area 4, sum 200, squares 20000 -> 1/sqrt(40000).
  CHECK(v[0][0].item<float>() == Approx(800.0 / 200.0));
  CHECK(medimg::haar_feature_values(at::zeros({1, 4, 4}, at::kByte), {edge})[0][0].item<float>() == 0.f);
  medimg::HaarFeature outside{{{3, 0, 2, 1, 1.f}}, false};
  CHECK_THROWS_AS(medimg::haar_feature_values(w, {outside}), medimg::ArgumentError);
}

TEST_CASE("group_rectangles clusters, averages, thresholds and drops nested groups") {
  std::vector<PixelRect> rects = {{10, 10, 20, 20}, {11, 10, 20, 20}, {10, 12, 20, 21},
                                  {100, 100, 20, 20}, {101, 100, 20, 20}};
  auto g = medimg::group_rectangles(rects, 1);
  REQUIRE(g.boxes.size() == 2);
  // (31/3 = 10.33 -> 10, 32/3 = 10.67 -> 11, 20, 61/3 = 20.33 -> 20)
  CHECK(g.boxes[0] == PixelRect{10, 11, 20, 20});
  CHECK(g.neighbors[0] == 3);
  CHECK(g.boxes[1] == PixelRect{100, 100, 20, 20});  // 100.5 rounds to even
  CHECK(medimg::group_rectangles(rects, 2).boxes.size() == 1);
  CHECK(medimg::group_rectangles(rects, 0).boxes.size() == 5);
  // A small group inside a bigger, better-voted one is dropped.
  std::vector<PixelRect> nested(5, PixelRect{0, 0, 40, 40});
  nested.push_back({10, 10, 10, 10});
  nested.push_back({10, 10, 10, 10});
  g = medimg::group_rectangles(nested, 1);
  REQUIRE(g.boxes.size() == 1);
  CHECK(g.boxes[0] == PixelRect{0, 0, 40, 40});
  CHECK_THROWS_AS(medimg::group_rectangles(rects, 1, -0.1), medimg::ArgumentError);
}

TEST_CASE("OpenCV's face cascade loads and round-trips through medimg's XML") {
  if (!std::filesystem::exists(kFaceCascade)) {
    WARN("opencv-data is not installed; skipped");
    return;
  }
  const medimg::Cascade face = medimg::load_cascade(kFaceCascade);
  CHECK(face.height == 24);
  CHECK(face.stages.size() == 25);
  CHECK(face.stages[0].classifiers.size() == 9);
  CHECK(face.stages[0].threshold == static_cast<float>(-5.0425500869750977));
  CHECK(face.features.size() == 2913);
  const medimg::Cascade again = medimg::cascade_from_xml(medimg::cascade_to_xml(face));
  REQUIRE(again.stages.size() == face.stages.size());
  for (std::size_t s = 0; s < face.stages.size(); ++s) {
    CHECK(again.stages[s].threshold == face.stages[s].threshold);
    for (std::size_t w = 0; w < face.stages[s].classifiers.size(); ++w) {
      const auto& a = again.stages[s].classifiers[w];
      const auto& b = face.stages[s].classifiers[w];
      CHECK(a.nodes[0].threshold == b.nodes[0].threshold);
      CHECK(a.nodes[0].feature == b.nodes[0].feature);
      CHECK(a.leaves == b.leaves);
    }
  }
}

TEST_CASE("malformed and unsupported cascade files are refused") {
  CHECK_THROWS_AS(medimg::load_cascade("/nonexistent/cascade.xml"), medimg::IoError);
  CHECK_THROWS_AS(medimg::cascade_from_xml("<opencv_storage><cascade>"), medimg::FormatError);
  CHECK_THROWS_AS(medimg::cascade_from_xml("<opencv_storage><c><stageType>BOOST</stageType>"
                                           "<featureType>LBP</featureType></c></opencv_storage>"),
                  medimg::Unsupported);
  CHECK_THROWS_AS(medimg::cascade_from_xml("<opencv_storage><h><size>20 20</size><stages/>"
                                           "</h></opencv_storage>"),
                  medimg::Unsupported);
  const std::string bad_feature =
      "<opencv_storage><cascade><stageType>BOOST</stageType><featureType>HAAR</featureType>"
      "<height>8</height><width>8</width><featureParams><maxCatCount>0</maxCatCount>"
      "</featureParams><stages><_><stageThreshold>0</stageThreshold><weakClassifiers><_>"
      "<internalNodes>0 -1 3 0.5</internalNodes><leafValues>1 -1</leafValues></_>"
      "</weakClassifiers></_></stages><features><_><rects><_>0 0 4 8 -1</_></rects>"
      "<tilted>0</tilted></_></features></cascade></opencv_storage>";
  CHECK_THROWS_AS(medimg::cascade_from_xml(bad_feature), medimg::FormatError);  // feature 3
}

TEST_CASE("a cascade trained on bright discs finds held-out discs and survives saving") {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> jitter(-0.7, 0.7), radius(3.6, 4.4);
  // Positives: 12 x 12 windows with a disc of radius ~4 in the middle, on clutter.
  const int n_pos = 200;
  at::Tensor positives = at::empty({n_pos, 12, 12}, at::kByte);
  for (int i = 0; i < n_pos; ++i) {
    const at::Tensor big = scene(20, 20, rng, {{{9.5 + jitter(rng), 9.5 + jitter(rng), radius(rng)}}});
    positives[i].copy_(big.slice(0, 4, 16).slice(1, 4, 16));
  }
  std::vector<at::Tensor> negatives;
  for (int i = 0; i < 20; ++i) negatives.push_back(scene(64, 64, rng, {}));
  const auto options = medimg::CascadeTrainOptions()
                           .num_stages(10)
                           .num_negatives(400)
                           .max_false_alarm_rate(0.4f);
  std::vector<std::int64_t> reported;
  const medimg::Cascade cascade = medimg::train_cascade(
      positives, negatives, options, [&](const medimg::Progress& p) { reported.push_back(p.done); });
  REQUIRE(!cascade.stages.empty());
  REQUIRE(reported.back() == 10);
  CHECK(cascade.training_stats.size() == cascade.stages.size());
  for (const auto& s : cascade.training_stats) CHECK(s.hit_rate >= 0.995);

  // The training positives pass: classify_windows agrees with the stage statistics.
  const at::Tensor passed = medimg::classify_windows(positives, cascade);
  const double pass_rate =
      passed.eq(static_cast<int>(cascade.stages.size())).to(at::kFloat).mean().item<double>();
  CHECK(pass_rate >= 0.9);

  // Held out: 10 scenes with two discs each, radius 4 to 6.
  int hits = 0, false_positives = 0, objects = 0;
  std::uniform_real_distribution<double> pos(10, 54), size(4.0, 6.0);
  for (int k = 0; k < 10; ++k) {
    std::vector<std::array<double, 3>> discs = {{pos(rng), pos(rng), size(rng)}};
    do {
      discs.resize(1);
      discs.push_back({pos(rng), pos(rng), size(rng)});
    } while (std::hypot(discs[0][0] - discs[1][0], discs[0][1] - discs[1][1]) < 16);
    const at::Tensor image = scene(64, 64, rng, discs);
    const auto found = medimg::detect(image, cascade);
    std::vector<bool> matched(discs.size(), false);
    for (const PixelRect& b : found.boxes) {
      bool any = false;
      for (std::size_t d = 0; d < discs.size(); ++d) {
        const double cy = b.y + b.height / 2.0, cx = b.x + b.width / 2.0;
        if (std::hypot(cy - discs[d][0], cx - discs[d][1]) <= discs[d][2]) {
          matched[d] = true;
          any = true;
        }
      }
      false_positives += !any;
    }
    for (bool m : matched) hits += m;
    objects += static_cast<int>(discs.size());
  }
  INFO(hits << " of " << objects << " discs found, " << false_positives << " false positives");
  CHECK(hits >= 0.9 * objects);
  CHECK(false_positives < 10);  // under one per scene

  // Saved and loaded, it detects exactly the same boxes.
  medimg::test::ScratchDir dir("cascade");
  medimg::save_cascade(cascade, dir / "discs.xml");
  const medimg::Cascade loaded = medimg::load_cascade(dir / "discs.xml");
  CHECK(loaded.mode == medimg::HaarMode::Basic);
  REQUIRE(loaded.boost_params.has_value());
  CHECK(loaded.boost_params->max_false_alarm_rate == 0.4f);
  const at::Tensor image = scene(64, 64, rng, {{{30, 30, 5}}});
  const auto a = medimg::detect(image, cascade, medimg::CascadeDetectOptions().min_neighbors(0));
  const auto b = medimg::detect(image, loaded, medimg::CascadeDetectOptions().min_neighbors(0));
  CHECK(a.boxes == b.boxes);
  CHECK(medimg::classify_windows(positives, loaded).equal(passed));
}

TEST_CASE("detection and training refuse bad input") {
  medimg::Cascade c;
  c.height = c.width = 8;
  c.features.push_back({{{0, 0, 4, 8, -1.f}, {4, 0, 4, 8, 2.f}}, false});
  c.stages.push_back({-1.f, {{{{0, 0.f, 0, -1}}, {1.f, 1.f}}}});
  const at::Tensor image = at::zeros({32, 32}, at::kByte);
  CHECK_NOTHROW(medimg::detect(image, c));
  CHECK(medimg::detect(image, c).boxes.empty());  // flat: rejected by the variance check
  CHECK_THROWS_AS(medimg::detect(image.to(at::kFloat), c), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::detect(at::zeros({2, 32, 32}, at::kByte), c), medimg::ShapeError);
  CHECK_THROWS_AS(medimg::detect(image, c, medimg::CascadeDetectOptions().scale_factor(1.0)),
                  medimg::ArgumentError);
  CHECK_THROWS_AS(
      medimg::detect(image, c, medimg::CascadeDetectOptions().scale_factor(1.00001)),
      medimg::ArgumentError);  // more than 1000 scales
  CHECK(medimg::detect(at::zeros({4, 4}, at::kByte), c).boxes.empty());  // smaller than window
  medimg::Cascade broken = c;
  broken.stages[0].classifiers[0].nodes[0].feature = 5;
  CHECK_THROWS_AS(medimg::detect(image, broken), medimg::ArgumentError);
  broken = c;
  broken.stages[0].classifiers[0].nodes[0].left = 0;
  broken.stages[0].classifiers[0].nodes[0].right = 0;
  broken.stages[0].classifiers[0].leaves.push_back(0.f);  // 2 leaves needed, 3 given
  CHECK_THROWS_AS(medimg::detect(image, broken), medimg::ArgumentError);

  const at::Tensor positives = at::randint(0, 256, {4, 8, 8}, at::kByte);
  const std::vector<at::Tensor> negatives = {at::randint(0, 256, {32, 32}, at::kByte)};
  CHECK_THROWS_AS(medimg::train_cascade(positives.to(at::kFloat), negatives), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::train_cascade(positives, {at::zeros({4, 4}, at::kByte)}),
                  medimg::ShapeError);  // no background image holds a window
  CHECK_THROWS_AS(medimg::train_cascade(at::zeros({4, 8, 8}, at::kByte), negatives),
                  medimg::ArgumentError);  // every positive is flat
  CHECK_THROWS_AS(medimg::train_cascade(positives, negatives,
                                        medimg::CascadeTrainOptions().min_hit_rate(1.0f)),
                  medimg::ArgumentError);
}
