"""medimg.augment against numpy/scipy references: same seed same result, image and label
aligned, parameters distributed as configured, and each transform's formula."""

import numpy as np
import pytest
import scipy.ndimage as ndi
import scipy.stats
import torch

import medimg
from medimg import augment as A


def phantom_2d(shape=(48, 56)):
    """Three labelled discs and an image whose channel k is the indicator of label k + 1."""
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    label = np.zeros(shape, np.uint8)
    for k, (cy, cx, r) in enumerate([(14, 15, 6), (30, 38, 8), (36, 14, 5)], start=1):
        label[(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = k
    image = np.stack([(label == k).astype(np.float32) for k in (1, 2, 3)])
    return image, label


def phantom_3d(shape=(24, 28, 32)):
    zz, yy, xx = np.mgrid[:shape[0], :shape[1], :shape[2]]
    label = np.zeros(shape, np.uint8)
    for k, (cz, cy, cx, r) in enumerate([(8, 9, 10, 4), (14, 18, 22, 5)], start=1):
        label[(zz - cz) ** 2 + (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = k
    image = np.stack([(label == k).astype(np.float32) for k in (1, 2)])
    return image, label


SPATIAL = [
    lambda: A.RandAffine(rotation=(-30, 30), scale=(0.8, 1.2), translation=(-4, 4),
                         shear=(-0.1, 0.1)),
    lambda: A.RandFlip(probability=0.5),
    lambda: A.RandRot90(),
    lambda: A.RandElastic(sigma=(4, 6), magnitude=(20, 60)),
]
INTENSITY = [
    lambda: A.RandGamma(gamma=(0.5, 2.0)),
    lambda: A.RandGaussianNoise(std=(0.05, 0.2)),
    lambda: A.RandGaussianSmooth(sigma=(0.5, 1.5)),
    lambda: A.RandContrast(factor=(0.5, 1.5)),
    lambda: A.RandBrightness(multiplier=(0.8, 1.2), offset=(-0.1, 0.1)),
    lambda: A.RandBiasField(coefficients=(-0.3, 0.3)),
]


@pytest.mark.parametrize("make", SPATIAL + INTENSITY)
@pytest.mark.parametrize("phantom", [phantom_2d, phantom_3d])
def test_one_seed_one_result(make, phantom):
    image, label = phantom()
    t = make()
    a_img, a_lbl = t(image, label, seed=123)
    b_img, b_lbl = t(image, label, seed=123)
    np.testing.assert_array_equal(a_img, b_img)
    np.testing.assert_array_equal(a_lbl, b_lbl)
    assert type(a_img) is np.ndarray and a_lbl.shape == b_lbl.shape
    results = [t(image, label, seed=s)[0] for s in range(6)]
    assert any(not np.array_equal(results[0], r) for r in results[1:])


@pytest.mark.parametrize("make", SPATIAL)
@pytest.mark.parametrize("phantom", [phantom_2d, phantom_3d])
def test_labels_move_with_the_image(make, phantom):
    image, label = phantom()
    t = make()
    for seed in range(5):
        out_img, out_lbl = t(image, label, seed=seed)
        assert out_lbl.dtype == label.dtype
        assert set(np.unique(out_lbl)) <= set(np.unique(label))
        for k in range(1, image.shape[0] + 1):
            if (out_lbl == k).sum() < 20:  # moved (mostly) out of the field of view
                continue
            centroid_label = np.array(ndi.center_of_mass(out_lbl == k))
            centroid_image = np.array(ndi.center_of_mass(out_img[k - 1]))
            assert np.abs(centroid_label - centroid_image).max() < 0.6


def test_affine_moves_a_landmark_where_the_matrix_says():
    image, label = phantom_3d()
    t = A.RandAffine(rotation=(-20, 20), scale=(0.9, 1.1), translation=(-2, 2))
    rng = A.Random(4)
    params = t.sample(rng, label.shape)
    _, out = t.apply(image, params, label)
    matrix = A.affine_matrix(params, label.shape, [1.0, 1.0, 1.0])
    for k in (1, 2):
        centre_in = np.array(ndi.center_of_mass(label == k))
        centre_out = np.array(ndi.center_of_mass(out == k))
        np.testing.assert_allclose(matrix[:3, :3] @ centre_out + matrix[:3, 3], centre_in,
                                   atol=0.5)


def test_affine_equals_scipy_affine_transform():
    rng = np.random.default_rng(0)
    volume = rng.random((1, 12, 14, 16)).astype(np.float32)
    t = A.RandAffine(rotation=(-15, 15), scale=(0.9, 1.1), shear=(-0.1, 0.1),
                     translation=(-1, 1), interpolation="linear")
    image = medimg.Image(volume, spacing=(2.0, 1.0, 0.8))
    params = t.sample(A.Random(9), (12, 14, 16))
    out = t.apply(image, params).array
    matrix = A.affine_matrix(params, (12, 14, 16), (2.0, 1.0, 0.8))
    expected = ndi.affine_transform(volume[0].astype(np.float64), matrix, order=1,
                                    mode="grid-constant", cval=0.0)
    np.testing.assert_allclose(out[0], expected, atol=1e-5)


def test_parameter_distributions_match_the_ranges():
    t = A.RandAffine(rotation=(-15, 15), scale=(0.9, 1.1), translation=(-5, 5),
                     isotropic_scale=False)
    rng = A.Random(2024)
    draws = [t.sample(rng, (16, 16, 16)) for _ in range(4000)]
    angles = np.degrees([a for d in draws for a in d.angles])
    scales = np.array([s for d in draws for s in d.scales])
    shifts = np.array([s for d in draws for s in d.translation])
    assert angles.min() >= -15 and angles.max() <= 15
    for values, low, high in [(angles, -15, 15), (scales, 0.9, 1.1), (shifts, -5, 5)]:
        assert scipy.stats.kstest(values, "uniform", args=(low, high - low)).pvalue > 0.01
    flips = np.array([A.RandFlip(probability=0.3).sample(rng, (8, 8)) for _ in range(4000)])
    np.testing.assert_allclose(flips.mean(axis=0), 0.3, atol=0.03)
    ks = [A.RandRot90().sample(rng, (8, 8)) for _ in range(4000)]
    np.testing.assert_allclose(np.bincount(ks, minlength=4) / 4000, 0.25, atol=0.03)


def test_flip_and_rot90_equal_numpy():
    image, label = phantom_2d()
    flip = A.RandFlip()
    out, out_lbl = flip.apply(image, [True, False], label)
    np.testing.assert_array_equal(out, image[:, ::-1])
    np.testing.assert_array_equal(out_lbl, label[::-1])
    rot = A.RandRot90()
    img = medimg.Image(image, spacing=(2.0, 0.5))
    turned = rot.apply(img, 3)
    np.testing.assert_array_equal(turned.array, np.rot90(image, 3, axes=(1, 2)))
    assert turned.spacing == (0.5, 2.0)


def test_elastic_equals_map_coordinates_on_its_field():
    image, _ = phantom_2d()
    t = A.RandElastic(sigma=(5, 5), magnitude=(30, 30))
    params = t.sample(A.Random(1), image.shape[1:])
    field = t.displacement(params, list(image.shape[1:])).numpy()
    assert field.shape == (2,) + image.shape[1:]
    # The field: uniform(-1, 1) smoothed with zero outside, times the magnitude.
    assert 0 < np.abs(field).max() < 30
    grid = np.mgrid[:image.shape[1], :image.shape[2]].astype(np.float32)
    coords = grid + field
    out = t.apply(image, params)
    for c in range(image.shape[0]):
        expected = ndi.map_coordinates(image[c].astype(np.float64), coords, order=1,
                                       mode="grid-constant")
        np.testing.assert_allclose(out[c], expected, atol=1e-5)


def test_intensity_formulas():
    rng = np.random.default_rng(1)
    x = rng.normal(100, 20, (2, 9, 11)).astype(np.float32)
    gamma = A.RandGamma().apply(x, 1.7)
    lo = x.reshape(2, -1).min(1)[:, None, None]
    span = x.reshape(2, -1).max(1)[:, None, None] - lo
    np.testing.assert_allclose(gamma, ((x - lo) / (span + 1e-7)) ** 1.7 * span + lo, rtol=1e-5)

    smooth = A.RandGaussianSmooth().apply(x, [1.3, 0.7])
    for c in range(2):
        np.testing.assert_allclose(smooth[c], ndi.gaussian_filter(x[c], (1.3, 0.7)), atol=1e-4)

    bias = A.RandBiasField(degree=2)
    coeffs = list(rng.uniform(-0.2, 0.2, len(A.bias_field_terms(2, 2))))
    field = np.zeros(x.shape[1:])
    ly = np.polynomial.legendre.legvander(np.linspace(-1, 1, 9), 2)
    lx = np.polynomial.legendre.legvander(np.linspace(-1, 1, 11), 2)
    for c, (i, j) in zip(coeffs, A.bias_field_terms(2, 2)):
        field += c * np.outer(ly[:, i], lx[:, j])
    np.testing.assert_allclose(bias.apply(x, coeffs), x * np.exp(field), rtol=1e-5)

    params = A.RandGaussianNoise(std=(0.5, 0.5)).sample(A.Random(3), x.shape[1:])
    noisy = A.RandGaussianNoise().apply(np.zeros((1, 200, 200), np.float32), params)
    assert abs(noisy.std() - 0.5) < 0.01


def test_inputs_keep_their_kind_and_labels_their_channel_axis():
    image, label = phantom_2d()
    t = A.RandFlip(probability=1.0)
    out, lbl = t(torch.from_numpy(image), torch.from_numpy(label), seed=0)
    assert isinstance(out, torch.Tensor) and isinstance(lbl, torch.Tensor)
    assert lbl.shape == label.shape
    img = medimg.Image(image, spacing=(0.7, 0.9), origin=(1, 2, 3))
    out, lbl = t(img, medimg.Image(label[None]), seed=0)
    assert isinstance(out, medimg.Image) and out.spacing == (0.7, 0.9)
    assert lbl.geometry == img.geometry


def test_compose_with_a_seed_is_reproducible():
    image, label = phantom_3d()

    def pipeline(seed):
        return A.Compose([(A.RandAffine(rotation=(-10, 10)), 0.8), A.RandFlip(),
                          (A.RandGaussianNoise(), 0.5)], seed=seed)

    a, b = pipeline(5), pipeline(5)
    for _ in range(3):
        ia, la = a(image, label)
        ib, lb = b(image, label)
        np.testing.assert_array_equal(ia, ib)
        np.testing.assert_array_equal(la, lb)
    assert len(a) == 3
    with pytest.raises(medimg.ArgumentError):
        A.Compose([(A.RandFlip(), 1.5)])


def test_crop_by_label_centres_on_foreground_with_the_given_probability():
    label = np.zeros((40, 40, 40), np.uint8)
    label[30:33, 5:8, 20:23] = 1
    image = medimg.Image(np.random.default_rng(0).random((1, 40, 40, 40)).astype(np.float32),
                         spacing=(2.0, 1.0, 1.0), origin=(10, 20, 30))
    t = A.RandCropByLabel(size=(8, 8, 8), foreground_probability=0.4)
    rng = A.Random(0)
    hits = 0
    draws = 3000
    for _ in range(draws):
        start = t.sample(rng, image, medimg.Image(label[None]))
        assert all(0 <= s <= 32 for s in start)
        hits += label[start[0]:start[0] + 8, start[1]:start[1] + 8, start[2]:start[2] + 8].any()
    # Random centres hit the 3x3x3 block about 2.5% of the time: 0.4 + 0.6 * 0.025, with a
    # binomial standard deviation of 0.009 over 3000 draws.
    assert abs(hits / draws - 0.415) < 0.03
    start = [30, 2, 18]
    patch, patch_label = t.apply(image, start, label)
    np.testing.assert_array_equal(patch.array[0], image.array[0, 30:38, 2:10, 18:26])
    np.testing.assert_array_equal(patch_label, label[30:38, 2:10, 18:26])
    world = image.geometry.index_to_world(np.array(start, float))
    np.testing.assert_allclose(patch.origin, world)


def test_crop_pads_an_image_smaller_than_the_patch():
    image = np.ones((1, 4, 6), np.float32)
    t = A.RandCropByLabel(size=(6, 6), fill_value=-1)
    start = t.sample(A.Random(0), medimg.Image(image))
    assert start == [-1, 0]
    patch = t.apply(image, start)
    assert patch.shape == (1, 6, 6)
    assert (patch[0, 0] == -1).all() and (patch[0, 5] == -1).all() and (patch[0, 1:5] == 1).all()


def test_affine_batch_equals_the_per_image_warp():
    image, _ = phantom_3d()
    t = A.RandAffine(rotation=(-15, 15), scale=(0.9, 1.1), translation=(-2, 2))
    rng = A.Random(8)
    shape = image.shape[1:]
    params = [t.sample(rng, shape) for _ in range(3)]
    batch = torch.from_numpy(np.stack([image] * 3))
    matrices = [A.affine_matrix(p, shape, [1.0, 1.0, 1.0]) for p in params]
    warped = A.affine_batch(batch, matrices, "linear", "constant").numpy()
    for item, p in zip(warped, params):
        np.testing.assert_allclose(item, t.apply(image, p), atol=1e-5)
    nearest = A.affine_batch(batch, matrices, "nearest", "edge")
    assert nearest.shape == batch.shape
    with pytest.raises(medimg.Unsupported):
        A.affine_batch(batch, matrices, "bspline3")
    with pytest.raises(medimg.ShapeError):
        A.affine_batch(batch, matrices[:2])


def test_bad_arguments_are_refused():
    image, label = phantom_2d()
    with pytest.raises(medimg.ArgumentError):
        A.RandGamma(gamma=(2.0, 1.0))
    with pytest.raises(medimg.ArgumentError):
        A.RandAffine(scale=(0.0, 1.0))
    with pytest.raises(medimg.ArgumentError):
        A.RandAffine(interpolation="cubic-ish")
    with pytest.raises(medimg.ArgumentError):
        A.RandFlip(probability=2.0)
    with pytest.raises(medimg.ShapeError):
        A.RandFlip()(image, label[:, :-1], seed=0)
    with pytest.raises(medimg.ArgumentError):
        A.RandFlip()(image, seed=1, random=A.Random(1))
    with pytest.raises(medimg.ShapeError):
        A.RandCropByLabel(size=(4, 4, 4))(image, seed=0)
    with pytest.raises(medimg.ArgumentError):
        A.RandCropByLabel(size=(0, 4))
