"""Surfel-weighted surface distances (DeepMind's surface-distance definition) against a
re-derivation with numpy, scipy and scikit-image written here, hand-computed surfaces, and
the values DeepMind's own unit tests publish (their library is not packaged)."""

import functools
import itertools
import math

import numpy as np
import pytest
import scipy.ndimage as ndi
import torch
from skimage import measure

import medimg
from medimg import metrics
from medimg._medimg import _surfel_areas_by_code


# --- The reference: the same algorithm, derived independently --------------------------

def _corners(code, ndim):
    """Corner values of a neighbour code, indexed by offset: bit i is the i-th offset in
    lexicographic order, i.e. 4a + 2b + c (2a + b in 2D), medimg's documented order."""
    return np.array([(code >> i) & 1 for i in range(2 ** ndim)], float).reshape((2,) * ndim)


@functools.lru_cache(maxsize=None)
def _unit_triangles(code):
    """Marching-cubes triangles (voxel units) of a code, cut from the side with at most four
    corners set (a code and its complement bound the same region)."""
    if bin(code).count("1") > 4:
        code = 255 - code
    if code == 0:
        return np.zeros((0, 3, 3))
    verts, faces, _, _ = measure.marching_cubes(_corners(code, 3), 0.5, method="lorensen")
    return verts.astype(np.float64)[faces]


def _reference_areas_3d(spacing):
    areas = np.zeros(256)
    for code in range(256):
        t = _unit_triangles(code) * np.asarray(spacing, float)
        areas[code] = 0.5 * np.linalg.norm(np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]),
                                           axis=1).sum()
    return areas


def _reference_lengths_2d(spacing):
    lengths = np.zeros(16)
    for code in range(1, 15):
        for contour in measure.find_contours(_corners(code, 2), 0.5):
            steps = np.diff(contour * np.asarray(spacing, float), axis=0)
            lengths[code] += np.linalg.norm(steps, axis=1).sum()
    return lengths


def _reference_surfels(pred, ref, spacing):
    """(pred_to_ref, ref_to_pred, pred_areas, ref_areas) in C order of the cube grid: crop
    to the union's bounding box, pad with background, one code per cube, scipy's EDT to the
    other mask's surfels."""
    nd = pred.ndim
    table = _reference_areas_3d(spacing) if nd == 3 else _reference_lengths_2d(spacing)
    full = 2 ** (2 ** nd) - 1
    where = np.nonzero(pred | ref)
    if len(where[0]) == 0:
        return (np.zeros(0),) * 4
    crop = tuple(slice(i.min(), i.max() + 1) for i in where)

    def codes(mask):
        padded = np.pad(mask[crop].astype(np.int64), 1)
        shape = tuple(s - 1 for s in padded.shape)
        code = np.zeros(shape, np.int64)
        for bit, offset in enumerate(itertools.product((0, 1), repeat=nd)):
            code |= padded[tuple(slice(o, o + s) for o, s in zip(offset, shape))] << bit
        return code

    def distance_to(surface):
        if not surface.any():
            return np.full(surface.shape, np.inf)
        return ndi.distance_transform_edt(~surface, sampling=spacing)

    cp, cr = codes(pred), codes(ref)
    sp, sr = (cp > 0) & (cp < full), (cr > 0) & (cr < full)
    return distance_to(sr)[sp], distance_to(sp)[sr], table[cp[sp]], table[cr[sr]]


def _robust_hausdorff(distances, areas, percent):
    """One direction of DeepMind's compute_robust_hausdorff."""
    if len(distances) == 0:
        return np.inf
    order = np.lexsort((areas, distances))
    cumulative = np.cumsum(areas[order]) / np.sum(areas)
    index = min(np.searchsorted(cumulative, percent / 100.0), len(distances) - 1)
    return distances[order][index]


def _random_blobs(rng, shape, threshold):
    field = ndi.gaussian_filter(rng.random(shape), 2)
    return field > np.quantile(field, threshold)


# --- Equal to the re-derivation ---------------------------------------------------------

