#include "detail/channels.hpp"

namespace medimg::detail {

ChannelMask::ChannelMask(const at::Tensor& mask, const at::Tensor& voxels, const char* name) {
  if (!mask.defined()) return;
  MEDIMG_CHECK(mask.device().is_cpu(), Unsupported, name, " must be on the CPU, got ",
               mask.device());
  const std::int64_t spatial_dims = voxels.dim() - 1;
  const auto spatial = voxels.sizes().slice(1);
  const bool per_image = mask.dim() == spatial_dims && mask.sizes() == spatial;
  const bool per_channel = mask.dim() == voxels.dim() && mask.sizes().slice(1) == spatial &&
                           (mask.size(0) == 1 || mask.size(0) == voxels.size(0));
  MEDIMG_CHECK(per_image || per_channel, ShapeError, name, " must have shape ", spatial,
               " or (1 or ", voxels.size(0), " channels, ...) of it, got ", mask.sizes());
  shared_ = per_image || mask.size(0) == 1;
  numel_ = channel_numel(voxels);
  // Any non-zero number selects, as numpy's boolean conversion does.
  mask_ = (mask.scalar_type() == at::kBool ? mask : mask.ne(0)).contiguous();
}

}  // namespace medimg::detail
