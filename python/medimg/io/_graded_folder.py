"""Folders of graded fundus photographs: APTOS 2019, EyePACS (Kaggle 2015) and IDRiD grading
layouts (docs/fundus.md)."""

from __future__ import annotations

import os
from typing import Callable, List, Optional, Tuple, Union

import torch

from .._medimg import _read_fundus_image, _read_graded_folder

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["read_graded_folder", "read_fundus_image"]


def read_fundus_image(path: PathLike) -> torch.Tensor:
    """A colour photograph as a ``(3, H, W)`` uint8 R, G, B tensor.

    Read with :func:`medimg.io.read_raster`; grey files are repeated into three channels, an
    alpha channel is dropped and 16-bit files are scaled to 8 bits (× 255 / 65535, rounded).
    JPEG EXIF orientation is not applied.

    Raises
    ------
    medimg.IoError
        No such file.
    medimg.FormatError
        Not an image OpenCV can decode.
    """
    return _read_fundus_image(os.fspath(path)).tensor


def read_graded_folder(folder: PathLike, csv: Optional[PathLike] = None,
                       image_dir: Optional[PathLike] = None
                       ) -> Tuple[List[Tuple[str, int]], Callable[[Union[int, PathLike]], torch.Tensor]]:
    """The ``(path, grade)`` pairs of a folder of graded fundus photographs, and a loader.

    Layouts recognised without arguments:

    - APTOS 2019: ``train.csv`` with ``id_code,diagnosis``, images ``train_images/<id_code>.png``;
    - EyePACS / Kaggle 2015: ``trainLabels.csv`` with ``image,level``, images
      ``train/<image>.jpeg``;
    - IDRiD grading: a ``.csv`` with ``Image name,Retinopathy grade,...``, images
      ``<Image name>.jpg`` (in ``images/`` or the folder itself, else give ``image_dir``).

    Columns are found by name, case-insensitively (id: ``id_code``, ``image``, ``image name``,
    ``image_id``, ``filename``, ``id``; grade: ``diagnosis``, ``level``, ``retinopathy
    grade``, ``grade``, ``dr_grade``, ``label``), and each image by trying the extensions
    .png, .jpeg, .jpg, .tif, .tiff, .bmp (and upper case) in the image folder. Only the
    listing is read here; images are decoded one at a time by the loader.

    Parameters
    ----------
    folder : str or os.PathLike
    csv : str or os.PathLike, optional
        The grades file (relative to ``folder`` unless absolute).
    image_dir : str or os.PathLike, optional
        The images' folder (relative to ``folder`` unless absolute); by default the first
        of ``train_images``, ``train``, ``images`` and ``folder`` that exists.

    Returns
    -------
    pairs : list of (str, int)
        Image path and grade 0..4, in the CSV's row order.
    load : callable
        ``load(i)`` or ``load(path)``: the image of pair ``i`` (or at ``path``) as a
        ``(3, H, W)`` uint8 tensor, via :func:`read_fundus_image`.

    Raises
    ------
    medimg.IoError
        The folder, the CSV or a row's image is missing (the message names the CSV row).
    medimg.FormatError
        The CSV has no id or grade column (the message names the file and its header).
    medimg.ArgumentError
        A grade that is not an integer in 0..4 (the message names the file and row).
    """
    pairs, _, _, _ = _read_graded_folder(os.fspath(folder), os.fspath(csv) if csv else "",
                                         os.fspath(image_dir) if image_dir else "")
    pairs = [(path, int(grade)) for path, grade in pairs]

    def load(item: Union[int, PathLike]) -> torch.Tensor:
        if isinstance(item, int):
            return read_fundus_image(pairs[item][0])
        return read_fundus_image(item)

    return pairs, load
