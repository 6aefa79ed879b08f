"""Connected components (skimage.measure.label), region properties and keep_largest."""

from __future__ import annotations

from typing import Any, List, Optional, Sequence

import numpy as np

from .._medimg import (ArgumentError, Geometry, Image, RegionProps, ShapeError, _keep_largest,
                       _label, _regionprops)
from ._spatial import same_kind, spatial

__all__ = ["label", "keep_largest", "regionprops", "RegionProps"]


def label(label_image: Any, background: Optional[int] = None, return_num: bool = False,
          connectivity: Optional[int] = None) -> Any:
    """skimage.measure.label: each connected region of equal non-background value gets a
    label 1..N, numbered in raster order of the region's first voxel (as scipy.ndimage).

    Parameters
    ----------
    label_image : (Y, X) or (Z, Y, X) bool or integer array or tensor, or one-channel Image
    background : int, optional
        Value left unlabelled (0 by default). For bool input, 1 labels the false voxels.
    return_num : bool
        Also return the number of labels.
    connectivity : int, optional
        Neighbours within this many orthogonal steps: 1 (4 / 6 neighbours), 2 (8 / 18),
        3 (26). Default: the rank (full connectivity), as scikit-image.

    Returns
    -------
    int64 labels of the kind given (an Image keeps its geometry), and the count when
    ``return_num``.
    """
    labels, count = _label(spatial(label_image, "label_image"), connectivity or 0,
                           0 if background is None else int(background))
    labels = same_kind(label_image, labels)
    return (labels, count) if return_num else labels


def keep_largest(mask: Any, n: int = 1, connectivity: Optional[int] = None) -> Any:
    """The ``n`` largest connected components of the non-zero voxels of ``mask``.

    Ties are broken by raster order of the components' first voxels; fewer than ``n``
    components are all kept. ``connectivity`` as :func:`label` (full by default).

    Returns
    -------
    bool mask of the kind given.
    """
    return same_kind(mask, _keep_largest(spatial(mask, "mask"), n, connectivity or 0))


def _geometry(label_image: Any, intensity_image: Any, spacing: Optional[Sequence[float]],
              ndim: int) -> Geometry:
    for x in (label_image, intensity_image):
        if isinstance(x, Image):
            if spacing is not None and not np.allclose(spacing, x.spacing):
                raise ArgumentError(f"spacing={tuple(spacing)} contradicts the image's "
                                    f"spacing {x.spacing}")
            return x.geometry
    return Geometry([1.0] * ndim if spacing is None else [float(s) for s in spacing])


def regionprops(label_image: Any, intensity_image: Any = None, *,
                spacing: Optional[Sequence[float]] = None) -> List[RegionProps]:
    """skimage.measure.regionprops for the measurements a detector needs, in mm.

    Each RegionProps has ``label``, ``area`` (voxels), ``volume`` (mm^3, mm^2 in 2D),
    ``centroid`` (index, array order), ``centroid_world`` (LPS mm), ``bbox`` (min per axis,
    then exclusive max), ``intensity_mean/min/max`` (NaN without an intensity image),
    ``equivalent_diameter``, ``axis_major_length``, ``axis_minor_length`` (mm) and
    ``elongation`` (major / minor). With unit spacing every value equals scikit-image's
    property of the same name.

    Parameters
    ----------
    label_image : (Y, X) or (Z, Y, X) integer array or tensor, or one-channel Image
        Labels >= 0; 0 is background.
    intensity_image : same shape (or a one-channel Image), optional
    spacing : sequence of float, optional
        Voxel size in mm for arrays; an Image's geometry (spacing, origin, direction) is
        used when given one.

    Returns
    -------
    list of RegionProps, by ascending label.
    """
    labels = spatial(label_image, "label_image")
    if labels.dim() not in (2, 3):  # before the geometry, which is built for 2 or 3 axes
        raise ShapeError(f"regionprops: label_image must be (Y, X) or (Z, Y, X), got shape "
                         f"{list(labels.shape)}")
    intensity = None if intensity_image is None else spatial(intensity_image, "intensity_image")
    geometry = _geometry(label_image, intensity_image, spacing, labels.dim())
    return _regionprops(labels, geometry, intensity)
