"""gaussian_filter / gaussian against scipy.ndimage.gaussian_filter."""

import numpy as np
import pytest
import scipy.ndimage as ndi
import torch

import medimg
from medimg import preprocess as P


@pytest.mark.parametrize("border", ["reflect", "constant", "edge", "mirror", "wrap"])
@pytest.mark.parametrize("shape,sigma", [((2, 17, 23), (1.5, 0.8)), ((1, 9, 12, 14), 1.2),
                                         ((1, 5, 40), (0.0, 3.0)), ((1, 3, 4), 2.5)])
def test_gaussian_filter_equals_scipy(border, shape, sigma):
    x = np.random.default_rng(0).normal(size=shape)
    got = P.gaussian_filter(x, sigma, border=border, fill_value=0.5)
    scipy_mode = {"edge": "nearest", "wrap": "wrap"}.get(border, border)
    for c in range(shape[0]):
        expected = ndi.gaussian_filter(x[c], sigma, mode=scipy_mode, cval=0.5)
        np.testing.assert_allclose(got[c], expected, atol=1e-12)
    assert got.dtype == np.float64


def test_float32_rounds_per_axis_like_scipy_and_integers_promote():
    x = np.random.default_rng(1).random((1, 30, 31)).astype(np.float32)
    np.testing.assert_allclose(P.gaussian_filter(x, 2.0)[0], ndi.gaussian_filter(x[0], 2.0),
                               atol=1e-6)
    counts = torch.arange(60, dtype=torch.int16).reshape(1, 6, 10)
    out = P.gaussian_filter(counts, 1.0, truncate=2.0)
    assert out.dtype == torch.float32
    np.testing.assert_allclose(out[0].numpy(), ndi.gaussian_filter(counts[0].numpy().astype(
        np.float64), 1.0, truncate=2.0), atol=1e-4)


def test_gaussian_on_an_image_takes_sigma_in_mm():
    x = np.random.default_rng(2).random((1, 12, 20)).astype(np.float64)
    image = medimg.Image(x, spacing=(2.0, 0.5), origin=(1, 2, 3))
    out = P.gaussian(image, 2.0)
    np.testing.assert_allclose(out.array[0], ndi.gaussian_filter(x[0], (1.0, 4.0)), atol=1e-12)
    assert out.geometry == image.geometry


def test_bad_sigma():
    x = np.zeros((1, 4, 4))
    with pytest.raises(medimg.ArgumentError):
        P.gaussian_filter(x, -1.0)
    with pytest.raises(medimg.ShapeError):
        P.gaussian_filter(x, (1.0, 1.0, 1.0))
    with pytest.raises(medimg.ArgumentError):
        P.gaussian_filter(x, 1.0, truncate=0.0)
    with pytest.raises(medimg.ArgumentError):
        P.gaussian_filter(x, 1.0, border="sideways")
    with pytest.raises(medimg.ShapeError):
        P.gaussian_filter(np.zeros((4, 4)), 1.0)
