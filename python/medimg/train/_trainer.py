"""The training engine from Python: the C++ trainer (medimg::train::Trainer) driven by the
same configuration keys as C++ and ``medimg train`` (docs/train.md)."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

from .. import _medimg
from ..nn._module import wrap

__all__ = ["Trainer", "train", "read_config"]

Config = Union[Mapping[str, Any], str, "os.PathLike[str]"]


def read_config(path: Union[str, "os.PathLike[str]"]) -> Dict[str, Any]:
    """The configuration tree of a ``.json``, ``.yaml`` or ``.yml`` file, read by the same C++
    parser as ``medimg train`` (so YAML scalars get the same types)."""
    config = json.loads(_medimg._read_training_config(os.fspath(path)))
    if not isinstance(config, dict):
        raise _medimg.FormatError(f"{os.fspath(path)}: a training config is a mapping of keys "
                                  f"to values, got a {type(config).__name__}")
    return config


def _config_json(config: Config, overrides: Sequence[str]) -> str:
    if isinstance(config, Mapping):
        text = json.dumps(config)
    else:
        text = _medimg._read_training_config(os.fspath(config))
    if overrides:
        text = _medimg._apply_config_overrides(text, list(overrides))
    return text


def _draw_progress(stage: str, done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total) if total else 0
    sys.stderr.write(f"\r{stage} [{'#' * filled}{' ' * (width - filled)}] {done}/{total}")
    if done == total:
        sys.stderr.write("\r" + " " * 60 + "\r")
    sys.stderr.flush()


class Trainer:
    """Trains a medimg network as the configuration says.

    Parameters
    ----------
    config : dict or path
        The configuration tree (sections ``task``, ``model``, ``data``, ``loader``,
        ``optimizer``, ``scheduler``, ``loss``, ``trainer``, ``validation``; docs/train.md),
        or a ``.json``/``.yaml`` file holding it. Unknown keys and wrong types raise
        ``medimg.ArgumentError`` naming the key.
    network : medimg network, optional
        Train this network (a ``medimg.nn`` module, trained in place) instead of building
        the config's ``model``.
    overrides : sequence of str
        ``"trainer.epochs=3"``-style assignments applied to the config first.
    on_epoch_end : callable(record: dict), optional
        Called after every epoch with its record (``epoch``, ``train_loss``, ``lr``,
        ``seconds``, ``best`` and the validation metrics ``val_loss``, ``val_dice``, ...).
    on_step : callable(epoch, step, loss), optional
    progress : bool or callable(stage, done, total)
        True draws a progress bar on stderr.

    Examples
    --------
    >>> trainer = Trainer({"model": {"architecture": "unet", "spatial_dims": 2, ...},
    ...                    "data": {"train": {"decathlon": "Task09_Spleen"}}, ...})
    >>> history = trainer.fit()
    >>> trainer.network            # the trained medimg.nn.UNet
    """

    def __init__(self, config: Config, network: Optional[Any] = None,
                 overrides: Sequence[str] = (), on_epoch_end: Optional[Callable] = None,
                 on_step: Optional[Callable] = None,
                 progress: Union[bool, Callable[[str, int, int], None]] = False) -> None:
        if progress is True:
            progress = _draw_progress
        cpp_network = getattr(network, "cpp_module", network)
        self._session = _medimg._TrainingSession(
            _config_json(config, overrides), cpp_network, on_epoch_end, on_step,
            progress or None)
        self._network = network

    def fit(self) -> List[Dict[str, Any]]:
        """Trains (from the checkpoint's next epoch when ``trainer.resume`` found one) and
        returns the history: one record per epoch."""
        return self._session.fit()

    def evaluate(self) -> Dict[str, float]:
        """The validation metrics of the current network on ``data.validation``."""
        return self._session.evaluate()

    def stop(self) -> None:
        """Ends fit() after the current epoch (from a callback)."""
        self._session.stop()

    @property
    def network(self):
        """The network being trained, as a ``medimg.nn`` module sharing its parameters."""
        if self._network is None:
            self._network = wrap(self._session.network)
        return self._network

    @property
    def history(self) -> List[Dict[str, Any]]:
        return self._session.history

    @property
    def start_epoch(self) -> int:
        """0, or the epoch after the one a resumed checkpoint holds."""
        return self._session.start_epoch

    def save_checkpoint(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Writes the whole training state (atomically)."""
        self._session.save_checkpoint(os.fspath(path))

    def load_checkpoint(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Restores a state written by save_checkpoint() (same architecture and options)."""
        self._session.load_checkpoint(os.fspath(path))


def train(config: Config, overrides: Sequence[str] = (), **callbacks: Any) -> List[Dict[str, Any]]:
    """``Trainer(config, overrides=overrides, **callbacks).fit()``: what ``medimg train``
    does in one process."""
    return Trainer(config, overrides=overrides, **callbacks).fit()
