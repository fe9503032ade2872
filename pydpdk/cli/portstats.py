"""dpdk-testpmd's ``show port stats`` block ("NIC statistics for port N"), one rendering for
``pydpdk fwd`` (``--stats-period``, the shell's ``show port stats``) and ``pydpdk procinfo``."""
from __future__ import annotations

import time
from typing import Any, Iterable

from ..units import format_rate

__all__ = ["port_stats_text", "Throughput"]

BORDER = "#" * 24
_COUNTERS = ("ipackets", "opackets", "ibytes", "obytes", "imissed", "ierrors", "oerrors", "rx_nombuf")


class Throughput:
    """What testpmd keeps between two ``show port stats``: each port's counters and the time,
    for the "Throughput (since last show)" lines."""

    def __init__(self) -> None:
        self._last: dict[int, tuple[float, int, int, int, int]] = {}

    def rates(self, port_id: int, c: dict[str, int], now: float | None = None) -> tuple[int, int, int, int]:
        """(rx_pps, rx_bps, tx_pps, tx_bps) since the last call for this port (0 the first time)."""
        now = time.monotonic() if now is None else now
        prev = self._last.get(port_id)
        self._last[port_id] = (now, c["ipackets"], c["ibytes"], c["opackets"], c["obytes"])
        if prev is None or now <= prev[0]:
            return 0, 0, 0, 0
        dt = now - prev[0]
        rate = lambda a, b: max(int((a - b) / dt), 0)  # noqa: E731
        return (rate(c["ipackets"], prev[1]), rate(c["ibytes"], prev[2]) * 8,
                rate(c["opackets"], prev[3]), rate(c["obytes"], prev[4]) * 8)


def _counters(item: Any) -> tuple[int, dict[str, int], Any]:
    """(port id, counters, the record) of a Port (read now), or of a record with ``.id`` and
    ``.stats`` (a PortStats-like object or a dict, e.g. multiprocess.PortSnapshot)."""
    st = item.stats() if callable(getattr(item, "stats", None)) else item.stats
    get = st.get if isinstance(st, dict) else (lambda k, d=0: getattr(st, k, d))
    return item.id, {k: int(get(k, 0) or 0) for k in _COUNTERS}, item


def port_stats_text(items: Iterable[Any], *, since: Throughput | None = None, details: bool = False) -> str:
    """testpmd's NIC statistics blocks for ports (or port records). With ``since`` the
    "Throughput (since last show)" lines follow, as testpmd prints them, and after the block a
    "Throughput: RX ...; TX ..." line in pydpdk.units' format (packets/s and bit/s); ``details`` adds a
    record's name, driver, MAC and link, and its xstats."""
    out = []
    for item in items:
        pid, c, rec = _counters(item)
        out.append(f"\n  {BORDER} NIC statistics for port {pid:<2} {BORDER}")
        if details:
            out.append(f"  name: {getattr(rec, 'name', '')}  driver: {getattr(rec, 'driver', '')}  "
                       f"mac: {getattr(rec, 'mac', '')}  {getattr(rec, 'link', '')}")
        out.append(f"  RX-packets: {c['ipackets']:<10} RX-missed: {c['imissed']:<10} RX-bytes:  {c['ibytes']}")
        out.append(f"  RX-errors: {c['ierrors']}")
        out.append(f"  RX-nombuf:  {c['rx_nombuf']:<10}")
        out.append(f"  TX-packets: {c['opackets']:<10} TX-errors: {c['oerrors']:<10} TX-bytes:  {c['obytes']}")
        rates = None
        if since is not None:
            rx_pps, rx_bps, tx_pps, tx_bps = since.rates(pid, c)
            out.append("\n  Throughput (since last show)")
            out.append(f"  Rx-pps: {rx_pps:>12}          Rx-bps: {rx_bps:>12}")
            out.append(f"  Tx-pps: {tx_pps:>12}          Tx-bps: {tx_bps:>12}")
            # the same rates in pydpdk.units' format, after testpmd's block (kept as testpmd
            # prints it); no bit rate where the PMD counts packets but no bytes (net_ring, net_null)
            counted = bool(c["ibytes"] or c["obytes"]) or not (c["ipackets"] or c["opackets"])
            rates = (f"  Throughput: RX {format_rate(rx_pps, rx_bps if counted else None)}; "
                     f"TX {format_rate(tx_pps, tx_bps if counted else None)}")
        if details:
            for name, value in (getattr(rec, "xstats", None) or {}).items():
                out.append(f"  {name}: {value}")
        out.append(f"  {BORDER}############################{BORDER}")
        if rates is not None:
            out.append(rates)
    return "\n".join(out)
