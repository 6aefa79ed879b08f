"""One entry point: the reader is chosen from the content."""

from __future__ import annotations

import os
from typing import Dict, Union

import torch

from .._medimg import Image, _detect_format, _read_image
from ._npz import read_npz

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["detect_format", "read"]


def detect_format(path: PathLike) -> str:
    """The format of ``path`` judged from its content, not its name.

    Returns ``"dicom-series"`` (a folder), ``"dicom"``, ``"nifti"`` (also gzipped),
    ``"raster"`` (PNG, JPEG, TIFF, BMP), ``"npz"`` or ``"unknown"``.
    """
    return _detect_format(os.fspath(path))


def read(path: PathLike) -> Union[Image, Dict[str, torch.Tensor]]:
    """Read a DICOM folder or file, a NIfTI file or a raster image as an Image.

    The reader is picked from the content (DICOM preamble, NIfTI magic, image signatures,
    zip), with its default options; call the specific reader for options. An NPZ archive
    holds several arrays: it is returned as ``read_npz`` returns it.

    Raises
    ------
    medimg.IoError
        The path does not exist.
    medimg.FormatError
        The content is no format medimg reads.
    """
    path = os.fspath(path)
    if _detect_format(path) == "npz":
        return read_npz(path)
    return _read_image(path)
