"""Fundus photograph preprocessing for diabetic-retinopathy grading (docs/fundus.md): the
field-of-view mask, the square crop around it, Ben Graham's local average subtraction and
CLAHE on the green channel."""

from __future__ import annotations

from typing import Sequence, Union

import numpy as np

from .._convert import ImageLike, as_image, like
from ._histogram import _kernel_list, _nbins
from .._medimg import _ben_graham, _clahe_green, _crop_fundus, _fundus_mask

__all__ = ["fundus_mask", "crop_fundus", "ben_graham", "clahe_green"]

#: A pixel is in the field of view when its channel mean exceeds this fraction of full scale
#: (1 for float images, 255 for uint8: 7.65, the "tol = 7" of the APTOS 2019 kernels).
FUNDUS_THRESHOLD = 0.03


def fundus_mask(x: ImageLike, threshold: float = FUNDUS_THRESHOLD):
    """The field of view of a fundus photograph.

    Pixels whose channel mean exceeds ``threshold`` × full scale (1 for float images, taken
    as [0, 1]; 255 for uint8), reduced to the largest 8-connected component with its holes
    filled.

    Parameters
    ----------
    x : (C, H, W) Image, torch.Tensor or numpy.ndarray, uint8 or float
    threshold : float
        In [0, 1), a fraction of full scale.

    Returns
    -------
    (H, W) bool numpy array for numpy input, else a bool torch.Tensor; all False when
    nothing exceeds the threshold.
    """
    mask = _fundus_mask(as_image(x), float(threshold))
    return mask.numpy() if isinstance(x, np.ndarray) else mask


def crop_fundus(x: ImageLike, margin: int = 0, threshold: float = FUNDUS_THRESHOLD) -> ImageLike:
    """The photograph cropped to its field of view and padded with black to a square.

    The crop is the bounding box of :func:`fundus_mask` grown by ``margin`` pixels and
    clipped to the image (the APTOS 2019 kernels' ``crop_image_from_gray``); the shorter
    side is then padded to the longer one, ``(L - n) // 2`` black pixels before and the
    rest after. Without a field of view the input is returned unchanged.

    Returns
    -------
    The dtype and kind given; an Image's origin follows the crop.
    """
    return like(x, _crop_fundus(as_image(x), int(margin), float(threshold)))


def ben_graham(x: ImageLike, sigma: float = 10.0, circle: float = 0.0,
               threshold: float = FUNDUS_THRESHOLD) -> ImageLike:
    """Ben Graham's local average subtraction (Kaggle Diabetic Retinopathy 2015).

    uint8: ``cv2.addWeighted(x, 4, cv2.GaussianBlur(x, (0, 0), sigma), -4, 128)``, i.e.
    ``saturate(4 x - 4 round(G(x)) + 128)``; float (taken as [0, 1]):
    ``clip(4 x - 4 G(x) + 0.5, 0, 1)``. ``G`` is a Gaussian of ``sigma`` pixels per channel
    with OpenCV's kernel radius (``floor(3 sigma + 0.75)`` for uint8, ``floor(4 sigma +
    0.75)`` for float) and OpenCV's default border (BORDER_REFLECT_101, scipy's "mirror").
    Pixels outside the field of view become 0: outside :func:`fundus_mask`, or with
    ``circle > 0`` outside a disc of ``circle`` × the field of view's radius (Graham used
    0.9 to hide the bright ring the blur leaves at the rim).

    Parameters
    ----------
    x : (C, H, W) Image, torch.Tensor or numpy.ndarray, uint8 or float
    sigma : float
        Blur in pixels, > 0 (Graham: 10 at a 300-pixel fundus radius).
    circle : float
        0, or the radius of the disc kept as a fraction of the field of view's radius.
    threshold : float
        For :func:`fundus_mask`.

    Returns
    -------
    The dtype and kind given.
    """
    return like(x, _ben_graham(as_image(x), float(sigma), float(circle), float(threshold)))


def clahe_green(x: ImageLike, clip_limit: float = 0.01,
                kernel_size: Union[None, int, Sequence[int]] = None, nbins: int = 256) -> ImageLike:
    """CLAHE on the green channel only (the usual DR preprocessing), red and blue kept.

    The green channel is equalised exactly as :func:`medimg.preprocess.clahe` (scikit-image's
    ``equalize_adapthist``) does on it alone. Returns the 3-channel image with the green
    channel replaced: float input gives float32 (float64 stays float64) with green in
    [0, 1]; uint8 input gives uint8 with green ``round(255 × CLAHE)``.

    Parameters
    ----------
    x : (3, H, W) Image, torch.Tensor or numpy.ndarray, uint8 or float
    clip_limit, kernel_size, nbins
        As :func:`medimg.preprocess.clahe`.
    """
    return like(x, _clahe_green(as_image(x), float(clip_limit), _kernel_list(kernel_size),
                                _nbins(nbins, "clahe_green", 2 ** 20)))
