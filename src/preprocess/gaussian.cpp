#include "medimg/preprocess/gaussian.hpp"

#include <cmath>

#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"
#include "medimg/preprocess/detail/border_index.hpp"
#include "medimg/preprocess/detail/gaussian_kernel.hpp"

namespace medimg {
namespace {

/// Correlates every line of `volume` along `axis` with `weights` in place.
template <typename T>
void filter_axis(const ImageView<T, 4>& volume, int axis, const std::vector<double>& weights,
                 const GaussianOptions& options) {
  const std::int64_t n = volume.size(axis);
  const auto radius = static_cast<std::int64_t>(weights.size() / 2);
  // The lines are all index tuples with `axis` left out, enumerated flat.
  std::array<std::int64_t, 3> other{};
  for (int k = 0, j = 0; k < 4; ++k) {
    if (k != axis) other[j++] = k;
  }
  const std::int64_t lines = volume.size(other[0]) * volume.size(other[1]) * volume.size(other[2]);
  const std::int64_t step = volume.stride(axis);
  parallel_for(0, lines, std::max<std::int64_t>(1, 4096 / std::max<std::int64_t>(n, 1)),
               [&](std::int64_t begin, std::int64_t end) {
    std::vector<double> padded(n + 2 * radius);
    for (std::int64_t line = begin; line < end; ++line) {
      typename ImageView<T, 4>::Index index{};
      std::int64_t rest = line;
      for (int j = 2; j >= 0; --j) {
        index[other[j]] = rest % volume.size(other[j]);
        rest /= volume.size(other[j]);
      }
      T* start = volume.data() + volume.offset(index);
      for (std::int64_t i = -radius; i < n + radius; ++i) {
        const std::int64_t source = detail::border_index(i, n, options.border);
        padded[i + radius] = source < 0 ? options.fill_value
                                        : static_cast<double>(start[source * step]);
      }
      for (std::int64_t i = 0; i < n; ++i) {
        double sum = 0.0;
        for (std::size_t w = 0; w < weights.size(); ++w) sum += weights[w] * padded[i + w];
        start[i * step] = static_cast<T>(sum);
      }
    }
  });
}

}  // namespace

at::Tensor gaussian_filter(const at::Tensor& voxels, std::vector<double> sigma,
                           const GaussianOptions& options) {
  MEDIMG_CHECK(voxels.defined() && (voxels.dim() == 3 || voxels.dim() == 4), ShapeError,
               "gaussian_filter: expected (C, Y, X) or (C, Z, Y, X), got shape ",
               voxels.defined() ? voxels.sizes() : at::IntArrayRef{});
  // .to(kFloat) would drop the imaginary part with only a warning.
  MEDIMG_CHECK(!at::isComplexType(voxels.scalar_type()), Unsupported,
               "gaussian_filter: medimg kernels do not handle dtype ", voxels.scalar_type(),
               "; convert with .to(float32)");
  const int dims = static_cast<int>(voxels.dim()) - 1;
  if (sigma.size() == 1) sigma.assign(dims, sigma[0]);
  MEDIMG_CHECK(static_cast<int>(sigma.size()) == dims, ShapeError, "gaussian_filter: expected ",
               dims, " sigma values (one per spatial axis) or one, got ", sigma.size());
  for (double s : sigma) {
    MEDIMG_CHECK(std::isfinite(s) && s >= 0.0, ArgumentError,
                 "gaussian_filter: sigma must be finite and >= 0, got ", s);
  }
  MEDIMG_CHECK(std::isfinite(options.truncate) && options.truncate > 0.0, ArgumentError,
               "gaussian_filter: truncate must be > 0, got ", options.truncate);
  at::Tensor out = (voxels.scalar_type() == at::kDouble ? voxels : voxels.to(at::kFloat))
                       .contiguous().clone();
  at::Tensor as4 = dims == 3 ? out : out.unsqueeze(1);
  for (int k = 0; k < dims; ++k) {
    if (sigma[k] <= 1e-15) continue;  // scipy skips these axes too
    const auto weights = detail::gaussian_weights(sigma[k], options.truncate);
    const int axis = k + (dims == 3 ? 1 : 2);
    if (out.scalar_type() == at::kDouble) {
      filter_axis(view<double, 4>(as4), axis, weights, options);
    } else {
      filter_axis(view<float, 4>(as4), axis, weights, options);
    }
  }
  return out;
}

Image gaussian(const Image& image, std::vector<double> sigma_mm, const GaussianOptions& options) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "gaussian: the image is undefined");
  const int dims = image.spatial_dims();
  if (sigma_mm.size() == 1) sigma_mm.assign(dims, sigma_mm[0]);
  MEDIMG_CHECK(static_cast<int>(sigma_mm.size()) == dims, ShapeError, "gaussian: expected ", dims,
               " sigma values in mm or one, got ", sigma_mm.size());
  const auto& spacing = image.geometry().spacing();
  for (int k = 0; k < dims; ++k) sigma_mm[k] /= spacing[k];
  return image.with_tensor(gaussian_filter(image.tensor(), sigma_mm, options));
}

namespace detail {

std::vector<double> gaussian_weights(double sigma, double truncate) {
  // 2^20 voxels each side is beyond any image axis; a larger radius means a sigma in the
  // wrong unit, and its table alone would take gigabytes.
  constexpr double kMaxRadius = 1 << 20;
  MEDIMG_CHECK(truncate * sigma + 0.5 <= kMaxRadius, ArgumentError, "gaussian kernel: sigma ",
               sigma, " (voxels) x truncate ", truncate, " is a radius above 2^20 voxels; is sigma "
               "in the right unit?");
  const auto radius = static_cast<std::int64_t>(truncate * sigma + 0.5);
  std::vector<double> weights(2 * radius + 1);
  double sum = 0.0;
  for (std::int64_t i = -radius; i <= radius; ++i) {
    weights[i + radius] = std::exp(-0.5 / (sigma * sigma) * static_cast<double>(i * i));
    sum += weights[i + radius];
  }
  for (double& w : weights) w /= sum;
  return weights;
}

}  // namespace detail
}  // namespace medimg
