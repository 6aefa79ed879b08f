"""Spatial preprocessing: sampling, resampling, crop/pad, flips, reorientation, affine warps.

Every function takes a medimg.Image, a torch.Tensor or a numpy array, channel first
``(C, Y, X)`` or ``(C, Z, Y, X)`` (add a channel axis to a single image: ``x[None]``), and
returns the same kind. On an Image the geometry follows (or, for warps, stays), so a world
point keeps its content. Per-axis arguments are in array order and count spatial axes only.
Interpolations: ``"nearest"``, ``"linear"``, ``"bspline3"`` (or scipy's orders 0, 1, 3);
borders: ``"constant"``, ``"edge"``, ``"reflect"``, ``"mirror"``, ``"wrap"``
(docs/preprocess_spatial.md has the pictures and the scipy / OpenCV equivalents).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from .._convert import as_image, as_tensor, like
from .._medimg import (ArgumentError, Geometry, Image, ShapeError, _affine_about_center,
                       _affine_transform, _crop, _crop_foreground, _crop_foreground_mask,
                       _crop_or_pad, _flip, _foreground_box, _map_coordinates,
                       _orientation_code, _pad, _reorient, _resample, _resample_labels,
                       _resample_labels_to, _resample_to, _rot90, _spline_filter,
                       _warp_affine)

__all__ = ["map_coordinates", "affine_transform", "spline_filter", "resample",
           "resample_labels", "resample_to", "resample_labels_to", "crop", "pad",
           "crop_or_pad", "foreground_box", "crop_foreground", "flip", "rot90", "reorient",
           "orientation_code", "warp_affine", "affine_about_center"]

Interp = Union[str, int]
PerAxis = Union[float, Sequence[float]]


def _interpolation(value: Interp) -> str:
    return str(value) if isinstance(value, (int, np.integer)) else value


def _floats(value: Optional[PerAxis]) -> list:
    if value is None:
        return []
    return [float(v) for v in np.atleast_1d(np.asarray(value, dtype=np.float64)).ravel()]


def _ints(value: Any) -> list:
    if value is None:
        return []
    array = np.atleast_1d(np.asarray(value))
    if array.dtype.kind not in "iub" or array.ndim != 1:
        raise ArgumentError(f"expected integers, got {value!r}")
    return [int(v) for v in array]


def _matrix(matrix: Any) -> np.ndarray:
    m = np.asarray(matrix.detach().cpu() if isinstance(matrix, torch.Tensor) else matrix,
                   dtype=np.float64)
    if m.ndim != 2:
        raise ShapeError(f"the matrix must be 2-dimensional, got shape {m.shape}")
    return m


def _with_voxels(x: Any, voxels: torch.Tensor) -> Any:
    """The tensor result of a tensor-level function as the kind of x (an Image keeps its
    geometry and metadata)."""
    if isinstance(x, Image):
        return x.with_tensor(voxels)
    return voxels if isinstance(x, torch.Tensor) else voxels.numpy()


def _image(x: Any, input_spacing: Optional[PerAxis] = None) -> Image:
    """x as an Image; a tensor or array gets ``input_spacing`` (one value for all axes)."""
    if input_spacing is None or isinstance(x, Image):
        return as_image(x, None if input_spacing is None else _floats(input_spacing))
    voxels = as_tensor(x)
    spacing = _floats(input_spacing)
    if len(spacing) == 1:
        spacing *= voxels.dim() - 1
    return Image(voxels, spacing=spacing)


def map_coordinates(x: Any, coordinates: Any, *, interpolation: Interp = "linear",
                    border: str = "constant", fill_value: float = 0.0,
                    prefilter: bool = True) -> Any:
    """Samples every channel at arbitrary index positions, as
    ``scipy.ndimage.map_coordinates(x[c], coordinates, order, mode)``.

    Parameters
    ----------
    x : (C, Y, X) or (C, Z, Y, X) Image, tensor or array, any dtype
    coordinates : (ndim, ...) float array or tensor
        The input index (array order, voxel centres at integers) of each output point.
        NaN or infinite positions give ``fill_value``.
    interpolation : {"nearest", "linear", "bspline3"} or 0, 1, 3
    border : {"constant", "edge", "reflect", "mirror", "wrap"}
        ``"constant"`` is scipy's ``"grid-constant"`` (it interpolates towards the fill
        value over the last half voxel); ``"edge"`` is scipy's ``"nearest"``; ``"wrap"`` is
        scipy's ``"grid-wrap"``.
    fill_value : float
        The value outside for ``"constant"``.
    prefilter : bool
        bspline3 only: False when x already holds B-spline coefficients (spline_filter).

    Returns
    -------
    (C, ...) of the kind given. Nearest keeps the dtype; linear and bspline3 give float64
    for float64 input and float32 otherwise.
    """
    coords = as_tensor(coordinates)
    if coords.dtype not in (torch.float32, torch.float64):
        coords = coords.to(torch.float64)
    voxels = _map_coordinates(as_tensor(x), coords, _interpolation(interpolation), border,
                              float(fill_value), prefilter)
    return _with_voxels(x, voxels)


def affine_transform(x: Any, matrix: Any, shape: Optional[Sequence[int]] = None, *,
                     interpolation: Interp = "linear", border: str = "constant",
                     fill_value: float = 0.0, prefilter: bool = True) -> Any:
    """``scipy.ndimage.affine_transform(x[c], matrix, output_shape=shape)`` for every channel.

    ``matrix`` ((ndim+1)² homogeneous or ndim x (ndim+1)) maps an OUTPUT index to the INPUT
    index it samples, in array order; positions advance incrementally along each output
    row. ``shape`` defaults to the input's spatial shape. Other arguments and the dtypes as
    map_coordinates. An Image keeps its geometry: see warp_affine and resample for
    geometry-aware warps.
    """
    voxels = as_tensor(x)
    out_shape = _ints(shape) if shape is not None else list(voxels.shape[1:])
    result = _affine_transform(voxels, _matrix(matrix), out_shape, _interpolation(interpolation),
                               border, float(fill_value), prefilter)
    return _with_voxels(x, result)


def spline_filter(x: Any, border: str = "mirror") -> Any:
    """Cubic B-spline coefficients of every channel, as
    ``scipy.ndimage.spline_filter(x[c], order=3, mode=border)``: float32 (float64 for
    float64 input)."""
    return _with_voxels(x, _spline_filter(as_tensor(x), border))


def resample(x: Any, spacing: Optional[PerAxis] = None, shape: Optional[Sequence[int]] = None,
             *, interpolation: Interp = "linear", border: str = "edge",
             fill_value: float = 0.0, prefilter: bool = True,
             input_spacing: Optional[PerAxis] = None) -> Any:
    """Resamples onto a grid of new spacing and/or shape with the same centre.

    New index j samples old index ``(j − (n' − 1)/2) · s'/s + (n − 1)/2`` per axis. Given
    only ``spacing``, ``n' = max(1, round(n·s/s'))``; given only ``shape``, ``s' = s·n/n'``
    and the positions are exactly those of ``scipy.ndimage.zoom(grid_mode=True)`` and of
    ``torch.nn.functional.interpolate(align_corners=False)``. The origin moves so that every
    world point keeps its content; the direction is kept.

    Parameters
    ----------
    x : Image, tensor or array, channel first
    spacing : float or sequence of float, optional
        New voxel size in mm (array order), one value for all axes allowed.
    shape : int or sequence of int, optional
        New spatial shape.
    interpolation, fill_value, prefilter
        As map_coordinates.
    border : str
        Default ``"edge"``: the border voxels are not blended with a fill value.
    input_spacing : float or sequence of float, optional
        The voxel size of a tensor or array (unit spacing by default); an Image has its own.

    Returns
    -------
    The kind given; an Image carries the new geometry.
    """
    image = _image(x, input_spacing)
    result = _resample(image, _floats(spacing), _ints(shape), _interpolation(interpolation),
                       border, float(fill_value), prefilter)
    return like(x, result)


def resample_labels(x: Any, spacing: Optional[PerAxis] = None,
                    shape: Optional[Sequence[int]] = None, *, mode: str = "nearest",
                    border: str = "edge", fill_value: float = 0,
                    input_spacing: Optional[PerAxis] = None) -> Any:
    """resample for label maps; the dtype is kept.

    ``mode="nearest"`` takes the nearest voxel; ``mode="one-hot"`` interpolates each label's
    one-hot channel linearly and takes the argmax (ties to the smaller label), computed as a
    weighted vote among the 4 or 8 neighbours without building the channels. Under
    ``border="constant"``, ``fill_value`` is the label outside.
    """
    image = _image(x, input_spacing)
    result = _resample_labels(image, _floats(spacing), _ints(shape), mode, border,
                              float(fill_value))
    return like(x, result)


def _target(reference: Any) -> Tuple[Geometry, list]:
    if isinstance(reference, Image):
        return reference.geometry, list(reference.spatial_shape)
    if isinstance(reference, tuple) and len(reference) == 2 and isinstance(reference[0], Geometry):
        return reference[0], _ints(reference[1])
    raise ArgumentError("reference must be a medimg.Image or a (Geometry, spatial shape) pair, "
                        f"got {type(reference).__name__}")


def resample_to(x: Any, reference: Any, *, interpolation: Interp = "linear",
                border: str = "constant", fill_value: float = 0.0,
                prefilter: bool = True) -> Any:
    """Samples x on the grid of ``reference`` through world coordinates.

    Output voxel j samples ``x.world_to_index(reference.index_to_world(j))``: any spacing,
    origin and direction on either side. Use it to put a prediction made on a resampled
    volume back onto the original DICOM grid.

    Parameters
    ----------
    x : Image (a tensor or array is taken at unit spacing, zero origin)
    reference : Image, or (Geometry, spatial shape)
        The target grid; its voxels are not read.
    interpolation, border, fill_value, prefilter
        As map_coordinates; outside x is ``fill_value`` by default.

    Returns
    -------
    The kind of x, on the reference grid (an Image gets the reference geometry and keeps its
    own metadata).
    """
    geometry, shape = _target(reference)
    result = _resample_to(as_image(x), geometry, shape, _interpolation(interpolation), border,
                          float(fill_value), prefilter)
    return like(x, result)


def resample_labels_to(x: Any, reference: Any, *, mode: str = "nearest",
                       border: str = "constant", fill_value: float = 0) -> Any:
    """resample_to for label maps (``mode`` as resample_labels); the dtype is kept."""
    geometry, shape = _target(reference)
    result = _resample_labels_to(as_image(x), geometry, shape, mode, border, float(fill_value))
    return like(x, result)


def crop(x: Any, start: Sequence[int], stop: Sequence[int]) -> Any:
    """The voxels ``[start, stop)`` of every spatial axis: a view sharing memory with x,
    as ``x[:, start[0]:stop[0], ...]``; an Image's origin moves to the new voxel 0."""
    return like(x, _crop(as_image(x), _ints(start), _ints(stop)))


