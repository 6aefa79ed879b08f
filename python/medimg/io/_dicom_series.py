"""DICOM series: a folder (or list) of single-frame slices into one 3D image."""

from __future__ import annotations

import os
from typing import Callable, Optional, Sequence, Union

from .._medimg import (DicomSeriesInfo, DicomSeriesList, Image, Progress,
                       list_dicom_series as _list_dicom_series,
                       read_dicom_series as _read_dicom_series)

PathLike = Union[str, "os.PathLike[str]"]

__all__ = ["DicomSeriesInfo", "DicomSeriesList", "list_dicom_series", "read_dicom_series"]


def list_dicom_series(dir: PathLike, recursive: bool = True) -> DicomSeriesList:
    """List the DICOM series in a folder, reading file headers only.

    Headers are read up to PixelData, in parallel on medimg's thread pool.

    Parameters
    ----------
    dir : str or path-like
        The folder to scan; hidden files (``.name``) are ignored.
    recursive : bool, default True
        Also scan sub-folders.

    Returns
    -------
    DicomSeriesList
        A sequence of :class:`DicomSeriesInfo` (``series_uid``, ``modality``,
        ``description``, ``series_number``, ``rows``, ``columns``, ``orientation`` (the
        six ImageOrientationPatient cosines), ``files``, ``file_count``), one per
        SeriesInstanceUID and ordered by SeriesNumber, plus ``skipped_files``: the files
        that are not DICOM images (their count is ``len(skipped_files)``).

    Raises
    ------
    medimg.IoError
        ``dir`` is missing or not a folder.

    .. versionadded:: 0.1
    """
    return _list_dicom_series(os.fspath(dir), recursive)


def read_dicom_series(path_or_files: Union[PathLike, Sequence[PathLike]], *,
                      series_uid: Optional[str] = None, recursive: bool = True,
                      keep_stored_values: bool = False, invert_monochrome1: bool = True,
                      include_patient_tags: bool = False,
                      acquisition_number: Optional[int] = None,
                      accept_duplicate_positions: bool = False,
                      spacing_tolerance: float = 0.01,
                      progress: Optional[Callable[[Progress], None]] = None) -> Image:
    """Read a series of single-frame DICOM slices as one 3D image ``(C, Z, Y, X)``.

    Slices are sorted by the projection of ImagePositionPatient on the slice normal
    (ascending), never by file name or InstanceNumber; the z spacing comes from those
    positions, never from SliceThickness. Each slice is decoded like :func:`read_dicom`,
    so a RescaleSlope/Intercept that differs between slices is honoured. Files are
    decoded in parallel on medimg's thread pool, with the GIL released. A single
    multi-frame file or a single Siemens mosaic is read by :func:`read_dicom`, which places
    the frames or splits the mosaic.

    Parameters
    ----------
    path_or_files : str, path-like or sequence of them
        A folder (non-DICOM files are skipped and counted in ``meta["SkippedFiles"]``),
        one file of the series (its folder is read, keeping the file's series), or an
        explicit list of files.
    series_uid : str, optional
        The SeriesInstanceUID to read; required when the folder holds several series.
    recursive : bool, default True
        Look for files in sub-folders of a folder.
    keep_stored_values, invert_monochrome1, include_patient_tags : bool
        As in :func:`read_dicom`. ``keep_stored_values`` requires one RescaleSlope/
        Intercept for every slice.
    acquisition_number : int, optional
        Keep only the slices of this AcquisitionNumber.
    accept_duplicate_positions : bool, default False
        When slices share positions and each AcquisitionNumber alone has distinct
        positions, keep the acquisition with the smallest number
        (``meta["DroppedSlices"]`` counts the others); otherwise duplicates are an error.
    spacing_tolerance : float, default 0.01
        Largest accepted deviation of a gap between neighbouring slices from the median
        gap, relative to it (1 %); gaps within 0.01 mm of the median always pass. The same
        bound limits how far positions may stray sideways from the normal (gantry tilt).
    progress : callable, optional
        Called with a :class:`medimg.Progress` for stage ``"scan"`` (headers) and
        ``"read"`` (pixels); raising from it cancels the read.

    Returns
    -------
    Image
        float32 ``(C, Z, Y, X)`` (the stored dtype with ``keep_stored_values``). Geometry:
        origin = ImagePositionPatient of the first sorted slice; direction columns = row
        cosine, column cosine and the unit vector along increasing slice positions;
        spacing ``(dz, dy, dx)`` in mm. Metadata of the first slice plus
        ``NumberOfSlices`` and ``SliceSpacing``.

    Raises
    ------
    medimg.IoError
        A missing path.
    medimg.FormatError
        No DICOM series, several series without ``series_uid`` (the message lists their
        UIDs, descriptions and file counts), duplicate positions, a missing slice, uneven
        spacing, mixed orientation, size or pixel spacing, or gantry tilt.
    medimg.Unsupported
        Series of several multi-frame files or several mosaics (pick one volume with
        ``acquisition_number``).

    .. versionadded:: 0.1
    """
    if isinstance(path_or_files, (str, bytes, os.PathLike)):
        where = os.fspath(path_or_files)
    else:
        where = [os.fspath(p) for p in path_or_files]
    return _read_dicom_series(
        where, series_uid=series_uid or "", recursive=recursive,
        keep_stored_values=keep_stored_values, invert_monochrome1=invert_monochrome1,
        include_patient_tags=include_patient_tags, acquisition_number=acquisition_number,
        accept_duplicate_positions=accept_duplicate_positions,
        spacing_tolerance=spacing_tolerance, progress=progress)
