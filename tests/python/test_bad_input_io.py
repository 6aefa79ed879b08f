"""Bad-input matrix of the I/O area (medimg.io): every public reader and writer given inputs
it must refuse, each row naming the exact medimg exception class and a piece of its message.
Bad files are built here from valid ones (nibabel, numpy, OpenCV, the bundled DICOM) cut,
patched or replaced; none may crash, hang or allocate what a lying header claims.
"""

import gzip
import io
import os
import struct
import subprocess
from pathlib import Path

import cv2
import nibabel as nib
import numpy as np
import pytest

import medimg
from bad_input import assert_refused
from dicom_reference import PYDICOM_TEST_FILES, shared_data

ROOT = Path(__file__).resolve().parents[2]
CT_SMALL = ROOT / "data" / "ct_small.dcm"
RTDOSE = ROOT / "tests" / "data" / "dicom" / "rtdose_1frame.dcm"  # zero preamble
LIDC_XML = shared_data() / "lidc_idri_subset" / "LIDC-IDRI-0001" / "annotations_69.xml"

# --- bad files, built from valid ones -------------------------------------------------------


def nifti_bytes(array=None) -> bytearray:
    """A valid single-file NIfTI-1 (nibabel) of `array` (default: int16, 4 x 3 x 2)."""
    array = np.arange(24, dtype=np.int16).reshape(4, 3, 2) if array is None else array
    buffer = io.BytesIO()
    holder = nib.FileHolder(fileobj=buffer)
    nib.Nifti1Image(array, np.eye(4)).to_file_map({"image": holder, "header": holder})
    return bytearray(buffer.getvalue())


def patched(offset: int, fmt: str, *values) -> bytes:
    data = nifti_bytes()
    struct.pack_into("<" + fmt, data, offset, *values)
    return bytes(data)


def with_dims(*dims) -> bytes:
    return patched(40, "8h", *dims)  # dim[0..7] at byte 40


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def png_bytes() -> bytes:
    picture = np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8)
    return cv2.imencode(".png", picture)[1].tobytes()


HUGE_DIMS = (3, 10000, 10000, 10000, 1, 1, 1, 1)  # 10^12 voxels, 2 TB of int16
CT = CT_SMALL.read_bytes()
NPZ = npz_bytes(a=np.arange(1000, dtype=np.float32))
PNG = png_bytes()
GOOD_NII = bytes(nifti_bytes())
BIG_NII_GZ = gzip.compress(bytes(nifti_bytes(
    np.random.default_rng(1).random((20, 20, 20)).astype(np.float32))))
NOISE = b"this is not an image at all " * 40
LIDC_XML_TEXT = b"<?xml version='1.0'?><LidcReadMessage><ResponseHeader>"

# --- the matrix ---------------------------------------------------------------------------
# name: (call(tmp), expected class, substring of the message). `file(tmp, name, bytes)`
# writes a bad file and returns its path.


def first_nodule():
    return io_.read_lidc_xml(LIDC_XML).readings[0].nodules[0]


