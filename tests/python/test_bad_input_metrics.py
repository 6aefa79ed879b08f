"""Bad-input matrix of the metrics (medimg.metrics): every public function given inputs it
must refuse, each row naming the exact medimg exception class and a piece of its message;
and a second table of the documented results for empty masks and undefined scores
(docs/metrics.md, docs/metrics_classification.md, docs/metrics_detection.md), which are
NaN or inf values, not errors.
"""

import math

import numpy as np
import pytest
import torch

import medimg
from bad_input import assert_every_name_has_a_row, assert_refused

# --- inputs ----------------------------------------------------------------------------------

PRED = np.zeros((8, 8), bool)
PRED[2:5, 2:5] = True
REF = np.zeros((8, 8), bool)
REF[3:6, 3:6] = True
NONE = np.zeros((8, 8), bool)  # an empty mask
ALL = np.ones((8, 8), bool)
FLOAT_PRED = PRED.astype(np.float32)
DETECTIONS = [{"case_id": "a", "center_mm": (1, 0, 0), "score": 0.9}]
FINDINGS = [{"case_id": "a", "center_mm": (0, 0, 0), "diameter_mm": 6}]
Y_TRUE = np.array([0, 1, 0, 1])
Y_SCORE = np.array([0.1, 0.8, 0.3, 0.6])
NAN_SCORE = np.array([0.1, np.nan, 0.2, 0.3])
NO_CASES = np.zeros(0, np.int64)
NAN = float("nan")


def detection(**fields):
    return [{"case_id": "a", "center_mm": (1, 0, 0), "score": 0.9, **fields}]


def finding(**fields):
    return [{"case_id": "a", "center_mm": (0, 0, 0), "diameter_mm": 6, **fields}]


def curve(findings=FINDINGS):
    return M.froc(DETECTIONS, findings, 1)


def accumulator(values=np.zeros((2, 3))):
    result = M.MetricAccumulator()
    result.update(values)
    return result


def mask_image(mask, spacing):
    return medimg.Image(mask[None].astype(np.uint8), spacing=spacing)


M = medimg.metrics
S, AR, U = medimg.ShapeError, medimg.ArgumentError, medimg.Unsupported
LABEL_MAPS = "overlap metrics take label maps (bool or integer), got dtype Float"
SAME_SHAPE = "pred and ref must have the same shape, got [8, 8] and [4, 8]"
SPACING = "spacing must be finite and > 0, got 0 along axis 0"
METHOD = "method must be 'voxel' or 'surfel', got"

# --- the matrix ---------------------------------------------------------------------------
# name: (call(tmp), expected class, substring of the message). Each name starts with the
# public function or class it exercises (test_every_public_name_is_in_the_matrix reads it).

