"""Networks from options, model files, predictors (medimg networks and TorchScript), and the
accuracy of int8 and bf16 inference (C++ nn/network.hpp, train/predictor.hpp)."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import medimg
from medimg import nn
from medimg.train import Predictor, load_predictor, predict_image

PNEUMONIA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "medmnist" / \
    "pneumoniamnist.npz"


def _tiny_unet(**options):
    return nn.UNet(**{"spatial_dims": 2, "in_channels": 1, "out_channels": 3,
                      "features": (4, 8), **options})


def _assert_same_state(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for name in sa:
        assert torch.equal(sa[name], sb[name]), name


def _image():
    voxels = (np.arange(120).reshape(1, 12, 10) % 7).astype(np.uint8)
    return medimg.Image(voxels, spacing=(0.5, 2.0), origin=(10.0, -4.0, 3.0))


class _ConvNet(torch.nn.Module):
    """A plain torch segmentation net: what a C++ product would get as TorchScript."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 4, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(4, 3, 1)

    def forward(self, x):
        return self.conv2(torch.relu(self.conv1(x)))


# ---- build_network and the options of Python-made networks ----

@pytest.mark.parametrize("architecture, options, constructor", [
    ("unet", dict(spatial_dims=3, in_channels=2, out_channels=3, features=(4, 8), norm="instance",
                  upsample="interpolation", deep_supervision=True),
     lambda o: nn.UNet(**o)),
    ("resnet", dict(depth=18, in_channels=1, num_classes=3, cbam=True),
     lambda o: nn.ResNet(o.pop("depth"), **o)),
    ("efficientnet", dict(variant="b0", num_classes=4, dropout=0.5),
     lambda o: nn.EfficientNet(o.pop("variant"), **o)),
    ("cnn3d", dict(in_channels=2, num_classes=5, features=(4, 8), activation="silu"),
     lambda o: nn.CNN3d(**o)),
])
def test_build_network_builds_what_the_constructors_build(architecture, options, constructor):
    built = nn.build_network(architecture, **options)
    direct = constructor(dict(options))
    assert type(built) is type(direct)
    assert built.architecture == direct.architecture == architecture
    assert built.options == direct.options
    for key, value in options.items():
        assert built.options[key] == (list(value) if isinstance(value, tuple) else value)
    shapes = {k: v.shape for k, v in built.state_dict().items()}
    assert shapes == {k: v.shape for k, v in direct.state_dict().items()}
    rebuilt = nn.build_network(built.architecture, **built.options)
    assert rebuilt.options == built.options


def test_options_hold_every_default_and_follow_replace_head():
    net = nn.ResNet(18, in_channels=1, num_classes=3)
    assert net.options == {"depth": 18, "spatial_dims": 2, "in_channels": 1, "num_classes": 3,
                           "width": 64, "cbam": False, "cbam_reduction": 16}
    net.replace_head(5)
    assert net.options["num_classes"] == 5
    assert nn.EfficientNet().options["dropout"] is None  # the variant's own
    assert nn.build_network("unet", spatial_dims=np.int64(2), in_channels=1,
                            out_channels=2).options["spatial_dims"] == 2


def test_build_network_names_what_it_refuses():
    with pytest.raises(medimg.ArgumentError, match="unknown architecture 'vnet'"):
        nn.build_network("vnet")
    with pytest.raises(medimg.ArgumentError, match="'unet.featurs'"):
        nn.build_network("unet", spatial_dims=2, in_channels=1, out_channels=2, featurs=(4, 8))
    with pytest.raises(medimg.ArgumentError, match="'resnet.depth': expected an integer"):
        nn.build_network("resnet", depth=18.0)
    with pytest.raises(medimg.ArgumentError, match="'unet.pad_input': expected true or false"):
        nn.build_network("unet", spatial_dims=2, in_channels=1, out_channels=2, pad_input=1)
    with pytest.raises(medimg.ArgumentError, match="missing key 'unet.out_channels'"):
        nn.build_network("unet", spatial_dims=2, in_channels=1)
    with pytest.raises(medimg.ArgumentError, match="'cnn3d.norm'.*unknown norm 'layer'"):
        nn.build_network("cnn3d", norm="layer")
    with pytest.raises(medimg.ArgumentError, match="JSON values"):
        nn.build_network("resnet", depth=object())
    with pytest.raises(medimg.ArgumentError, match="medimg network"):
        nn.save_model(torch.nn.Linear(2, 2), "unused.pt")
    with pytest.raises(medimg.ArgumentError, match="not a medimg network"):
        nn.save_model(nn.CBAM(8), "unused.pt")


# ---- model files ----