def pad(x: Any, before: Union[int, Sequence[int]], after: Union[int, Sequence[int], None] = None,
        *, mode: str = "constant", value: float = 0.0) -> Any:
    """``numpy.pad`` of the spatial axes: ``before`` and ``after`` voxels per axis (one
    value for all axes allowed; ``after`` defaults to ``before``).

    ``mode`` takes numpy's names: ``"constant"`` (``value``), ``"edge"``, ``"reflect"``
    (d c b | a b c d, the edge not repeated), ``"symmetric"`` (b a | a b c d) and
    ``"wrap"``. The dtype is kept; an Image's origin moves to the new voxel 0.
    """
    after = before if after is None else after
    return like(x, _pad(as_image(x), _ints(before), _ints(after), mode, float(value)))


def crop_or_pad(x: Any, shape: Union[int, Sequence[int]], *, mode: str = "constant",
                value: float = 0.0) -> Any:
    """x centred in ``shape``, as MONAI's ``ResizeWithPadOrCrop``.

    Per axis of size n and target t: when n >= t the crop starts at ``n // 2 − t // 2``
    (MONAI's CenterSpatialCrop); when n < t, ``(t − n) // 2`` voxels are padded before and
    the rest after (SpatialPad, "symmetric"). ``mode`` and ``value`` as pad. A view when
    nothing is padded.
    """
    return like(x, _crop_or_pad(as_image(x), _ints(shape), mode, float(value)))


