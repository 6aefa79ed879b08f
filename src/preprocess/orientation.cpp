#include "medimg/preprocess/orientation.hpp"

#include <ATen/ops/flip.h>
#include <ATen/ops/rot90.h>

#include <array>
#include <cctype>
#include <cmath>

#include "detail/index_map.hpp"
#include "medimg/core/error.hpp"

namespace medimg {
namespace {

// The letters of the world axes x, y, z (LPS): index increasing towards +axis, then -axis.
constexpr std::array<std::array<char, 2>, 3> kLetters{{{'L', 'R'}, {'P', 'A'}, {'S', 'I'}}};

/// The world axis (0, 1, 2) and sign (+1, -1) each image axis (x, y[, z]) runs closest to.
struct AxisCodes {
  std::array<int, 3> world{};
  std::array<int, 3> sign{};
};

AxisCodes closest_world_axes(const Geometry& geometry) {
  const int dims = geometry.spatial_dims();
  const Eigen::Matrix3d& d = geometry.direction();
  AxisCodes codes;
  std::array<bool, 3> image_taken{}, world_taken{};
  // Greedy on the largest cosine, so an oblique axis cannot steal a clearer one's world axis.
  for (int step = 0; step < dims; ++step) {
    int best_image = -1, best_world = -1;
    double best = -1.0;
    for (int a = 0; a < dims; ++a) {
      for (int w = 0; w < 3; ++w) {
        if (!image_taken[a] && !world_taken[w] && std::abs(d(w, a)) > best) {
          best = std::abs(d(w, a));
          best_image = a;
          best_world = w;
        }
      }
    }
    image_taken[best_image] = world_taken[best_world] = true;
    codes.world[best_image] = best_world;
    codes.sign[best_image] = d(best_world, best_image) >= 0 ? 1 : -1;
  }
  return codes;
}

AxisCodes parse_code(const std::string& code, int dims) {
  MEDIMG_CHECK(static_cast<int>(code.size()) == dims, ArgumentError, "reorient: a ", dims,
               "D image needs a ", dims, "-letter orientation code such as \"",
               dims == 3 ? "LPS" : "LP", "\", got \"", code, "\"");
  AxisCodes codes;
  std::array<bool, 3> used{};
  for (int a = 0; a < dims; ++a) {
    const char letter = static_cast<char>(std::toupper(static_cast<unsigned char>(code[a])));
    int world = -1, sign = 0;
    for (int w = 0; w < 3; ++w) {
      for (int side = 0; side < 2; ++side) {
        if (letter == kLetters[w][side]) {
          world = w;
          sign = side == 0 ? 1 : -1;
        }
      }
    }
    MEDIMG_CHECK(world >= 0, ArgumentError, "reorient: unknown orientation letter '", code[a],
                 "' in \"", code, "\"; use L/R, P/A and S/I");
    MEDIMG_CHECK(!used[world], ArgumentError, "reorient: \"", code,
                 "\" names the same anatomical axis twice");
    used[world] = true;
    codes.world[a] = world;
    codes.sign[a] = sign;
  }
  return codes;
}

/// The image re-indexed by a signed axis permutation: new array axis p reads old array axis
/// source[p], reversed where flipped[p].
Image permute_and_flip(const Image& image, const std::array<int, 3>& source,
                       const std::array<bool, 3>& flipped) {
  const int dims = image.spatial_dims();
  const auto shape = image.spatial_shape();
  std::vector<std::int64_t> order{0};
  std::vector<std::int64_t> flips;
  Eigen::MatrixXd map = Eigen::MatrixXd::Zero(dims + 1, dims + 1);
  map(dims, dims) = 1.0;
  for (int p = 0; p < dims; ++p) {
    const int q = source[p];
    order.push_back(q + 1);
    if (flipped[p]) flips.push_back(p + 1);
    map(q, p) = flipped[p] ? -1.0 : 1.0;
    map(q, dims) = flipped[p] ? static_cast<double>(shape[q] - 1) : 0.0;
  }
  at::Tensor voxels = image.tensor().permute(order);
  voxels = flips.empty() ? voxels.contiguous() : at::flip(voxels, flips);
  return Image(voxels, detail::mapped_geometry(image.geometry(), map), image.meta());
}

}  // namespace

Image flip(const Image& image, const std::vector<int>& axes) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "flip: the image is undefined");
  const int dims = image.spatial_dims();
  std::array<int, 3> source{0, 1, 2};
  std::array<bool, 3> flipped{};
  for (int axis : axes) {
    const int k = detail::spatial_axis(axis, dims, "flip");
    MEDIMG_CHECK(!flipped[k], ArgumentError, "flip: axis ", axis, " is named twice");
    flipped[k] = true;
  }
  if (axes.empty()) flipped = {true, true, true};
  return permute_and_flip(image, source, flipped);
}

Image rot90(const Image& image, int k, const std::vector<int>& axes) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "rot90: the image is undefined");
  const int dims = image.spatial_dims();
  MEDIMG_CHECK(axes.size() == 2, ArgumentError, "rot90: axes must name two spatial axes, got ",
               axes.size());
  const int a = detail::spatial_axis(axes[0], dims, "rot90");
  const int b = detail::spatial_axis(axes[1], dims, "rot90");
  MEDIMG_CHECK(a != b, ArgumentError, "rot90: the two axes must differ, got ", axes[0], " and ",
               axes[1]);
  const int turns = ((k % 4) + 4) % 4;
  if (turns == 0) return image;
  // numpy's rot90 as a signed permutation (new array axis p reads old axis source[p]):
  // k = 1: flip b, then swap a and b; k = 2: flip both; k = 3: swap, then flip b.
  std::array<int, 3> source{0, 1, 2};
  std::array<bool, 3> flipped{};
  if (turns == 2) {
    flipped[a] = flipped[b] = true;
  } else {
    source[a] = b;
    source[b] = a;
    flipped[turns == 1 ? a : b] = true;
  }
  return permute_and_flip(image, source, flipped);
}

std::string orientation_code(const Geometry& geometry) {
  const AxisCodes codes = closest_world_axes(geometry);
  std::string code;
  for (int a = 0; a < geometry.spatial_dims(); ++a) {
    code += kLetters[codes.world[a]][codes.sign[a] > 0 ? 0 : 1];
  }
  return code;
}

Image reorient(const Image& image, const std::string& code) {
  MEDIMG_CHECK(image.defined(), ArgumentError, "reorient: the image is undefined");
  const int dims = image.spatial_dims();
  const AxisCodes target = parse_code(code, dims);
  const AxisCodes current = closest_world_axes(image.geometry());
  std::array<int, 3> source{0, 1, 2};
  std::array<bool, 3> flipped{};
  for (int b = 0; b < dims; ++b) {  // new image axis b (x, y, z)
    int a = -1;
    for (int old = 0; old < dims; ++old) {
      if (current.world[old] == target.world[b]) a = old;
    }
    MEDIMG_CHECK(a >= 0, ArgumentError, "reorient: \"", code, "\" asks for an axis along ",
                 kLetters[target.world[b]][0], "/", kLetters[target.world[b]][1],
                 ", but the image (", orientation_code(image.geometry()),
                 ") has no axis close to it");
    // Image axis b is array axis dims - 1 - b.
    source[dims - 1 - b] = dims - 1 - a;
    flipped[dims - 1 - b] = current.sign[a] != target.sign[b];
  }
  return permute_and_flip(image, source, flipped);
}

}  // namespace medimg
