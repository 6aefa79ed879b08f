"""Overlap metrics from one pass of confusion counts: Dice, IoU, sensitivity, ..."""

from __future__ import annotations

from typing import Any, List, Optional, Union

import numpy as np
import torch

from .._medimg import ConfusionCounts, OverlapMetric, _confusion_counts, _overlap_score
from ._masks import spatial_mask

__all__ = ["confusion_counts", "dice", "iou", "sensitivity", "specificity", "precision",
           "volume_similarity"]

Score = Union[float, np.ndarray]


def _label_maps(pred: Any, ref: Any, num_classes: Optional[int]):
    p, _ = spatial_mask(pred, "pred")
    r, _ = spatial_mask(ref, "ref")
    if num_classes is None:
        if p.dtype == torch.bool and r.dtype == torch.bool:
            num_classes = 2
        elif p.dtype.is_floating_point or r.dtype.is_floating_point:
            num_classes = 2  # the C++ check names the dtype
        else:
            largest = max(int(p.max()) if p.numel() else 0, int(r.max()) if r.numel() else 0)
            num_classes = max(2, largest + 1)
    return p, r, num_classes


def confusion_counts(pred: Any, ref: Any, *, num_classes: Optional[int] = None
                     ) -> List[ConfusionCounts]:
    """tp, fp, fn, tn of every class 0..num_classes-1, in one parallel pass.

    Parameters
    ----------
    pred, ref : array, tensor or one-channel Image of labels (bool or integer), same shape
    num_classes : int, optional
        Defaults to 2 for bool masks, else the largest label + 1.
    """
    p, r, k = _label_maps(pred, ref, num_classes)
    return _confusion_counts(p, r, k)


def _score(metric: OverlapMetric, pred: Any, ref: Any, num_classes: Optional[int],
           include_background: bool, empty_score: float) -> Score:
    p, r, k = _label_maps(pred, ref, num_classes)
    counts = _confusion_counts(p, r, k)[0 if include_background else 1:]
    scores = np.array([_overlap_score(c, metric, empty_score) for c in counts])
    return float(scores[0]) if scores.size == 1 else scores


_DOC = """{title}

    Parameters
    ----------
    pred, ref : array, tensor or one-channel Image, same shape
        Binary masks (bool, or integers 0/1) or label maps (integers 0..K-1).
    num_classes : int, optional
        K; defaults to 2 for bool masks, else the largest label + 1.
    include_background : bool, default False
        Score class 0 too. Without it a binary mask gives one score, the foreground's.
    empty_score : float, default nan
        The score where the formula divides by zero ({empty}), NaN as in MONAI; 1.0 scores
        "nothing predicted, nothing there" as perfect.

    Returns
    -------
    float when one class is scored, else a (classes,) float64 array (class 1 first, or
    class 0 with include_background).
    """


def _make(metric: OverlapMetric, name: str, title: str, empty: str):
    def score(pred: Any, ref: Any, *, num_classes: Optional[int] = None,
              include_background: bool = False, empty_score: float = float("nan")) -> Score:
        return _score(metric, pred, ref, num_classes, include_background, empty_score)

    score.__name__ = score.__qualname__ = name
    score.__doc__ = _DOC.format(title=title, empty=empty)
    return score


dice = _make(OverlapMetric.dice, "dice", "Dice coefficient 2 tp / (2 tp + fp + fn).",
             "both masks empty")
iou = _make(OverlapMetric.iou, "iou", "Intersection over union (Jaccard) tp / (tp + fp + fn).",
            "both masks empty")
sensitivity = _make(OverlapMetric.sensitivity, "sensitivity",
                    "Sensitivity (recall) tp / (tp + fn).", "ref empty")
specificity = _make(OverlapMetric.specificity, "specificity", "Specificity tn / (tn + fp).",
                    "ref covers everything")
precision = _make(OverlapMetric.precision, "precision",
                  "Precision (positive predictive value) tp / (tp + fp).", "pred empty")
volume_similarity = _make(OverlapMetric.volume_similarity, "volume_similarity",
                          "Volume similarity 1 - |fp - fn| / (2 tp + fp + fn).",
                          "both masks empty")
