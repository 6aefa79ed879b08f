"""Bad-input matrix of preprocessing and augmentation (medimg.preprocess, medimg.augment):
every public function and transform given inputs it must refuse, each row naming the exact
medimg exception class and a piece of its message. Inputs are tiny arrays built here; the
"huge" rows name sizes past 32-bit indices that are refused before anything is allocated.
"""

import numpy as np
import pytest
import torch

import medimg
from bad_input import assert_every_name_has_a_row, assert_refused

# --- inputs ----------------------------------------------------------------------------------

RNG = np.random.default_rng(0)
I2 = RNG.random((1, 8, 8)).astype(np.float32)  # (C, Y, X)
I3 = RNG.random((1, 4, 6, 8)).astype(np.float32)  # (C, Z, Y, X)
U8 = (I2 * 255).astype(np.uint8)
NAN2 = I2.copy()
NAN2[0, 1, 1] = np.nan
INF2 = I2.copy()
INF2[0, 1, 1] = np.inf
EMPTY = np.zeros((1, 0, 8), np.float32)  # a zero-size spatial axis
BARE = np.zeros(8, np.float32)  # no channel axis, one spatial axis
FIVE_D = np.zeros((1, 2, 2, 2, 2), np.float32)
EMPTY_MASK = np.zeros((8, 8), bool)
SMALL_MASK = np.ones((4, 4), bool)
HUGE = 2 ** 40  # per axis: 2^80 voxels, far past 32- and 64-bit indices
COORDS = np.zeros((2, 5), np.float32)
LABELS = np.zeros((8, 8), np.int32)
NAN = float("nan")
INF = float("inf")


def image(voxels=I2, **meta) -> medimg.Image:
    result = medimg.Image(voxels)
    for key, value in meta.items():
        result.meta[key] = value
    return result


def affine_draw(shape=(8, 8), **options):
    return A.RandAffine(**options).sample(A.Random(0), shape)


def nan_affine_draw():
    params = affine_draw()
    params.angles = [NAN]
    return params


P = medimg.preprocess
A = medimg.augment
S, AR, U = medimg.ShapeError, medimg.ArgumentError, medimg.Unsupported
INTERPOLATION = "expected 'nearest', 'linear' or 'bspline3'"
BORDER = "expected 'constant', 'edge', 'reflect', 'mirror' or 'wrap'"
NO_EMPTY_AXIS = "an Image cannot have an empty axis, got shape [1, 0, 8]"
CHANNEL_FIRST = "expected voxels of shape (C, Y, X) or (C, Z, Y, X), got [8]"
PERCENTILES = "percentiles must satisfy 0 <= lower <= upper <= 100"

# --- the matrix ---------------------------------------------------------------------------
# name: (call(tmp), expected class, substring of the message). Each name starts with the
# public function or class it exercises (test_every_public_name_is_in_the_matrix reads it).

