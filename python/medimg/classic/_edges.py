"""Edges: Canny and Sobel with scikit-image's semantics, and Gaussian smoothing (the
preprocessing filter, re-exported)."""

from __future__ import annotations

from typing import Any, Optional

from .._medimg import _canny, _sobel
from ..preprocess._filter import gaussian
from ._spatial import same_kind, spatial

__all__ = ["canny", "sobel", "gaussian"]


def canny(image: Any, sigma: float = 1.0, low_threshold: Optional[float] = None,
          high_threshold: Optional[float] = None, mask: Any = None,
          use_quantiles: bool = False, *, mode: str = "constant", cval: float = 0.0) -> Any:
    """skimage.feature.canny with the same arguments and result.

    Gaussian smoothing (``sigma`` in pixels; renormalised by the smoothed mask), Sobel
    gradients, non-maximum suppression interpolating between neighbours, hysteresis with
    8-connectivity. Thresholds are in the image's units and divided by the dtype's maximum
    for integer images (10% and 20% of it when omitted), or quantiles of the gradient
    magnitude with ``use_quantiles``. Float32 images are processed in float32, others in
    float64, as scikit-image does (docs/classic.md lists the rare differing pixels).

    Parameters
    ----------
    image : (Y, X) array or tensor, or one-channel 2D Image
    mask : (Y, X), optional
        Edges only inside it (one pixel in from its border).
    mode, cval : str, float
        Border rule of the Gaussian ('constant', 'nearest', 'reflect', 'mirror', 'wrap').

    Returns
    -------
    bool edge map of the kind given; the outermost pixels are never edges.
    """
    voxels = spatial(image, "image")
    m = None if mask is None else spatial(mask, "mask")
    return same_kind(image, _canny(voxels, float(sigma), low_threshold, high_threshold, m,
                                   bool(use_quantiles), mode, float(cval)))


def sobel(image: Any, mask: Any = None, *, axis: Optional[int] = None,
          mode: str = "reflect") -> Any:
    """skimage.filters.sobel: the Sobel gradient magnitude sqrt(sum_k d_k^2 / ndim), or the
    signed response along one ``axis`` (derivative [1, 0, -1] along it, smoothing
    [1, 2, 1] / 4 along the others).

    Parameters
    ----------
    image : (Y, X) or (Z, Y, X) array or tensor, or one-channel Image
        Integers are scaled to [0, 1] / [-1, 1] as img_as_float.
    mask : same shape, optional
        The result is zeroed outside the mask eroded by the full 3^ndim cube.
    mode : str
        Border rule: 'reflect' (default), 'constant' (zeros), 'nearest', 'mirror', 'wrap'.

    Returns
    -------
    float32 for float32 input, float64 otherwise, of the kind given.
    """
    voxels = spatial(image, "image")
    m = None if mask is None else spatial(mask, "mask")
    return same_kind(image, _sobel(voxels, m, -1 if axis is None else int(axis), mode))
