#pragma once

/// Image: voxels (an at::Tensor, i.e. torch::Tensor) + Geometry + Metadata.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <iosfwd>
#include <vector>

#include "medimg/core/geometry.hpp"
#include "medimg/core/metadata.hpp"
#include "medimg/export.hpp"

namespace medimg {

/// A 2D or 3D image with C channels: a tensor of shape (C, Y, X) or (C, Z, Y, X) (channel
/// first, C = 1 for scalar images, last axis fastest), its Geometry and its Metadata.
///
/// Copies are shallow: they share the voxel storage (like torch::Tensor) and carry their own
/// copy of geometry and metadata. clone() copies the voxels too. The dtype is a run-time
/// property; any device works.
class MEDIMG_API Image {
 public:
  /// An empty image: defined() is false.
  Image() = default;

  /// `data` with unit spacing, zero origin and identity direction.
  /// @throws ShapeError unless data has 3 or 4 dims and no zero-sized axis.
  explicit Image(at::Tensor data);

  /// @throws ShapeError when data's rank does not match geometry.spatial_dims() + 1.
  Image(at::Tensor data, Geometry geometry, Metadata meta = {});

  bool defined() const noexcept { return tensor_.defined(); }

  /// The voxels, shape (C, [Z,] Y, X). Modifying its values modifies every shallow copy.
  const at::Tensor& tensor() const noexcept { return tensor_; }

  const Geometry& geometry() const noexcept { return geometry_; }
  /// @throws ShapeError when geometry.spatial_dims() != spatial_dims().
  void set_geometry(const Geometry& geometry);

  const Metadata& meta() const noexcept { return meta_; }
  Metadata& meta() noexcept { return meta_; }

  /// 2 or 3.
  int spatial_dims() const noexcept { return static_cast<int>(tensor_.dim()) - 1; }
  std::int64_t channels() const { return tensor_.size(0); }
  /// (Y, X) or (Z, Y, X).
  std::vector<std::int64_t> spatial_shape() const;
  at::ScalarType dtype() const { return tensor_.scalar_type(); }

  /// The same image with voxels converted to `dtype` (shares storage when already `dtype`).
  Image to(at::ScalarType dtype) const;

  /// A deep copy: new voxel storage, same geometry and metadata.
  Image clone() const;

  /// The same geometry and metadata around other voxels of the same spatial rank.
  Image with_tensor(at::Tensor data) const;

 private:
  at::Tensor tensor_;
  Geometry geometry_;
  Metadata meta_;
};

/// "Image(shape=(1, 4, 5, 6), dtype=Float, Geometry(...))".
MEDIMG_API std::ostream& operator<<(std::ostream& out, const Image& image);

}  // namespace medimg
