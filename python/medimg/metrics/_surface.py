"""Surface distances with anisotropic spacing, the distance transform, point-set Hausdorff."""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np
import torch

from .._convert import as_tensor, like
from .._medimg import (Image, SurfaceDistances, _assd, _directed_hausdorff,
                       _distance_transform_edt, _hausdorff, _masd, _surface_dice,
                       _surface_distances)
from ._masks import resolve_spacing, spatial_mask

__all__ = ["surface_distances", "hausdorff", "assd", "masd", "surface_dice",
           "distance_transform_edt", "directed_hausdorff", "hausdorff_distance"]


def surface_distances(pred: Any, ref: Any, *, spacing: Optional[Sequence[float]] = None
                      ) -> SurfaceDistances:
    """The directed distances (mm) between the surfaces of two binary masks.

    The surface of a mask is its set of border voxels: foreground voxels with a background
    face-neighbour or on the image edge (``mask ^ binary_erosion(mask)`` with
    ``generate_binary_structure(ndim, 1)``, as MedPy and MONAI). Compute this once and
    derive several metrics from it with the functions below.

    Parameters
    ----------
    pred, ref : (Y, X) or (Z, Y, X) array or tensor, or one-channel Image; same shape
        bool, or integers 0/1.
    spacing : sequence of float, optional
        Voxel size in mm in array order; taken from the Images when they are given.

    Returns
    -------
    SurfaceDistances with ``pred_to_ref`` and ``ref_to_pred`` float64 arrays.
    """
    p, p_spacing = spatial_mask(pred, "pred")
    r, r_spacing = spatial_mask(ref, "ref")
    return _surface_distances(p, r, resolve_spacing(spacing, p_spacing, r_spacing))


def _distances(pred: Any, ref: Any, spacing) -> SurfaceDistances:
    if isinstance(pred, SurfaceDistances):
        return pred
    return surface_distances(pred, ref, spacing=spacing)


def hausdorff(pred: Any, ref: Any = None, *, spacing: Optional[Sequence[float]] = None,
              percentile: Optional[float] = None) -> float:
    """Symmetric Hausdorff distance in mm; ``percentile=95`` gives HD95.

    Without ``percentile`` the maximum over both directed distance sets; with it, that
    percentile of the two sets pooled (numpy's linear rule), as MedPy's ``hd95``. NaN when
    both masks are empty, inf when only one is. ``pred`` may instead be a
    SurfaceDistances (then ``ref`` is omitted).
    """
    return _hausdorff(_distances(pred, ref, spacing), percentile)


def assd(pred: Any, ref: Any = None, *, spacing: Optional[Sequence[float]] = None) -> float:
    """Average symmetric surface distance (mm), MedPy's ``assd``:
    (mean(pred_to_ref) + mean(ref_to_pred)) / 2. NaN when both masks are empty, inf when
    only one is."""
    return _assd(_distances(pred, ref, spacing))


def masd(pred: Any, ref: Any = None, *, spacing: Optional[Sequence[float]] = None) -> float:
    """Mean surface distance over both directed sets pooled (mm), MONAI's symmetric
    average surface distance: sum of all distances / (|S_pred| + |S_ref|)."""
    return _masd(_distances(pred, ref, spacing))


def surface_dice(pred: Any, ref: Any = None, tolerance_mm: float = 1.0, *,
                 spacing: Optional[Sequence[float]] = None) -> float:
    """Normalised surface Dice (NSD) at ``tolerance_mm``, on border voxels as MONAI's
    ``compute_surface_dice``: the fraction of both surfaces within the tolerance of the
    other. NaN when both masks are empty, 0 when only one is."""
    return _surface_dice(_distances(pred, ref, spacing), tolerance_mm)


def distance_transform_edt(mask: Any, spacing: Optional[Sequence[float]] = None) -> Any:
    """Euclidean distance (mm) of every non-zero voxel to the nearest zero voxel.

    scipy.ndimage.distance_transform_edt(mask, sampling=spacing), exact and parallel
    (Felzenszwalb-Huttenlocher). Where the mask has no zero voxel every distance is inf.

    Parameters
    ----------
    mask : (Y, X) or (Z, Y, X) array or tensor, or one-channel Image
    spacing : sequence of float, optional
        In array order; an Image's own spacing by default.

    Returns
    -------
    float64 distances of the kind given (an Image keeps its geometry).
    """
    voxels, image_spacing = spatial_mask(mask, "mask")
    distances = _distance_transform_edt(voxels, resolve_spacing(spacing, image_spacing))
    if isinstance(mask, Image):
        return mask.with_tensor(distances[None])
    return distances if isinstance(mask, torch.Tensor) else distances.numpy()


def directed_hausdorff(u: Any, v: Any) -> float:
    """max over points a of u of the distance to the nearest point of v, as
    scipy.spatial.distance.directed_hausdorff(u, v)[0]; u is (N, D), v is (M, D)."""
    return _directed_hausdorff(as_tensor(u), as_tensor(v))


def hausdorff_distance(set1: Any, set2: Any) -> float:
    """Symmetric Hausdorff distance between two point sets (N, D) and (M, D)."""
    return max(directed_hausdorff(set1, set2), directed_hausdorff(set2, set1))
