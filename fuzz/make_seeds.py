#!/usr/bin/python3
"""Writes the seed corpora fuzz/corpus/<target>/ from the real files of tests/data/.

Run once from the repository root (``/usr/bin/python3 fuzz/make_seeds.py``); the output is
committed. Only small files are taken (a few hundred KB in all): libFuzzer mutates them, so a
handful of distinct, valid files covers more than many large ones.

* fuzz_dicom: the bundled single files of tests/data/dicom (bar the 68 KB parametric map).
* fuzz_dicom_series: the slices of tests/data/dicom_series joined with the harness's split
  marker (fuzz_common.hpp), as 3 and as 2 files.
* fuzz_nifti: one byte choosing the container (0 .nii, 1 .nii.gz as is, 2 gzipped by the
  harness) followed by a .nii, a .nii.gz or the decompressed content of a .nii.gz.
* fuzz_raster: tiny synthetic PNG (8/16-bit grey, RGB, RGBA), JPEG, BMP and TIFF images
  written with OpenCV (tests/data holds no raster file; synthetic, no licence applies).
* fuzz_npz: tests/data/npz (stored, deflate and MedMNIST-shaped archives).

It also writes truncated copies of every seed into tests/data/fuzz_regressions/<target>/
(``truncated_*``: the first half, at most 2 KiB; each slice of a series input cut so), which
tests/python/test_fuzz_regressions.py replays with the crash inputs kept there: they take
every reader's error paths.
"""
import gzip
import pathlib
import shutil

import cv2
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
CORPUS = ROOT / "fuzz" / "corpus"
REGRESSIONS = DATA / "fuzz_regressions"
SPLIT = b"--medimg-fuzz-split--"  # kSplitMarker in fuzz_common.hpp


def fresh(target):
    folder = CORPUS / target
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def dicom():
    out = fresh("fuzz_dicom")
    for name in ["CT_small.dcm", "SC_ybr_full_422_uncompressed.dcm", "rtdose_1frame.dcm",
                 "rtdose_expb.dcm", "rtdose_rle_1frame.dcm"]:
        shutil.copyfile(DATA / "dicom" / name, out / name)


def dicom_series():
    out = fresh("fuzz_dicom_series")
    for series, count in [("hitachi", 3), ("non_isotropic", 2)]:
        slices = sorted((DATA / "dicom_series" / series).glob("*.dcm"))[:count]
        (out / f"{series}_{count}").write_bytes(SPLIT.join(p.read_bytes() for p in slices))


def nifti():
    out = fresh("fuzz_nifti")
    for name in ["anatomical_uint8.nii", "functional.nii"]:
        (out / name).write_bytes(b"\0" + (DATA / "nifti" / name).read_bytes())
    for name in ["standard.nii.gz", "example_nifti2.nii.gz"]:
        (out / name).write_bytes(b"\1" + (DATA / "nifti" / name).read_bytes())
    for name in ["standard.nii.gz", "anatomical_scaled_int16.nii.gz"]:
        content = gzip.decompress((DATA / "nifti" / name).read_bytes())
        if len(content) < 100_000:
            (out / (name[:-3] + ".harness_gz")).write_bytes(b"\2" + content)


def raster():
    out = fresh("fuzz_raster")
    y, x = np.mgrid[0:12, 0:16]
    grey = (y * 16 + x).astype(np.uint8)
    colour = np.dstack([grey, 255 - grey, (grey * 3) % 256]).astype(np.uint8)
    images = {
        "grey8.png": grey,
        "grey16.png": (grey.astype(np.uint16) * 257),
        "rgb.png": colour,
        "rgba.png": np.dstack([colour, grey]),
        "grey.jpg": grey,
        "rgb.jpg": colour,
        "rgb.bmp": colour,
        "grey16.tif": (grey.astype(np.uint16) * 257),
    }
    for name, pixels in images.items():
        assert cv2.imwrite(str(out / name), pixels), name


def npz():
    out = fresh("fuzz_npz")
    for name in ["dtypes.npz", "dtypes_compressed.npz", "medmnist_rgb.npz"]:
        shutil.copyfile(DATA / "npz" / name, out / name)


def cut(data):
    return data[:min(len(data) // 2, 2048)]


def truncated_seeds():
    for seeds in sorted(CORPUS.iterdir()):
        out = REGRESSIONS / seeds.name
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("truncated_*"):
            old.unlink()
        for seed in sorted(seeds.iterdir()):
            data = seed.read_bytes()
            if seeds.name == "fuzz_dicom_series":
                data = SPLIT.join(cut(part) for part in data.split(SPLIT))
            elif seeds.name == "fuzz_nifti":
                data = data[:1] + cut(data[1:])
            else:
                data = cut(data)
            (out / ("truncated_" + seed.name)).write_bytes(data)


if __name__ == "__main__":
    dicom()
    dicom_series()
    nifti()
    raster()
    npz()
    truncated_seeds()
    total = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    print(f"{CORPUS}: {total / 1024:.0f} KiB")
