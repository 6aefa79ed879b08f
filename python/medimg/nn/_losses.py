"""Training losses: the C++ medimg::nn losses as torch.nn.Modules (see _module.CppModule).

Each takes logits ``(N, C, *spatial)`` (0 to 3 spatial axes) and a target of the same shape
(one-hot or per-channel values) or class indices ``(N, *spatial)`` / ``(N, 1, *spatial)``;
with one output channel, index targets are the 0/1 mask. docs/nn.md gives the formulas and
where they differ from MONAI's and torch's.
"""

from __future__ import annotations

import numbers
from typing import Any, Dict, Optional, Sequence, Union

import torch

from .. import _medimg
from ._module import CppModule, construct, register

__all__ = ["WeightedBCELoss", "DiceLoss", "DiceCELoss", "FocalLoss", "TverskyLoss"]

Weights = Optional[Union[float, Sequence[float], torch.Tensor]]


def _weights(options: Dict[str, Any], *names: str) -> Dict[str, Any]:
    """Per-channel weight options as lists: None -> [], a number -> [number], a tensor or
    sequence -> its values."""
    for name in names:
        value = options.get(name)
        if value is None:
            options.pop(name, None)
        elif isinstance(value, torch.Tensor):
            options[name] = [float(v) for v in value.detach().flatten().tolist()]
        elif isinstance(value, numbers.Real):
            options[name] = [float(value)]
        else:
            options[name] = [float(v) for v in value]
    return options


class WeightedBCELoss(CppModule, _medimg.WeightedBCELoss):
    """Binary cross-entropy on logits with class weights (medimg::nn::WeightedBCELoss).

    ``-weight_c * (pos_weight_c * y * log(sigmoid(x)) + (1 - y) * log(1 - sigmoid(x)))``,
    torch's ``binary_cross_entropy_with_logits`` with ``weight`` and ``pos_weight`` along the
    channel axis (axis 1, also for segmentation logits). For imbalanced classes use
    ``pos_weight = negatives / positives`` per class.

    Parameters (keyword-only)
    ----------
    pos_weight : float, sequence of float or 1-D tensor, optional
        Weight of the positive term, one value or one per channel.
    weight : float, sequence of float or 1-D tensor, optional
        Weight of each channel's loss.
    reduction : {"mean", "sum", "none"}, default "mean"
        "none" returns the element-wise loss, of the input's shape.
    """

    def __init__(self, **options: Any) -> None:
        CppModule.__init__(self, construct(_medimg.cpp.WeightedBCELoss,
            **_weights(options, "pos_weight", "weight")))


class DiceLoss(CppModule, _medimg.DiceLoss):
    """Soft Dice loss, MONAI's ``DiceLoss`` (medimg::nn::DiceLoss).

    Per sample and channel ``1 - (2 sum(p g) + smooth_nr) / (sum(p) + sum(g) + smooth_dr)``
    over the spatial axes.

    Parameters (keyword-only)
    ----------
    include_background : bool, default True
        False drops channel 0 after the activation.
    activation : {"softmax", "sigmoid", "none"}, default "softmax"
        The input is logits; "none" for probabilities. MONAI's default is no activation.
    squared_pred : bool, default False
        ``sum(p**2) + sum(g**2)`` in the denominator.
    jaccard : bool, default False
        Soft Jaccard index instead of Dice.
    smooth_nr, smooth_dr : float, default 1e-5
    batch : bool, default False
        Sum over the batch too: one Dice per channel.
    weight : float, sequence of float or 1-D tensor, optional
        Class weights of the channels kept.
    reduction : {"mean", "sum", "none"}, default "mean"
        "none" returns ``(N, C)`` (``(C,)`` with ``batch``); MONAI's has trailing unit axes.

    Examples
    --------
    >>> loss = DiceLoss(include_background=False)
    >>> loss(torch.randn(2, 3, 16, 16), torch.randint(0, 3, (2, 16, 16)))  # index targets
    """

    def __init__(self, **options: Any) -> None:
        CppModule.__init__(self, construct(_medimg.cpp.DiceLoss, **_weights(options, "weight")))


class DiceCELoss(CppModule, _medimg.DiceCELoss):
    """``lambda_dice * Dice + lambda_ce * cross-entropy``, MONAI's ``DiceCELoss``
    (medimg::nn::DiceCELoss).

    With ``activation="softmax"`` the second term is torch's ``cross_entropy`` (``ce_weight``
    its class weights; the weighted mean divides by the total weight, as with class indices),
    with ``"sigmoid"`` the binary cross-entropy per channel. ``include_background`` applies to
    the Dice term only.

    Parameters (keyword-only)
    ----------
    The DiceLoss parameters (``activation`` "softmax" or "sigmoid"; ``reduction`` "mean" or
    "sum"), plus
    ce_weight : float, sequence of float or 1-D tensor, optional
    lambda_dice, lambda_ce : float, default 1.0
    """

    def __init__(self, **options: Any) -> None:
        CppModule.__init__(self, construct(_medimg.cpp.DiceCELoss,
            **_weights(options, "weight", "ce_weight")))


class FocalLoss(CppModule, _medimg.FocalLoss):
    """Focal loss, MONAI's ``FocalLoss`` (medimg::nn::FocalLoss).

    Sigmoid: ``-alpha_t (1 - p_t)**gamma log(p_t)`` per element and channel; softmax:
    ``-alpha_c (1 - p_c)**gamma y_c log(p_c)``. ``gamma=0`` without ``alpha`` is the binary
    (sigmoid) or categorical (softmax) cross-entropy.

    Parameters (keyword-only)
    ----------
    include_background : bool, default True
        False drops channel 0 from the loss (after the softmax over all channels).
    activation : {"sigmoid", "softmax"}, default "sigmoid"
    gamma : float, default 2.0
    alpha : float in [0, 1], optional
        Sigmoid: alpha for positives, 1 - alpha for negatives; softmax: 1 - alpha for
        channel 0, alpha for the others.
    weight : float, sequence of float or 1-D tensor, optional
        Class weights of the channels kept.
    reduction : {"mean", "sum", "none"}, default "mean"
        "sum" is the plain sum (MONAI's averages the spatial axes first).
    """

    def __init__(self, **options: Any) -> None:
        CppModule.__init__(self, construct(_medimg.cpp.FocalLoss, **_weights(options, "weight")))


class TverskyLoss(CppModule, _medimg.TverskyLoss):
    """Tversky loss, MONAI's ``TverskyLoss`` (medimg::nn::TverskyLoss).

    Per sample and channel ``1 - (TP + smooth_nr) / (TP + alpha FP + beta FN + smooth_dr)``
    with soft counts ``TP = sum(p g)``, ``FP = sum(p (1 - g))``, ``FN = sum((1 - p) g)``.

    Parameters (keyword-only)
    ----------
    include_background : bool, default True
    activation : {"softmax", "sigmoid", "none"}, default "softmax"
    alpha, beta : float, default 0.5
        Weights of false positives and false negatives (0.5, 0.5 is the Dice loss).
    smooth_nr, smooth_dr : float, default 1e-5
    batch : bool, default False
    reduction : {"mean", "sum", "none"}, default "mean"
        "none" returns ``(N, C)`` (``(C,)`` with ``batch``).
    """

    def __init__(self, **options: Any) -> None:
        CppModule.__init__(self, construct(_medimg.cpp.TverskyLoss, **options))


for _public in (WeightedBCELoss, DiceLoss, DiceCELoss, FocalLoss, TverskyLoss):
    register(getattr(_medimg.cpp, _public.__name__), _public)
del _public
