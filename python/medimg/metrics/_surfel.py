"""Surface distances weighted by surface elements (surfels), DeepMind's definition."""

from __future__ import annotations

from typing import Any, Optional, Sequence

from .._medimg import SurfelDistances, _surfel_distances
from ._masks import resolve_spacing, spatial_mask

__all__ = ["surfel_distances"]


def surfel_distances(pred: Any, ref: Any, *, spacing: Optional[Sequence[float]] = None
                     ) -> SurfelDistances:
    """The surface elements of two binary masks, their sizes and directed distances (mm).

    DeepMind's ``compute_surface_distances(ref, pred, spacing_mm)`` (theirs takes the ground
    truth first): each 2x2x2 cube of voxel centres (2x2 square in 2D) that holds both
    foreground and background is a surfel, sized by the area (mm², 3D) or length (mm, 2D)
    of the marching-cubes (marching-squares) surface inside it; its distance to the other
    mask is the distance from its centre to the nearest surfel of the other mask. Outside
    the image counts as background. Pass the result to ``hausdorff``, ``assd``, ``masd`` or
    ``surface_dice``, which then weight by area; ``average_surface_distance()`` and
    ``surface_overlap(tolerance_mm)`` give DeepMind's per-direction values.

    Parameters
    ----------
    pred, ref : (Y, X) or (Z, Y, X) array or tensor, or one-channel Image; same shape
        bool, or integers 0/1.
    spacing : sequence of float, optional
        Voxel size in mm in array order; taken from the Images when they are given.

    Returns
    -------
    SurfelDistances with float64 arrays ``pred_to_ref``, ``ref_to_pred``, ``pred_areas``
    and ``ref_areas`` in grid (C) order, not sorted. When one mask is empty its arrays are
    empty and the other's distances are inf.
    """
    p, p_spacing = spatial_mask(pred, "pred")
    r, r_spacing = spatial_mask(ref, "ref")
    return _surfel_distances(p, r, resolve_spacing(spacing, p_spacing, r_spacing))
