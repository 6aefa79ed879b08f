"""Binary and grey morphology, hole filling and small-object removal with scikit-image
0.19's signatures, results and border rules (docs/classic.md)."""

from __future__ import annotations

from typing import Any

from .._medimg import (ShapeError, _binary_closing, _binary_dilation, _binary_erosion,
                       _binary_opening, _closing, _dilation, _erosion, _fill_holes, _opening,
                       _remove_small_holes, _remove_small_objects)
from ._spatial import as_footprint, same_kind, spatial

__all__ = ["binary_erosion", "binary_dilation", "binary_opening", "binary_closing",
           "erosion", "dilation", "opening", "closing", "fill_holes", "remove_small_objects",
           "remove_small_holes"]


def _apply(kernel, image: Any, footprint: Any, name: str) -> Any:
    voxels = spatial(image, name)
    if voxels.dim() not in (2, 3):  # before the default footprint, which needs 2 or 3 axes
        raise ShapeError(f"{kernel.__name__.lstrip('_')}: expected a (Y, X) or (Z, Y, X) "
                         f"array, got shape {list(voxels.shape)}")
    return same_kind(image, kernel(voxels, as_footprint(footprint, voxels.dim())))


def binary_erosion(image: Any, footprint: Any = None) -> Any:
    """skimage.morphology.binary_erosion: set where the whole footprint lies on set voxels.

    Voxels beyond the image count as set (scipy's ``border_value=1``), so objects touching
    the border are not eaten from outside.

    Parameters
    ----------
    image : (Y, X) or (Z, Y, X) array or tensor, or one-channel Image
        Any dtype; non-zero is foreground.
    footprint : Footprint or array, optional
        ``disk(r)``, ``ball(r)``, ... or any 0/1 array of the image's rank; the
        face-neighbour cross by default.

    Returns
    -------
    bool mask of the kind given (an Image keeps its geometry).
    """
    return _apply(_binary_erosion, image, footprint, "image")


def binary_dilation(image: Any, footprint: Any = None) -> Any:
    """skimage.morphology.binary_dilation: set where the mirrored footprint touches a set
    voxel; beyond the image counts as unset. Arguments as :func:`binary_erosion`."""
    return _apply(_binary_dilation, image, footprint, "image")


def binary_opening(image: Any, footprint: Any = None) -> Any:
    """skimage.morphology.binary_opening: binary_erosion then binary_dilation."""
    return _apply(_binary_opening, image, footprint, "image")


def binary_closing(image: Any, footprint: Any = None) -> Any:
    """skimage.morphology.binary_closing: binary_dilation then binary_erosion."""
    return _apply(_binary_closing, image, footprint, "image")


def erosion(image: Any, footprint: Any = None) -> Any:
    """skimage.morphology.erosion: the minimum under the footprint.

    The image is extended by reflection beyond its edges (scipy's 'reflect'); the dtype is
    kept. ``shift_x``/``shift_y`` and ``out`` of scikit-image are not offered.

    Parameters
    ----------
    image : (Y, X) or (Z, Y, X) array or tensor, or one-channel Image
        bool, integer or float.
    footprint : Footprint or array, optional
        The face-neighbour cross by default.
    """
    return _apply(_erosion, image, footprint, "image")


def dilation(image: Any, footprint: Any = None) -> Any:
    """skimage.morphology.dilation: the maximum under the footprint (as given, not
    mirrored, as scikit-image); borders as :func:`erosion`."""
    return _apply(_dilation, image, footprint, "image")


def opening(image: Any, footprint: Any = None) -> Any:
    """skimage.morphology.opening: erosion then dilation, footprints with an even side
    handled as scikit-image does (edge padding, shifted second step)."""
    return _apply(_opening, image, footprint, "image")


def closing(image: Any, footprint: Any = None) -> Any:
    """skimage.morphology.closing: dilation then erosion (even sides as :func:`opening`)."""
    return _apply(_closing, image, footprint, "image")


def fill_holes(image: Any, connectivity: int = 1) -> Any:
    """scipy.ndimage.binary_fill_holes: sets the background regions that do not reach the
    image border.

    Parameters
    ----------
    image : (Y, X) or (Z, Y, X) array or tensor, or one-channel Image; non-zero = set
    connectivity : int
        How background voxels connect: 1 (faces, scipy's default) up to ndim.

    Returns
    -------
    bool mask of the kind given.
    """
    return same_kind(image, _fill_holes(spatial(image, "image"), connectivity))


def remove_small_objects(ar: Any, min_size: int = 64, connectivity: int = 1) -> Any:
    """skimage.morphology.remove_small_objects: drops components of fewer than
    ``min_size`` voxels.

    A bool array is labelled with ``connectivity`` (1 = faces, scikit-image's default
    here); an integer array is taken as labels already (sizes per label value). The dtype
    is kept. scikit-image's ``out``/``in_place`` and its one-label warning are not offered.
    """
    return same_kind(ar, _remove_small_objects(spatial(ar, "ar"), min_size, connectivity))


def remove_small_holes(ar: Any, area_threshold: int = 64, connectivity: int = 1) -> Any:
    """skimage.morphology.remove_small_holes: sets background components of fewer than
    ``area_threshold`` voxels, those touching the border included (as scikit-image).
    Integer input is read as non-zero = set; the result is bool."""
    return same_kind(ar, _remove_small_holes(spatial(ar, "ar"), area_threshold, connectivity))
