"""Every notebook in samples/notebooks/ executes top to bottom in a real Jupyter kernel
(nbclient + ipykernel), failing on any cell error. Each notebook gets its own kernel, hence
its own process and EAL (own --file-prefix, --no-pci; hugepages when free, else no_huge).
The kernel is started from a child process whose CPUs are unpinned (this process's EAL pins
its main thread), so the notebook's EAL can use lcores 0-1."""
import glob
import importlib.util
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT
from pydpdk.testing.procs import unpin

pytest.importorskip("nbclient", reason="nbclient is not installed (pip install nbclient ipykernel)")
pytest.importorskip("ipykernel", reason="ipykernel is not installed (pip install nbclient ipykernel)")

NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "samples", "notebooks", "*.ipynb")))

RUNNER = """
import sys, nbformat
from nbclient import NotebookClient
src, dst, cwd = sys.argv[1:4]
nb = nbformat.read(src, as_version=4)
try:
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": cwd}}).execute()
finally:
    nbformat.write(nb, dst)
"""


def execute(path, tmp_path):
    out = tmp_path / os.path.basename(path)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", RUNNER, path, str(out), str(tmp_path)], capture_output=True,
                          text=True, timeout=180, env=env, cwd=str(tmp_path), preexec_fn=unpin)
    assert proc.returncode == 0, f"{os.path.basename(path)} failed:\n{proc.stderr[-4000:]}"
    return json.loads(out.read_text())


def outputs(nb, mime):
    text = lambda v: "".join(v) if isinstance(v, list) else v  # noqa: E731 (nbformat splits lines)
    return [text(o.get("data", {}).get(mime, "")) for c in nb["cells"] if c["cell_type"] == "code"
            for o in c.get("outputs", []) if o.get("output_type") in ("execute_result", "display_data")]


def test_every_notebook_is_listed():
    assert {os.path.basename(p) for p in NOTEBOOKS} >= {"ring_ports.ipynb", "pcap_replay.ipynb",
                                                        "forwarding_live_rates.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[os.path.basename(p) for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path):
    nb = execute(path, tmp_path)
    errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    html = "".join(outputs(nb, "text/html"))
    name = os.path.basename(path)
    if name == "ring_ports.ipynb":
        assert "<b>EAL</b>" in html and "Mempool &#x27;pool&#x27;" in html and "Link Up" in html
    elif name == "pcap_replay.ipynb":
        assert "io forwarding" in html
        if importlib.util.find_spec("tqdm") is None:        # else tqdm draws the progress
            progress = [t for t in outputs(nb, "text/plain") if "forwarding: " in t]
            assert progress and "20000/20000 pkt (100%)" in progress[-1]
    elif name == "forwarding_live_rates.ipynb":
        assert "live rates (3." in html and "<svg" in html and "Forwarder (running)" in html
