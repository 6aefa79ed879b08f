"""channel_stats against numpy's nan-aware reductions, for every input kind."""

import numpy as np
import pytest
import torch

import medimg


def _numpy_reference(array):
    flat = array.reshape(array.shape[0], -1).astype(np.float64)
    return [(np.count_nonzero(~np.isnan(c)), np.nanmin(c), np.nanmax(c), np.nanmean(c),
             np.nanstd(c)) for c in flat]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16, np.uint8])
@pytest.mark.parametrize("kind", ["numpy", "torch", "image"])
def test_matches_numpy(dtype, kind):
    rng = np.random.default_rng(7)
    array = (rng.normal(100, 40, size=(2, 9, 31, 17))).clip(0, 255).astype(dtype)
    given = {"numpy": array, "torch": torch.from_numpy(array),
             "image": medimg.Image(array)}[kind]
    for stats, (count, lo, hi, mean, std) in zip(medimg.channel_stats(given),
                                                 _numpy_reference(array)):
        assert stats.count == count and stats.nan_count == 0
        assert stats.min == lo and stats.max == hi
        assert stats.mean == pytest.approx(mean, rel=1e-12)
        assert stats.std == pytest.approx(std, rel=1e-10)


def test_nan_voxels_are_counted_and_ignored():
    array = np.array([[[1.0, np.nan], [3.0, np.inf]]], np.float32)
    (stats,) = medimg.channel_stats(array)
    assert (stats.count, stats.nan_count) == (3, 1)
    assert stats.min == 1 and stats.max == np.inf


def test_wrong_kind_is_an_argument_error():
    with pytest.raises(medimg.ArgumentError, match="numpy.ndarray"):
        medimg.channel_stats([[1, 2, 3]])
    with pytest.raises(medimg.Unsupported, match="Half"):
        medimg.channel_stats(torch.zeros(1, 2, 2, dtype=torch.float16))
