"""Diabetic-retinopathy grading (docs/case_retinopathy.md): colour fundus photographs →
fundus preprocessing → EfficientNet with an ordinal (CORAL) head of four logits → five
grades, class probabilities and P(referable DR) = P(grade ≥ 2), with Grad-CAM explanations.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np
import torch

from .. import metrics as _metrics
from .. import nn as _nn
from .._medimg import ArgumentError, ShapeError

__all__ = ["DRGrader", "DRPrediction", "dr_preprocess", "dr_metrics", "gradcam_hits", "DR_GRADES",
           "DR_PREPROCESSING"]

#: The international clinical DR severity scale (Wilkinson et al. 2003), grade 0 … 4.
DR_GRADES = ("no DR", "mild NPDR", "moderate NPDR", "severe NPDR", "proliferative DR")
#: Fundus preprocessing modes of :meth:`DRGrader.preprocess`.
DR_PREPROCESSING = ("none", "ben_graham", "clahe_green")
#: Referable DR: moderate non-proliferative or worse (grade ≥ 2).
REFERABLE_GRADE = 2


@dataclass
class DRPrediction:
    """The output of :meth:`DRGrader.predict` for N images.

    Attributes
    ----------
    grades : (N,) int64 tensor
        Decoded grades 0 … 4: the number of thresholds k with P(grade > k) > 0.5.
    probabilities : (N, 5) float tensor
        P(grade = k), from the cumulative probabilities (:func:`medimg.nn.ordinal_probabilities`).
    referable : (N,) float tensor
        P(grade ≥ 2) = P(grade > 1), the network's second cumulative probability.
    exceedance : (N, 4) float tensor
        P(grade > k), k = 0 … 3.
    """

    grades: torch.Tensor
    probabilities: torch.Tensor
    referable: torch.Tensor
    exceedance: torch.Tensor


def _as_batch(images: Any) -> torch.Tensor:
    """(N, C, H, W) or one (C, H, W) image as float32 in [0, 1]; uint8 is divided by 255,
    (N, H, W, 3) / (H, W, 3) channel-last arrays are moved to channel-first."""
    x = images if isinstance(images, torch.Tensor) else torch.as_tensor(np.asarray(images))
    if x.dim() == 3:
        x = x[None]
    if x.dim() != 4:
        raise ShapeError(f"DRGrader: expected images (N, 3, H, W) or (3, H, W), got shape "
                         f"{list(x.shape)}")
    if x.shape[1] not in (1, 3) and x.shape[-1] in (1, 3):
        x = x.permute(0, 3, 1, 2)
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    if x.shape[1] != 3:
        raise ShapeError(f"DRGrader: expected RGB images with 3 channels, got shape "
                         f"{list(x.shape)}")
    if x.dtype == torch.uint8:
        return x.to(torch.float32) / 255.0
    if not x.is_floating_point():
        raise ArgumentError(f"DRGrader: expected uint8 or floating-point images, got {x.dtype}")
    return x.to(torch.float32)


class DRGrader:
    """Grades colour fundus photographs with an ordinal EfficientNet.

    Parameters
    ----------
    model : torch.nn.Module, str or Path
        A network with 4 outputs (logit k models P(grade > k)), or a model file
        (:func:`medimg.nn.save_model`). It is put in eval mode.
    size : int, default 128
        Network input side; images are resized (bilinear, antialiased) to ``size × size``.
    preprocessing : {"none", "ben_graham", "clahe_green"}, default "none"
        Fundus enhancement after the crop and resize (see :meth:`preprocess`). Must be what
        the model was trained with; the shipped model (models/dr_efficientnet_b0_w025.pt)
        uses "none" (docs/case_retinopathy.md compares it with "ben_graham").
    crop : bool, default False
        Crop each image to its field of view first (:func:`medimg.preprocess.crop_fundus`);
        for photographs with wide black borders. The synthetic fundus images fill their frame.
    layer : str, default "features.2"
        The layer :meth:`explain` explains: EfficientNet's second stage, at a quarter of the
        input size (32 × 32 at 128 px), fine enough to point at a lesion.
    cam_method : {"layercam", "gradcam", "gradcam++"}, default "layercam"
        The ``medimg.nn.gradcam`` method. LayerCAM (Jiang et al. 2021) weights the
        activation by the positive gradient at each position and stays on the lesions on
        such an early layer, where plain Grad-CAM's one weight per channel also lights up
        the optic disc (docs/case_retinopathy.md compares them).
    cam_target : {"grade", "any"}, default "grade"
        The logit Grad-CAM explains: ``"grade"`` logit ``max(g − 1, 0)`` for grade g
        (P(grade ≥ g), the last threshold passed), ``"any"`` logit 0 (P(grade ≥ 1)).
    ben_graham_sigma : float, default 2.5
        Gaussian sigma of Ben Graham's local-average subtraction, in pixels at ``size``
        (Graham used 10 at a 300 px radius; 2.5 at 128 px keeps lesions and removes
        illumination).
    """

    def __init__(self, model: Union[torch.nn.Module, str, Path], *, size: int = 128,
                 preprocessing: str = "none", crop: bool = False,
                 layer: str = "features.2", cam_method: str = "layercam",
                 cam_target: str = "grade",
                 ben_graham_sigma: float = 2.5) -> None:
        if isinstance(model, (str, Path)):
            model = _nn.load_model(str(model))
        if not isinstance(model, torch.nn.Module):
            raise ArgumentError(f"DRGrader: model must be a torch.nn.Module or a model file, "
                                f"got {type(model).__name__}")
        if preprocessing not in DR_PREPROCESSING:
            raise ArgumentError(f"DRGrader: preprocessing must be one of {DR_PREPROCESSING}, "
                                f"got {preprocessing!r}")
        if int(size) < 32:
            raise ArgumentError(f"DRGrader: size must be at least 32, got {size}")
        self.model = model.eval()
        self.size = int(size)
        self.preprocessing = preprocessing
        self.crop = bool(crop)
        if cam_target not in ("grade", "any"):
            raise ArgumentError(f"DRGrader: cam_target must be 'grade' or 'any', got "
                                f"{cam_target!r}")
        if cam_method not in ("layercam", "gradcam", "gradcam++"):
            raise ArgumentError(f"DRGrader: cam_method must be 'layercam', 'gradcam' or "
                                f"'gradcam++', got {cam_method!r}")
        self.layer = layer
        self.cam_method = cam_method
        self.cam_target = cam_target
        self.ben_graham_sigma = float(ben_graham_sigma)

    # ---- preprocessing ----

    def preprocess(self, images: Any) -> torch.Tensor:
        """Network input for this grader's model: :func:`dr_preprocess` with the grader's
        ``size``, ``preprocessing``, ``crop`` and ``ben_graham_sigma``."""
        return dr_preprocess(images, size=self.size, preprocessing=self.preprocessing,
                             crop=self.crop, ben_graham_sigma=self.ben_graham_sigma)

    # ---- prediction ----

    @torch.no_grad()
    def logits(self, images: Any, *, batch_size: int = 128, preprocessed: bool = False
               ) -> torch.Tensor:
        """The network's (N, 4) ordinal logits; ``preprocessed=True`` skips
        :meth:`preprocess` (the input is already network input)."""
        x = images if preprocessed else self.preprocess(images)
        self.model.eval()
        return torch.cat([self.model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])

    def predict(self, images: Any, *, batch_size: int = 128,
                preprocessed: bool = False) -> DRPrediction:
        """Grades, class probabilities and P(referable DR) of each image (see
        :class:`DRPrediction`)."""
        logits = self.logits(images, batch_size=batch_size, preprocessed=preprocessed)
        exceedance = _nn.ordinal_exceedance(logits)
        return DRPrediction(grades=_nn.ordinal_decode(logits),
                            probabilities=_nn.ordinal_probabilities(logits),
                            referable=exceedance[:, REFERABLE_GRADE - 1].clone(),
                            exceedance=exceedance)

    # ---- explanation ----

    def explain_batch(self, images: Any, *, preprocessed: bool = False,
                      grades: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Grad-CAM maps ``(N, size, size)`` in [0, 1] for a batch (see :meth:`explain`)."""
        x = images if preprocessed else self.preprocess(images)
        if grades is None:
            grades = self.predict(x, preprocessed=True).grades
        if self.cam_target == "any":
            # Logit 0, P(grade > 0): the evidence for any lesion at all.
            target = torch.zeros(len(x), dtype=torch.int64)
        else:
            # The logit of the last threshold the grade passes, P(grade > g - 1): the
            # evidence for "at least this grade"; logit 0 for grade 0.
            target = (torch.as_tensor(grades) - 1).clamp(min=0)
        self.model.eval()
        return _nn.gradcam(self.model, x, self.layer, class_index=target,
                           method=self.cam_method)

    def explain(self, image: Any, *, grade: Optional[int] = None, alpha: float = 0.4
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Class activation map of one image and its overlay.

        The map explains logit ``max(g − 1, 0)`` — P(grade > g − 1), the last threshold the
        image's grade g passes (the predicted grade unless ``grade`` is given) — at
        ``layer`` with ``cam_method`` (``medimg.nn.gradcam``), upsampled to ``size``.

        Returns
        -------
        cam : (size, size) float tensor in [0, 1]
        overlay : (3, size, size) uint8 tensor
            ``medimg.nn.overlay`` of the map (jet) over the resized, unenhanced image.
        """
        x = _as_batch(image)[:1]
        grades = None if grade is None else torch.tensor([int(grade)])
        cam = self.explain_batch(x, grades=grades)[0]
        shown = _resize(x, self.size)[0]
        picture = (shown * 255).round().to(torch.uint8)
        return cam, _nn.overlay(picture, cam, alpha=alpha)


def dr_preprocess(images: Any, *, size: int = 128, preprocessing: str = "none",
                  crop: bool = False, ben_graham_sigma: float = 2.5) -> torch.Tensor:
    """Network input ``(N, 3, size, size)`` in about [-1, 1] from RGB fundus images.

    Steps: [crop to the field of view (``medimg.preprocess.crop_fundus``)], resize to
    ``size`` (bilinear, antialiased when shrinking), then ``preprocessing``:
    ``"ben_graham"`` = ``medimg.preprocess.ben_graham(x, sigma=ben_graham_sigma)`` (Ben
    Graham's local-average subtraction, 4 (x − G_σ * x) + 0.5), ``"clahe_green"`` =
    ``medimg.preprocess.clahe_green(x)``, ``"none"``; finally ``2 x − 1``.

    Parameters
    ----------
    images : (N, 3, H, W) / (3, H, W) tensor or array, float in [0, 1] or uint8 (also
        channel-last (…, H, W, 3) and grey (N, 1, H, W)); or a sequence of (3, H, W)
        images of different sizes.
    """
    if preprocessing not in DR_PREPROCESSING:
        raise ArgumentError(f"dr_preprocess: preprocessing must be one of {DR_PREPROCESSING}, "
                            f"got {preprocessing!r}")
    if isinstance(images, (list, tuple)):
        return torch.cat([dr_preprocess(image, size=size, preprocessing=preprocessing,
                                        crop=crop, ben_graham_sigma=ben_graham_sigma)
                          for image in images])
    x = _as_batch(images)
    out = []
    for image in x:
        if crop:
            image = torch.as_tensor(_fundus_preprocess().crop_fundus(image))
        image = _resize(image[None], size)[0]
        if preprocessing == "ben_graham":
            image = _fundus_preprocess().ben_graham(image, sigma=ben_graham_sigma)
        elif preprocessing == "clahe_green":
            image = _fundus_preprocess().clahe_green(image)
        out.append(torch.as_tensor(image, dtype=torch.float32))
    return (torch.stack(out) * 2 - 1).contiguous()


def _resize(x: torch.Tensor, size: int) -> torch.Tensor:
    return torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear",
                                           align_corners=False,
                                           antialias=x.shape[-1] > size).clamp(0, 1)


def _fundus_preprocess() -> Any:
    """medimg.preprocess, imported when first needed."""
    from .. import preprocess
    return preprocess


def dr_metrics(grades: Any, predicted: Any, probabilities: Any, referable: Any
               ) -> Dict[str, Any]:
    """The DR grading metrics, all from medimg.metrics.

    Parameters
    ----------
    grades : (N,) true grades 0 … 4
    predicted : (N,) predicted grades
    probabilities : (N, 5) class probabilities
    referable : (N,) P(grade ≥ 2)

    Returns
    -------
    dict
        ``accuracy``; ``macro_auc`` (one-vs-rest, ``roc_auc(..., average="macro")``, as
        ``sklearn.metrics.roc_auc_score(multi_class="ovr", average="macro")``);
        ``quadratic_kappa`` (``cohen_kappa(weights="quadratic", num_classes=5)``);
        ``referable_auc`` (AUC of P(grade ≥ 2) for grade ≥ 2); ``confusion_matrix`` (5 × 5
        list, rows true, columns predicted).
    """
    y = torch.as_tensor(grades).to(torch.int64)
    p = torch.as_tensor(predicted).to(torch.int64)
    num_classes = len(DR_GRADES)
    return {
        "accuracy": _metrics.accuracy(y, p),
        "macro_auc": _metrics.roc_auc(y, torch.as_tensor(probabilities).to(torch.float64),
                                      average="macro"),
        "quadratic_kappa": _metrics.cohen_kappa(y, p, weights="quadratic",
                                                num_classes=num_classes),
        "referable_auc": _metrics.roc_auc((y >= REFERABLE_GRADE).to(torch.int64),
                                          torch.as_tensor(referable).to(torch.float64)),
        "confusion_matrix": torch.as_tensor(
            _metrics.confusion_matrix(y, p, num_classes=num_classes)).tolist(),
    }


def gradcam_hits(cams: torch.Tensor, lesions: torch.Tensor, dilation: int) -> List[bool]:
    """Whether each map's maximum lies on a lesion pixel of ``lesions`` (N, H, W) dilated by
    ``dilation`` pixels (a (2 d + 1)² square)."""
    if cams.shape[-2:] != lesions.shape[-2:]:
        raise ShapeError(f"gradcam_hits: maps {list(cams.shape)} and lesion maps "
                         f"{list(lesions.shape)} differ in size")
    mask = (lesions > 0).to(torch.float32)[:, None]
    if dilation > 0:
        mask = torch.nn.functional.max_pool2d(mask, 2 * dilation + 1, stride=1,
                                              padding=dilation)
    flat = cams.flatten(1).argmax(1)
    return [bool(mask[i, 0].flatten()[j] > 0) for i, j in enumerate(flat.tolist())]
