"""Surface distances with anisotropic spacing, the distance transform, point-set Hausdorff."""

from __future__ import annotations

from numbers import Real
from typing import Any, Optional, Sequence

import numpy as np
import torch

from .._convert import as_tensor, like
from .._medimg import (ArgumentError, Image, SurfaceDistances, SurfelDistances, _assd,
                       _directed_hausdorff, _distance_transform_edt, _hausdorff, _masd,
                       _surface_dice, _surface_distances, _surfel_assd, _surfel_hausdorff,
                       _surfel_masd, _surfel_surface_dice)
from ._masks import resolve_spacing, spatial_mask
from ._surfel import surfel_distances

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


def _distances(pred: Any, ref: Any, spacing, method: Optional[str]):
    """Given distances as they are, else those of `method` (default "voxel") for the masks."""
    if method not in (None, "voxel", "surfel"):
        raise ArgumentError(f"method must be 'voxel' or 'surfel', got {method!r}")
    if isinstance(pred, (SurfaceDistances, SurfelDistances)):
        if ref is not None:
            raise ArgumentError(f"given a {type(pred).__name__}, ref must be omitted")
        kind = "surfel" if isinstance(pred, SurfelDistances) else "voxel"
        if method not in (None, kind):
            raise ArgumentError(f"method={method!r} contradicts the {type(pred).__name__} given")
        return pred
    if ref is None:
        raise ArgumentError("ref is missing: give two masks, or one SurfaceDistances or "
                            "SurfelDistances alone")
    if method == "surfel":
        return surfel_distances(pred, ref, spacing=spacing)
    return surface_distances(pred, ref, spacing=spacing)


def _reduce(voxel_fn, surfel_fn, d, *args):
    return (surfel_fn if isinstance(d, SurfelDistances) else voxel_fn)(d, *args)


def hausdorff(pred: Any, ref: Any = None, *, spacing: Optional[Sequence[float]] = None,
              percentile: Optional[float] = None, method: Optional[str] = None) -> float:
    """Symmetric Hausdorff distance in mm; ``percentile=95`` gives HD95.

    Without ``percentile`` the maximum over both directed distance sets. With it and
    ``method="voxel"`` (the default), that percentile of the two sets pooled (numpy's linear
    rule), as MedPy's ``hd95``; with ``method="surfel"``, DeepMind's
    ``compute_robust_hausdorff``: per direction, the smallest distance below which lies
    ``percentile`` % of the surface area, then the larger of the two. NaN when both masks
    are empty, inf when only one is. ``pred`` may instead be a SurfaceDistances or
    SurfelDistances (then ``ref`` is omitted).
    """
    d = _distances(pred, ref, spacing, method)
    return _reduce(_hausdorff, _surfel_hausdorff, d, percentile)


def assd(pred: Any, ref: Any = None, *, spacing: Optional[Sequence[float]] = None,
         method: Optional[str] = None) -> float:
    """Average symmetric surface distance (mm), MedPy's ``assd``:
    (mean(pred_to_ref) + mean(ref_to_pred)) / 2, with area-weighted means for
    ``method="surfel"`` (the mean of DeepMind's two average surface distances). NaN when
    both masks are empty, inf when only one is."""
    return _reduce(_assd, _surfel_assd, _distances(pred, ref, spacing, method))


def masd(pred: Any, ref: Any = None, *, spacing: Optional[Sequence[float]] = None,
         method: Optional[str] = None) -> float:
    """Mean surface distance over both directed sets pooled (mm), MONAI's symmetric
    average surface distance: sum of all distances / (|S_pred| + |S_ref|); each distance
    weighted by its surfel's area for ``method="surfel"``."""
    return _reduce(_masd, _surfel_masd, _distances(pred, ref, spacing, method))


def surface_dice(pred: Any, ref: Any = None, tolerance_mm: float = 1.0, *,
                 spacing: Optional[Sequence[float]] = None, method: Optional[str] = None
                 ) -> float:
    """Normalised surface Dice (NSD) at ``tolerance_mm``: the fraction of both surfaces
    within the tolerance of the other.

    ``method="voxel"`` (the default) counts border voxels, as MONAI's
    ``compute_surface_dice``; ``method="surfel"`` weights surface elements by their area,
    as DeepMind's ``compute_surface_dice_at_tolerance`` (see ``surfel_distances``). NaN
    when both masks are empty, 0 when only one is. ``pred`` may instead be a
    SurfaceDistances or SurfelDistances, followed by the tolerance:
    ``surface_dice(d, 2.0)`` as DeepMind's ``compute_surface_dice_at_tolerance(d, 2.0)``.
    """
    if isinstance(pred, (SurfaceDistances, SurfelDistances)) and isinstance(ref, Real):
        ref, tolerance_mm = None, float(ref)
    d = _distances(pred, ref, spacing, method)
    return _reduce(_surface_dice, _surfel_surface_dice, d, tolerance_mm)


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
