"""Spatial preprocessing against scipy.ndimage, numpy, torch and nibabel: sampling and its
border modes, resampling (and its geometry), crop/pad, flips, reorientation, affine warps.
OpenCV's warpAffine is compared in tests/cpp/preprocess/warp_test.cpp (cv2 is not a
dependency of the Python tests)."""

from pathlib import Path

import numpy as np
import pytest
import scipy.ndimage as ndi
import torch

import medimg
from medimg import preprocess as P

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SCIPY_MODE = {"constant": "grid-constant", "edge": "nearest", "reflect": "reflect",
              "mirror": "mirror", "wrap": "grid-wrap"}
ORDER = {"nearest": 0, "linear": 1, "bspline3": 3}


def shared(path):
    full = SHARED_DATA / path
    assert full.exists(), f"{full} is missing: the tests need ../shared/data beside the checkout"
    return full


# scipy 1.10 initialises the reflect-boundary prefilter inexactly on short lines (up to ~1e-6
# relative at 5 samples, vanishing by 20); medimg's initialisation is exact, as
# test_reflect_prefilter_is_exact checks against an explicit symmetric extension.
REFLECT_RTOL = {("bspline3", "reflect"): 1e-6}


def random_coordinates(rng, shape, count):
    """Positions inside, near and far outside the array, some exactly at half-integers."""
    spread = np.array(shape)[:, None]
    coords = rng.uniform(-0.3, 1.3, size=(len(shape), count)) * spread
    coords[:, : count // 8] = np.round(coords[:, : count // 8] * 2) / 2
    coords[:, -8:] = rng.uniform(-40, 40, size=(len(shape), 8))
    return coords


def away_from_ties(positions):
    """Points whose nearest voxel does not depend on rounding at exact half-integers (where
    a last-bit difference in the computed position decides)."""
    fraction = positions - np.floor(positions)
    return np.all(np.abs(fraction - 0.5) > 1e-9, axis=0)


def inside(coords, shape):
    return np.all((coords >= 0) & (coords <= np.array(shape)[:, None] - 1), axis=0)


# --- sampling -------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(9, 11), (6, 7, 8)])
@pytest.mark.parametrize("border", list(SCIPY_MODE))
@pytest.mark.parametrize("interpolation", list(ORDER))
def test_map_coordinates_equals_scipy(shape, border, interpolation):
    rng = np.random.default_rng(len(shape))
    data = rng.random(shape) * 100
    coords = random_coordinates(rng, shape, 400)
    expected = ndi.map_coordinates(data, coords, order=ORDER[interpolation],
                                   mode=SCIPY_MODE[border], cval=-7.0)
    out = P.map_coordinates(data[None], coords, interpolation=interpolation, border=border,
                            fill_value=-7.0)
    assert out.shape == (1, 400) and out.dtype == np.float64
    np.testing.assert_allclose(out[0], expected, atol=1e-6, rtol=REFLECT_RTOL.get(
        (interpolation, border), 0))


@pytest.mark.parametrize("border", list(SCIPY_MODE))
def test_float32_bspline_within_1e4_of_scipy(border):
    rng = np.random.default_rng(3)
    data = (rng.random((2, 12, 13, 14)) * 1000).astype(np.float32)  # CT-like magnitudes
    coords = random_coordinates(rng, data.shape[1:], 300)
    out = P.map_coordinates(data, coords.astype(np.float32), interpolation="bspline3",
                            border=border)
    assert out.dtype == np.float32
    for c in range(2):
        expected = ndi.map_coordinates(data[c].astype(np.float64), coords.astype(np.float32),
                                       order=3, mode=SCIPY_MODE[border])
        within = inside(coords, data.shape[1:])
        np.testing.assert_allclose(out[c][within], expected[within], rtol=1e-6, atol=1e-4)


@pytest.mark.parametrize("border", list(SCIPY_MODE))
def test_spline_filter_equals_scipy(border):
    data = np.random.default_rng(4).random((1, 7, 9, 50))
    expected = ndi.spline_filter(data[0], order=3, mode=SCIPY_MODE[border])
    np.testing.assert_allclose(P.spline_filter(data, border)[0], expected, atol=1e-7,
                               rtol=REFLECT_RTOL.get(("bspline3", border), 0))


@pytest.mark.parametrize("n", [2, 5, 8, 45])
def test_reflect_prefilter_is_exact(n):
    """Reflect coefficients equal mirror-filtered coefficients of a long symmetric
    extension (numpy's 'symmetric' pad is the same d c b a | a b c d picture)."""
    line = np.random.default_rng(n).random(n) * 100
    extended = np.pad(line, 40 * n, mode="symmetric")
    truth = ndi.spline_filter1d(extended, 3, mode="mirror")[40 * n:41 * n]
    np.testing.assert_allclose(P.spline_filter(line[None, None], "reflect")[0, 0], truth,
                               atol=1e-10)


def test_prefiltered_coefficients_sample_like_scipy_prefilter_false():
    rng = np.random.default_rng(5)
    data = rng.random((10, 12))
    coefficients = P.spline_filter(data[None], "mirror")
    coords = random_coordinates(rng, data.shape, 100)
    expected = ndi.map_coordinates(data, coords, order=3, mode="mirror")
    out = P.map_coordinates(coefficients, coords, interpolation=3, border="mirror",
                            prefilter=False)
    np.testing.assert_allclose(out[0], expected, atol=1e-9)


def rotation_zyx(angle, scale=1.0):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]]) @ np.array([[1, 0.1, 0], [0, 1, 0],
                                                                   [0, 0, 1]]) * scale


