"""medimg.classic beside scipy.ndimage, scikit-image and OpenCV in one run.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/classic/classic_bench.py [--size3d 256]
        [--only canny]

Every row checks that medimg's result equals the reference's (scikit-image's semantics;
OpenCV's where its border rule is the same) before printing the times. Inputs are real CT:
the 512 x 512 slice of ../shared/data/cornerstone_ct_ts/CTImage.dcm and the 20-slice series
of ../shared/data/totalsegmentator_examples/example_ct_dicom (tiled to 300 slices for Otsu;
x and y halved and tiled to N^3 for the 3D rows), plus a smoothed random field thresholded
at its median (many small components: the hard case for labelling).

Issue #7's targets: 3D morphology and labelling >= 3x faster than scipy.ndimage; 2D
morphology within 3x of OpenCV; Canny with scikit-image's result >= 30x faster than
scikit-image.
"""

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
import pydicom
import scipy.ndimage as ndi
import skimage
from skimage import feature, filters, measure, morphology

import medimg
from medimg import classic, io

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from timing import best_of, row  # noqa: E402

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def ct_slice():
    """The 512 x 512 CT slice as stored (int16, HU + 1024)."""
    return pydicom.dcmread(SHARED / "cornerstone_ct_ts" / "CTImage.dcm").pixel_array.astype(
        np.int16)


def ct_series_hu():
    """The 20 x 512 x 512 CT series in HU, int16."""
    image = io.read_dicom_series(SHARED / "totalsegmentator_examples" / "example_ct_dicom")
    return np.round(image.array[0]).astype(np.int16)


