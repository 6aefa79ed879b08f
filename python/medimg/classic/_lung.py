"""CT helpers of the lung-nodule pipeline: lung masks and nodule candidates (classic/lung)."""

from __future__ import annotations

from typing import Any, List, Optional, Sequence

from .._convert import as_image
from .._medimg import NoduleCandidate, _lung_mask, _nodule_candidates

__all__ = ["lung_mask", "nodule_candidates", "NoduleCandidate"]


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
