"""Footprints with scikit-image's shapes; each is a Footprint that ``np.asarray`` turns into
the same uint8 array as ``skimage.morphology.<name>``."""

from __future__ import annotations

import operator
from typing import Any

from .._medimg import (ArgumentError, Footprint, _ball, _cube, _diamond, _disk, _octahedron,
                       _square)

__all__ = ["Footprint", "disk", "ball", "square", "cube", "diamond", "octahedron"]


def _integer(value: Any, who: str, what: str) -> int:
    """value as a 64-bit int; pybind11 would raise TypeError for a float or a larger int."""
    try:
        n = operator.index(value)
    except TypeError:
        raise ArgumentError(f"{who}: {what} must be an integer, got {value!r}") from None
    if not -2 ** 63 <= n < 2 ** 63:
        raise ArgumentError(f"{who}: {what} is out of range, got {n}")
    return n


def disk(radius: int) -> Footprint:
    """The 2D disk x^2 + y^2 <= radius^2, shape (2r+1, 2r+1), as skimage.morphology.disk.

    ``disk(0)`` is the single centre pixel (morphology with it changes nothing); a negative
    radius raises ArgumentError.
    """
    return _disk(_integer(radius, "disk", "radius"))


def ball(radius: int) -> Footprint:
    """The 3D ball x^2 + y^2 + z^2 <= radius^2, shape (2r+1,)*3, as skimage.morphology.ball."""
    return _ball(_integer(radius, "ball", "radius"))


def square(width: int) -> Footprint:
    """A width x width block of ones, as skimage.morphology.square (width >= 1). An even
    width has no centre: the origin follows scikit-image's rules (docs/classic.md)."""
    return _square(_integer(width, "square", "width"))


def cube(width: int) -> Footprint:
    """A width^3 block of ones, as skimage.morphology.cube (width >= 1)."""
    return _cube(_integer(width, "cube", "width"))


def diamond(radius: int) -> Footprint:
    """The 2D diamond |x| + |y| <= radius, as skimage.morphology.diamond."""
    return _diamond(_integer(radius, "diamond", "radius"))


def octahedron(radius: int) -> Footprint:
    """The 3D octahedron |x| + |y| + |z| <= radius, as skimage.morphology.octahedron."""
    return _octahedron(_integer(radius, "octahedron", "radius"))
