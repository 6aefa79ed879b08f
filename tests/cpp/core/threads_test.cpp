// Readers, kernels and Predictor::predict called from many threads at once give the results
// of a single thread, bit for bit (issue 9, item 6; docs/reliability.md, "Thread safety").
#include <ATen/Context.h>
#include <ATen/TensorOperators.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/roll.h>
#include <ATen/ops/tensor.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "medimg/classic/edges.hpp"
#include "medimg/classic/footprint.hpp"
#include "medimg/classic/label.hpp"
#include "medimg/classic/morphology.hpp"
#include "medimg/core/image.hpp"
#include "medimg/io/dicom.hpp"
#include "medimg/io/dicom_series.hpp"
#include "medimg/io/nifti.hpp"
#include "medimg/io/npz.hpp"
#include "medimg/io/raster.hpp"
#include "medimg/metrics/distance_transform.hpp"
#include "medimg/metrics/overlap.hpp"
#include "medimg/metrics/surface_distance.hpp"
#include "medimg/nn/network.hpp"
#include "medimg/preprocess/clahe.hpp"
#include "medimg/preprocess/gaussian.hpp"
#include "medimg/preprocess/intensity.hpp"
#include "medimg/preprocess/resample.hpp"
#include "medimg/train/predictor.hpp"
#include "test_helpers.hpp"

namespace fs = std::filesystem;

namespace {

constexpr int kThreads = 8;
constexpr int kRounds = 5;  // every thread runs every job this many times

using Outputs = std::vector<at::Tensor>;
using Job = std::pair<std::string, std::function<Outputs()>>;

const fs::path kData = MEDIMG_TEST_DATA_DIR;
const fs::path kRepoData = MEDIMG_DATA_DIR;

// The voxels and the grid of an image, so that both are compared.
Outputs image_outputs(const medimg::Image& image) {
  const medimg::Geometry& g = image.geometry();
  std::vector<double> grid(g.spacing().data(), g.spacing().data() + g.spacing().size());
  grid.insert(grid.end(), g.origin().data(), g.origin().data() + 3);
  grid.insert(grid.end(), g.direction().data(), g.direction().data() + 9);
  return {image.tensor(), at::tensor(grid, at::kDouble)};
}

Outputs scalars(std::vector<double> values) { return {at::tensor(values, at::kDouble)}; }

// True when both hold the same dtypes, shapes and bytes (NaN payloads included).
bool same_bits(const Outputs& a, const Outputs& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const at::Tensor x = a[i].contiguous(), y = b[i].contiguous();
    if (x.scalar_type() != y.scalar_type() || x.sizes() != y.sizes()) return false;
    // An empty tensor's data_ptr() is null, which memcmp may not be given (UBSan).
    if (x.nbytes() > 0 && std::memcmp(x.data_ptr(), y.data_ptr(), x.nbytes()) != 0) return false;
  }
  return true;
}

// Two offset spheres in a small volume: masks for the morphology and the metrics.
std::pair<at::Tensor, at::Tensor> two_masks() {
  const at::Tensor ramp = medimg::test::ramp({20, 24, 22});
  const auto z = ramp.div(24 * 22, "floor"), y = ramp.div(22, "floor").remainder(24),
             x = ramp.remainder(22);
  const at::Tensor r2 = (z - 10).pow(2) + (y - 12).pow(2) + (x - 11).pow(2);
  const at::Tensor pred = r2 < 40;
  return {pred, at::roll(pred, {2, -1}, {0, 2}) | ((z - 4).pow(2) + (y - 5).pow(2) < 3)};
}

