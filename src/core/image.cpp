#include "medimg/core/image.hpp"

#include <ostream>
#include <utility>

#include "medimg/core/error.hpp"

namespace medimg {
namespace {

void check_voxels(const at::Tensor& data) {
  MEDIMG_CHECK(data.defined(), ShapeError, "an Image needs a defined tensor");
  MEDIMG_CHECK(data.dim() == 3 || data.dim() == 4, ShapeError,
               "expected a tensor of shape (C, Y, X) or (C, Z, Y, X), got ", data.sizes(),
               "; add a channel axis for a scalar image");
  MEDIMG_CHECK(data.numel() > 0, ShapeError, "an Image cannot have an empty axis, got shape ",
               data.sizes());
}

}  // namespace

Image::Image(at::Tensor data) : tensor_(std::move(data)) {
  check_voxels(tensor_);
  geometry_ = Geometry(spatial_dims());
}

Image::Image(at::Tensor data, Geometry geometry, Metadata meta)
    : tensor_(std::move(data)), geometry_(std::move(geometry)), meta_(std::move(meta)) {
  check_voxels(tensor_);
  MEDIMG_CHECK(geometry_.spatial_dims() == spatial_dims(), ShapeError, "a tensor of shape ",
               tensor_.sizes(), " is a ", spatial_dims(), "D image but its geometry is ",
               geometry_.spatial_dims(), "D");
}

void Image::set_geometry(const Geometry& geometry) {
  MEDIMG_CHECK(geometry.spatial_dims() == spatial_dims(), ShapeError, "cannot give a ",
               spatial_dims(), "D image a ", geometry.spatial_dims(), "D geometry");
  geometry_ = geometry;
}

std::vector<std::int64_t> Image::spatial_shape() const {
  const auto sizes = tensor_.sizes();
  return {sizes.begin() + 1, sizes.end()};
}

Image Image::to(at::ScalarType dtype) const { return with_tensor(tensor_.to(dtype)); }

Image Image::clone() const { return with_tensor(tensor_.clone()); }

Image Image::with_tensor(at::Tensor data) const {
  return Image(std::move(data), geometry_, meta_);
}

std::ostream& operator<<(std::ostream& out, const Image& image) {
  if (!image.defined()) return out << "Image()";
  return out << "Image(shape=" << image.tensor().sizes() << ", dtype=" << image.dtype()
             << ", " << image.geometry() << ')';
}

}  // namespace medimg
