"""Grad-CAM / Grad-CAM++ heat maps and their colour overlay.

medimg networks run the C++ implementation (medimg::nn::gradcam), which takes the layer's
activation by name from the network's own forward. Any other ``torch.nn.Module`` gets the
activation from a forward hook here; the map itself is computed by the same C++ code
(``gradcam_map``) in both cases.
"""

from __future__ import annotations

import numbers
from typing import Any, List, Optional, Sequence, Union

import torch

from .. import _medimg
from .._convert import ImageLike, as_image, as_tensor, like
from .._medimg import ArgumentError, Image, ShapeError
from ._module import CppModule, require_module

__all__ = ["gradcam", "gradcam_layers", "overlay"]

ClassIndex = Optional[Union[int, Sequence[int], torch.Tensor]]

_CONVOLUTIONS = (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d, torch.nn.ConvTranspose1d,
                 torch.nn.ConvTranspose2d, torch.nn.ConvTranspose3d)


def _class_list(class_index: ClassIndex) -> List[int]:
    if class_index is None:
        return []
    if isinstance(class_index, torch.Tensor):
        return [int(c) for c in class_index.flatten().tolist()]
    if isinstance(class_index, numbers.Integral):
        return [int(class_index)]
    return [int(c) for c in class_index]


def gradcam(model: torch.nn.Module, x: torch.Tensor, layer: str, *,
            class_index: ClassIndex = None, method: str = "gradcam") -> torch.Tensor:
    """Grad-CAM, Grad-CAM++ or LayerCAM heat maps of ``model`` for the batch ``x``.

    Parameters
    ----------
    model : torch.nn.Module
        A medimg network (UNet, ResNet, EfficientNet, CNN3d, CBAM; C++ path) or any other
        module (forward hook on ``layer``; in-place operations right after that layer would
        corrupt its saved activation, as with every hook-based Grad-CAM). The training flag
        is left as it is: call ``model.eval()`` first.
    x : (N, C, H, W) or (N, C, D, H, W) Tensor
    layer : str
        A name from ``model.named_modules()``, e.g. ``"layer4"``; ``gradcam_layers(model)``
        lists the candidates.
    class_index : int, sequence of int or Tensor, optional
        The class to explain, for every sample or one per sample; each sample's
        highest-scoring class when omitted. The score is ``output[n, c]`` for a classifier
        and ``output[n, c]`` summed over all positions for a segmentation network.
    method : {"gradcam", "gradcam++", "layercam"}, default "gradcam"
        How the layer's channels A_k are weighted, with g = d score / d A_k: Grad-CAM one
        weight per channel, the mean of g; Grad-CAM++ the sum of alpha * relu(g); LayerCAM
        (Jiang et al. 2021) relu(g) at each position, for early, high-resolution layers.

    Returns
    -------
    (N, H, W) or (N, D, H, W) Tensor in [0, 1], ``x``'s dtype and device: relu of the
    gradient-weighted sum of the layer's channels, resized (bi/trilinearly, align_corners
    False) to the input's size and scaled per sample (min 0, max 1; zeros when constant).

    Raises
    ------
    ArgumentError
        Unknown layer name (the message lists the candidates), a class index out of range.
    ShapeError
        ``x`` not (N, C, H, W) / (N, C, D, H, W); a layer whose output is not a feature map.
    """
    classes = _class_list(class_index)
    if isinstance(model, CppModule):
        return _medimg._gradcam(model.cpp_module, x, layer, classes, method)
    if not isinstance(model, torch.nn.Module):
        raise ArgumentError(f"gradcam takes a torch.nn.Module, got {type(model).__name__}")
    return _hooked_gradcam(model, x, layer, classes, method)


