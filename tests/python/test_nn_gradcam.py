"""Grad-CAM / Grad-CAM++ / LayerCAM: localisation on a classifier trained on a synthetic task, values
against an independent hook-based implementation on torchvision's ResNet carrying the same
weights, 3D and segmentation networks, plain torch modules, layer names, errors, overlay."""

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torchvision

import medimg
from medimg import nn


@pytest.fixture
def one_thread():
    """The training test is a CPU-time budget: one intra-op thread, restored afterwards."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


# --- an independent Grad-CAM: forward hooks, plain torch, float64 -----------------------------

def reference_cam(activation, gradient, size, plus):
    """pytorch-grad-cam's weights (GradCAM: mean gradient; GradCAMPlusPlus: the closed-form
    alphas with eps 1e-6; LayerCAM, plus == "layercam": relu of the gradient at each
    position), relu, F.interpolate to `size`, min-max scaling per sample."""
    a, g = activation.double(), gradient.double()
    axes = tuple(range(2, a.dim()))
    if plus == "layercam":
        weights = torch.clamp(g, min=0)
    elif plus:
        g2, g3 = g ** 2, g ** 3
        aij = g2 / (2 * g2 + a.sum(axes, keepdim=True) * g3 + 1e-6)
        aij = torch.where(g != 0, aij, torch.zeros_like(aij))
        weights = (torch.clamp(g, min=0) * aij).sum(axes, keepdim=True)
    else:
        weights = g.mean(axes, keepdim=True)
    cam = torch.clamp((weights * a).sum(1, keepdim=True), min=0)
    cam = F.interpolate(cam, size=size, mode="bilinear" if a.dim() == 4 else "trilinear",
                        align_corners=False)
    flat = cam.flatten(1)
    low, high = flat.min(1, keepdim=True).values, flat.max(1, keepdim=True).values
    return ((flat - low) / (high - low)).view((a.shape[0],) + tuple(size))


def _kind(method):
    """reference_cam's `plus` argument for a method name."""
    return "layercam" if method == "layercam" else method == "gradcam++"


def hooked_reference(model, x, layer_module, class_index, plus):
    captured = []
    handle = layer_module.register_forward_hook(lambda m, i, o: captured.append(o))
    try:
        output = model(x)
    finally:
        handle.remove()
    score = output[torch.arange(len(x)), class_index].sum()
    (gradient,) = torch.autograd.grad(score, captured[0])
    return reference_cam(captured[0], gradient, x.shape[2:], plus)


@pytest.mark.parametrize("method", ["gradcam", "gradcam++", "layercam"])
@pytest.mark.parametrize("layer", ["layer4", "layer3.1.conv2"])
def test_equals_hooked_reference_on_torchvision_with_the_same_weights(method, layer):
    torch.manual_seed(0)
    reference = torchvision.models.resnet18(num_classes=4).eval()
    net = nn.ResNet(18, num_classes=4).eval()
    net.load_state_dict(reference.state_dict())
    x = torch.randn(2, 3, 64, 64)
    classes = torch.tensor([3, 1])
    expected = hooked_reference(reference, x, dict(reference.named_modules())[layer], classes,
                                _kind(method))
    cam = nn.gradcam(net, x, layer, class_index=classes, method=method)
    assert cam.shape == (2, 64, 64) and cam.dtype == torch.float32
    torch.testing.assert_close(cam.double(), expected, atol=1e-5, rtol=0)
    # The hook path for plain torch modules gives the same maps.
    torch.testing.assert_close(nn.gradcam(reference, x, layer, class_index=classes,
                                          method=method), cam, atol=1e-5, rtol=0)