def test_model_files_round_trip_and_are_plain_torch_pickles(tmp_path):
    net = _tiny_unet()
    net(torch.randn(2, 1, 8, 8))  # training step: batch-norm statistics move
    nn.save_model(net, tmp_path / "unet.pt")
    loaded = nn.load_model(tmp_path / "unet.pt")
    assert type(loaded) is nn.UNet and loaded.options == net.options
    _assert_same_state(net, loaded)
    x = torch.randn(1, 1, 12, 10)
    net.eval(), loaded.eval()
    with torch.no_grad():
        assert torch.equal(net(x), loaded(x))

    # Python's own torch.load reads the file: the format is documented, not private.
    content = torch.load(tmp_path / "unet.pt")
    assert content["medimg_model_format"] == 1 and content["architecture"] == "unet"
    assert json.loads(content["options"]) == net.options
    assert list(content["state"]) == list(net.state_dict())
    # and a file written by plain torch.save in that layout loads in medimg (C++).
    other = _tiny_unet(norm="instance")
    torch.save({"medimg_model_format": 1, "architecture": "unet",
                "options": json.dumps(other.options),
                "state": {k: v.clone() for k, v in other.state_dict().items()}},
               tmp_path / "python.pt")
    _assert_same_state(other, nn.load_model(tmp_path / "python.pt"))

    classifier = nn.build_network("resnet", depth=18, in_channels=1, num_classes=3)
    classifier.replace_head(4)
    nn.save_model(classifier, tmp_path / "resnet.pt")
    assert nn.load_model(tmp_path / "resnet.pt").options["num_classes"] == 4


