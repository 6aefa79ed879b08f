"""Bad-input matrix of classical detection (medimg.classic): every public function given
inputs it must refuse, each row naming the exact medimg exception class and a piece of its
message. Inputs are tiny arrays built here, a small constant CT volume for the lung
functions and OpenCV's frontal-face cascade (Debian's opencv-data) for the cascade ones.
"""

from pathlib import Path

import numpy as np
import pytest
import torch

import medimg
from bad_input import assert_every_name_has_a_row, assert_refused

# --- inputs ----------------------------------------------------------------------------------

RNG = np.random.default_rng(0)
MASK = RNG.random((8, 8)) > 0.5  # scikit-image reading: arrays are the image itself
GREY = RNG.random((8, 8)).astype(np.float32)
PICTURE = (RNG.random((32, 32)) * 255).astype(np.uint8)
POSITIVES = (RNG.random((4, 12, 12)) * 255).astype(np.uint8)
NAN_GREY = GREY.copy()
NAN_GREY[1, 1] = np.nan
INF_GREY = np.where(np.isnan(NAN_GREY), np.inf, NAN_GREY)
SMALL = np.ones((4, 4), bool)
CT = np.full((1, 6, 16, 16), 40.0, np.float32)  # (1, Z, Y, X) soft tissue, HU
NAN_CT = CT.copy()
NAN_CT[0, 1, 1, 1] = np.nan
LUNGS = np.zeros((1, 6, 16, 16), np.uint8)
SEED = (8, 8, 2)  # world (x, y, z) mm inside CT
NEGATIVE_LABELS = np.array([[-1, 0], [1, 1]], np.int32)
NAN = float("nan")
HAAR = Path("/usr/share/opencv4/haarcascades")
LBP = Path("/usr/share/opencv4/lbpcascades")
FACE = HAAR / "haarcascade_frontalface_default.xml"


def face():
    return K.load_cascade(FACE)


def features(size=(8, 8)):
    return K.haar_features(size)


def train(**options):
    return K.train_cascade(POSITIVES, [PICTURE], **options)


K = medimg.classic
S, AR, U, F, IO = (medimg.ShapeError, medimg.ArgumentError, medimg.Unsupported,
                   medimg.FormatError, medimg.IoError)
BORDER = "expected 'constant', 'edge', 'reflect', 'mirror' or 'wrap'"
CONNECTIVITY_2D = "connectivity must be in [1, 2] (or 0 for 2)"
SPACING = "spacing must be finite and > 0 along every axis"

# --- the matrix ---------------------------------------------------------------------------
# name: (call(tmp), expected class, substring of the message). Each name starts with the
# public function or class it exercises (test_every_public_name_is_in_the_matrix reads it).

