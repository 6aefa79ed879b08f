"""Ordinal (cumulative, CORAL-style) outputs for K ordered classes (medimg::nn ordinal.hpp).

A network with ``K - 1`` logits, logit ``k`` modelling ``P(y > k)`` (Cao, Mirjalili &
Raschka, "Rank consistent ordinal regression for neural networks with application to age
estimation", Pattern Recognition Letters 140, 2020). docs/nn.md gives the rules.
"""

from __future__ import annotations

from typing import Any

import torch

from .. import _medimg

__all__ = ["ordinal_targets", "ordinal_loss", "ordinal_exceedance", "ordinal_probabilities",
           "ordinal_decode"]


def _tensor(value: Any) -> torch.Tensor:
    return value if isinstance(value, torch.Tensor) else torch.as_tensor(value)


def ordinal_targets(grades: Any, num_classes: int) -> torch.Tensor:
    """The cumulative targets ``[grade > k]``, ``k = 0 … K - 2``.

    Parameters
    ----------
    grades : (N,) integer tensor or array
        Class indices in ``[0, num_classes)``.
    num_classes : int
        K, at least 2.

    Returns
    -------
    torch.Tensor
        (N, K - 1) float32 of 0 and 1.
    """
    return _medimg._ordinal_targets(_tensor(grades), int(num_classes))


def ordinal_loss(logits: torch.Tensor, grades: Any) -> torch.Tensor:
    """Mean binary cross-entropy of ``(N, K - 1)`` logits against ``ordinal_targets(grades,
    K)``: ``torch.nn.functional.binary_cross_entropy_with_logits`` averaged over the
    ``N * (K - 1)`` terms. Differentiable in ``logits``.

    Parameters
    ----------
    logits : (N, K - 1) float tensor
    grades : (N,) integer tensor or array in ``[0, K)``

    Returns
    -------
    torch.Tensor
        A scalar.
    """
    return _medimg._ordinal_loss(logits, _tensor(grades))


def ordinal_exceedance(logits: torch.Tensor) -> torch.Tensor:
    """``P(y > k) = sigmoid(logit_k)``, shape ``(N, K - 1)``."""
    return _medimg._ordinal_exceedance(logits)


def ordinal_probabilities(logits: torch.Tensor) -> torch.Tensor:
    """Class probabilities ``(N, K)`` from ``(N, K - 1)`` logits.

    ``P(y = 0) = 1 - P(y > 0)``, ``P(y = k) = P(y > k - 1) - P(y > k)``, ``P(y = K - 1) =
    P(y > K - 2)``. When the exceedances are not decreasing (the network is not forced to
    be rank consistent), the negative differences are clipped at 0 and each row is divided
    by its sum, so rows sum to 1; with decreasing exceedances nothing changes.
    """
    return _medimg._ordinal_probabilities(logits)


def ordinal_decode(logits: torch.Tensor) -> torch.Tensor:
    """The decoded class, the number of ``k`` with ``P(y > k) > 0.5``: ``(N,)`` int64."""
    return _medimg._ordinal_decode(logits)
