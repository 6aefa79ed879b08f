"""NIfTI read and write, medimg beside nibabel in one run.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/io/nifti_bench.py [--shape 300 512 512]

A CT-like int16 volume (smooth structures plus noise, so gzip has realistic work) is written
as .nii and .nii.gz. Reading compares medimg.io.read_nifti with nibabel loading the voxels
into memory in their stored dtype (``np.asanyarray(nib.load(p, mmap=False).dataobj)``; a
memory map would defer the reading, and ``get_fdata()`` would add a float64 conversion).
Writing compares medimg.io.write_nifti with ``nib.save`` at the same gzip level (1, both
defaults). medimg's writers are atomic and fsync the file before renaming it; nib.save
returns with the data still in the page cache, so a second row adds an fsync to nibabel's
write. Every result is checked to be the same voxels.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

import nibabel as nib
import numpy as np

import medimg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from timing import best_of, row  # noqa: E402


def ct_like(shape, seed=0):
    """(Z, Y, X) int16: a body ellipse of soft tissue, bone-bright ring, noise."""
    rng = np.random.default_rng(seed)
    z, y, x = shape
    yy, xx = np.mgrid[:y, :x]
    body = ((yy - y / 2) / (0.42 * y)) ** 2 + ((xx - x / 2) / (0.45 * x)) ** 2
    slice_ = np.where(body < 1, 40, -1000).astype(np.int16)
    slice_[(body > 0.85) & (body < 1)] = 900
    volume = np.broadcast_to(slice_, shape).copy()
    volume += rng.normal(0, 20, shape).astype(np.int16)
    return volume


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shape", type=int, nargs=3, default=[300, 512, 512],
                        help="(Z, Y, X) of the int16 volume")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    volume = ct_like(tuple(args.shape))
    affine_ras = np.diag([-0.7, -0.7, 1.25, 1.0])
    image = medimg.Image(volume[None], spacing=(1.25, 0.7, 0.7))
    print(f"medimg {medimg.__version__}, nibabel {nib.__version__}, "
          f"{medimg.get_num_threads()} threads, int16 volume (X, Y, Z) = "
          f"{tuple(args.shape[::-1])}, {volume.nbytes / 1e6:.0f} MB\n")
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in (".nii", ".nii.gz"):
            nib_path = Path(tmp) / f"nib{suffix}"
            med_path = Path(tmp) / f"med{suffix}"
            # nibabel's array is (i, j, k) = (X, Y, Z): the transpose of medimg's (Z, Y, X).
            nib_image = nib.Nifti1Image(volume.T, affine_ras)

            def nib_save_durable(path=nib_path):
                nib.save(nib_image, path)
                with open(path, "rb+") as written:
                    os.fsync(written.fileno())

            t_nib, _ = best_of(lambda: nib.save(nib_image, nib_path), args.repeat)
            t_durable, _ = best_of(nib_save_durable, args.repeat)
            t_med, _ = best_of(lambda: medimg.io.write_nifti(med_path, image), args.repeat)
            row(f"write {suffix}", "nibabel nib.save", t_nib, t_med)
            row(f"write {suffix} (both flushed to disk)", "nib.save + fsync", t_durable, t_med)

            def nib_read(path=nib_path):
                return np.asanyarray(nib.load(path, mmap=False).dataobj)

            t_nib, ref = best_of(nib_read, args.repeat)
            t_med, got = best_of(lambda: medimg.io.read_nifti(nib_path), args.repeat)
            row(f"read {suffix}", "nibabel dataobj (in memory)", t_nib, t_med)
            assert np.array_equal(got.array[0], ref.T)
            assert np.array_equal(medimg.io.read_nifti(med_path).array[0], volume)
            print(f"    file sizes: nibabel {nib_path.stat().st_size / 1e6:.1f} MB, "
                  f"medimg {med_path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
