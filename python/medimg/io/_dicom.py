"""DICOM files through GDCM."""

from __future__ import annotations

import os
from typing import Union

from .._medimg import Image, read_dicom as _read_dicom

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["read_dicom"]


def read_dicom(path: PathLike, *, keep_stored_values: bool = False,
               invert_monochrome1: bool = True, include_patient_tags: bool = False) -> Image:
    """Read one DICOM file: any transfer syntax GDCM decodes.

    A single-frame file gives a 2D image ``(C, Y, X)``, a multi-frame file a 3D image
    ``(C, Z, Y, X)`` with one slice per frame; colour (RGB, YBR, palette) gives C = 3 as RGB.
    Float / Double Float Pixel Data (parametric maps) give float32 / float64 values as
    stored. Uncompressed data GDCM mishandles (32-bit big endian, YBR_FULL_422, RT Dose
    without NumberOfFrames) is decoded by medimg itself; see docs/io_dicom.md.

    Parameters
    ----------
    path : str or path-like
    keep_stored_values : bool, default False
        Return the stored integers instead of float32 real-world values. By default the
        Modality LUT (RescaleSlope/RescaleIntercept) is applied, so CT comes out in
        Hounsfield units.
    invert_monochrome1 : bool, default True
        Mirror MONOCHROME1 images so that larger always means brighter
        (``meta["InvertedMonochrome1"] == 1``).
    include_patient_tags : bool, default False
        Copy PatientName, PatientID, PatientBirthDate, PatientSex and PatientAge into
        ``meta``; they are left out unless asked for.

    Returns
    -------
    Image
        Geometry from ImagePositionPatient, ImageOrientationPatient and PixelSpacing (LPS mm,
        spacing in array order); metadata with Modality, UIDs, window, rescale, timing and
        the transfer syntax.

    Raises
    ------
    medimg.IoError
        Missing path or not a file.
    medimg.FormatError
        Not DICOM, no pixel data (e.g. a structured report), truncated or undecodable.
    medimg.Unsupported
        Pixel encodings neither GDCM nor medimg decode (see docs/io_dicom.md).
    """
    return _read_dicom(os.fspath(path), keep_stored_values=keep_stored_values,
                       invert_monochrome1=invert_monochrome1,
                       include_patient_tags=include_patient_tags)