@pytest.mark.parametrize("spacing", [(1.0, 1.0, 1.0), (2.5, 0.8, 1.1), (0.4, 3.0, 1.7)])
def test_area_table_equals_marching_cubes(spacing):
    np.testing.assert_allclose(_surfel_areas_by_code(spacing), _reference_areas_3d(spacing),
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize("spacing", [(1.0, 1.0), (2.0, 0.7)])
def test_length_table_equals_marching_squares(spacing):
    np.testing.assert_allclose(_surfel_areas_by_code(spacing), _reference_lengths_2d(spacing),
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize("shape, spacing", [((37, 41), (0.7, 1.9)),
                                            ((19, 23, 29), (2.5, 0.8, 1.1)),
                                            ((16, 30, 24), (0.6, 1.4, 0.9))])
def test_surfels_and_metrics_equal_the_rederivation(shape, spacing):
    rng = np.random.default_rng(len(shape) * 7 + shape[0])
    pred = _random_blobs(rng, shape, 0.6)  # blobs reach the image edge, too
    ref = _random_blobs(rng, shape, 0.55)
    d_pr, d_rp, a_p, a_r = _reference_surfels(pred, ref, spacing)
    d = metrics.surfel_distances(pred, ref, spacing=spacing)
    for got, expected in zip((d.pred_to_ref, d.ref_to_pred, d.pred_areas, d.ref_areas),
                             (d_pr, d_rp, a_p, a_r)):
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)

    for tol in (0.0, 0.9, 2.0):
        expected = ((a_p[d_pr <= tol].sum() + a_r[d_rp <= tol].sum()) /
                    (a_p.sum() + a_r.sum()))
        assert metrics.surface_dice(pred, ref, tol, spacing=spacing,
                                    method="surfel") == pytest.approx(expected, abs=1e-9)
        assert d.surface_overlap(tol) == pytest.approx(
            (a_p[d_pr <= tol].sum() / a_p.sum(), a_r[d_rp <= tol].sum() / a_r.sum()), abs=1e-9)
    means = ((d_pr * a_p).sum() / a_p.sum(), (d_rp * a_r).sum() / a_r.sum())
    assert d.average_surface_distance() == pytest.approx(means, abs=1e-9)
    assert metrics.assd(d) == pytest.approx(sum(means) / 2, abs=1e-9)
    assert metrics.masd(d) == pytest.approx(
        ((d_pr * a_p).sum() + (d_rp * a_r).sum()) / (a_p.sum() + a_r.sum()), abs=1e-9)
    assert metrics.hausdorff(d) == pytest.approx(max(d_pr.max(), d_rp.max()), abs=1e-9)
    for percent in (50, 95, 100):
        expected = max(_robust_hausdorff(d_pr, a_p, percent),
                       _robust_hausdorff(d_rp, a_r, percent))
        assert metrics.hausdorff(pred, ref, spacing=spacing, percentile=percent,
                                 method="surfel") == pytest.approx(expected, abs=1e-9)


# --- Analytic cases ---------------------------------------------------------------------

def test_digitised_sphere_and_circle_sizes():
    # Marching cubes on a binary mask overestimates a sphere's area: its facets follow the
    # voxel staircase (about 8.5 % at r = 20); counting voxel faces would give about 50 %.
    r = 20
    grid = np.indices((2 * r + 5,) * 3) - (r + 2)
    sphere = (grid ** 2).sum(0) <= r * r
    area = metrics.surfel_distances(sphere, sphere).pred_areas.sum()
    assert 1.0 < area / (4 * math.pi * r * r) < 1.10
    assert area == pytest.approx(_reference_surfels(sphere, sphere, (1, 1, 1))[2].sum(), 1e-12)
    grid = np.indices((2 * r + 5,) * 2) - (r + 2)
    disc = (grid ** 2).sum(0) <= r * r
    perimeter = metrics.surfel_distances(disc, disc).pred_areas.sum()
    assert 1.0 < perimeter / (2 * math.pi * r) < 1.08


def test_single_voxel_and_box_by_hand():
    s = np.array([2.0, 0.5, 1.25])
    voxel = np.zeros((3, 3, 3), bool)
    voxel[1, 1, 1] = True
    # An octahedron through the six face centres.
    octahedron = math.sqrt((s[1] * s[2]) ** 2 + (s[0] * s[2]) ** 2 + (s[0] * s[1]) ** 2)
    assert metrics.surfel_distances(voxel, voxel, spacing=s).pred_areas.sum() == pytest.approx(
        octahedron, rel=1e-12)
    pixel = np.zeros((3, 3), bool)
    pixel[1, 1] = True
    assert metrics.surfel_distances(pixel, pixel, spacing=s[:2]).pred_areas.sum() == \
        pytest.approx(2 * math.hypot(s[0], s[1]), rel=1e-12)


def test_identical_and_shifted_boxes():
    a = np.zeros((20, 24, 30), bool)
    a[5:15, 6:18, 4:16] = True
    spacing = (1.5, 0.9, 0.6)
    d = metrics.surfel_distances(a, a, spacing=spacing)
    assert metrics.surface_dice(d, 0.0) == 1.0
    assert not d.pred_to_ref.any() and not d.ref_to_pred.any()
    assert metrics.hausdorff(d) == 0.0 and metrics.assd(d) == 0.0
    # Shifted by 3 voxels along x: the far faces are 3 * 0.6 mm apart, nothing is farther.
    b = np.roll(a, 3, axis=2)
    assert metrics.hausdorff(a, b, spacing=spacing, method="surfel") == pytest.approx(1.8)
    assert metrics.hausdorff(a, b, spacing=spacing, percentile=100,
                             method="surfel") == pytest.approx(1.8)
    assert metrics.surface_dice(a, b, 1.8, spacing=spacing, method="surfel") == 1.0
    assert metrics.surface_dice(a, b, 1.7, spacing=spacing, method="surfel") < 1.0


def test_surface_dice_grows_with_the_tolerance():
    rng = np.random.default_rng(5)
    pred, ref = _random_blobs(rng, (20, 26, 22), 0.6), _random_blobs(rng, (20, 26, 22), 0.5)
    d = metrics.surfel_distances(pred, ref, spacing=(2.0, 0.7, 0.7))
    values = [metrics.surface_dice(d, tol) for tol in np.linspace(0, 8, 33)]
    assert values[4] == metrics.surface_dice(d, tolerance_mm=1.0)  # positional or keyword
    assert np.all(np.diff(values) >= 0)
    assert values[0] < 1.0
    assert metrics.surface_dice(d, metrics.hausdorff(d)) == 1.0


# --- DeepMind's published values (surface-distance's surface_distance_test.py) ----------
# Their functions take (mask_gt, mask_pred) and return (gt_to_pred, pred_to_gt) pairs;
# medimg takes (pred, ref) and returns (pred_to_ref, ref_to_pred): ref = gt, reversed.

def _assert_deepmind(d, average, hd100, hd95, overlap, dice):
    assert d.average_surface_distance()[::-1] == pytest.approx(average, abs=5e-4)
    assert metrics.hausdorff(d, percentile=100) == pytest.approx(hd100, abs=5e-4)
    assert metrics.hausdorff(d, percentile=95) == pytest.approx(hd95, abs=5e-4)
    assert d.surface_overlap(1)[::-1] == pytest.approx(overlap, abs=5e-4)
    assert metrics.surface_dice(d, 1) == pytest.approx(dice, abs=5e-4)


@pytest.mark.parametrize("shape, spacing", [((128, 128), (2, 1)), ((128, 128, 128), (3, 2, 1))])
def test_deepmind_two_pixels_2mm_away(shape, spacing):
    gt, pred = np.zeros(shape, bool), np.zeros(shape, bool)
    gt[(50, 60, 70)[-len(shape):]] = True
    pred[(50, 60, 72)[-len(shape):]] = True
    d = metrics.surfel_distances(pred, gt, spacing=spacing)
    if len(shape) == 2:
        diag = 0.5 * math.sqrt(2 ** 2 + 1 ** 2)
        for distances, areas in ((d.ref_to_pred, d.ref_areas), (d.pred_to_ref, d.pred_areas)):
            np.testing.assert_array_equal(np.sort(distances), [1, 1, 2, 2])
            np.testing.assert_allclose(areas, [diag] * 4, rtol=1e-15)
    _assert_deepmind(d, (1.5, 1.5), 2.0, 2.0, (0.5, 0.5), 0.5)


def test_deepmind_two_squares_shifted_by_one_pixel():
    gt = np.zeros((6, 6), bool)
    gt[1:3, 1:3] = True
    pred = np.zeros((6, 6), bool)
    pred[1:4, 1:3] = True
    vertical, horizontal = 2, 1
    diag = 0.5 * math.sqrt(horizontal ** 2 + vertical ** 2)
    d = metrics.surfel_distances(pred, gt, spacing=(vertical, horizontal))
    expected_gt = sorted(zip([0] * 5 + [horizontal] + [0] * 2,
                             [diag, horizontal, diag, vertical, diag, horizontal, diag, vertical]))
    expected_pred = sorted(zip([0] * 5 + [vertical] * 3 + [0] * 2,
                               [diag, horizontal, diag, vertical, vertical, diag, horizontal,
                                diag, vertical, vertical]))
    np.testing.assert_allclose(sorted(zip(d.ref_to_pred, d.ref_areas)), expected_gt)
    np.testing.assert_allclose(sorted(zip(d.pred_to_ref, d.pred_areas)), expected_pred)


def test_deepmind_two_cubes_shifted_by_one_pixel():
    gt = np.zeros((100, 100, 100), bool)
    pred = np.zeros((100, 100, 100), bool)
    gt[0:50] = True
    pred[0:51] = True
    d = metrics.surfel_distances(pred, gt, spacing=(2, 1, 1))
    _assert_deepmind(d, (0.322, 0.339), 2.0, 2.0, (0.842, 0.830), 0.836)


@pytest.mark.parametrize("shape, spacing", [((128, 128), (3, 2)), ((128, 128, 128), (3, 2, 1))])
def test_deepmind_empty_masks(shape, spacing):
    empty, one = np.zeros(shape, bool), np.zeros(shape, bool)
    one[(50, 60, 70)[-len(shape):]] = True
    # DeepMind: empty prediction -> average (inf, nan), overlap (0, nan); empty ground truth
    # -> average (nan, inf), overlap (nan, 0); Hausdorff inf and surface Dice 0 for both.
    for pred, gt, average, overlap in ((empty, one, (np.inf, np.nan), (0.0, np.nan)),
                                       (one, empty, (np.nan, np.inf), (np.nan, 0.0))):
        d = metrics.surfel_distances(pred, gt, spacing=spacing)
        np.testing.assert_array_equal(d.average_surface_distance()[::-1], average)
        np.testing.assert_array_equal(d.surface_overlap(1)[::-1], overlap)
        assert metrics.hausdorff(d) == np.inf
        assert metrics.hausdorff(d, percentile=95) == np.inf
        assert metrics.surface_dice(d, 1) == 0.0
        assert metrics.assd(d) == np.inf
    # Both empty: NaN everywhere. DeepMind's robust Hausdorff returns inf here; medimg keeps
    # its NaN for "undefined", as for every other surface metric.
    d = metrics.surfel_distances(empty, empty, spacing=spacing)
    assert all(np.isnan(v) for v in d.average_surface_distance() + d.surface_overlap(1))
    assert np.isnan(metrics.surface_dice(d, 1))
    assert np.isnan(metrics.hausdorff(d, percentile=95))
    assert np.isnan(metrics.masd(d))


# --- Inputs and errors ------------------------------------------------------------------

def test_input_kinds_and_image_spacing():
    mask = np.zeros((1, 10, 12), np.uint8)
    mask[0, 2:6, 3:8] = 1
    shifted = np.roll(mask, 2, axis=2)
    a = medimg.Image(mask, spacing=(1.0, 2.5))
    b = medimg.Image(shifted, spacing=(1.0, 2.5))
    expected = metrics.surface_dice(mask[0], shifted[0], 2.0, spacing=(1.0, 2.5),
                                    method="surfel")
    assert metrics.surface_dice(a, b, 2.0, method="surfel") == expected
    assert metrics.surface_dice(torch.from_numpy(mask[0]), torch.from_numpy(shifted[0]), 2.0,
                                spacing=(1.0, 2.5), method="surfel") == expected
    # The default stays the voxel definition (MONAI's).
    assert metrics.surface_dice(a, b, 2.0) == metrics.surface_dice(a, b, 2.0, method="voxel")
    assert metrics.hausdorff(a, b, method="surfel") == 5.0


def test_bad_input():
    a = np.zeros((4, 5), bool)
    a[1:3, 1:3] = True
    with pytest.raises(medimg.ShapeError, match="same shape"):
        metrics.surfel_distances(a, np.zeros((5, 4), bool))
    with pytest.raises(medimg.ArgumentError, match="one value per axis"):
        metrics.surfel_distances(a, a, spacing=(1, 1, 1))
    with pytest.raises(medimg.ArgumentError, match="finite and > 0"):
        metrics.surfel_distances(a, a, spacing=(1, 0))
    with pytest.raises(medimg.ArgumentError, match="finite and > 0"):
        metrics.surface_dice(a, a, 1.0, spacing=(1, -2), method="surfel")
    with pytest.raises(medimg.ArgumentError, match="binary"):
        metrics.surfel_distances(np.full((4, 5), 2, np.uint8), a)
    with pytest.raises(medimg.ShapeError, match=r"\(Y, X\) or \(Z, Y, X\)"):
        metrics.surfel_distances(np.zeros(5, bool), np.zeros(5, bool))
    with pytest.raises(medimg.ArgumentError, match="'voxel' or 'surfel'"):
        metrics.surface_dice(a, a, 1.0, method="surfels")
    d = metrics.surfel_distances(a, a)
    with pytest.raises(medimg.ArgumentError, match="contradicts"):
        metrics.hausdorff(d, method="voxel")
    with pytest.raises(medimg.ArgumentError, match="ref must be omitted"):
        metrics.hausdorff(d, a)
    with pytest.raises(medimg.ArgumentError, match=r"\[0, 100\]"):
        metrics.hausdorff(d, percentile=-1)
    with pytest.raises(medimg.ArgumentError, match="tolerance"):
        metrics.surface_dice(d, -1.0)
    with pytest.raises(medimg.ArgumentError, match="tolerance"):
        d.surface_overlap(float("nan"))
    with pytest.raises(medimg.ArgumentError, match="2 \\(2D\\) or 3 \\(3D\\)"):
        _surfel_areas_by_code([1.0])
