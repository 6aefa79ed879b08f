#pragma once

/// Fundus photograph preprocessing as diabetic-retinopathy pipelines do it: the field-of-view
/// mask, the crop to a square around it, Ben Graham's local average subtraction and CLAHE on
/// the green channel. Guide: docs/fundus.md.

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "medimg/core/image.hpp"
#include "medimg/export.hpp"
#include "medimg/preprocess/clahe.hpp"

namespace medimg {

/// The default field-of-view threshold: a pixel belongs to the field of view when the mean of
/// its channels exceeds 3% of full scale (7.65 for uint8, the "tol = 7" of the APTOS kernels).
inline constexpr double kFundusThreshold = 0.03;

/// The field of view of a fundus photograph: pixels whose channel mean exceeds
/// threshold × full scale (1 for float images, which are taken as [0, 1]; 255 for uint8),
/// reduced to the largest 8-connected component, its holes filled (dark lesions or vessels
/// at the rim never punch holes into it).
/// @param image (C, Y, X), C >= 1 (usually 3, R G B), uint8 or float, CPU
/// @return (Y, X) bool; all false when no pixel exceeds the threshold
/// @throws ShapeError for a 3D image; ArgumentError for another dtype or a threshold outside
///         [0, 1).
MEDIMG_API at::Tensor fundus_mask(const Image& image, double threshold = kFundusThreshold);

/// The photograph cropped to the bounding box of fundus_mask grown by `margin` pixels
/// (clipped to the image), then padded with black to a square: the shorter axis gets
/// (L − n) / 2 pixels before and the rest after (integer division), L the longer side. This
/// is the crop of the APTOS 2019 kernels (crop_image_from_gray) followed by the square padding
/// of most pipelines. Without any field of view the image is returned unchanged.
/// @return the input's dtype; geometry follows the crop (origin moves with it)
/// @throws as fundus_mask; ArgumentError for margin < 0.
MEDIMG_API Image crop_fundus(const Image& image, std::int64_t margin = 0,
                             double threshold = kFundusThreshold);

struct BenGrahamOptions {
  double sigma = 10.0;  ///< pixels, of the Gaussian blur subtracted (Graham used 10 at 300 px radius)
  /// > 0: keep only a disc of circle × the field of view's radius (Graham 2015: 0.9), centred
  /// on the field of view's bounding box, the radius half its width. 0: keep the mask itself.
  double circle = 0.0;
  double threshold = kFundusThreshold;  ///< for fundus_mask
};

/// Ben Graham's local average subtraction (Kaggle DR 2015):
///   uint8:  saturate(round(4 x − 4 round(G(x)) + 128)),  as
///           cv2.addWeighted(x, 4, cv2.GaussianBlur(x, (0, 0), sigma), −4, 128);
///   float:  clip(4 x − 4 G(x) + 0.5, 0, 1) (x taken as [0, 1]),
/// with G a Gaussian of `sigma` pixels per channel, radius int(3 sigma + 0.5) for uint8 and
/// int(4 sigma + 0.5) for float (OpenCV's kernel sizes), borders mirrored without repeating
/// the edge pixel (OpenCV's BORDER_REFLECT_101, scipy's "mirror"). Pixels outside the field
/// of view (fundus_mask, or the disc of options.circle) become 0 in every channel.
/// @return the input's dtype and geometry
/// @throws ShapeError for a 3D image; ArgumentError for another dtype, sigma <= 0, circle < 0.
MEDIMG_API Image ben_graham(const Image& image, const BenGrahamOptions& options = {});

/// CLAHE (clahe(), scikit-image's equalize_adapthist) on the green channel (channel 1) only;
/// the red and blue channels are kept. float input gives float32 (float64 stays float64) with
/// the equalised green in [0, 1]; uint8 input gives uint8 with green = round(255 × CLAHE).
/// @throws ShapeError unless the image is 2D with 3 channels; ArgumentError as clahe.
MEDIMG_API Image clahe_green(const Image& image, const ClaheOptions& options = {});

}  // namespace medimg
