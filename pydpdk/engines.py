"""What every native engine offers the observers (stats, telemetry, notebook views).

Engines (the forwarder, and the generator and stage engines that join it) run C loops on worker
lcores. Observers never read an engine's C structures: they use this small interface, so a new
engine is observed by implementing it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, Sequence, runtime_checkable

from .ethdev import Port

__all__ = ["Engine", "PortTraffic", "PortTotals"]


@dataclass(frozen=True)
class PortTraffic:
    """Packets and bytes an engine moved through one port: the one definition behind
    :class:`PortTotals`, :class:`pydpdk.forward.PortForwardStats` and :class:`pydpdk.stats.RateSample`
    (a port's own counters are :class:`pydpdk.ethdev.PortCounters`)."""

    port: int
    name: str
    rx_packets: int
    tx_packets: int
    rx_bytes: int
    tx_bytes: int


@dataclass(frozen=True)
class PortTotals(PortTraffic):
    """Cumulative counters of one port as an engine moved packets through it, with the packets
    it dropped there."""

    dropped: int


@runtime_checkable
class Engine(Protocol):
    """A native engine over ports, started and stopped from Python."""

    @property
    def ports(self) -> Sequence[Port]:
        """The ports the engine moves packets through."""

    @property
    def running(self) -> bool:
        """True while its lcores run."""

    @property
    def closed(self) -> bool:
        """True once closed."""

    def port_totals(self) -> list[PortTotals]:
        """Per-port cumulative counters, read live without disturbing the engine's own rates."""

    def stats(self) -> Any:
        """The engine's full statistics record."""
