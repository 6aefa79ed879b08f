"""Detection metrics (match_detections, froc, sensitivity_at_fp, cpm) with LUNA16 semantics:
a hand-worked example, a numpy re-implementation from the definition on random scenarios,
LUNA16's own pipeline (scikit-learn's roc_curve + numpy.interp), a case built with known
sensitivities at every CPM rate, and bad input."""

import math

import numpy as np
import pytest

import medimg
from medimg.metrics import LUNA16_FP_RATES, cpm, froc, match_detections, sensitivity_at_fp

# --- (a) the hand-worked example of tests/cpp/metrics/detection_test.cpp ---------------------
#
#   finding  case  centre          diameter  radius^2
#   F0       a     (0, 0, 0)       10        25
#   F1       a     (30, 0, 0)      6         9
#   F2       b     (0, 0, 0)       8         16
#   F3       b     (20, 20, 20)    10        25        excluded
#   F4       b     (-50, 0, 0)     4         4         never hit
#
#   detection  case  centre         score  squared distance         label
#   D0         a     (1, 1, 1)      0.90   3 to F0                  duplicate (F0 has 0.95)
#   D1         a     (3, 0, 4)      0.60   25 to F0: not < 25       false positive
#   D2         a     (2, 0, 0)      0.95   4 to F0                  true positive
#   D3         a     (30, 2, 0)     0.30   4 to F1                  true positive
#   D4         b     (0, 0, 3.9)    0.50   15.21 to F2              true positive
#   D5         b     (21, 20, 20)   0.80   1 to F3 (excluded)       excluded
#   D6         b     (10, 10, 10)   0.70   far from all             false positive
#   D7         b     (30, 0, 0)     0.30   F1 is in case a          false positive
#   D8         c     (0, 0, 0)      0.85   c has no findings        false positive
#
# Four scans (d has nothing). FROC candidates by score: F0 0.95 TP, D8 0.85, D6 0.70,
# D1 0.60 FP, F2 0.50 TP, F1 0.30 TP tied with D7 0.30 FP:
#   threshold  inf  0.95  0.85  0.70  0.60  0.50  0.30
#   FP/scan    0    0     1/4   2/4   3/4   3/4   1
#   sens       0    1/4   1/4   1/4   1/4   2/4   3/4
# Sensitivity at 1/8, 1/4, 1/2 FP/scan: 1/4; at 1, 2, 4, 8: 3/4. CPM = 3.75 / 7.

FINDINGS = [
    {"case_id": "a", "center_mm": (0, 0, 0), "diameter_mm": 10},
    {"case_id": "a", "center_mm": (30, 0, 0), "diameter_mm": 6},
    {"case_id": "b", "center_mm": (0, 0, 0), "diameter_mm": 8},
    {"case_id": "b", "center_mm": (20, 20, 20), "diameter_mm": 10, "excluded": True},
    {"case_id": "b", "center_mm": (-50, 0, 0), "diameter_mm": 4},
]
DETECTIONS = [
    {"case_id": case, "center_mm": center, "score": score}
    for case, center, score in [
        ("a", (1, 1, 1), 0.90), ("a", (3, 0, 4), 0.60), ("a", (2, 0, 0), 0.95),
        ("a", (30, 2, 0), 0.30), ("b", (0, 0, 3.9), 0.50), ("b", (21, 20, 20), 0.80),
        ("b", (10, 10, 10), 0.70), ("b", (30, 0, 0), 0.30), ("c", (0, 0, 0), 0.85)]
]


def test_hand_worked_matching():
    match = match_detections(DETECTIONS, FINDINGS)
    assert match.labels.tolist() == [
        "duplicate", "false_positive", "true_positive", "true_positive", "true_positive",
        "excluded", "false_positive", "false_positive", "false_positive"]
    assert match.matched_finding.tolist() == [0, -1, 0, 1, 2, 3, -1, -1, -1]
    assert match.finding_detection.tolist() == [2, 3, 4, -1, -1]
    np.testing.assert_array_equal(match.finding_scores, [0.95, 0.30, 0.50, np.nan, np.nan])
    assert "true_positive=3" in repr(match)


