"""Inference variants of a trained classifier: float32, dynamic int8 heads and bf16 autocast
through medimg's C++ predictors, beside PyTorch doing the same from Python, in one run:
accuracy change and time.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/train/export_bench.py \
        [--epochs 1] [--rounds 5]

ResNet-18 and EfficientNet-B0 (1 input channel, 2 classes, 28x28) are trained briefly on
PneumoniaMNIST's training split (Adam 1e-3, batch 64, seed 0) and evaluated on its 624 test
images:

- accuracy of each variant, max |logit change| against float32 (absolute and relative to
  the largest float logit), top-1 agreement with float32;
- references: int8 against torch.ao.quantization.quantize_dynamic of the same Linear head
  (QNNPACK engine), bf16 against the network under torch.autocast("cpu", bfloat16) in
  Python (the same C++ network, so the same kernels);
- time for the 624 images in batches of 64: medimg predictors (C++, GIL released) against
  the network called from Python under torch.no_grad (and torch.autocast for bf16), and
  the traced network run by medimg's TorchScriptPredictor. Rounds run every variant in
  turn; each keeps its fastest round.
"""

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

import medimg
from medimg import nn
from medimg.train import Predictor, load_predictor

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from timing import best_of, row  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "medmnist" / \
    "pneumoniamnist.npz"


def split(data, name):
    x = torch.from_numpy(data[f"{name}_images"]).float().div(255).sub(0.5).div(0.25)
    return x.unsqueeze(1), torch.from_numpy(data[f"{name}_labels"][:, 0].astype(np.int64))


def train(net, x, y, epochs):
    torch.manual_seed(0)
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    net.train()
    for _ in range(epochs):
        for batch in torch.randperm(len(x)).split(64):
            loss = torch.nn.functional.cross_entropy(net(x[batch]), y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    net.eval()


def batched(fn, x):
    return torch.cat([fn(b) for b in x.split(64)])


def torch_int8_head(net, head_name, x):
    """The network's float features through torch's own dynamically quantised head, batch
    by batch (activations are quantised with each batch's range)."""
    head = dict(net.named_modules())[head_name]
    linear = torch.nn.Linear(head.weight.shape[1], head.weight.shape[0])
    linear.load_state_dict({"weight": head.weight.detach(), "bias": head.bias.detach()})
    previous = torch.backends.quantized.engine
    torch.backends.quantized.engine = "qnnpack"
    quantised = torch.ao.quantization.quantize_dynamic(torch.nn.Sequential(linear),
                                                       {torch.nn.Linear}, dtype=torch.qint8)
    torch.backends.quantized.engine = previous

    def forward(batch):
        with torch.no_grad():
            _, features = net.forward_features(batch, ["avgpool"])
            return quantised(features["avgpool"].flatten(1))

    return batched(forward, x)


def interleaved(variants, rounds):
    """{name: fastest time} over `rounds` rounds that run every variant once in turn, so
    that the load of this shared machine falls on all of them alike."""
    best = {name: float("inf") for name in variants}
    for _ in range(rounds):
        for name, fn in variants.items():
            best[name] = min(best[name], best_of(fn, repeat=1)[0])
    return best


def report(name, logits, reference, labels):
    change = (logits - reference).abs().max().item()
    scale = reference.abs().max().item()
    accuracy = (logits.argmax(1) == labels).float().mean().item()
    agreement = (logits.argmax(1) == reference.argmax(1)).float().mean().item()
    print(f"  {name:<28} accuracy {accuracy:.4f}   max|dlogit| {change:.5f} "
          f"({100 * change / scale:.2f} % of max|logit| {scale:.3f})   "
          f"top-1 agreement {agreement:.4f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    data = np.load(DATA)
    x_train, y_train = split(data, "train")
    x_test, y_test = split(data, "test")
    print(f"PneumoniaMNIST: {len(x_train)} training, {len(x_test)} test images; "
          f"{medimg.get_num_threads()} threads")

    for architecture, options, head in (("resnet", dict(depth=18), "fc"),
                                        ("efficientnet", dict(variant="b0"), "classifier.1")):
        torch.manual_seed(0)
        net = nn.build_network(architecture, in_channels=1, num_classes=2, **options)
        train(net, x_train, y_train, args.epochs)
        name = f"{architecture} {list(options.values())[0]}"
        print(f"\n{name}, {args.epochs} epoch(s) of training:")

        float32, int8, bf16 = (Predictor(net), Predictor(net, int8=True),
                               Predictor(net, bf16=True))
        reference = batched(float32, x_test)
        with torch.no_grad():
            eager = batched(net, x_test)
            with torch.autocast("cpu", dtype=torch.bfloat16):
                eager_bf16 = batched(net, x_test).float()
        report("float32 (C++ predictor)", reference, reference, y_test)
        report("float32 (PyTorch eager)", eager, reference, y_test)
        report("int8 head (C++ predictor)", batched(int8, x_test), reference, y_test)
        report("int8 head (torch quantize_dynamic)", torch_int8_head(net, head, x_test),
               reference, y_test)
        report("bf16 (C++ predictor)", batched(bf16, x_test), reference, y_test)
        report("bf16 (torch.autocast)", eager_bf16, reference, y_test)

        with tempfile.TemporaryDirectory() as folder:
            torch.jit.trace(net, x_test[:64]).save(f"{folder}/traced.pt")
            scripted = load_predictor(f"{folder}/traced.pt")
            report("float32 (traced, TorchScriptPredictor)", batched(scripted, x_test),
                   reference, y_test)

            def eager_float():
                with torch.no_grad():
                    return batched(net, x_test)

            def eager_autocast():
                with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
                    return batched(net, x_test)

            times = interleaved({
                "eager": eager_float, "autocast": eager_autocast,
                "float32": lambda: batched(float32, x_test),
                "int8": lambda: batched(int8, x_test),
                "bf16": lambda: batched(bf16, x_test),
                "torchscript": lambda: batched(scripted, x_test)}, args.rounds)
            eager_s, autocast_s = times["eager"], times["autocast"]
        print(f"  time for {len(x_test)} images, batches of 64, best of {args.rounds} rounds:")
        row(f"{name} float32 predictor", "PyTorch eager", eager_s, times["float32"])
        row(f"{name} TorchScriptPredictor (traced)", "PyTorch eager", eager_s,
            times["torchscript"])
        row(f"{name} int8-head predictor", "float32 predictor", times["float32"], times["int8"])
        row(f"{name} bf16 predictor", "torch.autocast bf16", autocast_s, times["bf16"])
        row(f"{name} bf16 predictor", "float32 predictor", times["float32"], times["bf16"])


if __name__ == "__main__":
    main()
