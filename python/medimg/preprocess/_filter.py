"""Gaussian smoothing with scipy.ndimage.gaussian_filter's kernel and borders."""

from __future__ import annotations

from typing import Any, Sequence, Union

import numpy as np

from .._convert import as_image, like
from .._medimg import Image, _gaussian, _gaussian_filter

__all__ = ["gaussian_filter", "gaussian"]

Sigma = Union[float, Sequence[float]]


def _sigmas(sigma: Sigma) -> list:
    return [float(s) for s in np.atleast_1d(np.asarray(sigma, dtype=np.float64)).ravel()]


def gaussian_filter(x: Any, sigma: Sigma, *, truncate: float = 4.0, border: str = "reflect",
                    fill_value: float = 0.0) -> Any:
    """Each channel smoothed with a Gaussian of ``sigma`` VOXELS per spatial axis.

    Equal to ``scipy.ndimage.gaussian_filter(x[c], sigma, mode=border, truncate=truncate)``
    per channel (same sampled, normalised kernel of radius ``int(truncate * sigma + 0.5)``,
    double accumulation). Output float32 (float64 stays float64).

    Parameters
    ----------
    x : (C, Y, X) or (C, Z, Y, X) Image, tensor or array
    sigma : float or one per spatial axis (array order); 0 leaves an axis alone
    border : "reflect" (scipy's default), "constant", "edge", "mirror" or "wrap"
    """
    voxels = _gaussian_filter(as_image(x).tensor, _sigmas(sigma), truncate, border, fill_value)
    return x.with_tensor(voxels) if isinstance(x, Image) else like(x, Image(voxels))


def gaussian(x: Any, sigma: Sigma, *, truncate: float = 4.0, border: str = "reflect",
             fill_value: float = 0.0) -> Any:
    """Gaussian smoothing with ``sigma`` in MILLIMETRES for an Image (divided by its spacing
    per axis) and in voxels for tensors and arrays; otherwise as :func:`gaussian_filter`.
    The geometry and metadata of an Image are kept."""
    if isinstance(x, Image):
        return _gaussian(x, _sigmas(sigma), truncate, border, fill_value)
    return gaussian_filter(x, sigma, truncate=truncate, border=border, fill_value=fill_value)