def test_hand_worked_froc_and_cpm():
    curve = froc(DETECTIONS, FINDINGS, 4)
    np.testing.assert_array_equal(curve.thresholds,
                                  [np.inf, 0.95, 0.85, 0.70, 0.60, 0.50, 0.30])
    np.testing.assert_array_equal(curve.fp_per_case, [0, 0, 0.25, 0.5, 0.75, 0.75, 1.0])
    np.testing.assert_array_equal(curve.sensitivity, [0, 0.25, 0.25, 0.25, 0.25, 0.5, 0.75])
    assert (curve.num_cases, curve.num_findings, curve.num_detected,
            curve.num_false_positives) == (4, 4, 3, 4)
    assert [sensitivity_at_fp(curve, r) for r in LUNA16_FP_RATES] == [0.25] * 3 + [0.75] * 4
    assert cpm(curve) == pytest.approx(3.75 / 7, rel=1e-15)
    assert sensitivity_at_fp(curve, 4) == 0.75
    assert sensitivity_at_fp(curve, 0.75) == 0.5  # the higher of the two points at 3/4
    assert sensitivity_at_fp(curve, 0.875) == pytest.approx(0.625, rel=1e-15)  # the tie's diagonal


def test_input_forms_agree():
    """Records, a mapping of columns and a structured array give the same result."""
    columns = {"case_id": [d["case_id"] for d in DETECTIONS],
               "center_mm": np.array([d["center_mm"] for d in DETECTIONS]),
               "score": np.array([d["score"] for d in DETECTIONS])}
    structured = np.zeros(len(FINDINGS), dtype=[("case_id", "U4"), ("center_mm", "f8", 3),
                                                ("diameter_mm", "f8"), ("excluded", "?")])
    for k, f in enumerate(FINDINGS):
        structured[k] = (f["case_id"], f["center_mm"], f["diameter_mm"], f.get("excluded", False))
    reference = froc(DETECTIONS, FINDINGS, 4)
    for curve in (froc(columns, FINDINGS, 4), froc(DETECTIONS, structured, 4),
                  froc(columns, structured, np.int64(4))):
        np.testing.assert_array_equal(curve.fp_per_case, reference.fp_per_case)
        np.testing.assert_array_equal(curve.sensitivity, reference.sensitivity)
        np.testing.assert_array_equal(curve.thresholds, reference.thresholds)


def test_radius_options():
    # radius_scale 1.5: F0's radius is 7.5, D1 (distance 5) becomes a duplicate: 3 FPs left.
    assert match_detections(DETECTIONS, FINDINGS, radius_scale=1.5).labels[1] == "duplicate"
    assert froc(DETECTIONS, FINDINGS, 4, radius_scale=1.5).num_false_positives == 3
    point = [{"case_id": "a", "center_mm": (0, 0, 0), "diameter_mm": 0}]
    mark = [{"case_id": "a", "center_mm": (0, 0, 1), "score": 0.5}]
    assert match_detections(mark, point).labels.tolist() == ["false_positive"]
    assert match_detections(mark, point, min_radius_mm=2).labels.tolist() == ["true_positive"]


def test_empty_inputs():
    none = froc([], FINDINGS, 4)
    assert none.sensitivity.tolist() == [0.0] and cpm(none) == 0.0
    assert match_detections([], []).labels.shape == (0,)
    no_truth = froc(DETECTIONS[:2], [], 1)
    assert np.isnan(no_truth.sensitivity).all()
    assert math.isnan(cpm(no_truth)) and math.isnan(sensitivity_at_fp(no_truth, 4))


# --- (b) a re-implementation from the definition, on random scenarios ----------------------

def _arrays(detections, findings):
    d_case = np.array([d["case_id"] for d in detections], dtype=object)
    d_xyz = np.array([d["center_mm"] for d in detections], dtype=float).reshape(-1, 3)
    d_score = np.array([d["score"] for d in detections], dtype=float)
    f_case = np.array([f["case_id"] for f in findings], dtype=object)
    f_xyz = np.array([f["center_mm"] for f in findings], dtype=float).reshape(-1, 3)
    f_diam = np.array([f["diameter_mm"] for f in findings], dtype=float)
    f_excl = np.array([f.get("excluded", False) for f in findings], dtype=bool)
    return d_case, d_xyz, d_score, f_case, f_xyz, f_diam, f_excl


