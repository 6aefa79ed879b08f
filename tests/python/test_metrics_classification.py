"""Classification metrics, bootstrap intervals and MetricAccumulator against scikit-learn
and numpy, on random and adversarial inputs."""

import functools
import math
import warnings

import numpy as np
import pytest
import torch
from sklearn import metrics as skm

import medimg
from medimg import metrics

TOL = 1e-9


def _quiet(fn, *args, **kwargs):
    """scikit-learn or numpy with their warnings (undefined metric, 0/0) silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _binary_cases():
    rng = np.random.default_rng(1234)
    cases = {}
    for seed in range(4):
        r = np.random.default_rng(seed)
        n = int(r.integers(2, 3000))
        y = r.integers(0, 2, n)
        cases[f"random{seed}"] = (y, r.normal(size=n) + y)
    y = rng.integers(0, 2, 2000)
    cases["ties"] = (y, np.round(rng.random(2000) + 0.3 * y, 1))
    cases["heavy_ties_float32"] = (y, np.round(rng.random(2000) * 3).astype(np.float32))
    cases["all_equal"] = (y, np.full(2000, 0.25))
    cases["perfect"] = (y, y + rng.random(2000) * 0.5)
    cases["inverted"] = (y, -(y + rng.random(2000) * 0.5))
    cases["integer_scores"] = (y, rng.integers(-3, 4, 2000))
    cases["bool_labels"] = (y.astype(bool), rng.random(2000))
    cases["one_positive"] = (np.eye(1, 500, 17, dtype=np.int64)[0], rng.random(500))
    cases["one_negative"] = (1 - np.eye(1, 500, 17, dtype=np.int64)[0], rng.random(500))
    cases["two_cases"] = (np.array([1, 0]), np.array([0.3, 0.3]))
    cases["signed_zero"] = (np.array([0, 1, 0, 1]), np.array([-0.0, 0.0, 1.0, -1.0]))
    cases["float32_small"] = (np.array([0, 0, 1, 1]),
                              np.array([0.1, 0.4, 0.35, 0.8], np.float32))
    return cases


BINARY = _binary_cases()


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_scores_match_sklearn(name):
    y, s = BINARY[name]
    assert metrics.roc_auc(y, s) == pytest.approx(skm.roc_auc_score(y, s), abs=TOL)
    assert metrics.pr_auc(y, s) == pytest.approx(skm.average_precision_score(y, s), abs=TOL)
    for drop in (True, False):
        fpr, tpr, thresholds = metrics.roc_curve(y, s, drop_intermediate=drop)
        ref_fpr, ref_tpr, ref_thresholds = skm.roc_curve(y, s, drop_intermediate=drop)
        np.testing.assert_allclose(fpr, ref_fpr, rtol=0, atol=TOL)
        np.testing.assert_allclose(tpr, ref_tpr, rtol=0, atol=TOL)
        # scikit-learn 1.2's first threshold is max + 1; medimg's is +inf (scikit-learn 1.3)
        assert thresholds[0] == np.inf
        np.testing.assert_array_equal(thresholds[1:], ref_thresholds[1:].astype(np.float64))


def _sensitivity_reference(y, s, specificity):
    fpr, tpr, _ = skm.roc_curve(y, s, drop_intermediate=False)
    negatives = np.count_nonzero(np.asarray(y) == 0)
    false_positives = np.round(fpr * negatives)
    return tpr[(negatives - false_positives) / negatives >= specificity].max()


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("specificity", [0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 1.0])
def test_sensitivity_at_specificity_matches_roc_curve(name, specificity):
    y, s = BINARY[name]
    assert metrics.sensitivity_at_specificity(y, s, specificity) == pytest.approx(
        _sensitivity_reference(y, s, specificity), abs=TOL)


@pytest.mark.parametrize("kind", ["numpy", "torch", "list"])
def test_every_input_kind_gives_the_same_value(kind):
    y, s = BINARY["ties"]
    convert = {"numpy": lambda a: a, "torch": torch.from_numpy, "list": lambda a: a.tolist()}
    yk, sk = convert[kind](y), convert[kind](s)
    assert metrics.roc_auc(yk, sk) == pytest.approx(skm.roc_auc_score(y, s), abs=TOL)
    fpr, _, _ = metrics.roc_curve(yk, sk)
    assert isinstance(fpr, torch.Tensor if kind == "torch" else np.ndarray)
    assert fpr.dtype in (np.float64, torch.float64)
    cm = metrics.confusion_matrix(yk, yk)
    assert isinstance(cm, torch.Tensor if kind == "torch" else np.ndarray)


def test_one_class_only_is_nan_where_sklearn_raises():
    s = np.array([0.2, 0.9, 0.4])
    for y in (np.zeros(3, np.int64), np.ones(3, np.int64)):
        with pytest.raises(ValueError, match="Only one class present"):
            skm.roc_auc_score(y, s)
        assert math.isnan(metrics.roc_auc(y, s))
        assert math.isnan(metrics.sensitivity_at_specificity(y, s, 0.9))
        fpr, tpr, _ = metrics.roc_curve(y, s)
        ref_fpr, ref_tpr, _ = _quiet(skm.roc_curve, y, s)
        np.testing.assert_array_equal(fpr, ref_fpr)  # NaN where sklearn has NaN
        np.testing.assert_array_equal(tpr, ref_tpr)
    # no positives: undefined recall (sklearn 1.2 returns 0 and warns); no negatives: 1
    assert math.isnan(metrics.pr_auc(np.zeros(3, np.int64), s))
    assert metrics.pr_auc(np.ones(3, np.int64), s) == skm.average_precision_score(np.ones(3), s)


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("average", ["macro", "weighted"])
@pytest.mark.parametrize("rounded", [False, True])
def test_multiclass_one_vs_rest_matches_sklearn(seed, average, rounded):
    rng = np.random.default_rng(seed)
    k = 3 + seed
    y = rng.integers(0, k, 1500)
    y[:k] = np.arange(k)  # every class present
    p = _softmax(rng.normal(size=(1500, k)) + 1.5 * np.eye(k)[y])
    if rounded:  # many ties; rows renormalised so scikit-learn accepts them
        p = np.round(p, 1) + 1e-3
        p /= p.sum(axis=1, keepdims=True)
    expected = skm.roc_auc_score(y, p, multi_class="ovr", average=average)
    assert metrics.roc_auc(y, p, average=average) == pytest.approx(expected, abs=TOL)
    assert metrics.roc_auc(torch.from_numpy(y), torch.from_numpy(p).float(),
                           average=average) == pytest.approx(
        skm.roc_auc_score(y, p.astype(np.float32), multi_class="ovr", average=average),
        abs=TOL)


@pytest.mark.parametrize("average", ["macro", "weighted"])
def test_multiclass_with_a_missing_class_averages_the_present_ones(average):
    rng = np.random.default_rng(5)
    y = rng.choice([0, 1, 3], 800)  # class 2 of 4 never occurs
    p = _softmax(rng.normal(size=(800, 4)) + np.eye(4)[y])
    with pytest.raises(ValueError):
        skm.roc_auc_score(y, p, multi_class="ovr", labels=[0, 1, 2, 3])
    present = [0, 1, 3]
    per_class = [skm.roc_auc_score(y == c, p[:, c]) for c in present]
    support = [np.count_nonzero(y == c) for c in present]
    expected = np.average(per_class, weights=support if average == "weighted" else None)
    assert metrics.roc_auc(y, p, average=average) == pytest.approx(expected, abs=TOL)
    assert math.isnan(metrics.roc_auc(np.full(5, 2), p[:5]))


def _label_cases():
    rng = np.random.default_rng(99)
    y = rng.integers(0, 5, 3000)
    noisy = np.where(rng.random(3000) < 0.3, rng.integers(0, 5, 3000), y)
    return {
        "random": (y, noisy),
        "off_by_one": (y, np.clip(y + rng.integers(-1, 2, 3000), 0, 4)),
        "perfect": (y, y),
        "missing_middle_class": (np.where(y == 2, 1, y), np.where(noisy == 2, 3, noisy)),
        "binary_bool": (y > 2, noisy > 2),
        "class_only_in_pred": (np.array([0, 0, 1, 1]), np.array([0, 2, 1, 1])),
        "disjoint": (np.array([0, 0, 0]), np.array([1, 1, 1])),
    }


LABELS = _label_cases()


@pytest.mark.parametrize("name", sorted(LABELS))
def test_label_metrics_match_sklearn(name):
    a, b = LABELS[name]
    k = int(max(a.max(), b.max())) + 1
    np.testing.assert_array_equal(metrics.confusion_matrix(a, b),
                                  skm.confusion_matrix(a, b, labels=range(k)))
    assert metrics.accuracy(a, b) == pytest.approx(skm.accuracy_score(a, b), abs=TOL)
    assert metrics.balanced_accuracy(a, b) == pytest.approx(
        _quiet(skm.balanced_accuracy_score, a, b), abs=TOL)
    for weights in (None, "linear", "quadratic"):
        expected = _quiet(skm.cohen_kappa_score, a, b, labels=range(k), weights=weights)
        assert metrics.cohen_kappa(a, b, weights=weights) == pytest.approx(
            expected, abs=TOL, nan_ok=True)


def test_kappa_equals_sklearn_default_when_all_classes_occur_and_nan_when_certain():
    a, b = LABELS["off_by_one"]
    assert metrics.cohen_kappa(a, b, weights="quadratic") == pytest.approx(
        skm.cohen_kappa_score(a, b, weights="quadratic"), abs=TOL)
    same = np.array([3, 3, 3])
    assert math.isnan(metrics.cohen_kappa(same, same))
    assert math.isnan(_quiet(skm.cohen_kappa_score, same, same))
    assert metrics.cohen_kappa(a, b, num_classes=7) == pytest.approx(
        skm.cohen_kappa_score(a, b), abs=TOL)


def test_confusion_matrix_num_classes_pads():
    cm = metrics.confusion_matrix([0, 1], [1, 1], num_classes=3)
    np.testing.assert_array_equal(cm, [[0, 1, 0], [0, 1, 0], [0, 0, 0]])
    assert cm.dtype == np.int64


def test_bad_input_raises_the_documented_errors():
    y, s = np.array([0, 1, 1]), np.array([0.1, 0.2, 0.3])
    with pytest.raises(medimg.ShapeError,
                       match=r"^roc_auc: y_true has 3 cases but y_score has shape \[2\]$"):
        metrics.roc_auc(y, s[:2])
    with pytest.raises(medimg.ShapeError, match=r"roc_auc: y_score must be \(N,\) for binary"):
        metrics.roc_auc(y, np.zeros((3, 2, 1)))
    with pytest.raises(medimg.ShapeError, match=r"K >= 2 classes, got shape \[3, 1\]"):
        metrics.roc_auc(y, s[:, None])
    with pytest.raises(medimg.ShapeError, match=r"y_true must be 1D \(N,\), got shape \[3, 1\]"):
        metrics.pr_auc(y[:, None], s)
    with pytest.raises(medimg.ArgumentError,
                       match=r"^roc_curve: y_score contains NaN \(first at index 1\)$"):
        metrics.roc_curve(y, [0.1, np.nan, 0.3])
    with pytest.raises(medimg.ArgumentError, match=r"index 2, column 1\)$"):
        metrics.roc_auc([0, 1, 1], [[0.1, 0.2], [0.3, 0.4], [0.5, np.nan]])
    with pytest.raises(medimg.ArgumentError, match=r"^roc_auc: y_true is empty \(N = 0\)$"):
        metrics.roc_auc(np.array([], np.int64), np.array([]))
    with pytest.raises(medimg.ArgumentError,
                       match="binary y_true must hold 0 or 1, got 2 at index 0"):
        metrics.roc_auc([2, 0, 1], s)
    with pytest.raises(medimg.ArgumentError, match="must hold bool or integer labels, got "
                                                   "dtype Double"):
        metrics.roc_auc([0.0, 1.0, 1.0], s)
    with pytest.raises(medimg.ArgumentError, match="y_true holds class 3 at index 1 but "
                                                   "num_classes is 3"):
        metrics.roc_auc([0, 3, 1], np.ones((3, 3)))
    with pytest.raises(medimg.ArgumentError,
                       match="average must be 'macro' or 'weighted', got 'micro'"):
        metrics.roc_auc(y, s, average="micro")
    with pytest.raises(medimg.ArgumentError,
                       match="weights must be None, 'linear' or 'quadratic', got 'cubic'"):
        metrics.cohen_kappa(y, y, weights="cubic")
    with pytest.raises(medimg.ArgumentError, match="specificity must be in \\[0, 1\\], got -0.1"):
        metrics.sensitivity_at_specificity(y, s, -0.1)
    with pytest.raises(medimg.ArgumentError, match="must hold class indices >= 0, got -1"):
        metrics.confusion_matrix([0, -1], [0, 1])
    with pytest.raises(medimg.ArgumentError, match="y_true must hold numbers or bools"):
        metrics.accuracy(["a", "b"], [0, 1])
    with pytest.raises(medimg.ShapeError, match="y1 has 3 cases but y2 has shape"):
        metrics.cohen_kappa(y, y[:2])
    with pytest.raises(medimg.Unsupported, match="Half"):
        metrics.roc_auc(y, torch.tensor(s).half())


def test_bootstrap_is_seeded_and_contains_the_estimate():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 600)
    s = rng.normal(size=600) + y
    first = metrics.bootstrap_ci(metrics.roc_auc, y, s, n=300, seed=11)
    again = metrics.bootstrap_ci(metrics.roc_auc, y, s, n=300, seed=11)
    other = metrics.bootstrap_ci(metrics.roc_auc, y, s, n=300, seed=12)
    assert (first.lower, first.upper) == (again.lower, again.upper)
    assert (first.lower, first.upper) != (other.lower, other.upper)
    assert first.estimate == metrics.roc_auc(y, s)
    assert first.lower < first.estimate < first.upper
    assert first.n_valid == 300
    # the 95% interval of an AUC near 0.76 from 600 cases is a few hundredths wide
    assert 0.03 < first.upper - first.lower < 0.15
    for fn in (metrics.pr_auc, functools.partial(metrics.sensitivity_at_specificity,
                                                 specificity=0.8)):
        ci = metrics.bootstrap_ci(fn, y, s, n=200, seed=1)
        assert ci.lower <= ci.estimate <= ci.upper


def test_bootstrap_takes_multiclass_scores_and_label_pairs():
    a, b = LABELS["off_by_one"]
    kappa = functools.partial(metrics.cohen_kappa, weights="quadratic")
    ci = metrics.bootstrap_ci(kappa, a, b, n=100, seed=0)
    assert ci.lower <= ci.estimate <= ci.upper
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    p = _softmax(rng.normal(size=(300, 3)) + np.eye(3)[y])
    weighted = functools.partial(metrics.roc_auc, average="weighted")
    ci = metrics.bootstrap_ci(weighted, y, p, n=100, seed=0)
    assert ci.estimate == pytest.approx(
        skm.roc_auc_score(y, p, multi_class="ovr", average="weighted"), abs=TOL)
    assert ci.lower <= ci.estimate <= ci.upper


def test_bootstrap_percentiles_and_nan_resamples():
    calls = []

    def counter(y_true, y_score):
        assert isinstance(y_true, torch.Tensor) and isinstance(y_score, torch.Tensor)
        assert y_true.shape == (7,) and y_score.shape == (7, 2)
        calls.append(1)
        return float(len(calls) - 1)  # 0 for the estimate, then 1, 2, ..., n

    ci = metrics.bootstrap_ci(counter, np.arange(7), np.zeros((7, 2)), n=40, alpha=0.1)
    assert ci.estimate == 0
    assert ci.lower == pytest.approx(np.quantile(np.arange(1, 41), 0.05), abs=1e-12)
    assert ci.upper == pytest.approx(np.quantile(np.arange(1, 41), 0.95), abs=1e-12)
    # one positive in 20 cases: about a third of resamples miss it and give NaN
    y = np.zeros(20, np.int64)
    y[0] = 1
    ci = metrics.bootstrap_ci(metrics.roc_auc, y, np.linspace(0, 1, 20), n=200, seed=4)
    assert 30 < ci.n_valid < 200


def test_bootstrap_errors():
    y = np.array([0, 1, 1, 0])

    def fails(a, b):
        raise KeyError("from the metric")

    with pytest.raises(KeyError, match="from the metric"):
        metrics.bootstrap_ci(fails, y, y)
    with pytest.raises(medimg.ShapeError,
                       match=r"^bootstrap_ci: y_true has 4 cases but y_score has shape \[3\]$"):
        metrics.bootstrap_ci(metrics.roc_auc, y, y[:3])
    with pytest.raises(medimg.ArgumentError, match=r"alpha must be in \(0, 1\), got 1.5"):
        metrics.bootstrap_ci(metrics.roc_auc, y, y, alpha=1.5)
    with pytest.raises(medimg.ArgumentError, match="n must be >= 1, got 0"):
        metrics.bootstrap_ci(metrics.roc_auc, y, y, n=0)


def test_accumulator_matches_numpy_nan_reductions():
    rng = np.random.default_rng(8)
    batches = [rng.normal(size=(b, 3)) for b in (4, 1, 7)]
    batches[0][1, 2] = np.nan
    batches[2][[0, 3], 2] = np.nan
    batches[1][0, 0] = np.nan
    acc = metrics.MetricAccumulator()
    acc.update(batches[0])
    acc.update(torch.from_numpy(batches[1]).float())
    acc.update(torch.from_numpy(batches[2]))
    everything = np.concatenate([batches[0], batches[1].astype(np.float32), batches[2]])
    assert len(acc) == acc.num_cases == 12 and acc.num_channels == 3
    np.testing.assert_array_equal(acc.values().numpy(), everything)
    np.testing.assert_array_equal(acc.nan_count().numpy(), [1, 0, 3])
    np.testing.assert_array_equal(acc.count().numpy(), [11, 12, 9])
    for name, fn in [("mean", np.nanmean), ("std", np.nanstd), ("median", np.nanmedian),
                     ("min", np.nanmin), ("max", np.nanmax)]:
        np.testing.assert_allclose(acc.reduce(name).numpy(), fn(everything, axis=0),
                                   rtol=1e-12, atol=0)
    for q in (0, 5, 25, 50, 95, 100):
        np.testing.assert_allclose(acc.percentile(q).numpy(),
                                   np.nanpercentile(everything, q, axis=0), rtol=1e-12)


def test_accumulator_scalars_all_nan_and_errors():
    acc = metrics.MetricAccumulator()
    acc.update(0.5)
    acc.update(2)
    acc.update(np.array([np.nan, 1.5]))
    assert acc.reduce("mean").tolist() == [pytest.approx(4 / 3, abs=1e-15)]
    assert acc.nan_count().tolist() == [1]
    with pytest.raises(medimg.ShapeError, match=r"expected 1 channel\(s\) per case as in "
                                                r"earlier updates, got shape \[2, 2\]"):
        acc.update(np.zeros((2, 2)))
    with pytest.raises(medimg.ShapeError, match=r"got shape \[1, 1, 1\]"):
        acc.update(np.zeros((1, 1, 1)))
    with pytest.raises(medimg.ArgumentError, match="reduction must be 'mean', 'std', "
                                                   "'median', 'min' or 'max', got 'sum'"):
        acc.reduce("sum")
    with pytest.raises(medimg.ArgumentError, match=r"q must be in \[0, 100\], got 150"):
        acc.percentile(150)
    acc.reset()
    with pytest.raises(medimg.ArgumentError, match="no values collected"):
        acc.reduce("mean")
    acc.update(np.full((2, 2), np.nan))
    assert np.isnan(acc.reduce("median").numpy()).all()
    assert np.isnan(_quiet(np.nanmedian, np.full((2, 2), np.nan), axis=0)).all()
    assert repr(acc) == "MetricAccumulator(num_cases=2, num_channels=2)"
