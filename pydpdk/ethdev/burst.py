"""A port's bursts: rx_burst and tx_burst, one C call each (the Python fast path)."""
from __future__ import annotations

from typing import Any, Iterable, Union

from .. import eal as _eal
from .._native import ffi, lib
from ..errors import ResourceClosedError, invalid
from ..mbuf import Mbuf, MbufBurst
from .base import PortBase

__all__ = ["BurstMixin"]

_rx_burst = lib.rte_eth_rx_burst              # bound once: the burst methods run per burst
_tx_compact = lib.pydpdk_tx_burst_compact
_TX_FORMS = "an MbufBurst, a list of Mbufs, or a list of packets (bytes, bytes-likes, scapy/dpkt packets)"


class BurstMixin(PortBase):
    """rx_burst / tx_burst."""

    def rx_burst(self, queue: int = 0, max_pkts: int = 32, *, into: MbufBurst | None = None) -> MbufBurst:
        """Receive up to max_pkts packets: a burst that owns them (``into`` to reuse one)."""
        if self._closed:
            self._check_open()
        if queue.__class__ is not int or not 0 <= queue < self._nb_rxq:
            self._check_queue(queue, "rx", f"Port.rx_burst({self._describe()})")
        if into is None:
            if max_pkts.__class__ is not int or not 0 < max_pkts <= 65535:
                raise invalid("max_pkts", max_pkts, "1 to 65535", "Port.rx_burst")
            into = MbufBurst(max_pkts)
        elif into.__class__ is not MbufBurst:
            raise invalid("into", type(into).__name__, "an MbufBurst (empty) or None", "Port.rx_burst")
        elif into._n:
            raise invalid("into", into, "an empty burst (free or send what it holds first)", "Port.rx_burst")
        elif max_pkts.__class__ is not int or max_pkts < 1:
            raise invalid("max_pkts", max_pkts, "1 to 65535", "Port.rx_burst")
        elif max_pkts > into._cap:
            max_pkts = into._cap
        if not self._started:
            raise invalid("port", self._describe(), "a started port", "Port.rx_burst")
        into._n = _rx_burst(self._id, queue, into._arr, max_pkts)
        into._gen += 1
        return into

    def tx_burst(self, pkts: Union[MbufBurst, Iterable[Mbuf], Iterable[Any]], queue: int = 0) -> int:
        """Send packets; returns how many the driver took. Sent mbufs belong to the driver;
        unsent ones stay with the caller (a burst keeps them at its front). Packets given as
        bytes (or scapy/dpkt packets) are copied into mbufs from the pool of RX queue 0 in one
        call; what the driver does not take of those is freed."""
        if self._closed:
            self._check_open()
        if queue.__class__ is not int or not 0 <= queue < self._nb_txq:
            self._check_queue(queue, "tx", f"Port.tx_burst({self._describe()})")
        if not self._started:
            raise invalid("port", self._describe(), "a started port", "Port.tx_burst")
        if pkts.__class__ is MbufBurst:
            if not _eal.is_initialized():
                raise ResourceClosedError("the EAL was cleaned up")
            burst: Any = pkts
            if burst._views:
                burst._before_handoff()
            sent = _tx_compact(self._id, queue, burst._arr, burst._n)
            burst._n -= sent
            burst._gen += 1
            return sent
        return self._tx_objects(pkts, queue)

    def _tx_objects(self, pkts: Any, queue: int) -> int:
        ctx = f"Port.tx_burst({self._describe()})"
        if isinstance(pkts, (str, bytes, bytearray, memoryview)):
            raise invalid("pkts", f"one {type(pkts).__name__}", f"{_TX_FORMS}: wrap a single packet in a list",
                          ctx)
        try:
            items = list(pkts)
        except TypeError:
            raise invalid("pkts", type(pkts).__name__, _TX_FORMS, ctx) from None
        mbufs = [m for m in items if isinstance(m, Mbuf)]
        if mbufs and len(mbufs) != len(items):
            raise invalid("pkts", "Mbufs mixed with other objects", _TX_FORMS, ctx)
        if not mbufs:
            return self._tx_copies(items, queue, ctx)
        ptrs = [m._p() for m in mbufs]
        if len(set(ptrs)) != len(ptrs):
            raise invalid("pkts", "the same mbuf twice", "distinct mbufs", ctx)
        arr = ffi.new("struct rte_mbuf *[]", ptrs)
        sent = lib.rte_eth_tx_burst(self._id, queue, arr, len(ptrs))
        for m in mbufs[:sent]:
            m._take()
        return sent

    def _tx_copies(self, packets: list[Any], queue: int, ctx: str) -> int:
        if not packets:
            return 0
        pool = self._pools.get(0)
        if pool is None:
            raise invalid("pkts", f"{len(packets)} packets as bytes", "Mbufs, or a port with RX queue 0 set "
                          "up (its pool builds the mbufs)", ctx)
        burst = pool.burst(packets)
        try:
            return self.tx_burst(burst, queue)
        finally:
            burst.free()