def foreground_box(x: Any, threshold: float = 0.0) -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
    """``(start, stop)`` of the smallest box holding every voxel of any channel > threshold;
    all zeros when there is none. NaN is never foreground."""
    start, stop = _foreground_box(as_tensor(x), float(threshold))
    return tuple(start), tuple(stop)


def crop_foreground(x: Any, threshold: float = 0.0, *, mask: Any = None,
                    margin: Union[int, Sequence[int]] = 0) -> Any:
    """Crops to the foreground box grown by ``margin`` voxels, as MONAI's CropForeground.

    The foreground is every voxel of any channel of x that is > ``threshold`` or, when
    ``mask`` is given ((Y, X) / (Z, Y, X) or channel first, x's spatial shape), every voxel
    where the mask is > 0. The box is clipped to the image. Without foreground x comes back
    unchanged. The result is a view; an Image's origin moves.
    """
    image = as_image(x)
    if mask is None:
        result = _crop_foreground(image, float(threshold), _ints(margin))
    else:
        result = _crop_foreground_mask(image, as_tensor(mask), _ints(margin))
    return like(x, result)


def flip(x: Any, axes: Union[int, Sequence[int], None] = None) -> Any:
    """``numpy.flip`` along spatial axes (None: all of them; ``()``: none, x itself). A new
    contiguous copy; an Image's geometry is updated so every voxel keeps its world position.
    """
    if axes is not None and len(_ints(axes)) == 0:
        return x
    return like(x, _flip(as_image(x), [] if axes is None else _ints(axes)))


