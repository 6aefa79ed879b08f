#include "medimg/preprocess/histogram.hpp"

#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/tensor.h>
#include <ATen/ops/zeros.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "medimg/core/error.hpp"

using Catch::Matchers::Contains;

TEST_CASE("equalize_hist of integers is each value's cumulative frequency") {
  // Values 0, 0, 1, 3 (no 2): CDF 0.5, 0.75, 0.75, 1.
  const medimg::Image image(at::tensor({0, 0, 1, 3}, at::kShort).reshape({1, 2, 2}));
  const auto y = medimg::equalize_hist(image).tensor();
  CHECK(y.scalar_type() == at::kFloat);
  CHECK(y[0][0][0].item<float>() == 0.5f);
  CHECK(y[0][1][0].item<float>() == 0.75f);
  CHECK(y[0][1][1].item<float>() == 1.0f);
  // nbins is ignored for integers, as in skimage.
  CHECK(medimg::equalize_hist(image, 2).tensor().equal(y));
}

TEST_CASE("equalize_hist of floats interpolates the CDF between bin centres") {
  // 0, 0.5, 1 in 2 bins [0, 0.5), [0.5, 1]: counts 1, 2; CDF 1/3, 1; centres 0.25, 0.75.
  const medimg::Image image(at::tensor({0.0f, 0.5f, 1.0f}).reshape({1, 1, 3}));
  const auto y = medimg::equalize_hist(image, 2).tensor();
  CHECK(y[0][0][0].item<float>() == static_cast<float>(1.0f / 3));   // below the first centre
  CHECK(y[0][0][1].item<float>() == Approx(2.0 / 3).epsilon(1e-7));  // halfway
  CHECK(y[0][0][2].item<float>() == 1.0f);                           // beyond the last centre
}

namespace {

// skimage's equalize_hist of float values written plainly, in T (float32 or float64, numpy's
// bin dtype): edges from linspace in float64 rounded to T, each value's bin by binary search
// over them (the last bin closed), the CDF over the selected values rounded to T,
// numpy.interp in float64 between the T bin centres.
template <typename T>
std::vector<T> skimage_equalize(const std::vector<T>& x, const std::vector<bool>& mask,
                                int nbins) {
  T low = std::numeric_limits<T>::max(), high = std::numeric_limits<T>::lowest();
  for (std::size_t i = 0; i < x.size(); ++i) {
    low = mask[i] ? std::min(low, x[i]) : low;
    high = mask[i] ? std::max(high, x[i]) : high;
  }
  std::vector<T> edges(nbins + 1);
  for (int b = 0; b < nbins; ++b) {
    edges[b] = static_cast<T>(b * ((static_cast<double>(high) - low) / nbins) + low);
  }
  edges[nbins] = high;
  std::vector<double> cdf(nbins, 0.0);
  double total = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!mask[i]) continue;
    const auto above = std::upper_bound(edges.begin(), edges.end() - 1, x[i]);
    cdf[static_cast<std::size_t>(above - edges.begin()) - 1] += 1;
    total += 1;
  }
  std::vector<double> centres(nbins);
  double sum = 0;
  for (int b = 0; b < nbins; ++b) {
    cdf[b] = static_cast<T>((sum += cdf[b]) / total);
    centres[b] = static_cast<T>((edges[b] + edges[b + 1]) / T(2));
  }
  std::vector<T> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    double out = v < centres.front() ? cdf.front() : cdf.back();
    if (v >= centres.front() && v < centres.back()) {
      const auto j = static_cast<std::size_t>(
          std::upper_bound(centres.begin(), centres.end(), v) - centres.begin() - 1);
      const double slope = (cdf[j + 1] - cdf[j]) / (centres[j + 1] - centres[j]);
      out = centres[j] == v ? cdf[j] : slope * (v - centres[j]) + cdf[j];
    }
    y[i] = static_cast<T>(out);
  }
  return y;
}