@pytest.mark.parametrize("method", ["gradcam", "gradcam++", "layercam"])
def test_3d_classifier_and_segmentation_network(method):
    torch.manual_seed(0)
    cnn = nn.CNN3d(features=(4, 8), num_classes=3).eval()
    x = torch.randn(2, 1, 8, 12, 10)
    output, features = cnn.forward_features(x, ["features.2"])
    score = output[:, 1].sum()
    (gradient,) = torch.autograd.grad(score, features["features.2"])
    expected = reference_cam(features["features.2"], gradient, x.shape[2:], _kind(method))
    cam = nn.gradcam(cnn, x, "features.2", class_index=1, method=method)
    assert cam.shape == (2, 8, 12, 10)
    torch.testing.assert_close(cam.double(), expected, atol=1e-5, rtol=0)

    unet = nn.UNet(spatial_dims=2, in_channels=1, out_channels=2, features=(4, 8, 16)).eval()
    image = torch.randn(1, 1, 24, 20)
    output, features = unet.forward_features(image, ["decoder.0"])
    (gradient,) = torch.autograd.grad(output[:, 1].sum(), features["decoder.0"])
    expected = reference_cam(features["decoder.0"], gradient, (24, 20), _kind(method))
    torch.testing.assert_close(nn.gradcam(unet, image, "decoder.0", class_index=1,
                                          method=method).double(), expected, atol=1e-5, rtol=0)


# --- localisation on a trained classifier -----------------------------------------------------

def blob_images(n, generator, size=48, sigma=3.0):
    """Noise images; class 1 holds a bright Gaussian blob at a random place, class 0 none."""
    x = 0.3 * torch.randn(n, 1, size, size, generator=generator)
    labels = torch.arange(n) % 2
    centres = torch.randint(5, size - 5, (n, 2), generator=generator)
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    r2 = (yy[None] - centres[:, 0, None, None]) ** 2 + (xx[None] - centres[:, 1, None, None]) ** 2
    x[:, 0] += labels[:, None, None] * 2.0 * torch.exp(-r2 / (2 * sigma ** 2))
    return x, labels, centres


