"""Replays the fuzz regression corpus through the ordinary readers.

tests/data/fuzz_regressions/<target>/ holds inputs of the libFuzzer targets in fuzz/: the
inputs of crashes that were fixed, and truncated seeds that take each reader's error paths.
Every file must read or raise a medimg error (docs/reliability.md, *Fuzzing*). Each target
replays in its own process (fuzz_replay.py) so that a crash that comes back fails this test
instead of killing pytest.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent / "data" / "fuzz_regressions"
TARGETS = ["fuzz_dicom", "fuzz_dicom_series", "fuzz_nifti", "fuzz_raster", "fuzz_npz"]


@pytest.mark.parametrize("target", TARGETS)
def test_regression_inputs_read_or_raise_medimg_errors(target, tmp_path):
    folder = CORPUS / target
    files = sorted(p.name for p in folder.iterdir())
    assert files, f"{folder} is empty"
    env = dict(os.environ, MEDIMG_NUM_THREADS="1")
    if not env.get("PYTHONPATH"):  # as conftest.py: the build tree's package
        env["PYTHONPATH"] = str(HERE.parents[1] / "build" / "python")
    run = subprocess.run(
        [sys.executable, str(HERE / "fuzz_replay.py"), target, str(folder), str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, (
        f"replaying {target} ended with status {run.returncode}:\n{run.stderr[-3000:]}")
    outcomes = {}
    for line in run.stdout.splitlines():
        kind, name, *rest = line.split()
        outcomes[name] = (kind, rest)
    assert sorted(outcomes) == files
    # Each target's corpus holds at least one input that a reader must refuse.
    assert any(kind == "error" for kind, _ in outcomes.values()), outcomes