def reference_luna16(detections, findings, num_cases):
    """LUNA16's evaluation written from its definition with numpy."""
    d_case, d_xyz, d_score, f_case, f_xyz, f_diam, f_excl = _arrays(detections, findings)
    # hit[i, j]: detection i lies strictly inside finding j's sphere, same case.
    squared = ((d_xyz[:, None, :] - f_xyz[None, :, :]) ** 2).sum(axis=2)
    hit = (d_case[:, None] == f_case[None, :]) & (squared < (f_diam / 2)[None, :] ** 2)
    hits_included = hit[:, ~f_excl].any(axis=1)
    hits_excluded = hit[:, f_excl].any(axis=1)
    best = np.full(len(findings), np.nan)
    best_detection = np.full(len(findings), -1)
    for j in np.flatnonzero(~f_excl):
        if hit[:, j].any():
            scores = np.where(hit[:, j], d_score, -np.inf)
            best_detection[j] = int(np.argmax(scores))  # first maximum
            best[j] = scores[best_detection[j]]
    labels = np.where(hits_included, "duplicate",
                      np.where(hits_excluded, "excluded", "false_positive")).astype(object)
    labels[best_detection[best_detection >= 0]] = "true_positive"

    fp_scores = d_score[labels == "false_positive"]
    detected = best[~f_excl & (best_detection >= 0)]
    num_findings = int((~f_excl).sum())
    thresholds = np.unique(np.concatenate([fp_scores, detected]))[::-1]
    fps = np.array([(fp_scores >= t).sum() / num_cases for t in thresholds])
    sens = np.array([(detected >= t).sum() / num_findings if num_findings else np.nan
                     for t in thresholds])
    return (labels, best, np.r_[np.inf, thresholds], np.r_[0.0, fps],
            np.r_[0.0 if num_findings else np.nan, sens])


def random_scenario(rng, *, guarantee_both=False):
    cases = [f"scan-{k}" for k in range(rng.integers(2, 7))]
    num_cases = len(cases) + int(rng.integers(0, 3))  # some scans have nothing at all
    findings, detections = [], []

    def near(center, radius):
        direction = rng.normal(size=3)
        direction /= np.linalg.norm(direction)
        return tuple(np.asarray(center) + direction * radius * rng.uniform(0, 0.95))

    def score():
        return float(rng.choice(np.linspace(0, 1, 21)))  # coarse grid: many ties

    for case in cases:
        for _ in range(rng.integers(0, 5)):
            center = tuple(rng.uniform(0, 80, size=3))  # 80 mm cube: nodules may overlap
            diameter = float(rng.uniform(3, 30))
            excluded = bool(rng.random() < 0.25)
            findings.append({"case_id": case, "center_mm": center, "diameter_mm": diameter,
                             "excluded": excluded})
            for _ in range(rng.integers(0, 4)):  # hits, often several on one finding
                detections.append({"case_id": case, "center_mm": near(center, diameter / 2),
                                   "score": score()})
        for _ in range(rng.integers(0, 8)):  # anywhere: false positives or chance hits
            detections.append({"case_id": case, "center_mm": tuple(rng.uniform(0, 80, size=3)),
                               "score": score()})
    if guarantee_both:  # scikit-learn's roc_curve needs a positive and a negative
        findings.append({"case_id": cases[0], "center_mm": (500, 0, 0), "diameter_mm": 8})
        detections.append({"case_id": cases[0], "center_mm": (501, 0, 0), "score": score()})
        detections.append({"case_id": cases[0], "center_mm": (900, 0, 0), "score": score()})
    order = rng.permutation(len(detections))
    return [detections[k] for k in order], findings, num_cases


@pytest.mark.parametrize("seed", range(40))
def test_matches_the_definition_on_random_scenarios(seed):
    rng = np.random.default_rng(seed)
    detections, findings, num_cases = random_scenario(rng)
    labels, best, thresholds, fps, sens = reference_luna16(detections, findings, num_cases)

    match = match_detections(detections, findings)
    assert match.labels.tolist() == labels.tolist()
    np.testing.assert_array_equal(match.finding_scores, best)

    curve = froc(detections, findings, num_cases)
    np.testing.assert_array_equal(curve.thresholds, thresholds)
    np.testing.assert_array_equal(curve.fp_per_case, fps)
    np.testing.assert_array_equal(curve.sensitivity, sens)

    rates = np.r_[LUNA16_FP_RATES, rng.uniform(0, 3, size=10), fps]
    expected = np.interp(rates, fps, sens)
    actual = [sensitivity_at_fp(curve, r) for r in rates]
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=0)
    expected_cpm = np.mean(np.interp(LUNA16_FP_RATES, fps, sens))
    if np.isnan(expected_cpm):
        assert math.isnan(cpm(curve))
    else:
        assert cpm(curve) == pytest.approx(expected_cpm, rel=1e-12)