def rot90(x: Any, k: int = 1, axes: Sequence[int] = (-2, -1)) -> Any:
    """``numpy.rot90``: k quarter turns from the first towards the second of two spatial
    axes. The default is the image plane (y, x) (numpy's own default, the first two axes,
    is the (z, y) plane of a volume). Geometry as flip; k % 4 == 0 returns x itself."""
    return like(x, _rot90(as_image(x), int(k), _ints(axes)))


def orientation_code(x: Any) -> str:
    """The anatomical direction each image axis x, y[, z] points to, e.g. ``"LPS"`` for the
    identity direction (DICOM's / SimpleITK DICOMOrient's / nibabel's convention)."""
    geometry = x if isinstance(x, Geometry) else as_image(x).geometry
    return _orientation_code(geometry)


def reorient(x: Any, code: str) -> Any:
    """Permutes and flips the axes so that ``orientation_code`` becomes ``code``
    (``"LPS"``, ``"RAS"``, ``"RPI"``, ...; 2 letters for 2D images). The voxels move exactly
    and the geometry follows, so every world point keeps its value."""
    return like(x, _reorient(as_image(x), code))


def warp_affine(x: Any, matrix: Any, *, inverse_map: bool = False,
                shape: Optional[Sequence[int]] = None, interpolation: Interp = "linear",
                border: str = "constant", fill_value: float = 0.0,
                prefilter: bool = True) -> Any:
    """Warps the content by an affine map; the grid (and an Image's geometry) stays.

    2D: ``matrix`` is 2x3 (or 3x3) in pixel (x, y) coordinates and maps source to
    destination, exactly as ``cv2.warpAffine(x, matrix, (X, Y))``; ``inverse_map=True``
    means destination to source (``cv2.WARP_INVERSE_MAP``). 3D: 3x4 (or 4x4) in array index
    (z, y, x) coordinates, source to destination, or with ``inverse_map=True``
    destination to source as ``scipy.ndimage.affine_transform(x, matrix)``.
    ``affine_about_center`` builds such matrices. Borders: "constant" is cv2's
    BORDER_CONSTANT, "edge" BORDER_REPLICATE, "reflect" BORDER_REFLECT, "mirror"
    BORDER_REFLECT_101, "wrap" BORDER_WRAP. ``shape``: output spatial shape (array order),
    the input's by default.
    """
    image = as_image(x)
    result = _warp_affine(image, _matrix(matrix), inverse_map, _ints(shape),
                          _interpolation(interpolation), border, float(fill_value), prefilter)
    return like(x, result)


def affine_about_center(shape: Sequence[int], *, rotation: Optional[PerAxis] = None,
                        scale: Optional[PerAxis] = None, translation: Optional[PerAxis] = None,
                        shear: Optional[PerAxis] = None) -> np.ndarray:
    """The forward matrix for ``warp_affine`` of a transform about the grid centre.

    ``p -> R·H·S·(p − c) + c + t`` with c = (n − 1)/2, S the scales, H the shears, R the
    rotations and t the translation (voxels). Values are in array order.

    Parameters
    ----------
    shape : sequence of int
        The spatial shape (2 or 3 sizes).
    rotation : float or sequence of float, radians
        2D: one angle, counter-clockwise on screen (y down) like
        ``cv2.getRotationMatrix2D`` and ``numpy.rot90``; 3D: angles in the (y, x), (z, x)
        and (z, y) planes, applied in that order, each turning from the plane's first axis
        towards its second.
    scale : float or sequence of float
        > 1 enlarges the content.
    translation : sequence of float
        Voxels per axis.
    shear : float or sequence of float
        2D: h with x += h·y; 3D: (h0, h1, h2) with x += h0·y, x += h1·z, y += h2·z.

    Returns
    -------
    (3, 3) in (x, y) order for 2D (cv2's convention), (4, 4) in (z, y, x) order for 3D.
    """
    return np.asarray(_affine_about_center(_ints(shape), _floats(rotation), _floats(scale),
                                           _floats(translation), _floats(shear)))
