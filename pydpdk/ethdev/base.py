"""The state every part of a Port shares, the port registry and small look-ups."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import eal as _eal
from .._native import ffi, lib
from .._resource import Resource
from ..errors import PortError, check, invalid
from ..mempool import Mempool
from .records import QueueConf

__all__ = ["PortBase", "registry", "port_name", "port_list", "key_size"]

#: the busy-flag value of the queues of a stopped port (0 free, 1 a Python burst in C, 2 an engine, 3 dead)
STOPPED = 4

#: the one live Port object per port id
registry: dict[int, "PortBase"] = {}


class PortBase(Resource):
    """Fields and checks shared by the Port mixins (identity, configuration, link, counters,
    RSS, bursts); :class:`pydpdk.ethdev.Port` puts them together."""

    _rank = 1
    _id: int
    _name: str
    _nb_rxq: int
    _nb_txq: int
    _rxq_ready: set[int]
    _txq_ready: set[int]
    _rxq_desc: dict[int, int]
    _queue_conf: dict[tuple[str, int], QueueConf]
    _pools: dict[int, Mempool]      # RX queue -> the Mempool it draws from
    _started: bool
    _rss_key: Any
    _rx_interrupts: bool
    _secondary: bool                # this process is a secondary: the port is the primary's
    _server_virtio: bool            # a virtio-user port in vhost-user server mode (see keep_open)
    _link_seen_up: bool
    _keep_open: str                 # why closing it would crash DPDK ("" when it would not)
    _rx_busy: Any                   # uint8_t[] per RX queue: 0 free, 1 a Python burst is in C, 2 an engine
    _tx_busy: Any                   # owns it, 3 dead, 4 port stopped; taken and given back in C (c/burst.h)
    _claims: dict[tuple[str, int], Any]   # (kind, queue) -> the engine that owns it

    def _init_state(self, port_id: int) -> None:
        self._id = port_id
        self._name = port_name(port_id)
        self._nb_rxq = self._nb_txq = 0
        self._rxq_ready = set()
        self._txq_ready = set()
        self._rxq_desc = {}
        self._queue_conf = {}
        self._pools = {}
        self._started = False
        self._rss_key = None
        self._rx_interrupts = False
        self._secondary = _eal.is_secondary()
        self._server_virtio = _is_server_virtio(port_id)
        self._link_seen_up = False
        self._keep_open = ""
        self._rx_busy = _flags(0, STOPPED)
        self._tx_busy = _flags(0, STOPPED)
        self._claims = {}

    def _note_link(self, up: bool) -> None:
        """A virtio-user server port whose peer went away must not be closed: DPDK (22.11 to 25.11)
        frees its interrupt handle at close without unregistering the callback its disconnect
        handler registered, and the EAL's interrupt thread then panics (epoll_ctl on a closed fd)."""
        if not self._server_virtio:
            return
        if up:
            self._link_seen_up = True
        elif self._link_seen_up and not self._keep_open:
            self._keep_open = ("its vhost-user peer disconnected once: DPDK's virtio-user PMD would crash "
                               "the process when the port is closed (virtio_user_dev_uninit frees the "
                               "interrupt handle its reconnect handler registered a callback on), so "
                               "pydpdk leaves it open until the process exits")
            _eal.keep_devices_until_exit(f"{self._describe()}: {self._keep_open}")

    def _reset_queues(self, nb_rxq: int, nb_txq: int, why: str) -> None:
        """New queue counts: fresh busy flags; the old ones are marked dead, so queue handles
        made before (which hold them) refuse use."""
        for flags in (self._rx_busy, self._tx_busy):
            for q in range(len(flags)):
                flags[q] = 3
        self._rx_busy = _flags(nb_rxq, 0 if self._started else STOPPED)
        self._tx_busy = _flags(nb_txq, 0 if self._started else STOPPED)
        self._claims.clear()

    def _busy_error(self, kind: str, queue: int, flag: int = 0) -> Exception:
        """Why a burst on this queue is refused: the handle's port changed, an engine owns the
        queue, or another thread is in it."""
        from ..errors import ResourceBusyError, ResourceClosedError
        if flag == STOPPED:
            return invalid("port", self._describe(), "a started port", f"{kind.upper()} queue {queue}")
        if flag == 3:
            return ResourceClosedError("this queue handle no longer works: it was closed, or its port was "
                                       "reconfigured, reset, closed or detached (make a new one with "
                                       "port.rxq()/txq())")
        owner = self._claims.get((kind, queue))
        name = f"{self._describe()} {kind.upper()} queue {queue}"
        if owner is not None:
            what = owner._describe() if hasattr(owner, "_describe") else repr(owner)
            return ResourceBusyError(f"{name} is driven by {what}: stop it before Python bursts on the queue")
        return ResourceBusyError(f"{name} is in use by another thread right now: DPDK queues are not "
                                 "thread-safe, use one thread per queue (docs/core.md, Threads)")

    def _set_stopped(self, stopped: bool) -> None:
        """Before stop / after start: the free flags become STOPPED (bursts refused, in C) or back."""
        a, b = (0, STOPPED) if stopped else (STOPPED, 0)
        for flags in (self._rx_busy, self._tx_busy):
            for q in range(len(flags)):
                lib.pydpdk_queue_flag_cas(flags, q, a, b)

    def _describe(self) -> str:
        return f"port {self._id} ({self._name})"

    def _dev_info_raw(self) -> Any:
        self._check_open()
        info = ffi.new("struct rte_eth_dev_info *")
        check(lib.rte_eth_dev_info_get(self._id, info), f"rte_eth_dev_info_get(port {self._id})", PortError)
        return info

    def _check_queue(self, q: Any, kind: str, ctx: str) -> None:
        n = self._nb_rxq if kind == "rx" else self._nb_txq
        if not isinstance(q, int) or isinstance(q, bool) or not 0 <= q < n:
            allowed = f"0 to {n - 1} ({n} {kind.upper()} queues configured)" if n else \
                "none: configure() the port first"
            raise invalid("queue", q, allowed, ctx)

    if TYPE_CHECKING:  # members one mixin uses from another (identity.py, configure.py)
        @property
        def socket(self) -> int: ...
        @property
        def driver(self) -> str: ...
        def _check_not_forwarding(self, what: str) -> None: ...
        def _forget(self) -> None: ...


