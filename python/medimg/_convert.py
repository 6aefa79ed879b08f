"""numpy / torch / Image in, the same kind out: the contract of every public function."""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np
import torch

from ._medimg import ArgumentError, Image

ImageLike = Union[Image, torch.Tensor, np.ndarray]


def as_image(x: ImageLike, spacing: Optional[Sequence[float]] = None) -> Image:
    """``x`` as an Image sharing its memory.

    Parameters
    ----------
    x : Image, torch.Tensor or numpy.ndarray
        Voxels of shape ``(C, Y, X)`` or ``(C, Z, Y, X)``.
    spacing : sequence of float, optional
        Voxel size in mm in array order, for tensors and arrays (unit spacing when omitted).
        An Image keeps its own spacing; giving a different one is an error.
    """
    if isinstance(x, Image):
        if spacing is not None and not np.allclose(spacing, x.spacing):
            raise ArgumentError(
                f"spacing={tuple(spacing)} contradicts the image's spacing {x.spacing}")
        return x
    if isinstance(x, (torch.Tensor, np.ndarray)):
        return Image(x, spacing=spacing)
    raise ArgumentError(
        f"expected a medimg.Image, torch.Tensor or numpy.ndarray, got {type(x).__name__}")


def as_tensor(x: Any) -> torch.Tensor:
    """``x`` as a CPU or device tensor, sharing memory where the dtype allows.

    An Image gives its voxels; numpy uint16/uint32 (no torch dtype) are widened to int32/
    int64 and read-only arrays are copied, as ``medimg.Image`` does.
    """
    if isinstance(x, Image):
        return x.tensor
    if isinstance(x, torch.Tensor):
        return x
    array = np.asarray(x)
    if array.dtype == np.uint16:
        array = array.astype(np.int32)
    elif array.dtype == np.uint32:
        array = array.astype(np.int64)
    elif array.dtype.kind not in "biuf":
        raise ArgumentError(f"expected numeric values, got dtype {array.dtype}")
    elif not array.flags.writeable:
        array = array.copy()
    return torch.from_numpy(array)


def like(template: Any, result: Image) -> ImageLike:
    """``result`` as the kind of ``template``: an Image, a torch.Tensor or a numpy array."""
    if isinstance(template, Image):
        return result
    if isinstance(template, torch.Tensor):
        return result.tensor
    return result.array
