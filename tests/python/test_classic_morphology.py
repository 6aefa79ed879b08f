"""medimg.classic morphology against scikit-image 0.19 and scipy.ndimage: every footprint
family, radii 1-7 in 2D and 1-4 in 3D, random and real (CT) masks and images."""

import numpy as np
import pytest
import scipy.ndimage as ndi
import torch
from skimage import morphology as sk

import medimg
from medimg import classic

from classic_data import ct_slice_hu, ct_volume_hu

BINARY = ["binary_erosion", "binary_dilation", "binary_opening", "binary_closing"]
GREY = ["erosion", "dilation", "opening", "closing"]

FOOTPRINTS_2D = ([("disk", r) for r in range(1, 8)] + [("diamond", r) for r in range(1, 8)]
                 + [("square", w) for w in (2, 3, 4, 5, 7, 9, 11, 13, 15)])
FOOTPRINTS_3D = ([("ball", r) for r in range(1, 5)] + [("octahedron", r) for r in range(1, 5)]
                 + [("cube", w) for w in (2, 3, 4, 5, 7, 9)])


def _blobs(shape, seed, fraction=0.5, sigma=2.0):
    rng = np.random.default_rng(seed)
    field = ndi.gaussian_filter(rng.random(shape), sigma)
    return field > np.quantile(field, 1 - fraction)


def _masks_2d():
    return {"random": _blobs((53, 47), 1), "ct": ct_slice_hu()[20:100, 10:90] > -320}


def _masks_3d():
    return {"random": _blobs((18, 21, 24), 2), "ct": ct_volume_hu()[:, 8:40, 4:36] > 0}


def _check_all(ops, images, footprints):
    for name in ops:
        for kind, image in images.items():
            for family, size in footprints:
                ours = getattr(classic, name)(image, getattr(classic, family)(size))
                expected = getattr(sk, name)(image, getattr(sk, family)(size))
                assert ours.dtype == expected.dtype, (name, kind, family, size)
                assert np.array_equal(ours, expected), (name, kind, family, size)


def test_footprints_are_scikit_image_arrays():
    for family, size in FOOTPRINTS_2D + FOOTPRINTS_3D:
        ours = np.asarray(getattr(classic, family)(size))
        assert ours.dtype == np.uint8
        assert np.array_equal(ours, getattr(sk, family)(size)), (family, size)
    assert repr(classic.disk(3)) == "disk(3)"
    assert classic.ball(2).kind == "ball" and classic.ball(2).shape == (5, 5, 5)
    assert classic.cube(4).count == 64 and classic.square(3).ndim == 2


@pytest.mark.parametrize("op", BINARY)
def test_binary_morphology_2d_equals_scikit_image(op):
    _check_all([op], _masks_2d(), FOOTPRINTS_2D)


@pytest.mark.parametrize("op", BINARY)
def test_binary_morphology_3d_equals_scikit_image(op):
    _check_all([op], _masks_3d(), FOOTPRINTS_3D)


@pytest.mark.parametrize("op", GREY)
def test_grey_morphology_2d_equals_scikit_image(op):
    rng = np.random.default_rng(3)
    images = {"uint8": (rng.random((41, 37)) * 255).astype(np.uint8),
              "ct int16": ct_slice_hu()[30:90, 20:80],
              "float32": ndi.gaussian_filter(rng.random((33, 39)), 1).astype(np.float32)}
    _check_all([op], images, FOOTPRINTS_2D)


@pytest.mark.parametrize("op", GREY)
def test_grey_morphology_3d_equals_scikit_image(op):
    rng = np.random.default_rng(4)
    images = {"ct int16": ct_volume_hu()[:12, 10:30, 8:30],
              "float64": rng.random((11, 13, 12))}
    _check_all([op], images, FOOTPRINTS_3D)


@pytest.mark.parametrize("ndim", [2, 3])
def test_arbitrary_footprints_even_and_asymmetric(ndim):
    rng = np.random.default_rng(5 + ndim)
    shape = (19, 23) if ndim == 2 else (9, 11, 12)
    mask = _blobs(shape, ndim)
    image = (rng.random(shape) * 1000).astype(np.int32)
    sizes = [(2, 3), (4, 1), (3, 5), (1, 6)] if ndim == 2 else [(2, 3, 2), (1, 3, 4), (3, 2, 5)]
    for fp_shape in sizes:
        fp = rng.random(fp_shape) > 0.4
        fp.flat[0] = True  # never empty
        for name in BINARY:
            assert np.array_equal(getattr(classic, name)(mask, fp), getattr(sk, name)(mask, fp)), \
                (name, fp_shape)
        for name in GREY:
            assert np.array_equal(getattr(classic, name)(image, fp),
                                  getattr(sk, name)(image, fp)), (name, fp_shape)