def _flags(n: int, value: int) -> Any:
    """n busy flags set to value (queue handles hold on to the array they were made with)."""
    return ffi.new("uint8_t[]", [value] * max(n, 1))


def _is_server_virtio(port_id: int) -> bool:
    info = ffi.new("struct rte_eth_dev_info *")
    if lib.rte_eth_dev_info_get(port_id, info) or ffi.string(info.driver_name) != b"net_virtio_user" \
            or info.device == ffi.NULL:
        return False
    args = ffi.string(lib.pydpdk_dev_args(info.device)).decode() if lib.pydpdk_dev_args(info.device) else ""
    return "server=1" in args.split(",")


def key_size(info: Any) -> int:
    """RSS key length: the driver's, or DPDK's default 40 where a driver reports none."""
    return info.hash_key_size or 40


def port_name(port_id: int) -> str:
    """The ethdev name of a port id."""
    buf = ffi.new("char[]", lib.RTE_ETH_NAME_MAX_LEN)
    check(lib.rte_eth_dev_get_name_by_port(port_id, buf), f"rte_eth_dev_get_name_by_port({port_id})", PortError)
    return ffi.string(buf).decode()


def port_list() -> str:
    """The existing port ids, for error messages."""
    ids = []
    pid = lib.rte_eth_find_next(0)
    while pid < lib.RTE_MAX_ETHPORTS:
        ids.append(str(pid))
        pid = lib.rte_eth_find_next(pid + 1)
    return ", ".join(ids) if ids else "none: no ports exist (attach a vdev or bind a NIC)"
