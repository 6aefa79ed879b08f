"""Learning-rate schedules against torch.optim.lr_scheduler (the reference) and closed forms."""

import math

import numpy as np
import pytest
import torch

import medimg
from medimg.train import CosineWarmupLR, PolyLR, ReduceLROnPlateau, StepLR


def optimiser(lrs=(0.1, 0.01)):
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs]
    return torch.optim.SGD(groups, lr=lrs[0])


def rates(optim):
    return [group["lr"] for group in optim.param_groups]


# A noisy, plateauing loss curve with NaNs and exact repeats: every branch of the state machine.
def metric_sequences():
    rng = np.random.default_rng(3)
    for seed in range(6):
        curve = np.maximum(1.0 / (1 + np.arange(80) / 5.0), 0.3) + rng.normal(0, 0.01, 80)
        curve[rng.integers(0, 80, 3)] = np.nan
        curve[40:50] = curve[39]
        yield seed, (curve if seed % 2 == 0 else -curve)


@pytest.mark.parametrize("mode,threshold_mode,threshold,patience,cooldown,min_lr", [
    ("min", "rel", 1e-4, 3, 0, 0.0),
    ("min", "abs", 1e-3, 2, 2, 1e-4),
    ("max", "rel", 1e-2, 0, 1, [1e-3, 5e-4]),
    ("max", "abs", 0.0, 5, 3, 0.0),
])
def test_reduce_on_plateau_equals_pytorch_bit_for_bit(mode, threshold_mode, threshold,
                                                       patience, cooldown, min_lr):
    for _, curve in metric_sequences():
        ours_opt, ref_opt = optimiser(), optimiser()
        ours = ReduceLROnPlateau(ours_opt, mode=mode, factor=0.5, patience=patience,
                                 threshold=threshold, threshold_mode=threshold_mode,
                                 cooldown=cooldown, min_lr=min_lr)
        ref = torch.optim.lr_scheduler.ReduceLROnPlateau(
            ref_opt, mode=mode, factor=0.5, patience=patience, threshold=threshold,
            threshold_mode=threshold_mode, cooldown=cooldown, min_lr=min_lr)
        for value in curve:
            ours.step(value)
            ref.step(value)
            assert rates(ours_opt) == rates(ref_opt)  # exact
            assert ours.num_bad_epochs == ref.num_bad_epochs
            assert ours.best == ref.best or (math.isinf(ours.best) and math.isinf(ref.best))


def test_step_lr_equals_pytorch_bit_for_bit():
    ours_opt, ref_opt = optimiser(), optimiser()
    ours = StepLR(ours_opt, step_size=3, gamma=0.7)
    ref = torch.optim.lr_scheduler.StepLR(ref_opt, step_size=3, gamma=0.7)
    for _ in range(30):
        ours_opt.step(), ref_opt.step()
        ours.step()
        ref.step()
        assert rates(ours_opt) == rates(ref_opt)


def test_poly_lr_equals_pytorch_and_nnunet():
    ours_opt, ref_opt = optimiser(), optimiser()
    ours = PolyLR(ours_opt, total_epochs=20, power=0.9)
    ref = torch.optim.lr_scheduler.PolynomialLR(ref_opt, total_iters=20, power=0.9)
    for epoch in range(1, 25):
        ours_opt.step(), ref_opt.step()
        ours.step()
        ref.step()
        np.testing.assert_allclose(rates(ours_opt), rates(ref_opt), rtol=1e-12, atol=1e-15)
        # nnU-Net: initial_lr * (1 - epoch / max_num_epochs) ** 0.9
        expected = [lr * (1 - min(epoch, 20) / 20) ** 0.9 for lr in (0.1, 0.01)]
        np.testing.assert_allclose(rates(ours_opt), expected, rtol=1e-15)


def test_cosine_with_warmup_by_hand_and_against_pytorch_cosine():
    ours = CosineWarmupLR([1.0], total_epochs=12, warmup_epochs=4, start_factor=0.1,
                          min_lr=0.05)
    got = [ours.get_last_lr()[0]]
    for _ in range(14):
        ours.step()
        got.append(ours.get_last_lr()[0])
    np.testing.assert_allclose(got[:5], [0.1, 0.325, 0.55, 0.775, 1.0], rtol=1e-15)
    # After warm-up: CosineAnnealingLR(T_max=8, eta_min=0.05)'s closed form.
    ref_opt = optimiser((1.0,))
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(ref_opt, T_max=8, eta_min=0.05)
    for e in range(1, 9):
        closed_form = 0.05 + 0.95 * (1 + math.cos(math.pi * e / 8)) / 2
        np.testing.assert_allclose(got[4 + e], closed_form, rtol=1e-14)
        ref_opt.step()
        cosine.step()
        np.testing.assert_allclose(got[4 + e], rates(ref_opt)[0], rtol=1e-12)
    assert got[12:] == [0.05] * 3


def test_state_round_trip_resumes_identically():
    first = ReduceLROnPlateau([0.1], patience=1, cooldown=1)
    for value in (1.0, 0.9, 0.95, 0.97):
        first.step(value)
    second = ReduceLROnPlateau([0.1], patience=1, cooldown=1)
    second.load_state_dict(first.state_dict())
    for value in (0.99, 0.98, 0.5, 0.6, 0.7):
        first.step(value)
        second.step(value)
        assert first.get_last_lr() == second.get_last_lr()
        assert first.last_epoch == second.last_epoch


def test_bad_arguments():
    with pytest.raises(medimg.ArgumentError, match="mode"):
        ReduceLROnPlateau([0.1], mode="lowest")
    with pytest.raises(medimg.ArgumentError, match="factor"):
        ReduceLROnPlateau([0.1], factor=1.5)
    with pytest.raises(medimg.ArgumentError, match="metric"):
        ReduceLROnPlateau([0.1]).step()
    with pytest.raises(medimg.ArgumentError, match="min_lr"):
        ReduceLROnPlateau([0.1, 0.2, 0.3], min_lr=[0.0, 0.0])
    with pytest.raises(medimg.ArgumentError, match="step_size"):
        StepLR([0.1], step_size=0)
    with pytest.raises(medimg.ArgumentError, match="total_epochs"):
        CosineWarmupLR([0.1], total_epochs=5, warmup_epochs=5)
    with pytest.raises(medimg.ArgumentError, match="state"):
        StepLR([0.1], 2).load_state_dict({"state": [1.0]})
