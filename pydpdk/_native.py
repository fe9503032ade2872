"""The compiled module (hazmat): ``ffi`` and ``lib`` as built by build_ffi.py.

Everything in ``lib`` is raw DPDK: no argument checks, no ownership, crashes on misuse.
Import checks that the module matches this package and the DPDK it was built against.
"""
from __future__ import annotations

from typing import Any

from ._version import __version__

__all__ = ["ffi", "lib", "cstr", "BUILT_FOR_PACKAGE", "BUILT_AGAINST_DPDK", "PMD_DIR", "RUNTIME_DPDK"]

_REBUILD = ("rebuild it from the source tree with `pip install -e .` (or `python build_ffi.py`); "
            "it needs the DPDK development files: apt-get install dpdk-dev libdpdk-dev pkg-config")



def _built_modules() -> str:
    """The compiled modules next to this file, for a message: which Pythons they were built for."""
    import glob
    import os
    found = sorted(os.path.basename(p) for p in glob.glob(os.path.join(os.path.dirname(__file__), "_dpdk_cffi*.so")))
    return ", ".join(found) if found else "none"


try:
    from ._dpdk_cffi import ffi, lib  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the installation
    import sys
    if getattr(exc, "name", None) == "_cffi_backend":
        raise ImportError(f"pydpdk needs cffi, which is not installed for this Python "
                          f"({sys.executable}, {sys.version.split()[0]}): pip install cffi") from exc
    raise ImportError(
        f"pydpdk's compiled module is missing or cannot load ({exc}); this is Python "
        f"{sys.version.split()[0]} ({sys.implementation.cache_tag}), the modules here are: "
        f"{_built_modules()} (an .abi3.so serves every CPython 3; a cpython-3XY one only its own "
        f"Python); {_REBUILD}") from exc


def _s(p: Any) -> str:
    return ffi.string(p).decode() if p != ffi.NULL else ""


BUILT_FOR_PACKAGE = _s(lib.pydpdk_build_package_version())
BUILT_AGAINST_DPDK = _s(lib.pydpdk_build_dpdk_version())
PMD_DIR = _s(lib.pydpdk_build_pmd_dir())
BUILT_WITH_PYTHON = _s(lib.pydpdk_build_python_version())
RUNTIME_DPDK = _s(lib.rte_version()).replace("DPDK ", "")

if BUILT_FOR_PACKAGE != __version__:
    raise ImportError(f"pydpdk's compiled module was built for pydpdk {BUILT_FOR_PACKAGE}, "
                      f"but this is pydpdk {__version__}; {_REBUILD}")


def _release(version: str) -> tuple[int, int]:
    parts = version.split(".")
    return int(parts[0]), int(parts[1])


if _release(RUNTIME_DPDK) != _release(BUILT_AGAINST_DPDK):
    import sys
    raise ImportError(f"pydpdk's compiled module was built against DPDK {BUILT_AGAINST_DPDK} "
                      f"(Python {_s(lib.pydpdk_build_python_version())}), but DPDK {RUNTIME_DPDK} is "
                      f"loaded (Python {sys.version.split()[0]}); {_REBUILD}")


def cstr(p: Any) -> str:
    """A C string as str ('' for NULL)."""
    return _s(p)