CASES = {
    # threshold / threshold_range
    "threshold complex": (lambda t: K.threshold(GREY.astype(np.complex64), 0.5), AR,
                          "expected numeric values, got dtype complex64"),
    "threshold float16": (lambda t: K.threshold(GREY.astype(np.float16), 0.5), U,
                          "medimg kernels do not handle dtype Half"),
    "threshold strings": (lambda t: K.threshold(np.array(["a"]), 0.5), AR, "got dtype <U1"),
    "threshold_range reversed": (lambda t: K.threshold_range(GREY, 1, 0), AR,
                                 "threshold_range: expected low <= high, got low = 1 and high = 0"),
    "threshold_range NaN bound": (lambda t: K.threshold_range(GREY, NAN, 1), AR,
                                  "got low = nan and high = 1"),
    "threshold_range float16": (lambda t: K.threshold_range(GREY.astype(np.float16), 0, 1), U,
                                "do not handle dtype Half"),
    # threshold_otsu / threshold_multiotsu
    "threshold_otsu NaN": (lambda t: K.threshold_otsu(NAN_GREY), AR,
                           "threshold_otsu: the image holds NaN or infinite values"),
    "threshold_otsu inf": (lambda t: K.threshold_otsu(INF_GREY), AR,
                           "the image holds NaN or infinite values"),
    "threshold_otsu nbins 0": (lambda t: K.threshold_otsu(GREY, nbins=0), AR,
                               "threshold_otsu: nbins must be >= 1, got 0"),
    "threshold_otsu empty": (lambda t: K.threshold_otsu(np.zeros((0, 4), np.float32)), AR,
                             "threshold_otsu: the image is empty"),
    "threshold_otsu integers spanning 2^40": (lambda t: K.threshold_otsu(
        np.array([[0, 2 ** 40]], np.int64)), U,
        "an integer image spanning 1099511627777 values would need as many histogram bins"),
    "threshold_otsu empty mask": (lambda t: K.threshold_otsu(GREY, mask=np.zeros((8, 8), bool)),
                                  AR, "threshold_otsu: the mask selects no voxel"),
    "threshold_otsu mask of another shape": (lambda t: K.threshold_otsu(GREY, mask=SMALL), S,
                                             "mask must have the image's shape [8, 8], got [4, 4]"),
    "threshold_otsu complex": (lambda t: K.threshold_otsu(GREY.astype(np.complex64)), AR,
                               "got dtype complex64"),
    "threshold_otsu float16": (lambda t: K.threshold_otsu(GREY.astype(np.float16)), U,
                               "do not handle dtype Half"),
    "threshold_multiotsu one class": (lambda t: K.threshold_multiotsu(GREY, classes=1), AR,
                                      "threshold_multiotsu: classes must be >= 2, got 1"),
    "threshold_multiotsu too few values": (lambda t: K.threshold_multiotsu(
        np.array([[0, 1]], np.float32), classes=3), AR,
        "the image has only 2 different values; it cannot be thresholded in 3 classes"),
    "threshold_multiotsu 10^26 combinations": (lambda t: K.threshold_multiotsu(
        GREY, classes=10, nbins=4096), AR, "threshold combinations to try; use fewer classes"),
    "threshold_multiotsu NaN": (lambda t: K.threshold_multiotsu(NAN_GREY), AR,
                                "the image holds NaN or infinite values"),
    "threshold_multiotsu empty mask": (lambda t: K.threshold_multiotsu(
        GREY, mask=np.zeros((8, 8), bool)), AR, "threshold_multiotsu: the mask selects no voxel"),
    # footprints
    "disk negative radius": (lambda t: K.disk(-1), AR, "disk: radius must be in [0, 1000], got -1"),
    "disk radius 1001": (lambda t: K.disk(1001), AR, "got 1001"),
    "disk fractional radius": (lambda t: K.disk(1.5), AR,
                               "disk: radius must be an integer, got 1.5"),
    "ball radius 2^70": (lambda t: K.ball(2 ** 70), AR, "ball: radius is out of range"),
    "ball negative radius": (lambda t: K.ball(-1), AR, "ball: radius must be in [0, 1000]"),
    "ball radius 10^5": (lambda t: K.ball(100000), AR, "got 100000"),
    "square width 0": (lambda t: K.square(0), AR, "square: width must be in [1, 1000], got 0"),
    "square width 1001": (lambda t: K.square(1001), AR, "got 1001"),
    "cube width 0": (lambda t: K.cube(0), AR, "cube: width must be in [1, 1000], got 0"),
    "diamond negative radius": (lambda t: K.diamond(-2), AR,
                                "diamond: radius must be in [0, 1000], got -2"),
    "octahedron negative radius": (lambda t: K.octahedron(-2), AR,
                                   "octahedron: radius must be in [0, 1000], got -2"),
    "octahedron radius 1001": (lambda t: K.octahedron(1001), AR, "got 1001"),
    "Footprint all zeros": (lambda t: K.Footprint(torch.zeros(3, 3)), AR,
                            "footprint has no non-zero element"),
    "Footprint NaN": (lambda t: K.Footprint(torch.full((3, 3), NAN)), AR,
                      "footprint must not contain NaN"),
    "Footprint complex": (lambda t: K.Footprint(torch.ones(3, 3, dtype=torch.complex64)), U,
                          "footprint: medimg kernels do not handle dtype ComplexFloat"),
    "Footprint 1D": (lambda t: K.Footprint(torch.ones(3)), S,
                     "footprint must be a (ky, kx) or (kz, ky, kx) array, got shape [3]"),
    "Footprint 4D": (lambda t: K.Footprint(torch.ones(1, 1, 3, 3)), S, "got shape [1, 1, 3, 3]"),
    "Footprint empty axis": (lambda t: K.Footprint(torch.ones(0, 3)), S,
                             "footprint has an empty axis: shape [0, 3]"),
    # binary and grey morphology
    "binary_erosion 3D footprint on 2D": (lambda t: K.binary_erosion(MASK, K.ball(1)), S,
                                          "binary_erosion: a 2D array needs a 2D footprint, "
                                          "got ball(1)"),
    "binary_erosion 1D footprint on 1D": (lambda t: K.binary_erosion(np.ones(5, bool),
                                                                     np.ones(3, bool)),
                                          S, "binary_erosion: expected a (Y, X) or (Z, Y, X) "
                                             "array, got shape [5]"),
    "binary_erosion 1D": (lambda t: K.binary_erosion(np.ones(5, bool)), S,
                          "binary_erosion: expected a (Y, X) or (Z, Y, X) array, got shape [5]"),
    "binary_erosion NaN": (lambda t: K.binary_erosion(NAN_GREY), AR,
                           "binary_erosion: the mask contains NaN"),
    "binary_dilation NaN": (lambda t: K.binary_dilation(NAN_GREY), AR,
                            "binary_dilation: the mask contains NaN"),
    "erosion 4D": (lambda t: K.erosion(np.ones((2, 2, 2, 2), np.float32)), S,
                   "erosion: expected a (Y, X) or (Z, Y, X) array, got shape [2, 2, 2, 2]"),
    "binary_erosion empty": (lambda t: K.binary_erosion(np.ones((0, 5), bool)), S,
                             "binary_erosion: the array is empty, shape [0, 5]"),
    "binary_erosion complex": (lambda t: K.binary_erosion(GREY.astype(np.complex64)), AR,
                               "got dtype complex64"),
    "binary_erosion all-zero footprint": (lambda t: K.binary_erosion(MASK, np.zeros((3, 3))),
                                          AR, "footprint has no non-zero element"),
    "binary_erosion two-channel Image": (lambda t: K.binary_erosion(medimg.Image(
        np.ones((2, 4, 4), np.uint8))), S, "image must be a one-channel Image, got 2 channels"),
    "binary_dilation 3D footprint on 2D": (lambda t: K.binary_dilation(MASK, K.ball(1)), S,
                                           "binary_dilation: a 2D array needs a 2D footprint"),
    "binary_opening 3D footprint on 2D": (lambda t: K.binary_opening(MASK, K.ball(1)), S,
                                          "binary_opening: a 2D array needs a 2D footprint"),
    "binary_closing 3D footprint on 2D": (lambda t: K.binary_closing(MASK, K.ball(1)), S,
                                          "binary_closing: a 2D array needs a 2D footprint"),
    "erosion 3D footprint on 2D": (lambda t: K.erosion(GREY, K.ball(1)), S,
                                   "erosion: a 2D array needs a 2D footprint, got ball(1)"),
    "erosion 4D with a 3D footprint": (lambda t: K.erosion(np.ones((2, 2, 2, 2), np.float32),
                                                           K.cube(1)),
                                       S, "erosion: expected a (Y, X) or (Z, Y, X) array"),
    "erosion float16": (lambda t: K.erosion(GREY.astype(np.float16)), U,
                        "morphology does not handle dtype Half"),
    "erosion complex": (lambda t: K.erosion(GREY.astype(np.complex64)), AR, "got dtype complex64"),
    "erosion empty": (lambda t: K.erosion(np.ones((0, 5), np.float32)), S,
                      "erosion: the array is empty"),
    "dilation 3D footprint on 2D": (lambda t: K.dilation(GREY, K.ball(1)), S,
                                    "dilation: a 2D array needs a 2D footprint"),
    "dilation NaN footprint": (lambda t: K.dilation(GREY, np.full((3, 3), NAN)), AR,
                               "footprint must not contain NaN"),
    "opening 3D footprint on 2D": (lambda t: K.opening(GREY, K.ball(1)), S,
                                   "opening: a 2D array needs a 2D footprint"),
    "closing 3D footprint on 2D": (lambda t: K.closing(GREY, K.ball(1)), S,
                                   "closing: a 2D array needs a 2D footprint"),
    # holes and small components
    "fill_holes connectivity 3 in 2D": (lambda t: K.fill_holes(MASK, connectivity=3), AR,
                                        "fill_holes: " + CONNECTIVITY_2D + ", got 3"),
    "fill_holes 1D": (lambda t: K.fill_holes(np.ones(5, bool)), S,
                      "fill_holes: expected a (Y, X) or (Z, Y, X) array, got shape [5]"),
    "fill_holes empty": (lambda t: K.fill_holes(np.zeros((0, 4), bool)), S,
                         "fill_holes: the array is empty"),
    "fill_holes NaN": (lambda t: K.fill_holes(NAN_GREY), AR, "fill_holes: the mask contains NaN"),
    "remove_small_objects float": (lambda t: K.remove_small_objects(GREY), AR,
                                   "remove_small_objects: only bool or integer arrays are "
                                   "supported, got Float"),
    "remove_small_objects negative labels": (lambda t: K.remove_small_objects(NEGATIVE_LABELS),
                                             AR, "negative labels are not supported (got -1)"),
    "remove_small_objects negative min_size": (lambda t: K.remove_small_objects(MASK,
                                                                                min_size=-1),
                                               AR, "min_size must be >= 0, got -1"),
    "remove_small_objects 1D": (lambda t: K.remove_small_objects(np.zeros(4, bool)), S,
                                "expected a (Y, X) or (Z, Y, X) array, got shape [4]"),
    "remove_small_objects empty": (lambda t: K.remove_small_objects(np.zeros((0, 4), bool)), S,
                                   "remove_small_objects: the array is empty"),
    "remove_small_holes connectivity 5 in 2D": (lambda t: K.remove_small_holes(
        MASK, connectivity=5), AR, CONNECTIVITY_2D + ", got 5"),
    "remove_small_holes float": (lambda t: K.remove_small_holes(GREY), AR,
                                 "remove_small_holes: only bool or integer arrays"),
    "remove_small_holes negative area_threshold": (lambda t: K.remove_small_holes(
        MASK, area_threshold=-1), AR, "area_threshold must be >= 0, got -1"),
    # label / keep_largest / regionprops
    "label float": (lambda t: K.label(GREY), AR,
                    "labelling needs a bool or integer image, got dtype Float"),
    "label connectivity 3 in 2D": (lambda t: K.label(MASK, connectivity=3), AR,
                                   "label: " + CONNECTIVITY_2D + ", got 3"),
    "label 1D": (lambda t: K.label(np.ones(5, bool)), S,
                 "label: expected a (Y, X) or (Z, Y, X) array, got shape [5]"),
    "label 4D": (lambda t: K.label(np.ones((2, 2, 2, 2), bool)), S, "got shape [2, 2, 2, 2]"),
    "label empty": (lambda t: K.label(np.ones((0, 4), bool)), S, "label: the array is empty"),
    "label complex": (lambda t: K.label(GREY.astype(np.complex64)), AR, "got dtype complex64"),
    "keep_largest negative n": (lambda t: K.keep_largest(MASK, n=-1), AR,
                                "keep_largest: n must be >= 0, got -1"),
    "keep_largest connectivity 9 in 2D": (lambda t: K.keep_largest(MASK, connectivity=9), AR,
                                          CONNECTIVITY_2D + ", got 9"),
    "keep_largest NaN": (lambda t: K.keep_largest(NAN_GREY), AR,
                         "keep_largest: the mask contains NaN"),
    "keep_largest 1D": (lambda t: K.keep_largest(np.ones(5, bool)), S,
                        "keep_largest: expected a (Y, X) or (Z, Y, X) array"),
    "regionprops float labels": (lambda t: K.regionprops(GREY), AR,
                                 "regionprops: labels must be an integer array, got dtype Float"),
    "regionprops bool labels": (lambda t: K.regionprops(MASK), AR,
                                "got dtype Bool (label() a mask first)"),
    "regionprops negative labels": (lambda t: K.regionprops(NEGATIVE_LABELS), AR,
                                    "regionprops: labels must be >= 0, got -1"),
    "regionprops intensity of another shape": (lambda t: K.regionprops(
        MASK.astype(np.int32), np.zeros((4, 4))), S,
        "regionprops: intensity must have the labels' shape [8, 8], got [4, 4]"),
    "regionprops spacing 0": (lambda t: K.regionprops(MASK.astype(np.int32), spacing=(0, 1)),
                              AR, SPACING + ", got 0 along axis 0"),
    "regionprops negative spacing": (lambda t: K.regionprops(MASK.astype(np.int32),
                                                             spacing=(-1, 1)),
                                     AR, "got -1 along axis 0"),
    "regionprops NaN spacing": (lambda t: K.regionprops(MASK.astype(np.int32),
                                                        spacing=(NAN, 1)),
                                AR, "got nan along axis 0"),
    "regionprops three spacings in 2D": (lambda t: K.regionprops(MASK.astype(np.int32),
                                                                 spacing=(1, 1, 1)),
                                         S, "a 2D label image needs a 2D geometry, got 3D"),
    "regionprops 1D": (lambda t: K.regionprops(np.ones(4, np.int32)), S,
                       "regionprops: label_image must be (Y, X) or (Z, Y, X), got shape [4]"),
    "regionprops empty": (lambda t: K.regionprops(np.zeros((0, 4), np.int32)), S,
                          "regionprops: the array is empty"),
    # canny / sobel / gaussian
    "canny huge sigma": (lambda t: K.canny(GREY, sigma=1e12), AR,
                         "is a radius above 2^20 voxels"),
    "canny 3D": (lambda t: K.canny(np.zeros((4, 8, 8), np.float32)), S,
                 "canny: expected a non-empty (Y, X) image, got shape [4, 8, 8]"),
    "canny 3D Image": (lambda t: K.canny(medimg.Image(np.zeros((1, 4, 8, 8), np.float32))), S,
                       "got shape [4, 8, 8]"),
    "canny empty": (lambda t: K.canny(np.zeros((0, 8), np.float32)), S, "got shape [0, 8]"),
    "canny negative sigma": (lambda t: K.canny(GREY, sigma=-1), AR,
                             "canny: sigma must be finite and >= 0, got -1"),
    "canny NaN sigma": (lambda t: K.canny(GREY, sigma=NAN), AR, "got nan"),
    "canny low above high": (lambda t: K.canny(GREY, low_threshold=0.5, high_threshold=0.1), AR,
                             "low_threshold must not exceed high_threshold, got 0.5 > 0.1"),
    "canny quantile above 1": (lambda t: K.canny(GREY, low_threshold=0.1, high_threshold=1.5,
                                                 use_quantiles=True),
                               AR, "high_threshold must be a quantile in [0, 1]"),
    "canny unknown mode": (lambda t: K.canny(GREY, mode="x"), AR,
                           "unknown border mode 'x'; " + BORDER),
    "canny mask of another shape": (lambda t: K.canny(GREY, mask=SMALL), S,
                                    "canny: mask must have the image's shape [8, 8], got [4, 4]"),
    "canny complex": (lambda t: K.canny(GREY.astype(np.complex64)), AR, "got dtype complex64"),
    "sobel axis 2 in 2D": (lambda t: K.sobel(GREY, axis=2), AR,
                           "sobel: axis must be -1 (all) or in [0, 2), got 2"),
    "sobel unknown mode": (lambda t: K.sobel(GREY, mode="x"), AR, BORDER),
    "sobel 1D": (lambda t: K.sobel(np.ones(5, np.float32)), S,
                 "sobel: expected a non-empty (Y, X) or (Z, Y, X) image, got shape [5]"),
    "sobel 4D": (lambda t: K.sobel(np.ones((2, 2, 2, 2), np.float32)), S,
                 "got shape [2, 2, 2, 2]"),
    "sobel empty": (lambda t: K.sobel(np.zeros((0, 8), np.float32)), S, "got shape [0, 8]"),
    "sobel mask of another shape": (lambda t: K.sobel(GREY, mask=SMALL), S,
                                    "sobel: mask must have the image's shape [8, 8]"),
    "sobel complex": (lambda t: K.sobel(GREY.astype(np.complex64)), AR, "got dtype complex64"),
    "sobel float16": (lambda t: K.sobel(GREY.astype(np.float16)), U,
                      "edge filters do not handle dtype Half"),
    "gaussian negative sigma": (lambda t: K.gaussian(GREY[None], -1.0), AR,
                                "sigma must be finite and >= 0, got -1"),
    "gaussian unknown border": (lambda t: K.gaussian(GREY[None], 1.0, border="x"), AR, BORDER),
    # lung_mask / nodule_candidates / segment_nodule
    "lung_mask complex": (lambda t: K.lung_mask(CT.astype(np.complex64)), U,
                          "lung_mask: expected real Hounsfield units, got dtype ComplexFloat"),
    "lung_mask 2D array": (lambda t: K.lung_mask(np.zeros((16, 16), np.float32)), S,
                           "expected voxels of shape (C, Y, X) or (C, Z, Y, X), got [16, 16]"),
    "lung_mask 2D Image": (lambda t: K.lung_mask(medimg.Image(np.zeros((1, 16, 16),
                                                                       np.float32))),
                           S, "lung_mask: expected a one-channel 3D CT image (1, Z, Y, X), got "
                              "shape [1, 16, 16]"),
    "lung_mask two channels": (lambda t: K.lung_mask(np.zeros((2, 6, 16, 16), np.float32)), S,
                               "got shape [2, 6, 16, 16]"),
    "lung_mask empty axis": (lambda t: K.lung_mask(np.zeros((1, 0, 16, 16), np.float32)), S,
                             "an Image cannot have an empty axis"),
    "lung_mask NaN": (lambda t: K.lung_mask(NAN_CT), AR,
                      "lung_mask: the CT image holds NaN values"),
    "lung_mask NaN threshold": (lambda t: K.lung_mask(CT, threshold=NAN), AR,
                                "lung_mask: threshold is NaN"),
    "lung_mask min_lung_fraction 1.5": (lambda t: K.lung_mask(CT, min_lung_fraction=1.5), AR,
                                        "min_lung_fraction must lie in [0, 1], got 1.5"),
    "lung_mask negative min_lung_fraction": (lambda t: K.lung_mask(CT, min_lung_fraction=-0.1),
                                             AR, "got -0.1"),
    "lung_mask negative closing_radius": (lambda t: K.lung_mask(CT, closing_radius=-1), AR,
                                          "lung_mask: closing_radius must be >= 0 mm, got -1"),
    "lung_mask negative max_separation_erosions": (lambda t: K.lung_mask(
        CT, max_separation_erosions=-1), AR, "max_separation_erosions must be >= 0, got -1"),
    "lung_mask spacing 0": (lambda t: K.lung_mask(CT, spacing=(0, 1, 1)), AR,
                            SPACING + ", got 0 along axis 0"),
    "lung_mask negative spacing": (lambda t: K.lung_mask(CT, spacing=(-1, 1, 1)), AR,
                                   "got -1 along axis 0"),
    "lung_mask two spacings": (lambda t: K.lung_mask(CT, spacing=(1, 1)), AR,
                               "spacing must have 3 values (array order) for a 3D image, got 2"),
    "nodule_candidates lungs of another shape": (lambda t: K.nodule_candidates(
        CT, np.zeros((1, 6, 8, 8), np.uint8)), S,
        "the lung mask [1, 6, 8, 8] must have the CT's shape [1, 6, 16, 16]"),
    "nodule_candidates NaN": (lambda t: K.nodule_candidates(NAN_CT, LUNGS), AR,
                              "nodule_candidates: the CT image holds NaN values"),
    "nodule_candidates 2D array": (lambda t: K.nodule_candidates(
        np.zeros((16, 16), np.float32), np.zeros((16, 16), np.uint8)), S, "got [16, 16]"),
    "nodule_candidates min above max diameter": (lambda t: K.nodule_candidates(
        CT, LUNGS, min_diameter=10, max_diameter=3), AR,
        "expected 0 <= min_diameter <= max_diameter, got 10 and 3"),
    "nodule_candidates negative opening_radius": (lambda t: K.nodule_candidates(
        CT, LUNGS, opening_radius=-1), AR, "opening_radius must be >= 0 mm, got -1"),
    "nodule_candidates negative min_shape_voxels": (lambda t: K.nodule_candidates(
        CT, LUNGS, min_shape_voxels=-1), AR, "min_shape_voxels must be >= 0, got -1"),
    "nodule_candidates spacing 0": (lambda t: K.nodule_candidates(CT, LUNGS,
                                                                  spacing=(0, 1, 1)),
                                    AR, SPACING),
    "segment_nodule two coordinates": (lambda t: K.segment_nodule(CT, (1, 2)), AR,
                                       "centre_mm must be three numbers (x, y, z) mm, got shape "
                                       "(2,)"),
    "segment_nodule text centre": (lambda t: K.segment_nodule(CT, "abc"), AR,
                                   "centre_mm must be three numbers (x, y, z) mm, got 'abc'"),
    "segment_nodule NaN centre": (lambda t: K.segment_nodule(CT, (NAN, 1, 1)), AR,
                                  "centre_mm must be finite world (x, y, z) mm, got (nan, 1, 1)"),
    "segment_nodule centre outside": (lambda t: K.segment_nodule(CT, (100, 100, 100)), AR,
                                      "lies outside the image: index (100, 100, 100) in a "
                                      "(6, 16, 16) grid"),
    "segment_nodule nothing dense near the seed": (lambda t: K.segment_nodule(
        np.full_like(CT, -900.0), SEED), AR,
        "no voxel above -550 HU lies within seed_radius 5 mm of centre_mm (8, 8, 2)"),
    "segment_nodule NaN": (lambda t: K.segment_nodule(NAN_CT, SEED), AR,
                           "segment_nodule: the CT image holds NaN values"),
    "segment_nodule 2D Image": (lambda t: K.segment_nodule(medimg.Image(np.zeros(
        (1, 16, 16), np.float32)), (8, 8, 0)), S,
        "segment_nodule: expected a one-channel 3D CT image (1, Z, Y, X)"),
    "segment_nodule lungs of another shape": (lambda t: K.segment_nodule(
        CT, SEED, lungs=np.zeros((1, 6, 8, 8), np.uint8)), S,
        "the lung mask [1, 6, 8, 8] must have the CT's shape"),
    "segment_nodule negative opening_radius": (lambda t: K.segment_nodule(
        CT, SEED, opening_radius=-1), AR, "opening_radius must be a finite number >= 0 mm"),
    "segment_nodule NaN max_diameter": (lambda t: K.segment_nodule(CT, SEED, max_diameter=NAN),
                                        AR, "max_diameter must be a finite number > 0 mm, "
                                            "got nan"),
    "segment_nodule infinite seed_radius": (lambda t: K.segment_nodule(
        CT, SEED, seed_radius=float("inf")), AR, "seed_radius must be a finite number >= 0 mm"),
    "segment_nodule spacing 0": (lambda t: K.segment_nodule(CT, SEED, spacing=(0, 1, 1)), AR,
                                 SPACING),
    # Haar features and cascades
    "integral_images 3D": (lambda t: K.integral_images(np.zeros((2, 4, 4), np.uint8)), S,
                           "image must be (Y, X) or (1, Y, X), got shape (2, 4, 4)"),
    "integral_images 1D": (lambda t: K.integral_images(np.zeros(4, np.uint8)), S,
                           "got shape (4,)"),
    "integral_images complex": (lambda t: K.integral_images(np.zeros((4, 4), np.complex64)), AR,
                                "got dtype complex64"),
    "integral_images two-channel Image": (lambda t: K.integral_images(medimg.Image(
        np.zeros((2, 4, 4), np.uint8))), S, "image must be a one-channel 2D image"),
    "haar_features unknown mode": (lambda t: K.haar_features((24, 24), mode="x"), AR,
                                   "Haar feature mode must be 'basic', 'core' or 'all', got 'x'"),
    "haar_features height 0": (lambda t: K.haar_features((0, 24)), AR,
                               "the window must be 1 to 512 pixels on each side, got 0 x 24"),
    "haar_features one size": (lambda t: K.haar_features((24,)), S,
                               "haar_features: window_size must be (height, width), got (24,)"),
    "haar_features height 513": (lambda t: K.haar_features((513, 24)), AR, "got 513 x 24"),
    "haar_feature_values window too small": (lambda t: K.haar_feature_values(
        np.zeros((2, 4, 4), np.uint8), features()[-1:]), AR, "leaves the 4 x 4 window"),
    "haar_feature_values float": (lambda t: K.haar_feature_values(
        np.zeros((2, 8, 8), np.float32), features()[:1]), AR, "expected dtype Byte, got Float"),
    "haar_feature_values one sample without N": (lambda t: K.haar_feature_values(
        np.zeros((8, 8), np.uint8), features()[:1]), S,
        "samples must be (N, H, W), got shape (8, 8)"),
    "haar_feature_values no samples": (lambda t: K.haar_feature_values([], features()[:1]), S,
                                       "samples is empty"),
    "train_cascade float positives": (lambda t: K.train_cascade(
        POSITIVES.astype(np.float32), [PICTURE]), AR, "expected dtype Byte, got Float"),
    "train_cascade one positive without N": (lambda t: K.train_cascade(POSITIVES[0], [PICTURE]),
                                             S, "positives must be (N, H, W), got shape (12, 12)"),
    "train_cascade 2 x 2 positives": (lambda t: K.train_cascade(POSITIVES[:, :2, :2], [PICTURE]),
                                      S, "positive samples must be 3 to 512 pixels on each side, "
                                         "got 2 x 2"),
    "train_cascade 513-pixel positives": (lambda t: K.train_cascade(
        np.zeros((1, 513, 4), np.uint8), [PICTURE]), S, "got 513 x 4"),
    "train_cascade no negatives": (lambda t: K.train_cascade(POSITIVES, []), S,
                                   "no negative image is at least the window size 12 x 12"),
    "train_cascade negatives smaller than the window": (lambda t: K.train_cascade(
        POSITIVES, [np.zeros((4, 4), np.uint8)]), S, "no negative image is at least the window"),
    "train_cascade flat positives": (lambda t: K.train_cascade(np.zeros((4, 12, 12), np.uint8),
                                                               [PICTURE]),
                                     AR, "every positive sample is flat"),
    "train_cascade num_stages 0": (lambda t: train(num_stages=0), AR,
                                   "num_stages must be >= 1, got 0"),
    "train_cascade min_hit_rate 1.5": (lambda t: train(min_hit_rate=1.5), AR,
                                       "min_hit_rate must be in (0, 1), got 1.5"),
    "train_cascade max_false_alarm_rate 0": (lambda t: train(max_false_alarm_rate=0), AR,
                                             "max_false_alarm_rate must be in (0, 1), got 0"),
    "train_cascade unknown mode": (lambda t: train(mode="x"), AR,
                                   "Haar feature mode must be 'basic', 'core' or 'all'"),
    "train_cascade negative num_negatives": (lambda t: train(num_negatives=-1), AR,
                                             "num_negatives must be >= 1, got -1"),
    "train_cascade weight_trim_rate 2": (lambda t: train(weight_trim_rate=2), AR,
                                         "weight_trim_rate must be in (0, 1], got 2"),
    "train_cascade max_weak_count 0": (lambda t: train(max_weak_count=0), AR,
                                       "max_weak_count must be >= 1, got 0"),
    "train_cascade negative precalc_buffer_mb": (lambda t: train(precalc_buffer_mb=-1), AR,
                                                 "precalc_buffer_mb must be >= 0, got -1"),
    "detect float image": (lambda t: K.detect(PICTURE.astype(np.float32), face()), AR,
                           "detect expects uint8 grey levels (as OpenCV), got Float"),
    "detect 3D image": (lambda t: K.detect(np.zeros((2, 32, 32), np.uint8), face()), S,
                        "image must be (Y, X) or (1, Y, X), got shape (2, 32, 32)"),
    "detect scale_factor 1": (lambda t: K.detect(PICTURE, face(), scale_factor=1.0), AR,
                              "scale_factor must be > 1, got 1"),
    "detect scale_factor 0.5": (lambda t: K.detect(PICTURE, face(), scale_factor=0.5), AR,
                                "got 0.5"),
    "detect NaN scale_factor": (lambda t: K.detect(PICTURE, face(), scale_factor=NAN), AR,
                                "got nan"),
    "detect more than 1000 scales": (lambda t: K.detect(np.zeros((600, 600), np.uint8), face(),
                                                        scale_factor=1.0001),
                                     AR, "gives more than 1000 scales on a 600 x 600 image"),
    "detect min_size of three": (lambda t: K.detect(PICTURE, face(), min_size=(1, 2, 3)), AR,
                                 "min_size must be (height, width), got (1, 2, 3)"),
    "detect negative min_size": (lambda t: K.detect(PICTURE, face(), min_size=(-1, -1)), AR,
                                 "min_size and max_size must be >= 0, got (-1, -1)"),
    "detect missing cascade file": (lambda t: K.detect(PICTURE, t / "no.xml"), IO,
                                    "cannot open the cascade file"),
    "group_rectangles three columns": (lambda t: K.group_rectangles(np.zeros((3, 3), np.int32),
                                                                    1),
                                       S, "rects must be (N, 4) (x, y, width, height), got [3, 3]"),
    "group_rectangles 1D": (lambda t: K.group_rectangles(np.zeros(4, np.int32), 1), S,
                            "got [4]"),
    "group_rectangles float": (lambda t: K.group_rectangles(np.zeros((3, 4), np.float32), 1), AR,
                               "rects must hold integers, got Float"),
    "group_rectangles negative eps": (lambda t: K.group_rectangles(np.zeros((3, 4), np.int32), 1,
                                                                   eps=-1),
                                      AR, "eps must be finite and >= 0, got -1"),
    "group_rectangles NaN eps": (lambda t: K.group_rectangles(np.zeros((3, 4), np.int32), 1,
                                                              eps=NAN),
                                 AR, "got nan"),
    "group_rectangles past int32": (lambda t: K.group_rectangles(np.full((3, 4), 2 ** 31 - 1,
                                                                         np.int64), 1),
                                    AR, "rects value 2147483647 out of range"),
    "load_cascade missing file": (lambda t: K.load_cascade(t / "no.xml"), IO,
                                  "no.xml: cannot open the cascade file"),
    "load_cascade folder": (lambda t: K.load_cascade(t), IO, "cannot open the cascade file"),
    "load_cascade old format": (lambda t: K.load_cascade(
        HAAR / "haarcascade_licence_plate_rus_16stages.xml"), U,
        "an old-format (opencv-haar-classifier) cascade"),
    "load_cascade LBP": (lambda t: K.load_cascade(LBP / "lbpcascade_frontalface.xml"), U,
                         "LBP cascades are not supported, only HAAR"),
    "cascade_from_xml empty text": (lambda t: K.cascade_from_xml(""), F,
                                    "<xml>: no XML root element"),
    "cascade_from_xml not XML": (lambda t: K.cascade_from_xml("not xml"), F,
                                 "no XML root element"),
    "cascade_from_xml unclosed": (lambda t: K.cascade_from_xml(
        "<?xml version='1.0'?><opencv_storage><cascade>"), F, "XML ends inside <cascade>"),
    "cascade_from_xml truncated": (lambda t: K.cascade_from_xml(face().to_xml()[:5000]), F,
                                   "XML ends inside <stages>"),
    "cascade_from_xml wrong stageNum": (lambda t: K.cascade_from_xml(face().to_xml().replace(
        "<stageNum>25</stageNum>", "<stageNum>26</stageNum>")), F,
        "not a valid OpenCV cascade: stageNum says 26 stages, the file holds 25"),
    "Cascade save into a missing folder": (lambda t: face().save(str(t / "no" / "c.xml")), IO,
                                           "the output folder does not exist"),
    "classify_windows samples of another size": (lambda t: K.classify_windows(
        np.zeros((2, 12, 12), np.uint8), face()), S,
        "samples must match the cascade window 24 x 24, got 12 x 12"),
    "classify_windows float": (lambda t: K.classify_windows(np.zeros((2, 24, 24), np.float32),
                                                            face()),
                               AR, "expected dtype Byte, got Float"),
    "classify_windows one sample without N": (lambda t: K.classify_windows(
        np.zeros((24, 24), np.uint8), face()), S, "samples must be (N, H, W)"),
    "classify_windows no samples": (lambda t: K.classify_windows([], face()), S,
                                    "samples is empty"),
}

# Public names that take no user data, so no bad input of their own: result records that
# medimg builds and returns (their fields are read, never passed back in).
EXCLUDED = {"HaarFeature", "NoduleCandidate", "RegionProps"}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused(name, tmp_path):
    assert_refused(CASES[name], tmp_path)


def test_every_public_name_is_in_the_matrix():
    assert_every_name_has_a_row(CASES, (K,), EXCLUDED)
