"""Ordinal (CORAL) outputs: targets, loss, class probabilities and decoding against hand
computations and torch.nn.functional.binary_cross_entropy_with_logits."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import medimg
from medimg import nn


def test_targets_by_hand():
    got = nn.ordinal_targets(torch.tensor([0, 1, 2, 4]), 5)
    expected = torch.tensor([[0, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 1]],
                            dtype=torch.float32)
    assert got.dtype == torch.float32
    assert torch.equal(got, expected)


def test_loss_is_torchs_bce_with_logits_on_cumulative_targets():
    torch.manual_seed(0)
    logits = torch.randn(7, 4, dtype=torch.float64, requires_grad=True)
    grades = torch.tensor([0, 1, 2, 3, 4, 2, 0])
    targets = (grades[:, None] > torch.arange(4)[None]).to(torch.float64)
    expected = F.binary_cross_entropy_with_logits(logits, targets)
    got = nn.ordinal_loss(logits, grades)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=0)
    (grad,) = torch.autograd.grad(got, logits)
    (expected_grad,) = torch.autograd.grad(expected, logits)
    torch.testing.assert_close(grad, expected_grad, rtol=1e-12, atol=0)


def test_loss_by_hand():
    # One case of grade 1, logits (0, 0): targets (1, 0); each term log 2.
    got = nn.ordinal_loss(torch.zeros(1, 2), torch.tensor([1]))
    assert float(got) == pytest.approx(np.log(2.0), rel=1e-6)
    # logits (ln 3, -ln 3) for grade 1: -log(3/4) - log(3/4), mean -log(0.75).
    logits = torch.tensor([[np.log(3.0), -np.log(3.0)]], dtype=torch.float64)
    assert float(nn.ordinal_loss(logits, [1])) == pytest.approx(-np.log(0.75), rel=1e-12)


def test_probabilities_and_decoding_by_hand():
    # P(y > k) = 0.9, 0.6, 0.3, 0.1 -> P(y = k) = 0.1, 0.3, 0.3, 0.2, 0.1; grade 2.
    p = torch.tensor([[0.9, 0.6, 0.3, 0.1]], dtype=torch.float64)
    logits = torch.log(p / (1 - p))
    torch.testing.assert_close(nn.ordinal_exceedance(logits), p)
    torch.testing.assert_close(nn.ordinal_probabilities(logits),
                               torch.tensor([[0.1, 0.3, 0.3, 0.2, 0.1]], dtype=torch.float64))
    assert nn.ordinal_decode(logits).tolist() == [2]
    assert nn.ordinal_decode(logits).dtype == torch.int64


def test_inconsistent_exceedances_are_clipped_and_renormalised():
    # P(y > k) = 0.2, 0.7, 0.1, 0.4: differences 0.8, -0.5, 0.6, -0.3, 0.4 -> clipped
    # 0.8, 0, 0.6, 0, 0.4 (sum 1.8) -> divided by 1.8. Decoded: two probabilities > 0.5.
    p = torch.tensor([[0.2, 0.7, 0.1, 0.4]], dtype=torch.float64)
    logits = torch.log(p / (1 - p))
    expected = torch.tensor([[0.8, 0.0, 0.6, 0.0, 0.4]], dtype=torch.float64) / 1.8
    torch.testing.assert_close(nn.ordinal_probabilities(logits), expected)
    assert nn.ordinal_decode(logits).tolist() == [1]


def test_rows_sum_to_one_and_decoding_counts_exceedances():
    torch.manual_seed(1)
    logits = torch.randn(50, 4) * 4
    probabilities = nn.ordinal_probabilities(logits)
    assert probabilities.shape == (50, 5) and (probabilities >= 0).all()
    torch.testing.assert_close(probabilities.sum(1), torch.ones(50))
    assert torch.equal(nn.ordinal_decode(logits), (torch.sigmoid(logits) > 0.5).sum(1))


def test_bad_input():
    with pytest.raises(medimg.ShapeError, match="ordinal_loss"):
        nn.ordinal_loss(torch.zeros(3), torch.tensor([0, 1, 2]))
    with pytest.raises(medimg.ShapeError, match="grades"):
        nn.ordinal_loss(torch.zeros(3, 4), torch.tensor([0, 1]))
    with pytest.raises(medimg.ArgumentError, match=r"\[0, 5\)"):
        nn.ordinal_loss(torch.zeros(2, 4), torch.tensor([0, 5]))
    with pytest.raises(medimg.ArgumentError, match=r"\[0, 5\)"):
        nn.ordinal_targets(torch.tensor([-1]), 5)
    with pytest.raises(medimg.ArgumentError, match="num_classes"):
        nn.ordinal_targets(torch.tensor([0]), 1)
    with pytest.raises(medimg.ArgumentError, match="floating"):
        nn.ordinal_probabilities(torch.zeros(2, 4, dtype=torch.int64))
    with pytest.raises(medimg.ArgumentError, match="whole"):
        nn.ordinal_targets(torch.tensor([0.5]), 5)
