"""RX queue interrupts: wait for packets without polling, blocking or with asyncio.

    port.configure(1, 1, rx_interrupts=True)     # intr_conf.rxq = 1, before the queues
    ...
    rxi = RxInterrupts(port)                     # every RX queue in one epoll set
    if rxi.wait_rx(0, timeout=5.0):              # sleeps in epoll_wait (no CPU) until a packet
        burst = port.rx_burst(0)
    burst = await rxi.recv(0)                    # asyncio: the event loop watches the epoll fd
    async for burst in rxi.bursts(0): ...

DPDK's rte_eth_dev_rx_intr_ctl_q puts each queue's event fd into an epoll set of our own;
asyncio watches that epoll fd (readable when any queue's fd is) and ``rte_epoll_wait`` with a
zero timeout then acknowledges the events the DPDK way (reading the eventfd counters where the
PMD uses them). ``recv`` polls once, arms the interrupt, polls again (a packet that came in
between is not missed), and only then sleeps.

In DPDK 22.11 among the vdevs, net_tap implements RX queue interrupts (its queue fds are the
events); net_memif and virtio-user do too when their peer sends notifications; net_null,
net_ring, net_pcap and net_af_packet do not, and raise :class:`~pydpdk.errors.NotSupportedError`
naming the PMD. (docs/core.md lists what was measured.)
"""
from __future__ import annotations

import asyncio
import errno as _errno
import os
import time
from typing import Any, AsyncIterator, Iterable

from . import hooks as _port_hooks
from .._native import ffi, lib
from .._resource import Resource
from ..errors import NotSupportedError, PortError, check, invalid
from .port import Port
from ..mbuf import MbufBurst

__all__ = ["RxInterrupts"]

_MAX_EVENTS = 16


def _not_supported(port: Port, what: str, err: int, more: str = "") -> NotSupportedError:
    drv = port.driver
    return NotSupportedError(err, f"{what} on {port._describe()}: the {drv} driver has no RX queue "
                             f"interrupts in this DPDK{more}", what, driver=drv)