CASES = {
    # overlap
    "confusion_counts float": (lambda t: M.confusion_counts(FLOAT_PRED, REF), AR, LABEL_MAPS),
    "confusion_counts shapes differ": (lambda t: M.confusion_counts(PRED, REF[:4]), S,
                                       SAME_SHAPE),
    "confusion_counts label outside num_classes": (lambda t: M.confusion_counts(
        PRED.astype(np.int32) * 7, REF.astype(np.int32), num_classes=2), AR,
        "label 7 is outside [0, 2)"),
    "dice float": (lambda t: M.dice(FLOAT_PRED, REF), AR,
                   LABEL_MAPS + "; threshold probabilities first"),
    "dice float16 tensor": (lambda t: M.dice(torch.zeros(8, 8, dtype=torch.float16),
                                             torch.zeros(8, 8, dtype=torch.bool)),
                            AR, "got dtype Half"),
    "dice complex": (lambda t: M.dice(PRED.astype(np.complex64), REF), AR,
                     "expected numeric values, got dtype complex64"),
    "dice shapes differ": (lambda t: M.dice(PRED, REF[:4]), S, SAME_SHAPE),
    "dice Image and array shapes differ": (lambda t: M.dice(
        medimg.Image(np.zeros((1, 4, 4), np.uint8)), np.zeros((4, 5), bool)), S,
        "pred and ref must have the same shape, got [4, 4] and [4, 5]"),
    "dice label outside num_classes": (lambda t: M.dice(PRED.astype(np.int32) * 5,
                                                        REF.astype(np.int32), num_classes=3),
                                       AR, "label 5 is outside [0, 3)"),
    "dice negative label": (lambda t: M.dice(-PRED.astype(np.int32), REF.astype(np.int32)), AR,
                            "label -1 is outside [0, 2)"),
    "dice num_classes 0": (lambda t: M.dice(PRED, REF, num_classes=0), AR,
                           "num_classes must be in [2, 10000], got 0"),
    # Unbounded, 2^40 once raised MemoryError building the per-class tables.
    "dice num_classes huge": (lambda t: M.dice(PRED, REF, num_classes=2 ** 40), AR,
                              "num_classes must be in [2, 10000], got 1099511627776"),
    "dice num_classes 1": (lambda t: M.dice(PRED, REF, num_classes=1), AR, "got 1"),
    "dice two-channel Image": (lambda t: M.dice(medimg.Image(np.zeros((2, 8, 8), np.uint8)),
                                                REF),
                               S, "pred must be a one-channel Image, got 2 channels"),
    "iou float64": (lambda t: M.iou(PRED.astype(np.float64), REF), AR,
                    "label maps (bool or integer), got dtype Double"),
    "iou shapes differ": (lambda t: M.iou(PRED, REF[:, :4]), S,
                          "pred and ref must have the same shape, got [8, 8] and [8, 4]"),
    "sensitivity shapes differ": (lambda t: M.sensitivity(PRED, REF[:4]), S, SAME_SHAPE),
    "specificity float": (lambda t: M.specificity(FLOAT_PRED, REF), AR, LABEL_MAPS),
    "precision shapes differ": (lambda t: M.precision(PRED, REF[:4]), S, SAME_SHAPE),
    "volume_similarity float": (lambda t: M.volume_similarity(PRED, REF.astype(np.float32)), AR,
                                LABEL_MAPS),
    # surface distances
    "surface_distances shapes differ": (lambda t: M.surface_distances(PRED, REF[:4]), S,
                                        SAME_SHAPE),
    "surface_distances spacing 0": (lambda t: M.surface_distances(PRED, REF, spacing=(0, 1)),
                                    AR, SPACING),
    "surface_distances negative spacing": (lambda t: M.surface_distances(PRED, REF,
                                                                         spacing=(-1, 1)),
                                           AR, "spacing must be finite and > 0, got -1"),
    "surface_distances NaN spacing": (lambda t: M.surface_distances(PRED, REF,
                                                                    spacing=(NAN, 1)),
                                      AR, "got nan along axis 0"),
    "surface_distances three spacings in 2D": (lambda t: M.surface_distances(
        PRED, REF, spacing=(1, 1, 1)), AR, "spacing must have one value per axis of pred (2), "
                                           "got 3"),
    "surface_distances float": (lambda t: M.surface_distances(FLOAT_PRED, REF), AR,
                                "pred must be a binary mask (bool or integer 0/1), got dtype "
                                "Float"),
    "surface_distances 1D": (lambda t: M.surface_distances(PRED.ravel(), REF.ravel()), S,
                             "pred must be a (Y, X) or (Z, Y, X) mask, got shape [64]"),
    "surface_distances empty axis": (lambda t: M.surface_distances(np.zeros((0, 4), bool),
                                                                   np.zeros((0, 4), bool)),
                                     S, "pred is empty: shape [0, 4]"),
    "surface_distances spacing contradicts the Image": (lambda t: M.surface_distances(
        mask_image(PRED, (2, 2)), REF, spacing=(1, 1)), AR,
        "spacing=(1.0, 1.0) contradicts the image's (2.0, 2.0)"),
    "surface_distances Images with different spacings": (lambda t: M.surface_distances(
        mask_image(PRED, (2, 2)), mask_image(REF, (1, 1))), AR,
        "the images' spacings differ: (2.0, 2.0) and (1.0, 1.0)"),
    "hausdorff percentile 101": (lambda t: M.hausdorff(PRED, REF, percentile=101), AR,
                                 "percentile must lie in [0, 100], got 101"),
    "hausdorff negative percentile": (lambda t: M.hausdorff(PRED, REF, percentile=-1), AR,
                                      "got -1"),
    "hausdorff NaN percentile": (lambda t: M.hausdorff(PRED, REF, percentile=NAN), AR,
                                 "got nan"),
    "hausdorff surfel percentile 101": (lambda t: M.hausdorff(PRED, REF, percentile=101,
                                                              method="surfel"),
                                        AR, "percentile must lie in [0, 100], got 101"),
    "hausdorff unknown method": (lambda t: M.hausdorff(PRED, REF, method="mesh"), AR,
                                 METHOD + " 'mesh'"),
    "hausdorff shapes differ": (lambda t: M.hausdorff(PRED, REF[:4]), S, SAME_SHAPE),
    "hausdorff spacing of another rank than the Image's": (lambda t: M.hausdorff(
        mask_image(PRED, (1, 1)), REF, spacing=(1, 1, 1)), AR,
        "spacing=(1.0, 1.0, 1.0) contradicts the image's (1.0, 1.0)"),
    "hausdorff without ref": (lambda t: M.hausdorff(PRED), AR, "ref is missing"),
    "hausdorff distances and ref": (lambda t: M.hausdorff(M.surface_distances(PRED, REF), REF),
                                    AR, "given a SurfaceDistances, ref must be omitted"),
    "hausdorff distances and another method": (lambda t: M.hausdorff(
        M.surface_distances(PRED, REF), method="surfel"), AR,
        "method='surfel' contradicts the SurfaceDistances given"),
    "assd unknown method": (lambda t: M.assd(PRED, REF, method="x"), AR, METHOD + " 'x'"),
    "assd shapes differ": (lambda t: M.assd(PRED, REF[:4]), S, SAME_SHAPE),
    "masd spacing 0": (lambda t: M.masd(PRED, REF, spacing=(0, 1)), AR, SPACING),
    "masd float": (lambda t: M.masd(FLOAT_PRED, REF), AR, "pred must be a binary mask"),
    "surface_dice negative tolerance": (lambda t: M.surface_dice(PRED, REF, -1.0), AR,
                                        "tolerance_mm must be >= 0, got -1"),
    "surface_dice NaN tolerance": (lambda t: M.surface_dice(PRED, REF, NAN), AR,
                                   "tolerance_mm must be >= 0, got nan"),
    "surface_dice surfel negative tolerance": (lambda t: M.surface_dice(PRED, REF, -1.0,
                                                                        method="surfel"),
                                               AR, "tolerance_mm must be >= 0, got -1"),
    "surfel_distances shapes differ": (lambda t: M.surfel_distances(PRED, REF[:4]), S,
                                       SAME_SHAPE),
    "surfel_distances spacing 0": (lambda t: M.surfel_distances(PRED, REF, spacing=(0, 1)), AR,
                                   SPACING),
    "surfel_distances float": (lambda t: M.surfel_distances(FLOAT_PRED, REF), AR,
                               "pred must be a binary mask (bool or integer 0/1)"),
    "surfel_distances 1D": (lambda t: M.surfel_distances(PRED.ravel(), REF.ravel()), S,
                            "pred must be a (Y, X) or (Z, Y, X) mask, got shape [64]"),
    "distance_transform_edt spacing 0": (lambda t: M.distance_transform_edt(PRED, (0, 1)), AR,
                                         SPACING),
    "distance_transform_edt negative spacing": (lambda t: M.distance_transform_edt(
        PRED, (-1, 1)), AR, "got -1 along axis 0"),
    "distance_transform_edt three spacings in 2D": (lambda t: M.distance_transform_edt(
        PRED, (1, 1, 1)), AR, "spacing must have one value per axis of mask (2), got 3"),
    "distance_transform_edt 1D": (lambda t: M.distance_transform_edt(PRED.ravel()), S,
                                  "mask must be a (Y, X) or (Z, Y, X) mask, got shape [64]"),
    "distance_transform_edt 4D": (lambda t: M.distance_transform_edt(np.ones((2, 2, 2, 2),
                                                                             bool)),
                                  S, "got shape [2, 2, 2, 2]"),
    "distance_transform_edt empty axis": (lambda t: M.distance_transform_edt(
        np.zeros((0, 4), bool)), S, "mask is empty: shape [0, 4]"),
    "distance_transform_edt complex": (lambda t: M.distance_transform_edt(
        PRED.astype(np.complex64)), AR, "got dtype complex64"),
    "distance_transform_edt NaN": (lambda t: M.distance_transform_edt(np.full((4, 4), np.nan)),
                                   AR, "a mask cannot contain NaN"),
    # point sets
    "directed_hausdorff dimensions differ": (lambda t: M.directed_hausdorff(
        np.zeros((3, 2)), np.zeros((3, 3))), S, "point sets must have the same dimension, got "
                                                "2 and 3"),
    "directed_hausdorff 1D": (lambda t: M.directed_hausdorff(np.zeros(3), np.zeros(3)), S,
                              "must be an (N, D) array of points"),
    "directed_hausdorff empty set": (lambda t: M.directed_hausdorff(np.zeros((0, 2)),
                                                                    np.zeros((3, 2))),
                                     AR, "is an empty point set"),
    "directed_hausdorff NaN": (lambda t: M.directed_hausdorff(np.full((3, 2), np.nan),
                                                              np.zeros((3, 2))),
                               AR, "contains NaN"),
    "directed_hausdorff complex": (lambda t: M.directed_hausdorff(
        np.zeros((3, 2), np.complex64), np.zeros((3, 2))), AR, "got dtype complex64"),
    "hausdorff_distance dimensions differ": (lambda t: M.hausdorff_distance(
        np.zeros((3, 2)), np.zeros((3, 3))), S, "point sets must have the same dimension"),
    "hausdorff_distance empty sets": (lambda t: M.hausdorff_distance(np.zeros((0, 2)),
                                                                     np.zeros((0, 2))),
                                      AR, "is an empty point set"),
    "hausdorff_distance 3D arrays": (lambda t: M.hausdorff_distance(np.zeros((3, 2, 1)),
                                                                    np.zeros((3, 2, 1))),
                                     S, "must be an (N, D) array of points"),
    # detection
    "match_detections missing key": (lambda t: M.match_detections(
        [{"case_id": "a", "score": 0.9}], FINDINGS), AR,
        "detection 0 has no ['center_mm'] (expected keys ['case_id', 'center_mm', 'score'])"),
    "match_detections 2D centre": (lambda t: M.match_detections(detection(center_mm=(1, 0)),
                                                                FINDINGS),
                                   S, "i.e. shape (1, 3), got shape (1, 2)"),
    "match_detections NaN score": (lambda t: M.match_detections(detection(score=NAN), FINDINGS),
                                   AR, "detection 0 (case 'a') must have a finite score, got nan"),
    "match_detections infinite score": (lambda t: M.match_detections(
        detection(score=float("inf")), FINDINGS), AR, "must have a finite score, got inf"),
    "match_detections NaN centre": (lambda t: M.match_detections(
        detection(center_mm=(NAN, 0, 0)), FINDINGS), AR,
        "must have a finite center_mm, got (nan, 0, 0)"),
    "match_detections text score": (lambda t: M.match_detections(detection(score="high"),
                                                                 FINDINGS),
                                    AR, "detection score must be numbers"),
    "match_detections negative diameter": (lambda t: M.match_detections(
        DETECTIONS, finding(diameter_mm=-1)), AR,
        "finding 0 (case 'a') must have a finite diameter_mm >= 0, got -1"),
    "match_detections NaN diameter": (lambda t: M.match_detections(
        DETECTIONS, finding(diameter_mm=NAN)), AR, "diameter_mm >= 0, got nan"),
    "match_detections radius_scale 0": (lambda t: M.match_detections(DETECTIONS, FINDINGS,
                                                                     radius_scale=0),
                                        AR, "radius_scale must be finite and > 0, got 0"),
    "match_detections negative min_radius_mm": (lambda t: M.match_detections(
        DETECTIONS, FINDINGS, min_radius_mm=-1), AR, "min_radius_mm must be finite and >= 0"),
    "match_detections columns of different lengths": (lambda t: M.match_detections(
        {"case_id": ["a", "b"], "center_mm": [(0, 0, 0)], "score": [0.1, 0.2]}, FINDINGS), S,
        "detection center_mm must be 2 points (x, y, z), i.e. shape (2, 3), got shape (1, 3)"),
    "match_detections not records": (lambda t: M.match_detections(42, FINDINGS), AR,
                                     "detection must be a sequence of mappings, a mapping of "
                                     "columns or a numpy structured array, got int"),
    "froc num_cases 0": (lambda t: M.froc(DETECTIONS, FINDINGS, 0), AR,
                         "num_cases must count every scan evaluated"),
    "froc num_cases below the case ids": (lambda t: M.froc(
        DETECTIONS + [{"case_id": "b", "center_mm": (0, 0, 0), "score": 0.1}], FINDINGS, 1), AR,
        "at least the 2 distinct case ids in detections and ground truth), got 1"),
    "sensitivity_at_fp NaN rate": (lambda t: M.sensitivity_at_fp(curve(), NAN), AR,
                                   "fp_per_case must be finite and >= 0, got nan"),
    "sensitivity_at_fp negative rate": (lambda t: M.sensitivity_at_fp(curve(), -1), AR,
                                        "got -1"),
    "cpm no rates": (lambda t: M.cpm(curve(), []), AR, "cpm needs at least one FP rate, got none"),
    "cpm negative rate": (lambda t: M.cpm(curve(), [-1]), AR,
                          "fp_per_case must be finite and >= 0, got -1"),
    "cpm NaN rate": (lambda t: M.cpm(curve(), [NAN]), AR, "got nan"),
    # classification
    "confusion_matrix no cases": (lambda t: M.confusion_matrix(NO_CASES, NO_CASES), AR,
                                  "confusion_matrix: y_true is empty (N = 0)"),
    "confusion_matrix float labels": (lambda t: M.confusion_matrix([0.5, 1.0], [0, 1]), AR,
                                      "y_true must hold bool or integer labels, got dtype Double"),
    "confusion_matrix 2D labels": (lambda t: M.confusion_matrix(np.zeros((2, 2), int),
                                                                np.zeros((2, 2), int)),
                                   S, "y_true must be 1D (N,), got shape [2, 2]"),
    "confusion_matrix lengths differ": (lambda t: M.confusion_matrix([0, 1, 1], [0, 1]), S,
                                        "y_true has 3 cases but y_pred has shape [2]"),
    "confusion_matrix negative class": (lambda t: M.confusion_matrix([-1, 1], [0, 1]), AR,
                                        "y_true must hold class indices >= 0, got -1 at index 0"),
    "confusion_matrix class outside num_classes": (lambda t: M.confusion_matrix(
        [0, 5], [0, 1], num_classes=2), AR, "y_true holds class 5 at index 1 but num_classes is 2"),
    "confusion_matrix class 10^6": (lambda t: M.confusion_matrix([0, 10 ** 6], [0, 1]), AR,
                                    "class indices must be < 10000"),
    "confusion_matrix num_classes 0": (lambda t: M.confusion_matrix([0, 1], [0, 1],
                                                                    num_classes=0),
                                       AR, "num_classes must be in [1, 10000], got 0"),
    "confusion_matrix num_classes 2^40": (lambda t: M.confusion_matrix([0, 1], [0, 1],
                                                                       num_classes=2 ** 40),
                                          AR, "got 1099511627776"),
    "confusion_matrix strings": (lambda t: M.confusion_matrix(np.array(["a", "b"]), [0, 1]), AR,
                                 "y_true must hold numbers or bools, got a numpy array of dtype "
                                 "<U1"),
    "accuracy no cases": (lambda t: M.accuracy(NO_CASES, NO_CASES), AR,
                          "accuracy: y_true is empty (N = 0)"),
    "accuracy empty lists": (lambda t: M.accuracy([], []), AR,
                             "accuracy: y_true is empty (N = 0)"),
    "accuracy lengths differ": (lambda t: M.accuracy([0, 1], [0]), S,
                                "accuracy: y_true has 2 cases but y_pred has shape [1]"),
    "accuracy float labels": (lambda t: M.accuracy([0.5], [1]), AR,
                              "must hold bool or integer labels"),
    "accuracy 2D labels": (lambda t: M.accuracy(np.zeros((2, 2), int), np.zeros((2, 2), int)), S,
                           "accuracy: y_true must be 1D (N,)"),
    "balanced_accuracy no cases": (lambda t: M.balanced_accuracy(NO_CASES, NO_CASES), AR,
                                   "balanced_accuracy: y_true is empty (N = 0)"),
    "balanced_accuracy lengths differ": (lambda t: M.balanced_accuracy([0, 1], [0]), S,
                                         "y_true has 2 cases but y_pred has shape [1]"),
    "balanced_accuracy negative class": (lambda t: M.balanced_accuracy([-1, 0], [0, 0]), AR,
                                         "must hold class indices >= 0, got -1 at index 0"),
    "roc_curve NaN score": (lambda t: M.roc_curve(Y_TRUE, NAN_SCORE), AR,
                            "roc_curve: y_score contains NaN (first at index 1)"),
    "roc_curve label 2": (lambda t: M.roc_curve([0, 2, 1, 0], Y_SCORE), AR,
                          "binary y_true must hold 0 or 1, got 2 at index 1"),
    "roc_curve lengths differ": (lambda t: M.roc_curve(Y_TRUE, Y_SCORE[:3]), S,
                                 "y_true has 4 cases but y_score has shape [3]"),
    "roc_curve 2D scores": (lambda t: M.roc_curve(Y_TRUE, np.zeros((4, 2))), S,
                            "binary y_score must be 1D (N,), got shape [4, 2]"),
    "roc_curve no cases": (lambda t: M.roc_curve(NO_CASES, np.zeros(0)), AR,
                           "roc_curve: y_true is empty (N = 0)"),
    "roc_curve float16 scores": (lambda t: M.roc_curve(torch.tensor(Y_TRUE),
                                                       torch.tensor(Y_SCORE,
                                                                    dtype=torch.float16)),
                                 U, "do not handle dtype Half"),
    "roc_curve float labels": (lambda t: M.roc_curve(Y_TRUE.astype(float), Y_SCORE), AR,
                               "y_true must hold bool or integer labels, got dtype Double"),
    "roc_auc unknown average": (lambda t: M.roc_auc(Y_TRUE, Y_SCORE, average="micro"), AR,
                                "average must be 'macro' or 'weighted', got 'micro'"),
    "roc_auc (N, 1) multi-class scores": (lambda t: M.roc_auc(Y_TRUE, Y_SCORE[:, None]), S,
                                          "multi-class y_score must be (N, K) with K >= 2"),
    "roc_auc class outside the score columns": (lambda t: M.roc_auc(
        [0, 3, 1, 0], np.full((4, 3), 1 / 3)), AR,
        "y_true holds class 3 at index 1 but num_classes is 3"),
    "roc_auc NaN score": (lambda t: M.roc_auc(Y_TRUE, NAN_SCORE), AR,
                          "roc_auc: y_score contains NaN (first at index 1)"),
    "roc_auc NaN multi-class score": (lambda t: M.roc_auc([0, 1, 2], np.array(
        [[np.nan, 0.5, 0.5], [0.2, 0.4, 0.4], [0.1, 0.1, 0.8]])), AR,
        "y_score contains NaN (first at index 0, column 0)"),
    "roc_auc 3D scores": (lambda t: M.roc_auc(Y_TRUE, np.zeros((4, 2, 2))), S,
                          "y_score must be (N,) for binary or (N, K) for multi-class labels"),
    "roc_auc no cases": (lambda t: M.roc_auc(NO_CASES, np.zeros(0)), AR,
                         "roc_auc: y_true is empty (N = 0)"),
    "pr_auc NaN score": (lambda t: M.pr_auc(Y_TRUE, NAN_SCORE), AR,
                         "pr_auc: y_score contains NaN (first at index 1)"),
    "pr_auc lengths differ": (lambda t: M.pr_auc(Y_TRUE, Y_SCORE[:2]), S,
                              "y_true has 4 cases but y_score has shape [2]"),
    "pr_auc label 2": (lambda t: M.pr_auc([0, 2], [0.1, 0.2]), AR,
                       "pr_auc: binary y_true must hold 0 or 1, got 2 at index 1"),
    "pr_auc no cases": (lambda t: M.pr_auc(NO_CASES, np.zeros(0)), AR, "y_true is empty (N = 0)"),
    "sensitivity_at_specificity 1.5": (lambda t: M.sensitivity_at_specificity(Y_TRUE, Y_SCORE,
                                                                              1.5),
                                       AR, "specificity must be in [0, 1], got 1.5"),
    "sensitivity_at_specificity negative": (lambda t: M.sensitivity_at_specificity(
        Y_TRUE, Y_SCORE, -0.1), AR, "got -0.1"),
    "sensitivity_at_specificity NaN": (lambda t: M.sensitivity_at_specificity(Y_TRUE, Y_SCORE,
                                                                              NAN),
                                       AR, "got nan"),
    "sensitivity_at_specificity NaN score": (lambda t: M.sensitivity_at_specificity(
        [0, 1], [NAN, 0.1], 0.5), AR, "y_score contains NaN (first at index 0)"),
    "sensitivity_at_specificity no cases": (lambda t: M.sensitivity_at_specificity(
        NO_CASES, np.zeros(0), 0.5), AR, "y_true is empty (N = 0)"),
    "cohen_kappa unknown weights": (lambda t: M.cohen_kappa([0, 1], [0, 1], weights="cubic"), AR,
                                    "weights must be None, 'linear' or 'quadratic', got 'cubic'"),
    "cohen_kappa lengths differ": (lambda t: M.cohen_kappa([0, 1], [0]), S,
                                   "cohen_kappa: y1 has 2 cases but y2 has shape [1]"),
    "cohen_kappa no cases": (lambda t: M.cohen_kappa(NO_CASES, NO_CASES), AR,
                             "cohen_kappa: y1 is empty (N = 0)"),
    "cohen_kappa float labels": (lambda t: M.cohen_kappa([0.5, 1], [0, 1]), AR,
                                 "y1 must hold bool or integer labels"),
    "cohen_kappa num_classes 2^40": (lambda t: M.cohen_kappa([0, 1], [0, 1],
                                                             num_classes=2 ** 40),
                                     AR, "num_classes must be in [1, 10000]"),
    "cohen_kappa class outside num_classes": (lambda t: M.cohen_kappa([0, 5], [0, 1],
                                                                      num_classes=2),
                                              AR, "y1 holds class 5 at index 1 but num_classes "
                                                  "is 2"),
    "bootstrap_ci n 0": (lambda t: M.bootstrap_ci(M.roc_auc, Y_TRUE, Y_SCORE, n=0), AR,
                         "bootstrap_ci: n must be >= 1, got 0"),
    "bootstrap_ci negative seed": (lambda t: M.bootstrap_ci(M.roc_auc, Y_TRUE, Y_SCORE, seed=-1),
                                   AR, "bootstrap_ci: seed must be an integer in [0, 2^64), "
                                       "got -1"),
    "bootstrap_ci metric returns text": (lambda t: M.bootstrap_ci(lambda y, s: "x", Y_TRUE,
                                                                  Y_SCORE),
                                         AR, "bootstrap_ci: metric_fn must return a number, "
                                             "got str"),
    "bootstrap_ci alpha 0": (lambda t: M.bootstrap_ci(M.roc_auc, Y_TRUE, Y_SCORE, alpha=0), AR,
                             "bootstrap_ci: alpha must be in (0, 1), got 0"),
    "bootstrap_ci alpha 1": (lambda t: M.bootstrap_ci(M.roc_auc, Y_TRUE, Y_SCORE, alpha=1), AR,
                             "got 1"),
    "bootstrap_ci NaN alpha": (lambda t: M.bootstrap_ci(M.roc_auc, Y_TRUE, Y_SCORE, alpha=NAN),
                               AR, "got nan"),
    "bootstrap_ci lengths differ": (lambda t: M.bootstrap_ci(M.roc_auc, Y_TRUE, Y_SCORE[:3]), S,
                                    "bootstrap_ci: y_true has 4 cases but y_score has shape [3]"),
    "bootstrap_ci no cases": (lambda t: M.bootstrap_ci(M.roc_auc, [], []), AR,
                              "bootstrap_ci: no cases (N = 0)"),
    "MetricAccumulator reduce before update": (lambda t: M.MetricAccumulator().reduce("mean"),
                                               AR, "MetricAccumulator: no values collected; call "
                                                   "update() first"),
    "MetricAccumulator percentile before update": (lambda t: M.MetricAccumulator().percentile(
        50), AR, "no values collected"),
    "MetricAccumulator channel count changes": (lambda t: accumulator().update(np.zeros((2, 4))),
                                                S, "expected 3 channel(s) per case as in earlier "
                                                   "updates, got shape [2, 4]"),
    "MetricAccumulator unknown reduction": (lambda t: accumulator().reduce("sum"), AR,
                                            "reduction must be 'mean', 'std', 'median', 'min' "
                                            "or 'max', got 'sum'"),
    "MetricAccumulator percentile 101": (lambda t: accumulator().percentile(101), AR,
                                         "MetricAccumulator.percentile: q must be in [0, 100], "
                                         "got 101"),
    "MetricAccumulator NaN percentile": (lambda t: accumulator().percentile(NAN), AR, "got nan"),
    "MetricAccumulator 3D values": (lambda t: M.MetricAccumulator().update(np.zeros((2, 2, 2))),
                                    S, "expected a scalar, (B,) or (B, C) values, got shape "
                                       "[2, 2, 2]"),
    "MetricAccumulator complex values": (lambda t: M.MetricAccumulator().update(
        np.zeros((2, 2), np.complex64)), U, "do not handle dtype ComplexFloat"),
    "MetricAccumulator text values": (lambda t: M.MetricAccumulator().update("x"), AR,
                                      "got a numpy array of dtype str32"),
}

