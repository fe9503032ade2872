"""pydpdk as a user installs it: `python -m build` makes the sdist and, from that sdist, the wheel;
each goes into its own fresh venv (no system site-packages: cffi and pyyaml come from pip), is
imported from there, and runs the README's first script from a directory outside the source tree.

The sdist install builds the extension again inside the venv (pip's isolated build: setuptools,
wheel and cffi from the index, DPDK from pkg-config), so this proves the sdist is complete. Slow
(about two minutes: two compilations, two venvs); marked ``slow``, and run by .ci/run like all.
"""
import os
import subprocess
import sys
import tarfile
import zipfile

import pytest

import doc_blocks
from conftest import ROOT

pytestmark = [pytest.mark.slow]

README_SCRIPT = doc_blocks.blocks(os.path.join(ROOT, "README.md"))[0]


def sh(*cmd, cwd=None, env=None, timeout=900):
    p = subprocess.run(list(cmd), capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)
    assert p.returncode == 0, f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return p


def clean_env():
    """No PYTHONPATH, no pip configuration pointing at this tree: what a new shell has."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_REQUIRE", "VIRTUAL_ENV"))}


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    pytest.importorskip("build", reason="pip install build (.ci/install.sh does)")
    # --no-isolation: the sdist is made with this machine's setuptools/cffi; the wheel is then
    # built from the unpacked sdist (what `python -m build` does), so a file missing from the
    # sdist fails here already.
    sh(sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), ROOT)
    [sdist] = out.glob("pydpdk-*.tar.gz")
    [wheel] = out.glob("pydpdk-*.whl")
    return sdist, wheel


def test_sdist_carries_what_the_build_and_users_need(dist):
    sdist, _ = dist
    with tarfile.open(sdist) as t:
        names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    for needed in ["build_ffi.py", "setup.py", "setup.cfg", "pyproject.toml", "MANIFEST.in", "LICENSE",
                   "README.md", "pydpdk/_cffi_src/__init__.py", "pydpdk/_cffi_src/pcap.py",
                   "pydpdk/_cffi_src/c/burst.c", "pydpdk/_cffi_src/c/fwd.h", "pydpdk/examples/ring_ports.yaml",
                   "pydpdk/testing/guest/init", "docs/core.md", "samples/ring_ports.py"]:
        assert needed in names, needed
    c_sources = {n for n in names if n.startswith("pydpdk/_cffi_src/c/")}
    in_tree = {os.path.relpath(os.path.join(d, f), ROOT) for d, _, fs in os.walk(os.path.join(ROOT, "pydpdk/_cffi_src/c"))
               for f in fs if f.endswith((".c", ".h"))}
    assert in_tree <= c_sources
    assert not any(n.endswith(".so") or n.startswith(("tests/", "bench/", ".ci/")) for n in names)


def test_wheel_is_abi3_with_complete_metadata(dist):
    _, wheel = dist
    assert wheel.name.endswith("-cp39-abi3-linux_x86_64.whl"), wheel.name
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "pydpdk/_dpdk_cffi.abi3.so" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith(".dist-info/LICENSE") for n in names)
    for line in ["Author: pydpdk developers", "License: BSD-3-Clause", "Home-page: https://",
                 "Classifier: License :: OSI Approved :: BSD License", "Project-URL: Source, https://",
                 "Requires-Dist: cffi", "Requires-Dist: pyyaml"]:
        assert line in meta, line
    for extra in ["jit", "test", "notebook", "numpy"]:
        assert f"Provides-Extra: {extra}" in meta, extra


@pytest.mark.parametrize("what", ["sdist", "wheel"])
def test_installs_into_a_fresh_venv_and_runs_the_first_script(dist, what, tmp_path):
    venv = tmp_path / "venv"
    env = clean_env()
    sh(sys.executable, "-m", "venv", str(venv), env=env)       # no system site-packages
    py = str(venv / "bin" / "python")
    artifact = dist[0] if what == "sdist" else dist[1]
    sh(py, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(artifact), env=env, cwd=str(tmp_path))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    p = sh(py, "-c", "import pydpdk, cffi, yaml; print(pydpdk.__file__); print(pydpdk.__version__, pydpdk.dpdk_version)",
           env=env, cwd=str(elsewhere))
    where = p.stdout.split()[0]
    assert where.startswith(str(venv)) and not where.startswith(ROOT), where
    run = doc_blocks.run([README_SCRIPT], f"firsthour-pkg-{what}-{os.getpid()}", python=py,
                         cwd=str(elsewhere), env=env, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    assert "PortStats(" in run.stdout          # the script's print of the burst and the stats
    assert "b'\\x02\\x02" in run.stdout and "b'\\x03\\x03" in run.stdout
    sh(str(venv / "bin" / "pydpdk"), "version", env=env, cwd=str(elsewhere))  # the console script
