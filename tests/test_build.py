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


def _copy_package(tmp_path, keep_so=True):
    pkg = tmp_path / "pydpdk"
    patterns = ["__pycache__", "*.c", "*.o"] + ([] if keep_so else ["*.so"])
    shutil.copytree(os.path.join(ROOT, "pydpdk"), pkg, ignore=shutil.ignore_patterns(*patterns))
    return pkg


def _import(tmp_path):
    return subprocess.run([sys.executable, "-c", "import pydpdk"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, PYTHONPATH=str(tmp_path)))


def test_missing_compiled_module_names_this_python_and_the_modules_present(tmp_path):
    """A tree without a module for this Python (a cpython-3XY build of another Python, or none)."""
    pkg = _copy_package(tmp_path, keep_so=False)
    (pkg / "_dpdk_cffi.cpython-39-x86_64-linux-gnu.so").write_bytes(b"")
    # -S: no site-packages, so an editable install's finder cannot supply another tree's module
    proc = subprocess.run([sys.executable, "-S", "-c", "import pydpdk"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, PYTHONPATH=str(tmp_path)))
    assert proc.returncode != 0
    py = ".".join(map(str, sys.version_info[:3]))
    assert f"this is Python {py}" in proc.stderr and "_dpdk_cffi.cpython-39-x86_64-linux-gnu.so" in proc.stderr
    assert "an .abi3.so serves every CPython 3" in proc.stderr and "pip install -e ." in proc.stderr


def test_module_built_against_another_dpdk_release_names_both_and_the_pythons(tmp_path):
    """The import check compares DPDK releases (22.11 vs 24.11...): simulated by a module whose
    recorded build version is another release (the binary is this one, so it loads)."""
    pkg = _copy_package(tmp_path)
    native = (pkg / "_native.py").read_text()
    assert "BUILT_AGAINST_DPDK = _s(lib.pydpdk_build_dpdk_version())" in native
    (pkg / "_native.py").write_text(native.replace(
        "BUILT_AGAINST_DPDK = _s(lib.pydpdk_build_dpdk_version())", 'BUILT_AGAINST_DPDK = "21.11.9"'))
    proc = _import(tmp_path)
    assert proc.returncode != 0
    assert "built against DPDK 21.11.9 (Python 3." in proc.stderr and "is loaded (Python 3." in proc.stderr