def test_input_kinds_and_default_footprint():
    mask = _blobs((30, 31), 6)
    expected = sk.binary_closing(mask)  # the cross by default
    assert np.array_equal(classic.binary_closing(mask), expected)
    out = classic.binary_closing(torch.from_numpy(mask), classic.disk(1))
    assert isinstance(out, torch.Tensor) and torch.equal(out, torch.from_numpy(expected))
    image = medimg.Image(mask[None].astype(np.uint8), spacing=(0.7, 0.8), origin=(1, 2, 3))
    result = classic.binary_closing(image, np.asarray(sk.diamond(1)))
    assert isinstance(result, medimg.Image) and result.geometry == image.geometry
    assert result.tensor.shape == (1, 30, 31) and np.array_equal(result.array[0], expected)
    grey = classic.dilation(torch.from_numpy(mask.astype(np.float32)), torch.ones(3, 3))
    assert np.array_equal(grey.numpy(), sk.dilation(mask.astype(np.float32), np.ones((3, 3))))
    with pytest.raises(medimg.ShapeError):
        classic.binary_erosion(medimg.Image(np.zeros((2, 5, 5), np.uint8)))


def test_edge_cases_have_defined_results():
    empty = np.zeros((12, 13), bool)
    full = np.ones((12, 13), bool)
    for name in BINARY:
        for mask in (empty, full):
            assert np.array_equal(getattr(classic, name)(mask, classic.disk(3)),
                                  getattr(sk, name)(mask, sk.disk(3))), name
    # Non-binary masks: non-zero is foreground, as scipy.ndimage reads them.
    labels = np.zeros((12, 13), np.int16)
    labels[2:6, 3:9] = 2
    labels[7:11, 5:12] = -7
    assert np.array_equal(classic.binary_opening(labels, classic.square(3)),
                          sk.binary_opening(labels, sk.square(3)))
    # Radius 0: the identity. Images smaller than the footprint.
    mask = _blobs((9, 8), 7)
    assert np.array_equal(classic.binary_dilation(mask, classic.disk(0)), mask)
    tiny = np.array([[1, 0], [0, 1]], bool)
    tiny_grey = np.array([[5, 1], [2, 7]], np.uint8)
    for name in BINARY:
        assert np.array_equal(getattr(classic, name)(tiny, classic.disk(5)),
                              getattr(sk, name)(tiny, sk.disk(5))), name
    for name in GREY:
        assert np.array_equal(getattr(classic, name)(tiny_grey, classic.disk(5)),
                              getattr(sk, name)(tiny_grey, sk.disk(5))), name
    one_slice = _blobs((1, 20, 20), 8)
    assert np.array_equal(classic.binary_closing(one_slice, classic.ball(2)),
                          sk.binary_closing(one_slice, sk.ball(2)))


def test_bad_input_raises():
    with pytest.raises(medimg.ArgumentError, match="radius"):
        classic.disk(-1)
    with pytest.raises(medimg.ArgumentError, match="width"):
        classic.square(0)
    with pytest.raises(medimg.ArgumentError, match="no non-zero"):
        classic.binary_erosion(np.ones((5, 5), bool), np.zeros((3, 3)))
    with pytest.raises(medimg.ShapeError, match="footprint"):
        classic.erosion(np.ones((5, 5, 5)), classic.disk(1))
    with pytest.raises(medimg.ShapeError):
        classic.binary_dilation(np.ones(5, bool), classic.disk(1))
    with pytest.raises(medimg.ShapeError):
        classic.binary_dilation(np.ones((0, 5), bool), classic.disk(1))
    with pytest.raises(medimg.Unsupported):
        classic.erosion(torch.ones(4, 4, dtype=torch.float16), classic.disk(1))


@pytest.mark.parametrize("ndim", [2, 3])
def test_fill_holes_equals_scipy(ndim):
    shape = (40, 45) if ndim == 2 else (16, 18, 20)
    mask = ~_blobs(shape, 9 + ndim, fraction=0.35, sigma=1.5)
    for connectivity in range(1, ndim + 1):
        structure = ndi.generate_binary_structure(ndim, connectivity)
        assert np.array_equal(classic.fill_holes(mask, connectivity),
                              ndi.binary_fill_holes(mask, structure)), connectivity
    real = ct_slice_hu() > -320
    assert np.array_equal(classic.fill_holes(real), ndi.binary_fill_holes(real))
    assert not classic.fill_holes(np.zeros((4, 4))).any()
    assert classic.fill_holes(np.ones((4, 4))).all()


@pytest.mark.parametrize("ndim", [2, 3])
def test_small_objects_and_holes_equal_scikit_image(ndim):
    shape = (50, 55) if ndim == 2 else (15, 17, 19)
    mask = _blobs(shape, 12 + ndim, fraction=0.45, sigma=1.2)
    for connectivity in range(1, ndim + 1):
        for size in (0, 1, 5, 20, 64):
            assert np.array_equal(classic.remove_small_objects(mask, size, connectivity),
                                  sk.remove_small_objects(mask, size, connectivity))
            assert np.array_equal(classic.remove_small_holes(mask, size, connectivity),
                                  sk.remove_small_holes(mask, size, connectivity))
    labels = ndi.label(mask)[0].astype(np.int32)
    ours = classic.remove_small_objects(labels, 10)
    assert ours.dtype == np.int32
    assert np.array_equal(ours, sk.remove_small_objects(labels, 10))
    with pytest.raises(medimg.ArgumentError):
        classic.remove_small_objects(mask.astype(np.float32), 10)
    with pytest.raises(medimg.ArgumentError, match="negative"):
        classic.remove_small_objects(-labels, 10)
