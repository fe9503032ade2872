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

from dataclasses import dataclass, field
from typing import Any, Sequence

from .eal import Eal, check_primary, primary_alive
from .ethdev import ports as _ports

__all__ = ["attach", "primary_alive", "check_primary", "PortSnapshot", "snapshot"]


def attach(file_prefix: str, *, lcores: str | Sequence[int] | None = "0", no_pci: bool = False,
           **kwargs: Any) -> Eal:
    """Start this process's EAL as a secondary of the primary with ``file_prefix``.

    The PCI bus is scanned (like dpdk-proc-info) so the primary's PCI ports appear here too;
    devices the primary does not drive are skipped (EAL says so in its log)."""
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
    out = []
    for p in _ports():
        if ports is not None and p.id not in ports:
            continue
        out.append(PortSnapshot(p.id, p.name, p.driver, p.mac, str(p.link()), p.stats().as_dict(),
                                p.xstats() if xstats else {}))
    return out