@pytest.mark.parametrize("interpolation", list(ORDER))
@pytest.mark.parametrize("border", ["constant", "edge", "reflect"])
def test_affine_transform_equals_scipy_3d(interpolation, border):
    rng = np.random.default_rng(6)
    data = rng.random((1, 14, 15, 16)).astype(np.float32)
    matrix = np.eye(4)
    matrix[:3, :3] = rotation_zyx(0.4, 1.1)
    matrix[:3, 3] = [1.5, -2.0, 3.25]
    out_shape = (13, 17, 15)
    expected = ndi.affine_transform(data[0].astype(np.float64), matrix, output_shape=out_shape,
                                    order=ORDER[interpolation], mode=SCIPY_MODE[border], cval=0.5)
    out = P.affine_transform(data, matrix, out_shape, interpolation=interpolation,
                             border=border, fill_value=0.5)
    assert out.shape == (1,) + out_shape
    np.testing.assert_allclose(out[0], expected, atol=1e-5)
    # The (ndim, ndim + 1) form is the same map.
    np.testing.assert_array_equal(
        P.affine_transform(data, matrix[:3], out_shape, interpolation=interpolation,
                           border=border, fill_value=0.5), out)


def test_dtypes_and_kinds():
    labels = np.random.default_rng(7).integers(0, 5, (1, 6, 7)).astype(np.int16)
    shift = np.array([[1, 0, 0.4], [0, 1, -0.3], [0, 0, 1]])
    nearest = P.affine_transform(labels, shift, interpolation="nearest")
    assert nearest.dtype == np.int16
    np.testing.assert_array_equal(
        nearest[0], ndi.affine_transform(labels[0], shift, order=0, mode="grid-constant"))
    assert P.affine_transform(labels, shift).dtype == np.float32
    assert P.affine_transform(labels.astype(np.float64), shift).dtype == np.float64
    assert P.affine_transform(labels.astype(bool), shift, interpolation=0).dtype == bool
    tensor = P.affine_transform(torch.from_numpy(labels), shift, interpolation=0)
    assert isinstance(tensor, torch.Tensor) and tensor.dtype == torch.int16
    image = medimg.Image(labels, spacing=(2.0, 3.0), origin=(1, 2, 3))
    warped = P.affine_transform(image, shift, interpolation=0)
    assert isinstance(warped, medimg.Image) and warped.geometry == image.geometry
    with pytest.raises(medimg.ArgumentError, match="fill_value"):
        P.affine_transform(labels, shift, interpolation=0, fill_value=0.5)
    with pytest.raises(medimg.ArgumentError, match="fill_value"):
        P.affine_transform(labels.astype(np.uint8), shift, interpolation=0, fill_value=-1)


def test_nan_and_huge_coordinates_give_the_fill_value():
    data = np.arange(20.0).reshape(1, 4, 5)
    coords = np.array([[np.nan, 1.0, np.inf, 1e300, 2.0], [1.0, np.nan, 1.0, 1.0, 3.0]])
    for border in SCIPY_MODE:
        out = P.map_coordinates(data, coords, border=border, fill_value=-1.0)
        np.testing.assert_array_equal(out[0], [-1, -1, -1, -1, 13.0])
    out = P.map_coordinates(data, coords, interpolation="nearest", fill_value=np.nan)
    assert np.isnan(out[0, :4]).all() and out[0, 4] == 13.0