// Every edge and centre over [low, high] and the values either side of them (where the
// estimate (v - first) * norm cannot tell the bin or the side of the centre), spread over
// random values, a steep bin and flat runs; the voxels where medimg's equalize_hist differs
// from skimage_equalize, without and with a mask.
template <typename T>
std::array<std::int64_t, 2> edge_differences(T low, T high, int nbins) {
  const auto edge = [&](int b) {
    return static_cast<T>(b * ((static_cast<double>(high) - low) / nbins) + low);
  };
  std::vector<T> special;
  for (int b = 0; b < nbins; ++b) {
    for (T v : {edge(b), (edge(b) + edge(b + 1)) / T(2)}) {
      special.push_back(v);
      special.push_back(std::nextafter(v, low - T(1)));
      special.push_back(std::nextafter(v, high + T(1)));
    }
  }
  std::vector<T> x;
  std::uint32_t state = 12345;  // a fixed LCG: the same values on every platform
  for (std::size_t i = 0; i < 5000; ++i) {
    state = state * 1664525u + 1013904223u;
    const T random = low + (high - low) * static_cast<T>(state >> 8) / T(16777216);
    x.push_back(i % 3 == 0 && i / 3 < special.size() ? special[i / 3] : random);
  }
  // 1,500 values in bin 50: the slopes either side of its centre differ by far, so taking the
  // wrong segment there shows.
  for (int k = 0; k < 1500; ++k) x.push_back(edge(50) + (edge(51) - edge(50)) * (k + T(0.5)) / 1500);
  // Flat runs (one value 17 times, so that groups of eight fall wholly inside) of some edges,
  // centres and their neighbours, which the kernels count and map once per run.
  const std::size_t run_step = std::max<std::size_t>(7, special.size() / 150);
  for (std::size_t k = 0; k < special.size(); k += run_step) x.insert(x.end(), 17, special[k]);
  for (T& v : x) v = std::min(std::max(v, low), high);
  x.push_back(low);
  x.push_back(high);
  std::vector<bool> all(x.size(), true), some(x.size());
  std::vector<std::uint8_t> some_bytes(x.size());
  // Every fifth voxel left out, but low and high (the last two).
  for (std::size_t i = 0; i < x.size(); ++i) {
    some_bytes[i] = some[i] = i % 5 != 2 || i + 2 >= x.size();
  }
  const at::Tensor image = at::tensor(x).reshape({1, 1, -1});
  const at::Tensor mask = at::tensor(some_bytes).ne(0).reshape({1, -1});
  std::array<std::int64_t, 2> differ{};
  for (const bool masked : {false, true}) {
    const auto expected = skimage_equalize(x, masked ? some : all, nbins);
    const at::Tensor got =
        medimg::equalize_hist(medimg::Image(image), nbins, masked ? mask : at::Tensor())
            .tensor()
            .contiguous();
    const T* y = got.data_ptr<T>();
    for (std::size_t i = 0; i < x.size(); ++i) differ[masked] += y[i] != expected[i];
  }
  return differ;
}

}  // namespace

// The ranges: an uneven one, where the estimate is a float step off at some edges; [0, 1]
// in 256 bins, where it is exact and a value whose estimate is an integer b lies in bin b
// (windowed CT hits edges so); [-1, 1] in 256 bins, where the estimate is exact at the edges
// but the value below some edge b has an estimate of b too; 1,000 and 70,000 bins, whose
// segment indices take 16 and 32 bits.
TEMPLATE_TEST_CASE("equalize_hist of floats is skimage's on bin edges, centres and in between",
                   "", float, double) {
  struct Case {
    double low, high;
    int nbins;
  };
  const auto c = GENERATE(Case{-1.4987, 1.9931, 100}, Case{0.0, 1.0, 256}, Case{-1.0, 1.0, 256},
                          Case{-1024.0, 3071.0, 256}, Case{-1.4987, 1.9931, 1000},
                          Case{0.0, 1.0, 70000});
  CAPTURE(c.low, c.high, c.nbins);
  const auto differ = edge_differences(static_cast<TestType>(c.low),
                                       static_cast<TestType>(c.high), c.nbins);
  CHECK(differ[0] == 0);
  CHECK(differ[1] == 0);  // with the mask
}

TEST_CASE("equalize_hist takes the histogram from the mask and maps every voxel") {
  // The mask selects 10 and 20 only: 5 is below its range (-> first CDF value 0.5), 30
  // above (-> 1).
  const medimg::Image image(at::tensor({5, 10, 20, 30}, at::kInt).reshape({1, 1, 4}));
  const at::Tensor mask = at::tensor({0, 1, 1, 0}).ne(0).reshape({1, 4});
  const auto y = medimg::equalize_hist(image, 256, mask).tensor();
  CHECK(y[0][0][0].item<float>() == 0.5f);
  CHECK(y[0][0][1].item<float>() == 0.5f);
  CHECK(y[0][0][2].item<float>() == 1.0f);
  CHECK(y[0][0][3].item<float>() == 1.0f);
}

TEST_CASE("equalize_hist treats each channel on its own") {
  const at::Tensor a = at::arange(0, 64, at::kFloat).reshape({1, 8, 8});
  const at::Tensor b = at::arange(0, 64, at::kFloat).pow(2).reshape({1, 8, 8});
  const auto both = medimg::equalize_hist(medimg::Image(at::cat({a, b})), 16).tensor();
  CHECK(both[0].equal(medimg::equalize_hist(medimg::Image(a), 16).tensor()[0]));
  CHECK(both[1].equal(medimg::equalize_hist(medimg::Image(b), 16).tensor()[0]));
}

TEST_CASE("equalize_hist refuses bad bins, masks and values") {
  const medimg::Image image(at::arange(0, 16, at::kFloat).reshape({1, 4, 4}));
  CHECK_THROWS_AS(medimg::equalize_hist(image, 1), medimg::ArgumentError);
  CHECK_THROWS_AS(medimg::equalize_hist(image, 0), medimg::ArgumentError);
  CHECK_THROWS_WITH(medimg::equalize_hist(image, 256, at::zeros({4, 4}, at::kBool)),
                    Contains("selects no voxel"));
  CHECK_THROWS_AS(medimg::equalize_hist(image, 256, at::zeros({4, 5}, at::kBool)),
                  medimg::ShapeError);
  at::Tensor nan = at::zeros({1, 2, 2});
  nan[0][0][1] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH(medimg::equalize_hist(medimg::Image(nan)), Contains("NaN"));
  const at::Tensor wide = at::tensor({std::int64_t{0}, std::int64_t{1} << 40}).reshape({1, 1, 2});
  CHECK_THROWS_AS(medimg::equalize_hist(medimg::Image(wide)), medimg::Unsupported);
}
