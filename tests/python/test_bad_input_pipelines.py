"""Bad-input matrix of the end-to-end pipelines (medimg.pipelines): every public name given
inputs it must refuse, each row naming the exact medimg exception class and a piece of its
message: 2D or multi-channel images where a 3D CT is needed, unknown stage options, missing
model files, bad patch geometry, bad DR-grading options and shapes.
"""

import numpy as np
import pytest
import torch

import medimg
from bad_input import assert_every_name_has_a_row, assert_refused

PL = medimg.pipelines
S, AR, IO = medimg.ShapeError, medimg.ArgumentError, medimg.IoError
NAN = float("nan")

AIR_2D = medimg.Image(np.full((1, 32, 32), -1000, np.float32))  # (C, Y, X): one slice
AIR_3D = np.full((1, 8, 32, 32), -1000, np.float32)  # (C, Z, Y, X)
FUNDUS = np.zeros((3, 32, 32), np.uint8)

# --- the matrix ---------------------------------------------------------------------------
# name: (call(tmp), expected class, substring of the message). Each name starts with the
# public function or class it exercises (test_every_public_name_is_in_the_matrix reads it).

CASES = {
    # lung nodules
    "LungNoduleDetector 2D image": (lambda t: PL.LungNoduleDetector().detect(AIR_2D), S,
                                    "LungNoduleDetector: expected a one-channel 3D CT "
                                    "(1, Z, Y, X), got shape [1, 32, 32]"),
    "LungNoduleDetector two channels": (lambda t: PL.LungNoduleDetector().detect(
        np.concatenate([AIR_3D, AIR_3D])), S, "got shape [2, 8, 32, 32]"),
    "LungNoduleDetector one slice": (lambda t: PL.LungNoduleDetector().detect(
        np.full((1, 32, 32), -1000, np.float32)), S,
        "LungNoduleDetector: the series is too short for 3D patches"),
    "LungNoduleDetector NaN voxels": (lambda t: PL.LungNoduleDetector().detect(
        np.full((1, 8, 32, 32), NAN, np.float32)), AR,
        "LungNoduleDetector: the CT image holds NaN values"),
    "LungNoduleDetector not HU": (lambda t: PL.LungNoduleDetector().detect(
        np.zeros((1, 8, 32, 32), np.float32)), AR,
        "the image does not look like a CT in Hounsfield units"),
    "LungNoduleDetector patch_size 0": (lambda t: PL.LungNoduleDetector(patch_size=0), AR,
                                        "nodule_patches: size must be >= 1, got 0"),
    "LungNoduleDetector unknown lungs option": (lambda t: PL.LungNoduleDetector(
        lungs={"colour": 1}), AR, "lungs: unknown option 'colour'; expected one of"),
    "LungNoduleDetector unknown candidates option": (lambda t: PL.LungNoduleDetector(
        candidates={"colour": 1}), AR, "candidates: unknown option 'colour'"),
    "LungNoduleDetector missing model file": (lambda t: PL.LungNoduleDetector(
        t / "missing.model"), IO, "missing.model: does not exist"),
    "LungNoduleDetector not a model": (lambda t: PL.LungNoduleDetector(3), AR,
                                       "model must be a path or a medimg network, got int"),
    "LungNoduleDetector negative opening radius": (lambda t: PL.LungNoduleDetector(
        opening_radii=(-1.0,)), AR, "opening radii must be finite and >= 0, got -1"),
    "nodule_patches 2D array": (lambda t: PL.nodule_patches(np.zeros((16, 16), np.float32),
                                                            [(1, 1, 1)]), S,
                                "expected voxels of shape (C, Y, X) or (C, Z, Y, X), got [16, 16]"),
    "nodule_patches size 0": (lambda t: PL.nodule_patches(AIR_3D, [(1, 1, 1)], size=0), AR,
                              "nodule_patches: size must be >= 1, got 0"),
    "nodule_patches spacing 0": (lambda t: PL.nodule_patches(AIR_3D, [(1, 1, 1)], spacing=0), AR,
                                 "nodule_patches: spacing must be finite and > 0, got 0"),
    "nodule_patches two-value centre": (lambda t: PL.nodule_patches(AIR_3D, [(1, 1)]), AR,
                                        "nodule_patches: each centre must be 3 values (x, y, z) "
                                        "in mm"),
    "nodule_patches NaN centre": (lambda t: PL.nodule_patches(AIR_3D, [(NAN, 1, 1)]), AR,
                                  "nodule_patches: a centre is not finite"),
    "nodule_overlay 2D array": (lambda t: PL.nodule_overlay(np.zeros((16, 16), np.float32), []),
                                S, "expected voxels of shape (C, Y, X) or (C, Z, Y, X)"),
    "nodule_overlay highlight past the detections": (lambda t: PL.nodule_overlay(
        AIR_3D, [], highlight=5), AR, "nodule_overlay: highlight 5 is not one of the 0 "
                                      "detections"),
    "luna16_rows not detections": (lambda t: PL.luna16_rows([3], "x"), AR,
                                   "luna16_rows: expected NoduleDetection items, got int"),
    # diabetic-retinopathy grading
    "DRGrader missing model file": (lambda t: PL.DRGrader(t / "missing.model"), IO,
                                    "missing.model: does not exist"),
    "DRGrader unknown preprocessing": (lambda t: PL.DRGrader(
        medimg.nn.EfficientNet("b0", num_classes=4), preprocessing="x"), AR,
        "DRGrader: preprocessing must be one of ('none', 'ben_graham', 'clahe_green'), got 'x'"),
    "DRGrader unknown CAM method": (lambda t: PL.DRGrader(
        medimg.nn.EfficientNet("b0", num_classes=4), cam_method="scorecam"), AR,
        "DRGrader: cam_method must be 'layercam', 'gradcam' or 'gradcam++', got 'scorecam'"),
    "dr_preprocess unknown preprocessing": (lambda t: PL.dr_preprocess(
        FUNDUS, preprocessing="x"), AR, "dr_preprocess: preprocessing must be one of"),
    "dr_metrics lengths differ": (lambda t: PL.dr_metrics([0, 1], [0], np.zeros((2, 5)), [0, 1]),
                                  S, "y_true has 2 cases but y_pred has shape [1]"),
    "gradcam_hits maps of another size": (lambda t: PL.gradcam_hits(
        torch.zeros(2, 8, 8), torch.zeros(2, 4, 8), 0), S,
        "gradcam_hits: maps [2, 8, 8] and lesion maps [2, 4, 8] differ in size"),
}

# Public names that take no user data: result records the pipelines build and constants.
EXCLUDED = {"LungNoduleResult", "NoduleDetection", "DRPrediction", "DR_GRADES",
            "DR_PREPROCESSING"}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused(name, tmp_path):
    assert_refused(CASES[name], tmp_path)


def test_every_public_name_is_in_the_matrix():
    assert_every_name_has_a_row(CASES, (PL,), EXCLUDED)
