"""Raster images (PNG, JPEG, TIFF, BMP) through OpenCV."""

from __future__ import annotations

import os
from typing import Union

from .._convert import ImageLike, as_image
from .._medimg import Image, read_raster as _read_raster, write_png as _write_png

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["read_raster", "write_png"]


def read_raster(path: PathLike) -> Image:
    """Read a PNG, JPEG, TIFF or BMP file as a 2D Image ``(C, Y, X)``.

    Grey files give one channel, colour files three (R, G, B) or four (R, G, B, A).
    8-bit files give uint8, 16-bit files int32 (torch has no uint16). Spacing is 1 mm.

    Raises
    ------
    medimg.IoError
        The path does not exist or is not a file (also an ``OSError``).
    medimg.FormatError
        The file is not an image OpenCV can decode.
    """
    return _read_raster(os.fspath(path))


def write_png(path: PathLike, image: ImageLike) -> None:
    """Write a 2D image ``(C, Y, X)`` with 1, 3 or 4 channels as PNG, atomically.

    uint8 and bool (as 0/255) give 8-bit files; integer images with values in [0, 65535]
    give 16-bit files. Float images must be windowed to uint8 first. The file appears
    complete or not at all.

    Raises
    ------
    medimg.ArgumentError
        A path not ending in ``.png`` (any case), a float image or integers outside
        [0, 65535].
    medimg.ShapeError
        A 3D image, or a channel count other than 1, 3 or 4.
    medimg.IoError
        The folder is missing or not writable, or the file cannot be written.
    """
    _write_png(os.fspath(path), as_image(image))
