"""The networks: C++ medimg::nn modules as torch.nn.Modules (see _module.CppModule)."""

from __future__ import annotations

import json
from typing import Any, Dict

from .. import _medimg
from ._module import CppModule, construct, register

__all__ = ["UNet", "ResNet", "EfficientNet", "CBAM", "CNN3d"]


class _Network(CppModule):
    """A network with an architecture name: ``build_network(net.architecture,
    **net.options)`` rebuilds it and ``save_model`` stores it (nn/_export.py)."""

    @property
    def architecture(self) -> str:
        """``"unet"``, ``"resnet"``, ``"efficientnet"`` or ``"cnn3d"``."""
        return _medimg._describe_network(self.cpp_module)[0]

    @property
    def options(self) -> Dict[str, Any]:
        """Every constructor option with its current value (read from the C++ network, so
        ``replace_head`` shows in ``num_classes``)."""
        return json.loads(_medimg._describe_network(self.cpp_module)[1])


class UNet(_Network, _medimg.UNet):
    """U-Net for 2D or 3D segmentation (medimg::nn::UNet).

    Parameters (keyword-only)
    ----------
    spatial_dims : int
        2 for ``(N, C, H, W)`` input, 3 for ``(N, C, D, H, W)``.
    in_channels, out_channels : int
        Input channels and output logit channels.
    features : sequence of int, default (32, 64, 128, 256, 512)
        Channels per level, finest first; ``(64, 128, 256, 512, 1024)`` is the original.
    norm : {"batch", "instance", "group", "none"}, default "batch"
    num_groups : int, default 8
        Groups of ``norm="group"``.
    activation : {"relu", "leaky_relu", "silu"}, default "relu"
    dropout : float, default 0
        Dropout inside every convolution block.
    upsample : {"transposed", "interpolation"}, default "transposed"
    residual : bool, default False
        Residual convolution blocks.
    deep_supervision : bool, default False
        Auxiliary heads on the decoder levels; ``forward_deep_supervision(x)`` returns them.
    pad_input : bool, default True
        Pad inputs whose size is not a multiple of ``2 ** (len(features) - 1)`` and crop the
        output back; False raises ShapeError for them.

    ``forward(x)`` returns logits ``(N, out_channels, *spatial)`` of the input's size.
    ``forward_features(x, names)`` returns ``(output, {name: tensor})`` for the layers named
    as in ``named_modules()`` (e.g. ``"encoder.4"``, ``"decoder.3.conv2"``).

    Examples
    --------
    >>> net = UNet(spatial_dims=2, in_channels=1, out_channels=2, features=(16, 32, 64))
    >>> net(torch.zeros(1, 1, 50, 60)).shape
    torch.Size([1, 2, 50, 60])
    """

    def __init__(self, **options: Any) -> None:
        CppModule.__init__(self, construct(_medimg.cpp.UNet, **options))


class ResNet(_Network, _medimg.ResNet):
    """ResNet-18/34/50/101 in 2D or 3D (medimg::nn::ResNet).

    The 2D networks are torchvision's, with the same parameter names:
    ``ResNet(50).load_state_dict(torchvision.models.resnet50().state_dict())`` works.

    Parameters
    ----------
    depth : {18, 34, 50, 101}
    spatial_dims : int, default 2 (keyword-only, as the rest)
    in_channels : int, default 3
    num_classes : int, default 1000
    width : int, default 64
        Channels of the stem and layer1; layer2-4 have 2, 4 and 8 times as many (times 4
        after bottlenecks). 64 is torchvision's network; ``width=16`` divides the
        convolutions' parameters by 16 (ResNet-18: 0.70 M instead of 11.2 M).
    cbam : bool, default False
        CBAM attention in every residual block, before the addition.
    cbam_reduction : int, default 16

    Methods beyond torch.nn.Module: ``forward_features(x, names)``, ``freeze_backbone()``
    (only ``fc`` stays trainable), ``unfreeze()``, ``replace_head(num_classes)`` (a fresh
    ``fc``; build the optimizer afterwards).
    """

    def __init__(self, depth: int, **options: Any) -> None:
        CppModule.__init__(self, construct(_medimg.cpp.ResNet, depth, **options))