def test_several_channels_share_the_positions():
    rng = np.random.default_rng(8)
    data = rng.random((3, 9, 10))
    coords = random_coordinates(rng, (9, 10), 50)
    out = P.map_coordinates(data, coords, interpolation="bspline3", border="reflect")
    for c in range(3):
        np.testing.assert_allclose(out[c], ndi.map_coordinates(data[c], coords, mode="reflect"),
                                   atol=1e-6)


# --- resample -------------------------------------------------------------------------------

@pytest.mark.parametrize("interpolation", list(ORDER))
def test_resample_to_a_shape_equals_zoom_grid_mode(interpolation):
    rng = np.random.default_rng(9)
    data = rng.random((1, 10, 13, 9)).astype(np.float32)
    new_shape = (17, 8, 20)
    expected = ndi.zoom(data[0].astype(np.float64), np.divide(new_shape, data.shape[1:]),
                        order=ORDER[interpolation], mode="nearest", grid_mode=True)
    assert expected.shape == new_shape
    out = P.resample(data, shape=new_shape, interpolation=interpolation)
    np.testing.assert_allclose(out[0], expected, atol=1e-4)


def test_resample_linear_equals_torch_interpolate():
    data = torch.rand(1, 11, 14, 9, dtype=torch.float64)
    new_shape = (19, 7, 16)
    expected = torch.nn.functional.interpolate(data[None], size=new_shape, mode="trilinear",
                                               align_corners=False)[0]
    out = P.resample(data, shape=new_shape)
    assert isinstance(out, torch.Tensor)
    torch.testing.assert_close(out, expected, atol=1e-10, rtol=0)


@pytest.mark.parametrize("interpolation", list(ORDER))
def test_resample_to_a_spacing_samples_the_documented_positions(interpolation):
    rng = np.random.default_rng(10)
    data = rng.random((1, 12, 15, 10))
    spacing, new_spacing = np.array([2.5, 0.7, 1.1]), np.array([1.0, 1.3, 0.45])
    image = medimg.Image(data, spacing=spacing, origin=(5, -3, 7))
    out = P.resample(image, new_spacing, interpolation=interpolation)
    n = np.array(data.shape[1:])
    new_n = np.maximum(1, np.floor(n * spacing / new_spacing + 0.5)).astype(int)
    assert out.spatial_shape == tuple(new_n)
    np.testing.assert_allclose(out.spacing, new_spacing)
    grid = np.indices(new_n, dtype=np.float64).reshape(3, -1)
    positions = ((grid - (new_n[:, None] - 1) / 2) * (new_spacing / spacing)[:, None]
                 + (n[:, None] - 1) / 2)
    expected = ndi.map_coordinates(data[0], positions, order=ORDER[interpolation],
                                   mode="nearest")
    compare = away_from_ties(positions) if interpolation == "nearest" else slice(None)
    np.testing.assert_allclose(out.array[0].ravel()[compare], expected[compare], atol=1e-9)


def test_resample_input_kinds_and_input_spacing():
    data = np.random.default_rng(20).random((2, 6, 8)).astype(np.float32)
    out = P.resample(data, 1.0, input_spacing=2.0)
    assert isinstance(out, np.ndarray) and out.shape == (2, 12, 16)
    expected = ndi.zoom(data[1], 2, order=1, mode="nearest", grid_mode=True)
    np.testing.assert_allclose(out[1], expected, atol=1e-6)
    tensor = P.resample(torch.from_numpy(data), (3.0, 4.0), input_spacing=(1.5, 2.0))
    assert isinstance(tensor, torch.Tensor) and tuple(tensor.shape) == (2, 3, 4)
    image = medimg.Image(data, spacing=(2.0, 2.0))
    assert P.resample(image, 1.0).geometry.spacing == (1.0, 1.0)
    with pytest.raises(medimg.ArgumentError, match="contradicts"):
        P.resample(image, 1.0, input_spacing=3.0)


