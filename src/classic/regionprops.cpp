#include "medimg/classic/regionprops.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "detail/components.hpp"
#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"

namespace medimg {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPi = 3.14159265358979323846;

// Sums over one label's voxels, coordinates taken relative to its first voxel (so that the
// second moments do not cancel catastrophically far from the origin).
struct Accumulator {
  std::int64_t label = 0;
  std::int64_t count = 0;
  std::array<std::int64_t, 3> origin{}, lo{}, hi{};
  std::array<double, 3> s1{};  // sum of (z, y, x) - origin
  std::array<double, 6> s2{};  // sums of products: zz, zy, zx, yy, yx, xx
  double sum = 0.0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();

  // Voxels (z, y, x0) .. (z, y, x1 - 1), in closed form.
  void add_run(std::int64_t z, std::int64_t y, std::int64_t x0, std::int64_t x1) {
    if (count == 0) {
      origin = lo = {z, y, x0};
      hi = {z, y, x1 - 1};
    }
    lo = {std::min(lo[0], z), std::min(lo[1], y), std::min(lo[2], x0)};
    hi = {std::max(hi[0], z), std::max(hi[1], y), std::max(hi[2], x1 - 1)};
    const double n = static_cast<double>(x1 - x0);
    const double dz = static_cast<double>(z - origin[0]);
    const double dy = static_cast<double>(y - origin[1]);
    const double u0 = static_cast<double>(x0 - origin[2]);
    // sum of u over u0 .. u0 + n - 1, and of u^2
    const double su = n * u0 + n * (n - 1) / 2;
    const double suu = n * u0 * u0 + u0 * n * (n - 1) + (n - 1) * n * (2 * n - 1) / 6;
    s1[0] += n * dz;
    s1[1] += n * dy;
    s1[2] += su;
    s2[0] += n * dz * dz;
    s2[1] += n * dz * dy;
    s2[2] += dz * su;
    s2[3] += n * dy * dy;
    s2[4] += dy * su;
    s2[5] += suu;
    count += x1 - x0;
  }
};

// One pass over the rows: runs of equal non-zero labels, intensities voxel by voxel.
template <typename I>
std::vector<Accumulator> accumulate(const at::Tensor& labels, const I* intensity) {
  const std::int64_t Z = labels.size(0), Y = labels.size(1), X = labels.size(2);
  const std::int64_t* data = labels.data_ptr<std::int64_t>();
  const std::int64_t n = labels.numel();
  const std::int64_t highest = labels.max().item<std::int64_t>();
  // Label -> slot: a table for dense labels, a hash map for sparse huge values.
  const bool dense = highest <= std::max<std::int64_t>(4 * n, 1 << 20);
  std::vector<std::int64_t> table(dense ? highest + 1 : 0, -1);
  std::unordered_map<std::int64_t, std::int64_t> map;
  std::vector<Accumulator> acc;
  auto slot = [&](std::int64_t label) -> Accumulator& {
    std::int64_t& s = dense ? table[label] : map.try_emplace(label, -1).first->second;
    if (s < 0) {
      s = static_cast<std::int64_t>(acc.size());
      acc.emplace_back();
      acc.back().label = label;
    }
    return acc[s];
  };
  for (std::int64_t z = 0; z < Z; ++z) {
    for (std::int64_t y = 0; y < Y; ++y) {
      const std::int64_t* row = data + (z * Y + y) * X;
      for (std::int64_t x = 0; x < X;) {
        const std::int64_t v = row[x];
        std::int64_t end = x + 1;
        while (end < X && row[end] == v) ++end;
        if (v != 0) {
          Accumulator& a = slot(v);
          a.add_run(z, y, x, end);
          if (intensity != nullptr) {
            const I* values = intensity + (z * Y + y) * X;
            for (std::int64_t i = x; i < end; ++i) {
              const double value = static_cast<double>(values[i]);
              a.sum += value;
              a.min = std::min(a.min, value);
              a.max = std::max(a.max, value);
            }
          }
        }
        x = end;
      }
    }
  }
  std::sort(acc.begin(), acc.end(),
            [](const Accumulator& a, const Accumulator& b) { return a.label < b.label; });
  return acc;
}

RegionProps measure(const Accumulator& a, int dims, const Geometry& geometry,
                    const Eigen::Matrix4d& affine, bool with_intensity) {
  const int offset = 3 - dims;  // 2D images are seen as (1, Y, X)
  const double count = static_cast<double>(a.count);
  RegionProps p;
  p.label = a.label;
  p.area = a.count;
  Eigen::VectorXd centroid(dims);
  Eigen::MatrixXd covariance(dims, dims);
  const int pair[3][3] = {{0, 1, 2}, {1, 3, 4}, {2, 4, 5}};
  for (int i = 0; i < dims; ++i) {
    const double mean = a.s1[offset + i] / count;
    centroid[i] = static_cast<double>(a.origin[offset + i]) + mean;
    for (int j = 0; j < dims; ++j) {
      covariance(i, j) = a.s2[pair[offset + i][offset + j]] / count -
                         mean * (a.s1[offset + j] / count);
    }
  }
  p.centroid.assign(centroid.data(), centroid.data() + dims);
  p.centroid_world = geometry.index_to_world(centroid);
  for (int i = 0; i < dims; ++i) p.bbox.push_back(a.lo[offset + i]);
  for (int i = 0; i < dims; ++i) p.bbox.push_back(a.hi[offset + i] + 1);
  // A voxel's size is |det| of the index -> world map (in 2D its third column is the unit
  // plane normal, so the determinant is the pixel's area).
  const Eigen::Matrix3d linear = affine.topLeftCorner<3, 3>();
  p.volume = count * std::abs(linear.determinant());
  p.equivalent_diameter = std::pow(2.0 * dims * p.volume / kPi, 1.0 / dims);
  // The covariance of the voxel centres in world mm; its eigenvalues are scikit-image's in
  // index units times the spacing (exactly so for an orthogonal direction).
  const Eigen::MatrixXd to_world = linear.leftCols(dims);
  const Eigen::Matrix3d world = to_world * covariance * to_world.transpose();
  Eigen::Vector3d eigen = Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d>(world,
                                                                         Eigen::EigenvaluesOnly)
                              .eigenvalues();  // ascending
  const double largest = std::max(0.0, eigen[2]);
  const double smallest = std::max(0.0, eigen[dims == 3 ? 0 : 1]);
  // skimage: 4 sqrt(l) in 2D; sqrt(10 (ev0 + ev1 - ev2)) = sqrt(20 l) in 3D.
  const double factor = dims == 2 ? 16.0 : 20.0;
  p.axis_major_length = std::sqrt(factor * largest);
  p.axis_minor_length = std::sqrt(factor * smallest);
  p.elongation = p.axis_major_length / p.axis_minor_length;
  p.intensity_mean = with_intensity ? a.sum / count : kNaN;
  p.intensity_min = with_intensity ? a.min : kNaN;
  p.intensity_max = with_intensity ? a.max : kNaN;
  return p;
}

}  // namespace