class EfficientNet(_Network, _medimg.EfficientNet):
    """EfficientNet-B0…B4 (medimg::nn::EfficientNet), torchvision's efficientnet_b0…b4
    layer for layer, with the same parameter names.

    Parameters
    ----------
    variant : {"b0", "b1", "b2", "b3", "b4"}, default "b0"
    spatial_dims : int, default 2 (keyword-only, as the rest)
    in_channels : int, default 3
    num_classes : int, default 1000
    dropout : float, optional
        Classifier dropout; the variant's (0.2 … 0.4) by default.
    stochastic_depth : float, default 0.2
        Drop probability of the last MBConv block, linearly less for earlier ones.
    cbam : bool, default False
        CBAM attention on the MBConv blocks' outputs (of every stage by default).
    cbam_reduction : int, default 16
    cbam_from_stage : int, default 1
        The first stage (``features.1`` … ``features.7``) whose blocks get CBAM: 1 puts it
        in every block, as the CBAM paper does; 3 or 4 leaves the early, fine stages
        without attention gates (faster training, class maps that stay on small lesions:
        what the DR grader uses).
    width_multiplier : float, optional
        Replaces the variant's width (B0 1.0 … B4 1.4): every channel count c becomes
        torchvision's ``_make_divisible(c * width_multiplier, 8)``. With
        ``depth_multiplier=0.5`` and 4 outputs, ``0.25`` makes a B0 of 0.20 M parameters
        (5.3 M at full size).
    depth_multiplier : float, optional
        Replaces the variant's depth (B0 1.0 … B4 1.8): a stage of n blocks gets
        ``ceil(n * depth_multiplier)``. torchvision's ``EfficientNet`` built from
        ``_efficientnet_conf("efficientnet_b0", width_mult=w, depth_mult=d)`` has the same
        layers and parameter names.
    output_stride : {32, 16, 8}, default 32
        Input size over final feature-map size. 16 or 8: the last stride-2 stages keep
        stride 1, so ``features.8`` and its Grad-CAM are 2× or 4× finer for the same
        parameters (more computation).
    dilated : bool, default True
        With ``output_stride`` < 32, dilate those stages' depthwise convolutions (2, then
        4) to keep the original receptive fields, as DeepLab's and timm's
        ``output_stride``. ``False``: smaller receptive fields and no gridding (the
        periodic patterns dilation leaves in feature maps and Grad-CAMs): what the DR
        grader uses to point at lesions.

    Methods: ``forward_features``, ``freeze_backbone()`` (only ``classifier`` stays
    trainable), ``unfreeze()``, ``replace_head(num_classes)``.
    """

    def __init__(self, variant: str = "b0", **options: Any) -> None:
        CppModule.__init__(self, construct(_medimg.cpp.EfficientNet, variant, **options))


class CBAM(CppModule, _medimg.CBAM):
    """Convolutional Block Attention Module (medimg::nn::CBAM): channel then spatial
    attention gates; the output has the input's shape ``(N, channels, *spatial)``.

    Parameters
    ----------
    channels : int
    reduction : int, default 16 (keyword-only, as the rest)
        Hidden width of the channel MLP is ``max(1, channels // reduction)``.
    spatial_kernel : int, default 7
    spatial_dims : int, default 2
    """

    def __init__(self, channels: int, **options: Any) -> None:
        CppModule.__init__(self, construct(_medimg.cpp.CBAM, channels, **options))


class CNN3d(_Network, _medimg.CNN3d):
    """A compact 3D CNN classifier for 32³–64³ patches (medimg::nn::CNN3d).

    Parameters (keyword-only)
    ----------
    in_channels : int, default 1
    num_classes : int, default 2
    features : sequence of int, default (32, 64, 128, 256)
        Channels per stage; every stage after the first halves the resolution.
    norm : {"batch", "instance", "group", "none"}, default "batch"
    num_groups : int, default 8
    activation : {"relu", "leaky_relu", "silu"}, default "relu"
    dropout : float, default 0.3
        Before the final Linear layer.

    Methods: ``forward_features``, ``freeze_backbone()``, ``unfreeze()``,
    ``replace_head(num_classes)``.
    """

    def __init__(self, **options: Any) -> None:
        CppModule.__init__(self, construct(_medimg.cpp.CNN3d, **options))


for _public in (UNet, ResNet, EfficientNet, CBAM, CNN3d):
    register(getattr(_medimg.cpp, _public.__name__), _public)
del _public
