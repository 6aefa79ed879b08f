"""Classification metrics in scikit-learn's argument order, seeded bootstrap confidence
intervals, and the metric accumulator.

Inputs are numpy arrays, torch tensors (CPU) or sequences: labels ``(N,)`` of bool or
integer dtype, scores ``(N,)`` (binary) or ``(N, K)`` (one column per class) of any real
dtype. Where a function returns an array it is a torch.Tensor when ``y_true`` is one, else a
numpy array. See docs/metrics_classification.md for the conventions (ties, NaN rules).
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Tuple, Union

import numpy as np
import torch

from .._medimg import (
    ArgumentError,
    ConfidenceInterval,
    MetricAccumulator,
    _accuracy,
    _balanced_accuracy,
    _bootstrap_ci,
    _cohen_kappa,
    _confusion_matrix,
    _pr_auc,
    _roc_auc,
    _roc_curve,
    _sensitivity_at_specificity,
)

__all__ = ["ConfidenceInterval", "MetricAccumulator", "accuracy", "balanced_accuracy",
           "bootstrap_ci", "cohen_kappa", "confusion_matrix", "pr_auc", "roc_auc", "roc_curve",
           "sensitivity_at_specificity"]

Array = Union[np.ndarray, torch.Tensor]


def _tensor(x: Any, name: str) -> torch.Tensor:
    """``x`` as a tensor, sharing memory where torch.as_tensor can."""
    if isinstance(x, torch.Tensor):
        return x.detach()
    array = np.asarray(x)
    if array.size == 0 and not isinstance(x, np.ndarray):
        array = array.astype(np.int64)  # [] is float64 to numpy: let the check say "empty"
    if array.dtype == np.uint16:  # no LibTorch dtype: widen losslessly
        array = array.astype(np.int32)
    elif array.dtype == np.uint32:
        array = array.astype(np.int64)
    elif array.dtype.kind not in "biuf":
        raise ArgumentError(f"{name} must hold numbers or bools, got a numpy array of dtype "
                            f"{array.dtype}")
    return torch.as_tensor(array)


def _like(template: Any, result: torch.Tensor) -> Array:
    return result if isinstance(template, torch.Tensor) else result.numpy()


def confusion_matrix(y_true: Any, y_pred: Any, *, num_classes: Optional[int] = None) -> Array:
    """The ``(K, K)`` int64 confusion matrix: rows are true classes, columns predictions.

    Equal to ``sklearn.metrics.confusion_matrix(y_true, y_pred, labels=range(K))``.

    Parameters
    ----------
    y_true, y_pred : (N,) array, tensor or sequence of class indices 0..K-1 (bool or integer)
    num_classes : int, optional
        K; defaults to the largest label in either argument + 1.

    Returns
    -------
    (K, K) int64 numpy.ndarray, or torch.Tensor when y_true is one

    Raises
    ------
    medimg.ShapeError
        Labels that are not 1D or of different lengths.
    medimg.ArgumentError
        Empty labels, float labels, negative labels, labels >= num_classes or >= 10000.
    """
    result = _confusion_matrix(_tensor(y_true, "y_true"), _tensor(y_pred, "y_pred"),
                               num_classes)
    return _like(y_true, result)


def accuracy(y_true: Any, y_pred: Any) -> float:
    """The fraction of cases with ``y_pred == y_true``.

    Equal to ``sklearn.metrics.accuracy_score``. Labels may be any integers or bools.

    Raises
    ------
    medimg.ShapeError, medimg.ArgumentError
        As :func:`confusion_matrix`.
    """
    return _accuracy(_tensor(y_true, "y_true"), _tensor(y_pred, "y_pred"))


def balanced_accuracy(y_true: Any, y_pred: Any) -> float:
    """The mean recall over the classes present in ``y_true``.

    Equal to ``sklearn.metrics.balanced_accuracy_score``: a class that occurs only in
    ``y_pred`` is left out of the mean (scikit-learn warns and does the same).
    Labels are class indices 0..K-1.

    Raises
    ------
    medimg.ShapeError, medimg.ArgumentError
        As :func:`confusion_matrix`.
    """
    return _balanced_accuracy(_tensor(y_true, "y_true"), _tensor(y_pred, "y_pred"))


def roc_curve(y_true: Any, y_score: Any, *, drop_intermediate: bool = True
              ) -> Tuple[Array, Array, Array]:
    """False and true positive rates at every distinct score threshold.

    Equal to ``sklearn.metrics.roc_curve(y_true, y_score, drop_intermediate=...)`` except
    for the first threshold, which is ``+inf`` as in scikit-learn >= 1.3 (scikit-learn 1.2
    uses ``max(y_score) + 1``). Tied scores form one threshold.

    Parameters
    ----------
    y_true : (N,) array, tensor or sequence of 0/1 or bool
    y_score : (N,) array, tensor or sequence of real scores, higher meaning positive
        ``±inf`` is allowed, NaN is not.
    drop_intermediate : bool
        Drop points collinear with their neighbours (the area is unchanged), as
        scikit-learn does by default.

    Returns
    -------
    fpr, tpr, thresholds : (M,) float64 numpy.ndarray (torch.Tensor when y_true is one)
        Thresholds decrease; the first point is (0, 0) at ``+inf``. ``fpr`` is NaN when
        there are no negatives and ``tpr`` when there are no positives (scikit-learn warns
        and does the same).

    Raises
    ------
    medimg.ShapeError
        ``y_true`` not ``(N,)`` or ``y_score`` not ``(N,)``.
    medimg.ArgumentError
        Empty input, labels other than 0/1, NaN scores.
    """
    fpr, tpr, thresholds = _roc_curve(_tensor(y_true, "y_true"), _tensor(y_score, "y_score"),
                                      drop_intermediate)
    return _like(y_true, fpr), _like(y_true, tpr), _like(y_true, thresholds)


def roc_auc(y_true: Any, y_score: Any, *, average: str = "macro") -> float:
    """Area under the ROC curve, binary or multi-class one-vs-rest.

    Binary: ``y_score`` is ``(N,)``; equal to ``sklearn.metrics.roc_auc_score``.
    Multi-class: ``y_score`` is ``(N, K)`` and ``y_true`` holds classes 0..K-1; each column
    is scored against all other classes and the AUCs are averaged, equal to
    ``roc_auc_score(y_true, y_score, multi_class="ovr", average=average)``. The rows need not
    sum to 1 (scikit-learn requires it). O(N log N) per class.

    Parameters
    ----------
    y_true : (N,) array, tensor or sequence of labels (0/1, bool, or 0..K-1)
    y_score : (N,) or (N, K) array, tensor or sequence of real scores (no NaN)
    average : {"macro", "weighted"}
        Multi-class only: the plain mean over classes, or weighted by each class's
        number of true cases.

    Returns
    -------
    float
        NaN when ``y_true`` holds one class only (scikit-learn raises ``ValueError``).
        A class absent from ``y_true`` has no AUC and is left out of the multi-class mean
        (scikit-learn raises).

    Raises
    ------
    medimg.ShapeError
        Mismatched lengths or ranks, ``(N, 1)`` scores.
    medimg.ArgumentError
        Empty input, labels outside 0/1 (binary) or 0..K-1, NaN scores, an unknown
        ``average``.
    """
    return _roc_auc(_tensor(y_true, "y_true"), _tensor(y_score, "y_score"), average)


def pr_auc(y_true: Any, y_score: Any) -> float:
    """Average precision: the area under the precision-recall step curve.

    Equal to ``sklearn.metrics.average_precision_score(y_true, y_score)``:
    ``sum_n (R_n - R_{n-1}) P_n`` over the distinct score thresholds. Binary only.

    Returns
    -------
    float
        NaN when ``y_true`` has no positives (scikit-learn 1.2 returns 0.0 and warns);
        1.0 when it has no negatives.

    Raises
    ------
    medimg.ShapeError, medimg.ArgumentError
        As :func:`roc_curve`.
    """
    return _pr_auc(_tensor(y_true, "y_true"), _tensor(y_score, "y_score"))


def sensitivity_at_specificity(y_true: Any, y_score: Any, specificity: float) -> float:
    """The highest sensitivity of any threshold whose specificity is at least ``specificity``.

    A real operating point read off the ROC curve without interpolation: of the thresholds
    (the distinct scores and ``+inf``) with ``TN / (TN + FP) >= specificity``, the largest
    ``TP / (TP + FN)``. Equal to ``max(tpr[1 - fpr >= specificity])`` over
    ``sklearn.metrics.roc_curve(..., drop_intermediate=False)`` with the specificity computed
    as ``TN / N``.

    Returns
    -------
    float
        NaN when ``y_true`` holds one class only.

    Raises
    ------
    medimg.ArgumentError
        ``specificity`` outside [0, 1]; otherwise as :func:`roc_curve`.
    """
    return _sensitivity_at_specificity(_tensor(y_true, "y_true"), _tensor(y_score, "y_score"),
                                       float(specificity))


def cohen_kappa(y1: Any, y2: Any, *, weights: Optional[str] = None,
                num_classes: Optional[int] = None) -> float:
    """Cohen's kappa of two raters: ``1 - sum(W * O) / sum(W * E)``.

    ``O`` is the confusion matrix of the two label vectors and ``E`` its expectation under
    independent marginals. Weights use the class indices themselves, so a grade that neither
    rater used still separates its neighbours: equal to
    ``sklearn.metrics.cohen_kappa_score(y1, y2, labels=range(K), weights=weights)``, and to
    scikit-learn's default whenever every class 0..K-1 occurs.

    Parameters
    ----------
    y1, y2 : (N,) array, tensor or sequence of class indices 0..K-1
    weights : {None, "linear", "quadratic"}
        Penalty of a disagreement between classes i and j: 1, ``|i - j|`` or
        ``(i - j) ** 2`` (quadratic weighted kappa, as in diabetic-retinopathy grading).
    num_classes : int, optional
        K; defaults to the largest label + 1.

    Returns
    -------
    float
        NaN when both raters always give the same single class (0 / 0, as scikit-learn).

    Raises
    ------
    medimg.ShapeError, medimg.ArgumentError
        As :func:`confusion_matrix`; an unknown ``weights``.
    """
    return _cohen_kappa(_tensor(y1, "y1"), _tensor(y2, "y2"), weights, num_classes)


def bootstrap_ci(metric_fn: Callable[[torch.Tensor, torch.Tensor], float], y_true: Any,
                 y_score: Any, *, n: int = 1000, alpha: float = 0.05, seed: int = 0
                 ) -> ConfidenceInterval:
    """A percentile-bootstrap confidence interval of ``metric_fn(y_true, y_score)``.

    Draws ``n`` resamples of the N cases with replacement (rows along axis 0, so
    ``y_score`` may be ``(N,)`` or ``(N, K)``), evaluates the metric on each and returns the
    ``alpha / 2`` and ``1 - alpha / 2`` quantiles (numpy's linear interpolation). Resamples
    whose value is NaN (for ROC-AUC, a resample with one class only) are left out and
    ``n_valid`` counts the others. The same seed gives the same interval on every machine.

    Parameters
    ----------
    metric_fn : callable
        Called as ``metric_fn(y_true, y_score)`` with resampled torch tensors (CPU), e.g.
        :func:`roc_auc`, :func:`cohen_kappa` or ``functools.partial(roc_auc,
        average="weighted")``; returns a float.
    y_true, y_score : array, tensor or sequence with N cases along axis 0
    n : int
        Number of resamples, >= 1.
    alpha : float
        In (0, 1); 0.05 gives a 95% interval.
    seed : int
        Non-negative seed of the resampling.

    Returns
    -------
    ConfidenceInterval
        ``estimate`` (the metric on all cases), ``lower``, ``upper``, ``n_valid``.

    Raises
    ------
    medimg.ShapeError
        Different numbers of cases.
    medimg.ArgumentError
        No cases, ``n < 1``, ``alpha`` outside (0, 1), a seed outside [0, 2^64), a
        ``metric_fn`` that returns something other than a number.
    """
    if not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2 ** 64:
        raise ArgumentError(f"bootstrap_ci: seed must be an integer in [0, 2^64), got {seed!r}")

    def metric(t: torch.Tensor, s: torch.Tensor) -> float:
        # pybind11 would fail to cast a non-number with a bare RuntimeError.
        value = metric_fn(t, s)
        try:
            if not isinstance(value, (str, bytes)):
                return float(value)
        except (TypeError, ValueError):
            pass
        raise ArgumentError(f"bootstrap_ci: metric_fn must return a number, got "
                            f"{type(value).__name__}")

    return _bootstrap_ci(metric, _tensor(y_true, "y_true"), _tensor(y_score, "y_score"),
                         n, alpha, int(seed))
