"""Spatial arrays from any input kind, and results back in the kind given (medimg.classic)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .._convert import as_tensor
from .._medimg import Footprint, Image, ShapeError, _cross


def spatial(x: Any, name: str) -> torch.Tensor:
    """The (Y, X) or (Z, Y, X) voxels of ``x``.

    Arrays and tensors are the image itself, as scikit-image reads them (a ``(1, Y, X)``
    array is a volume of one slice); a medimg.Image must have one channel, which is dropped.
    """
    if isinstance(x, Image):
        if x.channels != 1:
            raise ShapeError(f"{name} must be a one-channel Image, got {x.channels} channels")
        return x.tensor[0]
    return as_tensor(x)


def same_kind(template: Any, result: torch.Tensor) -> Any:
    """``result`` (spatial) as the kind of ``template``: an Image keeps its geometry and
    metadata and gets its channel axis back."""
    if isinstance(template, Image):
        return template.with_tensor(result[None])
    if isinstance(template, torch.Tensor):
        return result
    return result.numpy()


def as_footprint(footprint: Any, ndim: int) -> Footprint:
    """A Footprint from a Footprint, an array or a tensor; None gives the face-neighbour
    cross of ``ndim`` axes, scikit-image's default."""
    if footprint is None:
        return _cross(ndim)
    if isinstance(footprint, Footprint):
        return footprint
    if isinstance(footprint, torch.Tensor):
        return Footprint(footprint)
    return Footprint(as_tensor(np.asarray(footprint)))
