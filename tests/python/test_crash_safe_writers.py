"""Crash-safe outputs (docs/io.md, "Crash-safe outputs"): a writer killed with SIGKILL at a
random moment leaves its target byte-identical to the old or the new complete file, never a
partial one.

For each writer family (NIfTI .nii and .nii.gz, PNG, model file and LibTorch archive -- the
checkpoint's format and code path --, and the CLI's CSV report) a process writes versions A
and B alternately to one target and is killed after a random delay from a seeded RNG; the
target must equal A or B (complete reference files written beforehand) and still load with
medimg and an independent reader (nibabel, PIL, torch.load, csv). Python writers run in
processes forked from crash_safe_child.py, which imports medimg once. MEDIMG_SIGKILL_ROUNDS
(default 100) sets the kills per Python family, MEDIMG_SIGKILL_CLI_ROUNDS (default 8) those
of the CLI, whose LibTorch start-up costs over a second a run.
"""

import csv
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
import torch
from PIL import Image as PilImage

import medimg

ROUNDS = int(os.environ.get("MEDIMG_SIGKILL_ROUNDS", "100"))
CLI_ROUNDS = int(os.environ.get("MEDIMG_SIGKILL_CLI_ROUNDS", "8"))
CHILD = Path(__file__).with_name("crash_safe_child.py")
PACKAGE_ROOT = Path(medimg.__file__).resolve().parents[1]
CLI = PACKAGE_ROOT.parent / "apps" / "medimg"
# write_atomically's temporaries: ".medimg-tmp-<pid>-<counter>-<target file name>".
TEMPORARY = re.compile(r"^\.medimg-tmp-(\d+)-(\d+)-(.+)$")
EXTENSIONS = {"nifti": ".nii", "nifti_gz": ".nii.gz", "png": ".png", "model": ".pt",
              "archive": ".pt"}


