"""A port's bursts: rx_burst and tx_burst, one C call each (the Python fast path)."""
from __future__ import annotations

from typing import Any, Iterable, Union

from .. import eal as _eal
from .._native import ffi, lib
from ..errors import ResourceClosedError, int_in, invalid
from ..mbuf import Mbuf, MbufBurst, as_packet_list, send_packets
from .base import PortBase
from .queues import RxQueue, TxQueue

__all__ = ["BurstMixin"]

_rx_burst = lib.pydpdk_rx_burst_flagged       # bound once: the burst methods run per burst
_tx_compact = lib.pydpdk_tx_burst_flagged
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
        n = _rx_burst(self._rx_busy, self._id, queue, into._arr, max_pkts)
        if n < 0:
            raise self._busy_error("rx", queue, -n)
        into._n = n
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
            sent = _tx_compact(self._tx_busy, self._id, queue, burst._arr, burst._n)
            if sent < 0:
                raise self._busy_error("tx", queue, -sent)
            burst._n -= sent
            burst._gen += 1
            return sent
        return self._tx_objects(pkts, queue)

    def send(self, packets: Any, queue: int = 0, *, timeout: float = 1.0) -> int:
        """Send packets (bytes, bytes-likes, scapy/dpkt packets, or one of them) built into
        mbufs from the pool of RX queue 0, retrying while the driver is busy, up to ``timeout``
        seconds; returns how many were sent (:func:`pydpdk.interop.send`)."""
        return send_packets(self, None, as_packet_list(packets), queue=queue, timeout=timeout)

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
        for m in mbufs:
            m._before_handoff()
        arr = ffi.new("struct rte_mbuf *[]", ptrs)
        sent = _tx_compact(self._tx_busy, self._id, queue, arr, len(ptrs))   # compacts arr only
        if sent < 0:
            raise self._busy_error("tx", queue, -sent)
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

    # -- queue objects and engine claims ---------------------------------------------------
    def rxq(self, queue: int = 0, burst: int = 32) -> "RxQueue":
        """A pre-checked RX queue handle for tight Python loops (``n = q.rx_burst()`` fills
        ``q.burst``): everything is checked here, once; it refuses while the port is stopped and
        stops working when the port is reconfigured, reset or closed."""
        ctx = f"Port.rxq({self._describe()})"
        self._check_queue(queue, "rx", ctx)
        if not self._started:
            raise invalid("port", self._describe(), "a started port", ctx)
        int_in("burst", burst, 1, 65535, ctx)
        return RxQueue(self, queue, burst)

    def txq(self, queue: int = 0) -> "TxQueue":
        """A pre-checked TX queue handle (``q.tx_burst(burst)``), like :meth:`rxq`."""
        ctx = f"Port.txq({self._describe()})"
        self._check_queue(queue, "tx", ctx)
        if not self._started:
            raise invalid("port", self._describe(), "a started port", ctx)
        return TxQueue(self, queue)

    def claim_queues(self, owner: Any, rx: Iterable[int] = (), tx: Iterable[int] = ()) -> None:
        """An engine takes these queues: Python bursts on them are refused (naming the owner)
        until :meth:`release_queues`. All or nothing; ResourceBusyError if one is taken."""
        rx, tx = list(rx), list(tx)
        taken: list[tuple[str, int, Any]] = []
        for kind, queues, flags in (("rx", rx, self._rx_busy), ("tx", tx, self._tx_busy)):
            for q in dict.fromkeys(queues):
                if flags[q] == 2 and self._claims.get((kind, q)) is owner:
                    continue
                seen = lib.pydpdk_queue_flag_cas(flags, q, 0, 2)   # atomic: a burst may be in C
                if seen:
                    for _, q2, f in taken:
                        lib.pydpdk_queue_flag_cas(f, q2, 2, 0)
                    raise self._busy_error(kind, q, seen)
                taken.append((kind, q, flags))
        for kind, q, _ in taken:
            self._claims[(kind, q)] = owner

    def release_queues(self, owner: Any) -> None:
        """Give back every queue owner claimed."""
        for (kind, q), who in list(self._claims.items()):
            if who is owner:
                del self._claims[(kind, q)]
                flags = self._rx_busy if kind == "rx" else self._tx_busy
                if q < len(flags):
                    lib.pydpdk_queue_flag_cas(flags, q, 2, 0)
