"""The build refuses clearly without DPDK's dev files; import refuses a stale compiled module."""
import os
import shutil
import subprocess
import sys

from conftest import ROOT


def _build_env(**env):
    e = dict(os.environ)
    e.update(env)
    return subprocess.run([sys.executable, "-c", "import build_ffi"], cwd=ROOT, env=e,
                          capture_output=True, text=True, timeout=120)


def test_missing_pkg_config_names_debian_packages(tmp_path):
    proc = _build_env(PATH=str(tmp_path))
    assert proc.returncode != 0
    assert "pkg-config is not installed" in proc.stderr and "libdpdk-dev" in proc.stderr


def test_missing_dpdk_dev_files_names_debian_packages(tmp_path):
    proc = _build_env(PKG_CONFIG_LIBDIR=str(tmp_path), PKG_CONFIG_PATH="")
    assert proc.returncode != 0
    assert "DPDK development files were not found" in proc.stderr
    assert "apt-get install dpdk dpdk-dev libdpdk-dev" in proc.stderr


def test_stale_compiled_module_is_refused_with_rebuild_hint(tmp_path):
    pkg = tmp_path / "pydpdk"
    shutil.copytree(os.path.join(ROOT, "pydpdk"), pkg,
                    ignore=shutil.ignore_patterns("__pycache__", "*.c", "*.o"))
    (pkg / "_version.py").write_text('__version__ = "99.0"\n')
    proc = subprocess.run([sys.executable, "-c", "import pydpdk"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, PYTHONPATH=str(tmp_path)))
    assert proc.returncode != 0
    assert "built for pydpdk 0." in proc.stderr and "this is pydpdk 99.0" in proc.stderr
    assert "pip install -e ." in proc.stderr