@pytest.mark.parametrize("seed", range(20))
def test_matches_luna16_roc_curve_pipeline(seed):
    """LUNA16's computeFROC: candidates labelled 1 (detected nodule, best score), 1 with an
    exclusion flag (missed nodule), 0 (false positive); scikit-learn's roc_curve on the kept
    ones, rescaled by the FP count / scans and detected / all nodules; numpy.interp."""
    from sklearn.metrics import roc_curve

    rng = np.random.default_rng(1000 + seed)
    detections, findings, num_cases = random_scenario(rng, guarantee_both=True)
    match = match_detections(detections, findings)
    included = ~np.array([f.get("excluded", False) for f in findings])
    scores = np.array([d["score"] for d in detections])
    fp_scores = scores[match.labels == "false_positive"]
    detected = match.finding_scores[included & (match.finding_detection >= 0)]

    truth = np.r_[np.ones(len(detected)), np.zeros(len(fp_scores))]
    fpr, tpr, _ = roc_curve(truth, np.r_[detected, fp_scores])
    luna_fps = fpr * len(fp_scores) / num_cases
    luna_sens = tpr * len(detected) / included.sum()

    curve = froc(detections, findings, num_cases)
    rates = np.r_[LUNA16_FP_RATES, rng.uniform(0, 10, size=20)]
    np.testing.assert_allclose([sensitivity_at_fp(curve, r) for r in rates],
                               np.interp(rates, luna_fps, luna_sens), rtol=1e-12, atol=1e-15)
    assert cpm(curve) == pytest.approx(np.mean(np.interp(LUNA16_FP_RATES, luna_fps, luna_sens)),
                                       rel=1e-12, abs=1e-15)


# --- (c) a case built with known sensitivities at each CPM rate ----------------------------

def test_known_sensitivity_at_each_fp_rate():
    """8 scans, 9 nodules (diameter 10 mm) and 70 false positives scored 999, 998, ..., 930.

    At r FP/scan the curve has counted the first 8 r false positives, and every nodule
    scored above the next one. A nodule meant to count from the rate with c false positives
    on gets the score 1000 - c - 0.5. New nodules per rate 1/8 ... 8: 1, 0, 2, 1, 2, 1, 0, so
    the sensitivities are 1, 1, 3, 4, 6, 7, 7 out of 9 and the CPM is 29 / 63. Nodule 7 is
    found only below every false positive (at 70/8 FP/scan), nodule 8 never.

    Each found nodule also gets a duplicate hit just below its score, and excluded findings
    get high-scoring marks: counted as false positives, either would shift every rate."""
    num_cases = 8
    fp_counts = [1, 2, 4, 8, 16, 32, 64]
    first_rate = [0, 2, 2, 3, 4, 4, 5]  # nodules 0..6: the rate index they count from
    findings, detections = [], []
    for n in range(9):
        center = (100.0 * n, 0.0, 0.0)
        findings.append({"case_id": f"s{n % 6}", "center_mm": center, "diameter_mm": 10})
        if n < 7:
            best = 1000 - fp_counts[first_rate[n]] - 0.5
        elif n == 7:
            best = 1000 - 70 - 0.5
        else:
            continue
        detections.append({"case_id": f"s{n % 6}", "center_mm": (100.0 * n + 4, 0, 0),
                           "score": best})
        detections.append({"case_id": f"s{n % 6}", "center_mm": (100.0 * n, 0, -3),
                           "score": best - 0.1})
    for m in range(1, 71):
        detections.append({"case_id": f"s{m % num_cases}", "center_mm": (5000 + 20 * m, 500, 0),
                           "score": 1000.0 - m})
    for k in range(3):
        findings.append({"case_id": "s6", "center_mm": (0, 0, 100.0 * k), "diameter_mm": 6,
                         "excluded": True})
        detections.append({"case_id": "s6", "center_mm": (0, 1, 100.0 * k), "score": 5000.0})

    curve = froc(detections, findings, num_cases)
    assert (curve.num_findings, curve.num_detected, curve.num_false_positives) == (9, 8, 70)
    assert [sensitivity_at_fp(curve, r) for r in LUNA16_FP_RATES] == [
        k / 9 for k in (1, 1, 3, 4, 6, 7, 7)]
    assert cpm(curve) == pytest.approx(29 / 63, rel=1e-15)
    assert sensitivity_at_fp(curve, 70 / 8) == 8 / 9
    assert sensitivity_at_fp(curve, 100) == 8 / 9
    labels = match_detections(detections, findings).labels
    assert (labels == "duplicate").sum() == 8 and (labels == "excluded").sum() == 3


