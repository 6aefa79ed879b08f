"""Parameter counts, model summaries, saving and loading, torchvision weights."""

from __future__ import annotations

import os
from typing import Dict, Mapping, Sequence, Union

import torch

from .. import _medimg
from .._medimg import ArgumentError, IoError, ModelSummary, WeightsReport
from ._module import CppModule, require_module
from ._networks import EfficientNet, ResNet

__all__ = ["count_parameters", "summary", "save", "load", "save_state_dict",
           "read_state_dict", "load_torchvision_weights"]

PathLike = Union[str, os.PathLike]


def _cpp(module, what: str):
    if not isinstance(module, CppModule):
        raise ArgumentError(f"{what} takes a medimg.nn network, got {type(module).__name__}")
    return module.cpp_module


def count_parameters(module: torch.nn.Module, trainable_only: bool = False) -> int:
    """Number of parameter elements of any torch.nn.Module (medimg's or not); with
    ``trainable_only``, of those with ``requires_grad``."""
    require_module(module, "count_parameters")
    return sum(p.numel() for p in module.parameters()
               if p.requires_grad or not trainable_only)


def summary(module: CppModule, input_size: Sequence[int], *, max_depth: int = 0,
            dtype: torch.dtype = torch.float32, device=None) -> ModelSummary:
    """Layers of a medimg network with their output shapes and parameter counts.

    Runs one forward pass on zeros of ``input_size`` (batch included, e.g. ``(1, 3, 224,
    224)``) without gradients in eval mode; training flags and batch-norm statistics are
    left as they were. ``print(summary(...))`` shows the table.

    Parameters
    ----------
    module : a medimg.nn network
    input_size : sequence of int
    max_depth : int, default 0
        List modules down to this many levels of nesting (0: all).

    Returns
    -------
    ModelSummary with ``layers`` (name, type, depth, output_shape, parameters,
    trainable_parameters), ``parameters`` and ``trainable_parameters``.
    """
    cpp = _cpp(module, "summary")
    sizes = tuple(int(s) for s in input_size)
    if not sizes or min(sizes) < 1:
        raise ArgumentError(f"summary: input_size must be sizes >= 1 (batch included), got "
                            f"{sizes}")
    if device is None:
        device = next(iter(module.parameters())).device
    example = torch.zeros(sizes, dtype=dtype, device=device)
    return _medimg._summarize(cpp, cpp.forward, example, max_depth)


def save(module: CppModule, path: PathLike) -> None:
    """Writes the network's weights as a LibTorch archive (torch::save), the file C++'s
    ``medimg::nn::load`` / ``torch::load`` reads; written atomically."""
    _medimg._save_module(_cpp(module, "save"), os.fspath(path))


def load(module: CppModule, path: PathLike) -> None:
    """Reads an archive written by ``save`` (in Python or C++) into a network of the same
    architecture; shapes are checked, the module's device and dtype kept."""
    _medimg._load_module(_cpp(module, "load"), os.fspath(path))


def save_state_dict(module: CppModule, path: PathLike) -> None:
    """Writes ``state_dict()`` as a pickled dict through C++ (``medimg::nn::save_state_dict``);
    ``torch.load(path)`` reads it into a plain dict for ``load_state_dict``."""
    _medimg._save_state_dict(_cpp(module, "save_state_dict"), os.fspath(path))


def read_state_dict(path: PathLike) -> Dict[str, torch.Tensor]:
    """Reads a state-dict file with C++'s reader (``medimg::nn::read_state_dict``): files of
    ``save_state_dict`` and of ``torch.save(dict(model.state_dict()), path)``. A state_dict
    saved as it is (an OrderedDict) raises FormatError: LibTorch cannot unpickle those."""
    return _medimg._read_state_dict(os.fspath(path))


def load_torchvision_weights(model: Union[ResNet, EfficientNet],
                             path_or_state_dict: Union[PathLike, Mapping[str, torch.Tensor]]
                             ) -> WeightsReport:
    """Loads torchvision ResNet or EfficientNet weights into the medimg network of the same
    architecture (2D).

    The names are torchvision's, so tensors load as they are. For ``in_channels != 3`` the
    first convolution's weights are adapted (summed over RGB for one channel, else tiled
    and scaled by 3 / in_channels, as timm's ``adapt_input_conv``); a classifier of another
    size keeps its initialisation.

    Parameters
    ----------
    model : ResNet or EfficientNet
    path_or_state_dict : path or mapping
        A file saved with ``torch.save`` (read with ``torch.load`` on the CPU) or a state
        dict such as ``torchvision.models.resnet50().state_dict()``. Nothing is downloaded.

    Returns
    -------
    WeightsReport listing the loaded, adapted, skipped and missing (CBAM) tensor names.
    """
    if not isinstance(model, (ResNet, EfficientNet)):
        raise ArgumentError("load_torchvision_weights takes a medimg.nn.ResNet or "
                            f"EfficientNet, got {type(model).__name__}")
    weights = path_or_state_dict
    if isinstance(weights, (str, os.PathLike)):
        if not os.path.isfile(weights):
            raise IoError(f"{os.fspath(weights)}: does not exist")
        weights = torch.load(os.fspath(weights), map_location="cpu")
    if not isinstance(weights, Mapping):
        raise ArgumentError(f"expected a path or a state dict, got {type(weights).__name__}")
    return _medimg._load_torchvision_weights(model.cpp_module, dict(weights))
