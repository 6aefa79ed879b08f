"""Thresholds: fixed, range, Otsu and multi-Otsu (skimage.filters' values)."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import torch

from .._convert import as_tensor
from .._medimg import (Image, _threshold, _threshold_multiotsu, _threshold_otsu,
                       _threshold_range)

__all__ = ["threshold", "threshold_range", "threshold_otsu", "threshold_multiotsu"]


def _voxels(x: Any) -> torch.Tensor:
    return x.tensor if isinstance(x, Image) else as_tensor(x)


def _mask(mask: Any, voxels: torch.Tensor) -> Optional[torch.Tensor]:
    """The mask as a tensor of the voxels' shape; a spatial mask fits a one-channel image."""
    if mask is None:
        return None
    m = _voxels(mask)
    if m.shape != voxels.shape and voxels.shape[:1] == (1,) and m.shape == voxels.shape[1:]:
        m = m[None]
    return m


def _as_kind(template: Any, result: torch.Tensor) -> Any:
    return result if isinstance(template, torch.Tensor) else result.numpy()


def threshold(image: Any, value: float) -> Any:
    """``image > value``, as scikit-image applies its thresholds.

    Parameters
    ----------
    image : Image, tensor or array of any shape

    Returns
    -------
    bool mask of the same kind and shape (NaN voxels are False).
    """
    result = _threshold(_voxels(image), float(value))
    return image.with_tensor(result) if isinstance(image, Image) else _as_kind(image, result)


def threshold_range(image: Any, low: float, high: float) -> Any:
    """``low <= image <= high``, both ends included, e.g. ``threshold_range(ct, -1000, -320)``
    for the lungs in HU. Same kinds as :func:`threshold`."""
    result = _threshold_range(_voxels(image), float(low), float(high))
    return image.with_tensor(result) if isinstance(image, Image) else _as_kind(image, result)


def threshold_otsu(image: Any, nbins: int = 256, *, mask: Any = None) -> float:
    """skimage.filters.threshold_otsu(image[mask], nbins): the same value.

    Integer images get one histogram bin per value (``nbins`` is unused, as in
    scikit-image); float images ``nbins`` bins over [min, max]. When every selected voxel
    holds the same value, that value.

    Parameters
    ----------
    image : Image, tensor or array
    nbins : int
    mask : same shape (a spatial mask fits a one-channel Image), optional
        Only non-zero positions count.
    """
    voxels = _voxels(image)
    return _threshold_otsu(voxels, nbins, _mask(mask, voxels))


def threshold_multiotsu(image: Any, classes: int = 3, nbins: int = 256, *,
                        mask: Any = None) -> np.ndarray:
    """skimage.filters.threshold_multiotsu(image[mask], classes, nbins): the ``classes - 1``
    thresholds, ascending (float64 array), equal to scikit-image's."""
    voxels = _voxels(image)
    return np.asarray(_threshold_multiotsu(voxels, classes, nbins, _mask(mask, voxels)),
                      dtype=np.float64)
