"""Writes the .npz fixtures of tests/cpp/io/npz_test.cpp with numpy (run once; committed).

    /usr/bin/python3 tests/data/npz/make_fixtures.py

The values are analytic (ramps, fractions of two) so the C++ test can rebuild them without
numpy; tests/python/test_io_npz.py checks that the committed files still hold exactly these.
"""

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def dtype_arrays():
    """One array per supported dtype, byte order and memory layout."""
    return {
        "bool": np.arange(6).reshape(2, 3) % 2 == 0,
        "int8": np.arange(-12, 12, dtype=np.int8).reshape(2, 3, 4),
        "uint8": np.arange(200, 224, dtype=np.uint8).reshape(4, 6),
        "int16": np.arange(10, dtype=np.int16) * -1000,
        "uint16": np.array([0, 1, 40000, 65535], np.uint16),
        "int32_be": (np.arange(6).reshape(2, 3) * 100000).astype(">i4"),
        "uint32": np.array([0, 4000000000, 1], np.uint32),
        "int64": np.arange(5, dtype=np.int64) * 10**12 - 2 * 10**12,
        "float16": np.arange(4, dtype=np.float16) / 2,
        "float32_fortran": np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4) / 4),
        "float64_be": (np.arange(5) / 8).astype(">f8"),
        "complex64": np.array([1 + 2j, -3.5j], np.complex64),
        "scalar": np.array(7.5),
        "empty": np.zeros((0, 3), np.float32),
    }


def medmnist_rgb_arrays():
    """A MedMNIST-like RGB file: images (N, H, W, 3) uint8 and labels (N, 1) uint8."""
    arrays = {}
    for split, n in (("train", 3), ("val", 2), ("test", 1)):
        ramp = np.arange(n * 4 * 5 * 3) % 256
        arrays[f"{split}_images"] = ramp.astype(np.uint8).reshape(n, 4, 5, 3)
        arrays[f"{split}_labels"] = np.arange(n, dtype=np.uint8).reshape(n, 1)
    return arrays


def main():
    np.savez(HERE / "dtypes.npz", **dtype_arrays())
    np.savez_compressed(HERE / "dtypes_compressed.npz", **dtype_arrays())
    np.savez_compressed(HERE / "medmnist_rgb.npz", **medmnist_rgb_arrays())


if __name__ == "__main__":
    main()