def test_gradcam_maximum_lies_in_the_blob_that_decides_the_class(one_thread):
    """A ResNet-18 trained for 30 Adam steps to tell blob images from noise; the maxima of
    its Grad-CAM and Grad-CAM++ maps (layer1, 12 x 12) on 20 new positive images lie within
    2 sigma of the blob centre in >= 90 % of them (all 20 here)."""
    generator = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    net = nn.ResNet(18, in_channels=1, num_classes=2)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(30):
        x, labels, _ = blob_images(32, generator)
        loss = F.cross_entropy(net.train()(x), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    # 30 steps leave the batch-norm running statistics behind the weights (momentum 0.1):
    # refresh them with forward passes before switching to eval mode.
    with torch.no_grad():
        for _ in range(20):
            net(blob_images(32, generator)[0])
    net.eval()
    x, labels, centres = blob_images(40, generator)
    with torch.no_grad():
        accuracy = (net(x).argmax(1) == labels).float().mean().item()
    assert accuracy >= 0.8, accuracy
    positives = labels == 1
    for method in ("gradcam", "gradcam++"):
        cam = nn.gradcam(net, x[positives], "layer1", class_index=1, method=method)
        peak = cam.flatten(1).argmax(1)
        peak_yx = torch.stack([peak // 48, peak % 48], 1)
        distance = (peak_yx - centres[positives]).float().norm(dim=1)
        inside = (distance <= 2 * 3.0).float().mean().item()
        assert inside >= 0.9, (method, inside, distance)


# --- plain modules, layer names, errors -------------------------------------------------------

def test_gradcam_layers():
    names = nn.gradcam_layers(nn.ResNet(18))
    assert {"conv1", "layer4", "layer4.1", "layer4.1.conv2"} <= set(names)
    assert not {"bn1", "fc", "avgpool", ""} & set(names)
    effnet = nn.gradcam_layers(nn.EfficientNet("b0"))
    assert "features.8" in effnet and "features.1.0.block.1.fc1" not in effnet
    assert "encoder" not in nn.gradcam_layers(nn.UNet(spatial_dims=2, in_channels=1,
                                                      out_channels=2, features=(4, 8)))
    # The same rule on torchvision's own modules (hook path).
    assert nn.gradcam_layers(torchvision.models.resnet18()) == names


def test_bad_layers_and_inputs_raise_clear_errors():
    net = nn.ResNet(18, in_channels=1, num_classes=2).eval()
    x = torch.randn(1, 1, 32, 32)
    with pytest.raises(medimg.ArgumentError, match=r"no layer named 'layer9'.*'layer4'"):
        nn.gradcam(net, x, "layer9")
    with pytest.raises(medimg.ShapeError, match="not a feature map"):
        nn.gradcam(net, x, "fc")
    with pytest.raises(medimg.ShapeError, match=r"\(N, C, H, W\)"):
        nn.gradcam(net, x[0], "layer4")
    with pytest.raises(medimg.ArgumentError, match="out of range"):
        nn.gradcam(net, x, "layer4", class_index=5)
    with pytest.raises(medimg.ArgumentError, match="'gradcam', 'gradcam\\+\\+' or 'layercam'"):
        nn.gradcam(net, x, "layer4", method="scorecam")
    plain = torchvision.models.resnet18(num_classes=2).eval()
    with pytest.raises(medimg.ArgumentError, match="no layer named 'layer9'"):
        nn.gradcam(plain, torch.randn(1, 3, 32, 32), "layer9")
    with pytest.raises(medimg.ArgumentError, match="gradcam takes"):
        nn.gradcam(nn.DiceLoss(), x, "layer4")


# --- overlay ----------------------------------------------------------------------------------

@pytest.mark.parametrize("colormap", ["jet", "viridis", "turbo"])
def test_overlay_equals_opencv_colour_map_blend(colormap):
    rng = np.random.default_rng(0)
    ct = rng.normal(40, 300, (1, 24, 32)).astype(np.float32)
    cam = rng.random((24, 32)).astype(np.float32)
    out = nn.overlay(ct, cam, alpha=0.3, colormap=colormap)
    assert isinstance(out, np.ndarray) and out.shape == (3, 24, 32) and out.dtype == np.uint8
    # The reference, written with numpy and cv2: image scaled to 0..255, heat map coloured.
    t = torch.from_numpy(ct)
    grey = ((t - t.min()) * (255 / (t.max() - t.min()))).numpy()
    levels = np.round(np.clip(cam, 0, 1) * np.float32(255)).astype(np.uint8)
    code = getattr(cv2, "COLORMAP_" + colormap.upper())
    heat = cv2.cvtColor(cv2.applyColorMap(levels, code), cv2.COLOR_BGR2RGB)
    expected = np.round(np.float32(0.7) * grey + np.float32(0.3) * np.moveaxis(
        heat, -1, 0).astype(np.float32))
    assert np.abs(out.astype(int) - expected.astype(int)).max() <= 1


def test_overlay_keeps_the_input_kind_and_refuses_bad_shapes():
    image = medimg.Image(torch.arange(12, dtype=torch.uint8).view(1, 3, 4) * 20, spacing=(2, 3))
    out = nn.overlay(image, torch.zeros(1, 3, 4), alpha=0.0)
    assert isinstance(out, medimg.Image) and tuple(out.spacing) == (2.0, 3.0)
    assert torch.equal(out.tensor[0], image.tensor[0])
    rgb = nn.overlay(torch.zeros(3, 4, 5), torch.ones(4, 5), alpha=1.0)
    assert torch.equal(rgb[:, 0, 0], torch.tensor([128, 0, 0], dtype=torch.uint8))  # jet at 1
    with pytest.raises(medimg.ShapeError, match="does not fit"):
        nn.overlay(torch.zeros(1, 4, 5), torch.zeros(5, 4))
    with pytest.raises(medimg.ShapeError, match="2D images"):
        nn.overlay(torch.zeros(1, 2, 4, 5), torch.zeros(2, 4, 5))
    with pytest.raises(medimg.ArgumentError, match="unknown colormap"):
        nn.overlay(torch.zeros(1, 4, 5), torch.zeros(4, 5), colormap="sunset")
