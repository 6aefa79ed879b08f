"""Writer process for tests/python/test_crash_safe_writers.py (not a test module).

Run as ``python3 crash_safe_child.py DIR``. It imports medimg once, writes the complete
reference outputs A and B of every writer family into DIR/ref, prints ``ready`` and then
serves one command per stdin line, ``go FAMILY TARGET FIRST``: it forks a writer that
writes version FIRST (0 for A, 1 for B) of FAMILY to TARGET, then the other, alternately,
until it is killed, prints the writer's pid, waits for
it and prints its wait status. Forking from a process that has imported medimg makes each
round cost milliseconds instead of LibTorch's start-up.
"""

import os
import sys
import traceback
from pathlib import Path

import numpy as np
import torch

import medimg


def _volume(seed: int) -> np.ndarray:
    # 512 KiB of float32 noise: a write takes milliseconds, and gzip cannot shrink it much.
    return np.random.default_rng(seed).standard_normal((1, 8, 128, 128)).astype(np.float32)


def _picture(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (3, 384, 384), dtype=np.uint8)


def _network(seed: int):
    torch.manual_seed(seed)
    return medimg.nn.build_network("unet", spatial_dims=2, in_channels=1, out_channels=2,
                                   features=(16, 32, 64, 128))


def writers():
    """FAMILY -> (extension, [write A, write B]) where write(path) writes that version."""
    volumes = [_volume(1), _volume(2)]
    pictures = [_picture(3), _picture(4)]
    networks = [_network(5), _network(6)]
    return {
        "nifti": (".nii", [lambda p, v=v: medimg.io.write_nifti(p, v) for v in volumes]),
        "nifti_gz": (".nii.gz", [lambda p, v=v: medimg.io.write_nifti(p, v)
                                 for v in volumes]),
        "png": (".png", [lambda p, v=v: medimg.io.write_png(p, v) for v in pictures]),
        "model": (".pt", [lambda p, n=n: medimg.nn.save_model(n, str(p)) for n in networks]),
        "archive": (".pt", [lambda p, n=n: medimg.nn.save(n, str(p)) for n in networks]),
    }


def _write_in_place(path: str, data: bytes) -> None:
    """A writer that is NOT crash-safe (the negative control): truncates the target and
    writes it in synced chunks."""
    with open(path, "wb") as f:
        for start in range(0, len(data), 1 << 16):
            f.write(data[start:start + (1 << 16)])
            f.flush()
            os.fsync(f.fileno())


def _write_forever(write_a, write_b, target: str) -> None:
    while True:
        write_a(target)
        write_b(target)


def main() -> None:
    folder = Path(sys.argv[1])
    (folder / "ref").mkdir(parents=True, exist_ok=True)
    families = writers()
    for family, (extension, versions) in families.items():
        for name, write in zip("AB", versions):
            write(str(folder / "ref" / f"{family}_{name}{extension}"))
    plain = [(folder / "ref" / f"nifti_{name}.nii").read_bytes() for name in "AB"]
    families["plain"] = (".nii", [lambda p, d=d: _write_in_place(p, d) for d in plain])
    print("ready", flush=True)
    for line in sys.stdin:
        command, family, target, first = line.split()
        assert command == "go"
        versions = families[family][1]
        write_a, write_b = versions[int(first)], versions[1 - int(first)]
        pid = os.fork()
        if pid == 0:
            try:
                _write_forever(write_a, write_b, target)
            except BaseException:  # a writer error, not a kill: report it to the test
                traceback.print_exc()
                sys.stderr.flush()
            os._exit(3)
        print(pid, flush=True)
        _, status = os.waitpid(pid, 0)
        print(status, flush=True)


if __name__ == "__main__":
    main()