std::vector<RegionProps> regionprops(const at::Tensor& labels, const Geometry& geometry,
                                     const at::Tensor& intensity) {
  detail::resolve_connectivity(labels, 0, "regionprops");
  const at::ScalarType dtype = labels.scalar_type();
  MEDIMG_CHECK(at::isIntegralType(dtype, /*includeBool=*/false), ArgumentError,
               "regionprops: labels must be an integer array, got dtype ", dtype,
               dtype == at::kBool ? " (label() a mask first)" : "");
  const int dims = static_cast<int>(labels.dim());
  MEDIMG_CHECK(geometry.spatial_dims() == dims, ShapeError, "regionprops: a ", dims,
               "D label image needs a ", dims, "D geometry, got ", geometry.spatial_dims(), "D");
  const at::Tensor volume = detail::as_volume(labels.to(at::kLong));
  MEDIMG_CHECK(volume.min().item<std::int64_t>() >= 0, ArgumentError,
               "regionprops: labels must be >= 0, got ", volume.min().item<std::int64_t>());
  std::vector<Accumulator> acc;
  const bool with_intensity = intensity.defined();
  if (with_intensity) {
    MEDIMG_CHECK(intensity.sizes() == labels.sizes(), ShapeError,
                 "regionprops: intensity must have the labels' shape ", labels.sizes(), ", got ",
                 intensity.sizes());
    MEDIMG_CHECK(intensity.device().is_cpu(), Unsupported,
                 "regionprops: intensity must be on the CPU, got ", intensity.device());
    const at::Tensor values = detail::as_volume(intensity);
    acc = dispatch_dtype<3>(values, [&](auto view) {
      return accumulate(volume, view.data());
    });
  } else {
    acc = accumulate<float>(volume, nullptr);
  }
  const Eigen::Matrix4d affine = geometry.affine();
  std::vector<RegionProps> props;
  props.reserve(acc.size());
  for (const Accumulator& a : acc) {
    props.push_back(measure(a, dims, geometry, affine, with_intensity));
  }
  return props;
}

std::vector<RegionProps> regionprops(const at::Tensor& labels, const at::Tensor& intensity) {
  const int dims = labels.defined() && labels.dim() == 2 ? 2 : 3;
  return regionprops(labels, Geometry(dims), intensity);
}

}  // namespace medimg
