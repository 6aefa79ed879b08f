"""Replays fuzz inputs through medimg's ordinary readers (not a test module).

Run as ``python3 fuzz_replay.py TARGET FOLDER SCRATCH``: each file of FOLDER is turned into
the file(s) the libFuzzer target TARGET (fuzz/<TARGET>.cpp) would write, in SCRATCH, and read
with the public Python reader. One line per file on stdout, ``ok NAME`` or ``error NAME
CLASS``; any exception that is not a medimg.Error escapes (exit status 1, traceback on
stderr), and a crash kills only this process. tests/python/test_fuzz_regressions.py runs it.
"""

import gzip
import shutil
import sys
from pathlib import Path

import medimg

SPLIT = b"--medimg-fuzz-split--"  # kSplitMarker in fuzz/fuzz_common.hpp


def _dicom(data: bytes, scratch: Path) -> None:
    path = scratch / "input.dcm"
    path.write_bytes(data)
    try:
        medimg.io.read_dicom(path)
    finally:  # the harness reads both ways, whatever the first read did
        medimg.io.read_dicom(path, keep_stored_values=True)


def _dicom_series(data: bytes, scratch: Path) -> None:
    folder = scratch / "series"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for i, part in enumerate(data.split(SPLIT, 2)):
        (folder / f"slice{i}.dcm").write_bytes(part)
    try:
        medimg.io.read_dicom_series(folder)
    finally:
        medimg.io.list_dicom_series(folder)


def _nifti(data: bytes, scratch: Path) -> None:
    if not data:
        return
    mode, rest = data[0] % 3, data[1:]
    if mode == 0:
        path = scratch / "input.nii"
        path.write_bytes(rest)
    else:
        path = scratch / "input.nii.gz"
        path.write_bytes(rest if mode == 1 else gzip.compress(rest, compresslevel=1))
    medimg.io.read_nifti(path)


def _raster(data: bytes, scratch: Path) -> None:
    path = scratch / "input.img"
    path.write_bytes(data)
    medimg.io.read_raster(path)


def _npz(data: bytes, scratch: Path) -> None:
    path = scratch / "input.npz"
    path.write_bytes(data)
    try:
        archive = medimg.io.NpzFile(path)
        for name in archive.names:
            try:
                archive.read(name)
            except medimg.Error:
                pass
    finally:
        medimg.io.read_medmnist(path, "train")


READERS = {"fuzz_dicom": _dicom, "fuzz_dicom_series": _dicom_series, "fuzz_nifti": _nifti,
           "fuzz_raster": _raster, "fuzz_npz": _npz}


def main(target: str, folder: Path, scratch: Path) -> None:
    read = READERS[target]
    for path in sorted(folder.iterdir()):
        try:
            read(path.read_bytes(), scratch)
            print("ok", path.name, flush=True)
        except medimg.Error as e:
            print("error", path.name, type(e).__name__, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
