#include "medimg/pipelines/nodule_patches.hpp"

#include <ATen/ops/empty.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "../classic/detail/ct_volume.hpp"
#include "medimg/core/error.hpp"
#include "medimg/core/parallel.hpp"

namespace medimg::pipelines {

namespace {

// Trilinear interpolation of a (Z, Y, X) float32 volume at a continuous index; each of the
// eight corners outside the volume counts as `fill`.
class TrilinearSampler {
 public:
  TrilinearSampler(const float* data, std::array<std::int64_t, 3> shape, float fill)
      : data_(data), shape_(shape), fill_(fill) {}

  float operator()(double z, double y, double x) const {
    const double fz = std::floor(z), fy = std::floor(y), fx = std::floor(x);
    const auto z0 = static_cast<std::int64_t>(fz), y0 = static_cast<std::int64_t>(fy),
               x0 = static_cast<std::int64_t>(fx);
    const double wz = z - fz, wy = y - fy, wx = x - fx;
    double sum = 0.0;
    for (int dz = 0; dz < 2; ++dz) {
      const double az = dz ? wz : 1.0 - wz;
      for (int dy = 0; dy < 2; ++dy) {
        const double ay = dy ? wy : 1.0 - wy;
        for (int dx = 0; dx < 2; ++dx) {
          const double ax = dx ? wx : 1.0 - wx;
          sum += az * ay * ax * at(z0 + dz, y0 + dy, x0 + dx);
        }
      }
    }
    return static_cast<float>(sum);
  }

 private:
  float at(std::int64_t z, std::int64_t y, std::int64_t x) const {
    if (z < 0 || y < 0 || x < 0 || z >= shape_[0] || y >= shape_[1] || x >= shape_[2]) return fill_;
    return data_[(z * shape_[1] + y) * shape_[2] + x];
  }

  const float* data_;
  std::array<std::int64_t, 3> shape_;
  float fill_;
};

}  // namespace

void check_nodule_patch_options(const NodulePatchOptions& o) {
  MEDIMG_CHECK(o.size >= 1, ArgumentError, "nodule_patches: size must be >= 1, got ", o.size);
  MEDIMG_CHECK(std::isfinite(o.spacing) && o.spacing > 0, ArgumentError,
               "nodule_patches: spacing must be finite and > 0, got ", o.spacing);
  MEDIMG_CHECK(std::isfinite(o.fill_hu), ArgumentError,
               "nodule_patches: fill_hu must be finite, got ", o.fill_hu);
  MEDIMG_CHECK(std::isfinite(o.window_low) && std::isfinite(o.window_high) &&
                   o.window_low < o.window_high,
               ArgumentError, "nodule_patches: the window must satisfy low < high, got [",
               o.window_low, ", ", o.window_high, "]");
}

at::Tensor nodule_patches(const Image& ct_hu, const std::vector<Eigen::Vector3d>& centres,
                          const NodulePatchOptions& options) {
  check_nodule_patch_options(options);
  const at::Tensor volume = detail::ct_volume(ct_hu, "nodule_patches").to(at::kFloat).contiguous();
  for (const Eigen::Vector3d& c : centres) {
    MEDIMG_CHECK(c.allFinite(), ArgumentError, "nodule_patches: a centre is not finite: (",
                 c.transpose(), ")");
  }
  const std::int64_t n = static_cast<std::int64_t>(centres.size()), s = options.size;
  at::Tensor patches = at::empty({n, 1, s, s, s}, at::kFloat);
  if (n == 0) return patches;

  const std::array<std::int64_t, 3> shape{volume.size(0), volume.size(1), volume.size(2)};
  const TrilinearSampler sample(volume.data_ptr<float>(), shape,
                                static_cast<float>(options.fill_hu));
  const Eigen::Vector3d step =
      options.spacing * detail::spacing_zyx(ct_hu).cwiseInverse();  // index units per voxel
  const double half = (static_cast<double>(s) - 1.0) / 2.0;
  const auto low = static_cast<float>(options.window_low);
  const float scale = 1.0f / static_cast<float>(options.window_high - options.window_low);
  float* out = patches.data_ptr<float>();
  const Geometry& geometry = ct_hu.geometry();

  parallel_for(0, n, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) {
      const Eigen::VectorXd centre = geometry.world_to_index(centres[p]);
      float* patch = out + p * s * s * s;
      // Far outside the CT every sample is fill; also keeps the int64 corner indices in range.
      if (centre.cwiseAbs().maxCoeff() > 1e9) {
        std::fill(patch, patch + s * s * s,
                  std::clamp((static_cast<float>(options.fill_hu) - low) * scale, 0.0f, 1.0f));
        continue;
      }
      for (std::int64_t k0 = 0; k0 < s; ++k0) {
        const double z = centre[0] + (k0 - half) * step[0];
        for (std::int64_t k1 = 0; k1 < s; ++k1) {
          const double y = centre[1] + (k1 - half) * step[1];
          for (std::int64_t k2 = 0; k2 < s; ++k2) {
            const double x = centre[2] + (k2 - half) * step[2];
            const float hu = sample(z, y, x);
            *patch++ = std::clamp((hu - low) * scale, 0.0f, 1.0f);
          }
        }
      }
    }
  });
  return patches;
}

}  // namespace medimg::pipelines
