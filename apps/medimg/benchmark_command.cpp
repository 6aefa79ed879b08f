// medimg benchmark: times libmedimg's main kernels on synthetic inputs of the sizes that
// benchmarks/ uses, on this machine and build. The side-by-side comparisons with numpy,
// scipy, scikit-image, OpenCV and torch are the Python scripts in benchmarks/ (they need the
// reference tools); this command needs nothing but the library.
#include <ATen/ops/arange.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/randint.h>
#include <ATen/TensorOperators.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "arguments.hpp"
#include "commands.hpp"
#include "medimg/core/image.hpp"
#include "medimg/core/parallel.hpp"
#include "medimg/metrics/surface_distance.hpp"
#include "medimg/preprocess/clahe.hpp"
#include "medimg/preprocess/histogram.hpp"
#include "medimg/preprocess/intensity.hpp"
#include "medimg/preprocess/resample.hpp"
#include "text_output.hpp"

namespace medimg::cli {

namespace {

constexpr const char* kBenchmarkUsage =
    "usage: medimg benchmark [--size small|full] [--repeat N] [--threads N] [--json FILE]\n"
    "\n"
    "Times libmedimg's kernels on synthetic data and prints, per kernel, the input, the best\n"
    "and median wall time of N runs (after one warm-up) and the throughput. The comparisons\n"
    "with numpy, scipy, scikit-image, OpenCV and torch are in benchmarks/ (Python).\n"
    "\n"
    "  --size full       the sizes of benchmarks/: a 300 x 512 x 512 int16 CT volume, 512 x 512\n"
    "                    slices, 256^3 masks (default)\n"
    "  --size small      32 slices and 96^3 masks, for a quick check\n"
    "  --repeat N        timed runs per kernel (default 3, >= 1)\n"
    "  --threads N       medimg's thread count (default: its own, see docs/conventions.md)\n"
    "  --json FILE       also write the results as JSON\n";

struct BenchmarkArguments {
  bool small = false;
  int repeat = 3;
  int threads = 0;
  std::string json;
};

BenchmarkArguments parse(const std::vector<std::string>& args) {
  BenchmarkArguments parsed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> const std::string& { return option_value(args, i); };
    if (arg == "--size") {
      const std::string& size = value();
      MEDIMG_CHECK(size == "small" || size == "full", ArgumentError,
                   "--size must be small or full, got '", size, "'");
      parsed.small = size == "small";
    } else if (arg == "--repeat") {
      parsed.repeat = parse_int(arg, value());
      MEDIMG_CHECK(parsed.repeat >= 1, ArgumentError, "--repeat must be >= 1");
    } else if (arg == "--threads") {
      parsed.threads = parse_int(arg, value());
      MEDIMG_CHECK(parsed.threads >= 1, ArgumentError, "--threads must be >= 1");
    } else if (arg == "--json") {
      parsed.json = value();
    } else {
      throw ArgumentError(detail::concat("unexpected argument '", arg, "'"));
    }
  }
  return parsed;
}

struct Timing {
  std::string kernel, input;
  double voxels = 0, best_ms = 0, median_ms = 0;
};

Timing time_kernel(const std::string& kernel, const std::string& input, double voxels,
                   int repeat, const std::function<void()>& run) {
  run();  // warm-up: first-touch pages, thread pool, lazy tables
  std::vector<double> ms;
  for (int r = 0; r < repeat; ++r) {
    const auto start = std::chrono::steady_clock::now();
    run();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  return {kernel, input, voxels, ms.front(), ms[ms.size() / 2]};
}

// A CT-like int16 volume: air, a body disc at soft tissue, noise.
Image ct_volume(std::int64_t slices) {
  const auto options = at::TensorOptions().dtype(at::kFloat);
  const at::Tensor y = at::arange(512, options).view({1, 1, 512, 1}) - 256;
  const at::Tensor x = at::arange(512, options).view({1, 1, 1, 512}) - 256;
  const at::Tensor body = ((y * y + x * x) < 200.0 * 200.0).to(at::kFloat);
  const at::Tensor hu = body * 1040 - 1000 + at::rand({1, slices, 512, 512}) * 60;
  return Image(hu.to(at::kShort), Geometry(Eigen::Vector3d(2.5, 0.7, 0.7)));
}

at::Tensor ball(std::int64_t size, double radius, double shift) {
  const auto options = at::TensorOptions().dtype(at::kFloat);
  const double c = size / 2.0;
  const at::Tensor z = at::arange(size, options).view({size, 1, 1}) - c;
  const at::Tensor y = at::arange(size, options).view({1, size, 1}) - c;
  const at::Tensor x = at::arange(size, options).view({1, 1, size}) - (c + shift);
  return (z * z + y * y + x * x) < radius * radius;
}

std::string json_of(const std::vector<Timing>& timings, int threads) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(4) << "{\"threads\": " << threads << ", \"kernels\": [";
  for (std::size_t k = 0; k < timings.size(); ++k) {
    const Timing& t = timings[k];
    out << (k ? ", " : "") << "{\"kernel\": \"" << t.kernel << "\", \"input\": \"" << t.input
        << "\", \"voxels\": " << t.voxels << ", \"best_ms\": " << t.best_ms
        << ", \"median_ms\": " << t.median_ms << "}";
  }
  out << "]}\n";
  return out.str();
}

}  // namespace