class RxInterrupts(Resource):
    """RX interrupts of a started port's queues, in one epoll set. Close before the port closes
    (Port.close and EAL cleanup do it)."""

    _rank = 0
    _level = False
    _epfd = -1
    _waiting: list[tuple[asyncio.AbstractEventLoop, int, asyncio.Future[None]]] = []

    def __init__(self, port: Port, queues: Iterable[int] | None = None) -> None:
        ctx = "RxInterrupts"
        if not isinstance(port, Port):
            raise invalid("port", port, "a pydpdk.Port", ctx)
        port._check_open()
        if not getattr(port, "_rx_interrupts", False):
            raise invalid("port", port._describe(), "a port configured with rx_interrupts=True", ctx)
        qs = list(range(port.nb_rx_queues)) if queues is None else list(queues)
        for q in qs:
            if isinstance(q, bool) or not isinstance(q, int) or not 0 <= q < port.nb_rx_queues:
                raise invalid("queues", q, f"RX queues 0 to {port.nb_rx_queues - 1}", ctx)
        self.port, self.queues = port, qs
        self._epfd = lib.pydpdk_epoll_create()
        if self._epfd < 0:
            raise OSError(ffi.errno, "epoll_create1 failed")
        self._events = ffi.new("struct rte_epoll_event[]", _MAX_EVENTS)
        self._added: list[int] = []
        try:
            for q in qs:
                rc = lib.rte_eth_dev_rx_intr_ctl_q(port.id, q, self._epfd, lib.RTE_INTR_EVENT_ADD,
                                                   ffi.cast("void *", q + 1))
                if rc in (-_errno.ENOTSUP, -_errno.EPERM, -_errno.ENOSYS):
                    raise _not_supported(port, "rte_eth_dev_rx_intr_ctl_q", -rc)
                check(rc, f"rte_eth_dev_rx_intr_ctl_q(port {port.id}, queue {q}, add)", PortError)
                self._added.append(q)
        except BaseException:
            self._teardown()
            raise
        # net_tap registers its queue fds (readable while packets wait) and has no enable/disable
        # op: its interrupts are level-triggered and always armed
        self._level = lib.rte_eth_dev_rx_intr_disable(port.id, qs[0]) in (-_errno.ENOTSUP, -_errno.ENOSYS) \
            if qs else False
        try:
            for q in qs:
                self.disable(q, _check=False)
        except BaseException:
            self._teardown()
            raise
        self._armed: set[int] = set()
        self._waiting = []
        self._register()
        _live_by_port.setdefault(port.id, []).append(self)

    # -- arming --------------------------------------------------------------------------
    def enable(self, queue: int) -> None:
        """rte_eth_dev_rx_intr_enable: the next packet on ``queue`` wakes the epoll set."""
        self._check_open()
        if self._level:
            return
        rc = lib.rte_eth_dev_rx_intr_enable(self.port.id, queue)
        if rc in (-_errno.ENOTSUP, -_errno.ENOSYS):
            raise _not_supported(self.port, "rte_eth_dev_rx_intr_enable", -rc)
        check(rc, f"rte_eth_dev_rx_intr_enable(port {self.port.id}, queue {queue})", PortError)
        self._armed.add(queue)

    def disable(self, queue: int, _check: bool = True) -> None:
        """rte_eth_dev_rx_intr_disable (back to pure polling)."""
        if self._level:
            return
        rc = lib.rte_eth_dev_rx_intr_disable(self.port.id, queue)
        if _check:
            self._armed.discard(queue)
            if rc in (-_errno.ENOTSUP, -_errno.ENOSYS):
                raise _not_supported(self.port, "rte_eth_dev_rx_intr_disable", -rc)
            check(rc, f"rte_eth_dev_rx_intr_disable(port {self.port.id}, queue {queue})", PortError)

    def _epoll(self, timeout_ms: int) -> list[int]:
        n = lib.rte_epoll_wait(self._epfd, self._events, _MAX_EVENTS, timeout_ms)   # GIL released
        if n < 0:
            return []        # EINTR (a signal): the caller re-checks its queue
        return [int(ffi.cast("uintptr_t", self._events[i].epdata.data)) - 1 for i in range(n)]

    @property
    def fileno(self) -> int:
        """The epoll fd (readable when an armed queue has an event)."""
        self._check_open()
        return self._epfd

    # -- blocking --------------------------------------------------------------------------
    def wait_rx(self, queue: int, timeout: float | None = None) -> bool:
        """Sleep until ``queue`` signals a packet (True) or ``timeout`` seconds pass (False).

        Arms the interrupt, sleeps in epoll_wait (no CPU), disarms. Packets already waiting
        before the call may not signal: call rx_burst first (or use :meth:`recv_blocking`)."""
        self._check_open()
        self._check_queue(queue)
        deadline = None if timeout is None else time.monotonic() + timeout
        self.enable(queue)
        try:
            while True:
                left = -1 if deadline is None else max(0, int((deadline - time.monotonic()) * 1000))
                woke = self._epoll(left)
                if queue in woke:
                    return True
                if deadline is not None and time.monotonic() >= deadline:
                    return False
        finally:
            self.disable(queue)

    def recv_blocking(self, queue: int = 0, max_pkts: int = 32, timeout: float | None = None) -> MbufBurst:
        """A non-empty burst from ``queue`` (poll, arm, poll, sleep); an empty one on timeout."""
        self._check_open()
        self._check_queue(queue)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            burst = self.port.rx_burst(queue, max_pkts)
            if burst:
                return burst
            self.enable(queue)
            try:
                burst = self.port.rx_burst(queue, max_pkts, into=burst)
                if burst:
                    return burst
                left = -1 if deadline is None else max(0, int((deadline - time.monotonic()) * 1000))
                self._epoll(left)
            finally:
                self.disable(queue)
            if deadline is not None and time.monotonic() >= deadline:
                return self.port.rx_burst(queue, max_pkts, into=burst)

    # -- asyncio -------------------------------------------------------------------------
    async def recv(self, queue: int = 0, max_pkts: int = 32) -> MbufBurst:
        """Await a non-empty burst from ``queue``; the event loop sleeps meanwhile."""
        self._check_open()
        self._check_queue(queue)
        loop = asyncio.get_running_loop()
        while True:
            burst = self.port.rx_burst(queue, max_pkts)
            if burst:
                return burst
            self.enable(queue)
            try:
                burst = self.port.rx_burst(queue, max_pkts, into=burst)
                if burst:
                    return burst
                ready = loop.create_future()

                def on_readable() -> None:
                    if not ready.done():
                        ready.set_result(None)
                fd = self._epfd
                loop.add_reader(fd, on_readable)
                self._waiting.append((loop, fd, ready))
                try:
                    await ready
                finally:
                    loop.remove_reader(fd)
                    if (loop, fd, ready) in self._waiting:
                        self._waiting.remove((loop, fd, ready))
                self._check_open()
                self._epoll(0)          # acknowledge (eventfd counters) without blocking
            finally:
                if not self._closed:
                    self.disable(queue)

    async def bursts(self, queue: int = 0, max_pkts: int = 32) -> AsyncIterator[MbufBurst]:
        """``async for burst in rxi.bursts(0)``: non-empty bursts as they come (free each)."""
        while not self._closed:
            yield await self.recv(queue, max_pkts)

    def _check_queue(self, q: Any) -> None:
        if q not in self.queues:
            raise invalid("queue", q, f"one of the queues with interrupts: {self.queues}", "RxInterrupts")

    # -- ownership -----------------------------------------------------------------------
    def _teardown(self) -> None:
        for loop, fd, ready in list(getattr(self, "_waiting", ())):   # close() while a recv waits
            loop.remove_reader(fd)
            if not ready.done():
                ready.cancel()
        self._waiting = []
        for q in self._added:
            if lib.rte_eth_dev_is_valid_port(self.port.id):
                lib.rte_eth_dev_rx_intr_disable(self.port.id, q)
                lib.rte_eth_dev_rx_intr_ctl_q(self.port.id, q, self._epfd, lib.RTE_INTR_EVENT_DEL, ffi.NULL)
        self._added = []
        if self._epfd >= 0:
            os.close(self._epfd)
            self._epfd = -1

    def _release(self) -> None:
        self._teardown()
        lst = _live_by_port.get(self.port.id, [])
        if self in lst:
            lst.remove(self)

    def _describe(self) -> str:
        return f"RX interrupts of port {self.port.id} queues {self.queues}"


_live_by_port: dict[int, list[RxInterrupts]] = {}


def _on_port_release(port: Port) -> None:
    for rxi in list(_live_by_port.get(port.id, [])):
        if rxi.port is port:
            rxi.close()


_port_hooks.subscribe_release(_on_port_release)


_by_port: dict[int, RxInterrupts] = {}


def _port_rx_interrupts(port: Port) -> RxInterrupts:
    """Port.rx_interrupts: one RxInterrupts of all the port's RX queues, made on first use."""
    ri = _by_port.get(port.id)
    if ri is None or ri.closed or ri.port is not port:
        ri = _by_port[port.id] = RxInterrupts(port)
    return ri


_port_hooks.add_port_extension("rx_interrupts", _port_rx_interrupts)