def test_resample_keeps_world_landmarks_on_a_real_ct():
    ct = medimg.io.read_nifti(shared("totalsegmentator_examples/example_ct_sm.nii.gz"))
    ct = medimg.Image(ct.to(torch.float32), direction=np.diag([-1.0, 1.0, 1.0]) @ np.array(
        [[0, 0.6, 0.8], [1, 0, 0], [0, 0.8, -0.6]]).T)  # an oblique direction, same voxels
    out = P.resample(ct, (2.2, 1.7, 2.9), interpolation="linear")
    assert out.direction.tolist() == ct.direction.tolist()
    rng = np.random.default_rng(11)
    voxels = rng.integers(0, out.spatial_shape, size=(40, 3))
    for j in voxels:
        world = out.index_to_world(j.astype(float))
        index = np.array(ct.world_to_index(world))
        expected = ndi.map_coordinates(ct.array[0].astype(np.float64), index[:, None], order=1,
                                       mode="nearest")[0]
        assert out.array[0][tuple(j)] == pytest.approx(expected, abs=1e-2)


def test_resample_labels_nearest_and_one_hot():
    seg = medimg.io.read_nifti(shared("totalsegmentator_examples/example_seg.nii.gz"))
    seg = P.crop(seg, (5, 20, 20), (25, 70, 80))  # keep the test quick
    labels = seg.array[0]
    out = P.resample_labels(seg, (1.7, 2.2, 2.6), mode="nearest")
    assert out.dtype == seg.dtype and out.spacing == pytest.approx((1.7, 2.2, 2.6))
    new_n = np.array(out.spatial_shape)
    n = np.array(labels.shape)
    grid = np.indices(new_n, dtype=np.float64).reshape(3, -1)
    ratio = np.array(out.spacing) / np.array(seg.spacing)
    positions = (grid - (new_n[:, None] - 1) / 2) * ratio[:, None] + (n[:, None] - 1) / 2
    nearest = ndi.map_coordinates(labels, positions, order=0, mode="nearest")
    untied = away_from_ties(positions)
    assert untied.mean() > 0.5
    np.testing.assert_array_equal(out.array[0].ravel()[untied], nearest[untied])

    one_hot = P.resample_labels(seg, (1.7, 2.2, 2.6), mode="one-hot").array[0]
    values = np.unique(labels)
    probabilities = np.stack([ndi.map_coordinates((labels == v).astype(np.float64), positions,
                                                  order=1, mode="nearest") for v in values])
    expected = values[np.argmax(probabilities, axis=0)].reshape(new_n)
    top2 = np.sort(probabilities, axis=0)[-2:]
    clear = (top2[1] - top2[0] > 1e-9).reshape(new_n)  # exact ties may break either way
    assert clear.mean() > 0.99
    np.testing.assert_array_equal(one_hot[clear], expected[clear])
    assert set(np.unique(one_hot)) <= set(values)


def test_resample_to_another_grid_through_world_coordinates():
    rng = np.random.default_rng(12)
    data = rng.random((2, 9, 11, 10))
    theta = 0.3
    direction = np.array([[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0],
                          [0, 0, 1]])
    image = medimg.Image(data, spacing=(2.0, 1.0, 1.5), origin=(-3, 4, 10), direction=direction)
    reference = medimg.Image(np.zeros((1, 7, 12, 8), np.uint8), spacing=(1.5, 1.2, 1.9),
                             origin=(0, 2, 9))
    out = P.resample_to(image, reference, interpolation="bspline3", border="mirror")
    assert out.geometry == reference.geometry and out.shape == (2, 7, 12, 8)
    grid = np.indices((7, 12, 8), dtype=np.float64).reshape(3, -1)
    homogeneous = np.vstack([grid, np.ones(grid.shape[1])])  # array-order indices
    world = reference.affine @ homogeneous
    positions = (np.linalg.inv(image.affine) @ world)[:3]
    for c in range(2):
        expected = ndi.map_coordinates(data[c], positions, order=3, mode="mirror")
        np.testing.assert_allclose(out.array[c].ravel(), expected, atol=1e-6)
    seg = medimg.Image((data[:1] * 3).astype(np.int64), spacing=image.spacing,
                       origin=image.origin, direction=direction)
    moved = P.resample_labels_to(seg, (reference.geometry, (7, 12, 8)))
    expected = ndi.map_coordinates(seg.array[0], positions, order=0, mode="grid-constant")
    untied = away_from_ties(positions)
    assert untied.mean() > 0.5
    np.testing.assert_array_equal(moved.array[0].ravel()[untied], expected[untied])
    assert moved.dtype == torch.int64


# --- crop and pad ---------------------------------------------------------------------------

