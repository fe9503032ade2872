"""Multi-process: a secondary process reads a running primary's ports and statistics.

    eal = pydpdk.multiprocess.attach("pg0")       # the primary's --file-prefix
    for p in pydpdk.ports():                      # the primary's ports, seen from here
        print(p.name, p.stats().ipackets)

A DPDK primary (dpdk-testpmd, a pydpdk process...) that runs on hugepages with a
``--file-prefix`` shares its memory, ports and pools with secondaries started with
``--proc-type secondary`` and the same prefix, as ``dpdk-proc-info`` does. Primaries started
with ``--in-memory``, ``--no-huge`` or ``--no-shconf`` share nothing and cannot have secondaries.

A pydpdk secondary never stops or closes the primary's ports and never removes its hugepage
files: closing a Port or cleaning up the EAL here only forgets them in this process.
Statistics read fine from a secondary; moving packets from one needs lcore ids that the
primary does not use (mempool caches are per lcore id and shared).
"""
from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from typing import Any, Sequence

from ._native import RUNTIME_DPDK, lib
from .errors import EalError, invalid
from .telemetry import runtime_dir

__all__ = ["attach", "primary_alive", "PortSnapshot", "snapshot"]


def _config_path(file_prefix: str) -> str:
    return os.path.join(runtime_dir(file_prefix), "config")


def primary_alive(file_prefix: str = "rte") -> bool:
    """True when a primary DPDK process with this --file-prefix runs (it holds its config lock)."""
    if not isinstance(file_prefix, str) or not file_prefix or "/" in file_prefix:
        raise invalid("file_prefix", file_prefix, "a non-empty name without '/'")
    return bool(lib.rte_eal_primary_proc_alive(_config_path(file_prefix).encode()))


def check_primary(cfg: Any) -> None:
    """Before rte_eal_init of a secondary: refuse clearly when no primary runs."""
    prefix = cfg.effective_file_prefix
    if cfg.in_memory or cfg.no_huge:
        name = "in_memory" if cfg.in_memory else "no_huge"
        raise invalid(name, True, "False for a secondary: it maps the primary's hugepages", "EAL argument")
    if not primary_alive(prefix):
        path = _config_path(prefix)
        why = ("its runtime files remain but the process has exited" if os.path.exists(path)
               else f"there is no {path}")
        raise EalError(errno.ESRCH, f"no primary DPDK process runs with file prefix {prefix!r} ({why}): "
                       "start the primary first, with hugepages and this --file-prefix (primaries "
                       "started with --in-memory, --no-huge or --no-shconf cannot have secondaries)",
                       "rte_eal_init")


def secondary_failure(err: int, cfg: Any) -> str:
    """The error text when rte_eal_init of a secondary fails."""
    prefix = cfg.effective_file_prefix
    args = " ".join(cfg.eal_argv()[1:])
    return (f"attaching to the primary with file prefix {prefix!r} failed ({args}): "
            f"{os.strerror(err) if err else 'EAL refused'}. A secondary must run the same DPDK "
            f"build as its primary (this process runs DPDK {RUNTIME_DPDK}) with compatible memory "
            "options (the primary's --single-file-segments/--legacy-mem, no --no-huge, no "
            "--in-memory); DPDK's log above says which check failed")


def attach(file_prefix: str, *, lcores: str | Sequence[int] | None = "0", no_pci: bool = False,
           **kwargs: Any) -> Any:
    """Start this process's EAL as a secondary of the primary with ``file_prefix``.

    The PCI bus is scanned (like dpdk-proc-info) so the primary's PCI ports appear here too;
    devices the primary does not drive are skipped (EAL says so in its log)."""
    from .eal import Eal
    return Eal.init(proc_type="secondary", file_prefix=file_prefix, lcores=lcores, no_pci=no_pci,
                    **kwargs)


@dataclass(frozen=True)
class PortSnapshot:
    """One port as a secondary sees it (what dpdk-proc-info prints)."""

    id: int
    name: str
    driver: str
    mac: str
    link: str
    stats: dict[str, Any]
    xstats: dict[str, int] = field(default_factory=dict)


def snapshot(ports: Sequence[int] | None = None, *, xstats: bool = False) -> list[PortSnapshot]:
    """Identity, link and statistics of the (given) ports, read in this process."""
    import pydpdk
    out = []
    for p in pydpdk.ports():
        if ports is not None and p.id not in ports:
            continue
        out.append(PortSnapshot(p.id, p.name, p.driver, p.mac, str(p.link()), p.stats().as_dict(),
                                p.xstats() if xstats else {}))
    return out
