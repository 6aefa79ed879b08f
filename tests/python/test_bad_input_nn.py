"""Bad-input matrix of the networks, losses and tools (medimg.nn): every public name given
inputs it must refuse, each row naming the exact medimg exception class and a piece of its
message: wrong channel counts and ranks to each network's forward, unknown architectures and
options, wrong shapes to the losses, unknown Grad-CAM layers, missing and corrupt files.
"""

import numpy as np
import pytest
import torch

import medimg
from bad_input import assert_every_name_has_a_row, assert_refused

N = medimg.nn
S, AR, U, F, IO = (medimg.ShapeError, medimg.ArgumentError, medimg.Unsupported,
                   medimg.FormatError, medimg.IoError)
NAN = float("nan")

torch.manual_seed(0)  # LibTorch's generator is not seeded here
UNET = N.UNet(spatial_dims=2, in_channels=1, out_channels=2, features=[4, 8])
RESNET = N.ResNet(18, in_channels=1, num_classes=2, width=8).eval()
CNN = N.CNN3d(in_channels=1, num_classes=2, features=[4, 8])
X2 = torch.zeros(1, 1, 16, 16)
GRADCAM_INPUT = torch.zeros(1, 1, 32, 32)


def corrupt(tmp):
    path = tmp / "corrupt.pt"
    path.write_bytes(b"PK\x03\x04" + b"not a zip archive" * 8)
    return path


def empty(tmp):
    path = tmp / "empty.model"
    path.write_bytes(b"")
    return path


# --- the matrix ---------------------------------------------------------------------------
# name: (call(tmp), expected class, substring of the message). Each name starts with the
# public function or class it exercises (test_every_public_name_is_in_the_matrix reads it).

