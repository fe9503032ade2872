"""Hugepages: status per page size and NUMA node, reservation, hugetlbfs mounts.

    from pydpdk.host import hugepages
    hugepages.status()                        # every size, system-wide and per node
    hugepages.reserve(1024, "2M", node=0)     # like dpdk-hugepages.py -p 2M -r ... / sysfs nr_hugepages
    hugepages.mount("/mnt/huge-1G", "1G")
"""
from __future__ import annotations

import errno as _errno
import glob
import os
import re
import subprocess
from dataclasses import dataclass

from ..errors import DeviceError, invalid
from . import _sys

__all__ = ["HugepagePool", "Mount", "sizes", "default_size_kb", "status", "pool", "meminfo", "reserve",
           "mounts", "mount", "nodes", "parse_size"]


@dataclass(frozen=True)
class HugepagePool:
    """Pages of one size, system-wide (node None) or on one NUMA node."""

    size_kb: int
    node: int | None
    total: int        # nr_hugepages
    free: int         # free_hugepages
    surplus: int      # surplus_hugepages
    reserved: int | None = None   # resv_hugepages (system-wide only)

    @property
    def size(self) -> str:
        """The page size as text: ``'2M'``, ``'1G'``."""
        return format_size(self.size_kb)

    @property
    def total_bytes(self) -> int:
        """Bytes reserved by this pool (total pages x page size)."""
        return self.total * self.size_kb * 1024


@dataclass(frozen=True)
class Mount:
    """A hugetlbfs mount point and the page size it serves."""
    path: str
    size_kb: int      # page size of the mount


def format_size(kb: int) -> str:
    return f"{kb // (1024 * 1024)}G" if kb >= 1024 * 1024 and kb % (1024 * 1024) == 0 else \
        f"{kb // 1024}M" if kb % 1024 == 0 else f"{kb}K"


def sizes(root: str = "/") -> list[int]:
    """Hugepage sizes (kB) this kernel supports."""
    out = []
    for d in glob.glob(_sys.path(root, "sys/kernel/mm/hugepages/hugepages-*kB")):
        m = re.search(r"hugepages-(\d+)kB$", d)
        if m:
            out.append(int(m.group(1)))
    return sorted(out)


def meminfo(root: str = "/") -> dict[str, int]:
    """The HugePages_* / Hugepagesize / Hugetlb lines of /proc/meminfo (sizes in kB)."""
    out = {}
    for line in (_sys.read(_sys.path(root, "proc/meminfo")) or "").splitlines():
        k, _, v = line.partition(":")
        if k.startswith("HugePages_") or k in ("Hugepagesize", "Hugetlb"):
            out[k] = int(v.split()[0])
    return out


def default_size_kb(root: str = "/") -> int:
    """The kernel's default hugepage size in kB (Hugepagesize in /proc/meminfo; 2048 if absent)."""
    return meminfo(root).get("Hugepagesize", 2048)


def parse_size(size: object, root: str = "/", param: str = "size") -> int:
    """2048, '2048kB', '2M', '1G' -> kB; must be a size the kernel supports."""
    have = sizes(root)
    allowed = f"one of this kernel's hugepage sizes: {', '.join(format_size(s) for s in have) or 'none'}"
    if size is None:
        return default_size_kb(root)
    kb = None
    if isinstance(size, int) and not isinstance(size, bool):
        kb = size
    elif isinstance(size, str):
        m = re.fullmatch(r"\s*(\d+)\s*([kKmMgG]?)[bB]?\s*", size)
        if m:
            kb = int(m.group(1)) * {"": 1, "k": 1, "m": 1024, "g": 1024 * 1024}[m.group(2).lower()]
    if kb not in have:
        raise invalid(param, size, allowed)
    return kb


def nodes(root: str = "/") -> list[int]:
    """The NUMA node numbers sysfs lists (empty on a machine without NUMA information)."""
    out = []
    for d in glob.glob(_sys.path(root, "sys/devices/system/node/node[0-9]*")):
        out.append(int(os.path.basename(d)[4:]))
    return sorted(out)


