"""Reading a CT series: medimg beside pydicom and dcm2niix in one run.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/io/dicom_series_bench.py [--slices 300]

The benchmark writes a CT-like series with pydicom into a temporary folder: N slices of
512x512 int16 (a synthetic phantom: an ellipse of soft tissue with a bright ring and a
few lesions in air), Explicit VR Little Endian, correct ImagePositionPatient /
ImageOrientationPatient / PixelSpacing and RescaleSlope 1 / RescaleIntercept -1024, the
files named in shuffled order, in /dev/shm by default (this machine's page cache is
small, so files on disk are read back from disk and the timings measure the disk). It then
times, best of a few runs (the files are in the
page cache after the first):

- medimg.io.read_dicom_series (headers in parallel, sort by position, decode in parallel);
- pydicom: dcmread every file, sort by the projection of ImagePositionPatient on the
  normal, numpy stack, Modality LUT to float32 (the usual hand-written loader);
- dcm2niix (Debian package) converting the folder to an uncompressed .nii in a temporary
  folder, run as a subprocess (it writes a file; the others only read).

The volumes of medimg and pydicom are checked to be identical.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

import medimg
from medimg import io

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from timing import best_of, row  # noqa: E402

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"


def phantom_slice(z, n_slices, size=512):
    """Stored values (HU + 1024) of one axial slice of a synthetic body phantom."""
    y, x = np.mgrid[:size, :size].astype(np.float32) - size / 2
    t = z / max(n_slices - 1, 1)
    body = (x / (0.42 * size)) ** 2 + (y / (0.32 * size)) ** 2 <= 1
    ring = body & ((x / (0.38 * size)) ** 2 + (y / (0.28 * size)) ** 2 > 1)
    lesion = (x - 60 * np.cos(6 * t)) ** 2 + (y + 40 * np.sin(6 * t)) ** 2 <= (20 + 10 * t) ** 2
    hu = np.full((size, size), -1000, np.float32)
    hu[body] = 40
    hu[ring] = 700
    hu[lesion & body] = 120
    hu += ((x.astype(np.int32) * 31 + y.astype(np.int32) * 17 + z * 7) % 21 - 10)  # texture
    return (hu + 1024).astype(np.int16)


def write_series(folder, n_slices, spacing=(1.25, 0.7, 0.7)):
    series_uid, study_uid, frame_uid = generate_uid(), generate_uid(), generate_uid()
    order = np.random.default_rng(0).permutation(n_slices)
    for z in range(n_slices):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CT_IMAGE_STORAGE
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        path = folder / f"IM{order[z]:05d}.dcm"
        ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID = CT_IMAGE_STORAGE
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
        ds.FrameOfReferenceUID = frame_uid
        ds.Modality, ds.SeriesDescription = "CT", "synthetic phantom"
        ds.SeriesNumber, ds.AcquisitionNumber, ds.InstanceNumber = 1, 1, z + 1
        ds.ImagePositionPatient = [-179.0, -179.0, -400.0 + z * spacing[0]]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing = [spacing[1], spacing[2]]
        ds.SliceThickness = spacing[0]
        ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = 1, -1024, "HU"
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        pixels = phantom_slice(z, n_slices)
        ds.Rows, ds.Columns = pixels.shape
        ds.PixelData = pixels.tobytes()
        ds.is_little_endian, ds.is_implicit_VR = True, False
        ds.save_as(str(path), write_like_original=False)


def read_with_pydicom(folder):
    slices = [pydicom.dcmread(str(p)) for p in Path(folder).iterdir()]
    iop = np.array(slices[0].ImageOrientationPatient, float)
    normal = np.cross(iop[:3], iop[3:])
    slices.sort(key=lambda s: float(np.dot(np.array(s.ImagePositionPatient, float), normal)))
    volume = np.stack([s.pixel_array for s in slices]).astype(np.float32)
    slopes = np.array([float(s.RescaleSlope) for s in slices], np.float32)[:, None, None]
    intercepts = np.array([float(s.RescaleIntercept) for s in slices], np.float32)[:, None, None]
    return volume * slopes + intercepts


def convert_with_dcm2niix(folder, out):
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    subprocess.run(["dcm2niix", "-z", "n", "-b", "n", "-f", "volume", "-o", str(out),
                    str(folder)], check=True, stdout=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dir", default="/dev/shm" if os.path.isdir("/dev/shm") else None,
                        help="where to write the series (default /dev/shm: in memory, so "
                             "the readers are timed, not the disk)")
    args = parser.parse_args()
    print(f"threads: medimg {medimg.get_num_threads()}, cores {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="medimg-dicom-bench-", dir=args.dir) as tmp:
        folder = Path(tmp) / "series"
        folder.mkdir()
        write_series(folder, args.slices)
        name = f"CT series {args.slices}x512x512 int16"
        subprocess.run(["sync"], check=False)  # let the freshly written files reach the disk
        io.read_dicom_series(folder)  # warm the page cache for every reader alike
        medimg_s, image = best_of(lambda: io.read_dicom_series(folder), args.repeat)
        pydicom_s, expected = best_of(lambda: read_with_pydicom(folder), args.repeat)
        assert tuple(image.tensor.shape) == (1,) + expected.shape
        np.testing.assert_array_equal(image.tensor[0].numpy(), expected)
        row(name, "pydicom+sort+stack", pydicom_s, medimg_s)
        if shutil.which("dcm2niix"):
            dcm2niix_s, _ = best_of(lambda: convert_with_dcm2niix(folder, Path(tmp) / "nii"),
                                    args.repeat)
            row(name, "dcm2niix (.nii)", dcm2niix_s, medimg_s)
        else:
            print("dcm2niix not installed: skipped")


if __name__ == "__main__":
    main()
