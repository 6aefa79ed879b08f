"""The shared thread pool: all cores by default, MEDIMG_NUM_THREADS, shared with torch."""

import os
import subprocess
import sys
from pathlib import Path

import torch

import medimg


def _pool_size_in_fresh_interpreter(env_update):
    env = {k: v for k, v in os.environ.items() if k != "MEDIMG_NUM_THREADS"}
    env.update(env_update)
    # The child imports the same medimg as this process.
    env["PYTHONPATH"] = str(Path(medimg.__file__).resolve().parents[1])
    code = "import medimg, torch; print(medimg.get_num_threads(), torch.get_num_threads())"
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    return int(out[0]), int(out[1])


def test_default_is_every_core():
    assert _pool_size_in_fresh_interpreter({}) == (os.cpu_count(), os.cpu_count())


def test_environment_variable_overrides_the_default():
    assert _pool_size_in_fresh_interpreter({"MEDIMG_NUM_THREADS": "1"}) == (1, 1)


def test_set_num_threads_is_shared_with_torch():
    before = medimg.get_num_threads()
    try:
        medimg.set_num_threads(1)
        assert torch.get_num_threads() == 1
        torch.set_num_threads(2)
        assert medimg.get_num_threads() == 2
    finally:
        medimg.set_num_threads(before)
