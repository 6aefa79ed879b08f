"""numpy .npz archives and MedMNIST files, read in C++ (zlib; no numpy involved)."""

from __future__ import annotations

import os
from typing import Dict, List, Tuple, Union

import torch

from .._medimg import NpzFile
from .._medimg import list_npz as _list_npz
from .._medimg import read_medmnist as _read_medmnist
from .._medimg import read_npz as _read_npz

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["NpzFile", "list_npz", "read_medmnist", "read_npz"]


def list_npz(path: PathLike) -> List[str]:
    """Names of the arrays in an .npz file, in archive order, without ``.npy``.

    Only the zip directory is read. The names are those of ``numpy.load(path).files``.

    Raises
    ------
    medimg.IoError
        The path does not exist or is not a file (also an ``OSError``).
    medimg.FormatError
        The file is not a zip archive, or it is truncated.
    medimg.Unsupported
        An encrypted or multi-disk archive, or a compression other than stored and deflate.

    .. versionadded:: 0.1
    """
    return _list_npz(os.fspath(path))


def read_npz(path: PathLike) -> Dict[str, torch.Tensor]:
    """Read every array of an .npz file (``numpy.savez`` or ``numpy.savez_compressed``).

    Parameters
    ----------
    path : str or os.PathLike
        The .npz file.

    Returns
    -------
    dict of str to torch.Tensor
        Arrays by name, in archive order, with the shapes and values ``numpy.load`` gives
        (0-d and empty arrays included). Tensors are C-contiguous, on the CPU, in native byte
        order (big-endian and Fortran-order arrays are converted). ``tensor.numpy()`` is a
        zero-copy numpy view. dtypes are kept, except uint16 -> int32 and uint32 -> int64
        (torch has neither; values are exact).

    Raises
    ------
    medimg.IoError
        The path does not exist or is not a file (also an ``OSError``).
    medimg.FormatError
        Not a zip archive; a truncated archive or member; a CRC mismatch; an .npy header
        whose shape needs more bytes than the member holds (detected before allocating).
    medimg.Unsupported
        A dtype torch cannot hold exactly (uint64, strings, objects, structured, datetimes),
        encryption, or a compression other than stored and deflate.

    See Also
    --------
    NpzFile : open once, read single arrays by name.
    read_medmnist : images and labels of a MedMNIST split, channel first.

    .. versionadded:: 0.1
    """
    return dict(_read_npz(os.fspath(path)))


def read_medmnist(path: PathLike, split: str) -> Tuple[torch.Tensor, torch.Tensor]:
    """Images and labels of one split of a MedMNIST .npz file.

    Parameters
    ----------
    path : str or os.PathLike
        A MedMNIST file with ``<split>_images`` and ``<split>_labels`` arrays.
    split : {"train", "val", "test"}

    Returns
    -------
    images : (N, C, H, W) or (N, 1, D, H, W) torch.Tensor
        Channel first and contiguous, in the file's dtype (uint8 for MedMNIST): stored
        ``(N, H, W)`` gives C = 1, ``(N, H, W, 3)`` gives C = 3 (R, G, B) and 3D datasets
        ``(N, D, H, W)`` give ``(N, 1, D, H, W)``.
    labels : (N, L) int64 torch.Tensor
        L = 1 for single-label tasks, the number of labels for multi-label ones (ChestMNIST).

    Raises
    ------
    medimg.ArgumentError
        ``split`` is not one of the three names (also a ``ValueError``).
    medimg.FormatError
        Either key is missing (the message lists the keys found), or the shapes do not fit.

    .. versionadded:: 0.1
    """
    result = _read_medmnist(os.fspath(path), split)
    return result.images, result.labels
