#include "medimg/preprocess/interpolation.hpp"

#include <ATen/ops/empty.h>

#include <cmath>
#include <limits>
#include <type_traits>

#include "detail/sampling.hpp"
#include "medimg/core/detail/huge_pages.hpp"
#include "medimg/core/dispatch.hpp"
#include "medimg/core/error.hpp"
#include "medimg/preprocess/detail/sampler.hpp"

namespace medimg {
namespace detail {
namespace {

/// fill_value as a value of an output of dtype T: integers must hold it exactly.
template <typename T>
T checked_fill(double fill, const char* who) {
  if constexpr (std::is_same_v<T, bool>) {
    MEDIMG_CHECK(fill == 0.0 || fill == 1.0, ArgumentError, who,
                 ": fill_value must be 0 or 1 for a bool output, got ", fill);
    return fill != 0.0;
  } else if constexpr (std::is_integral_v<T>) {
    MEDIMG_CHECK(std::isfinite(fill) && fill == std::trunc(fill) &&
                     fill >= static_cast<double>(std::numeric_limits<T>::lowest()) &&
                     fill <= static_cast<double>(std::numeric_limits<T>::max()),
                 ArgumentError, who, ": fill_value ", fill, " is not a value of the output dtype ",
                 scalar_type_of<T>());
    return static_cast<T>(fill);
  } else {
    return static_cast<T>(fill);
  }
}

/// A new output tensor; large ones get huge pages, since first-touch page faults of a fresh
/// buffer otherwise cost more than the sampling itself.
at::Tensor fresh_output(const std::vector<std::int64_t>& sizes, at::ScalarType dtype) {
  at::Tensor out = at::empty(sizes, at::TensorOptions().dtype(dtype));
  advise_huge_pages(out.data_ptr(), static_cast<std::int64_t>(out.nbytes()));
  return out;
}

template <int D, typename T>
std::array<AxisGrid, D> axis_grids(const ImageView<T, D + 1>& voxels) {
  std::array<AxisGrid, D> axes;
  for (int k = 0; k < D; ++k) {
    axes[k] = {voxels.size(k + 1), voxels.stride(k + 1), static_cast<double>(voxels.size(k + 1))};
  }
  return axes;
}

/// Samples `source` (the voxels, or B-spline coefficients for BSpline3) at the points that
/// `coordinates` gives, into a new (C, *out_shape) tensor.
template <int D, typename Coordinates>
at::Tensor run_sampling(const at::Tensor& source, const SampleOptions& options,
                        const std::vector<std::int64_t>& out_sizes, std::int64_t points,
                        const Coordinates& coordinates, const char* who) {
  const at::ScalarType out_dtype = options.interpolation == Interpolation::Nearest
                                       ? source.scalar_type()
                                       : floating_dtype(source.scalar_type());
  at::Tensor out = fresh_output(out_sizes, out_dtype);
  dispatch_dtype<D + 1>(source, [&](auto input) {
    using T = std::remove_const_t<typename decltype(input)::value_type>;
    const auto axes = axis_grids<D>(input);
    auto emit_with = [&](auto order_tag, auto* output) {
      constexpr int Order = decltype(order_tag)::value;
      using O = std::remove_pointer_t<decltype(output)>;
      WeightedSum<T, O, D, Order> emit;
      emit.input = input.data();
      emit.channels = input.size(0);
      emit.channel_stride = input.stride(0);
      emit.output = output;
      emit.points = points;
      emit.fill = options.fill_value;
      emit.fill_output = checked_fill<O>(options.fill_value, who);
      sample_points<D, Order>(axes, options.border, coordinates, emit);
    };
    using Floating = std::conditional_t<std::is_same_v<T, double>, double, float>;
    switch (options.interpolation) {
      case Interpolation::Nearest:
        emit_with(std::integral_constant<int, 0>{}, out.data_ptr<T>());
        break;
      case Interpolation::Linear:
        emit_with(std::integral_constant<int, 1>{}, out.data_ptr<Floating>());
        break;
      case Interpolation::BSpline3:
        // The coefficients are float or double: other instantiations would never run.
        if constexpr (std::is_floating_point_v<T>) {
          emit_with(std::integral_constant<int, 3>{}, out.data_ptr<Floating>());
        }
        break;
    }
  });
  return out;
}

/// The tensor that sampling with `options` reads and the shift of positions into it.
at::Tensor sampling_source(const at::Tensor& voxels, const SampleOptions& options,
                           std::int64_t& shift) {
  shift = 0;
  if (options.interpolation != Interpolation::BSpline3) return voxels;
  if (!options.prefilter) return voxels.to(floating_dtype(voxels.scalar_type()));
  return spline_coefficients(voxels, options.border, options.fill_value, shift);
}

template <int D>
AffineCoordinates<D> affine_coordinates(const Eigen::MatrixXd& matrix,
                                        const std::vector<std::int64_t>& out_shape, double shift) {
  AffineCoordinates<D> coordinates;
  for (int k = 0; k < D; ++k) {
    for (int l = 0; l <= D; ++l) coordinates.matrix[k][l] = matrix(k, l);
    coordinates.matrix[k][D] += shift;
    coordinates.out_shape[k] = out_shape[k];
  }
  return coordinates;
}

std::vector<std::int64_t> output_sizes(std::int64_t channels, at::IntArrayRef spatial) {
  std::vector<std::int64_t> sizes{channels};
  sizes.insert(sizes.end(), spatial.begin(), spatial.end());
  return sizes;
}

std::int64_t product(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

}  // namespace

int checked_spatial_rank(const at::Tensor& voxels, const char* who) {
  MEDIMG_CHECK(voxels.defined(), ArgumentError, who, ": expected a tensor, got an undefined one");
  MEDIMG_CHECK(voxels.dim() == 3 || voxels.dim() == 4, ShapeError, who,
               ": expected voxels of shape (C, Y, X) or (C, Z, Y, X), got ", voxels.sizes());
  MEDIMG_CHECK(voxels.numel() > 0, ShapeError, who, ": the voxels are empty, shape ",
               voxels.sizes());
  MEDIMG_CHECK(voxels.device().is_cpu(), Unsupported, who,
               ": this kernel runs on the CPU, got a tensor on ", voxels.device(),
               "; call .cpu() first");
  return static_cast<int>(voxels.dim()) - 1;
}

at::ScalarType floating_dtype(at::ScalarType dtype) {
  return dtype == at::kDouble ? at::kDouble : at::kFloat;
}

Eigen::MatrixXd homogeneous_matrix(const Eigen::MatrixXd& matrix, int dims, const char* who) {
  MEDIMG_CHECK((matrix.rows() == dims || matrix.rows() == dims + 1) && matrix.cols() == dims + 1,
               ShapeError, who, ": a ", dims, "D affine matrix is ", dims + 1, "x", dims + 1,
               " (or ", dims, "x", dims + 1, "), got ", matrix.rows(), "x", matrix.cols());
  MEDIMG_CHECK(matrix.allFinite(), ArgumentError, who, ": the matrix must be finite");
  Eigen::MatrixXd full = Eigen::MatrixXd::Identity(dims + 1, dims + 1);
  full.topRows(dims) = matrix.topRows(dims);
  if (matrix.rows() == dims + 1) {
    MEDIMG_CHECK(matrix.row(dims).isApprox(full.row(dims), 1e-12), ArgumentError, who,
                 ": the last row of a homogeneous matrix must be (0, ..., 0, 1), got (",
                 matrix.row(dims), ")");
  }
  return full;
}

void check_spatial_shape(const std::vector<std::int64_t>& shape, int dims, const char* who) {
  MEDIMG_CHECK(static_cast<int>(shape.size()) == dims, ShapeError, who, ": expected ", dims,
               " output sizes (array order), got ", shape.size());
  // 2^40 voxels is far beyond any image; above it the tensor's byte size can overflow.
  constexpr double kMaxVoxels = 1099511627776.0;
  double voxels = 1.0;
  for (auto s : shape) {
    MEDIMG_CHECK(s >= 1, ShapeError, who, ": output sizes must be >= 1, got ", s);
    voxels *= static_cast<double>(s);
  }
  MEDIMG_CHECK(voxels <= kMaxVoxels, ShapeError, who, ": an output of ", voxels,
               " voxels per channel is too large (at most 2^40)");
}

at::Tensor vote_affine(const at::Tensor& labels, const Eigen::MatrixXd& matrix,
                       const std::vector<std::int64_t>& out_spatial_shape, BorderMode border,
                       double fill_value) {
  const char* who = "resample_labels";
  const int dims = checked_spatial_rank(labels, who);
  const Eigen::MatrixXd full = homogeneous_matrix(matrix, dims, who);
  check_spatial_shape(out_spatial_shape, dims, who);
  const std::int64_t points = product(out_spatial_shape);
  at::Tensor out = fresh_output(output_sizes(labels.size(0), out_spatial_shape),
                                labels.scalar_type());
  auto run = [&](auto dims_tag) {
    constexpr int D = decltype(dims_tag)::value;
    const auto coordinates = affine_coordinates<D>(full, out_spatial_shape, 0.0);
    dispatch_dtype<D + 1>(labels, [&](auto input) {
      using T = std::remove_const_t<typename decltype(input)::value_type>;
      LabelVote<T, D, 1> emit;
      emit.input = input.data();
      emit.channels = input.size(0);
      emit.channel_stride = input.stride(0);
      emit.output = out.data_ptr<T>();
      emit.points = points;
      emit.fill = checked_fill<T>(fill_value, who);
      sample_points<D, 1>(axis_grids<D>(input), border, coordinates, emit);
    });
  };
  if (dims == 2) {
    run(std::integral_constant<int, 2>{});
  } else {
    run(std::integral_constant<int, 3>{});
  }
  return out;
}

}  // namespace detail

at::Tensor affine_transform(const at::Tensor& voxels, const Eigen::MatrixXd& matrix,
                            const std::vector<std::int64_t>& out_spatial_shape,
                            const SampleOptions& options) {
  const char* who = "affine_transform";
  const int dims = detail::checked_spatial_rank(voxels, who);
  const Eigen::MatrixXd full = detail::homogeneous_matrix(matrix, dims, who);
  detail::check_spatial_shape(out_spatial_shape, dims, who);
  std::int64_t shift = 0;
  const at::Tensor source = detail::sampling_source(voxels, options, shift);
  const auto sizes = detail::output_sizes(voxels.size(0), out_spatial_shape);
  const std::int64_t points = detail::product(out_spatial_shape);
  if (dims == 2) {
    const auto coordinates =
        detail::affine_coordinates<2>(full, out_spatial_shape, static_cast<double>(shift));
    return detail::run_sampling<2>(source, options, sizes, points, coordinates, who);
  }
  const auto coordinates =
      detail::affine_coordinates<3>(full, out_spatial_shape, static_cast<double>(shift));
  return detail::run_sampling<3>(source, options, sizes, points, coordinates, who);
}

at::Tensor map_coordinates(const at::Tensor& voxels, const at::Tensor& coordinates,
                           const SampleOptions& options) {
  const char* who = "map_coordinates";
  const int dims = detail::checked_spatial_rank(voxels, who);
  MEDIMG_CHECK(coordinates.defined(), ArgumentError, who, ": coordinates are undefined");
  MEDIMG_CHECK(coordinates.device().is_cpu(), Unsupported, who,
               ": coordinates must be on the CPU, got ", coordinates.device());
  MEDIMG_CHECK(coordinates.scalar_type() == at::kFloat || coordinates.scalar_type() == at::kDouble,
               ArgumentError, who, ": coordinates must be float32 or float64, got ",
               coordinates.scalar_type());
  MEDIMG_CHECK(coordinates.dim() >= 1 && coordinates.size(0) == dims, ShapeError, who,
               ": coordinates must have shape (", dims, ", ...) for ", dims,
               "D voxels, got ", coordinates.sizes());
  const auto sizes = detail::output_sizes(voxels.size(0), coordinates.sizes().slice(1));
  const std::int64_t points = coordinates.numel() / dims;
  std::int64_t shift = 0;
  const at::Tensor source = detail::sampling_source(voxels, options, shift);
  const at::Tensor flat = coordinates.reshape({dims, points});
  auto run = [&](auto dims_tag, auto* data) {
    constexpr int D = decltype(dims_tag)::value;
    using C = std::remove_const_t<std::remove_pointer_t<decltype(data)>>;
    detail::ListedCoordinates<D, C> listed;
    listed.data = data;
    listed.strides = {flat.stride(0), flat.stride(1)};
    listed.points = points;
    listed.shift = static_cast<double>(shift);
    return detail::run_sampling<D>(source, options, sizes, points, listed, who);
  };
  const bool is_double = flat.scalar_type() == at::kDouble;
  if (dims == 2) {
    return is_double ? run(std::integral_constant<int, 2>{}, flat.data_ptr<double>())
                     : run(std::integral_constant<int, 2>{}, flat.data_ptr<float>());
  }
  return is_double ? run(std::integral_constant<int, 3>{}, flat.data_ptr<double>())
                   : run(std::integral_constant<int, 3>{}, flat.data_ptr<float>());
}

}  // namespace medimg
