"""One training step (forward + backward + Adam) of a 2D and a 3D U-Net: medimg driven from
C++, medimg driven from Python, and the same architecture written in plain PyTorch, all on
the same LibTorch, in one run; plus the allocator study (issue #6).

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/nn/unet_step_bench.py
    PYTHONPATH=build/python /usr/bin/python3 benchmarks/nn/unet_step_bench.py --allocators

The C++ column runs build/benchmarks/nn/unet_step_bench (configure with
-DMEDIMG_BUILD_BENCHMARKS=ON and build the target unet_step_bench); it is skipped when the
program is missing. Cases: 2D U-Net, batch 8, 1 x 256^2 -> 2 classes, medimg's default
widths (32, 64, 128, 256, 512); 3D U-Net, batch 2, 1 x 64^3 -> 2 classes, widths (16, 32, 64,
128, 256) (a 3D step with the default widths takes ~5 s here even with a good allocator);
both with batch norm, ReLU, transposed-convolution upsampling, cross-entropy loss, Adam
(lr 1e-3). The PyTorch
network carries medimg's parameter names: the script loads medimg's weights into it and
checks that both give the same output before timing.

Each variant runs WARMUP untimed steps, then STEPS timed ones; the median is reported.
Each variant runs in a fresh process of its own with the same environment (allocator
state carried over from another network would bias the comparison).

--allocators runs the 3D case in fresh processes under each allocator set-up (glibc as it
is, glibc with tunables, jemalloc through LD_PRELOAD with and without its memory decay,
medimg's default) and prints one row per set-up: the allocator decides most of the CPU time
of a 3D training step. MEDIMG_MALLOC_TUNING=0 switches medimg's own settings off.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CASES = {"2d": (2, 8, 256, (32, 64, 128, 256, 512)), "3d": (3, 2, 64, (16, 32, 64, 128, 256))}
JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
# GLIBC_TUNABLES equivalent of what medimg applies with mallopt (see docs/nn.md).
GLIBC_TUNED = ("glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=1073741824"
               ":glibc.malloc.top_pad=67108864")
SETUPS = {
    "glibc, as it is": {"MEDIMG_MALLOC_TUNING": "0"},
    "glibc, mmap_threshold 32 MiB (its maximum)": {
        "MEDIMG_MALLOC_TUNING": "0",
        "GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=33554432"
                          ":glibc.malloc.trim_threshold=1073741824"},
    "glibc, GLIBC_TUNABLES = medimg's settings": {"GLIBC_TUNABLES": GLIBC_TUNED},
    "jemalloc 5.3 (LD_PRELOAD)": {"LD_PRELOAD": JEMALLOC},
    "jemalloc, MALLOC_CONF no decay": {
        "LD_PRELOAD": JEMALLOC, "MALLOC_CONF": "dirty_decay_ms:-1,muzzy_decay_ms:-1"},
    "medimg default (mallopt when loaded)": {},
}


def torch_unet(spatial_dims, features):
    """medimg's UNet (default options) written in plain PyTorch, with medimg's names."""
    import torch
    from torch import nn
    import torch.nn.functional as F

    conv = nn.Conv2d if spatial_dims == 2 else nn.Conv3d
    norm = nn.BatchNorm2d if spatial_dims == 2 else nn.BatchNorm3d
    up = nn.ConvTranspose2d if spatial_dims == 2 else nn.ConvTranspose3d
    pool = F.max_pool2d if spatial_dims == 2 else F.max_pool3d

    class ConvBlock(nn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.conv1 = conv(cin, cout, 3, padding=1, bias=False)
            self.norm1 = norm(cout)
            self.act1 = nn.ReLU()
            self.conv2 = conv(cout, cout, 3, padding=1, bias=False)
            self.norm2 = norm(cout)
            self.act2 = nn.ReLU()

        def forward(self, x):
            return self.act2(self.norm2(self.conv2(self.act1(self.norm1(self.conv1(x))))))

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            f = features
            self.encoder = nn.ModuleList(
                [ConvBlock(1 if i == 0 else f[i - 1], f[i]) for i in range(len(f))])
            coarse_to_fine = range(len(f) - 1, 0, -1)
            self.upsample = nn.ModuleList(
                [nn.Sequential(up(f[i], f[i - 1], 2, stride=2)) for i in coarse_to_fine])
            self.decoder = nn.ModuleList([ConvBlock(2 * f[i - 1], f[i - 1])
                                          for i in coarse_to_fine])
            self.head = conv(f[0], 2, 1)

        def forward(self, x):
            skips = []
            for i, block in enumerate(self.encoder):
                x = block(x if i == 0 else pool(x, 2))
                skips.append(x)
            for j, (upsample, block) in enumerate(zip(self.upsample, self.decoder)):
                x = block(torch.cat([skips[-2 - j], upsample(x)], 1))
            return self.head(x)

    return UNet()


def step_timer(net, x, y):
    import torch
    import torch.nn.functional as F

    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step():
        start = time.perf_counter()
        loss = F.cross_entropy(net(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return time.perf_counter() - start
    return step


def python_steps(case, features, warmup, steps, variants):
    """{variant: [seconds per timed step]} for "medimg" and/or "torch" (steps alternate when
    both are asked for)."""
    import torch
    import medimg.nn

    spatial_dims, batch, size, default_features = CASES[case]
    features = features or default_features
    torch.manual_seed(0)
    nets = {"medimg": medimg.nn.UNet(spatial_dims=spatial_dims, in_channels=1, out_channels=2,
                                     features=features)}
    nets["torch"] = torch_unet(spatial_dims, features)
    nets["torch"].load_state_dict(nets["medimg"].state_dict())
    probe = torch.randn((1, 1) + (32,) * spatial_dims)
    with torch.no_grad():
        same = torch.allclose(nets["medimg"].eval()(probe), nets["torch"].eval()(probe),
                              atol=1e-4, rtol=1e-4)
    if not same:
        raise SystemExit("the PyTorch U-Net does not reproduce medimg's: not the same network")
    x = torch.randn((batch, 1) + (size,) * spatial_dims)
    y = torch.randint(0, 2, (batch,) + (size,) * spatial_dims)
    timers = {v: step_timer(nets[v].train(), x, y) for v in variants}
    times = {v: [] for v in variants}
    for s in range(warmup + steps):
        for v in variants:
            took = timers[v]()
            if s >= warmup:
                times[v].append(took)
    return times


def cpp_steps(program, case, features, warmup, steps, env=None):
    spatial_dims, batch, size, default_features = CASES[case]
    features = features or default_features
    args = [str(program), str(spatial_dims), str(batch), str(size), str(warmup), str(steps)]
    args += [str(f) for f in features]
    out = subprocess.run(args, check=True, capture_output=True, text=True, env=env).stdout
    return [float(v) / 1e3 for v in out.split()]


def child_run(args):
    """--child: one case in this process, results as one JSON line."""
    variants = args.variants.split(",")
    times = python_steps(args.case, args.features, args.warmup, args.steps,
                         [v for v in variants if v != "cpp"])
    if "cpp" in variants and args.cpp.exists():
        times["cpp"] = cpp_steps(args.cpp, args.case, args.features, args.warmup, args.steps)
    # Peak resident memory (MiB) of this process, or of the C++ program when it ran.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN if "cpp" in times else
                               resource.RUSAGE_SELF)
    times["peak_mib"] = usage.ru_maxrss / 1024
    print(json.dumps(times))


def median_ms(values):
    return statistics.median(values) * 1e3


def child_times(case, variants, args, env=None):
    """Runs --child for `case` and `variants` in a fresh process: {variant: [seconds]}."""
    command = [sys.executable, __file__, "--child", "--case", case, "--variants", variants,
               "--warmup", str(args.warmup), "--steps", str(args.steps), "--cpp", str(args.cpp)]
    if args.features:
        command += ["--features", *map(str, args.features)]
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main_run(args):
    import torch
    import medimg

    print(f"threads: {torch.get_num_threads()}  (medimg default {medimg.default_num_threads()})"
          f"  malloc tuning: {medimg._medimg._malloc_tuning()}")
    print("each variant runs in its own process (same environment, same LibTorch)")
    for case in args.cases:
        spatial_dims, batch, size, default_features = CASES[case]
        print(f"\n--- {case} U-Net, batch {batch}, 1 x {size}^{spatial_dims}, features "
              f"{tuple(args.features or default_features)}: ms per step (median of "
              f"{args.steps})")
        torch_ms = median_ms(child_times(case, "torch", args)["torch"])
        python_ms = median_ms(child_times(case, "medimg", args)["medimg"])
        print(f"{'PyTorch (Python modules)':<34} {torch_ms:9.1f} ms")
        print(f"{'medimg from Python':<34} {python_ms:9.1f} ms   PyTorch / medimg "
              f"{torch_ms / python_ms:5.2f}x   (target >= 0.95x)")
        if args.cpp.exists():
            cpp_ms = median_ms(cpp_steps(args.cpp, case, args.features, args.warmup,
                                         args.steps))
            print(f"{'medimg from C++':<34} {cpp_ms:9.1f} ms   PyTorch / medimg "
                  f"{torch_ms / cpp_ms:5.2f}x   (target >= 1.00x)")
        else:
            print(f"medimg from C++: {args.cpp} not built (-DMEDIMG_BUILD_BENCHMARKS=ON)")


def allocator_run(args):
    features = tuple(args.features or CASES["3d"][3])
    print(f"--- allocators: 3D U-Net step, batch 2, 1 x 64^3, features {features}, "
          f"{os.environ.get('MEDIMG_NUM_THREADS', 'all')} threads: ms per step "
          f"(median of {args.steps})")
    variants = ["torch", "medimg", "cpp"] if args.cpp.exists() else ["torch", "medimg"]
    print(f"{'set-up':<44} {'PyTorch':>9} {'medimg Py':>10} {'medimg C++':>11}   "
          "peak RSS MiB (PyTorch / medimg Py / C++)")
    for name, extra in SETUPS.items():
        if "LD_PRELOAD" in extra and not Path(extra["LD_PRELOAD"]).exists():
            print(f"{name:<44} (not installed: apt-get install libjemalloc2)")
            continue
        env = dict(os.environ, **extra)
        if "LD_PRELOAD" in extra:
            env["MEDIMG_MALLOC_TUNING"] = "0"  # medimg would step aside anyway (jemalloc)
        times, peaks = {}, []
        for variant in variants:  # one process each, as in the main run
            result = child_times("3d", variant, args, env)
            peaks.append(f"{result.pop('peak_mib'):.0f}")
            times.update(result)
        cells = [f"{median_ms(times[v]):9.1f}" if v in times else f"{'-':>9}"
                 for v in ("torch", "medimg", "cpp")]
        print(f"{name:<44} {cells[0]:>9} {cells[1]:>10} {cells[2]:>11}   {' / '.join(peaks)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", default=["2d", "3d"], choices=sorted(CASES))
    parser.add_argument("--features", nargs="+", type=int, default=None,
                        help="widths per level for every case (default: the case's own)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--cpp", type=Path,
                        default=ROOT / "build" / "benchmarks" / "nn" / "unet_step_bench")
    parser.add_argument("--allocators", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--case", default="3d", help=argparse.SUPPRESS)
    parser.add_argument("--variants", default="torch,medimg", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_run(args)
    elif args.allocators:
        allocator_run(args)
    else:
        main_run(args)


if __name__ == "__main__":
    main()
