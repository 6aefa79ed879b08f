"""Networks from an architecture name and options, and model files that rebuild them (C++
nn/network.hpp): the format configs, the trainer and C++ programs share."""

from __future__ import annotations

import json
from os import PathLike
from typing import Any, Dict, Union

from .. import _medimg
from ._module import CppModule, wrap

__all__ = ["build_network", "save_model", "load_model"]

PathArg = Union[str, PathLike]


def _json_value(value: Any) -> Any:
    # numpy scalars and other numbers json does not know
    if hasattr(value, "item"):
        return value.item()
    raise _medimg.ArgumentError(
        f"network options must be JSON values (numbers, strings, booleans, lists), got "
        f"{type(value).__name__}")


def options_json(options: Dict[str, Any]) -> str:
    """``options`` as the JSON text the C++ side reads (tuples become lists)."""
    return json.dumps(options, default=_json_value)


def build_network(architecture: str, **options: Any) -> CppModule:
    """The network named ``architecture`` built from keyword options.

    Parameters
    ----------
    architecture : {"unet", "resnet", "efficientnet", "cnn3d"}
    **options
        The keyword arguments of the class (:class:`UNet`, :class:`ResNet`,
        :class:`EfficientNet`, :class:`CNN3d`), ``depth`` and ``variant`` included; omitted
        ones take their defaults.

    Returns
    -------
    CppModule
        A :class:`UNet`, :class:`ResNet`, :class:`EfficientNet` or :class:`CNN3d`, as its
        constructor returns it, with ``.architecture`` and ``.options``.

    Raises
    ------
    ArgumentError
        For an unknown architecture, an unknown or missing option or a value of the wrong
        type, each named.

    Examples
    --------
    >>> net = build_network("resnet", depth=18, in_channels=1, num_classes=2)
    >>> net.options["num_classes"]
    2
    """
    return wrap(_medimg._build_network(architecture, options_json(options)))


def _cpp_network(module: Any):
    if not isinstance(module, CppModule):
        raise _medimg.ArgumentError(
            f"expected a medimg network (UNet, ResNet, EfficientNet or CNN3d), got "
            f"{type(module).__name__}; save other modules with torch.jit.save")
    return module.cpp_module


def describe(module: Any) -> tuple:
    """``(architecture, options_json)`` of a medimg network, read from its C++ options."""
    return _medimg._describe_network(_cpp_network(module))


def save_model(module: CppModule, path: PathArg) -> None:
    """Writes ``module`` (architecture, options and weights) to one file, atomically.

    :func:`load_model` here and ``medimg::nn::load_model`` in C++ rebuild it from the file
    alone. The file is a PyTorch zip pickle of ``{"medimg_model_format": 1, "architecture":
    str, "options": JSON str, "state": {name: tensor}}``, so ``torch.load(path)`` reads it
    too (docs/train_export.md).

    Raises
    ------
    ArgumentError
        When ``module`` is not a UNet, ResNet, EfficientNet or CNN3d.
    IoError
        When the file cannot be written.
    """
    _medimg._save_model(_cpp_network(module), path)


def load_model(path: PathArg) -> CppModule:
    """The network of a model file written by :func:`save_model` (or C++ save_model), in
    training mode on the CPU.

    Raises
    ------
    IoError
        When the file is missing.
    FormatError
        When it is truncated, not a medimg model file, or its options or weights do not fit.
    """
    return wrap(_medimg._load_model(path))