def _pool(d: str, size_kb: int, node: int | None) -> HugepagePool:
    def r(n: str) -> int:
        return _sys.read_int(os.path.join(d, n), 0)
    return HugepagePool(size_kb, node, r("nr_hugepages"), r("free_hugepages"), r("surplus_hugepages"),
                        r("resv_hugepages") if node is None else None)


def _dir(root: str, size_kb: int, node: int | None) -> str:
    if node is None:
        return _sys.path(root, f"sys/kernel/mm/hugepages/hugepages-{size_kb}kB")
    return _sys.path(root, f"sys/devices/system/node/node{node}/hugepages/hugepages-{size_kb}kB")


def _check_node(node: object, root: str) -> None:
    have = nodes(root)
    if node is not None and (not isinstance(node, int) or isinstance(node, bool) or node not in have):
        raise invalid("node", node, f"None (system-wide) or a NUMA node of this machine: "
                      f"{', '.join(map(str, have)) or 'none'}")


def pool(size: object = None, node: int | None = None, root: str = "/") -> HugepagePool:
    """One size, system-wide or on one node."""
    kb = parse_size(size, root)
    _check_node(node, root)
    return _pool(_dir(root, kb, node), kb, node)


def status(root: str = "/") -> list[HugepagePool]:
    """Every size: the system-wide pool, then one per NUMA node."""
    out = []
    for kb in sizes(root):
        out.append(_pool(_dir(root, kb, None), kb, None))
        for n in nodes(root):
            d = _dir(root, kb, n)
            if os.path.isdir(d):
                out.append(_pool(d, kb, n))
    return out


def reserve(count: int, size: object = None, node: int | None = None, root: str = "/",
            strict: bool = True) -> HugepagePool:
    """Set the number of hugepages of a size (system-wide or on one node); returns the new pool.

    The kernel may give fewer pages than asked (fragmented memory): with strict=True that raises
    DeviceError(ENOMEM) after leaving what it got; lowering below what is in use leaves surplus pages.
    """
    kb = parse_size(size, root)
    _check_node(node, root)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise invalid("count", count, "a number of pages >= 0")
    d = _dir(root, kb, node)
    _sys.write(os.path.join(d, "nr_hugepages"), f"{count}\n", "hugepages.reserve")
    got = _pool(d, kb, node)
    if strict and got.total < count:
        where = f"node {node}" if node is not None else "the system"
        raise DeviceError(_errno.ENOMEM, f"hugepages.reserve: asked {count} x {format_size(kb)} pages on "
                          f"{where}, the kernel gave {got.total} (memory too fragmented or too small; "
                          "reserve at boot with hugepages=N / hugepagesz= on the kernel command line)",
                          "hugepages.reserve")
    return got


def mounts(root: str = "/") -> list[Mount]:
    """hugetlbfs mounts with their page size."""
    out = []
    dflt = default_size_kb(root)
    for line in (_sys.read(_sys.path(root, "proc/mounts")) or "").splitlines():
        f = line.split()
        if len(f) >= 4 and f[2] == "hugetlbfs":
            m = re.search(r"pagesize=(\d+)([KMG])", f[3])
            kb = int(m.group(1)) * {"K": 1, "M": 1024, "G": 1024 * 1024}[m.group(2)] if m else dflt
            out.append(Mount(f[1], kb))
    return out


def mount(path: str, size: object = None, root: str = "/") -> Mount:
    """Mount hugetlbfs for a page size at path (created if needed); no-op if already mounted there."""
    kb = parse_size(size, root)
    for m in mounts(root):
        if os.path.realpath(m.path) == os.path.realpath(path):
            if m.size_kb != kb:
                raise invalid("path", path, f"a directory not already holding a {format_size(m.size_kb)} "
                              "hugetlbfs mount")
            return m
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "hugetlbfs", "-o", f"pagesize={format_size(kb)}", "nodev", path],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise DeviceError(_errno.EPERM, f"hugepages.mount: mount -t hugetlbfs at {path} failed: "
                          f"{r.stderr.strip()}", "mount")
    return Mount(path, kb)
