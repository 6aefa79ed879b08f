"""Reading .npz files: medimg (C++, zlib) beside numpy.load in one run.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/io/npz_bench.py [--repeat 10]

- The real PneumoniaMNIST file (../shared/data/medmnist/pneumoniamnist.npz, deflate, 6
  arrays, 4.0 MB of uint8): every array, and read_medmnist of every split (channel-first
  images, int64 labels) against numpy.load plus the same reshaping in torch.
- A synthetic 256 MB float32 array stored uncompressed (numpy.savez), where the reading
  itself, not inflate, is what is measured.
Every result is checked to equal numpy's before it is timed.
"""

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

import medimg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from timing import best_of, row  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PNEUMONIAMNIST = ROOT.parent / "shared" / "data" / "medmnist" / "pneumoniamnist.npz"
SPLITS = ("train", "val", "test")


def numpy_read_all(path):
    with np.load(path) as npz:
        return {name: npz[name] for name in npz.files}


def numpy_medmnist(path):
    with np.load(path) as npz:
        return [(torch.from_numpy(npz[f"{s}_images"])[:, None].contiguous(),
                 torch.from_numpy(npz[f"{s}_labels"].astype(np.int64))) for s in SPLITS]


def medimg_medmnist(path):
    return [medimg.io.read_medmnist(path, s) for s in SPLITS]


def check_equal(medimg_arrays, numpy_arrays):
    assert list(medimg_arrays) == list(numpy_arrays)
    for name, array in numpy_arrays.items():
        np.testing.assert_array_equal(medimg_arrays[name].numpy(), array)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--big-mb", type=int, default=256)
    args = parser.parse_args()
    if not PNEUMONIAMNIST.is_file():
        sys.exit(f"{PNEUMONIAMNIST} is missing: ../shared must lie beside the repository")
    print(f"torch threads {torch.get_num_threads()}, medimg threads {medimg.get_num_threads()}")

    check_equal(medimg.io.read_npz(PNEUMONIAMNIST), numpy_read_all(PNEUMONIAMNIST))
    for (mi, ml), (ni, nl) in zip(medimg_medmnist(PNEUMONIAMNIST), numpy_medmnist(PNEUMONIAMNIST)):
        assert torch.equal(mi, ni) and torch.equal(ml, nl)
    t_np, _ = best_of(lambda: numpy_read_all(PNEUMONIAMNIST), args.repeat)
    t_mi, _ = best_of(lambda: medimg.io.read_npz(PNEUMONIAMNIST), args.repeat)
    row("pneumoniamnist.npz, all 6 arrays", "numpy.load", t_np, t_mi)
    t_np, _ = best_of(lambda: numpy_medmnist(PNEUMONIAMNIST), args.repeat)
    t_mi, _ = best_of(lambda: medimg_medmnist(PNEUMONIAMNIST), args.repeat)
    row("pneumoniamnist.npz, 3 splits (N,1,H,W)+int64", "numpy.load + torch", t_np, t_mi)

    with tempfile.TemporaryDirectory() as folder:
        n = args.big_mb * 2**20 // 4
        big = Path(folder) / "big.npz"
        np.savez(big, volume=np.arange(n, dtype=np.float32).reshape(-1, 512, 512))
        check_equal(medimg.io.read_npz(big), numpy_read_all(big))
        t_np, _ = best_of(lambda: numpy_read_all(big), max(3, args.repeat // 3))
        t_mi, _ = best_of(lambda: medimg.io.read_npz(big), max(3, args.repeat // 3))
        row(f"stored {args.big_mb} MB float32 (numpy.savez)", "numpy.load", t_np, t_mi)


if __name__ == "__main__":
    main()
