"""A port's counters: rte_eth_stats and the extended statistics (xstats)."""
from __future__ import annotations

from typing import Sequence

from .. import eal as _eal
from .._native import ffi, lib
from ..errors import PortError, check, invalid
from .base import PortBase
from .records import PortStats

__all__ = ["CountersMixin", "queue_counters"]


def queue_counters(port_id: int, nb_queues: int) -> tuple[list[int], list[int], list[int], list[int], list[int]]:
    """Per-queue counters (q_ipackets, q_opackets, q_ibytes, q_obytes, q_errors) of the first
    nb_queues queues (at most the build's queue-stat count, 16): from struct rte_eth_stats up to
    DPDK 24.11, from the rx_q<N>_* / tx_q<N>_* xstats on 25.11, which removed the fields
    (pydpdk_queue_stats in c/qstats.c; pydpdk.dpdk_features.FEATURES.queue_stats says which)."""
    nq = min(nb_queues, lib.pydpdk_queue_stat_cntrs())
    out = ffi.new("uint64_t[]", 5 * max(nq, 1))
    n = check(lib.pydpdk_queue_stats(port_id, nq, out), f"per-queue statistics of port {port_id}", PortError)
    vals = list(out)
    return tuple(vals[r * n:(r + 1) * n] for r in range(5))  # type: ignore[return-value]


class CountersMixin(PortBase):
    """Statistics and xstats."""

    def stats(self) -> PortStats:
        """rte_eth_stats_get: port-wide counters and per-queue ones for the configured queues
        (in a secondary process, EalError once the primary has exited)."""
        self._check_open()
        if self._secondary:
            _eal.require_primary()
        s = ffi.new("struct rte_eth_stats *")
        check(lib.rte_eth_stats_get(self._id, s), f"rte_eth_stats_get(port {self._id})", PortError)
        q = queue_counters(self._id, max(self._nb_rxq, self._nb_txq, 1))
        return PortStats(s.ipackets, s.opackets, s.ibytes, s.obytes, s.imissed, s.ierrors, s.oerrors,
                         s.rx_nombuf, *q)

    def reset_stats(self) -> None:
        """rte_eth_stats_reset."""
        self._check_open()
        check(lib.rte_eth_stats_reset(self._id), f"rte_eth_stats_reset(port {self._id})", PortError)

    def xstat_names(self) -> list[str]:
        """The names of the extended statistics, in id order."""
        self._check_open()
        n = check(lib.rte_eth_xstats_get_names(self._id, ffi.NULL, 0), "rte_eth_xstats_get_names", PortError)
        names = ffi.new("struct rte_eth_xstat_name[]", max(n, 1))
        n = check(lib.rte_eth_xstats_get_names(self._id, names, n), "rte_eth_xstats_get_names", PortError)
        return [ffi.string(names[i].name).decode() for i in range(n)]

    def xstats(self) -> dict[str, int]:
        """Every extended statistic, by name (in a secondary, EalError once the primary has exited)."""
        if self._secondary:
            _eal.require_primary()
        names = self.xstat_names()
        vals = ffi.new("struct rte_eth_xstat[]", max(len(names), 1))
        n = check(lib.rte_eth_xstats_get(self._id, vals, len(names)), "rte_eth_xstats_get", PortError)
        return {names[vals[i].id]: vals[i].value for i in range(min(n, len(names)))}

    def xstat_id(self, name: str) -> int:
        """The id of an xstat (for xstats_by_id)."""
        self._check_open()
        if not isinstance(name, str):
            raise invalid("name", name, "an xstat name (a str; see xstat_names())", f"Port.xstat_id({self._describe()})")
        out = ffi.new("uint64_t *")
        if lib.rte_eth_xstats_get_id_by_name(self._id, name.encode(), out) != 0:
            raise invalid("name", name, f"an xstat of this port (see xstat_names(); e.g. "
                          f"{', '.join(self.xstat_names()[:4])})", f"Port.xstat_id({self._describe()})")
        return out[0]

    def xstats_by_id(self, ids: Sequence[int]) -> list[int]:
        """The values of the xstats with these ids (cheaper than xstats() in a loop)."""
        self._check_open()
        n = len(self.xstat_names())
        for i in ids:
            if not isinstance(i, int) or not 0 <= i < n:
                raise invalid("ids", i, f"xstat ids 0 to {n - 1}", f"Port.xstats_by_id({self._describe()})")
        cids = ffi.new("uint64_t[]", list(ids))
        vals = ffi.new("uint64_t[]", max(len(ids), 1))
        check(lib.rte_eth_xstats_get_by_id(self._id, cids, vals, len(ids)), "rte_eth_xstats_get_by_id", PortError)
        return list(vals[0:len(ids)])

    def reset_xstats(self) -> None:
        """rte_eth_xstats_reset."""
        self._check_open()
        check(lib.rte_eth_xstats_reset(self._id), f"rte_eth_xstats_reset(port {self._id})", PortError)

