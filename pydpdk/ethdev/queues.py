"""Pre-checked queue handles for tight Python loops: ``port.rxq(0)`` and ``port.txq(0)``.

Everything Port.rx_burst/tx_burst check per call (queue id, started port, burst object) is
checked once, when the handle is made; ``rx``/``tx`` are closures over what they need, reuse one
burst and do the least per call: a per-queue busy flag (refusing a second thread or an engine on
the queue) and the burst's count. A handle stops working (ResourceClosedError) when its port is
reconfigured, reset, closed or detached: the port marks the old flags dead. Measured against the
two bare cffi calls in bench/pyloop.py (rows ``pyqueue`` and ``cffi``).
"""
from __future__ import annotations

from typing import Any, Callable

from .._native import lib
from ..errors import invalid
from ..mbuf import MbufBurst

__all__ = ["RxQueue", "TxQueue", "DEAD"]

#: the busy-flag value of a queue whose port was reconfigured, reset, closed or detached
DEAD = 3


class RxQueue:
    """An RX queue of a started port: ``n = q.rx()`` fills ``q.burst`` (send or free it before
    the next rx())."""

    __slots__ = ("port", "queue", "burst", "rx")

    def __init__(self, port: Any, queue: int, burst: int) -> None:
        self.port, self.queue = port, queue
        b = self.burst = MbufBurst(burst)
        rx_c, pid, q, arr, busy = lib.rte_eth_rx_burst, port.id, queue, b._arr, port._rx_busy

        def rx() -> int:
            """Receive up to the burst size into ``self.burst``; returns how many came."""
            if b._n:
                raise invalid("burst", b, "an empty burst: send or free what the last rx() returned",
                              "RxQueue.rx")
            if busy[q]:
                raise port._busy_error("rx", q, busy[q])
            busy[q] = 1
            n = b._n = rx_c(pid, q, arr, burst)
            busy[q] = 0
            return n
        self.rx: Callable[[], int] = rx

    def __repr__(self) -> str:
        return f"<RxQueue port {self.port.id} queue {self.queue} burst {self.burst.capacity}>"


class TxQueue:
    """A TX queue of a started port: ``q.tx(burst)`` sends, leaving the unsent at the burst's front."""

    __slots__ = ("port", "queue", "tx")

    def __init__(self, port: Any, queue: int) -> None:
        self.port, self.queue = port, queue
        tx_c, pid, q, busy = lib.pydpdk_tx_burst_compact, port.id, queue, port._tx_busy

        def tx(burst: MbufBurst) -> int:
            """Send a burst; returns how many the driver took (the burst keeps the rest)."""
            if burst.__class__ is not MbufBurst:
                raise invalid("burst", type(burst).__name__, "an MbufBurst", "TxQueue.tx")
            if burst._views:
                burst._before_handoff()
            if busy[q]:
                raise port._busy_error("tx", q, busy[q])
            busy[q] = 1
            sent = tx_c(pid, q, burst._arr, burst._n)
            busy[q] = 0
            burst._n -= sent
            burst._gen += 1
            return sent
        self.tx: Callable[[MbufBurst], int] = tx

    def __repr__(self) -> str:
        return f"<TxQueue port {self.port.id} queue {self.queue}>"