def test_bad_model_files_raise_medimg_errors(tmp_path):
    with pytest.raises(medimg.IoError):
        nn.load_model(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_text("not a model")
    with pytest.raises(medimg.FormatError, match="junk.pt.*not a medimg model"):
        nn.load_model(tmp_path / "junk.pt")
    nn.save_model(_tiny_unet(), tmp_path / "cut.pt")
    data = (tmp_path / "cut.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[:len(data) // 2])
    with pytest.raises(medimg.FormatError):
        nn.load_model(tmp_path / "cut.pt")
    net = _tiny_unet()
    state = {k: v.clone() for k, v in net.state_dict().items()}
    layouts = {
        "newer.pt": ({"medimg_model_format": 99, "architecture": "unet",
                      "options": json.dumps(net.options), "state": state}, "model format 99"),
        "options.pt": ({"medimg_model_format": 1, "architecture": "unet",
                        "options": json.dumps({"spatial_dims": 2}), "state": state},
                       "cannot be rebuilt.*missing key"),
        "weights.pt": ({"medimg_model_format": 1, "architecture": "unet",
                        "options": json.dumps(_tiny_unet(features=(4, 16)).options),
                        "state": state}, "cannot be rebuilt.*shape"),
        "state_dict.pt": (state, "'medimg_model_format'"),
    }
    for name, (content, message) in layouts.items():
        torch.save(content, tmp_path / name)
        with pytest.raises(medimg.FormatError, match=message):
            nn.load_model(tmp_path / name)


# ---- predictors ----

def test_predictor_of_a_network_shares_it_and_predicts_on_the_grid():
    net = _tiny_unet()
    net(torch.randn(2, 1, 8, 8))
    predictor = Predictor(net)
    assert predictor.kind == "module" and not net.training
    assert predictor.module.cpp_module is net.cpp_module
    image = _image()
    batch = image.tensor.unsqueeze(0)
    with torch.no_grad():
        logits = net(batch.float())
    assert torch.equal(predictor(batch), logits)

    raw = predictor.predict(image, output="logits")
    assert isinstance(raw, medimg.Image) and raw.geometry.is_close(image.geometry)
    torch.testing.assert_close(raw.tensor, logits[0], rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(predictor.predict(image).tensor, logits[0].softmax(0),
                               rtol=1e-6, atol=1e-6)
    labels = predictor.predict(image.array, output="labels")
    assert isinstance(labels, np.ndarray) and labels.dtype == np.uint8
    np.testing.assert_array_equal(labels[0], logits[0].argmax(0).numpy())
    # A window size switches to sliding-window inference, as predict_image does it.
    windowed = predictor.predict(image, roi_size=(8, 8), overlap=0.5, mode="gaussian")
    reference = predict_image(image, net, roi_size=(8, 8), overlap=0.5, mode="gaussian")
    torch.testing.assert_close(windowed.tensor, reference.tensor, rtol=1e-6, atol=1e-6)

    with pytest.raises(medimg.ShapeError):
        Predictor(nn.ResNet(18, in_channels=1, num_classes=2)).predict(image)
    with pytest.raises(medimg.ArgumentError, match="path or a medimg network"):
        Predictor(torch.nn.Conv2d(1, 1, 1))
    with pytest.raises(medimg.ArgumentError, match="num_threads"):
        Predictor(net, num_threads=0)


@pytest.mark.parametrize("make", ["trace", "script"])
def test_torchscript_models_run_in_cpp_as_torch_runs_them(tmp_path, make):
    torch.manual_seed(0)
    model = _ConvNet().eval()
    example = torch.randn(2, 1, 12, 10)
    scripted = torch.jit.trace(model, example) if make == "trace" else torch.jit.script(model)
    scripted.save(str(tmp_path / "model.ts"))
    predictor = load_predictor(tmp_path / "model.ts")
    assert predictor.kind == "torchscript" and predictor.module is None
    x = torch.randn(3, 1, 16, 20)
    with torch.no_grad():
        expected = model(x)
    torch.testing.assert_close(predictor(x), expected, rtol=1e-5, atol=1e-5)

    image = _image()
    with torch.no_grad():
        logits = model(image.tensor.float().unsqueeze(0))[0]
    result = predictor.predict(image, output="logits")
    assert result.geometry.is_close(image.geometry)
    torch.testing.assert_close(result.tensor, logits, rtol=1e-5, atol=1e-5)
    windowed = predictor.predict(image, roi_size=(8, 8), overlap=0.5, mode="gaussian",
                                 output="probabilities")
    reference = predict_image(image, model, roi_size=(8, 8), overlap=0.5, mode="gaussian")
    torch.testing.assert_close(windowed.tensor, reference.tensor, rtol=1e-5, atol=1e-5)


def test_a_traced_medimg_network_runs_as_torchscript(tmp_path):
    net = _tiny_unet().eval()
    x = torch.randn(1, 1, 8, 12)
    torch.jit.trace(net, x).save(str(tmp_path / "unet.ts"))
    with torch.no_grad():
        torch.testing.assert_close(load_predictor(tmp_path / "unet.ts")(x), net(x),
                                   rtol=1e-5, atol=1e-5)


def test_torchscript_tuple_outputs_and_bad_files(tmp_path):
    class DeepSupervision(torch.nn.Module):
        def forward(self, x):
            return x * 2, x

    torch.jit.script(DeepSupervision()).save(str(tmp_path / "tuple.ts"))
    x = torch.randn(1, 1, 4, 4)
    assert torch.equal(load_predictor(tmp_path / "tuple.ts")(x), x * 2)
    with pytest.raises(medimg.ArgumentError, match="int8"):
        load_predictor(tmp_path / "tuple.ts", int8=True)

    with pytest.raises(medimg.IoError):
        load_predictor(tmp_path / "missing.ts")
    (tmp_path / "junk.ts").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(medimg.FormatError, match="junk.ts.*neither a TorchScript"):
        load_predictor(tmp_path / "junk.ts")
    data = (tmp_path / "tuple.ts").read_bytes()
    (tmp_path / "cut.ts").write_bytes(data[:len(data) // 2])
    with pytest.raises(medimg.FormatError):
        load_predictor(tmp_path / "cut.ts")


# ---- int8 and bf16 ----

def test_int8_head_is_torch_quantize_dynamic_with_qnnpack():
    torch.manual_seed(1)
    net = nn.ResNet(18, in_channels=1, num_classes=3).eval()
    predictor = Predictor(net, int8=True)
    assert predictor.quantized_layers == ["fc"]
    x = torch.randn(8, 1, 32, 32)
    with torch.no_grad():
        _, features = net.forward_features(x, ["avgpool"])
    head = torch.nn.Linear(512, 3)
    head.load_state_dict({"weight": net.fc.weight.detach(), "bias": net.fc.bias.detach()})
    previous = torch.backends.quantized.engine
    torch.backends.quantized.engine = "qnnpack"
    try:
        reference = torch.ao.quantization.quantize_dynamic(
            torch.nn.Sequential(head), {torch.nn.Linear}, dtype=torch.qint8)(
                features["avgpool"].flatten(1))
    finally:
        torch.backends.quantized.engine = previous
    torch.testing.assert_close(predictor(x), reference, rtol=1e-6, atol=1e-6)
    assert Predictor(_tiny_unet(), int8=True).quantized_layers == []


@pytest.mark.skipif(not PNEUMONIA.exists(), reason="../shared/data PneumoniaMNIST not present")
def test_int8_and_bf16_agree_with_float_on_pneumoniamnist():
    data = np.load(PNEUMONIA)
    x = torch.from_numpy(data["test_images"][:128]).float().div(255).sub(0.5).div(0.25)
    x = x.unsqueeze(1)
    torch.manual_seed(0)
    net = nn.ResNet(18, in_channels=1, num_classes=2)
    with torch.no_grad():  # batch-norm statistics of these images (momentum 0.1)
        for _ in range(6):
            net(x[torch.randperm(len(x))[:32]])
    reference = Predictor(net)(x)
    scale = reference.abs().max().item()
    # Measured: int8 0.5 % of the logit range; top-1 agreement 1.0 for both. bf16 depends on
    # the CPU's oneDNN path: 1.6 % on the earlier build machines, 7.0 % (mean 2 %) on an
    # AVX2-only AMD EPYC without native bf16 instructions. The logits of this untrained
    # network are small sums of large activations, so rounding shows more than in use.
    for option, bound in (("int8", 0.02), ("bf16", 0.10)):
        out = Predictor(net, **{option: True})(x)
        assert out.dtype == torch.float32
        assert (out - reference).abs().max().item() < bound * scale, option
        agreement = (out.argmax(1) == reference.argmax(1)).float().mean().item()
        assert agreement >= 0.95, option