# --- documented results of undefined scores ------------------------------------------------
# name: (call(), expected value): NaN where the score is undefined, inf where one surface
# is missing (docs/metrics.md "Empty masks", metrics_classification.md "Undefined values",
# metrics_detection.md "No ground truth").

EMPTY_RESULTS = {
    "dice both empty": (lambda: M.dice(NONE, NONE), NAN),
    "dice both empty with empty_score": (lambda: M.dice(NONE, NONE, empty_score=1.0), 1.0),
    "iou both empty": (lambda: M.iou(NONE, NONE), NAN),
    "sensitivity ref empty": (lambda: M.sensitivity(PRED, NONE), NAN),
    "specificity ref covers the image": (lambda: M.specificity(PRED, ALL), NAN),
    "precision pred empty": (lambda: M.precision(NONE, REF), NAN),
    "volume_similarity both empty": (lambda: M.volume_similarity(NONE, NONE), NAN),
    "confusion_counts both empty": (lambda: M.confusion_counts(NONE, NONE)[1].tp, 0),
    "hausdorff both empty": (lambda: M.hausdorff(NONE, NONE), NAN),
    "hausdorff pred empty": (lambda: M.hausdorff(NONE, REF), math.inf),
    "hausdorff ref empty, 95th percentile": (lambda: M.hausdorff(PRED, NONE, percentile=95),
                                             math.inf),
    "hausdorff surfel both empty": (lambda: M.hausdorff(NONE, NONE, method="surfel"), NAN),
    "hausdorff surfel ref empty": (lambda: M.hausdorff(PRED, NONE, method="surfel"), math.inf),
    "assd both empty": (lambda: M.assd(NONE, NONE), NAN),
    "assd ref empty": (lambda: M.assd(PRED, NONE), math.inf),
    "assd surfel ref empty": (lambda: M.assd(PRED, NONE, method="surfel"), math.inf),
    "masd both empty": (lambda: M.masd(NONE, NONE), NAN),
    "masd pred empty": (lambda: M.masd(NONE, REF), math.inf),
    "surface_dice both empty": (lambda: M.surface_dice(NONE, NONE), NAN),
    "surface_dice ref empty": (lambda: M.surface_dice(PRED, NONE), 0.0),
    "surface_dice surfel both empty": (lambda: M.surface_dice(NONE, NONE, method="surfel"), NAN),
    "surface_dice surfel pred empty": (lambda: M.surface_dice(NONE, REF, method="surfel"), 0.0),
    "surface_distances both empty": (lambda: M.hausdorff(M.surface_distances(NONE, NONE)), NAN),
    "surfel_distances ref empty": (lambda: M.assd(M.surfel_distances(PRED, NONE)), math.inf),
    "distance_transform_edt no zero voxel": (lambda: M.distance_transform_edt(ALL)[0, 0],
                                             math.inf),
    "froc no finding": (lambda: M.froc(DETECTIONS, [], 1).sensitivity[-1], NAN),
    "sensitivity_at_fp no finding": (lambda: M.sensitivity_at_fp(curve([]), 1.0), NAN),
    "cpm no finding": (lambda: M.cpm(curve([])), NAN),
    "roc_auc one class": (lambda: M.roc_auc([1, 1, 1, 1], Y_SCORE), NAN),
    "roc_curve one class": (lambda: M.roc_curve([1, 1, 1, 1], Y_SCORE)[0][-1], NAN),
    "pr_auc no positives": (lambda: M.pr_auc([0, 0, 0, 0], Y_SCORE), NAN),
    "sensitivity_at_specificity one class": (lambda: M.sensitivity_at_specificity(
        [1, 1, 1, 1], Y_SCORE, 0.5), NAN),
    "cohen_kappa zero chance term": (lambda: M.cohen_kappa([1, 1], [1, 1]), NAN),
    "MetricAccumulator all NaN": (lambda: float(accumulator(np.full((2, 1), np.nan)).reduce(
        "mean")[0]), NAN),
}

# Public names that take no user data, so no bad input of their own: result records that
# medimg builds and returns, and a constant.
EXCLUDED = {"DetectionMatch", "FrocCurve", "ConfidenceInterval", "LUNA16_FP_RATES"}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused(name, tmp_path):
    assert_refused(CASES[name], tmp_path)


@pytest.mark.parametrize("name", list(EMPTY_RESULTS))
def test_undefined_scores_give_the_documented_value(name):
    call, expected = EMPTY_RESULTS[name]
    value = float(call())
    if math.isnan(expected):
        assert math.isnan(value), value
    else:
        assert value == expected


def test_every_public_name_is_in_the_matrix():
    assert_every_name_has_a_row([*CASES, *EMPTY_RESULTS], (M,), EXCLUDED)