def file(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def folder(tmp: Path, name: str) -> Path:
    path = tmp / name
    path.mkdir()
    return path


io_ = medimg.io
F, IO, A, S, U = (medimg.FormatError, medimg.IoError, medimg.ArgumentError, medimg.ShapeError,
                  medimg.Unsupported)
SR = PYDICOM_TEST_FILES / "test-SR.dcm"
DICOMDIR = PYDICOM_TEST_FILES / "dicomdirtests" / "DICOMDIR"
VOLUME = np.zeros((1, 2, 3, 4), np.float32)
PICTURE = np.zeros((1, 4, 4), np.uint8)

CASES = {
    # read_nifti
    "nifti missing file": (lambda t: io_.read_nifti(t / "no.nii"), IO, "no such file"),
    "nifti directory": (lambda t: io_.read_nifti(folder(t, "d.nii")), IO, "not a regular file"),
    "nifti empty file": (lambda t: io_.read_nifti(file(t, "e.nii", b"")), F, "holds 0 bytes"),
    "nifti half a header": (lambda t: io_.read_nifti(file(t, "h.nii", GOOD_NII[:200])), F,
                            "truncated header"),
    "nifti negative dim": (lambda t: io_.read_nifti(file(t, "n.nii", with_dims(3, 4, -3, 2,
                                                                           1, 1, 1, 1))),
                           F, "dim[2] must be at least 1"),
    "nifti zero dim": (lambda t: io_.read_nifti(file(t, "z.nii", with_dims(3, 4, 3, 0, 1, 1,
                                                                       1, 1))),
                       F, "dim[3] must be at least 1"),
    "nifti dim[0] out of range": (lambda t: io_.read_nifti(file(t, "r.nii", with_dims(
        9, 4, 3, 2, 1, 1, 1, 1))), F, "dim[0] must be 1 to 7"),
    "nifti 10^12 voxels": (lambda t: io_.read_nifti(file(t, "huge.nii", with_dims(*HUGE_DIMS))),
                           F, "describes 2000000000000 voxel bytes"),
    "nifti.gz 10^12 voxels": (lambda t: io_.read_nifti(file(
        t, "huge.nii.gz", gzip.compress(with_dims(*HUGE_DIMS)))), F, "more than a gzip file"),
    "nifti dims overflow int64": (lambda t: io_.read_nifti(file(t, "o.nii", with_dims(
        7, *([32767] * 7)))), F, "more voxels than any file holds"),
    "nifti data shorter than header says": (lambda t: io_.read_nifti(file(
        t, "s.nii", GOOD_NII[:-10])), F, "truncated: the header describes 48 voxel bytes"),
    "nifti header without data": (lambda t: io_.read_nifti(file(t, "o.nii", GOOD_NII[:348])),
                                  F, "truncated"),
    "nifti vox_offset negative": (lambda t: io_.read_nifti(file(t, "v.nii", patched(
        108, "f", -1.0))), F, "vox_offset is negative"),
    "nifti vox_offset NaN": (lambda t: io_.read_nifti(file(t, "v.nii", patched(
        108, "f", float("nan")))), F, "not a number"),
    "nifti vox_offset past the end": (lambda t: io_.read_nifti(file(t, "v.nii", patched(
        108, "f", 1e9))), F, "from byte 1000000000"),
    "nifti wrong magic": (lambda t: io_.read_nifti(file(t, "m.nii", patched(344, "4s", b"xyz"))),
                          F, "no NIfTI-1 magic"),
    "nifti wrong sizeof_hdr": (lambda t: io_.read_nifti(file(t, "h.nii", patched(0, "i", 123))),
                               F, "sizeof_hdr is 123"),
    "nifti unknown datatype": (lambda t: io_.read_nifti(file(t, "d.nii", patched(70, "h", 999))),
                               F, "datatype code 999"),
    "nifti.gz not gzip": (lambda t: io_.read_nifti(file(t, "n.nii.gz", NOISE)), F,
                          "not a NIfTI file"),
    "nifti.gz truncated data": (lambda t: io_.read_nifti(file(t, "t.nii.gz",
                                                              BIG_NII_GZ[:-2000])),
                                F, "truncated: the header describes 32000 voxel bytes"),
    "nifti.gz truncated header": (lambda t: io_.read_nifti(file(t, "t.nii.gz",
                                                                gzip.compress(GOOD_NII)[:30])),
                                  F, "truncated header"),
    "nifti pair without .img": (lambda t: io_.read_nifti(file(t, "p.hdr", patched(
        344, "4s", b"ni1"))), IO, "p.img"),
    # write_nifti
    "write_nifti float16": (lambda t: io_.write_nifti(t / "a.nii", VOLUME.astype(np.float16)),
                            U, "got Half"),
    "write_nifti complex": (lambda t: io_.write_nifti(t / "a.nii", VOLUME.astype(np.complex64)),
                            U, "got ComplexFloat"),
    "write_nifti missing folder": (lambda t: io_.write_nifti(t / "no" / "a.nii", VOLUME), IO,
                                   "the output folder does not exist"),
    "write_nifti other extension": (lambda t: io_.write_nifti(t / "a.txt", VOLUME), A,
                                    "writes .nii or .nii.gz"),
    "write_nifti 1D array": (lambda t: io_.write_nifti(t / "a.nii", np.zeros(4, np.float32)), S,
                             "expected voxels of shape"),
    "write_nifti bad version": (lambda t: io_.write_nifti(t / "a.nii", VOLUME, version=3), A,
                                "version must be 0 (automatic), 1 or 2, got 3"),
    "write_nifti bad compression": (lambda t: io_.write_nifti(t / "a.nii.gz", VOLUME,
                                                              compression_level=0),
                                    A, "compression_level must be 1 to 9"),
    "write_nifti NIfTI-1 too wide": (lambda t: io_.write_nifti(
        t / "a.nii", np.zeros((1, 1, 1, 40000), np.uint8), version=1), U,
        "NIfTI-1 holds at most 32767"),
    # read_raster / write_png
    "raster missing file": (lambda t: io_.read_raster(t / "no.png"), IO, "no such file"),
    "raster directory": (lambda t: io_.read_raster(folder(t, "d.png")), IO,
                         "not a regular file"),
    "raster empty file": (lambda t: io_.read_raster(file(t, "e.png", b"")), F,
                          "not a PNG, JPEG, TIFF or BMP file"),
    # OpenCV would pass it to GDCM, whose asserts abort on broken files (fuzz_raster).
    "raster DICOM file": (lambda t: io_.read_raster(RTDOSE), F,
                          "not a PNG, JPEG, TIFF or BMP file"),
    "raster PGM file": (lambda t: io_.read_raster(file(t, "g.pgm", b"P5 1 1 255\n\x00")), F,
                        "not a PNG, JPEG, TIFF or BMP file"),
    "png truncated": (lambda t: io_.read_raster(file(t, "t.png", PNG[:len(PNG) // 2])), F,
                      "not an image OpenCV can decode"),
    "png signature only": (lambda t: io_.read_raster(file(t, "s.png", PNG[:8])), F,
                           "not an image OpenCV can decode"),
    "write_png float": (lambda t: io_.write_png(t / "a.png", PICTURE.astype(np.float32)), A,
                        "window the image to uint8 first"),
    "write_png negative": (lambda t: io_.write_png(t / "a.png", PICTURE.astype(np.int32) - 1),
                           A, "[0, 65535]"),
    "write_png 3D": (lambda t: io_.write_png(t / "a.png", VOLUME.astype(np.uint8)), S,
                     "PNG holds 2D images"),
    "write_png two channels": (lambda t: io_.write_png(t / "a.png", np.zeros((2, 4, 4), np.uint8)),
                               S, "1, 3 or 4 channels, got 2"),
    "write_png other extension": (lambda t: io_.write_png(t / "a.jpg", PICTURE), A,
                                  "write_png writes .png files"),
    "write_png missing folder": (lambda t: io_.write_png(t / "no" / "a.png", PICTURE), IO,
                                 "the output folder does not exist"),
    # read_dicom
    "dicom missing file": (lambda t: io_.read_dicom(t / "no.dcm"), IO, "no such file"),
    "dicom directory": (lambda t: io_.read_dicom(folder(t, "d")), IO, "not a regular file"),
    "dicom empty file": (lambda t: io_.read_dicom(file(t, "e.dcm", b"")), F, "not a DICOM file"),
    "dicom not DICOM": (lambda t: io_.read_dicom(file(t, "n.dcm", NOISE)), F, "not a DICOM file"),
    "dicom pixel data cut": (lambda t: io_.read_dicom(file(t, "c.dcm", CT[:len(CT) // 2])), F,
                             "truncated"),
    "dicom cut in the meta header": (lambda t: io_.read_dicom(file(t, "m.dcm", CT[:300])), F,
                                     "is truncated or damaged"),
    "dicom cut after the preamble": (lambda t: io_.read_dicom(file(t, "p.dcm", CT[:132])), F,
                                     "file meta information"),
    "dicom cut in the data set": (lambda t: io_.read_dicom(file(t, "d.dcm", CT[:1000])), F,
                                  "is truncated or damaged"),
    "dicom structured report": (lambda t: io_.read_dicom(SR), F, "without pixel data"),
    "dicom DICOMDIR": (lambda t: io_.read_dicom(DICOMDIR), F, "without pixel data"),
    # DICOM series
    "series missing folder": (lambda t: io_.read_dicom_series(t / "no"), IO, "no such file"),
    "series empty folder": (lambda t: io_.read_dicom_series(folder(t, "e")), F,
                            "no DICOM image files found"),
    "series only bad files": (lambda t: io_.read_dicom_series(
        (file(t, "a.dcm", CT[:1000]), file(t, "b.dcm", CT[:300]))[0].parent), F,
        "no DICOM image files found (2 other files skipped)"),
    "series empty file list": (lambda t: io_.read_dicom_series([]), A,
                               "the list of files is empty"),
    "series truncated file in a list": (lambda t: io_.read_dicom_series(
        [CT_SMALL, file(t, "c.dcm", CT[:1000])]), F, "c.dcm"),
    "list series missing folder": (lambda t: io_.list_dicom_series(t / "no"), IO,
                                   "no such folder"),
    "list series on a file": (lambda t: io_.list_dicom_series(file(t, "f.txt", b"x")), IO,
                              "not a folder"),
    # NPZ
    "npz missing file": (lambda t: io_.read_npz(t / "no.npz"), IO, "no such file"),
    "npz directory": (lambda t: io_.read_npz(folder(t, "d.npz")), IO, "not a regular file"),
    "npz empty file": (lambda t: io_.read_npz(file(t, "e.npz", b"")), F, "not a zip archive"),
    "npz truncated zip": (lambda t: io_.read_npz(file(t, "t.npz", NPZ[:len(NPZ) // 2])), F,
                          "not a zip archive"),
    "list_npz truncated zip": (lambda t: io_.list_npz(file(t, "t.npz", NPZ[:-30])), F,
                               "not a zip archive"),
    "NpzFile missing key": (lambda t: io_.NpzFile(file(t, "g.npz", NPZ)).read("b"), A,
                            "no array 'b' in the archive; it holds a"),
    "NpzFile missing file": (lambda t: io_.NpzFile(t / "no.npz"), IO, "no such file"),
    "npz string dtype": (lambda t: io_.read_npz(file(t, "s.npz", npz_bytes(
        a=np.array(["x", "y"])))), U, "dtype '<U1' is not supported"),
    "npz uint64 dtype": (lambda t: io_.read_npz(file(t, "u.npz", npz_bytes(
        a=np.zeros(3, np.uint64)))), U, "uint64 has no lossless LibTorch dtype"),
    "medmnist missing keys": (lambda t: io_.read_medmnist(file(t, "g.npz", NPZ), "train"), F,
                              "expected keys train_images and train_labels"),
    "medmnist unknown split": (lambda t: io_.read_medmnist(file(t, "g.npz", NPZ), "foo"), A,
                               "'train', 'val' or 'test', got 'foo'"),
    # read / detect_format
    "read missing path": (lambda t: io_.read(t / "no"), IO, "no such file or folder"),
    "read empty file": (lambda t: io_.read(file(t, "e.bin", b"")), F,
                        "not an image format medimg reads"),
    "read noise": (lambda t: io_.read(file(t, "n.bin", NOISE)), F,
                   "not an image format medimg reads"),
    "detect_format missing path": (lambda t: io_.detect_format(t / "no"), IO,
                                   "no such file or folder"),
    # LIDC XML
    "lidc missing file": (lambda t: io_.read_lidc_xml(t / "no.xml"), IO, "cannot be opened"),
    "lidc empty file": (lambda t: io_.read_lidc_xml(file(t, "e.xml", b"")), F,
                        "no XML root element"),
    "lidc unclosed XML": (lambda t: io_.read_lidc_xml(file(t, "u.xml", LIDC_XML_TEXT)), F,
                          "XML ends inside"),
    "lidc_nodule_mask 2D reference": (lambda t: io_.lidc_nodule_mask(
        first_nodule(), medimg.Image(PICTURE.astype(np.float32))), S,
        "the reference must be a 3D image"),
    "lidc_nodule_centre 2D reference": (lambda t: io_.lidc_nodule_centre(
        first_nodule(), medimg.Image(PICTURE.astype(np.float32))), S,
        "the reference must be a 3D image"),
    # graded fundus folders (tests/python/test_io_graded_folder.py has the CSV cases)
    "read_graded_folder missing folder": (lambda t: io_.read_graded_folder(t / "no"), IO,
                                          "no such folder"),
    "read_graded_folder no CSV": (lambda t: io_.read_graded_folder(t), IO, "no grades CSV"),
    "read_fundus_image missing file": (lambda t: io_.read_fundus_image(t / "no.png"), IO,
                                       "no such file"),
    "read_fundus_image noise": (lambda t: io_.read_fundus_image(file(t, "n.png", NOISE)), F,
                                "not a PNG, JPEG, TIFF or BMP file"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused(name, tmp_path):
    assert_refused(CASES[name], tmp_path)


def test_failed_writes_leave_no_file(tmp_path):
    for name, (call, _, _) in CASES.items():
        if name.startswith("write_"):
            with pytest.raises(medimg.Error):
                call(tmp_path)
    assert list(tmp_path.iterdir()) == []


HUGE_READ = """
import resource, sys
import medimg
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for path in sys.argv[1:]:
    try:
        medimg.io.read_nifti(path)
    except medimg.FormatError:
        pass
    else:
        raise SystemExit(f"{path} was read")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def test_huge_headers_are_refused_before_allocating(tmp_path):
    # In a fresh process: the peak RSS (ru_maxrss, kB) may not grow while reading headers
    # that claim 2 TB of voxels.
    paths = [file(tmp_path, "huge.nii", with_dims(*HUGE_DIMS)),
             file(tmp_path, "huge.nii.gz", gzip.compress(with_dims(*HUGE_DIMS))),
             file(tmp_path, "huge_f64.nii", patched(70, "2h", 64, 64))]  # float64 datatype
    struct_dims = bytearray(paths[2].read_bytes())
    struct.pack_into("<8h", struct_dims, 40, *HUGE_DIMS)
    paths[2].write_bytes(bytes(struct_dims))
    env = dict(os.environ, PYTHONPATH=str(Path(medimg.__file__).resolve().parents[1]))
    result = subprocess.run(["/usr/bin/python3", "-c", HUGE_READ, *map(str, paths)],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) < 50_000  # kB: far below the 2 TB claimed