int benchmark_command(const std::vector<std::string>& args) {
  BenchmarkArguments parsed;
  if (const auto status = parse_command("benchmark", kBenchmarkUsage, args, parse, parsed)) {
    return *status;
  }
  if (parsed.threads > 0) set_num_threads(parsed.threads);
  const std::int64_t slices = parsed.small ? 32 : 300, side = parsed.small ? 96 : 256;
  const int repeat = parsed.repeat;

  const Image ct = ct_volume(slices);
  const double ct_voxels = static_cast<double>(ct.tensor().numel());
  const std::string ct_name = detail::concat(slices, "x512x512 int16");
  const auto [lung_center, lung_width] = window_preset("lung");
  const Image slice(at::rand({1, 512, 512}), Geometry(Eigen::Vector2d(0.7, 0.7)));
  const at::Tensor pred = ball(side, side * 0.3, 0), ref = ball(side, side * 0.3, 1.5);
  const std::string masks = detail::concat(side, "^3 bool x2");

  std::vector<Timing> timings;
  timings.push_back(time_kernel("window (lung)", ct_name, ct_voxels, repeat, [&] {
    window(ct, lung_center, lung_width);
  }));
  timings.push_back(time_kernel("equalize_hist", "512x512 float32", 512.0 * 512, repeat, [&] {
    equalize_hist(slice);
  }));
  timings.push_back(time_kernel("clahe (skimage)", "512x512 float32", 512.0 * 512, repeat, [&] {
    clahe(slice);
  }));
  timings.push_back(time_kernel("resample to 1 mm (linear)", ct_name, ct_voxels, repeat, [&] {
    resample(ct, {1.0, 1.0, 1.0});
  }));
  timings.push_back(time_kernel("HD95", masks, 2.0 * side * side * side, repeat, [&] {
    hausdorff(surface_distances(pred, ref, {1.0, 1.0, 1.0}), 95.0);
  }));

  std::cout << "medimg benchmark, " << get_num_threads() << " threads, best and median of "
            << repeat << " runs\n";
  std::cout << std::left << std::setw(28) << "kernel" << std::setw(20) << "input" << std::right
            << std::setw(12) << "best ms" << std::setw(12) << "median ms" << std::setw(14)
            << "Mvoxel/s" << '\n';
  for (const Timing& t : timings) {
    std::cout << std::left << std::setw(28) << t.kernel << std::setw(20) << t.input << std::right
              << std::fixed << std::setprecision(2) << std::setw(12) << t.best_ms << std::setw(12)
              << t.median_ms << std::setw(14) << std::setprecision(1)
              << t.voxels / (t.best_ms * 1e3) << '\n';
  }
  if (!parsed.json.empty()) write_text(parsed.json, json_of(timings, get_num_threads()));
  return 0;
}

}  // namespace medimg::cli
