"""Overlap metrics against numpy, with MONAI's empty-mask convention."""

import math

import numpy as np
import pytest
import torch

import medimg
from medimg import metrics


def _numpy_scores(p, r):
    tp = np.sum(p & r); fp = np.sum(p & ~r); fn = np.sum(~p & r); tn = np.sum(~p & ~r)
    return {"dice": 2 * tp / (2 * tp + fp + fn), "iou": tp / (tp + fp + fn),
            "sensitivity": tp / (tp + fn), "specificity": tn / (tn + fp),
            "precision": tp / (tp + fp),
            "volume_similarity": 1 - abs(int(fp) - int(fn)) / (2 * tp + fp + fn)}


@pytest.mark.parametrize("kind", ["bool", "uint8", "int64", "torch", "image"])
def test_binary_masks_match_numpy_exactly(kind):
    rng = np.random.default_rng(3)
    p = rng.random((17, 33, 29)) > 0.6
    r = rng.random((17, 33, 29)) > 0.5
    convert = {"bool": lambda m: m, "uint8": lambda m: m.astype(np.uint8),
               "int64": lambda m: m.astype(np.int64), "torch": torch.from_numpy,
               "image": lambda m: medimg.Image(m[None].astype(np.uint8))}[kind]
    for name, expected in _numpy_scores(p, r).items():
        assert getattr(metrics, name)(convert(p), convert(r)) == expected, name


def test_large_binary_masks_use_every_block():
    rng = np.random.default_rng(4)
    p = rng.random((3, 200, 301)) > 0.5  # not a multiple of the 64 Ki block
    r = rng.random((3, 200, 301)) > 0.5
    (background, foreground) = metrics.confusion_counts(p, r)
    assert (foreground.tp, foreground.fp, foreground.fn, foreground.tn) == (
        np.sum(p & r), np.sum(p & ~r), np.sum(~p & r), np.sum(~p & ~r))
    assert (background.tp, background.fn) == (foreground.tn, foreground.fp)


def test_label_maps_score_each_class():
    rng = np.random.default_rng(5)
    p = rng.integers(0, 4, size=(40, 50))
    r = rng.integers(0, 4, size=(40, 50))
    expected = [_numpy_scores(p == k, r == k)["dice"] for k in range(4)]
    np.testing.assert_array_equal(metrics.dice(p, r), expected[1:])
    np.testing.assert_array_equal(metrics.dice(p, r, include_background=True), expected)
    np.testing.assert_array_equal(metrics.iou(p.astype(np.uint8), r.astype(np.uint8),
                                              num_classes=6)[:3],
                                  [_numpy_scores(p == k, r == k)["iou"] for k in (1, 2, 3)])
    assert np.isnan(metrics.dice(p, r, num_classes=6)[-1])  # classes 4, 5 absent in both


def test_empty_masks_follow_monai_or_score_one():
    empty = np.zeros((4, 4), bool)
    full = np.ones((4, 4), bool)
    assert math.isnan(metrics.dice(empty, empty))
    assert metrics.dice(empty, empty, empty_score=1.0) == 1.0
    assert metrics.dice(empty, full) == 0.0
    assert math.isnan(metrics.sensitivity(full, empty))
    assert math.isnan(metrics.precision(empty, full))
    assert metrics.specificity(empty, empty) == 1.0


def test_bad_input():
    a = np.zeros((3, 4), bool)
    with pytest.raises(medimg.ShapeError, match=r"same shape, got \[3, 4\] and \[4, 3\]"):
        metrics.dice(a, a.T)
    with pytest.raises(medimg.ArgumentError, match="label maps.*Float"):
        metrics.dice(np.zeros((3, 4), np.float32), np.zeros((3, 4), np.float32))
    with pytest.raises(medimg.ArgumentError, match=r"outside \[0, 2\)"):
        metrics.dice(np.full((3, 4), 2, np.uint8), np.zeros((3, 4), np.uint8), num_classes=2)
    with pytest.raises(medimg.ArgumentError, match=r"label -1 is outside \[0, 3\)"):
        metrics.dice(np.full((3, 4), -1), np.zeros((3, 4), np.int64), num_classes=3)
    with pytest.raises(medimg.ArgumentError, match=r"num_classes must be in \[2, 10000\]"):
        metrics.dice(a, a, num_classes=1)
