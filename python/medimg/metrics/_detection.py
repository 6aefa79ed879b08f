"""Detection evaluation with the LUNA16 semantics: matching, FROC and CPM.

Detections and findings are given as records or as columns, without pandas:

- a sequence of mappings, one per mark:
  ``{"case_id": "scan-1", "center_mm": (x, y, z), "score": 0.9}`` for a detection,
  ``{"case_id": "scan-1", "center_mm": (x, y, z), "diameter_mm": 6.0}`` for a finding, with an
  optional ``"excluded": True`` for an irrelevant finding;
- a mapping of columns with the same keys (``"center_mm"`` a ``(N, 3)`` array, the others
  ``(N,)``), or a numpy structured array with those fields.

Centres are world ``(x, y, z)`` LPS millimetres; case ids are compared as strings.
See docs/metrics_detection.md.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any, Dict, List, Tuple

import numpy as np

from .._medimg import (
    ArgumentError,
    DetectionMatch,
    FrocCurve,
    ShapeError,
    _cpm,
    _froc,
    _match_detections,
    _sensitivity_at_fp,
)

__all__ = ["DetectionMatch", "FrocCurve", "match_detections", "froc", "sensitivity_at_fp",
           "cpm", "LUNA16_FP_RATES"]

#: The false-positive rates per scan that LUNA16's CPM averages over.
LUNA16_FP_RATES: Tuple[float, ...] = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)

_DETECTION_KEYS = ("case_id", "center_mm", "score")
_FINDING_KEYS = ("case_id", "center_mm", "diameter_mm")


def _columns(marks: Any, what: str, keys: Sequence[str], optional: Dict[str, Any]
             ) -> Dict[str, Any]:
    """The columns of `marks` (records, a mapping of columns or a structured array)."""
    if isinstance(marks, np.ndarray) and marks.dtype.names is not None:
        marks = {name: marks[name] for name in marks.dtype.names}
    if isinstance(marks, Mapping):
        missing = [key for key in keys if key not in marks]
        if missing:
            raise ArgumentError(f"{what} columns need the keys {list(keys)}, missing {missing}")
        columns = {key: marks[key] for key in keys}
        for key, default in optional.items():
            columns[key] = marks[key] if key in marks else [default] * len(columns["case_id"])
        return columns
    if isinstance(marks, (str, bytes)) or not isinstance(marks, Sequence):
        raise ArgumentError(
            f"{what} must be a sequence of mappings, a mapping of columns or a numpy "
            f"structured array, got {type(marks).__name__}")
    columns: Dict[str, List[Any]] = {key: [] for key in (*keys, *optional)}
    for index, record in enumerate(marks):
        if not isinstance(record, Mapping):
            raise ArgumentError(
                f"{what} {index} must be a mapping with the keys {list(keys)}, "
                f"got {type(record).__name__}")
        missing = [key for key in keys if key not in record]
        if missing:
            raise ArgumentError(f"{what} {index} has no {missing} (expected keys {list(keys)})")
        for key in keys:
            columns[key].append(record[key])
        for key, default in optional.items():
            columns[key].append(record.get(key, default))
    return columns


def _case_ids(values: Any) -> List[str]:
    return [str(value) for value in np.asarray(values, dtype=object).reshape(-1)]


def _real_column(values: Any, what: str, key: str) -> np.ndarray:
    try:
        column = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ArgumentError(f"{what} {key} must be numbers: {error}") from None
    return column


def _centers(values: Any, count: int, what: str) -> np.ndarray:
    centers = _real_column(values, what, "center_mm")
    if count == 0 and centers.size == 0:
        return np.zeros((0, 3))
    if centers.shape != (count, 3):
        raise ShapeError(
            f"{what} center_mm must be {count} points (x, y, z), i.e. shape ({count}, 3), "
            f"got shape {centers.shape}")
    return centers


def _detection_arrays(detections: Any) -> Tuple[List[str], np.ndarray, np.ndarray]:
    columns = _columns(detections, "detection", _DETECTION_KEYS, {})
    case_ids = _case_ids(columns["case_id"])
    scores = _real_column(columns["score"], "detection", "score").reshape(-1)
    return case_ids, _centers(columns["center_mm"], len(case_ids), "detection"), scores


def _finding_arrays(ground_truth: Any
                    ) -> Tuple[List[str], np.ndarray, np.ndarray, np.ndarray]:
    columns = _columns(ground_truth, "finding", _FINDING_KEYS, {"excluded": False})
    case_ids = _case_ids(columns["case_id"])
    diameters = _real_column(columns["diameter_mm"], "finding", "diameter_mm").reshape(-1)
    excluded = np.asarray(columns["excluded"], dtype=bool).reshape(-1)
    return (case_ids, _centers(columns["center_mm"], len(case_ids), "finding"), diameters,
            excluded)


def match_detections(detections: Any, ground_truth: Any, *, radius_scale: float = 1.0,
                     min_radius_mm: float = 0.0) -> DetectionMatch:
    """Match detections (CAD marks) to findings (reference nodules) with LUNA16's rule.

    A detection hits a finding of the same case when its centre lies strictly inside the
    finding's sphere, ``|detection - finding|**2 < r**2`` with
    ``r = max(radius_scale * diameter_mm / 2, min_radius_mm)``. Each included finding is
    detected once, by its highest-scoring hit (the first in input order on ties); its other
    hits are duplicates. A detection hitting no included finding but an excluded one is
    ignored; every other detection is a false positive.

    Parameters
    ----------
    detections : records or columns with ``case_id``, ``center_mm``, ``score``
        N marks; ``center_mm`` is world ``(x, y, z)`` LPS mm, ``score`` finite.
    ground_truth : records or columns with ``case_id``, ``center_mm``, ``diameter_mm``
        M findings; optional ``excluded`` (default False) marks LUNA16's irrelevant findings.
        ``diameter_mm`` must be finite and >= 0.
    radius_scale : float, default 1.0
        Multiplies the finding radius; LUNA16 uses 1.
    min_radius_mm : float, default 0.0
        Lower bound of the hit radius after scaling (useful for point annotations).

    Returns
    -------
    DetectionMatch
        ``labels`` ``(N,)`` str array (``"true_positive"``, ``"false_positive"``,
        ``"duplicate"``, ``"excluded"``); ``matched_finding`` ``(N,)`` int64 (-1 for false
        positives); ``finding_scores`` ``(M,)`` float64 (NaN when missed or excluded);
        ``finding_detection`` ``(M,)`` int64 (-1 when missed or excluded).

    Raises
    ------
    medimg.ArgumentError
        A missing key, a non-finite score or centre, a negative or NaN diameter, or an
        option out of range.
    medimg.ShapeError
        ``center_mm`` is not ``(N, 3)`` or the columns differ in length.

    Examples
    --------
    >>> from medimg.metrics import match_detections
    >>> m = match_detections([{"case_id": "a", "center_mm": (1, 0, 0), "score": 0.9}],
    ...                      [{"case_id": "a", "center_mm": (0, 0, 0), "diameter_mm": 6}])
    >>> m.labels.tolist()
    ['true_positive']

    .. versionadded:: 0.1
    """
    return _match_detections(*_detection_arrays(detections), *_finding_arrays(ground_truth),
                             float(radius_scale), float(min_radius_mm))


def froc(detections: Any, ground_truth: Any, num_cases: int, *, radius_scale: float = 1.0,
         min_radius_mm: float = 0.0) -> FrocCurve:
    """The FROC curve as LUNA16's evaluation (noduleCADEvaluationLUNA16.py) computes it.

    The candidates are every detected included finding, with the score of its best hit, and
    every false positive; duplicates and marks on excluded findings are left out. At each
    distinct score ``t`` (decreasing) the curve has the point

    - ``fp_per_case = #(false positives with score >= t) / num_cases``,
    - ``sensitivity = #(included findings detected with score >= t) / #(included findings)``,

    after a first point ``(0, 0)`` at ``t = +inf``. Findings no detection hits count in the
    divisor only. Scikit-learn's ``roc_curve``, which LUNA16 calls, also drops collinear
    points (no interpolated value changes) and gives NaN sensitivities when no finding is
    detected; here they are 0. Without any included finding the sensitivity is NaN.

    Parameters
    ----------
    detections, ground_truth
        As for :func:`match_detections`.
    num_cases : int
        The number of scans evaluated, including scans without detections or findings: the
        FP divisor. At least 1 and at least the number of distinct case ids in the inputs.
    radius_scale, min_radius_mm : float
        As for :func:`match_detections`.

    Returns
    -------
    FrocCurve
        ``fp_per_case``, ``sensitivity``, ``thresholds``: ``(P,)`` float64 arrays;
        ``num_cases``, ``num_findings``, ``num_detected``, ``num_false_positives``.

    Raises
    ------
    medimg.ArgumentError
        As :func:`match_detections`, and for ``num_cases`` too small or not an integer.

    .. versionadded:: 0.1
    """
    try:
        cases = operator.index(num_cases)
    except TypeError:
        raise ArgumentError(
            f"num_cases must be an integer, got {type(num_cases).__name__} {num_cases!r}"
        ) from None
    return _froc(*_detection_arrays(detections), *_finding_arrays(ground_truth), cases,
                 float(radius_scale), float(min_radius_mm))


def sensitivity_at_fp(curve: FrocCurve, fp_per_case: float) -> float:
    """The sensitivity at ``fp_per_case`` false positives per scan.

    Linear interpolation of the curve exactly as ``numpy.interp(fp_per_case,
    curve.fp_per_case, curve.sensitivity)``, which LUNA16's script uses: where the curve
    reaches that FP rate several times, the highest sensitivity; past its end, the last one.

    Parameters
    ----------
    curve : FrocCurve
        From :func:`froc`.
    fp_per_case : float
        Finite and >= 0, e.g. 4 for "sensitivity at 4 FP/scan".

    Returns
    -------
    float
        NaN when the curve has no included finding.

    .. versionadded:: 0.1
    """
    return _sensitivity_at_fp(curve, float(fp_per_case))


def cpm(curve: FrocCurve, fp_rates: Sequence[float] = LUNA16_FP_RATES) -> float:
    """The competition performance metric: the mean sensitivity over ``fp_rates``.

    LUNA16's CPM averages :func:`sensitivity_at_fp` at 1/8, 1/4, 1/2, 1, 2, 4 and 8 false
    positives per scan (:data:`LUNA16_FP_RATES`).

    Parameters
    ----------
    curve : FrocCurve
        From :func:`froc`.
    fp_rates : sequence of float, default LUNA16_FP_RATES
        Non-empty; each finite and >= 0.

    Returns
    -------
    float
        NaN when the curve has no included finding.

    .. versionadded:: 0.1
    """
    rates = _real_column(fp_rates, "cpm", "fp_rates").reshape(-1)
    return _cpm(curve, rates.tolist())
