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

try:
    from ._dpdk_cffi import ffi, lib  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(f"pydpdk's compiled module is missing or cannot load ({exc}); {_REBUILD}") from exc


def _s(p: Any) -> str:
    return ffi.string(p).decode() if p != ffi.NULL else ""


BUILT_FOR_PACKAGE = _s(lib.pydpdk_build_package_version())
BUILT_AGAINST_DPDK = _s(lib.pydpdk_build_dpdk_version())
PMD_DIR = _s(lib.pydpdk_build_pmd_dir())
RUNTIME_DPDK = _s(lib.rte_version()).replace("DPDK ", "")

if BUILT_FOR_PACKAGE != __version__:
    raise ImportError(f"pydpdk's compiled module was built for pydpdk {BUILT_FOR_PACKAGE}, "
                      f"but this is pydpdk {__version__}; {_REBUILD}")


def _release(version: str) -> tuple[int, int]:
    parts = version.split(".")
    return int(parts[0]), int(parts[1])


if _release(RUNTIME_DPDK) != _release(BUILT_AGAINST_DPDK):
    raise ImportError(f"pydpdk's compiled module was built against DPDK {BUILT_AGAINST_DPDK}, "
                      f"but DPDK {RUNTIME_DPDK} is loaded; {_REBUILD}")


def cstr(p: Any) -> str:
    """A C string as str ('' for NULL)."""
    return _s(p)
