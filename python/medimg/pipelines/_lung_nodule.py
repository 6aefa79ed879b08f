"""The lung-nodule pipeline (C++ pipelines/lung_nodule.hpp): CT → lungs → candidates by
density → false-positive reduction by a 3D CNN on isotropic patches → ranked detections."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

import torch

from .._medimg import (ArgumentError, LungNoduleResult, NoduleCandidate, NoduleDetection,
                       _LungMaskOptions, _LungNoduleDetector, _NoduleCandidateOptions,
                       _nodule_overlay, _nodule_patches)
from ..classic._lung import _ct
from ..train._predictor import Predictor

__all__ = ["LungNoduleDetector", "LungNoduleResult", "NoduleDetection", "nodule_patches",
           "nodule_overlay", "luna16_rows"]

LUNA16_COLUMNS = ("seriesuid", "coordX", "coordY", "coordZ", "probability")


def _options(record: Any, values: Optional[Mapping[str, Any]], what: str) -> Any:
    # Unknown keys are refused by name rather than silently ignored.
    for key, value in (values or {}).items():
        if key.startswith("_") or not hasattr(record, key):
            known = sorted(k for k in dir(record) if not k.startswith("_"))
            raise ArgumentError(f"{what}: unknown option '{key}'; expected one of {known}")
        setattr(record, key, value)
    return record


def nodule_patches(ct: Any, centres: Sequence[Sequence[float]], size: int = 32,
                   spacing: float = 1.25, fill_hu: float = -1000.0, window_low: float = -1000.0,
                   window_high: float = 400.0, voxel_spacing: Optional[Sequence[float]] = None
                   ) -> torch.Tensor:
    """Isotropic cubes around world points, windowed to [0, 1]: the FP-reduction input.

    Patch voxel ``k`` (per axis) samples the CT trilinearly at the continuous index
    ``centre_index + (k - (size - 1) / 2) * spacing / ct_spacing``; samples outside the CT
    count as ``fill_hu``; HU are clipped to [``window_low``, ``window_high``] and scaled to
    [0, 1].

    Parameters
    ----------
    ct : Image (1, Z, Y, X) in HU, or an array (Z, Y, X) / (1, Z, Y, X) with ``voxel_spacing``
    centres : world (x, y, z) LPS mm, one per patch

    Returns
    -------
    torch.Tensor (N, 1, size, size, size) float32
    """
    points = [tuple(float(v) for v in c) for c in centres]
    if any(len(p) != 3 for p in points):
        raise ArgumentError("nodule_patches: each centre must be 3 values (x, y, z) in mm")
    return _nodule_patches(_ct(ct, voxel_spacing), points, int(size), float(spacing),
                           float(fill_hu), float(window_low), float(window_high))


class LungNoduleDetector:
    """Lung nodules in a chest CT, ranked by probability.

    Stages, each callable on its own: :meth:`lungs` (``classic.lung_mask``),
    :meth:`candidates` (``classic.nodule_candidates``), :meth:`patches` and :meth:`score`
    (the false-positive reduction network on isotropic patches); :meth:`detect` runs them all.

    Parameters
    ----------
    model : path, medimg network, Predictor or None
        The false-positive reduction network: a medimg model file, a TorchScript file
        (either taking (N, 1, S, S, S) patches and returning (N, 2) or (N, 1) logits), a
        medimg network or a :class:`medimg.train.Predictor`. None ranks candidates by the
        classical score 1 / elongation.
    lungs, candidates : dict, optional
        Keyword options of :func:`medimg.classic.lung_mask` and
        :func:`medimg.classic.nodule_candidates` (whose ``opening_radius`` is replaced by
        ``opening_radii``).
    opening_radii : sequence of float
        mm: the candidate stage runs ``nodule_candidates`` once per radius and merges the
        lists (a candidate of a later radius is dropped when an earlier one lies within
        either's radius): small radii cut vessels off small nodules, large ones free large
        nodules from thick hilar vessels.
    patch_size, patch_spacing : int, float
        Patch side in voxels and mm per voxel (32 × 1.25 mm = 40 mm by default).
    batch_size : int
        Patches per forward pass.
    nodule_class : int
        The logit column of the nodule class for (N, C) outputs.
    max_air_hu : float
        A CT whose lowest value is above this is refused as not being in HU.

    Examples
    --------
    >>> detector = LungNoduleDetector("models/lung_nodule_fpr.pt")
    >>> result = detector.detect(medimg.io.read_dicom_series("CT_DIR"))
    >>> [(d.centre, d.probability) for d in result.detections[:3]]
    """

    def __init__(self, model: Any = None, *, lungs: Optional[Mapping[str, Any]] = None,
                 candidates: Optional[Mapping[str, Any]] = None,
                 opening_radii: Sequence[float] = (3.5, 5.0, 7.0), patch_size: int = 32,
                 patch_spacing: float = 1.25, fill_hu: float = -1000.0,
                 window_low: float = -1000.0, window_high: float = 400.0, batch_size: int = 32,
                 nodule_class: int = 1, max_air_hu: float = -500.0) -> None:
        if model is None or isinstance(model, Predictor):
            self.predictor = model
        else:
            self.predictor = Predictor(model)
        network = None if self.predictor is None else self.predictor._predictor
        self._detector = _LungNoduleDetector(
            network, _options(_LungMaskOptions(), lungs, "lungs"),
            _options(_NoduleCandidateOptions(), candidates, "candidates"),
            [float(r) for r in opening_radii], int(patch_size),
            float(patch_spacing), float(fill_hu), float(window_low), float(window_high),
            int(batch_size), int(nodule_class), float(max_air_hu))

    @property
    def has_network(self) -> bool:
        return self._detector.has_network

    def check_ct(self, ct: Any, spacing: Optional[Sequence[float]] = None) -> None:
        """Raises ShapeError/ArgumentError when ``ct`` cannot be scanned for nodules: not a
        one-channel 3D image, NaN values, not in HU (no value near air), a DICOM Modality
        other than CT, or slices covering less than half a patch along z."""
        self._detector.check_ct(_ct(ct, spacing))

    def lungs(self, ct: Any, spacing: Optional[Sequence[float]] = None) -> Any:
        """Stage 1: uint8 Image, 1 right lung, 2 left lung. ArgumentError when none is found."""
        return self._detector.lungs(_ct(ct, spacing))

    def candidates(self, ct: Any, lungs: Any,
                   spacing: Optional[Sequence[float]] = None) -> List[NoduleCandidate]:
        """Stage 2: dense blobs inside ``lungs``, one ``nodule_candidates`` pass per opening
        radius, merged (largest first within each pass)."""
        image = _ct(ct, spacing)
        return self._detector.candidates(image, _ct(lungs, image.spacing))

    def patches(self, ct: Any, candidates: Sequence[NoduleCandidate],
                spacing: Optional[Sequence[float]] = None) -> torch.Tensor:
        """Stage 3's input: (N, 1, S, S, S) float32 patches at the candidates' centres."""
        return self._detector.patches(_ct(ct, spacing), list(candidates))

    def score(self, ct: Any, candidates: Sequence[NoduleCandidate],
              spacing: Optional[Sequence[float]] = None) -> List[float]:
        """Stage 3: each candidate's nodule probability, in the candidates' order."""
        return self._detector.score(_ct(ct, spacing), list(candidates))

    def detect(self, ct: Any, spacing: Optional[Sequence[float]] = None) -> LungNoduleResult:
        """All stages: ``lungs``, ``candidates``, ``detections`` (highest probability first)
        and ``seconds`` per stage."""
        return self._detector.detect(_ct(ct, spacing))


def nodule_overlay(ct: Any, detections: Sequence[NoduleDetection], highlight: int = 0, *,
                   window_low: float = -1000.0, window_high: float = 400.0,
                   margin_mm: float = 3.0, min_radius_mm: float = 5.0, label: bool = True) -> Any:
    """The axial slice through ``detections[highlight]`` in the lung window as an RGB uint8
    Image (3, Y, X): the highlighted detection circled in red (radius: its own plus
    ``margin_mm``, at least ``min_radius_mm``), the others whose sphere cuts the slice in
    yellow, each labelled "#rank p=… d=…mm" when ``label``. Write it with
    :func:`medimg.io.write_png`."""
    return _nodule_overlay(_ct(ct, None), list(detections), int(highlight), float(window_low),
                           float(window_high), float(margin_mm), float(min_radius_mm),
                           bool(label))


def luna16_rows(detections: Sequence[NoduleDetection], seriesuid: str) -> List[Dict[str, Any]]:
    """Detections as LUNA16 CAD rows: seriesuid, coordX, coordY, coordZ (world mm),
    probability — the input of :func:`medimg.metrics.froc`."""
    for d in detections:
        if not isinstance(d, NoduleDetection):
            raise ArgumentError(f"luna16_rows: expected NoduleDetection items, got "
                                f"{type(d).__name__}")
    return [dict(zip(LUNA16_COLUMNS, (seriesuid, *map(float, d.centre), float(d.probability))))
            for d in detections]