def _hooked_gradcam(model: torch.nn.Module, x: torch.Tensor, layer: str, classes: List[int],
                    method: str) -> torch.Tensor:
    modules = dict(model.named_modules())
    if layer not in modules or layer == "":
        raise ArgumentError(f"gradcam: no layer named '{layer}' in {type(model).__name__}; "
                            f"candidates: {gradcam_layers(model)}")
    if x.dim() not in (4, 5):
        raise ShapeError("gradcam expects a batch (N, C, H, W) or (N, C, D, H, W), got shape "
                         f"{list(x.shape)}")
    captured = []
    handle = modules[layer].register_forward_hook(lambda m, i, o: captured.append(o))
    try:
        with torch.enable_grad():
            output = model(x.detach().requires_grad_(True))
    finally:
        handle.remove()
    if not captured or not isinstance(captured[-1], torch.Tensor):
        raise ArgumentError(f"gradcam: layer '{layer}' produced no tensor output")
    activation = captured[-1]
    if activation.dim() != x.dim() or activation.shape[0] != x.shape[0]:
        raise ShapeError(f"gradcam: layer '{layer}' outputs shape {list(activation.shape)}, not "
                         f"a feature map of the input's rank (input {list(x.shape)})")
    if output.dim() not in (2, x.dim()):
        raise ShapeError(f"gradcam: the network's output has shape {list(output.shape)}; "
                         "expected (N, classes) or (N, classes, *spatial)")
    scores = output if output.dim() == 2 else output.flatten(2).sum(2)
    with torch.enable_grad():
        if not classes:
            chosen = scores.detach().argmax(1)
        else:
            if len(classes) not in (1, scores.shape[0]):
                raise ArgumentError("gradcam: class_index needs one index or one per sample "
                                    f"({scores.shape[0]}), got {len(classes)}")
            if any(c < 0 or c >= scores.shape[1] for c in classes):
                raise ArgumentError(f"gradcam: class index out of range for a network with "
                                    f"{scores.shape[1]} output classes: {classes}")
            chosen = torch.tensor(classes, device=scores.device).expand(scores.shape[0])
        score = scores.gather(1, chosen[:, None]).sum()
        (gradient,) = torch.autograd.grad(score, activation)
    return _medimg._gradcam_map(activation.detach(), gradient, list(x.shape[2:]), method)


def gradcam_layers(model: torch.nn.Module) -> List[str]:
    """Names of the layers whose output is a feature map suited to Grad-CAM, in
    ``named_modules()`` order: convolutions and the modules that hold one, except
    ``ModuleList``/``ModuleDict`` containers (they produce no output) and the channel-gate
    MLPs inside squeeze-excitation and CBAM. The usual choice is the backbone's last stage:
    ``"layer4"`` (ResNet), ``"features.8"`` (EfficientNet)."""
    require_module(model, "gradcam_layers")
    if isinstance(model, CppModule):
        return _medimg._gradcam_layers(model.cpp_module)
    names, gates = [], []
    for name, module in model.named_modules():
        if name == "" or any(name.startswith(g) for g in gates):
            continue
        if type(module).__name__ == "SqueezeExcitation":
            gates.append(name + ".")
        if isinstance(module, (torch.nn.ModuleList, torch.nn.ModuleDict)):
            continue
        if any(isinstance(m, _CONVOLUTIONS) for m in module.modules()):
            names.append(name)
    return names


def overlay(image: ImageLike, cam: Any, alpha: float = 0.4,
            colormap: str = "jet") -> ImageLike:
    """A heat map blended over a 2D image with an OpenCV colour map, as RGB uint8.

    ``out = round((1 - alpha) * image + alpha * colormap(round(255 * clip(cam, 0, 1))))``
    per channel, the colour map being ``cv2.applyColorMap``'s converted to RGB.

    Parameters
    ----------
    image : Image, Tensor or ndarray, (1, Y, X), (3, Y, X) or (Y, X)
        Grey or RGB. uint8 values are used as they are; other dtypes are scaled from their
        minimum and maximum to 0..255 (window CT first).
    cam : Tensor or ndarray, (Y, X) or (1, Y, X)
        Values in [0, 1], e.g. one sample of ``gradcam(...)``.
    alpha : float, default 0.4
        Weight of the heat map.
    colormap : str, default "jet"
        An OpenCV colour map in lower case: "jet", "turbo", "viridis", "inferno", "hot", ...

    Returns
    -------
    RGB uint8 ``(3, Y, X)`` of the input's kind (an Image keeps its geometry).
    """
    source = image
    if not isinstance(image, Image) and len(getattr(image, "shape", ())) == 2:
        image = as_tensor(image)[None]
    result = _medimg._overlay(as_image(image), as_tensor(cam), alpha, colormap)
    return like(source, result)
