"""Fundus data: the synthetic generator's speed, and fundus preprocessing beside OpenCV,
scipy and scikit-image in one run.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/preprocess/fundus_bench.py [--n 1000] [--size 512]

- fundus_dataset(n, 128): n phantoms rendered in parallel (target: 1000 in a few seconds).
  No reference generator exists, so the row's "reference" is n × the mean time of one
  fundus_phantom call (50 cases of all grades): the ratio is the parallel gain.
Run it also with MEDIMG_NUM_THREADS=1: on a loaded 2-core machine two threads can be slower.
- On one size×size uint8 photograph (a phantom, as APTOS-sized images are cropped and
  resized to 512 before preprocessing):
  fundus_mask against numpy + scipy.ndimage (threshold, label, largest, fill holes; equal);
  crop_fundus against numpy (bbox + np.pad; equal);
  ben_graham uint8 against cv2.addWeighted(x, 4, cv2.GaussianBlur(x, (0, 0), s), -4, 128) plus
  the mask (values within 4, see docs/fundus.md), float32 against scipy.ndimage.gaussian_filter
  (equal to 2e-6); clahe_green against skimage.exposure.equalize_adapthist on the green channel.
"""

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import scipy.ndimage as ndi
import skimage.exposure

from medimg.phantoms import fundus_dataset, fundus_phantom
from medimg.preprocess import ben_graham, clahe_green, crop_fundus, fundus_mask

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from timing import best_of, row  # noqa: E402


def numpy_mask(x):
    above = x.mean(axis=0, dtype=np.float64) > 0.03 * (255 if x.dtype == np.uint8 else 1)
    labels, n = ndi.label(above, structure=np.ones((3, 3)))
    largest = labels == 1 + np.argmax(np.bincount(labels.ravel())[1:])
    return ndi.binary_fill_holes(largest)


def numpy_crop(x):
    mask = numpy_mask(x)
    rows, cols = np.nonzero(mask.any(1))[0], np.nonzero(mask.any(0))[0]
    crop = x[:, rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    side = max(crop.shape[1:])
    py, px = side - crop.shape[1], side - crop.shape[2]
    return np.pad(crop, ((0, 0), (py // 2, py - py // 2), (px // 2, px - px // 2)))


def opencv_graham(x, sigma):
    hwc = np.ascontiguousarray(x.transpose(1, 2, 0))
    out = cv2.addWeighted(hwc, 4, cv2.GaussianBlur(hwc, (0, 0), sigma), -4, 128)
    return out.transpose(2, 0, 1) * numpy_mask(x)


def scipy_graham(x, sigma):
    blur = np.stack([ndi.gaussian_filter(c, sigma, mode="mirror", truncate=4 + 0.25 / sigma) for c in x])
    return np.clip(4 * x - 4 * blur + 0.5, 0, 1) * numpy_mask(x)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--size", type=int, default=512)
    args = parser.parse_args()

    print(f"fundus_dataset({args.n}, 128)")
    fundus_dataset(10, 128)  # warm the pool
    single, _ = best_of(lambda: [fundus_phantom(i % 5, 128, i) for i in range(50)], repeat=3)
    single /= 50
    start = time.perf_counter()
    fundus_dataset(args.n, 128, seed=1)
    total = time.perf_counter() - start
    row(f"fundus_dataset({args.n}, 128)", "serial fundus_phantom × n", single * args.n, total)
    print(f"   {total:.2f} s for {args.n} images, {total / args.n * 1e3:.2f} ms per image "
          f"(one fundus_phantom call: {single * 1e3:.2f} ms)")

    size = args.size
    image, _ = fundus_phantom(4, size, 2)
    x = np.round(image.numpy() * 255).astype(np.uint8)
    xf = x.astype(np.float32) / 255
    sigma = 0.46 * size / 30  # Graham: radius / 30
    print(f"\n{size}x{size} RGB photograph, sigma {sigma:.2f}")

    t_ref, ref = best_of(lambda: numpy_mask(x))
    t_med, out = best_of(lambda: fundus_mask(x))
    assert np.array_equal(ref, out)
    row("fundus_mask uint8", "numpy + scipy.ndimage", t_ref, t_med)

    t_ref, ref = best_of(lambda: numpy_crop(x))
    t_med, out = best_of(lambda: crop_fundus(x))
    assert np.array_equal(ref, out)
    row("crop_fundus uint8", "numpy + scipy.ndimage", t_ref, t_med)

    t_ref, ref = best_of(lambda: opencv_graham(x, sigma))
    t_med, out = best_of(lambda: ben_graham(x, sigma=sigma))
    diff = np.abs(ref.astype(int) - out.astype(int))
    assert diff.max() <= 4, diff.max()
    row("ben_graham uint8", "OpenCV (+ numpy mask)", t_ref, t_med)
    print(f"   differing pixels {np.mean(diff > 0) * 100:.2f} %, max {diff.max()}")

    t_ref, ref = best_of(lambda: scipy_graham(xf, sigma), repeat=3)
    t_med, out = best_of(lambda: ben_graham(xf, sigma=sigma))
    np.testing.assert_allclose(out, ref, atol=2e-6)
    row("ben_graham float32", "scipy.ndimage", t_ref, t_med)

    t_ref, ref = best_of(lambda: skimage.exposure.equalize_adapthist(xf[1]), repeat=3)
    t_med, out = best_of(lambda: clahe_green(xf))
    assert np.mean(np.abs(out[1] - ref)) < 1e-3
    row("clahe_green float32", "skimage equalize_adapthist", t_ref, t_med)


if __name__ == "__main__":
    main()
