"""Learning-rate schedules (C++ train/scheduler.hpp) applied to torch.optim optimisers.

Each class takes a ``torch.optim.Optimizer`` (or a list of base learning rates), like
``torch.optim.lr_scheduler``: call ``step()`` once per epoch (``step(metric)`` for
:class:`ReduceLROnPlateau`) and the optimiser's ``param_groups`` get the new rates.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Union

from .._medimg import _CosineWarmupLR, _PolyLR, _ReduceLROnPlateau, _StepLR

__all__ = ["StepLR", "PolyLR", "CosineWarmupLR", "ReduceLROnPlateau"]

OptimizerOrRates = Union[Any, Sequence[float]]


def _base_rates(optimizer: OptimizerOrRates) -> List[float]:
    groups = getattr(optimizer, "param_groups", None)
    if groups is None:
        return [float(lr) for lr in optimizer]
    # As torch.optim.lr_scheduler: the first schedule records each group's initial rate.
    return [float(group.setdefault("initial_lr", group["lr"])) for group in groups]


class _Schedule:
    def __init__(self, optimizer: OptimizerOrRates, schedule: Any) -> None:
        self.optimizer = optimizer if hasattr(optimizer, "param_groups") else None
        self._schedule = schedule
        self._apply()

    def step(self, metric: Optional[float] = None) -> None:
        """Ends one epoch (``metric``: the watched validation value, where one is needed)."""
        self._schedule.step(None if metric is None else float(metric))
        self._apply()

    def get_last_lr(self) -> List[float]:
        """The rate of each parameter group for the coming epoch."""
        return list(self._schedule.learning_rates)

    @property
    def last_epoch(self) -> int:
        return self._schedule.epoch

    def state_dict(self) -> Dict[str, List[float]]:
        return {"state": list(self._schedule.state())}

    def load_state_dict(self, state: Dict[str, List[float]]) -> None:
        self._schedule.load_state(list(state["state"]))
        self._apply()

    def _apply(self) -> None:
        if self.optimizer is not None:
            for group, lr in zip(self.optimizer.param_groups, self._schedule.learning_rates):
                group["lr"] = lr


class StepLR(_Schedule):
    """torch.optim.lr_scheduler.StepLR: rates times ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer: OptimizerOrRates, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer, _StepLR(_base_rates(optimizer), step_size, gamma))


class PolyLR(_Schedule):
    """nnU-Net's polynomial decay: base * (1 - epoch / total_epochs) ** power."""

    def __init__(self, optimizer: OptimizerOrRates, total_epochs: int,
                 power: float = 0.9) -> None:
        super().__init__(optimizer, _PolyLR(_base_rates(optimizer), total_epochs, power))


class CosineWarmupLR(_Schedule):
    """Linear warm-up from ``start_factor`` * base over ``warmup_epochs``, then cosine
    annealing to ``min_lr`` at ``total_epochs`` (CosineAnnealingLR's closed form)."""

    def __init__(self, optimizer: OptimizerOrRates, total_epochs: int, warmup_epochs: int = 0,
                 start_factor: float = 0.0, min_lr: float = 0.0) -> None:
        super().__init__(optimizer, _CosineWarmupLR(_base_rates(optimizer), total_epochs,
                                                    warmup_epochs, start_factor, min_lr))


class ReduceLROnPlateau(_Schedule):
    """torch.optim.lr_scheduler.ReduceLROnPlateau with the same arguments and, step by step,
    bit-identical rates."""

    def __init__(self, optimizer: OptimizerOrRates, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: Union[float, Sequence[float]] = 0.0,
                 eps: float = 1e-8) -> None:
        min_lrs = [float(v) for v in min_lr] if isinstance(min_lr, (list, tuple)) \
            else [float(min_lr)]
        super().__init__(optimizer, _ReduceLROnPlateau(
            _base_rates(optimizer), mode, factor, patience, threshold, threshold_mode, cooldown,
            min_lrs, eps))

    @property
    def best(self) -> float:
        return self._schedule.best

    @property
    def num_bad_epochs(self) -> int:
        return self._schedule.bad_epochs
