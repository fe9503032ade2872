"""Build pydpdk's compiled module (cffi API mode, out of line) against the system's DPDK.

DPDK is found through `pkg-config libdpdk` (22.11 or newer). The declarations live in
pydpdk/_cffi_src/, one module per DPDK header family; our own C in pydpdk/_cffi_src/c/.

    python build_ffi.py        # builds pydpdk/_dpdk_cffi*.so in place
    pip install .              # or: pip install -e .   (setup.py uses cffi_modules)
"""
from __future__ import annotations

import glob
import importlib.util
import os
import re
import shutil
import subprocess
import sys

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "pydpdk", "_cffi_src")
CSRC = os.path.join(SRC, "c")
MIN_DPDK = "22.11"
DEBIAN_PACKAGES = "dpdk dpdk-dev libdpdk-dev libpcap-dev pkg-config"


class BuildError(SystemExit):
    def __init__(self, msg: str):
        super().__init__(f"pydpdk build: {msg}")


def _march(cflags: list[str]) -> list[str]:
    """Debian's libdpdk.pc puts ``-march=corei7`` in the cflags (the ISA Debian built DPDK for).
    That is what we compile with by default: it matches the libraries it links against. A wheel
    copied to other machines runs wherever Debian's DPDK runs, since corei7 (SSE4.2) is DPDK's own
    x86 baseline. To build for another target set PYDPDK_MARCH: ``PYDPDK_MARCH=native`` (this
    machine only: fastest, not portable), ``PYDPDK_MARCH=x86-64-v2`` (portable), or
    ``PYDPDK_MARCH=`` (empty: drop -march and use the compiler's default)."""
    want = os.environ.get("PYDPDK_MARCH")
    if want is None:
        return cflags
    out = [f for f in cflags if not f.startswith("-march=")]
    return out + [f"-march={want}"] if want else out


def _libpcap() -> list[str]:
    """libpcap (pcap_compile for the BPF filters of pydpdk.pcap.Filter / interop.sniff)."""
    proc = subprocess.run(["pkg-config", "--libs", "libpcap"], capture_output=True, text=True)
    return proc.stdout.split() if proc.returncode == 0 else ["-lpcap"]