def test_crop_is_a_view_with_a_moved_origin():
    data = np.arange(2 * 6 * 7 * 8, dtype=np.float32).reshape(2, 6, 7, 8)
    image = medimg.Image(data, spacing=(2, 1, 0.5), origin=(1, 2, 3))
    out = P.crop(image, (1, 2, 3), (5, 7, 4))
    np.testing.assert_array_equal(out.array, data[:, 1:5, 2:7, 3:4])
    assert out.origin == pytest.approx(image.index_to_world((1, 2, 3)))
    out.array[0, 0, 0, 0] = -1
    assert data[0, 1, 2, 3] == -1  # shares memory
    with pytest.raises(medimg.ArgumentError, match="box"):
        P.crop(data, (0, 0, 0), (7, 7, 8))
    with pytest.raises(medimg.ShapeError):
        P.crop(data, (0, 0), (2, 2))


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric", "wrap"])
def test_pad_equals_numpy(mode):
    data = np.random.default_rng(13).integers(-50, 50, (2, 3, 4, 5)).astype(np.int16)
    # Wider than the axis, numpy's 'wrap' repeats chunks of its partly padded array instead of
    # continuing the period; medimg stays periodic, so wrap is compared up to the axis size.
    before, after = ((2, 0, 5), (1, 4, 3)) if mode == "wrap" else ((2, 0, 7), (1, 9, 3))
    kwargs = {"constant_values": 9} if mode == "constant" else {}
    expected = np.pad(data, [(0, 0)] + list(zip(before, after)), mode=mode, **kwargs)
    out = P.pad(data, before, after, mode=mode, value=9)
    assert out.dtype == np.int16
    np.testing.assert_array_equal(out, expected)


def test_pad_wrap_stays_periodic_beyond_the_axis():
    data = np.arange(12, dtype=np.int32).reshape(1, 3, 4)
    out = P.pad(data, (5, 9), (4, 6), mode="wrap")
    rows = np.arange(-5, 3 + 4) % 3
    cols = np.arange(-9, 4 + 6) % 4
    np.testing.assert_array_equal(out[0], data[0][np.ix_(rows, cols)])


def test_pad_moves_the_origin_and_one_width_serves_all_axes():
    image = medimg.Image(np.ones((1, 4, 5), np.float32), spacing=(2.0, 3.0), origin=(10, 20, 0))
    out = P.pad(image, 2)
    assert out.spatial_shape == (8, 9)
    assert out.origin == pytest.approx(image.index_to_world((-2, -2)))
    assert out.array[0, 0, 0] == 0 and out.array[0, 2, 2] == 1
    with pytest.raises(medimg.ArgumentError, match=r"widths must be in \[0, 2\^40\]"):
        P.pad(image, -1)
    with pytest.raises(medimg.ArgumentError, match="pad mode"):
        P.pad(image, 1, mode="median")


