"""CT helpers of the lung-nodule pipeline: lung masks, nodule candidates and the segmentation
of one nodule from a seed (classic/lung, classic/nodule_segmentation)."""

from __future__ import annotations

from typing import Any, List, Optional, Sequence

import numpy as np

from .._convert import as_image
from .._medimg import (ArgumentError, Image, NoduleCandidate, _lung_mask, _nodule_candidates,
                       _segment_nodule)

__all__ = ["lung_mask", "nodule_candidates", "NoduleCandidate", "segment_nodule"]


def _ct(ct: Any, spacing: Optional[Sequence[float]]) -> Any:
    # A bare (Z, Y, X) array gets its channel axis; Images and (1, Z, Y, X) arrays pass.
    if not hasattr(ct, "geometry") and getattr(ct, "ndim", 0) == 3:
        ct = ct[None]
    return as_image(ct, spacing)


def lung_mask(ct: Any, threshold: float = -320.0, min_lung_fraction: float = 0.1,
              closing_radius: float = 10.0, max_separation_erosions: int = 12,
              spacing: Optional[Sequence[float]] = None) -> Any:
    """The lungs of a chest CT in Hounsfield units: 1 right lung, 2 left lung, 0 elsewhere.

    Air below ``threshold`` not connected to the in-plane border, the largest component and
    the second when it holds ``min_lung_fraction`` of the first; lungs joined at the junction
    lines are split by erosion; each lung is closed in-plane with a disk of
    ``closing_radius`` mm and its holes filled slice by slice (docs/classic_lung.md).

    Parameters
    ----------
    ct : Image (1, Z, Y, X), or an array or tensor (Z, Y, X) / (1, Z, Y, X) with ``spacing``
    spacing : voxel size in mm, (z, y, x), for arrays (an Image brings its own)

    Returns
    -------
    uint8 Image on the CT's grid. Right and left follow the world axes (LPS).
    """
    return _lung_mask(_ct(ct, spacing), threshold, min_lung_fraction, closing_radius,
                      max_separation_erosions)


def nodule_candidates(ct: Any, lungs: Any, threshold: float = -550.0,
                      opening_radius: float = 3.5, min_diameter: float = 3.0,
                      max_diameter: float = 35.0, max_elongation: float = 3.0,
                      min_shape_voxels: int = 10,
                      spacing: Optional[Sequence[float]] = None) -> List[NoduleCandidate]:
    """Dense blobs inside the lungs as nodule candidates, largest first.

    Voxels above ``threshold`` HU inside ``lungs`` (non-zero) are labelled with 26
    neighbours as they are, and again after an opening with an ellipsoid of
    ``opening_radius`` mm that cuts thin vessels off the nodules they touch. A blob is kept
    when its equivalent diameter lies in [``min_diameter``, ``max_diameter``] mm and its
    elongation (major / minor axis) is at most ``max_elongation`` (blobs of fewer than
    ``min_shape_voxels`` voxels skip that test); a blob of the opened pass is dropped when a
    first-pass blob lies within either's radius.

    Returns
    -------
    list of NoduleCandidate: ``centre`` (world LPS mm), ``index`` (z, y, x), ``diameter`` (mm),
    ``volume`` (mm³), ``mean_hu``, ``elongation``, ``voxels``.
    """
    image = _ct(ct, spacing)
    return _nodule_candidates(image, _ct(lungs, image.spacing), threshold, opening_radius,
                              min_diameter, max_diameter, max_elongation, min_shape_voxels)


def segment_nodule(ct: Any, centre_mm: Sequence[float], lungs: Any = None,
                   threshold: float = -550.0, max_diameter: float = 35.0,
                   opening_radius: float = 2.5, max_opening_radius: float = 7.5,
                   seed_radius: float = 5.0, spacing: Optional[Sequence[float]] = None) -> Image:
    """One nodule's voxels, grown from a seed point such as a candidate's ``centre``.

    Inside a box reaching ``max_diameter`` mm from the seed, the voxels above ``threshold``
    HU (and inside ``lungs`` when given) are opened with an ellipsoid of ``opening_radius``
    mm, which cuts attached vessels; the 26-connected component at the seed (or at the dense
    voxel nearest to it within ``seed_radius`` mm) is kept and the surface the opening
    shaved off is given back (dense voxels within the radius of it). While the result still
    reaches the box's faces (a thick vessel or the chest wall carries it on), the radius
    grows 1.5 times up to ``max_opening_radius``. A nodule thinner than the opening is taken
    without it. Holes are filled in 3D and slice by slice (docs/classic_lung.md).

    Parameters
    ----------
    ct : Image (1, Z, Y, X) in HU, or an array or tensor (Z, Y, X) / (1, Z, Y, X) with
        ``spacing``
    centre_mm : (x, y, z) world LPS mm, e.g. ``NoduleCandidate.centre``
    lungs : optional mask on the CT's grid (non-zero = lung), e.g. ``lung_mask(ct)``; keeps
        a nodule on the pleura out of the chest wall
    spacing : voxel size in mm, (z, y, x), for arrays (an Image brings its own)

    Returns
    -------
    uint8 Image on the CT's grid and geometry, 1 on the nodule; never empty.

    Raises
    ------
    ArgumentError
        for a seed that is not three finite numbers or lies outside the image, bad options,
        NaN in the CT, or no voxel above ``threshold`` within ``seed_radius`` of the seed.
    ShapeError
        for a CT that is not one-channel 3D, or a lung mask of another shape.
    """
    expected = "centre_mm must be three numbers (x, y, z) mm"
    try:
        centre = np.asarray(centre_mm, dtype=np.float64)
    except (TypeError, ValueError):
        raise ArgumentError(f"{expected}, got {centre_mm!r}") from None
    if centre.shape != (3,):
        raise ArgumentError(f"{expected}, got shape {centre.shape}")
    image = _ct(ct, spacing)
    mask = None if lungs is None else _ct(lungs, image.spacing)
    return _segment_nodule(image, tuple(centre.tolist()), mask, threshold, max_diameter,
                           opening_radius, max_opening_radius, seed_radius)