CASES = {
    # window
    "window without center and width": (lambda t: P.window(I2), AR,
                                        "window needs center and width, or a preset name"),
    "window width 0": (lambda t: P.window(I2, 0, 0), AR, "width must be finite and > 0, got 0"),
    "window negative width": (lambda t: P.window(I2, 0, -1), AR,
                              "width must be finite and > 0, got -1"),
    "window NaN width": (lambda t: P.window(I2, 0, NAN), AR,
                         "width must be finite and > 0, got nan"),
    "window infinite width": (lambda t: P.window(I2, 0, INF), AR,
                              "width must be finite and > 0, got inf"),
    "window NaN center": (lambda t: P.window(I2, NAN, 1), AR, "center must be finite, got nan"),
    "window unknown mode": (lambda t: P.window(I2, 0, 1, mode="cubic"), AR,
                            "window mode must be 'linear-clip', 'linear'"),
    "window DICOM LINEAR width < 1": (lambda t: P.window(I2, 0, 0.5, mode="linear"), AR,
                                      "width must be >= 1 for DICOM's LINEAR function"),
    "window unknown preset": (lambda t: P.window(I2, preset="kidney"), AR,
                              "unknown window preset 'kidney'; known presets: lung"),
    "window preset and center": (lambda t: P.window(I2, 0, 1, preset="lung"), AR,
                                 "give either preset or center and width, not both"),
    "window output of one value": (lambda t: P.window(I2, 0, 1, output=(0,)), AR,
                                   "output must be a pair of numbers (low, high)"),
    "window NaN output": (lambda t: P.window(I2, 0, 1, output=(0, NAN)), AR,
                          "the output range must be finite"),
    "window complex": (lambda t: P.window(I2.astype(np.complex64), 0, 1), AR,
                       "expected numeric values, got dtype complex64"),
    "window strings": (lambda t: P.window(np.array(["a"]), 0, 1), AR,
                       "expected numeric values, got dtype <U1"),
    "window float16": (lambda t: P.window(torch.zeros(1, 4, 4, dtype=torch.float16), 0, 1), U,
                       "do not handle dtype Half"),
    "window empty": (lambda t: P.window(EMPTY, 0, 1), S, "window needs a non-empty tensor"),
    "window out float64 array": (lambda t: P.window(I2, 0, 1, out=np.zeros_like(I2, np.float64)),
                                 AR, "out must be a writeable float32 array, got float64"),
    "window out of another shape": (lambda t: P.window(I2, 0, 1, out=np.zeros((1, 4, 4),
                                                                              np.float32)),
                                    S, "window's out has shape [1, 4, 4], the input [1, 8, 8]"),
    "window out float64 tensor": (lambda t: P.window(I2, 0, 1, out=torch.zeros(
        1, 8, 8, dtype=torch.float64)), AR, "out must be a float32 tensor, got Double"),
    "window out strided": (lambda t: P.window(I2, 0, 1, out=np.zeros((1, 8, 16),
                                                                     np.float32)[..., ::2]),
                           AR, "window's out must be contiguous"),
    "window out list": (lambda t: P.window(I2, 0, 1, out=[0]), AR,
                        "out must be a numpy array or torch tensor, got list"),
    "window out with an Image": (lambda t: P.window(image(), 0, 1, out=np.zeros_like(I2)), AR,
                                 "out= takes arrays and tensors, not Images"),
    # window_preset / window_from_metadata
    "window_preset unknown": (lambda t: P.window_preset("kidney"), AR,
                              "unknown window preset 'kidney'"),
    "window_preset empty name": (lambda t: P.window_preset(""), AR, "unknown window preset ''"),
    "window_from_metadata array": (lambda t: P.window_from_metadata(I2), AR,
                                   "window_from_metadata needs a medimg.Image"),
    "window_from_metadata no window": (lambda t: P.window_from_metadata(image()), AR,
                                       "the image has no WindowCenter in its metadata"),
    "window_from_metadata no width": (lambda t: P.window_from_metadata(image(
        WindowCenter=40.0)), AR, "the image has no WindowWidth in its metadata"),
    "window_from_metadata width 0": (lambda t: P.window_from_metadata(image(
        WindowCenter=40.0, WindowWidth=0.0)), AR, "width must be finite and > 0, got 0"),
    "window_from_metadata NaN width": (lambda t: P.window_from_metadata(image(
        WindowCenter=40.0, WindowWidth=NAN)), AR, "width must be finite and > 0, got nan"),
    "window_from_metadata text width": (lambda t: P.window_from_metadata(image(
        WindowCenter=40.0, WindowWidth="abc")), AR, "the image's WindowWidth is not numeric"),
    "window_from_metadata empty values": (lambda t: P.window_from_metadata(image(
        WindowCenter=[], WindowWidth=[])), AR, "the image's WindowCenter is empty"),
    "window_from_metadata unknown mode": (lambda t: P.window_from_metadata(image(
        WindowCenter=40.0, WindowWidth=400.0), mode="x"), AR, "got 'x'"),
    # normalize_minmax
    "normalize_minmax NaN": (lambda t: P.normalize_minmax(NAN2), AR,
                             "normalize_minmax: channel 0 has NaN or infinite voxels"),
    "normalize_minmax inf": (lambda t: P.normalize_minmax(INF2), AR,
                             "channel 0 has NaN or infinite voxels"),
    "normalize_minmax 1D": (lambda t: P.normalize_minmax(BARE), S, CHANNEL_FIRST),
    "normalize_minmax 5D": (lambda t: P.normalize_minmax(FIVE_D), S,
                            "got [1, 2, 2, 2, 2]; add a channel axis"),
    "normalize_minmax empty axis": (lambda t: P.normalize_minmax(EMPTY), S, NO_EMPTY_AXIS),
    "normalize_minmax no channel": (lambda t: P.normalize_minmax(np.zeros((0, 4, 4),
                                                                          np.float32)),
                                    S, "an Image cannot have an empty axis, got shape [0, 4, 4]"),
    "normalize_minmax output of three": (lambda t: P.normalize_minmax(I2, output=(1, 2, 3)), AR,
                                         "output must be a pair of numbers"),
    "normalize_minmax complex": (lambda t: P.normalize_minmax(I2.astype(np.complex64)), U,
                                 "do not handle dtype ComplexFloat"),
    "normalize_minmax list": (lambda t: P.normalize_minmax([[1.0]]), AR,
                              "expected a medimg.Image, torch.Tensor or numpy.ndarray, got list"),
    # normalize_zscore
    "normalize_zscore NaN": (lambda t: P.normalize_zscore(NAN2), AR,
                             "normalize_zscore: channel 0 has NaN or infinite voxels"),
    "normalize_zscore inf": (lambda t: P.normalize_zscore(INF2), AR,
                             "channel 0 has NaN or infinite voxels"),
    "normalize_zscore empty mask": (lambda t: P.normalize_zscore(I2, mask=EMPTY_MASK), AR,
                                    "the mask selects no voxel in channel 0"),
    "normalize_zscore mask of another shape": (lambda t: P.normalize_zscore(I2, mask=SMALL_MASK),
                                               S, "mask must have shape [8, 8]"),
    "normalize_zscore mean without std": (lambda t: P.normalize_zscore(I2, mean=0.0), AR,
                                          "give both mean and std, or neither"),
    "normalize_zscore std 0": (lambda t: P.normalize_zscore(I2, mean=0.0, std=0.0), AR,
                               "std must be finite and > 0, got 0"),
    "normalize_zscore negative std": (lambda t: P.normalize_zscore(I2, mean=0.0, std=-1.0), AR,
                                      "std must be finite and > 0, got -1"),
    "normalize_zscore NaN std": (lambda t: P.normalize_zscore(I2, mean=0.0, std=NAN), AR,
                                 "std must be finite and > 0, got nan"),
    "normalize_zscore two means for one channel": (lambda t: P.normalize_zscore(
        I2, mean=[0, 1], std=[1, 1]), AR, "normalize_zscore: mean and std need 1 value, got 2"),
    "normalize_zscore three means for two channels": (lambda t: P.normalize_zscore(
        np.concatenate([I2, I2]), mean=[0, 1, 2], std=[1, 1, 1]), AR,
        "mean and std need 1 or 2 values (one per channel), got 3"),
    "normalize_zscore reversed clip": (lambda t: P.normalize_zscore(I2, clip=(1, 0)), AR,
                                       "clip must be (low, high) with low <= high, got (1, 0)"),
    "normalize_zscore scalar clip": (lambda t: P.normalize_zscore(I2, clip=3), AR,
                                     "clip must be a pair of numbers (low, high), got 3"),
    "normalize_zscore empty axis": (lambda t: P.normalize_zscore(EMPTY), S, NO_EMPTY_AXIS),
    # channel_percentiles / clip_percentile
    "channel_percentiles lower > upper": (lambda t: P.channel_percentiles(I2, 90, 10), AR,
                                          PERCENTILES + ", got lower=90, upper=10"),
    "channel_percentiles negative": (lambda t: P.channel_percentiles(I2, -1, 10), AR,
                                     PERCENTILES),
    "channel_percentiles above 100": (lambda t: P.channel_percentiles(I2, 1, 101), AR,
                                      PERCENTILES),
    "channel_percentiles NaN percentile": (lambda t: P.channel_percentiles(I2, NAN, 10), AR,
                                           "got lower=nan"),
    "channel_percentiles NaN voxels": (lambda t: P.channel_percentiles(NAN2), AR,
                                       "channel 0 has NaN or infinite voxels"),
    "channel_percentiles empty mask": (lambda t: P.channel_percentiles(I2, mask=EMPTY_MASK), AR,
                                       "channel 0 has no selected voxel"),
    "channel_percentiles nonzero of zeros": (lambda t: P.channel_percentiles(
        np.zeros_like(I2), nonzero=True), AR, "channel 0 has no selected voxel"),
    "channel_percentiles empty axis": (lambda t: P.channel_percentiles(EMPTY), S, NO_EMPTY_AXIS),
    "clip_percentile lower > upper": (lambda t: P.clip_percentile(I2, 90, 10), AR, PERCENTILES),
    "clip_percentile above 100": (lambda t: P.clip_percentile(I2, 1, 101), AR, PERCENTILES),
    "clip_percentile NaN voxels": (lambda t: P.clip_percentile(NAN2), AR,
                                   "channel 0 has NaN or infinite voxels"),
    "clip_percentile mask of another shape": (lambda t: P.clip_percentile(I2, mask=SMALL_MASK),
                                              S, "mask must have shape [8, 8]"),
    # equalize_hist / clahe / clahe_uint8
    "equalize_hist nbins 1": (lambda t: P.equalize_hist(I2, nbins=1), AR,
                              "nbins must be in [2, 16777216], got 1"),
    # pybind11 once raised TypeError for an int past 32 bits
    "equalize_hist nbins 2^40": (lambda t: P.equalize_hist(I2, nbins=2 ** 40), AR,
                                 "equalize_hist: nbins must be in [2, 16777216], got "
                                 "1099511627776"),
    "clahe nbins 2^40": (lambda t: P.clahe(I2, nbins=2 ** 40), AR,
                         "clahe: nbins must be in [2, 1048576], got 1099511627776"),
    "equalize_hist negative nbins": (lambda t: P.equalize_hist(I2, nbins=-5), AR,
                                     "nbins must be in [2, 16777216], got -5"),
    "equalize_hist NaN": (lambda t: P.equalize_hist(NAN2), AR,
                          "equalize_hist: channel 0 has NaN or infinite voxels"),
    "equalize_hist inf": (lambda t: P.equalize_hist(INF2), AR, "NaN or infinite voxels"),
    "equalize_hist mask of another shape": (lambda t: P.equalize_hist(I2, mask=SMALL_MASK), S,
                                            "mask must have shape [8, 8]"),
    "equalize_hist empty mask": (lambda t: P.equalize_hist(I2, mask=EMPTY_MASK), AR,
                                 "the mask selects no voxel in channel 0"),
    "equalize_hist empty axis": (lambda t: P.equalize_hist(EMPTY), S, NO_EMPTY_AXIS),
    "equalize_hist 1D": (lambda t: P.equalize_hist(BARE), S, CHANNEL_FIRST),
    "equalize_hist float16": (lambda t: P.equalize_hist(I2.astype(np.float16)), U,
                              "do not handle dtype Half"),
    "equalize_hist integers spanning 2^40": (lambda t: P.equalize_hist(
        np.array([[[0, 2 ** 40]]], np.int64)), U, "supports at most 16777216 of them"),
    "clahe negative clip_limit": (lambda t: P.clahe(I2, clip_limit=-0.1), AR,
                                  "clip_limit is a fraction in [0, 1]"),
    "clahe clip_limit above 1": (lambda t: P.clahe(I2, clip_limit=1.5), AR, "got 1.5"),
    "clahe NaN clip_limit": (lambda t: P.clahe(I2, clip_limit=NAN), AR,
                             "clip_limit is a fraction in [0, 1] (0: no clipping), got nan"),
    "clahe kernel_size 0": (lambda t: P.clahe(I2, kernel_size=0), AR,
                            "kernel_size values must be in [1, 65536], got 0"),
    "clahe negative kernel_size": (lambda t: P.clahe(I2, kernel_size=(-2, 2)), AR,
                                   "kernel_size values must be in [1, 65536], got -2"),
    "clahe kernel_size 65537": (lambda t: P.clahe(I2, kernel_size=65537), AR,
                                "kernel_size values must be in [1, 65536], got 65537"),
    "clahe three kernel sizes in 2D": (lambda t: P.clahe(I2, kernel_size=(2, 2, 2)), AR,
                                       "kernel_size needs 1 or 2 values (array order), got 3"),
    "clahe nbins 1": (lambda t: P.clahe(I2, nbins=1), AR, "nbins must be in [2, 1048576], got 1"),
    "clahe nbins 2^20 + 1": (lambda t: P.clahe(I2, nbins=2 ** 20 + 1), AR,
                             "nbins must be in [2, 1048576], got 1048577"),
    "clahe too many regions x bins": (lambda t: P.clahe(I2, kernel_size=1, nbins=2 ** 20), AR,
                                      "64 contextual regions x 1048576 bins is too many"),
    "clahe NaN": (lambda t: P.clahe(NAN2), AR, "clahe: channel 0 has NaN or infinite voxels"),
    "clahe inf": (lambda t: P.clahe(INF2), AR, "NaN or infinite voxels"),
    "clahe empty axis": (lambda t: P.clahe(EMPTY), S, NO_EMPTY_AXIS),
    "clahe 1D": (lambda t: P.clahe(BARE), S, CHANNEL_FIRST),
    "clahe 4 spatial axes": (lambda t: P.clahe(FIVE_D), S, "got [1, 2, 2, 2, 2]"),
    "clahe_uint8 float32": (lambda t: P.clahe_uint8(I2), AR,
                            "clahe_uint8 takes uint8, or uint16 values held as int32, got Float"),
    "clahe_uint8 int16": (lambda t: P.clahe_uint8(I2.astype(np.int16)), AR, "got Short"),
    "clahe_uint8 int32 above 65535": (lambda t: P.clahe_uint8(np.full((1, 8, 8), 70000,
                                                                      np.int32)),
                                      AR, "int32 input must hold uint16 values (0 ... 65535)"),
    "clahe_uint8 negative int32": (lambda t: P.clahe_uint8(np.full((1, 8, 8), -1, np.int32)),
                                   AR, "got [-1, -1]"),
    "clahe_uint8 3D": (lambda t: P.clahe_uint8(np.zeros((1, 4, 8, 8), np.uint8)), S,
                       "clahe_uint8 takes a 2D image (C, Y, X) as OpenCV does"),
    "clahe_uint8 negative clip_limit": (lambda t: P.clahe_uint8(U8, clip_limit=-1), AR,
                                        "clip_limit must be finite and >= 0"),
    "clahe_uint8 NaN clip_limit": (lambda t: P.clahe_uint8(U8, clip_limit=NAN), AR,
                                   "clip_limit must be finite and >= 0 (0: no clipping), got nan"),
    "clahe_uint8 tile_grid 0": (lambda t: P.clahe_uint8(U8, tile_grid=(0, 8)), AR,
                                "tile_grid (rows, columns) must be between (1, 1) and the "
                                "image size (8, 8), got (0, 8)"),
    "clahe_uint8 tile_grid of one value": (lambda t: P.clahe_uint8(U8, tile_grid=(8,)), AR,
                                           "tile_grid must be two integers (rows, columns)"),
    "clahe_uint8 huge tile_grid": (lambda t: P.clahe_uint8(U8, tile_grid=(100000, 100000)), AR,
                                   "got (100000, 100000)"),
    "clahe_uint8 empty axis": (lambda t: P.clahe_uint8(np.zeros((1, 0, 8), np.uint8)), S,
                               NO_EMPTY_AXIS),
    # gaussian_filter / gaussian
    "gaussian_filter negative sigma": (lambda t: P.gaussian_filter(I2, -1.0), AR,
                                       "gaussian_filter: sigma must be finite and >= 0, got -1"),
    "gaussian_filter complex": (lambda t: P.gaussian_filter(I2.astype(np.complex64), 1.0), U,
                                "gaussian_filter: medimg kernels do not handle dtype "
                                "ComplexFloat"),
    "gaussian_filter NaN sigma": (lambda t: P.gaussian_filter(I2, NAN), AR, "got nan"),
    "gaussian_filter infinite sigma": (lambda t: P.gaussian_filter(I2, INF), AR, "got inf"),
    "gaussian_filter three sigmas in 2D": (lambda t: P.gaussian_filter(I2, [1, 1, 1]), S,
                                           "expected 2 sigma values (one per spatial axis) or "
                                           "one, got 3"),
    "gaussian_filter unknown border": (lambda t: P.gaussian_filter(I2, 1.0, border="zero"), AR,
                                       "unknown border mode 'zero'; " + BORDER),
    "gaussian_filter negative truncate": (lambda t: P.gaussian_filter(I2, 1.0, truncate=-1), AR,
                                          "truncate must be > 0, got -1"),
    "gaussian_filter NaN truncate": (lambda t: P.gaussian_filter(I2, 1.0, truncate=NAN), AR,
                                     "truncate must be > 0, got nan"),
    "gaussian_filter 1D": (lambda t: P.gaussian_filter(BARE, 1.0), S, CHANNEL_FIRST),
    "gaussian_filter empty axis": (lambda t: P.gaussian_filter(EMPTY, 1.0), S, NO_EMPTY_AXIS),
    "gaussian negative sigma in mm": (lambda t: P.gaussian(image(), -1.0), AR,
                                      "sigma must be finite and >= 0, got -1"),
    "gaussian three sigmas in mm for 2D": (lambda t: P.gaussian(image(), [1.0, 1.0, 1.0]), S,
                                           "gaussian: expected 2 sigma values in mm or one"),
    "gaussian unknown border": (lambda t: P.gaussian(image(), 1.0, border="x"), AR, BORDER),
    # map_coordinates / affine_transform / spline_filter
    "map_coordinates unknown interpolation": (lambda t: P.map_coordinates(
        I2, COORDS, interpolation="cubic"), AR, "unknown interpolation 'cubic'; " + INTERPOLATION),
    "map_coordinates spline order 2": (lambda t: P.map_coordinates(I2, COORDS, interpolation=2),
                                       AR, "unknown interpolation '2'"),
    "map_coordinates unknown border": (lambda t: P.map_coordinates(I2, COORDS, border="zero"),
                                       AR, "unknown border mode 'zero'"),
    "map_coordinates 3 coordinates for 2D": (lambda t: P.map_coordinates(
        I2, np.zeros((3, 5), np.float32)), S,
        "coordinates must have shape (2, ...) for 2D voxels, got [3, 5]"),
    "map_coordinates 1D coordinates": (lambda t: P.map_coordinates(I2, np.zeros(5, np.float32)),
                                       S, "coordinates must have shape (2, ...)"),
    "map_coordinates complex coordinates": (lambda t: P.map_coordinates(
        I2, COORDS.astype(np.complex64)), AR, "expected numeric values, got dtype complex64"),
    "map_coordinates empty voxels": (lambda t: P.map_coordinates(EMPTY, COORDS), S,
                                     "map_coordinates: the voxels are empty, shape [1, 0, 8]"),
    "map_coordinates bare 1D voxels": (lambda t: P.map_coordinates(BARE, COORDS), S,
                                       "expected voxels of shape (C, Y, X) or (C, Z, Y, X)"),
    "map_coordinates fill_value outside uint8": (lambda t: P.map_coordinates(
        U8, COORDS, interpolation="nearest", fill_value=300), AR,
        "map_coordinates: fill_value 300 is not a value of the output dtype Byte"),
    "map_coordinates NaN fill_value on int16": (lambda t: P.map_coordinates(
        I2.astype(np.int16), COORDS, interpolation="nearest", fill_value=NAN), AR,
        "fill_value nan is not a value of the output dtype Short"),
    "affine_transform 4x4 matrix for 2D": (lambda t: P.affine_transform(I2, np.eye(4)), S,
                                           "a 2D affine matrix is 3x3 (or 2x3), got 4x4"),
    "affine_transform 1D matrix": (lambda t: P.affine_transform(I2, np.ones(3)), S,
                                   "the matrix must be 2-dimensional, got shape (3,)"),
    "affine_transform NaN matrix": (lambda t: P.affine_transform(I2, np.full((3, 3), NAN)), AR,
                                    "affine_transform: the matrix must be finite"),
    "affine_transform bad last row": (lambda t: P.affine_transform(I2, np.array(
        [[1, 0, 0], [0, 1, 0], [1, 1, 1.0]])), AR,
        "the last row of a homogeneous matrix must be (0, ..., 0, 1)"),
    "affine_transform output size 0": (lambda t: P.affine_transform(I2, np.eye(3),
                                                                    shape=(0, 4)),
                                       S, "output sizes must be >= 1, got 0"),
    "affine_transform negative output size": (lambda t: P.affine_transform(
        I2, np.eye(3), shape=(-1, 4)), S, "output sizes must be >= 1, got -1"),
    "affine_transform three output sizes": (lambda t: P.affine_transform(
        I2, np.eye(3), shape=(4, 4, 4)), S, "expected 2 output sizes (array order), got 3"),
    "affine_transform fractional shape": (lambda t: P.affine_transform(
        I2, np.eye(3), shape=(4.5, 4)), AR, "expected integers, got (4.5, 4)"),
    "affine_transform unknown interpolation": (lambda t: P.affine_transform(
        I2, np.eye(3), interpolation="cubic"), AR, INTERPOLATION),
    "spline_filter unknown border": (lambda t: P.spline_filter(I2, border="x"), AR, BORDER),
    "spline_filter empty voxels": (lambda t: P.spline_filter(EMPTY), S,
                                   "spline_filter: the voxels are empty"),
    "spline_filter bare 1D": (lambda t: P.spline_filter(BARE), S,
                              "expected voxels of shape (C, Y, X) or (C, Z, Y, X), got [8]"),
    # resample / resample_labels / resample_to / resample_labels_to
    "resample neither spacing nor shape": (lambda t: P.resample(I2), AR,
                                           "resample: give the new spacing, the new shape or "
                                           "both"),
    "resample spacing 0": (lambda t: P.resample(I2, spacing=0.0), AR,
                           "spacing must be finite and > 0 along every axis, got 0"),
    "resample negative spacing": (lambda t: P.resample(I2, spacing=-1.0), AR,
                                  "spacing must be finite and > 0 along every axis, got -1"),
    "resample NaN spacing": (lambda t: P.resample(I2, spacing=NAN), AR, "got nan"),
    "resample infinite spacing": (lambda t: P.resample(I2, spacing=INF), AR, "got inf"),
    "resample three spacings for 2D": (lambda t: P.resample(I2, spacing=(1, 1, 1)), S,
                                       "spacing needs one value per spatial axis (2) or one "
                                       "for all, got 3"),
    "resample shape 0": (lambda t: P.resample(I2, shape=(0, 4)), S,
                         "resample: shape sizes must be >= 1, got 0"),
    "resample three sizes for 2D": (lambda t: P.resample(I2, shape=(4, 4, 4)), S,
                                    "shape needs one value per spatial axis (2)"),
    "resample input_spacing 0": (lambda t: P.resample(I2, spacing=1.0, input_spacing=0.0), AR,
                                 "spacing must be finite and > 0 along every axis, got 0 along "
                                 "axis 0"),
    "resample negative input_spacing": (lambda t: P.resample(I2, spacing=1.0,
                                                             input_spacing=(-1.0, 1.0)),
                                        AR, "got -1 along axis 0"),
    "resample input_spacing contradicts the Image": (lambda t: P.resample(
        medimg.Image(I2, spacing=(1.0, 1.0)), spacing=1.0, input_spacing=2.0), AR,
        "spacing=(2.0,) contradicts the image's spacing (1.0, 1.0)"),
    "resample unknown interpolation": (lambda t: P.resample(I2, shape=(4, 4),
                                                            interpolation="area"),
                                       AR, "unknown interpolation 'area'"),
    "resample unknown border": (lambda t: P.resample(I2, shape=(4, 4), border="x"), AR, BORDER),
    "resample empty axis": (lambda t: P.resample(EMPTY, shape=(4, 4)), S, NO_EMPTY_AXIS),
    "resample_labels unknown mode": (lambda t: P.resample_labels(LABELS[None], shape=(4, 4),
                                                                 mode="linear"),
                                     AR, "unknown label resampling mode 'linear'; expected "
                                         "'nearest' or 'one-hot'"),
    "resample_labels spacing 0": (lambda t: P.resample_labels(LABELS[None], spacing=0.0), AR,
                                  "resample_labels: spacing must be finite and > 0"),
    "resample_labels neither spacing nor shape": (lambda t: P.resample_labels(LABELS[None]),
                                                  AR, "resample_labels: give the new spacing"),
    "resample_to array as reference": (lambda t: P.resample_to(I2, I2), AR,
                                       "reference must be a medimg.Image or a (Geometry, spatial "
                                       "shape) pair, got ndarray"),
    "resample_to empty target grid": (lambda t: P.resample_to(I2, (image().geometry, (0, 4))),
                                      S, "resample_to: output sizes must be >= 1, got 0"),
    "resample_to 3D grid for 2D": (lambda t: P.resample_to(I2, medimg.Image(I3)), S,
                                   "the image is 2D but the target grid is 3D"),
    "resample_to unknown interpolation": (lambda t: P.resample_to(I2, image(),
                                                                  interpolation="x"),
                                          AR, INTERPOLATION),
    "resample_labels_to string as reference": (lambda t: P.resample_labels_to(LABELS[None],
                                                                              "ref"),
                                               AR, "got str"),
    "resample_labels_to unknown mode": (lambda t: P.resample_labels_to(LABELS[None], image(),
                                                                       mode="x"),
                                        AR, "unknown label resampling mode 'x'"),
    "resample_labels_to 3D grid for 2D": (lambda t: P.resample_labels_to(
        LABELS[None], medimg.Image(I3)), S, "the image is 2D but the target grid is 3D"),
    # crop / pad / crop_or_pad / foreground_box / crop_foreground
    "crop past the end": (lambda t: P.crop(I2, (0, 0), (9, 8)), AR,
                          "crop: along axis 0 the box [0, 9) must be non-empty and inside [0, 8)"),
    "crop reversed box": (lambda t: P.crop(I2, (4, 4), (2, 8)), AR, "the box [4, 2)"),
    "crop negative start": (lambda t: P.crop(I2, (-1, 0), (4, 4)), AR, "the box [-1, 4)"),
    "crop empty box": (lambda t: P.crop(I2, (2, 2), (2, 4)), AR, "the box [2, 2) must be "
                                                                 "non-empty"),
    "crop one value for 2D": (lambda t: P.crop(I2, (0,), (4,)), S,
                              "crop: start and stop need 2 values each (array order), got 1 and 1"),
    "crop fractional start": (lambda t: P.crop(I2, (0.5, 0), (4, 4)), AR,
                              "expected integers, got (0.5, 0)"),
    "pad negative width": (lambda t: P.pad(I2, -1), AR,
                           "pad: widths must be in [0, 2^40], got (-1, -1)"),
    "pad uint8 value 300": (lambda t: P.pad(U8, 1, value=300), AR,
                            "pad: value 300 is not a value of the image dtype Byte"),
    "pad bool value 2": (lambda t: P.pad(U8 > 100, 1, value=2), AR,
                         "pad: value 2 is not a value of the image dtype Bool"),
    "pad huge width": (lambda t: P.pad(I2, 2 ** 62), AR, "pad: widths must be in [0, 2^40]"),
    "pad huge output": (lambda t: P.pad(I2, 2 ** 31), S,
                        "pad: an output of 1.84467e+19 voxels per channel is too large"),
    "crop_or_pad huge output": (lambda t: P.crop_or_pad(I2, (HUGE, HUGE)), S,
                                "crop_or_pad: an output of"),
    "affine_transform huge output": (lambda t: P.affine_transform(I2, np.eye(3),
                                                                  shape=(2 ** 31, 2 ** 31)),
                                     S, "affine_transform: an output of"),
    "resample tiny spacing": (lambda t: P.resample(I2, spacing=1e-12), S,
                              "voxels per channel is too large (at most 2^40)"),
    "warp_affine huge output": (lambda t: P.warp_affine(I2, np.eye(3), shape=(HUGE, HUGE)), S,
                                "voxels per channel is too large (at most 2^40)"),
    "gaussian_filter huge sigma": (lambda t: P.gaussian_filter(I2, 1e8), AR,
                                   "sigma 1e+08 (voxels) x truncate 4 is a radius above 2^20"),
    "RandGaussianSmooth huge sigma": (lambda t: A.RandGaussianSmooth(sigma=(1e12, 1e12))(
        I2, seed=0), AR, "is a radius above 2^20 voxels"),
    "RandElastic huge sigma": (lambda t: A.RandElastic(sigma=(1e12, 1e12))(I2, seed=0), AR,
                               "is a radius above 2^20 voxels"),
    "pad unknown mode": (lambda t: P.pad(I2, 1, mode="x"), AR,
                         "unknown pad mode 'x'; expected 'constant', 'edge', 'reflect', "
                         "'symmetric' or 'wrap'"),
    "pad three widths for 2D": (lambda t: P.pad(I2, (1, 1, 1)), S,
                                "pad: before needs one value per spatial axis (2) or one for all"),
    "crop_or_pad size 0": (lambda t: P.crop_or_pad(I2, (0, 4)), S,
                           "crop_or_pad: sizes must be >= 1, got 0"),
    "crop_or_pad negative size": (lambda t: P.crop_or_pad(I2, -4), S, "got -4"),
    "crop_or_pad three sizes for 2D": (lambda t: P.crop_or_pad(I2, (4, 4, 4)), S,
                                       "shape needs one value per spatial axis (2)"),
    "crop_or_pad unknown mode": (lambda t: P.crop_or_pad(I2, (12, 12), mode="x"), AR,
                                 "unknown pad mode 'x'"),
    "foreground_box bare 1D": (lambda t: P.foreground_box(BARE), S,
                               "foreground_box: expected voxels of shape (C, Y, X)"),
    "foreground_box empty voxels": (lambda t: P.foreground_box(EMPTY), S,
                                    "foreground_box: the voxels are empty"),
    "foreground_box complex": (lambda t: P.foreground_box(I2.astype(np.complex64)), AR,
                               "expected numeric values, got dtype complex64"),
    "crop_foreground negative margin": (lambda t: P.crop_foreground(I2, margin=-1), AR,
                                        "crop_foreground: margin must be >= 0, got -1"),
    "crop_foreground three margins for 2D": (lambda t: P.crop_foreground(I2, margin=(1, 1, 1)),
                                             S, "margin needs one value per spatial axis (2)"),
    "crop_foreground mask of another shape": (lambda t: P.crop_foreground(I2, mask=SMALL_MASK),
                                              S, "the mask must have the image's spatial shape "
                                                 "[8, 8], got [4, 4]"),
    "crop_foreground empty axis": (lambda t: P.crop_foreground(EMPTY), S, NO_EMPTY_AXIS),
    # flip / rot90 / orientation_code / reorient
    "flip axis 2 of a 2D image": (lambda t: P.flip(I2, 2), AR,
                                  "flip: axis 2 is not a spatial axis of a 2D image"),
    "flip axis -3 of a 2D image": (lambda t: P.flip(I2, -3), AR, "axis -3 is not a spatial axis"),
    "flip axis named twice": (lambda t: P.flip(I2, (0, 0)), AR, "flip: axis 0 is named twice"),
    "flip fractional axis": (lambda t: P.flip(I2, 0.5), AR, "expected integers, got 0.5"),
    "flip empty axis": (lambda t: P.flip(EMPTY), S, NO_EMPTY_AXIS),
    "rot90 same axis twice": (lambda t: P.rot90(I2, 1, (0, 0)), AR,
                              "rot90: the two axes must differ, got 0 and 0"),
    "rot90 axis out of range": (lambda t: P.rot90(I2, 1, (0, 2)), AR,
                                "rot90: axis 2 is not a spatial axis of a 2D image"),
    "rot90 one axis": (lambda t: P.rot90(I2, 1, (0,)), AR,
                       "rot90: axes must name two spatial axes, got 1"),
    "rot90 three axes": (lambda t: P.rot90(I3, 1, (0, 1, 2)), AR, "got 3"),
    "orientation_code bare 1D": (lambda t: P.orientation_code(np.zeros(8)), S, CHANNEL_FIRST),
    "orientation_code list": (lambda t: P.orientation_code([1]), AR,
                              "expected a medimg.Image, torch.Tensor or numpy.ndarray, got list"),
    "reorient unknown letter": (lambda t: P.reorient(image(), "LX"), AR,
                                "reorient: unknown orientation letter 'X' in \"LX\""),
    "reorient 3 letters for 2D": (lambda t: P.reorient(image(), "LPS"), AR,
                                  "a 2D image needs a 2-letter orientation code"),
    "reorient empty code": (lambda t: P.reorient(image(), ""), AR, "got \"\""),
    "reorient same axis twice": (lambda t: P.reorient(image(), "LR"), AR,
                                 "\"LR\" names the same anatomical axis twice"),
    "reorient same axis twice in 3D": (lambda t: P.reorient(medimg.Image(I3), "LLS"), AR,
                                       "\"LLS\" names the same anatomical axis twice"),
    # warp_affine / affine_about_center
    "warp_affine 4x4 matrix for 2D": (lambda t: P.warp_affine(I2, np.eye(4)), S,
                                      "warp_affine: a 2D affine matrix is 3x3 (or 2x3), got 4x4"),
    "warp_affine 2x3 matrix for 3D": (lambda t: P.warp_affine(I3, np.zeros((2, 3))), S,
                                      "a 3D affine matrix is 4x4 (or 3x4), got 2x3"),
    "warp_affine NaN matrix": (lambda t: P.warp_affine(I2, np.full((2, 3), NAN)), AR,
                               "warp_affine: the matrix must be finite"),
    "warp_affine singular matrix": (lambda t: P.warp_affine(I2, np.zeros((2, 3))), AR,
                                    "the matrix is singular; a forward map must be invertible"),
    "warp_affine 1D matrix": (lambda t: P.warp_affine(I2, np.ones(6)), S,
                              "the matrix must be 2-dimensional"),
    "warp_affine unknown interpolation": (lambda t: P.warp_affine(I2, np.eye(3),
                                                                  interpolation="x"),
                                          AR, INTERPOLATION),
    "warp_affine unknown border": (lambda t: P.warp_affine(I2, np.eye(3), border="x"), AR,
                                   BORDER),
    "warp_affine output size 0": (lambda t: P.warp_affine(I2, np.eye(3), shape=(0, 4)), S,
                                  "output sizes must be >= 1, got 0"),
    "affine_about_center one size": (lambda t: P.affine_about_center((4,)), S,
                                     "affine_about_center: the shape needs 2 or 3 sizes, got 1"),
    "affine_about_center four sizes": (lambda t: P.affine_about_center((4, 4, 4, 4)), S,
                                       "the shape needs 2 or 3 sizes, got 4"),
    "affine_about_center size 0": (lambda t: P.affine_about_center((0, 4)), S,
                                   "sizes must be >= 1, got 0"),
    "affine_about_center negative size": (lambda t: P.affine_about_center((-4, 4)), S,
                                          "sizes must be >= 1, got -4"),
    "affine_about_center fractional size": (lambda t: P.affine_about_center((4.5, 4)), AR,
                                            "expected integers, got (4.5, 4)"),
    "affine_about_center two angles in 2D": (lambda t: P.affine_about_center(
        (4, 4), rotation=(1, 2)), S, "rotation needs 1 value, got 2"),
    "affine_about_center NaN angle": (lambda t: P.affine_about_center((4, 4), rotation=NAN), AR,
                                      "rotation must be finite, got nan"),
    "affine_about_center scale 0": (lambda t: P.affine_about_center((4, 4), scale=0.0), AR,
                                    "scale must be > 0, got 0"),
    "affine_about_center negative scale": (lambda t: P.affine_about_center((4, 4), scale=-1.0),
                                           AR, "scale must be > 0, got -1"),
    "affine_about_center three scales in 2D": (lambda t: P.affine_about_center(
        (4, 4), scale=(1, 1, 1)), S, "scale needs 2 values, got 3"),
    "affine_about_center three translations in 2D": (lambda t: P.affine_about_center(
        (4, 4), translation=(1, 1, 1)), S, "translation needs 2 values, got 3"),
    "affine_about_center two shears in 2D": (lambda t: P.affine_about_center(
        (4, 4), shear=(1, 1)), S, "shear needs 1 value, got 2"),

    # --- medimg.augment ------------------------------------------------------------------
    "Random reversed uniform range": (lambda t: A.Random(0).uniform(1, 0), AR,
                                      "uniform range must be finite with low <= high, got [1, 0)"),
    "Random negative seed": (lambda t: A.Random(-1), AR,
                             "Random: seed must be an integer in [0, 2^64), got -1"),
    "Random seed 2^64": (lambda t: A.Random(2 ** 64), AR, "got 18446744073709551616"),
    "Random fractional seed": (lambda t: A.Random(1.5), AR, "got 1.5"),
    "Random.seed negative": (lambda t: A.Random(0).seed(-1), AR,
                             "Random: seed must be an integer in [0, 2^64), got -1"),
    "Random NaN uniform range": (lambda t: A.Random(0).uniform(NAN, 1), AR, "got [nan, 1)"),
    "Random negative normal std": (lambda t: A.Random(0).normal(0, -1), AR,
                                   "normal std must be >= 0, got -1"),
    "Random reversed integer range": (lambda t: A.Random(0).integer(5, 1), AR,
                                      "integer range needs low <= high, got [5, 1]"),
    "Transform random and seed": (lambda t: A.RandGamma()(I2, random=A.Random(0), seed=0), AR,
                                  "give random= or seed=, not both"),
    "RandGamma reversed range": (lambda t: A.RandGamma(gamma=(1.5, 0.7)), AR,
                                 "RandGamma: gamma must be a finite range with low <= high"),
    "RandGamma gamma 0": (lambda t: A.RandGamma(gamma=(0, 1)), AR,
                          "RandGamma: gamma must be > 0, got (0, 1)"),
    "RandGamma negative gamma": (lambda t: A.RandGamma(gamma=(-1, 1)), AR,
                                 "RandGamma: gamma must be > 0, got (-1, 1)"),
    "RandGamma complex": (lambda t: A.RandGamma()(I2.astype(np.complex64), seed=0), U,
                          "augmentations do not handle dtype ComplexFloat"),
    "RandGamma NaN gamma": (lambda t: A.RandGamma(gamma=(NAN, 1)), AR, "got (nan, 1)"),
    "RandGamma empty axis": (lambda t: A.RandGamma()(EMPTY, seed=0), S, NO_EMPTY_AXIS),
    "RandGamma bare 1D": (lambda t: A.RandGamma()(BARE, seed=0), S, CHANNEL_FIRST),
    "RandGaussianNoise negative std": (lambda t: A.RandGaussianNoise(std=(-1, 0.1)), AR,
                                       "RandGaussianNoise: std must be >= 0, got (-1, 0.1)"),
    "RandGaussianNoise reversed std": (lambda t: A.RandGaussianNoise(std=(0.2, 0.1)), AR,
                                       "std must be a finite range with low <= high"),
    "RandGaussianNoise NaN mean": (lambda t: A.RandGaussianNoise(mean=NAN), AR,
                                   "RandGaussianNoise: mean must be finite, got nan"),
    "RandGaussianSmooth negative sigma": (lambda t: A.RandGaussianSmooth(sigma=(-1, 1)), AR,
                                          "RandGaussianSmooth: sigma must be >= 0, got (-1, 1)"),
    "RandGaussianSmooth reversed sigma": (lambda t: A.RandGaussianSmooth(sigma=(2, 1)), AR,
                                          "sigma must be a finite range with low <= high"),
    "RandContrast negative factor": (lambda t: A.RandContrast(factor=(-1, 1)), AR,
                                     "RandContrast: factor must be >= 0, got (-1, 1)"),
    "RandContrast reversed factor": (lambda t: A.RandContrast(factor=(2, 1)), AR,
                                     "factor must be a finite range with low <= high"),
    "RandBrightness reversed multiplier": (lambda t: A.RandBrightness(multiplier=(2, 1)), AR,
                                           "RandBrightness: multiplier must be a finite range"),
    "RandBrightness infinite offset": (lambda t: A.RandBrightness(offset=(0, INF)), AR,
                                       "offset must be a finite range with low <= high, "
                                       "got (0, inf)"),
    "RandBiasField degree 0": (lambda t: A.RandBiasField(degree=0), AR,
                               "RandBiasField: degree must be in [1, 32], got 0"),
    "RandBiasField negative degree": (lambda t: A.RandBiasField(degree=-1), AR, "got -1"),
    "RandBiasField huge degree": (lambda t: A.RandBiasField(degree=1000), AR,
                                  "RandBiasField: degree must be in [1, 32], got 1000"),
    "RandBiasField reversed coefficients": (lambda t: A.RandBiasField(coefficients=(1, 0)), AR,
                                            "coefficients must be a finite range"),
    "bias_field_terms 4 dimensions": (lambda t: A.bias_field_terms(4, 3), AR,
                                      "bias_field_terms: spatial_dims must be 1, 2 or 3, got 4"),
    "bias_field_terms negative degree": (lambda t: A.bias_field_terms(2, -1), AR,
                                         "bias_field_terms: degree must be in [0, 32], got -1"),
    # Unbounded, 10^6 once had the process OOM-killed (an odometer over 10^18 tuples).
    "bias_field_terms huge degree": (lambda t: A.bias_field_terms(3, 10 ** 6), AR,
                                     "degree must be in [0, 32], got 1000000"),
    "RandAffine unknown interpolation": (lambda t: A.RandAffine(interpolation="cubic"), AR,
                                         "unknown interpolation 'cubic'"),
    "RandAffine unknown border": (lambda t: A.RandAffine(border="x"), AR, BORDER),
    "RandAffine scale 0": (lambda t: A.RandAffine(scale=(0, 1)), AR,
                           "RandAffine: scale must be > 0, got (0, 1)"),
    "RandAffine negative scale": (lambda t: A.RandAffine(scale=(-1, 1)), AR,
                                  "RandAffine: scale must be > 0, got (-1, 1)"),
    "RandAffine reversed rotation": (lambda t: A.RandAffine(rotation=(15, -15)), AR,
                                     "rotation must be a finite range with low <= high"),
    "RandAffine NaN rotation": (lambda t: A.RandAffine(rotation=(NAN, 1)), AR, "got (nan, 1)"),
    "RandAffine label of another shape": (lambda t: A.RandAffine()(I2, np.zeros((4, 4),
                                                                            np.int32), seed=0),
                                          S, "label shape (4, 4) does not match the image's "
                                             "spatial shape (8, 8)"),
    "RandAffine 3D label for a 2D image": (lambda t: A.RandAffine()(
        I2, np.zeros((1, 2, 8, 8), np.int32), seed=0), S, "label shape (1, 2, 8, 8)"),
    "RandAffine 1D draw": (lambda t: A.RandAffine().sample(A.Random(0), (4,)), S,
                           "RandAffine: expected 2 or 3 spatial axes, got 1"),
    "RandAffine 4D draw": (lambda t: A.RandAffine().sample(A.Random(0), (4, 4, 4, 4)), S,
                           "expected 2 or 3 spatial axes, got 4"),
    "RandAffine 3D draw on a 2D image": (lambda t: A.RandAffine().apply(
        I2, affine_draw((4, 6, 8), rotation=(1, 2))), S,
        "a 2D draw has 1 angles, 1 shears, 2 scales and 2 translations; got 3, 3, 3, 3"),
    "RandAffine empty axis": (lambda t: A.RandAffine()(EMPTY, seed=0), S, NO_EMPTY_AXIS),
    "affine_matrix 2D draw for a 3D grid": (lambda t: A.affine_matrix(affine_draw(), (4, 4, 4),
                                                                      (1, 1, 1)),
                                            S, "a 3D draw has 3 angles"),
    "affine_matrix three spacings in 2D": (lambda t: A.affine_matrix(affine_draw(), (8, 8),
                                                                     (1, 1, 1)),
                                           S, "affine_matrix: expected 2 spacing values, got 3"),
    "affine_matrix empty draw": (lambda t: A.affine_matrix(A.AffineParams(), (8, 8), (1, 1)), S,
                                 "got 0, 0, 0, 0"),
    "affine_matrix NaN angle": (lambda t: A.affine_matrix(nan_affine_draw(), (8, 8), (1, 1)), AR,
                                "affine_matrix: angles, shears and translation must be finite, "
                                "got nan"),
    "affine_matrix NaN spacing": (lambda t: A.affine_matrix(affine_draw(), (8, 8), (1, NAN)), AR,
                                  "affine_matrix: spacing must be finite and > 0"),
    "RandFlip axis 5": (lambda t: A.RandFlip(axes=[5])(I2, seed=0), AR,
                        "RandFlip: axis 5 is not a spatial axis"),
    "RandFlip probability 1.5": (lambda t: A.RandFlip(probability=1.5), AR,
                                 "RandFlip: probability must be in [0, 1], got 1.5"),
    "RandFlip negative probability": (lambda t: A.RandFlip(probability=-0.1), AR, "got -0.1"),
    "RandFlip NaN probability": (lambda t: A.RandFlip(probability=NAN), AR, "got nan"),
    "RandFlip three flags for 2D": (lambda t: A.RandFlip().apply(I2, [True, False, True]), S,
                                    "RandFlip: expected 2 flags, got 3"),
    "RandRot90 one-axis plane": (lambda t: A.RandRot90(plane=(0,)), AR,
                                 "RandRot90: plane must name two spatial axes, got 1"),
    "RandRot90 same axis twice": (lambda t: A.RandRot90(plane=(0, 0))(I2, seed=1), AR,
                                  "RandRot90: the plane needs two different axes, got 0 twice"),
    "RandRot90 axis out of range": (lambda t: A.RandRot90(plane=(0, 5))(I2, seed=0), AR,
                                    "RandRot90: axis 5 is out of range for 2 spatial axes"),
    "RandRot90 negative max_k": (lambda t: A.RandRot90(max_k=-1), AR,
                                 "RandRot90: max_k must be in 0..3, got -1"),
    "RandRot90 max_k 4": (lambda t: A.RandRot90(max_k=4), AR, "got 4"),
    "RandElastic negative sigma": (lambda t: A.RandElastic(sigma=(-1, 1)), AR,
                                   "RandElastic: sigma must be >= 0, got (-1, 1)"),
    "RandElastic reversed sigma": (lambda t: A.RandElastic(sigma=(13, 9)), AR,
                                   "sigma must be a finite range with low <= high, got (13, 9)"),
    "RandElastic negative magnitude": (lambda t: A.RandElastic(magnitude=(-1, 1)), AR,
                                       "RandElastic: magnitude must be >= 0"),
    "RandElastic unknown interpolation": (lambda t: A.RandElastic(interpolation="x"), AR,
                                          INTERPOLATION),
    "RandElastic unknown border": (lambda t: A.RandElastic(border="x"), AR, BORDER),
    "RandElastic 1D displacement": (lambda t: A.RandElastic().displacement(
        A.RandElastic().sample(A.Random(0), (8, 8)), (8,)), S,
        "RandElastic: expected 2 or 3 spatial axes, got 1"),
    "RandCropByLabel 3D patch for 2D": (lambda t: A.RandCropByLabel(size=(4, 4, 4))(
        I2, LABELS, seed=0), S, "RandCropByLabel: a 3D patch size for a 2D image"),
    "RandCropByLabel 2D patch for 3D": (lambda t: A.RandCropByLabel(size=(4, 4)).sample(
        A.Random(0), medimg.Image(I3)), S, "a 2D patch size for a 3D image"),
    "RandCropByLabel size 0": (lambda t: A.RandCropByLabel(size=(0, 4)), AR,
                               "RandCropByLabel: patch sizes must be > 0, got 0"),
    "RandCropByLabel negative size": (lambda t: A.RandCropByLabel(size=(-4, 4)), AR, "got -4"),
    "RandCropByLabel no size": (lambda t: A.RandCropByLabel(size=()), S,
                                "RandCropByLabel: size needs 2 or 3 values, got 0"),
    "RandCropByLabel probability 2": (lambda t: A.RandCropByLabel(
        size=(4, 4), foreground_probability=2), AR,
        "foreground_probability must be in [0, 1], got 2"),
    "RandCropByLabel NaN probability": (lambda t: A.RandCropByLabel(
        size=(4, 4), foreground_probability=NAN), AR, "got nan"),
    "RandCropByLabel label of another shape": (lambda t: A.RandCropByLabel(size=(4, 4))(
        I2, np.zeros((4, 4), np.int32), seed=0), S, "does not match the image's spatial shape"),
    "RandCropByLabel three start indices for 2D": (lambda t: A.RandCropByLabel(
        size=(4, 4)).apply(I2, [0, 0, 0]), S, "RandCropByLabel: expected 2 start indices, got 3"),
    "Compose probability 1.5": (lambda t: A.Compose([(A.RandGamma(), 1.5)]), AR,
                                "Compose.add: probability must be in [0, 1], got 1.5 for "
                                "RandGamma"),
    "Compose negative probability": (lambda t: A.Compose([(A.RandGamma(), -0.5)]), AR,
                                     "got -0.5"),
    "Compose NaN probability": (lambda t: A.Compose([(A.RandGamma(), NAN)]), AR, "got nan"),
    "Compose None": (lambda t: A.Compose([None]), AR, "Compose.add: transform is null"),
    "Compose three-item tuple": (lambda t: A.Compose([(A.RandGamma(), 0.5, 1)]), AR,
                                 "Compose: expected a Transform or (Transform, probability), "
                                 "got a tuple of 3 items"),
    "Compose plain function": (lambda t: A.Compose([lambda x: x]), AR,
                               "Compose: expected a medimg.augment Transform, got function"),
    "affine_batch without batch axis": (lambda t: A.affine_batch(torch.zeros(1, 8, 8),
                                                                 torch.eye(3)[None]),
                                        S, "affine_batch: expected a batch (N, C, Y, X) or "
                                           "(N, C, Z, Y, X), got shape [1, 8, 8]"),
    "affine_batch one matrix for two items": (lambda t: A.affine_batch(
        torch.zeros(2, 1, 8, 8), torch.eye(3)[None]), S,
        "expected matrices (2, 3, 3), got [1, 3, 3]"),
    "affine_batch 4x4 matrix for 2D": (lambda t: A.affine_batch(torch.zeros(1, 1, 8, 8),
                                                                torch.eye(4)[None]),
                                       S, "expected matrices (1, 3, 3), got [1, 4, 4]"),
    "affine_batch NaN matrix": (lambda t: A.affine_batch(torch.zeros(2, 1, 8, 8),
                                                         torch.full((2, 3, 3), NAN)), AR,
                                "affine_batch: matrices must be real and finite (no NaN or inf)"),
    "affine_batch bspline3": (lambda t: A.affine_batch(torch.zeros(1, 1, 8, 8), torch.eye(3)[None],
                                                       interpolation="bspline3"),
                              U, "B-spline interpolation runs on the CPU only"),
    "affine_batch unknown interpolation": (lambda t: A.affine_batch(
        torch.zeros(1, 1, 8, 8), torch.eye(3)[None], interpolation="x"), AR, INTERPOLATION),
    "affine_batch wrap border": (lambda t: A.affine_batch(torch.zeros(1, 1, 8, 8),
                                                          torch.eye(3)[None], border="wrap"),
                                 U, "grid_sample has no 'wrap' border"),
    "affine_batch unknown border": (lambda t: A.affine_batch(torch.zeros(1, 1, 8, 8),
                                                             torch.eye(3)[None], border="x"),
                                    AR, BORDER),
    "affine_batch int32 batch": (lambda t: A.affine_batch(torch.zeros(1, 1, 8, 8,
                                                                      dtype=torch.int32),
                                                          torch.eye(3)[None]),
                                 AR, "grid_sample needs a floating-point batch, got Int"),
    # fundus photographs (pipelines/fundus.hpp)
    "fundus_mask 3D image": (lambda t: P.fundus_mask(np.zeros((3, 4, 5, 6), np.uint8)), S,
                             "fundus_mask: expected a 2D (C, Y, X) photograph"),
    "fundus_mask int16": (lambda t: P.fundus_mask(np.zeros((3, 8, 8), np.int16)), AR,
                          "fundus_mask: expected uint8 or float pixels, got Short"),
    "fundus_mask threshold 1": (lambda t: P.fundus_mask(U8, threshold=1), AR,
                                "threshold must be in [0, 1) of full scale, got 1"),
    "crop_fundus negative margin": (lambda t: P.crop_fundus(U8, margin=-1), AR,
                                    "crop_fundus: margin must be >= 0, got -1"),
    "ben_graham sigma 0": (lambda t: P.ben_graham(U8, sigma=0), AR,
                           "ben_graham: sigma must be > 0 pixels, got 0"),
    "ben_graham NaN sigma": (lambda t: P.ben_graham(U8, sigma=NAN), AR,
                             "ben_graham: sigma must be > 0 pixels, got nan"),
    "ben_graham negative circle": (lambda t: P.ben_graham(U8, circle=-1), AR,
                                   "ben_graham: circle must be >= 0"),
    "clahe_green one channel": (lambda t: P.clahe_green(U8), S,
                                "clahe_green: expected 3 channels (R, G, B), got shape [1, 8, 8]"),
    "clahe_green clip_limit 2": (lambda t: P.clahe_green(np.zeros((3, 8, 8), np.uint8), clip_limit=2),
                                 AR, "clip_limit is a fraction in [0, 1]"),
}

# Public names that take no user data, so no bad input of their own: the augment parameter
# records are plain attribute holders, filled by ``sample``; their values are checked where a
# transform or affine_matrix applies them (rows above).
EXCLUDED = {"AffineParams", "BrightnessParams", "ElasticParams", "NoiseParams"}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused(name, tmp_path):
    assert_refused(CASES[name], tmp_path)


def test_every_public_name_is_in_the_matrix():
    assert_every_name_has_a_row(CASES, (medimg.preprocess, medimg.augment), EXCLUDED)
