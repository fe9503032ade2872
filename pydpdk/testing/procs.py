"""Peer processes: CPU affinity for children, and what a dead DPDK primary leaves behind."""
from __future__ import annotations

import glob
import os
import shutil

from .. import eal as _eal

__all__ = ["unpin", "cleanup_prefix", "main_cpu", "other_cpu", "runtime_dir"]


def unpin() -> None:
    """``preexec_fn`` for child processes: the EAL pins this process's main thread to its lcore;
    children get every CPU back (else their own EAL could not use the other lcores)."""
    os.sched_setaffinity(0, _eal._PROCESS_CPUS)


def main_cpu() -> int:
    """The CPU this process's main thread runs on (its main lcore's, once the EAL is up)."""
    if _eal.is_initialized():
        for lc in _eal.current().lcores():
            if lc.is_main:
                return lc.cpu
    return _eal._PROCESS_CPUS[0]


def other_cpu() -> int:
    """A CPU this process may use other than :func:`main_cpu` (the same one on a 1-CPU machine):
    where a peer's busy-polling lcore goes, so it does not starve our main thread."""
    mine = main_cpu()
    others = [c for c in _eal._PROCESS_CPUS if c != mine]
    return others[-1] if others else mine


def cleanup_prefix(prefix: str) -> None:
    """Remove what a DPDK primary with this --file-prefix left (hugepage files, runtime dir)."""
    for path in glob.glob(f"/dev/hugepages/{prefix}map_*"):
        try:
            os.unlink(path)
        except OSError:
            pass
    shutil.rmtree(runtime_dir(prefix), ignore_errors=True)


def runtime_dir(prefix: str) -> str:
    """Where a DPDK process with this --file-prefix keeps its runtime files."""
    try:
        from ..eal import runtime_dir as rd        # its home once the EAL facts live in eal
    except ImportError:
        from ..telemetry import runtime_dir as rd
    return rd(prefix)