def tiled(volume, depth):
    return np.concatenate([volume] * (depth // len(volume) + 1))[:depth]


def random_blobs(n, seed=0):
    field = ndi.gaussian_filter(np.random.default_rng(seed).random((n, n, n), np.float32), 2)
    return field > np.median(field)


def bench_canny(ratios):
    """Canny on the 512^2 slice beside scikit-image (same result) and OpenCV (own rules)."""
    print("\n--- Canny, 512 x 512 CT slice (int16), sigma 1, thresholds 100 / 300")
    stored = ct_slice()
    slice_hu = stored.astype(np.int32) - 1024
    window = np.clip((slice_hu + 160) * 255 / 400, 0, 255).astype(np.uint8)  # as OpenCV's input
    t_ours, ours = best_of(lambda: classic.canny(stored, 1.0, 100, 300), 50)
    t_sk, expected = best_of(lambda: feature.canny(stored, 1.0, 100, 300), 5)
    agreement = np.mean(ours == expected)
    assert agreement >= 0.99
    row(f"canny (agreement {agreement * 100:.4f} %)", "scikit-image", t_sk, t_ours)
    ratios["Canny vs scikit-image"] = t_sk / t_ours
    t_cv, _ = best_of(lambda: cv2.Canny(window, 50, 100), 50)
    row("canny", "OpenCV (uint8, own rules)", t_cv, t_ours)


def print_targets(ratios):
    """Each ratio beside issue #7's target for it."""
    print("\nIssue #7 targets")
    targets = {"2D morphology vs OpenCV": 1 / 3, "2D grey morphology vs OpenCV": 1 / 3,
               "Canny vs scikit-image": 30}
    for name, ratio in ratios.items():
        target = targets.get(name, 3)
        verdict = "met" if ratio >= target else "MISSED"
        print(f"  {name:<40} {ratio:8.2f}x   target >= {target:.2f}x   {verdict}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size3d", type=int, default=256)
    parser.add_argument("--otsu-depth", type=int, default=300)
    parser.add_argument("--only", choices=["canny"], help="run only this part")
    args = parser.parse_args()
    n = args.size3d
    print(f"medimg {medimg.__version__}, scikit-image {skimage.__version__}, "
          f"OpenCV {cv2.__version__}, {medimg.get_num_threads()} threads\n")
    ratios = {}
    if args.only == "canny":
        bench_canny(ratios)
        print_targets(ratios)
        return

    # --- 2D morphology: closing with disk(3) on 512^2 -------------------------------------
    slice_hu = ct_slice().astype(np.int32) - 1024
    mask2 = slice_hu > -320
    disk = classic.disk(3)
    sk_disk = morphology.disk(3)
    t_ours, ours = best_of(lambda: classic.binary_closing(mask2, disk), 50)
    t_sk, expected = best_of(lambda: morphology.binary_closing(mask2, sk_disk), 10)
    mask8 = mask2.astype(np.uint8)
    t_cv, opencv = best_of(lambda: cv2.morphologyEx(mask8, cv2.MORPH_CLOSE, sk_disk), 50)
    assert np.array_equal(ours, expected) and np.array_equal(ours, opencv.astype(bool))
    print("--- 2D, 512 x 512 CT slice (HU > -320)")
    row("binary_closing disk(3)", "scikit-image", t_sk, t_ours)
    row("binary_closing disk(3)", "OpenCV morphologyEx", t_cv, t_ours)
    ratios["2D morphology vs OpenCV"] = t_cv / t_ours
    window = np.clip((slice_hu + 160) * 255 / 400, 0, 255).astype(np.uint8)
    t_ours, ours = best_of(lambda: classic.closing(window, disk), 50)
    t_sk, expected = best_of(lambda: morphology.closing(window, sk_disk), 10)
    t_cv, opencv = best_of(lambda: cv2.morphologyEx(window, cv2.MORPH_CLOSE, sk_disk,
                                                    borderType=cv2.BORDER_REFLECT), 50)
    assert np.array_equal(ours, expected) and np.array_equal(ours, opencv)
    row("closing disk(3), uint8", "scikit-image", t_sk, t_ours)
    row("closing disk(3), uint8", "OpenCV (BORDER_REFLECT)", t_cv, t_ours)
    ratios["2D grey morphology vs OpenCV"] = t_cv / t_ours

    # --- 3D morphology: ball(2) on N^3 -----------------------------------------------------
    series = ct_series_hu()
    volume = np.ascontiguousarray(tiled(series[:, ::2, ::2], n)[:, :n, :n])
    body = volume > -320
    blobs = random_blobs(n)
    ball = classic.ball(2)
    sk_ball = morphology.ball(2)
    print(f"\n--- 3D, {n}^3: CT (HU > -320) and a random-blob mask")
    for name, mask in (("CT", body), ("blobs", blobs)):
        t_ours, ours = best_of(lambda: classic.binary_closing(mask, ball), 5)
        t_sk, expected = best_of(lambda: morphology.binary_closing(mask, sk_ball), 1)
        assert np.array_equal(ours, expected)
        row(f"binary_closing ball(2), {name}", "scipy.ndimage (skimage)", t_sk, t_ours)
        ratios[f"3D binary closing ({name}) vs scipy"] = t_sk / t_ours
    t_ours, ours = best_of(lambda: classic.binary_erosion(blobs, ball), 5)
    t_ref, expected = best_of(lambda: ndi.binary_erosion(blobs, sk_ball, border_value=1), 1)
    assert np.array_equal(ours, expected)
    row("binary_erosion ball(2), blobs", "scipy.ndimage", t_ref, t_ours)
    t_ours, ours = best_of(lambda: classic.closing(volume, ball), 5)
    t_sk, expected = best_of(lambda: morphology.closing(volume, sk_ball), 1)
    assert np.array_equal(ours, expected)
    row("closing ball(2), int16 CT", "scipy.ndimage (skimage)", t_sk, t_ours)
    ratios["3D grey closing vs scipy"] = t_sk / t_ours

    # --- labelling -------------------------------------------------------------------------
    full = np.ones((3, 3, 3), bool)
    for name, mask in (("CT", body), ("blobs", blobs)):
        t_ours, (ours, count) = best_of(lambda: classic.label(mask, return_num=True), 5)
        t_ref, (expected, expected_count) = best_of(lambda: ndi.label(mask, full), 1)
        assert count == expected_count and np.array_equal(ours, expected)
        row(f"label 26-connected, {name} ({count} labels)", "scipy.ndimage", t_ref, t_ours)
        ratios[f"label ({name}) vs scipy"] = t_ref / t_ours
    t_sk, expected = best_of(lambda: measure.label(blobs), 1)
    row("label 26-connected, blobs", "scikit-image", t_sk, best_of(
        lambda: classic.label(blobs), 5)[0])

    bench_canny(ratios)

    # --- Otsu on 512 x 512 x depth ---------------------------------------------------------
    depth = args.otsu_depth
    print(f"\n--- Otsu, {depth} x 512 x 512 CT")
    ct = tiled(series, depth)
    t_ours, value = best_of(lambda: classic.threshold_otsu(ct), 3)
    t_sk, expected = best_of(lambda: filters.threshold_otsu(ct), 1)
    assert value == expected
    row("threshold_otsu, int16", "scikit-image", t_sk, t_ours)
    ct32 = ct.astype(np.float32)
    t_ours, value = best_of(lambda: classic.threshold_otsu(ct32), 3)
    t_sk, expected = best_of(lambda: filters.threshold_otsu(ct32), 1)
    assert value == expected
    row("threshold_otsu, float32", "scikit-image", t_sk, t_ours)

    print_targets(ratios)


if __name__ == "__main__":
    main()