def monai_crop_or_pad(data, shape):
    """MONAI's ResizeWithPadOrCrop: SpatialPad 'symmetric' then CenterSpatialCrop."""
    out = data
    pads = [(0, 0)] + [((t - n) // 2, t - n - (t - n) // 2) if t > n else (0, 0)
                       for n, t in zip(data.shape[1:], shape)]
    out = np.pad(out, pads)
    slices = [slice(None)]
    for n, t in zip(out.shape[1:], shape):
        start = n // 2 - t // 2
        slices.append(slice(start, start + t))
    return out[tuple(slices)]


@pytest.mark.parametrize("shape", [(3, 9, 4), (8, 2, 7), (6, 7, 8), (1, 12, 5)])
def test_crop_or_pad_equals_monai_rule(shape):
    data = np.random.default_rng(14).random((1, 6, 7, 8)).astype(np.float32)
    image = medimg.Image(data, spacing=(1.5, 1, 2), origin=(3, 2, 1))
    out = P.crop_or_pad(image, shape)
    np.testing.assert_array_equal(out.array, monai_crop_or_pad(data, shape))
    # The input's voxel 0 keeps its world position in the output.
    offset = [n // 2 - t // 2 if n >= t else -((t - n) // 2) for n, t in zip((6, 7, 8), shape)]
    assert out.origin == pytest.approx(image.index_to_world(offset))


def test_crop_foreground_with_threshold_mask_and_margin():
    data = np.zeros((2, 10, 12, 9), np.float32)
    data[0, 3:5, 4:9, 2] = 5
    data[1, 6, 2, 7] = 1  # the other channel counts too
    image = medimg.Image(data, spacing=(2, 1, 1), origin=(0, 0, 0))
    assert P.foreground_box(data) == ((3, 2, 2), (7, 9, 8))
    assert P.foreground_box(data, threshold=2) == ((3, 4, 2), (5, 9, 3))
    out = P.crop_foreground(image, margin=(1, 5, 0))
    assert out.spatial_shape == (6, 12, 6)
    np.testing.assert_array_equal(out.array, data[:, 2:8, 0:12, 2:8])
    assert out.origin == pytest.approx(image.index_to_world((2, 0, 2)))
    mask = np.zeros((10, 12, 9), bool)
    mask[9, 11, 8] = True
    np.testing.assert_array_equal(P.crop_foreground(data, mask=mask, margin=1),
                                  data[:, 8:, 10:, 7:])
    empty = np.zeros((1, 4, 4), np.float32)
    assert P.foreground_box(empty) == ((0, 0), (0, 0))
    assert P.crop_foreground(empty).shape == (1, 4, 4)
    with pytest.raises(medimg.ShapeError, match="spatial shape"):
        P.crop_foreground(data, mask=mask[:5])


# --- flips, rotations, orientation ----------------------------------------------------------

def oblique_image(data):
    direction = np.array([[0.6, 0, 0.8], [0, -1, 0], [0.8, 0, -0.6]])
    return medimg.Image(data, spacing=(2.0, 0.5, 1.25)[-(data.ndim - 1):],
                        origin=(10, -20, 30), direction=direction)


def assert_same_world_content(before, after):
    """Every voxel of `after` lies on a voxel of `before` holding the same values."""
    shape = np.array(after.spatial_shape)
    for j in np.indices(shape).reshape(len(shape), -1).T:
        index = np.array(before.world_to_index(after.index_to_world(j.astype(float))))
        rounded = np.round(index).astype(int)
        assert np.allclose(index, rounded, atol=1e-9)
        np.testing.assert_array_equal(after.array[(slice(None),) + tuple(j)],
                                      before.array[(slice(None),) + tuple(rounded)])


@pytest.mark.parametrize("axes", [[0], [2], [0, 1], None])
def test_flip_equals_numpy_and_keeps_world_positions(axes):
    data = np.random.default_rng(15).random((2, 3, 4, 5))
    image = oblique_image(data)
    out = P.flip(image, axes)
    spatial = (1, 2, 3) if axes is None else tuple(a + 1 for a in axes)
    np.testing.assert_array_equal(out.array, np.flip(data, spatial))
    assert_same_world_content(image, out)


@pytest.mark.parametrize("k", [1, 2, 3, -1, 5])
@pytest.mark.parametrize("axes", [(0, 1), (1, 2), (2, 0), (-2, -1)])
def test_rot90_equals_numpy_and_keeps_world_positions(k, axes):
    data = np.random.default_rng(16).random((1, 3, 4, 5))
    image = oblique_image(data)
    out = P.rot90(image, k, axes)
    np.testing.assert_array_equal(out.array, np.rot90(data, k, tuple(a % 3 + 1 for a in axes)))
    assert_same_world_content(image, out)


def test_rot90_in_2d_and_the_default_plane():
    data = np.arange(12.0).reshape(1, 3, 4)
    np.testing.assert_array_equal(P.rot90(data), np.rot90(data, 1, (1, 2)))
    assert np.shares_memory(P.rot90(data, 4), data)


def test_orientation_codes():
    assert P.orientation_code(medimg.Geometry((1, 1, 1))) == "LPS"
    assert P.orientation_code(medimg.Geometry((1, 1, 1), direction=np.diag([-1, -1, 1]))) == "RAS"
    assert P.orientation_code(medimg.Image(np.zeros((1, 2, 2)))) == "LP"


@pytest.mark.parametrize("code", ["RAS", "LPS", "RPI", "SAL", "ipr"])
def test_reorient_equals_nibabel_on_a_real_volume(code):
    nib = pytest.importorskip("nibabel")
    from nibabel import orientations as ornt
    path = shared("nifti_variety/anatomical.nii")
    image = medimg.io.read_nifti(path)
    out = P.reorient(image, code)
    assert P.orientation_code(out) == code.upper()
    assert_same_world_content(image, P.crop(out, (0, 0, 0), (3, 4, 5)))
    # nibabel works on (x, y, z) arrays: ours are (z, y, x).
    nifti = nib.load(str(path))
    transform = ornt.ornt_transform(ornt.io_orientation(nifti.affine),
                                    ornt.axcodes2ornt(code.upper()))
    expected = ornt.apply_orientation(np.asanyarray(nifti.dataobj), transform)
    np.testing.assert_array_equal(out.array[0], expected.T)


def test_reorient_2d_and_bad_codes():
    image = medimg.Image(np.arange(6.0).reshape(1, 2, 3), spacing=(1, 2))
    out = P.reorient(image, "RA")
    np.testing.assert_array_equal(out.array[0], np.arange(6.0).reshape(2, 3)[::-1, ::-1])
    assert_same_world_content(image, out)
    for bad in ["LP", "LPX", "LLS", "LPSA"]:
        with pytest.raises(medimg.ArgumentError):
            P.reorient(medimg.Image(np.zeros((1, 2, 2, 2))), bad)
    with pytest.raises(medimg.ArgumentError, match="no axis"):
        P.reorient(image, "LS")


# --- warps ----------------------------------------------------------------------------------

def cv2_rotation_matrix(center, degrees, scale):
    """cv2.getRotationMatrix2D's formula (OpenCV's documentation)."""
    a = scale * np.cos(np.radians(degrees))
    b = scale * np.sin(np.radians(degrees))
    cx, cy = center
    return np.array([[a, b, (1 - a) * cx - b * cy], [-b, a, b * cx + (1 - a) * cy]])


def test_affine_about_center_2d_is_cv2_rotation_matrix():
    matrix = P.affine_about_center((40, 50), rotation=np.radians(30), scale=1.2)
    np.testing.assert_allclose(matrix[:2], cv2_rotation_matrix((24.5, 19.5), 30, 1.2), atol=1e-12)
    np.testing.assert_array_equal(matrix[2], [0, 0, 1])


@pytest.mark.parametrize("border", ["constant", "edge", "reflect", "mirror", "wrap"])
def test_warp_affine_2d_on_a_real_ct_slice(data_dir, border):
    """cv2.warpAffine's definition: dst(x, y) = src(M^-1 (x, y)), pixel centres at integers,
    i.e. scipy's affine_transform with the inverse in (y, x) order."""
    ct = medimg.io.read_dicom(data_dir / "ct_small.dcm")
    forward = np.vstack([cv2_rotation_matrix((60, 70), 17, 0.9), [0, 0, 1]])
    forward[:2, 2] += (3.5, -2.25)
    out = P.warp_affine(ct, forward[:2], border=border, fill_value=-1000)
    assert out.geometry == ct.geometry
    swap = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    pull = swap @ np.linalg.inv(forward) @ swap
    expected = ndi.affine_transform(ct.array[0].astype(np.float64), pull, order=1,
                                    mode=SCIPY_MODE[border], cval=-1000)
    np.testing.assert_allclose(out.array[0], expected, atol=1e-3)  # HU magnitudes, float32
    inverse = P.warp_affine(ct, np.linalg.inv(forward), inverse_map=True, border=border,
                            fill_value=-1000)
    np.testing.assert_allclose(inverse.array, out.array, atol=1e-3)


@pytest.mark.parametrize("interpolation", list(ORDER))
def test_warp_affine_3d_equals_scipy(interpolation):
    rng = np.random.default_rng(17)
    data = rng.random((1, 12, 13, 11)).astype(np.float32)
    forward = P.affine_about_center((12, 13, 11), rotation=(0.3, -0.2, 0.1), scale=(1.1, 0.9, 1),
                                    translation=(1, -2, 0.5), shear=(0.1, 0, -0.05))
    out = P.warp_affine(data, forward, interpolation=interpolation, border="mirror")
    expected = ndi.affine_transform(data[0].astype(np.float64), np.linalg.inv(forward),
                                    order=ORDER[interpolation], mode="mirror")
    np.testing.assert_allclose(out[0], expected, atol=1e-4)
    np.testing.assert_allclose(
        P.warp_affine(data, np.linalg.inv(forward)[:3], inverse_map=True,
                      interpolation=interpolation, border="mirror"), out, atol=1e-6)


def test_quarter_turn_about_the_centre_is_rot90():
    data = np.random.default_rng(18).random((1, 9, 9)).astype(np.float32)
    matrix = P.affine_about_center((9, 9), rotation=np.pi / 2)
    np.testing.assert_allclose(P.warp_affine(data, matrix), np.rot90(data, 1, (1, 2)), atol=1e-5)
    volume = np.random.default_rng(19).random((1, 7, 7, 7)).astype(np.float32)
    for plane, axes in enumerate([(2, 3), (1, 3), (1, 2)]):
        angles = [0.0, 0.0, 0.0]
        angles[plane] = np.pi / 2
        matrix = P.affine_about_center((7, 7, 7), rotation=angles)
        np.testing.assert_allclose(P.warp_affine(volume, matrix), np.rot90(volume, 1, axes),
                                   atol=1e-5)


def test_shear_and_translation_directions():
    matrix = P.affine_about_center((5, 5), shear=0.5, translation=(1, 2))
    # (x, y) order: x += 0.5 * (y - 2), then x += 2 and y += 1 (translation is (y, x)).
    np.testing.assert_allclose(matrix, [[1, 0.5, 1], [0, 1, 1], [0, 0, 1]])


# --- bad input ------------------------------------------------------------------------------

def test_bad_input_is_refused():
    volume = np.zeros((1, 4, 5, 6), np.float32)
    with pytest.raises(medimg.ShapeError, match="channel"):
        P.resample(np.zeros((4, 5)), shape=(2, 2))
    with pytest.raises(medimg.ShapeError):
        P.map_coordinates(np.zeros((4, 5)), np.zeros((2, 3)))
    with pytest.raises(medimg.ShapeError, match="empty"):
        P.affine_transform(np.zeros((1, 0, 5)), np.eye(3))
    with pytest.raises(medimg.ShapeError):
        P.map_coordinates(volume, np.zeros((2, 3)))
    with pytest.raises(medimg.ArgumentError, match="float32 or float64"):
        from medimg._medimg import _map_coordinates
        _map_coordinates(torch.zeros(1, 3, 3), torch.zeros(2, 4, dtype=torch.int32), "linear",
                         "constant", 0.0, True)
    for spacing in [0.0, -1.0, np.nan]:
        with pytest.raises(medimg.ArgumentError, match="spacing"):
            P.resample(volume, spacing)
    with pytest.raises(medimg.ArgumentError, match="spacing, the new shape"):
        P.resample(volume)
    with pytest.raises(medimg.ShapeError, match=">= 1"):
        P.resample(volume, shape=(2, 0, 3))
    with pytest.raises(medimg.ShapeError):
        P.resample(volume, (1.0, 2.0))
    with pytest.raises(medimg.ShapeError, match="4x4"):
        P.affine_transform(volume, np.eye(3))
    with pytest.raises(medimg.ShapeError, match="2-dimensional"):
        P.warp_affine(volume, np.eye(4).ravel())
    with pytest.raises(medimg.ArgumentError, match="last row"):
        P.affine_transform(volume, np.ones((4, 4)))
    with pytest.raises(medimg.ArgumentError, match="finite"):
        P.affine_transform(volume, np.full((4, 4), np.nan))
    with pytest.raises(medimg.ArgumentError, match="singular"):
        P.warp_affine(volume, np.zeros((3, 4)))
    with pytest.raises(medimg.ShapeError, match=">= 1"):
        P.affine_transform(volume, np.eye(4), (2, -1, 3))
    with pytest.raises(medimg.ArgumentError, match="interpolation"):
        P.resample(volume, 2.0, interpolation="cubic")
    with pytest.raises(medimg.ArgumentError, match="border"):
        P.warp_affine(volume, np.eye(4), border="periodic")
    with pytest.raises(medimg.ArgumentError, match="label resampling"):
        P.resample_labels(volume, 2.0, mode="majority")
    with pytest.raises(medimg.ArgumentError, match="orientation letter"):
        P.reorient(volume, "LPQ")
    with pytest.raises(medimg.ArgumentError, match="axis 3"):
        P.flip(volume, [3])
    with pytest.raises(medimg.ArgumentError, match="differ"):
        P.rot90(volume, 1, (1, 1))
    with pytest.raises(medimg.ShapeError, match="2D"):
        P.resample_to(volume, medimg.Image(np.zeros((1, 3, 3))))
    with pytest.raises(medimg.ArgumentError, match="reference"):
        P.resample_to(volume, np.zeros((1, 3, 3, 3)))
