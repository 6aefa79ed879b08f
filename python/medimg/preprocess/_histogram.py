"""Histogram equalisation and CLAHE: scikit-image's results, and OpenCV's CLAHE."""

from __future__ import annotations

from typing import Any, Sequence, Union

import numpy as np

from .._convert import ImageLike, as_image, as_tensor, like
from .._medimg import ArgumentError, _clahe, _clahe_uint8, _equalize_hist

__all__ = ["equalize_hist", "clahe", "clahe_uint8"]


def _nbins(nbins: Any, who: str, most: int) -> int:
    """nbins as an int. Past 32 bits, the C++ range message (its limit repeated here) rather
    than pybind11's TypeError for an int that does not fit."""
    n = int(nbins)
    if not -2 ** 31 <= n < 2 ** 31:
        raise ArgumentError(f"{who}: nbins must be in [2, {most}], got {n}")
    return n


def equalize_hist(x: ImageLike, nbins: int = 256, mask: Any = None) -> ImageLike:
    """Histogram equalisation of each channel, ``skimage.exposure.equalize_hist``'s result.

    Each voxel becomes the channel's cumulative distribution at its value. Float channels
    use ``nbins`` equal bins over [min, max] (numpy.histogram's edges) and interpolate the
    CDF linearly between bin centres (numpy.interp); integer and bool channels give every
    integer its own bin and ignore ``nbins``, as skimage does.

    Parameters
    ----------
    x : (C, Y, X) or (C, Z, Y, X) Image, torch.Tensor or numpy.ndarray
    nbins : int
        Bins for float channels, >= 2.
    mask : array, tensor or Image, optional
        Bool of shape ``(Y, X)``/``(Z, Y, X)`` or ``(1 or C, ...)``: only these voxels
        make the histogram; every voxel is mapped.

    Returns
    -------
    float32 values in [0, 1] (float64 for float64 input) of the kind given.
    """
    mask_tensor = None if mask is None else as_tensor(mask)
    return like(x, _equalize_hist(as_image(x), _nbins(nbins, "equalize_hist", 2 ** 24),
                                  mask_tensor))


def _kernel_list(kernel_size) -> list:
    """CLAHE's kernel_size as the binding takes it: [] for the default, else one or one per
    axis."""
    if kernel_size is None:
        return []
    if np.ndim(kernel_size) == 0:
        return [int(kernel_size)]
    return [int(k) for k in kernel_size]


def clahe(x: ImageLike, clip_limit: float = 0.01,
          kernel_size: Union[None, int, Sequence[int]] = None, nbins: int = 256) -> ImageLike:
    """CLAHE with ``skimage.exposure.equalize_adapthist``'s semantics and result, 2D and 3D.

    Each channel is processed as skimage would process it alone (skimage's HSV handling of
    RGB images is not reproduced): converted to 16 bits as ``img_as_uint`` does (so negative
    int16 values become 0: window CT first), stretched to 14 bits, equalised per contextual
    region with the clip limit, interpolated between regions and rescaled to [0, 1]. Every
    bin is skimage's; the float32 interpolation may truncate to the neighbouring 14-bit level
    where skimage's own float32 sum lies within a few ulps of an integer (mean absolute
    difference below 1e-4). Float channels outside [−1, 1], which skimage refuses, are first
    rescaled to [0, 1] from their min and max.

    Parameters
    ----------
    x : (C, Y, X) or (C, Z, Y, X) Image, torch.Tensor or numpy.ndarray
    clip_limit : float
        In [0, 1]: the bin limit is ``max(1, int(clip_limit * prod(kernel_size)))``; 0 means
        no clipping.
    kernel_size : int or sequence of int, optional
        Contextual region size in array order ((Y, X) or (Z, Y, X)), each >= 1; by default
        1/8 of each axis (at least 1).
    nbins : int
        Grey-level bins, >= 2.

    Returns
    -------
    float32 values in [0, 1] (float64 for float64 input) of the kind given.
    """
    return like(x, _clahe(as_image(x), float(clip_limit), _kernel_list(kernel_size),
                          _nbins(nbins, "clahe", 2 ** 20)))


def clahe_uint8(x: ImageLike, clip_limit: float = 40.0,
                tile_grid: Sequence[int] = (8, 8)) -> ImageLike:
    """OpenCV's CLAHE, ``cv2.createCLAHE(clip_limit, (tiles_x, tiles_y)).apply``, per channel.

    Identical to OpenCV's output (it runs OpenCV's code).

    Parameters
    ----------
    x : (C, Y, X) Image, torch.Tensor or numpy.ndarray
        uint8, or uint16 (numpy; as int32 in tensors and Images, which have no uint16).
    clip_limit : float
        OpenCV's clip limit (>= 0; 0 = no clipping).
    tile_grid : (int, int)
        Tiles in array order, (rows, columns): OpenCV's ``tileGridSize`` is (columns, rows).

    Returns
    -------
    The dtype given (uint16 for a uint16 array), of the kind given.
    """
    try:
        rows, cols = (int(v) for v in tile_grid)
    except (TypeError, ValueError):
        raise ArgumentError(
            f"tile_grid must be two integers (rows, columns), got {tile_grid!r}") from None
    result = like(x, _clahe_uint8(as_image(x), float(clip_limit), (rows, cols)))
    if isinstance(x, np.ndarray) and x.dtype == np.uint16:
        return result.astype(np.uint16)
    return result
