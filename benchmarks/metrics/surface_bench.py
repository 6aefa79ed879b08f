"""Overlap and surface-distance metrics, medimg beside numpy and scipy in one run.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/metrics/surface_bench.py [--sizes 128 256]

- Dice on N^3 uint8 masks against a numpy sum over the same data (memory-bandwidth bound).
- EDT against scipy.ndimage.distance_transform_edt with anisotropic spacing.
- Hausdorff and HD95 on N^3 masks of two perturbed spheres against (a) scipy's
  directed_hausdorff on the surface points and (b) a MONAI-style reference that runs
  scipy's distance transform on the full volume; each value is checked to be the same.
- Surface Dice with DeepMind's surfel weighting (method="surfel") on the same spheres against
  DeepMind's algorithm written with numpy and scipy (their library is not packaged; the
  per-code area table comes from medimg, so the comparison times everything else).
"""

import argparse
import itertools

import numpy as np
import scipy.ndimage as ndi
from scipy.spatial.distance import directed_hausdorff

import medimg
from medimg import metrics
from medimg._medimg import _surfel_areas_by_code

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from timing import best_of, row  # noqa: E402


def perturbed_sphere(n, radius, centre_shift, seed):
    rng = np.random.default_rng(seed)
    grid = np.indices((n, n, n), dtype=np.float32) - n / 2
    grid[2] -= centre_shift
    r = np.sqrt((grid ** 2).sum(0))
    noise = ndi.gaussian_filter(rng.normal(size=(n, n, n)).astype(np.float32), 3) * 40
    return r + noise < radius


def border(mask):
    return mask ^ ndi.binary_erosion(mask, ndi.generate_binary_structure(3, 1))


def scipy_edt_reference(pred, ref, spacing, percentile=None):
    pb, rb = border(pred), border(ref)
    d = np.hstack((ndi.distance_transform_edt(~rb, sampling=spacing)[pb],
                   ndi.distance_transform_edt(~pb, sampling=spacing)[rb]))
    return d.max() if percentile is None else np.percentile(d, percentile)


def scipy_points_reference(pred, ref, spacing):
    a = np.argwhere(border(pred)) * spacing
    b = np.argwhere(border(ref)) * spacing
    return max(directed_hausdorff(a, b)[0], directed_hausdorff(b, a)[0])


def deepmind_surface_dice(pred, ref, spacing, tolerance_mm):
    """compute_surface_distances + compute_surface_dice_at_tolerance, vectorised: crop to
    the union's bounding box, pad, one neighbour code per 2x2x2 cube, two scipy EDTs."""
    table = np.asarray(_surfel_areas_by_code(list(spacing)))
    crop = tuple(slice(i.min(), i.max() + 1) for i in np.nonzero(pred | ref))
    areas, within = [], []
    codes = []
    for mask in (pred, ref):
        padded = np.pad(mask[crop], 1).astype(np.uint8)
        shape = tuple(s - 1 for s in padded.shape)
        code = np.zeros(shape, np.uint8)
        for bit, offset in enumerate(itertools.product((0, 1), repeat=3)):
            code |= padded[tuple(slice(o, o + s) for o, s in zip(offset, shape))] << bit
        codes.append(code)
    surfels = [(c != 0) & (c != 255) for c in codes]
    for k in (0, 1):
        distance = ndi.distance_transform_edt(~surfels[1 - k], sampling=spacing)[surfels[k]]
        a = table[codes[k][surfels[k]]]
        areas.append(a.sum())
        within.append(a[distance <= tolerance_mm].sum())
    return sum(within) / sum(areas)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256])
    args = parser.parse_args()
    spacing = np.array([1.5, 0.8, 0.8])
    print(f"medimg {medimg.__version__}, {medimg.get_num_threads()} threads\n")
    for n in args.sizes:
        pred = perturbed_sphere(n, n * 0.3, 0, 1)
        ref = perturbed_sphere(n, n * 0.3, n * 0.02, 2)
        p8, r8 = pred.astype(np.uint8), ref.astype(np.uint8)
        print(f"--- {n}^3, spacing {tuple(spacing)}")
        t_sum, _ = best_of(lambda: (p8.sum(), r8.sum()))
        t_dice, value = best_of(lambda: metrics.dice(p8, r8))
        expected = 2 * np.sum(pred & ref) / (pred.sum() + ref.sum())
        assert value == expected
        row("Dice (uint8)", "numpy sum of both masks", t_sum, t_dice)

        t_ref, expected = best_of(lambda: ndi.distance_transform_edt(~ref, sampling=spacing), 1)
        t_ours, value = best_of(lambda: metrics.distance_transform_edt(~ref, spacing), 1)
        assert np.abs(value - expected).max() < 1e-6
        row("distance_transform_edt", "scipy", t_ref, t_ours)

        t_ours, value = best_of(lambda: metrics.hausdorff(pred, ref, spacing=spacing), 1)
        t_ref, expected = best_of(lambda: scipy_edt_reference(pred, ref, spacing), 1)
        assert abs(value - expected) < 1e-9
        row("Hausdorff", "scipy EDT (MONAI-style)", t_ref, t_ours)
        if n <= 128:
            t_pts, expected = best_of(lambda: scipy_points_reference(pred, ref, spacing), 1)
            assert abs(value - expected) < 1e-9
            row("Hausdorff", "scipy directed_hausdorff", t_pts, t_ours)

        t_ours, value = best_of(lambda: metrics.hausdorff(pred, ref, spacing=spacing,
                                                        percentile=95), 1)
        t_ref, expected = best_of(lambda: scipy_edt_reference(pred, ref, spacing, 95), 1)
        assert abs(value - expected) < 1e-9
        row("HD95", "scipy EDT (MONAI-style)", t_ref, t_ours)

        t_ours, value = best_of(lambda: metrics.surface_dice(pred, ref, 2.0, spacing=spacing,
                                                           method="surfel"), 1)
        t_ref, expected = best_of(lambda: deepmind_surface_dice(pred, ref, spacing, 2.0), 1)
        assert abs(value - expected) < 1e-9
        row("surface Dice, surfels (2 mm)", "scipy (DeepMind's algorithm)", t_ref, t_ours)
        print()


if __name__ == "__main__":
    main()
