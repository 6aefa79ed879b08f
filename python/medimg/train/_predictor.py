"""Inference behind one interface (C++ train/predictor.hpp): a medimg network, a medimg
model file or a TorchScript file, each with ``predict(image) → image`` and ``__call__`` on
batches. The same files run in a C++ program through ``medimg::train::load_predictor``."""

from __future__ import annotations

from os import PathLike
from typing import Any, List, Optional, Sequence, Union

import numpy as np
import torch

from .._convert import ImageLike, as_image, as_tensor, like
from .._medimg import ArgumentError, _load_predictor, _module_predictor
from ..nn._module import CppModule
from ._inference import ProgressArg, _progress, _roi_size

__all__ = ["Predictor", "load_predictor"]

ModelSource = Union[str, PathLike, CppModule]


class Predictor:
    """A model for inference, run by C++ without the GIL.

    Parameters
    ----------
    model : path or medimg network
        A model file written by :func:`medimg.nn.save_model`, a TorchScript file
        (``torch.jit.script``/``torch.jit.trace`` then ``.save(path)``) — told apart by
        their content — or a medimg network (UNet, ResNet, EfficientNet, CNN3d), which is
        shared, not copied, and put in eval mode.
    bf16 : bool, default False
        Run the forward pass under CPU bfloat16 autocast; outputs are float32 again.
    int8 : bool, default False
        Dynamic int8 Linear layers (the classifier heads), as
        ``torch.ao.quantization.quantize_dynamic`` with the QNNPACK engine. Medimg networks
        only; quantise a TorchScript model before scripting it.
    num_threads : int, optional
        Sets the size of the intra-op thread pool LibTorch and medimg share (process-wide,
        as ``torch.set_num_threads``) when the predictor is made.

    Raises
    ------
    IoError
        A missing file.
    FormatError
        A file that is neither a TorchScript model nor a medimg model file, or is truncated.

    Examples
    --------
    >>> predictor = Predictor("spleen_unet.pt")
    >>> labels = predictor.predict(ct, roi_size=(96, 96, 96), output="labels")
    >>> logits = predictor(torch.zeros(1, 1, 96, 96, 96))
    """

    def __init__(self, model: ModelSource, *, bf16: bool = False, int8: bool = False,
                 num_threads: Optional[int] = None) -> None:
        threads = 0 if num_threads is None else int(num_threads)
        if threads < 0 or (num_threads is not None and threads == 0):
            raise ArgumentError(f"num_threads must be positive, got {num_threads}")
        if isinstance(model, CppModule):
            self._predictor = _module_predictor(model.cpp_module, bool(bf16), bool(int8),
                                                threads)
        elif isinstance(model, (str, PathLike)):
            self._predictor = _load_predictor(model, bool(bf16), bool(int8), threads)
        else:
            raise ArgumentError(
                f"model must be a path or a medimg network, got {type(model).__name__}; "
                "script or trace other torch modules and save them (torch.jit.save)")

    @property
    def kind(self) -> str:
        """``"module"`` (a medimg network) or ``"torchscript"``."""
        return self._predictor.kind

    @property
    def module(self) -> Optional[CppModule]:
        """The medimg network (None for TorchScript models)."""
        from ..nn._module import wrap

        cpp_module = self._predictor.module
        return None if cpp_module is None else wrap(cpp_module)

    @property
    def quantized_layers(self) -> List[str]:
        """The Linear layers running in int8 (``int8=True``), by name."""
        return list(self._predictor.quantized_layers)

    def __call__(self, batch: Union[torch.Tensor, np.ndarray]) -> torch.Tensor:
        """The model's output for ``batch`` ``(N, C, *spatial)``: eval mode, no gradients
        (an inference tensor: ``clone()`` it before changing it in place). Integer batches
        are converted to float32."""
        return self._predictor.forward(as_tensor(batch))

    forward = __call__

    def predict(self, image: ImageLike, *, output: str = "probabilities",
                roi_size: Union[None, int, Sequence[Optional[int]]] = None,
                sw_batch_size: int = 1, overlap: float = 0.25, mode: str = "constant",
                sigma_scale: float = 0.125, padding_mode: str = "constant", cval: float = 0.0,
                flip_tta: bool = False, progress: ProgressArg = None) -> ImageLike:
        """The prediction for one image on the image's grid and geometry.

        Parameters
        ----------
        image : Image, or (C, Y, X) / (C, Z, Y, X) tensor or array
            Predicted as a batch of one; integer voxels become float32.
        output : {"probabilities", "labels", "logits"}, default "probabilities"
            As :func:`predict_image`: softmax over the channels (sigmoid for one), argmax
            labels (uint8), or the raw output.
        roi_size : int or sequence of int, optional
            Sliding-window inference with this window (:func:`sliding_window_inference`'s
            options follow); None predicts the whole image in one forward pass.

        Returns
        -------
        The kind of ``image``: an Image with its geometry and metadata, or a tensor/array.

        Raises
        ------
        ShapeError
            When the output's spatial size differs from the input's (a classifier: call the
            predictor on a batch instead).
        """
        source = as_image(image)
        roi = [] if roi_size is None else _roi_size(roi_size, source.tensor.dim() - 1)
        result = self._predictor.predict(source, output, roi, int(sw_batch_size),
                                         float(overlap), mode, float(sigma_scale), padding_mode,
                                         float(cval), bool(flip_tta), _progress(progress))
        return like(image, result)

    def __repr__(self) -> str:
        return f"Predictor(kind={self.kind!r})"


def load_predictor(path: Union[str, PathLike], *, bf16: bool = False, int8: bool = False,
                   num_threads: Optional[int] = None) -> Predictor:
    """A :class:`Predictor` for a medimg model file or a TorchScript file (by content).

    See :class:`Predictor` for the options and errors.
    """
    if not isinstance(path, (str, PathLike)):
        raise ArgumentError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    return Predictor(path, bf16=bf16, int8=int8, num_threads=num_threads)
