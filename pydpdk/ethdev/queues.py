"""Pre-checked queue handles for tight Python loops: ``port.rxq(0)`` and ``port.txq(0)``.

Everything Port.rx_burst/tx_burst check per call (queue id, started port, burst size, burst
object) is checked once, when the handle is made, and frozen in a C ``struct pydpdk_queue``:
the per-burst C call takes that one pointer (cffi passes it without converting four
arguments). ``rx_burst``/``tx_burst`` are closures over what they need, reuse one burst and do
the least per call in Python: the burst's count, and the C call's answer. The queue's busy flag
(refusing a second thread while the first is in C, an engine that owns the queue, or a port
that changed) is taken and given back in C with a compare-and-swap (c/burst.h).

Ownership is the burst's, as everywhere: what rx_burst() received is in ``rxq.burst`` until it
is sent or freed (rx_burst() refuses while it still holds packets); tx_burst() leaves the unsent
at the front of the burst it was given. A handle stops working (ResourceClosedError) when its
port is reconfigured, reset, closed or detached: the port marks the old flags dead. Measured
against the two bare cffi calls by ``python3 bench/pyloop.py step`` (docs/performance.md).
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from .._native import ffi, lib
from ..errors import invalid
from ..mbuf import MbufBurst

__all__ = ["RxQueue", "TxQueue", "DEAD"]

#: the busy-flag value of a queue whose port was reconfigured, reset, closed or detached
DEAD = 3

_Q = TypeVar("_Q", bound="_Handle")


class _Handle:
    """close() and the context manager shared by both handles."""

    __slots__ = ()
    _state: Any
    _flags: Any

    def close(self) -> None:
        """Stop using the handle (idempotent): later bursts raise ResourceClosedError."""
        dead = ffi.new("uint8_t[]", [DEAD])
        self._state.busy, self._flags = dead, dead        # the C call now finds the queue dead

    def __enter__(self: _Q) -> _Q:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _state(port: Any, queue: int, flags: Any, burst: int = 0, pkts: Any = ffi.NULL) -> Any:
    return ffi.new("struct pydpdk_queue *", {"port_id": port.id, "queue_id": queue, "burst": burst,
                                             "pkts": pkts, "busy": flags + queue})


class RxQueue(_Handle):
    """An RX queue of a started port: ``n = q.rx_burst()`` fills ``q.burst`` and returns how many
    came (send or free them before the next rx_burst()). ``q.rx`` is the same function.
    ``close()`` (or the end of a ``with`` block) frees what the burst still holds."""

    __slots__ = ("port", "queue", "burst", "rx_burst", "rx", "_state", "_flags")

    def __init__(self, port: Any, queue: int, burst: int) -> None:
        self.port, self.queue = port, queue
        b = self.burst = MbufBurst(burst)
        flags = self._flags = port._rx_busy           # st.busy points into it: kept alive here
        st = self._state = _state(port, queue, flags, burst, b._arr)
        rx_c = lib.pydpdk_queue_rx

        def rx_burst() -> int:
            """Receive up to the burst size into ``self.burst``; returns how many came."""
            if b._n:
                raise invalid("burst", b, "an empty burst: send or free what the last rx_burst() "
                              "returned", "RxQueue.rx_burst")
            n = b._n = rx_c(st)
            if n < 0:                                   # the queue was not free: nothing received
                b._n = 0
                raise port._busy_error("rx", queue, -n)
            return n
        self.rx_burst: Callable[[], int] = rx_burst
        self.rx: Callable[[], int] = rx_burst

    def close(self) -> None:
        """Free what the burst still holds and stop using the handle (idempotent)."""
        super().close()
        self.burst.free()

    def __repr__(self) -> str:
        return f"<RxQueue port {self.port.id} queue {self.queue} burst {self.burst.capacity}>"


class TxQueue(_Handle):
    """A TX queue of a started port: ``q.tx_burst(burst)`` sends and returns how many the driver
    took, leaving the unsent at the burst's front. ``q.tx`` is the same function."""

    __slots__ = ("port", "queue", "tx_burst", "tx", "_state", "_flags")

    def __init__(self, port: Any, queue: int) -> None:
        self.port, self.queue = port, queue
        flags = self._flags = port._tx_busy
        st = self._state = _state(port, queue, flags)
        tx_c = lib.pydpdk_queue_tx

        def tx_burst(burst: MbufBurst) -> int:
            """Send a burst; returns how many the driver took (the burst keeps the rest)."""
            try:                                        # no type test per call: only an MbufBurst
                if burst._views:                        # has these slots (and a struct rte_mbuf **)
                    burst._before_handoff()
                sent = tx_c(st, burst._arr, burst._n)
            except (AttributeError, TypeError):
                if type(burst) is MbufBurst:
                    raise
                raise invalid("burst", type(burst).__name__, "an MbufBurst", "TxQueue.tx_burst") from None
            if sent < 0:                                # the queue was not free: nothing sent
                raise port._busy_error("tx", queue, -sent)
            burst._n -= sent
            burst._gen += 1
            return sent
        self.tx_burst: Callable[[MbufBurst], int] = tx_burst
        self.tx: Callable[[MbufBurst], int] = tx_burst

    def __repr__(self) -> str:
        return f"<TxQueue port {self.port.id} queue {self.queue}>"
