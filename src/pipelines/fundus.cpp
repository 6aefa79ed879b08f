#include "medimg/pipelines/fundus.hpp"

#include <ATen/Functions.h>
#include <ATen/TensorOperators.h>

#include <algorithm>
#include <cmath>

#include "medimg/classic/label.hpp"
#include "medimg/classic/morphology.hpp"
#include "medimg/core/error.hpp"
#include "medimg/preprocess/crop_pad.hpp"
#include "medimg/preprocess/gaussian.hpp"

namespace medimg {
namespace {

/// A 2D colour photograph: (C, Y, X) uint8 or float on the CPU.
void check_photo(const Image& image, const char* function) {
  MEDIMG_CHECK(image.defined(), ArgumentError, function, ": expected an image, got an undefined one");
  MEDIMG_CHECK(image.spatial_dims() == 2, ShapeError, function,
               ": expected a 2D (C, Y, X) photograph, got shape ", image.tensor().sizes());
  MEDIMG_CHECK(image.tensor().device().is_cpu(), Unsupported, function,
               ": runs on the CPU, got a tensor on ", image.tensor().device(), "; call .cpu() first");
  const at::ScalarType t = image.dtype();
  MEDIMG_CHECK(t == at::kByte || t == at::kFloat || t == at::kDouble, ArgumentError, function,
               ": expected uint8 or float pixels, got ", t);
}

/// The value of white: 255 for uint8, 1 for float images (taken as [0, 1]).
double full_scale(const Image& image) { return image.dtype() == at::kByte ? 255.0 : 1.0; }

/// A disc of `scale` × half the mask's width about the centre of its bounding box.
at::Tensor circle_of(const at::Tensor& mask, double scale) {
  const at::Tensor rows = at::nonzero(mask.any(1)).flatten();
  const at::Tensor cols = at::nonzero(mask.any(0)).flatten();
  at::Tensor disc = at::zeros_like(mask);
  if (rows.numel() == 0) return disc;
  const double y0 = rows.min().item<double>(), y1 = rows.max().item<double>();
  const double x0 = cols.min().item<double>(), x1 = cols.max().item<double>();
  const double cy = (y0 + y1) / 2.0, cx = (x0 + x1) / 2.0;
  const double radius = scale * (x1 - x0 + 1.0) / 2.0;
  const at::Tensor y = at::arange(mask.size(0), at::kDouble).unsqueeze(1) - cy;
  const at::Tensor x = at::arange(mask.size(1), at::kDouble).unsqueeze(0) - cx;
  return (y * y + x * x) <= radius * radius;
}

/// out = clip(4 x − 4 average + offset, 0, top) where `keep`, else 0, in one serial pass: a
/// chain of ATen ops would open a parallel region each, which costs milliseconds apiece on a
/// busy machine, more than the whole pass.
template <typename T, typename A>
void subtract_local_average(const at::Tensor& x, const at::Tensor& local, const at::Tensor& keep,
                            at::Tensor& out, bool round_average, double offset, double top) {
  const at::Tensor xs = x.contiguous(), ls = local.contiguous(), ks = keep.contiguous();
  const T* in = xs.data_ptr<T>();
  const A* average = ls.data_ptr<A>();
  const bool* inside = ks.data_ptr<bool>();
  T* result = out.data_ptr<T>();
  const std::int64_t plane = x.size(1) * x.size(2);
  for (std::int64_t c = 0; c < x.size(0); ++c) {
    for (std::int64_t i = 0; i < plane; ++i) {
      const std::int64_t k = c * plane + i;
      const double a = round_average ? std::nearbyint(static_cast<double>(average[k])) : average[k];
      const double v = std::clamp(4.0 * static_cast<double>(in[k]) - 4.0 * a + offset, 0.0, top);
      result[k] = inside[i] ? static_cast<T>(v) : T(0);
    }
  }
}

}  // namespace

at::Tensor fundus_mask(const Image& image, double threshold) {
  check_photo(image, "fundus_mask");
  MEDIMG_CHECK(threshold >= 0.0 && threshold < 1.0, ArgumentError,
               "fundus_mask: threshold must be in [0, 1) of full scale, got ", threshold);
  const at::Tensor mean = image.tensor().to(at::kDouble).mean(0);
  const at::Tensor above = mean > threshold * full_scale(image);
  // The photograph's own black border and text may leave specks: keep the disc, fill it.
  return fill_holes(keep_largest(above, 1, 0), 1);
}

Image crop_fundus(const Image& image, std::int64_t margin, double threshold) {
  check_photo(image, "crop_fundus");
  MEDIMG_CHECK(margin >= 0, ArgumentError, "crop_fundus: margin must be >= 0, got ", margin);
  const at::Tensor mask = fundus_mask(image, threshold);
  if (!mask.any().item<bool>()) return image;
  const Image cropped = crop_foreground(image, mask, {margin});
  const auto shape = cropped.spatial_shape();
  const std::int64_t side = std::max(shape[0], shape[1]);
  return crop_or_pad(cropped, {side, side}, PadMode::Constant, 0.0);
}

Image ben_graham(const Image& image, const BenGrahamOptions& options) {
  check_photo(image, "ben_graham");
  MEDIMG_CHECK(options.sigma > 0.0 && std::isfinite(options.sigma), ArgumentError,
               "ben_graham: sigma must be > 0 pixels, got ", options.sigma);
  MEDIMG_CHECK(options.circle >= 0.0 && std::isfinite(options.circle), ArgumentError,
               "ben_graham: circle must be >= 0 (0 = the field-of-view mask), got ", options.circle);
  const bool bytes = image.dtype() == at::kByte;
  // OpenCV's kernel: ksize = round(2 k sigma + 1) | 1 with k = 3 (8-bit) or 4, i.e. radius
  // floor(k sigma + 0.75); scipy's radius int(truncate sigma + 0.5) equals it for
  // truncate = k + 0.25 / sigma.
  GaussianOptions blur;
  blur.truncate = (bytes ? 3.0 : 4.0) + 0.25 / options.sigma;
  blur.border = BorderMode::Mirror;  // OpenCV's default BORDER_REFLECT_101
  const at::Tensor x = image.tensor();
  const at::Tensor local = gaussian_filter(x, {options.sigma, options.sigma}, blur);
  at::Tensor keep = fundus_mask(image, options.threshold);
  if (options.circle > 0.0) keep = circle_of(keep, options.circle);
  at::Tensor out = at::empty(x.sizes(), x.options().memory_format(at::MemoryFormat::Contiguous));
  if (bytes) {
    // cv2.GaussianBlur returns uint8, so the average is rounded before it is subtracted.
    subtract_local_average<std::uint8_t, float>(x, local, keep, out, true, 128.0, 255.0);
  } else if (x.scalar_type() == at::kFloat) {
    subtract_local_average<float, float>(x, local, keep, out, false, 0.5, 1.0);
  } else {
    subtract_local_average<double, double>(x, local, keep, out, false, 0.5, 1.0);
  }
  return image.with_tensor(out);
}

Image clahe_green(const Image& image, const ClaheOptions& options) {
  check_photo(image, "clahe_green");
  MEDIMG_CHECK(image.channels() == 3, ShapeError,
               "clahe_green: expected 3 channels (R, G, B), got shape ", image.tensor().sizes());
  const Image green = image.with_tensor(image.tensor().narrow(0, 1, 1));
  const at::Tensor equalised = clahe(green, options).tensor();
  at::Tensor out;
  if (image.dtype() == at::kByte) {
    out = image.tensor().clone();
    out.narrow(0, 1, 1).copy_((equalised * 255.0).round().clamp(0.0, 255.0));
  } else {
    out = image.tensor().to(equalised.scalar_type()).clone();
    out.narrow(0, 1, 1).copy_(equalised);
  }
  return image.with_tensor(out);
}

}  // namespace medimg