CASES = {
    # networks: forward shapes, constructor options
    "UNet three channels for one": (lambda t: UNET(torch.zeros(1, 3, 16, 16)), S,
                                    "UNet expects 1 input channel(s) (N, C, H, W), got shape "
                                    "[1, 3, 16, 16]"),
    "UNet 3D input to a 2D network": (lambda t: UNET(torch.zeros(1, 1, 8, 16, 16)), S,
                                      "UNet(spatial_dims=2) expects (N, C, H, W) input, got "
                                      "shape [1, 1, 8, 16, 16]"),
    "UNet 1D input": (lambda t: UNET(torch.zeros(16)), S, "got shape [16]"),
    "UNet unknown option": (lambda t: N.UNet(spatial_dims=2, in_channels=1, out_channels=2,
                                             colour=1), AR,
                            "UNet: unknown option(s) 'colour'; expected spatial_dims, "
                            "in_channels, out_channels"),
    "UNet missing options": (lambda t: N.UNet(spatial_dims=2), AR,
                             "UNet: missing option(s) 'in_channels', 'out_channels'"),
    "UNet text for an integer": (lambda t: N.UNet(spatial_dims="2", in_channels=1,
                                                  out_channels=2), AR,
                                 "UNet: an argument has the wrong type; expected (*, "
                                 "spatial_dims: int"),
    "UNet spatial_dims 4": (lambda t: N.UNet(spatial_dims=4, in_channels=1, out_channels=2), AR,
                            "UNet: spatial_dims must be 2 or 3, got 4"),
    "ResNet three channels for one": (lambda t: RESNET(torch.zeros(1, 3, 32, 32)), S,
                                      "ResNet expects 1 input channel(s) (N, C, H, W), got "
                                      "shape [1, 3, 32, 32]"),
    "ResNet depth 19": (lambda t: N.ResNet(19), AR, "ResNet: depth must be 18, 34, 50 or 101, "
                                                    "got 19"),
    "ResNet unknown option": (lambda t: N.ResNet(18, colour=1), AR,
                              "ResNet: unknown option(s) 'colour'"),
    "EfficientNet variant b9": (lambda t: N.EfficientNet("b9"), AR,
                                "unknown EfficientNet variant 'b9'"),
    "EfficientNet output stride 12": (lambda t: N.EfficientNet("b0", output_stride=12), AR,
                                      "EfficientNet: output_stride must be 8, 16 or 32, got 12"),
    "EfficientNet CBAM from stage 0": (
        lambda t: N.EfficientNet("b0", cbam=True, cbam_from_stage=0), AR,
        "EfficientNet: cbam_from_stage must be in [1, 7], got 0"),
    "EfficientNet unknown option": (lambda t: N.EfficientNet("b0", colour=1), AR,
                                    "EfficientNet: unknown option(s) 'colour'"),
    "CNN3d 2D input": (lambda t: CNN(torch.zeros(1, 1, 16, 16)), S,
                       "CNN3d(spatial_dims=3) expects (N, C, D, H, W) input, got shape "
                       "[1, 1, 16, 16]"),
    "CNN3d two channels for one": (lambda t: CNN(torch.zeros(1, 2, 8, 8, 8)), S,
                                   "CNN3d expects 1 input channel(s)"),
    "CNN3d unknown option": (lambda t: N.CNN3d(depth=3), AR, "CNN3d: unknown option(s) 'depth'"),
    "CBAM channels 0": (lambda t: N.CBAM(0), AR, "CBAM: channels must be positive, got 0"),
    "CBAM four channels for eight": (lambda t: N.CBAM(8)(torch.zeros(1, 4, 8, 8)), S,
                                     "CBAM expects 8 input channel(s)"),
    "CBAM unknown option": (lambda t: N.CBAM(8, colour=1), AR, "CBAM: unknown option(s) 'colour'"),
    "CppModule not a C++ module": (lambda t: N.CppModule(3), AR,
                                   "CppModule: expected a C++ module of medimg._medimg.cpp, "
                                   "got int"),
    "build_network unknown architecture": (lambda t: N.build_network("vgg"), AR,
                                           "unknown architecture 'vgg' (known: unet, resnet"),
    "build_network unknown option": (lambda t: N.build_network(
        "unet", spatial_dims=2, in_channels=1, out_channels=2, colour=3), AR,
        "unknown config key 'unet.colour'"),
    "build_network missing option": (lambda t: N.build_network("unet", spatial_dims=2), AR,
                                     "missing key 'unet."),
    "build_network text for an integer": (lambda t: N.build_network(
        "unet", spatial_dims="2", in_channels=1, out_channels=2), AR,
        "config key 'unet.spatial_dims': expected an integer, got \"2\""),
    # tools
    "count_parameters not a module": (lambda t: N.count_parameters(3), AR,
                                      "count_parameters: expected a torch.nn.Module, got int"),
    "summary three channels for one": (lambda t: N.summary(UNET, (1, 3, 16, 16)), S,
                                       "UNet expects 1 input channel(s)"),
    "summary negative size": (lambda t: N.summary(UNET, (1, 1, -16, 16)), AR,
                              "summary: input_size must be sizes >= 1 (batch included), got "
                              "(1, 1, -16, 16)"),
    "save into a missing folder": (lambda t: N.save(UNET, t / "no" / "x.pt"), IO,
                                   "the output folder does not exist"),
    "load a missing file": (lambda t: N.load(UNET, t / "missing.pt"), IO, "does not exist"),
    "load a corrupt file": (lambda t: N.load(UNET, corrupt(t)), F,
                            "is not a LibTorch archive (torch::save)"),
    "save_state_dict into a missing folder": (lambda t: N.save_state_dict(UNET, t / "no" / "x"),
                                              IO, "the output folder does not exist"),
    "read_state_dict missing file": (lambda t: N.read_state_dict(t / "missing.pt"), IO,
                                     "does not exist"),
    "read_state_dict corrupt file": (lambda t: N.read_state_dict(corrupt(t)), F,
                                     "is not a pickled dict of tensors that LibTorch can read"),
    "load_torchvision_weights missing file": (lambda t: N.load_torchvision_weights(
        RESNET, t / "missing.pth"), IO, "missing.pth: does not exist"),
    "load_torchvision_weights foreign keys": (lambda t: N.load_torchvision_weights(
        RESNET, {"x": torch.zeros(1)}), AR, "has no tensor(s) 'x'"),
    "load_torchvision_weights a U-Net": (lambda t: N.load_torchvision_weights(UNET, {}), AR,
                                         "load_torchvision_weights takes a medimg.nn.ResNet or "
                                         "EfficientNet, got UNet"),
    "save_model into a missing folder": (lambda t: N.save_model(UNET, t / "no" / "x.model"), IO,
                                         "the output folder does not exist"),
    "save_model not a medimg network": (lambda t: N.save_model(3, t / "x.model"), AR,
                                        "expected a medimg network (UNet, ResNet, EfficientNet "
                                        "or CNN3d), got int"),
    "load_model missing file": (lambda t: N.load_model(t / "missing.model"), IO,
                                "does not exist"),
    "load_model corrupt file": (lambda t: N.load_model(corrupt(t)), F,
                                "is not a medimg model file (save_model), or it is truncated"),
    "load_model empty file": (lambda t: N.load_model(empty(t)), F, "is not a medimg model file"),
    # losses
    "WeightedBCELoss target of another shape": (lambda t: N.WeightedBCELoss()(
        torch.zeros(2, 1, 4, 4), torch.zeros(2, 1, 4, 3)), S,
        "WeightedBCELoss: target of shape [2, 1, 4, 3] does not fit the input of shape "
        "[2, 1, 4, 4]"),
    "WeightedBCELoss unknown option": (lambda t: N.WeightedBCELoss(colour=1), AR,
                                       "WeightedBCELoss: unknown option(s) 'colour'"),
    "DiceLoss target of another shape": (lambda t: N.DiceLoss()(
        torch.zeros(2, 2, 4, 4), torch.zeros(2, 2, 4, 3)), S,
        "DiceLoss: target of shape [2, 2, 4, 3] does not fit"),
    "DiceLoss 1D logits": (lambda t: N.DiceLoss()(torch.zeros(4), torch.zeros(4)), S,
                           "DiceLoss expects logits (N, C), (N, C, H, W) or (N, C, D, H, W), got "
                           "shape [4]"),
    "DiceLoss unknown option": (lambda t: N.DiceLoss(colour=1), AR,
                                "DiceLoss: unknown option(s) 'colour'"),
    "DiceCELoss target of another shape": (lambda t: N.DiceCELoss()(
        torch.zeros(2, 2, 4, 4), torch.zeros(2, 1, 4, 3)), S,
        "DiceCELoss: target of shape [2, 1, 4, 3] does not fit"),
    "DiceCELoss unknown option": (lambda t: N.DiceCELoss(colour=1), AR,
                                  "DiceCELoss: unknown option(s) 'colour'"),
    "FocalLoss target of another shape": (lambda t: N.FocalLoss()(
        torch.zeros(2, 2, 4, 4), torch.zeros(2, 1, 4, 3)), S,
        "FocalLoss: target of shape [2, 1, 4, 3] does not fit"),
    "FocalLoss negative gamma": (lambda t: N.FocalLoss(gamma=-1), AR,
                                 "FocalLoss: gamma must be finite and >= 0, got -1"),
    "TverskyLoss target of another shape": (lambda t: N.TverskyLoss()(
        torch.zeros(2, 2, 4, 4), torch.zeros(2, 2, 4, 3)), S,
        "TverskyLoss: target of shape [2, 2, 4, 3] does not fit"),
    "TverskyLoss NaN alpha": (lambda t: N.TverskyLoss(alpha=NAN), AR,
                              "TverskyLoss: alpha must be finite and >= 0, got nan"),
    # Grad-CAM and overlays
    "gradcam unknown layer": (lambda t: N.gradcam(UNET, X2, "nope"), AR,
                              "gradcam: no layer named 'nope' in medimg::nn::UNetImpl; "
                              "candidates: 'encoder.0'"),
    "gradcam three channels for one": (lambda t: N.gradcam(RESNET, torch.zeros(1, 3, 32, 32),
                                                           "layer4"), S,
                                       "ResNet expects 1 input channel(s)"),
    "gradcam unknown method": (lambda t: N.gradcam(RESNET, GRADCAM_INPUT, "layer4", method="x"),
                               AR, "unknown CAM method 'x'; expected 'gradcam', 'gradcam++' "
                                   "or 'layercam'"),
    "gradcam class out of range": (lambda t: N.gradcam(RESNET, GRADCAM_INPUT, "layer4",
                                                       class_index=5), AR,
                                   "gradcam: class index 5 is out of range for a network with 2 "
                                   "output classes"),
    "gradcam_layers not a module": (lambda t: N.gradcam_layers(3), AR,
                                    "gradcam_layers: expected a torch.nn.Module, got int"),
    "overlay unknown colormap": (lambda t: N.overlay(np.zeros((1, 8, 8), np.float32),
                                                     np.zeros((8, 8)), colormap="x"), AR,
                                 "unknown colormap 'x'; expected one of"),
    "overlay heat map of another shape": (lambda t: N.overlay(np.zeros((1, 8, 8), np.float32),
                                                              np.zeros((4, 8))), S,
                                          "overlay: the heat map's shape [4, 8] does not fit the "
                                          "image of shape [1, 8, 8]"),
    "overlay alpha 2": (lambda t: N.overlay(np.zeros((1, 8, 8), np.float32), np.zeros((8, 8)),
                                            alpha=2), AR,
                        "overlay: alpha must lie in [0, 1], got 2"),
    # ordinal regression (DR grading)
    "ordinal_targets grade past the classes": (lambda t: N.ordinal_targets([7], 5), AR,
                                               "ordinal_targets: grades must be in [0, 5)"),
    "ordinal_targets one class": (lambda t: N.ordinal_targets([0], 1), AR,
                                  "ordinal_targets: num_classes must be at least 2, got 1"),
    "ordinal_loss grades of another length": (lambda t: N.ordinal_loss(torch.zeros(2, 4), [0]),
                                              S, "ordinal_loss: expected grades of shape (2,)"),
    "ordinal_exceedance 1D logits": (lambda t: N.ordinal_exceedance(torch.zeros(4)), S,
                                     "ordinal_exceedance: expected logits of shape (N, K - 1)"),
    "ordinal_probabilities 1D logits": (lambda t: N.ordinal_probabilities(torch.zeros(4)), S,
                                        "ordinal_probabilities: expected logits of shape"),
    "ordinal_decode 1D logits": (lambda t: N.ordinal_decode(torch.zeros(4)), S,
                                 "ordinal_decode: expected logits of shape"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused(name, tmp_path):
    assert_refused(CASES[name], tmp_path)


def test_every_public_name_is_in_the_matrix():
    # save and load are covered by the rows "save into ..." and "load ...".
    assert_every_name_has_a_row(CASES, (N,), set())
