"""Footprints with scikit-image's shapes; each is a Footprint that ``np.asarray`` turns into
the same uint8 array as ``skimage.morphology.<name>``."""

from __future__ import annotations

from .._medimg import Footprint, _ball, _cube, _diamond, _disk, _octahedron, _square

__all__ = ["Footprint", "disk", "ball", "square", "cube", "diamond", "octahedron"]


def disk(radius: int) -> Footprint:
    """The 2D disk x^2 + y^2 <= radius^2, shape (2r+1, 2r+1), as skimage.morphology.disk.

    ``disk(0)`` is the single centre pixel (morphology with it changes nothing); a negative
    radius raises ArgumentError.
    """
    return _disk(radius)


def ball(radius: int) -> Footprint:
    """The 3D ball x^2 + y^2 + z^2 <= radius^2, shape (2r+1,)*3, as skimage.morphology.ball."""
    return _ball(radius)


def square(width: int) -> Footprint:
    """A width x width block of ones, as skimage.morphology.square (width >= 1). An even
    width has no centre: the origin follows scikit-image's rules (docs/classic.md)."""
    return _square(width)


def cube(width: int) -> Footprint:
    """A width^3 block of ones, as skimage.morphology.cube (width >= 1)."""
    return _cube(width)


def diamond(radius: int) -> Footprint:
    """The 2D diamond |x| + |y| <= radius, as skimage.morphology.diamond."""
    return _diamond(radius)


def octahedron(radius: int) -> Footprint:
    """The 3D octahedron |x| + |y| + |z| <= radius, as skimage.morphology.octahedron."""
    return _octahedron(radius)
