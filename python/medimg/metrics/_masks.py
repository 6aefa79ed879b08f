"""Masks and spacing from any input kind, for the mask metrics."""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

import numpy as np
import torch

from .._convert import as_tensor
from .._medimg import ArgumentError, Image, ShapeError


def spatial_mask(x: Any, name: str) -> Tuple[torch.Tensor, Optional[Tuple[float, ...]]]:
    """The (Y, X) or (Z, Y, X) voxels of a mask and the spacing of an Image (else None).

    Arrays and tensors are the mask itself, as in scipy; an Image must have one channel.
    """
    if isinstance(x, Image):
        if x.channels != 1:
            raise ShapeError(f"{name} must be a one-channel Image, got {x.channels} channels")
        return x.tensor[0], x.spacing
    return as_tensor(x), None


def resolve_spacing(given: Optional[Sequence[float]],
                    *from_images: Optional[Tuple[float, ...]]) -> List[float]:
    """The spacing argument, or the images' own; contradictions are errors."""
    known = [s for s in from_images if s is not None]
    for s in known[1:]:
        if len(s) != len(known[0]) or not np.allclose(s, known[0]):
            raise ArgumentError(f"the images' spacings differ: {known[0]} and {s}")
    if given is not None:
        given = [float(v) for v in given]
        if known and (len(given) != len(known[0]) or not np.allclose(given, known[0])):
            raise ArgumentError(f"spacing={tuple(given)} contradicts the image's {known[0]}")
        return given
    return list(known[0]) if known else []
