"""The Port object: one per port id, put together from the rooms of this package."""
from __future__ import annotations

from typing import Any, Sequence, cast

from .. import eal as _eal
from .._native import ffi, lib
from .._resource import Resource
from ..errors import PortError, check, invalid
from . import hooks
from .base import port_list, registry
from .burst import BurstMixin
from .configure import ConfigureMixin
from .counters import CountersMixin
from .identity import IdentityMixin
from .link import LinkMixin
from .rss import RssMixin

__all__ = ["Port", "ports", "forget_port"]

_RING_PTR = ffi.typeof("struct rte_ring *")


def ports() -> list["Port"]:
    """Every available port, in id order."""
    _eal.require()
    out = []
    pid = lib.rte_eth_find_next(0)
    while pid < lib.RTE_MAX_ETHPORTS:
        out.append(Port(int(pid)))
        pid = lib.rte_eth_find_next(pid + 1)
    return out


def forget_port(port_id: int) -> None:
    """Before its device is hot-unplugged: stop the port, and make its Port object (if any)
    refuse use without closing it (refused while an engine runs on it)."""
    port = registry.get(port_id)
    if port is not None and not port.closed:
        port._check_not_forwarding("detaching its device")
        port._forget()


class Port(IdentityMixin, ConfigureMixin, LinkMixin, CountersMixin, RssMixin, BurstMixin):
    """An ethdev port. ``Port(id)`` (or ``Port(name)``) returns the one object for that port.

    Identity and device facts, configuration and queues, link and filters, counters, RSS and
    bursts live in the mixins of this package (identity.py, configure.py, link.py, counters.py,
    rss.py, burst.py); higher layers hook into configuration through :mod:`.hooks`.
    """

    def __new__(cls, port_id: int | str) -> "Port":
        _eal.require()
        if isinstance(port_id, str):
            pid = ffi.new("uint16_t *")
            if lib.rte_eth_dev_get_port_by_name(port_id.encode(), pid) != 0:
                raise invalid("port", port_id, f"the name of an existing port ({port_list()})")
            port_id = int(pid[0])
        if not isinstance(port_id, int) or isinstance(port_id, bool) or \
                not 0 <= port_id < lib.RTE_MAX_ETHPORTS or not lib.rte_eth_dev_is_valid_port(port_id):
            raise invalid("port_id", port_id, f"an existing port id ({port_list()})")
        existing = registry.get(port_id)
        if existing is not None and not existing.closed:
            return cast("Port", existing)  # the registry holds Port objects only
        self = super().__new__(cls)
        self._init_state(port_id)
        registry[port_id] = self
        self._register()
        return self

    def __init__(self, port_id: int | str) -> None:
        pass

    @classmethod
    def from_rings(cls, name: str, rx: Sequence[Any], tx: Sequence[Any], *, socket: int = 0) -> "Port":
        """rte_eth_from_rings: a port whose RX queue i reads the Ring rx[i] and TX queue i writes
        tx[i] (the guide's §7.1.3). The port keeps its rings alive; they refuse to close before it."""
        _eal.require()
        ctx = "Port.from_rings"
        if not isinstance(name, str) or not name:
            raise invalid("name", name, "a non-empty port name", ctx)
        for side, rings in (("rx", rx), ("tx", tx)):
            if isinstance(rings, (str, bytes)) or not isinstance(rings, Sequence) or not rings:
                raise invalid(side, rings, "a non-empty list of Ring objects", ctx)
            for r in rings:
                if not isinstance(r, Resource) or ffi.typeof(getattr(r, "ptr", None) or ffi.NULL) is not _RING_PTR:
                    raise invalid(side, r, "Ring objects (pydpdk.Ring.create)", ctx)
        pid = ffi.new("uint16_t *")
        if lib.rte_eth_dev_get_port_by_name(f"net_ring_{name}".encode(), pid) == 0:
            raise invalid("name", name, "a port name not in use", ctx)
        rxa = ffi.new("struct rte_ring *[]", [r.ptr for r in rx])
        txa = ffi.new("struct rte_ring *[]", [r.ptr for r in tx])
        port_id = check(lib.rte_eth_from_rings(name.encode(), rxa, len(rx), txa, len(tx), socket),
                        f"rte_eth_from_rings({name!r})", PortError, rte_errno=True)
        port = cls(port_id)
        for r in {id(r): r for r in list(rx) + list(tx)}.values():
            port._use(r)
        return port

    # -- features that live in their own modules (pydpdk.flow, pydpdk.capture, pydpdk.ethdev.intr) --
    @property
    def flow(self) -> Any:
        """This port's rte_flow rules: a :class:`pydpdk.flow.FlowTable` (``validate``, ``create``,
        ``destroy``, ``flush``, ``query``, ``isolate``); rules are destroyed before the port closes."""
        return hooks.port_extension("flow")(self)

    def capture(self, path: str, **options: Any) -> Any:
        """Capture this port's traffic into a pcapng file from C RX/TX callbacks, while engines
        forward: a :class:`pydpdk.capture.Capture` (``rx``, ``tx``, ``snaplen``, ``filter`` in
        libpcap syntax); stop it with ``close()`` or ``with``."""
        return hooks.port_extension("capture")(self, path, **options)

    @property
    def rx_interrupts(self) -> Any:
        """This port's RX interrupts (:class:`pydpdk.ethdev.intr.RxInterrupts`, made on first use;
        the port must be configured with ``rx_interrupts=True``)."""
        return hooks.port_extension("rx_interrupts")(self)

    def wait_rx(self, queue: int = 0, timeout: float | None = None) -> bool:
        """Sleep (no CPU) until RX queue ``queue`` has packets or ``timeout`` seconds pass; True
        when packets wait. NotSupportedError naming the PMD where it has no RX interrupts."""
        return bool(self.rx_interrupts.wait_rx(queue, timeout))

    async def recv(self, queue: int = 0, max_pkts: int = 32) -> Any:
        """asyncio: wait (no CPU) for packets on RX queue ``queue``, then receive a burst."""
        return await self.rx_interrupts.recv(queue, max_pkts)

    def explain(self, burst: int | None = None) -> hooks.PortExplanation:
        """What the driver will do with this port's configuration (fast paths on/off, and why).
        ``burst`` is the RX burst size to judge; by default that of an engine using the port."""
        fn = hooks.explainer()
        if fn is None:
            raise RuntimeError("no driver knowledge registered: import pydpdk.drivers")
        if burst is None:
            burst = next((u.burst for u in self.users() if isinstance(getattr(u, "burst", None), int)), None)
        return fn(self, burst)

    def __repr__(self) -> str:
        if self._closed:
            return f"<Port {self._id} {self._name!r} {self._why_closed}>"
        return f"<Port {self._id} {self._name!r} driver={self.driver} mac={self.mac}>"