def _pkg_config(*args: str) -> str:
    if shutil.which("pkg-config") is None:
        raise BuildError(
            "pkg-config is not installed; on Debian/Ubuntu: "
            f"apt-get install {DEBIAN_PACKAGES}")
    proc = subprocess.run(["pkg-config", *args, "libdpdk"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(
            "DPDK development files were not found by `pkg-config libdpdk` "
            f"({proc.stderr.strip() or 'no libdpdk.pc'}); on Debian/Ubuntu: "
            f"apt-get install {DEBIAN_PACKAGES} (or set PKG_CONFIG_PATH to your DPDK's "
            "lib/pkgconfig)")
    return proc.stdout.strip()


def dpdk_version() -> str:
    version = _pkg_config("--modversion")
    if subprocess.run(["pkg-config", f"--atleast-version={MIN_DPDK}", "libdpdk"]).returncode:
        raise BuildError(f"DPDK {version} is too old: pydpdk needs DPDK {MIN_DPDK} or newer")
    return version


def pmd_dir(libdir: str) -> str:
    """DPDK's default plugin directory (where EAL autoloads PMDs from)."""
    found = sorted(glob.glob(os.path.join(libdir, "dpdk", "pmds-*")))
    return found[-1] if found else ""


def sanitizer_flags() -> list[str]:
    """PYDPDK_SANITIZE=address (or address,undefined): build our C with the sanitizers, for
    bench/asan.py (the module then needs the sanitizer runtime preloaded)."""
    which = os.environ.get("PYDPDK_SANITIZE", "").strip()
    if not which:
        return []
    return [f"-fsanitize={which}", "-fno-omit-frame-pointer", "-g"]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"_pydpdk_cffi_src_{name}",
                                                  os.path.join(SRC, f"{name}.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _package_version() -> str:
    with open(os.path.join(HERE, "pydpdk", "_version.py")) as f:
        return re.search(r'__version__ = "([^"]+)"', f.read()).group(1)


def limited_api() -> bool:
    """Build for CPython's stable ABI (one _dpdk_cffi.abi3.so for every CPython 3) where cffi can:
    not on a debug or free-threaded interpreter (cffi's own rule for setuptools builds)."""
    import sysconfig
    from cffi import recompiler
    return (sys.implementation.name == "cpython" and not hasattr(sys, "gettotalrefcount")
            and bool(getattr(recompiler, "USE_LIMITED_API", False))
            and not sysconfig.get_config_var("Py_GIL_DISABLED"))


STRICT_INCLUDE = '#include "strict.h"'


def our_sources() -> list[str]:
    """Our own C files (every c/*.c), each checked to include "strict.h" first: that header
    makes warnings errors (-Wall -Wextra) in our files and not in the generated module."""
    paths = sorted(glob.glob(os.path.join(CSRC, "*.c")))
    for path in paths:
        with open(path) as f:
            first = next((ln.strip() for ln in f if ln.startswith("#include")), "")
        if first != STRICT_INCLUDE:
            raise BuildError(f"{os.path.relpath(path, HERE)}: its first #include must be "
                             f"{STRICT_INCLUDE} (warnings are errors in our C), not {first!r}")
    return [os.path.relpath(p, HERE) for p in paths]


def system_includes(cflags: list[str]) -> list[str]:
    """DPDK's -I directories as -isystem: its headers' own code is not judged by our warnings."""
    out = []
    for flag in cflags:
        out += ["-isystem", flag[2:]] if flag.startswith("-I") and len(flag) > 2 else [flag]
    return out


def build_ffi() -> FFI:
    version = dpdk_version()
    cflags = system_includes(_march(_pkg_config("--cflags").split()))
    libs = _pkg_config("--libs").split() + _libpcap()
    libdir = _pkg_config("--variable=libdir")
    modules = [_load(name) for name in _load("__init__").MODULES]

    ffi = FFI()
    # A family whose declarations differ by release has types_for((year, month)) (flow.py: the
    # IPv6 address struct of 24.11); the others a fixed TYPES.
    release = tuple(int(x) for x in version.split(".")[:2])
    ffi.cdef("\n".join(m.types_for(release) if hasattr(m, "types_for") else m.TYPES for m in modules))
    ffi.cdef("\n".join(m.FUNCTIONS for m in modules))
    defines = [
        ("PYDPDK_PACKAGE_VERSION", f'"{_package_version()}"'),
        ("PYDPDK_DPDK_VERSION", f'"{version}"'),
        ("PYDPDK_PMD_DIR", f'"{pmd_dir(libdir)}"'),
        ("PYDPDK_PYTHON_VERSION", f'"{sys.version_info[0]}.{sys.version_info[1]}"'),
    ]
    sanitize = sanitizer_flags()
    ffi.set_source(
        "pydpdk._dpdk_cffi",
        "\n".join(m.INCLUDES for m in modules) + "\n" + "\n".join(m.CUSTOMIZATIONS for m in modules),
        sources=our_sources(),
        include_dirs=[CSRC],
        define_macros=defines,
        py_limited_api=limited_api(),
        extra_compile_args=cflags + ["-O3", "-Wno-unused-parameter", "-Wno-deprecated-declarations",
                                     "-Werror=implicit-function-declaration"] + sanitize,
        # The ring PMD's rte_eth_from_rings() is a driver API: link its library explicitly.
        extra_link_args=libs + ["-lrte_net_ring", f"-Wl,-rpath,{libdir}"] + sanitize[:1],
    )
    return ffi


ffibuilder = build_ffi()

if __name__ == "__main__":
    os.chdir(HERE)
    built = os.path.abspath(ffibuilder.compile(verbose="-v" in sys.argv))
    # One compiled module in the tree: a stale one for another suffix (a cpython-3XY build next to
    # the abi3 one) would shadow or outlive this build.
    for other in glob.glob(os.path.join(HERE, "pydpdk", "_dpdk_cffi*.so")):
        if os.path.abspath(other) != built:
            os.remove(other)
    print(f"built {os.path.relpath(built, HERE)}")
