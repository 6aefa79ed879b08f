"""NIfTI-1 and NIfTI-2 files (.nii, .nii.gz, .hdr/.img) through nifticlib."""

from __future__ import annotations

import os
from typing import Optional, Union

from .._convert import ImageLike, as_image
from .._medimg import Image, read_nifti as _read_nifti, write_nifti as _write_nifti

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["read_nifti", "write_nifti"]


def read_nifti(path: PathLike) -> Image:
    """Read a NIfTI-1 or NIfTI-2 file as a 3D Image ``(C, Z, Y, X)`` in LPS.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.nii`` or ``.nii.gz`` file, or either file of a ``.hdr``/``.img`` pair (each
        may be gzipped).

    Returns
    -------
    Image
        ``(C, Z, Y, X)`` voxels with ``X = dim[1]``, ``Y = dim[2]``, ``Z = dim[3]`` (1 for a
        2D file) and ``C`` the product of ``dim[4:8]`` (one channel per volume of a 4D
        series; RGB24/RGBA32 give 3/4 uint8 channels). nibabel's array ``a[i, j, k]`` is
        ``image.array[0, k, j, i]``. The dtype is the stored one, with uint16 as int32 and
        uint32 as int64; with a scl_slope/scl_inter other than (1, 0) the values are
        ``stored * slope + inter`` (computed in float64 as nibabel does) as float32, or
        float64 for 32/64-bit integer and float64 storage.

        The affine is nibabel's ``img.affine`` (sform, else qform, else the centred pixdim
        affine) converted to LPS array order. ``image.meta`` holds the header fields
        (``descrip``, ``qform_code``, ``sform_code``, ``xyz_units``, ``time_units``,
        ``repetition_time``, ``dim``, ``pixdim``, ``datatype``, ``intent_*``, ...).

    Raises
    ------
    medimg.IoError
        The path (or the other file of a pair) does not exist (also an ``OSError``).
    medimg.FormatError
        A malformed or truncated header, fewer voxel bytes than the header describes
        (found before allocating), or a singular affine.
    medimg.Unsupported
        Complex, float128, uint64 or binary voxels.

    See Also
    --------
    write_nifti

    Notes
    -----
    docs/io_nifti.md gives every convention in full.
    """
    return _read_nifti(os.fspath(path))


def write_nifti(path: PathLike, image: ImageLike, *, version: Optional[int] = None,
                compression_level: int = 1) -> None:
    """Write an image as ``.nii``, ``.nii.gz`` or a ``.hdr``/``.img`` pair, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Ends with ``.nii`` or ``.nii.gz`` (gzip is chosen by the name), or names either file
        of a pair: ``.hdr``/``.img`` (both written; ``.hdr.gz``/``.img.gz`` gzip both), a
        NIfTI pair as nibabel's ``Nifti1Pair`` writes it (magic ``ni1``, voxels from byte 0
        of the ``.img``).
    image : Image, torch.Tensor or numpy.ndarray
        ``(C, Z, Y, X)`` or ``(C, Y, X)`` voxels: bool (written as uint8), uint8, int8,
        int16, int32, int64, float32 or float64. Tensors and arrays get unit spacing.
        Channels become the 4th (time) dimension when ``C > 1``.
    version : {None, 1, 2}, optional
        NIfTI-1 or NIfTI-2; by default NIfTI-1 unless an axis exceeds 32767 voxels.
    compression_level : int, default 1
        gzip level, 1 (fastest, as nibabel) to 9 (smallest).

    Raises
    ------
    medimg.ArgumentError
        Another file extension or an option out of range.
    medimg.Unsupported
        float16 or complex voxels, or ``version=1`` for an axis over 32767.
    medimg.IoError
        The file cannot be written; nothing is left behind (for a pair, the ``.img`` is
        replaced before the ``.hdr``).

    Notes
    -----
    The affine goes to NIfTI's RAS ``(i, j, k)`` convention and is stored as the sform and
    as the qform (its rigid part when it has shears), with codes from ``image.meta``
    (``sform_code``, ``qform_code``) or 1 (scanner); nibabel's ``img.affine`` is therefore
    the image's affine in RAS. NIfTI-1 stores the sform in float32, NIfTI-2 in float64.
    """
    _write_nifti(os.fspath(path), as_image(image), version=0 if version is None else version,
                 compression_level=compression_level)