# --- (d) bad input --------------------------------------------------------------------------

def _with(records, index, **changes):
    changed = [dict(r) for r in records]
    changed[index].update(changes)
    return changed


def test_bad_values_are_argument_errors():
    with pytest.raises(medimg.ArgumentError, match=r"finding 3 \(case 'b'\) must have a finite "
                                                   r"diameter_mm >= 0, got -1"):
        match_detections(DETECTIONS, _with(FINDINGS, 3, diameter_mm=-1))
    with pytest.raises(medimg.ArgumentError, match="diameter_mm >= 0, got nan"):
        froc(DETECTIONS, _with(FINDINGS, 0, diameter_mm=float("nan")), 4)
    with pytest.raises(medimg.ArgumentError, match=r"detection 5 \(case 'b'\) must have a "
                                                   r"finite score, got nan"):
        froc(_with(DETECTIONS, 5, score=float("nan")), FINDINGS, 4)
    with pytest.raises(medimg.ArgumentError, match="finite center_mm"):
        match_detections(_with(DETECTIONS, 0, center_mm=(0, np.inf, 0)), FINDINGS)
    with pytest.raises(medimg.ArgumentError, match="radius_scale must be finite and > 0, got 0"):
        match_detections(DETECTIONS, FINDINGS, radius_scale=0)
    with pytest.raises(medimg.ArgumentError, match="min_radius_mm must be finite and >= 0"):
        match_detections(DETECTIONS, FINDINGS, min_radius_mm=-1)


def test_num_cases_must_cover_every_case():
    with pytest.raises(medimg.ArgumentError,
                       match="at least the 3 distinct case ids in detections and ground truth"
                             r"\), got 2"):
        froc(DETECTIONS, FINDINGS, 2)
    with pytest.raises(medimg.ArgumentError, match="got 0"):
        froc([], [], 0)
    with pytest.raises(medimg.ArgumentError, match="num_cases must be an integer, got float"):
        froc(DETECTIONS, FINDINGS, 4.0)
    assert froc(DETECTIONS, FINDINGS, 3).num_cases == 3


def test_malformed_records():
    with pytest.raises(medimg.ArgumentError, match=r"detection 1 has no \['score'\]"):
        froc([DETECTIONS[0], {"case_id": "a", "center_mm": (0, 0, 0)}], FINDINGS, 4)
    with pytest.raises(medimg.ArgumentError, match=r"finding columns need the keys .* "
                                                   r"missing \['diameter_mm'\]"):
        match_detections(DETECTIONS, {"case_id": ["a"], "center_mm": [(0, 0, 0)]})
    with pytest.raises(medimg.ArgumentError, match="detection 0 must be a mapping"):
        match_detections([("a", (0, 0, 0), 0.5)], FINDINGS)
    with pytest.raises(medimg.ArgumentError, match="got str"):
        match_detections("a", FINDINGS)
    with pytest.raises(medimg.ShapeError, match=r"shape \(2, 3\), got shape \(2, 2\)"):
        match_detections({"case_id": ["a", "b"], "center_mm": [(0, 0), (1, 1)],
                          "score": [0.1, 0.2]}, FINDINGS)
    with pytest.raises(medimg.ShapeError, match="columns must all have 2 entries, got one of 3"):
        match_detections({"case_id": ["a", "b"], "center_mm": [(0, 0, 0), (1, 1, 1)],
                          "score": [0.1, 0.2, 0.3]}, FINDINGS)


def test_bad_fp_rates():
    curve = froc(DETECTIONS, FINDINGS, 4)
    with pytest.raises(medimg.ArgumentError, match="fp_per_case must be finite and >= 0, got -0.5"):
        sensitivity_at_fp(curve, -0.5)
    with pytest.raises(medimg.ArgumentError, match="got nan"):
        cpm(curve, [1.0, float("nan")])
    with pytest.raises(medimg.ArgumentError, match="at least one FP rate"):
        cpm(curve, [])