class WriterServer:
    """crash_safe_child.py in a subprocess: forks killable writers on request."""

    def __init__(self, folder: Path):
        env = dict(os.environ, PYTHONPATH=str(PACKAGE_ROOT), MEDIMG_NUM_THREADS="1",
                   OMP_NUM_THREADS="1")
        self.stderr = open(folder / "child_stderr.txt", "w+")
        self.process = subprocess.Popen(["/usr/bin/python3", str(CHILD), str(folder)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.stderr, text=True, env=env)
        self.folder = folder
        self.expect("ready")

    def expect(self, word: str) -> None:
        line = self.process.stdout.readline().strip()
        assert line == word, f"child said {line!r}: {self.errors()}"

    def errors(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()[-3000:]

    def start(self, family: str, target: Path, first: int) -> int:
        """Forks a writer of versions `first`, then the other, alternately; its pid."""
        self.process.stdin.write(f"go {family} {target} {first}\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def wait(self) -> int:
        return int(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)
        self.process.stdout.close()
        self.stderr.close()


@pytest.fixture(scope="module")
def child():
    """crash_safe_child imported here too: the same writers and seeded data in-process."""
    sys.path.insert(0, str(CHILD.parent))
    try:
        import crash_safe_child
    finally:
        sys.path.pop(0)
    return crash_safe_child


@pytest.fixture(scope="module")
def writers(child):
    return child.writers()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    writer = WriterServer(tmp_path_factory.mktemp("crash_safe"))
    yield writer
    writer.close()


def references(folder: Path, family: str):
    extension = EXTENSIONS[family]
    return [(folder / "ref" / f"{family}_{v}{extension}").read_bytes() for v in "AB"]


def check_loads(family: str, path: Path, version: int, child) -> None:
    """The target loads with medimg and an independent reader and holds version `version`."""
    if family in ("nifti", "nifti_gz"):
        expected = child._volume(1 + version)
        np.testing.assert_array_equal(medimg.io.read_nifti(path).array, expected)
        # nibabel's a[i, j, k] is medimg's array[0, k, j, i]
        np.testing.assert_array_equal(np.asarray(nib.load(str(path)).dataobj).T, expected[0])
    elif family == "png":
        expected = child._picture(3 + version)
        np.testing.assert_array_equal(medimg.io.read_raster(path).array, expected)
        with PilImage.open(path) as picture:
            np.testing.assert_array_equal(np.asarray(picture), expected.transpose(1, 2, 0))
    elif family == "model":
        net = medimg.nn.load_model(str(path))
        state = torch.load(str(path), map_location="cpu")
        assert state["architecture"] == "unet"
        for name, tensor in net.state_dict().items():
            assert torch.equal(state["state"][name], tensor), name
    elif family == "archive":
        net = child._network(0)
        medimg.nn.load(net, str(path))
        written = child._network(5 + version)
        for (name, a), (_, b) in zip(net.state_dict().items(), written.state_dict().items()):
            assert torch.equal(a, b), name


def temporaries(folder: Path, target: Path, pid: int = 0):
    """write_atomically's temporaries for `target` in `folder` (of process `pid` if given)."""
    found = []
    for path in folder.iterdir():
        match = TEMPORARY.match(path.name)
        if match and (not pid or int(match.group(1)) == pid):
            assert match.group(3) == target.name
            found.append(path)
    return sorted(found)


def wait_for_temporary(folder: Path, target: Path, pid: int, running) -> None:
    """Returns once process `pid` has created its temporary for `target` (or has ended)."""
    deadline = time.monotonic() + 30
    while running() and not temporaries(folder, target, pid):
        assert time.monotonic() < deadline, "the writer never started writing"
        time.sleep(0.0002)


def first_write_seconds(server, family: str, target: Path, versions) -> float:
    """Seconds from starting a writer until its first write is complete (target == B): the
    scale of the random kill delays, which must follow this machine's load (a fixed 50 ms
    window once ended every kill before any write was complete, under ctest -j2)."""
    target.write_bytes(versions[0])
    start = time.monotonic()
    pid = server.start(family, target, 1)
    while target.read_bytes() != versions[1]:
        assert time.monotonic() - start < 30, "the writer never completed a write"
        time.sleep(0.0005)
    elapsed = time.monotonic() - start
    os.kill(pid, signal.SIGKILL)
    server.wait()
    target.write_bytes(versions[0])
    return elapsed


def kill_at_random(rng: random.Random, round_: int, folder: Path, target: Path, pid: int,
                   running, kill, window: float = 0.05) -> None:
    """Even rounds: kill at a random moment of the writer's life (start-up, encoding,
    writing, renaming) within `window` seconds; odd rounds: at a random moment of a write,
    once its temporary exists, where a non-atomic writer would leave a partial target."""
    if round_ % 2 == 0:
        time.sleep(rng.uniform(0.0, window))
    else:
        wait_for_temporary(folder, target, pid, running)
        time.sleep(rng.uniform(0.0, 0.003))
    kill()


@pytest.mark.parametrize("family", ["nifti", "nifti_gz", "png", "model", "archive"])
def test_sigkill_leaves_old_or_new_file(server, child, writers, family, tmp_path):
    versions = references(server.folder, family)
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / f"target{EXTENSIONS[family]}"
    # A little over one complete write: kills land before, during and after the first.
    window = max(0.02, 1.3 * first_write_seconds(server, family, target, versions))
    for path in temporaries(folder, target):
        path.unlink()
    target.write_bytes(versions[0])  # the old file the first round may leave
    rng = random.Random(2024)
    seen = {0: 0, 1: 0}
    version = 0
    for round_ in range(ROUNDS):
        pid = server.start(family, target, 1 - version)  # first replace old by new
        kill_at_random(rng, round_, folder, target, pid, lambda: True,
                       lambda: os.kill(pid, signal.SIGKILL), window)
        status = server.wait()
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (
            f"round {round_}: the writer stopped by itself: {server.errors()}")
        content = target.read_bytes()
        assert content in versions, (
            f"round {round_}: {len(content)} bytes, neither A ({len(versions[0])}) nor B")
        version = versions.index(content)
        seen[version] += 1
        if round_ % 10 == 0:  # identical bytes load the same; check readers now and then
            check_loads(family, target, version, child)
    # Kills landed inside writes: the temporaries they cut off are left, named after the
    # target. They are garbage to delete; a new write still succeeds beside them.
    left = temporaries(folder, target)
    if ROUNDS >= 20:
        assert left, "no kill landed inside a write; the test would prove nothing"
        assert seen[0] and seen[1]
    writers[family][1][1](str(target))
    assert target.read_bytes() == versions[1] and temporaries(folder, target) == left
    for path in left:
        path.unlink()
    check_loads(family, target, 1, child)


def test_the_check_catches_a_writer_that_is_not_crash_safe(server, tmp_path):
    # Negative control: the same kills on a writer that overwrites its target in place
    # leave partial files, which the checks above would catch.
    versions = references(server.folder, "nifti")
    target = tmp_path / "target.nii"
    target.write_bytes(versions[0])
    partial = 0
    for round_ in range(20):
        pid = server.start("plain", target, round_ % 2)
        # Kill as soon as a partial file is seen (or after 5 s): a fixed delay once fell
        # before every first write under load.
        deadline = time.monotonic() + 5
        while target.read_bytes() in versions and time.monotonic() < deadline:
            time.sleep(0.0002)
        os.kill(pid, signal.SIGKILL)
        server.wait()
        partial += target.read_bytes() not in versions
    assert partial > 0


def evaluate_args(folder: Path, labels: int, output: Path):
    return [str(CLI), "evaluate", str(folder / "pred.nii.gz"), str(folder / "ref.nii.gz"),
            "--labels", ",".join(map(str, range(1, labels + 1))), "--csv", str(output),
            "--quiet"]


@pytest.mark.skipif(not CLI.exists(), reason="the medimg CLI is not built")
def test_sigkill_cli_report(tmp_path):
    rng = np.random.default_rng(7)
    masks = rng.integers(0, 4, (2, 1, 4, 16, 16)).astype(np.uint8)
    medimg.io.write_nifti(tmp_path / "pred.nii.gz", masks[0])
    medimg.io.write_nifti(tmp_path / "ref.nii.gz", masks[1])
    # A and B: reports of 200 and 250 label rows (absent labels score nan), ~10 kB each.
    versions = []
    for name, labels in (("A", 200), ("B", 250)):
        reference = tmp_path / f"report_{name}.csv"
        result = subprocess.run(evaluate_args(tmp_path, labels, reference), capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        versions.append(reference.read_bytes())
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "report.csv"
    target.write_bytes(versions[0])
    kill_rng = random.Random(2024)
    version = 0
    for round_ in range(CLI_ROUNDS):
        labels = (200, 250)[1 - version]  # replace the old report by the other one
        process = subprocess.Popen(evaluate_args(tmp_path, labels, target),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # LibTorch's start-up takes most of a run: kill in the write (odd rounds) or anywhere.
        in_write = 1 if round_ % 4 else 0  # 3 rounds in 4 in the write
        kill_at_random(kill_rng, in_write, folder, target, process.pid,
                       lambda: process.poll() is None,
                       lambda: process.send_signal(signal.SIGKILL))
        process.wait(timeout=60)
        content = target.read_bytes()
        assert content in versions, f"round {round_}: a partial report of {len(content)} bytes"
        with open(target, newline="") as f:
            rows = list(csv.DictReader(f))
        version = versions.index(content)
        assert len(rows) == (200, 250)[version]
        assert rows[0]["case"] and rows[-1]["label"] in ("200", "250")
    left = temporaries(folder, target)  # a new report is written beside them
    result = subprocess.run(evaluate_args(tmp_path, 200, target), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == versions[0] and temporaries(folder, target) == left
