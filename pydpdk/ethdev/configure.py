"""A port's configuration: rte_eth_dev_configure, RX/TX queue set-up, start, stop, reset, close."""
from __future__ import annotations

from typing import Any, Iterable, TypeVar

from .. import eal as _eal
from .._native import cstr, ffi, lib
from ..errors import NotSupportedError, PortError, ResourceBusyError, check, int_in, invalid
from ..mempool import Mempool
from . import hooks
from .base import PortBase, key_size, registry
from .records import DescLimits, QueueConf
from .tables import RSS_HASH_FUNCTIONS, RX_OFFLOADS, TX_OFFLOADS, flag_names, mask_of

__all__ = ["ConfigureMixin"]

_P = TypeVar("_P", bound="ConfigureMixin")  # the Port setup() returns


class ConfigureMixin(PortBase):
    """Port configuration and life cycle."""

    @property
    def nb_rx_queues(self) -> int:
        """RX queues configured."""
        return self._nb_rxq

    @property
    def nb_tx_queues(self) -> int:
        """TX queues configured."""
        return self._nb_txq

    @property
    def started(self) -> bool:
        """True between start() and stop()."""
        return self._started

    def configure(self, nb_rxq: int = 1, nb_txq: int = 1, *, rss: Iterable[str] | int | None = None,
                  rss_key: bytes | None = None, rx_offloads: Iterable[str] | int = (),
                  tx_offloads: Iterable[str] | int = (), mtu: int | None = None,
                  link_speeds: int = 0, rx_interrupts: bool = False) -> None:
        """rte_eth_dev_configure. ``rss`` names hash functions (``["ip", "udp"]``) and turns
        RSS on; offloads are DPDK's names (``"vlan_strip"``, ``"ipv4_cksum"``, ``"scatter"``);
        ``rx_interrupts`` sets intr_conf.rxq (waits without polling: pydpdk.ethdev.intr)."""
        ctx = f"Port.configure({self._describe()})"
        info = self._dev_info_raw()
        if self._started:
            raise invalid("port", self._describe(), "a stopped port: call stop() before configure()", ctx)
        for name, n, mx in (("nb_rxq", nb_rxq, info.max_rx_queues), ("nb_txq", nb_txq, info.max_tx_queues)):
            if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= mx:
                raise invalid(name, n, f"1 to {mx} (the driver's maximum)", ctx)
        conf = ffi.new("struct rte_eth_conf *")
        rx_mask = mask_of(rx_offloads, RX_OFFLOADS, "rx_offloads", ctx)
        tx_mask = mask_of(tx_offloads, TX_OFFLOADS, "tx_offloads", ctx)
        for param, mask, capa, table in (("rx_offloads", rx_mask, info.rx_offload_capa, RX_OFFLOADS),
                                         ("tx_offloads", tx_mask, info.tx_offload_capa, TX_OFFLOADS)):
            if mask & ~capa:
                raise invalid(param, flag_names(mask & ~capa, table),
                              f"offloads this driver supports: {', '.join(flag_names(capa, table)) or 'none'}", ctx)
        conf.rxmode.offloads = rx_mask
        conf.txmode.offloads = tx_mask
        conf.link_speeds = link_speeds
        lib.pydpdk_conf_set_rxq_intr(conf, int(bool(rx_interrupts)))
        if mtu is not None:
            if not isinstance(mtu, int) or not info.min_mtu <= mtu <= info.max_mtu:
                raise invalid("mtu", mtu, f"{info.min_mtu} to {info.max_mtu} for this driver", ctx)
            conf.rxmode.mtu = mtu
        if rss is not None:
            hf = mask_of(rss, RSS_HASH_FUNCTIONS, "rss", ctx)
            if hf & ~info.flow_type_rss_offloads:
                raise invalid("rss", rss, "hash functions this driver supports: "
                              f"{', '.join(n for n, b in RSS_HASH_FUNCTIONS.items() if info.flow_type_rss_offloads & b == b) or 'none (no RSS)'}", ctx)
            key = ffi.NULL
            if rss_key is not None:
                if len(rss_key) != key_size(info):
                    raise invalid("rss_key", f"{len(rss_key)} bytes", f"{key_size(info)} bytes for this driver", ctx)
                key = self._rss_key = ffi.new("uint8_t[]", bytes(rss_key))
            lib.pydpdk_conf_set_rss(conf, key, len(rss_key or b""), hf)
        hooks.notify(self, hooks.ConfigureEvent(nb_rxq, nb_txq, rx_mask, tx_mask, rss is not None,
                                                rss_key is not None, mtu))
        rc = lib.rte_eth_dev_configure(self._id, nb_rxq, nb_txq, conf)
        if rc == -95 and rx_interrupts:         # -ENOTSUP: the driver refuses intr_conf.rxq here
            drv = cstr(info.driver_name)
            raise NotSupportedError(95, f"rte_eth_dev_configure(port {self._id}) with rx_interrupts: the {drv} "
                                    "driver refuses RX queue interrupts on this device (virtio: needs vfio-pci "
                                    "MSI-X)", "rte_eth_dev_configure", driver=drv)
        check(rc, f"rte_eth_dev_configure(port {self._id}, {nb_rxq}, {nb_txq})", PortError)
        self._nb_rxq, self._nb_txq = nb_rxq, nb_txq
        self._rx_interrupts = bool(rx_interrupts)
        self._reset_queues(nb_rxq, nb_txq, "reconfigured")
        self._rxq_ready.clear()
        self._txq_ready.clear()
        self._rxq_desc.clear()
        self._queue_conf.clear()
        self._drop_pools()

    def _drop_pools(self) -> None:
        for pool in set(self._pools.values()):
            self._unuse(pool)
        self._pools.clear()

    def rx_pool(self, queue: int = 0) -> Mempool | None:
        """The mempool RX queue ``queue`` draws from (None before rx_queue_setup)."""
        return self._pools.get(queue)

    def rx_queue_setup(self, queue: int, nb_desc: int | None = None, pool: Mempool | None = None, *,
                       free_thresh: int | None = None, drop_en: bool | None = None,
                       offloads: Iterable[str] | int = (), socket: int | None = None,
                       pthresh: int | None = None, hthresh: int | None = None,
                       wthresh: int | None = None) -> None:
        """rte_eth_rx_queue_setup, descriptor count and thresholds checked against the driver."""
        ctx = f"Port.rx_queue_setup({self._describe()})"
        self._check_queue(queue, "rx", ctx)
        info = self._dev_info_raw()
        if not isinstance(pool, Mempool):
            raise invalid("pool", pool, "a Mempool to fill the RX ring from", ctx)
        pool._check_open()
        lim = DescLimits(info.rx_desc_lim.nb_max, info.rx_desc_lim.nb_min, info.rx_desc_lim.nb_align, 0, 0)
        if nb_desc is None:
            nb_desc = info.default_rxportconf.ring_size or 512
            nb_desc = min(max(nb_desc, max(lim.nb_min, 1)), lim.nb_max)
        lim.check(nb_desc, "nb_desc", ctx)
        others = sum(d for (q, d) in self._rxq_desc.items() if q != queue and self._pools.get(q) is pool)
        if pool.size < nb_desc + others:
            raise invalid("pool", f"{pool.name} ({pool.size} mbufs)",
                          f"a pool of at least {nb_desc + others} mbufs to fill this port's RX rings "
                          f"({nb_desc + others} descriptors); testpmd sizes pools as RX+TX descriptors "
                          "+ cache per lcore + one burst", ctx)
        conf = ffi.new("struct rte_eth_rxconf *", info.default_rxconf)
        if free_thresh is not None:
            if not isinstance(free_thresh, int) or not 0 <= free_thresh < nb_desc:
                raise invalid("free_thresh", free_thresh, f"0 to {nb_desc - 1} (below nb_desc)", ctx)
            conf.rx_free_thresh = free_thresh
        for name, val in (("pthresh", pthresh), ("hthresh", hthresh), ("wthresh", wthresh)):
            if val is not None:
                if not isinstance(val, int) or not 0 <= val <= 255:
                    raise invalid(name, val, "0 to 255", ctx)
                setattr(conf.rx_thresh, name, val)
        if drop_en is not None:
            conf.rx_drop_en = int(bool(drop_en))
        conf.offloads = mask_of(offloads, RX_OFFLOADS, "offloads", ctx)
        sock = self.socket if socket is None else int_in("socket", socket, -1, 1023, ctx)
        hooks.notify(self, hooks.RxQueueEvent(queue, nb_desc, conf.rx_free_thresh, conf.offloads,
                                              pool.data_room - lib.RTE_PKTMBUF_HEADROOM))
        check(lib.rte_eth_rx_queue_setup(self._id, queue, nb_desc, sock if sock >= 0 else 0, conf, pool._ptr),
              f"rte_eth_rx_queue_setup(port {self._id}, queue {queue}, nb_desc {nb_desc})", PortError,
              hint="see DPDK's log above for the driver's reason")
        old = self._pools.get(queue)
        self._pools[queue] = pool
        if old is not None and old is not pool and old not in self._pools.values():
            self._unuse(old)
        if old is not pool:
            self._use(pool)
        self._rxq_desc[queue] = nb_desc
        self._queue_conf[("rx", queue)] = QueueConf(nb_desc, conf.rx_free_thresh, 0, conf.offloads)
        self._rxq_ready.add(queue)

    def tx_queue_setup(self, queue: int, nb_desc: int | None = None, *, rs_thresh: int | None = None,
                       free_thresh: int | None = None, offloads: Iterable[str] | int = (),
                       socket: int | None = None, pthresh: int | None = None,
                       hthresh: int | None = None, wthresh: int | None = None) -> None:
        """rte_eth_tx_queue_setup, descriptor count and thresholds checked against the driver."""
        ctx = f"Port.tx_queue_setup({self._describe()})"
        self._check_queue(queue, "tx", ctx)
        info = self._dev_info_raw()
        lim = DescLimits(info.tx_desc_lim.nb_max, info.tx_desc_lim.nb_min, info.tx_desc_lim.nb_align, 0, 0)
        if nb_desc is None:
            nb_desc = info.default_txportconf.ring_size or 512
            nb_desc = min(max(nb_desc, max(lim.nb_min, 1)), lim.nb_max)
        lim.check(nb_desc, "nb_desc", ctx)
        conf = ffi.new("struct rte_eth_txconf *", info.default_txconf)
        if rs_thresh is not None:
            if not isinstance(rs_thresh, int) or not 0 <= rs_thresh < nb_desc:
                raise invalid("rs_thresh", rs_thresh, f"0 to {nb_desc - 1} (below nb_desc)", ctx)
            conf.tx_rs_thresh = rs_thresh
        if free_thresh is not None:
            if not isinstance(free_thresh, int) or not 0 <= free_thresh < nb_desc:
                raise invalid("free_thresh", free_thresh, f"0 to {nb_desc - 1} (below nb_desc)", ctx)
            conf.tx_free_thresh = free_thresh
        for name, val in (("pthresh", pthresh), ("hthresh", hthresh), ("wthresh", wthresh)):
            if val is not None:
                if not isinstance(val, int) or not 0 <= val <= 255:
                    raise invalid(name, val, "0 to 255", ctx)
                setattr(conf.tx_thresh, name, val)
        conf.offloads = mask_of(offloads, TX_OFFLOADS, "offloads", ctx)
        sock = self.socket if socket is None else int_in("socket", socket, -1, 1023, ctx)
        hooks.notify(self, hooks.TxQueueEvent(queue, nb_desc, conf.tx_rs_thresh, conf.tx_free_thresh,
                                              conf.offloads))
        check(lib.rte_eth_tx_queue_setup(self._id, queue, nb_desc, sock if sock >= 0 else 0, conf),
              f"rte_eth_tx_queue_setup(port {self._id}, queue {queue}, nb_desc {nb_desc})", PortError,
              hint="see DPDK's log above for the driver's reason")
        self._queue_conf[("tx", queue)] = QueueConf(nb_desc, conf.tx_free_thresh, conf.tx_rs_thresh,
                                                    conf.offloads)
        self._txq_ready.add(queue)

    def queue_conf(self, kind: str, queue: int) -> "QueueConf":
        """What a queue was set up with (``kind`` is "rx" or "tx"); 0 thresholds mean the driver's default."""
        ctx = f"Port.queue_conf({self._describe()})"
        if kind not in ("rx", "tx"):
            raise invalid("kind", kind, '"rx" or "tx"', ctx)
        try:
            return self._queue_conf[(kind, queue)]
        except KeyError:
            ready = sorted(q for (k, q) in self._queue_conf if k == kind)
            raise invalid("queue", queue, f"a {kind} queue set up on this port: {ready}", ctx) from None

    def setup(self: _P, pool: Mempool, nb_rxq: int = 1, nb_txq: int = 1, *, nb_rxd: int | None = None,
              nb_txd: int | None = None, start: bool = True, promiscuous: bool | None = None,
              **configure: Any) -> _P:
        """configure + every queue + start, in one call (testpmd's defaults otherwise)."""
        self.configure(nb_rxq, nb_txq, **configure)
        for q in range(nb_rxq):
            self.rx_queue_setup(q, nb_rxd, pool)
        for q in range(nb_txq):
            self.tx_queue_setup(q, nb_txd)
        if start:
            self.start()
        if promiscuous is not None:
            self.promiscuous = promiscuous
        return self

    def start(self) -> None:
        """rte_eth_dev_start (every configured queue must be set up)."""
        self._check_open()
        missing = [f"rx {q}" for q in range(self._nb_rxq) if q not in self._rxq_ready] + \
                  [f"tx {q}" for q in range(self._nb_txq) if q not in self._txq_ready]
        if not self._nb_rxq:
            raise invalid("port", self._describe(), "a configured port: call configure() first", "Port.start")
        if missing:
            raise invalid("port", self._describe(), f"every queue set up first (missing: {', '.join(missing)})",
                          "Port.start")
        check(lib.rte_eth_dev_start(self._id), f"rte_eth_dev_start(port {self._id})", PortError)
        self._started = True
        self._set_stopped(False)

    def _check_not_forwarding(self, what: str) -> None:
        busy = self.users(where=lambda u: bool(getattr(u, "running", False)))
        if busy:
            raise ResourceBusyError(f"{self._describe()} is used by a running {busy[0]._describe()}: "
                                    f"stop it before {what}")

    def stop(self) -> None:
        """rte_eth_dev_stop (refused while an engine runs on the port)."""
        self._check_open()
        self._check_not_forwarding("stopping the port")
        if self._started:
            self._set_stopped(True)             # queue handles refuse from here on
            try:
                check(lib.rte_eth_dev_stop(self._id), f"rte_eth_dev_stop(port {self._id})", PortError)
            except BaseException:
                self._set_stopped(False)
                raise
            self._started = False

    def reset(self) -> None:
        """rte_eth_dev_reset: back to the unconfigured state (queues must be set up again)."""
        self._check_open()
        check(lib.rte_eth_dev_reset(self._id), f"rte_eth_dev_reset(port {self._id})", PortError)
        self._started = False
        self._nb_rxq = self._nb_txq = 0
        self._reset_queues(0, 0, "reset")
        self._rxq_ready.clear()
        self._txq_ready.clear()
        self._drop_pools()

    def _release(self) -> None:
        self._check_not_forwarding("closing the port")
        hooks.notify_release(self)
        if _eal.is_secondary():      # the primary's port: forget it here, never stop or close it
            self._started = False
        elif self._keep_open:        # closing it would crash DPDK (see PortBase._note_link)
            self._started = False
        elif lib.rte_eth_dev_is_valid_port(self._id):
            started, self._started = self._started, False
            if started:
                check(lib.rte_eth_dev_stop(self._id), f"rte_eth_dev_stop(port {self._id})", PortError)
            check(lib.rte_eth_dev_close(self._id), f"rte_eth_dev_close(port {self._id})", PortError)
        self._started = False
        self._drop_pools()
        self._reset_queues(0, 0, "closed")
        if registry.get(self._id) is self:
            del registry[self._id]

    def _forget(self) -> None:
        """The device is going away (detach): stop it, then refuse use without closing it."""
        hooks.notify_release(self)
        if self._started and lib.rte_eth_dev_is_valid_port(self._id):
            self._started = False
            check(lib.rte_eth_dev_stop(self._id), f"rte_eth_dev_stop(port {self._id})", PortError)
        self._drop_pools()
        self._reset_queues(0, 0, "detached")
        if registry.get(self._id) is self:
            del registry[self._id]
        self._invalidate("detached")

