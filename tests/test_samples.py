"""Every sample in samples/ runs to completion (exit 0) in its own process and EAL."""
import glob
import os
import subprocess
import sys

import pytest

from conftest import ROOT
from pydpdk.testing.procs import unpin

SAMPLES = sorted(glob.glob(os.path.join(ROOT, "samples", "*.py")))


@pytest.mark.parametrize("path", SAMPLES, ids=[os.path.basename(p) for p in SAMPLES])
def test_sample_runs(path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))  # this checkout's pydpdk
    proc = subprocess.run([sys.executable, path], capture_output=True, text=True, timeout=180, cwd=ROOT,
                          preexec_fn=unpin, env=env)
    assert proc.returncode == 0, f"{os.path.basename(path)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