std::vector<Job> jobs(const fs::path& scratch) {
  const medimg::Image ct = medimg::read_nifti(kData / "nifti" / "example_ct_sm.nii.gz");
  const medimg::Image slice = medimg::read_dicom(kData / "dicom" / "CT_small.dcm");
  const auto [pred, ref] = two_masks();
  const at::Tensor plane = slice.tensor()[0].to(at::kFloat);

  at::manual_seed(0);  // LibTorch's generator is not seeded here
  medimg::nn::save_model(
      medimg::nn::build_network("unet", R"({"spatial_dims": 2, "in_channels": 1,
                                            "out_channels": 2, "features": [4, 8]})"),
      scratch / "unet.model");
  std::shared_ptr<medimg::train::Predictor> predictor =
      medimg::train::load_predictor(scratch / "unet.model");
  const medimg::Image unet_input(plane.div(1000).unsqueeze(0), slice.geometry());

  return {
      {"read_dicom",
       [] { return image_outputs(medimg::read_dicom(kData / "dicom" / "CT_small.dcm")); }},
      {"read_dicom_series",
       [] { return image_outputs(medimg::read_dicom_series(kData / "dicom_series" / "hitachi")); }},
      {"read_nifti .nii",
       [] { return image_outputs(medimg::read_nifti(kData / "nifti" / "anatomical.nii")); }},
      {"read_nifti .nii.gz",
       [] { return image_outputs(medimg::read_nifti(kData / "nifti" / "example_ct_sm.nii.gz")); }},
      {"read_raster png",
       [] { return image_outputs(medimg::read_raster(kRepoData / "ct_small_slice.png")); }},
      {"read_npz",
       [] {
         Outputs out;
         for (auto& [name, array] : medimg::read_npz(kData / "npz" / "dtypes_compressed.npz")) {
           out.push_back(array);
         }
         return out;
       }},
      {"window", [ct] { return Outputs{medimg::window(ct.tensor(), 40, 400)}; }},
      {"normalize_minmax", [ct] { return image_outputs(medimg::normalize_minmax(ct)); }},
      {"normalize_zscore", [ct] { return image_outputs(medimg::normalize_zscore(ct)); }},
      {"clahe", [slice] { return image_outputs(medimg::clahe(slice)); }},
      {"gaussian", [ct] { return image_outputs(medimg::gaussian(ct, {1.5, 1.5, 1.5})); }},
      {"resample", [ct] { return image_outputs(medimg::resample(ct, {3.0, 2.5, 2.5})); }},
      {"label",
       [ref] {
         const auto result = medimg::label(ref, 1);
         return Outputs{result.labels, at::tensor({result.count})};
       }},
      {"binary morphology",
       [pred] {
         const auto ball = medimg::ball(1);
         return Outputs{medimg::binary_erosion(pred, ball), medimg::binary_dilation(pred, ball),
                        medimg::binary_closing(pred, medimg::cube(3))};
       }},
      {"distance_transform_edt",
       [ref] { return Outputs{medimg::distance_transform_edt(ref, {0.8, 0.7, 0.7})}; }},
      {"hausdorff and hd95",
       [pred, ref] {
         const auto d = medimg::surface_distances(pred, ref, {0.8, 0.7, 0.7});
         return scalars({medimg::hausdorff(d), medimg::hausdorff(d, 95.0), medimg::assd(d),
                         medimg::surface_dice(d, 1.0)});
       }},
      {"dice",
       [pred, ref] {
         const auto counts = medimg::confusion_counts(pred, ref, 2);
         return scalars({medimg::overlap_score(counts[1], medimg::OverlapMetric::Dice)});
       }},
      {"canny", [plane] { return Outputs{medimg::canny(plane, medimg::CannyOptions{})}; }},
      {"Predictor::predict",
       [predictor, unet_input] { return image_outputs(predictor->predict(unet_input)); }},
  };
}

}  // namespace

TEST_CASE("readers, kernels and Predictor::predict give the same bits from 8 threads at once",
          "[core][threads]") {
  const medimg::test::ScratchDir dir("threads");
  const std::vector<Job> all = jobs(dir.path());
  std::vector<Outputs> expected;
  for (const auto& job : all) expected.push_back(job.second());

  std::mutex mutex;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Each thread starts at another job, so that different calls overlap too.
      for (std::size_t n = 0; n < kRounds * all.size(); ++n) {
        const std::size_t j = (n + static_cast<std::size_t>(t) * 5) % all.size();
        std::string failure;
        try {
          if (!same_bits(all[j].second(), expected[j])) failure = "different result";
        } catch (const std::exception& e) {
          failure = e.what();
        }
        if (!failure.empty()) {
          const std::lock_guard<std::mutex> lock(mutex);
          failures.push_back(all[j].first + " in thread " + std::to_string(t) + ": " + failure);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::string report;
  for (const auto& failure : failures) report += failure + "\n";
  INFO(report);
  CHECK(failures.empty());
}
