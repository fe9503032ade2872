"""Ethernet ports (rte_ethdev): discovery, configuration, queues, bursts, stats, RSS.

    port = pydpdk.Port(0)
    port.configure(nb_rxq=1, nb_txq=1)
    port.rx_queue_setup(0, nb_desc=512, pool=pool)
    port.tx_queue_setup(0, nb_desc=512)
    port.start()
    burst = port.rx_burst(0, 32)
    sent = port.tx_burst(burst, 0)      # the burst keeps what was not sent
"""
from __future__ import annotations

import re
import time
import weakref
from dataclasses import dataclass, field, asdict
from typing import Any, Iterable, Mapping, Sequence

from . import eal as _eal
from .drivers import hooks as _drivers
from ._native import ffi, lib, cstr
from ._resource import Resource
from .errors import PortError, ResourceClosedError, check, invalid
from .mbuf import Mbuf, MbufBurst
from .mempool import Mempool

_rx_burst = lib.rte_eth_rx_burst              # bound once: the burst methods run per burst
_tx_compact = lib.pydpdk_tx_burst_compact

__all__ = ["Port", "ports", "DevInfo", "DescLimits", "Link", "PortStats", "PortCounters", "RX_OFFLOADS",
           "TX_OFFLOADS", "RSS_HASH_FUNCTIONS", "parse_mac", "format_mac"]


def _offload_names(fn: Any) -> dict[str, int]:
    names = {}
    for bit in range(64):
        name = cstr(fn(1 << bit))
        if name and name != "UNKNOWN":
            names[name.lower()] = 1 << bit
    return names


#: RX/TX offload names as DPDK spells them (lower case), from this DPDK's own tables
RX_OFFLOADS: dict[str, int] = _offload_names(lib.rte_eth_dev_rx_offload_name)
TX_OFFLOADS: dict[str, int] = _offload_names(lib.rte_eth_dev_tx_offload_name)

#: RSS hash function groups (testpmd's names)
RSS_HASH_FUNCTIONS: dict[str, int] = {
    "ip": lib.RTE_ETH_RSS_IP, "udp": lib.RTE_ETH_RSS_UDP, "tcp": lib.RTE_ETH_RSS_TCP,
    "sctp": lib.RTE_ETH_RSS_SCTP, "ether": lib.RTE_ETH_RSS_L2_PAYLOAD, "eth": lib.RTE_ETH_RSS_ETH,
    "port": lib.RTE_ETH_RSS_PORT, "vxlan": lib.RTE_ETH_RSS_VXLAN, "geneve": lib.RTE_ETH_RSS_GENEVE,
    "nvgre": lib.RTE_ETH_RSS_NVGRE, "ipv4": lib.RTE_ETH_RSS_IPV4, "ipv6": lib.RTE_ETH_RSS_IPV6,
    "ipv4-tcp": lib.RTE_ETH_RSS_NONFRAG_IPV4_TCP, "ipv4-udp": lib.RTE_ETH_RSS_NONFRAG_IPV4_UDP,
    "ipv6-tcp": lib.RTE_ETH_RSS_NONFRAG_IPV6_TCP, "ipv6-udp": lib.RTE_ETH_RSS_NONFRAG_IPV6_UDP,
    "ipv4-frag": lib.RTE_ETH_RSS_FRAG_IPV4, "ipv6-frag": lib.RTE_ETH_RSS_FRAG_IPV6,
    "ipv4-other": lib.RTE_ETH_RSS_NONFRAG_IPV4_OTHER, "ipv6-other": lib.RTE_ETH_RSS_NONFRAG_IPV6_OTHER,
}

_SPEEDS = {1 << i: s for i, s in enumerate(
    ["autoneg/fixed", "10M-hd", "10M", "100M-hd", "100M", "1G", "2.5G", "5G", "10G", "20G",
     "25G", "40G", "50G", "56G", "100G", "200G", "400G"])}


def parse_mac(mac: Any, param: str = "mac") -> bytes:
    if isinstance(mac, (bytes, bytearray)) and len(mac) == 6:
        return bytes(mac)
    if isinstance(mac, str) and re.fullmatch(r"([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}", mac):
        return bytes(int(x, 16) for x in re.split(r"[:-]", mac))
    raise invalid(param, mac, "a MAC address such as '02:00:00:00:00:01' or 6 bytes")


def format_mac(raw: bytes) -> str:
    return ":".join(f"{b:02X}" for b in raw)


def _ether(mac: Any, param: str = "mac") -> Any:
    addr = ffi.new("struct rte_ether_addr *")
    ffi.memmove(addr.addr_bytes, parse_mac(mac, param), 6)
    return addr


def _flag_names(mask: int, table: Mapping[str, int]) -> list[str]:
    return [n for n, bit in table.items() if mask & bit]


def _mask(names: Iterable[str] | int, table: Mapping[str, int], param: str, ctx: str) -> int:
    if isinstance(names, int):
        return names
    if isinstance(names, str):
        names = [names]
    mask = 0
    for n in names:
        key = n.lower().replace("-", "_") if table is not RSS_HASH_FUNCTIONS else n.lower()
        if key not in table:
            raise invalid(param, n, f"one of {', '.join(sorted(table))}", ctx)
        mask |= table[key]
    return mask


@dataclass(frozen=True)
class QueueConf:
    """An RX or TX queue's set-up: descriptors, thresholds, offload mask."""
    nb_desc: int
    free_thresh: int
    rs_thresh: int
    offloads: int


@dataclass(frozen=True)
class DescLimits:
    nb_max: int
    nb_min: int
    nb_align: int
    nb_seg_max: int
    nb_mtu_seg_max: int

    def check(self, n: Any, param: str, ctx: str) -> None:
        ok = isinstance(n, int) and n > 0 and max(self.nb_min, 1) <= n <= self.nb_max \
            and n % max(self.nb_align, 1) == 0
        if not ok:
            align = f", a multiple of {self.nb_align}" if self.nb_align > 1 else ""
            raise invalid(param, n, f"{max(self.nb_min, 1)} to {self.nb_max}{align} for this driver", ctx)


@dataclass(frozen=True)
class DevInfo:
    """rte_eth_dev_info as plain data."""

    driver: str
    if_index: int
    min_mtu: int
    max_mtu: int
    min_rx_bufsize: int
    max_rx_pktlen: int
    max_rx_queues: int
    max_tx_queues: int
    max_mac_addrs: int
    max_vfs: int
    rx_offload_capa: list[str]
    tx_offload_capa: list[str]
    reta_size: int
    hash_key_size: int
    rss_hash_capa: list[str]
    flow_type_rss_offloads: int
    rx_desc_lim: DescLimits
    tx_desc_lim: DescLimits
    speed_capa: list[str]
    nb_rx_queues: int
    nb_tx_queues: int
    default_rx_free_thresh: int
    default_tx_rs_thresh: int
    default_tx_free_thresh: int
    default_rx_ring_size: int
    default_tx_ring_size: int
    default_burst_size: int


@dataclass(frozen=True)
class Link:
    up: bool
    speed_mbps: int
    full_duplex: bool
    autoneg: bool

    def __str__(self) -> str:
        if not self.up:
            return "Link Down"
        return (f"Link Up - speed {self.speed_mbps} Mbps - "
                f"{'full' if self.full_duplex else 'half'}-duplex")


@dataclass(frozen=True)
class PortCounters:
    """rte_eth_stats' port-wide counters (PortStats and pydpdk.stats.PortRecord have them)."""

    ipackets: int
    opackets: int
    ibytes: int
    obytes: int
    imissed: int
    ierrors: int
    oerrors: int
    rx_nombuf: int


@dataclass(frozen=True)
class PortStats(PortCounters):
    """rte_eth_stats as plain data (per-queue lists cover the configured queues)."""

    q_ipackets: list[int] = field(default_factory=list)
    q_opackets: list[int] = field(default_factory=list)
    q_ibytes: list[int] = field(default_factory=list)
    q_obytes: list[int] = field(default_factory=list)
    q_errors: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def _repr_html_(self) -> str:  # Jupyter
        from .notebook import port_stats_html
        return port_stats_html(self)


_ports: dict[int, "Port"] = {}

#: called with the port first thing in Port.close(), before the port stops: what lives on a port
#: (flow rules, RX/TX callbacks) registers here from the layer that owns it
release_hooks: list[Any] = []


def ports() -> list["Port"]:
    """Every available port, in id order."""
    _eal.require()
    out = []
    pid = lib.rte_eth_find_next(0)
    while pid < lib.RTE_MAX_ETHPORTS:
        out.append(Port(int(pid)))
        pid = lib.rte_eth_find_next(pid + 1)
    return out


class Port(Resource):
    """An ethdev port. ``Port(id)`` returns the one object for that id."""

    _rank = 1

    def __new__(cls, port_id: int | str) -> "Port":
        _eal.require()
        if isinstance(port_id, str):
            pid = ffi.new("uint16_t *")
            if lib.rte_eth_dev_get_port_by_name(port_id.encode(), pid) != 0:
                raise invalid("port", port_id, f"the name of an existing port ({_port_list()})")
            port_id = pid[0]
        if not isinstance(port_id, int) or isinstance(port_id, bool) or \
                not 0 <= port_id < lib.RTE_MAX_ETHPORTS or not lib.rte_eth_dev_is_valid_port(port_id):
            raise invalid("port_id", port_id, f"an existing port id ({_port_list()})")
        existing = _ports.get(port_id)
        if existing is not None and not existing.closed:
            return existing
        self = super().__new__(cls)
        self._id = port_id
        self._name = _port_name(port_id)
        self._nb_rxq = self._nb_txq = 0
        self._rxq_ready: set[int] = set()
        self._txq_ready: set[int] = set()
        self._rxq_desc: dict[int, int] = {}
        self._queue_conf: dict[tuple[str, int], QueueConf] = {}
        self._pools: dict[int, Mempool] = {}
        self._started = False
        self._rx_interrupts = False
        self._rss_key: Any = None
        self._forwarders: "weakref.WeakSet[Any]" = weakref.WeakSet()
        _ports[port_id] = self
        self._register()
        return self

    def __init__(self, port_id: int | str) -> None:
        pass

    # -- identity -------------------------------------------------------------------------
    @property
    def id(self) -> int:
        return self._id

    @property
    def name(self) -> str:
        return self._name

    def _describe(self) -> str:
        return f"port {self._id} ({self._name})"

    def _dev_info_raw(self) -> Any:
        self._check_open()
        info = ffi.new("struct rte_eth_dev_info *")
        check(lib.rte_eth_dev_info_get(self._id, info), f"rte_eth_dev_info_get(port {self._id})", PortError)
        return info

    @property
    def driver(self) -> str:
        return cstr(self._dev_info_raw().driver_name)

    @property
    def device_name(self) -> str:
        """The rte_device name: the vdev name or the PCI address."""
        info = self._dev_info_raw()
        return cstr(lib.rte_dev_name(info.device)) if info.device != ffi.NULL else self._name

    @property
    def bus(self) -> str:
        info = self._dev_info_raw()
        return cstr(lib.rte_bus_name(lib.rte_dev_bus(info.device))) if info.device != ffi.NULL else ""

    @property
    def devargs(self) -> str:
        info = self._dev_info_raw()
        return cstr(lib.pydpdk_dev_args(info.device)) if info.device != ffi.NULL else ""

    @property
    def socket(self) -> int:
        self._check_open()
        return lib.rte_eth_dev_socket_id(self._id)

    @property
    def mac(self) -> str:
        self._check_open()
        addr = ffi.new("struct rte_ether_addr *")
        check(lib.rte_eth_macaddr_get(self._id, addr), "rte_eth_macaddr_get", PortError)
        return format_mac(bytes(addr.addr_bytes))

    @mac.setter
    def mac(self, value: Any) -> None:
        self._check_open()
        check(lib.rte_eth_dev_default_mac_addr_set(self._id, _ether(value)),
              f"rte_eth_dev_default_mac_addr_set(port {self._id})", PortError)

    def info(self) -> DevInfo:
        i = self._dev_info_raw()
        lim = lambda l: DescLimits(l.nb_max, l.nb_min, l.nb_align, l.nb_seg_max, l.nb_mtu_seg_max)  # noqa: E731
        return DevInfo(
            driver=cstr(i.driver_name), if_index=i.if_index, min_mtu=i.min_mtu, max_mtu=i.max_mtu,
            min_rx_bufsize=i.min_rx_bufsize, max_rx_pktlen=i.max_rx_pktlen,
            max_rx_queues=i.max_rx_queues, max_tx_queues=i.max_tx_queues,
            max_mac_addrs=i.max_mac_addrs, max_vfs=i.max_vfs,
            rx_offload_capa=_flag_names(i.rx_offload_capa, RX_OFFLOADS),
            tx_offload_capa=_flag_names(i.tx_offload_capa, TX_OFFLOADS),
            reta_size=i.reta_size, hash_key_size=i.hash_key_size,
            rss_hash_capa=[n for n, b in RSS_HASH_FUNCTIONS.items() if i.flow_type_rss_offloads & b == b],
            flow_type_rss_offloads=i.flow_type_rss_offloads,
            rx_desc_lim=lim(i.rx_desc_lim), tx_desc_lim=lim(i.tx_desc_lim),
            speed_capa=[s for b, s in _SPEEDS.items() if i.speed_capa & b],
            nb_rx_queues=i.nb_rx_queues, nb_tx_queues=i.nb_tx_queues,
            default_rx_free_thresh=i.default_rxconf.rx_free_thresh,
            default_tx_rs_thresh=i.default_txconf.tx_rs_thresh,
            default_tx_free_thresh=i.default_txconf.tx_free_thresh,
            default_rx_ring_size=i.default_rxportconf.ring_size,
            default_tx_ring_size=i.default_txportconf.ring_size,
            default_burst_size=i.default_rxportconf.burst_size)

    # -- configuration ---------------------------------------------------------------------
    @property
    def nb_rx_queues(self) -> int:
        return self._nb_rxq

    @property
    def nb_tx_queues(self) -> int:
        return self._nb_txq

    @property
    def started(self) -> bool:
        return self._started

    def configure(self, nb_rxq: int = 1, nb_txq: int = 1, *, rss: Iterable[str] | int | None = None,
                  rss_key: bytes | None = None, rx_offloads: Iterable[str] | int = (),
                  tx_offloads: Iterable[str] | int = (), mtu: int | None = None,
                  link_speeds: int = 0, rx_interrupts: bool = False) -> None:
        """rte_eth_dev_configure. ``rss`` names hash functions (``["ip", "udp"]``) and turns
        RSS on; offloads are DPDK's names (``"vlan_strip"``, ``"ipv4_cksum"``, ``"scatter"``);
        ``rx_interrupts`` sets intr_conf.rxq (waits without polling: pydpdk.ethdev_intr)."""
        ctx = f"Port.configure({self._describe()})"
        info = self._dev_info_raw()
        if self._started:
            raise invalid("port", self._describe(), "a stopped port: call stop() before configure()", ctx)
        for name, n, mx in (("nb_rxq", nb_rxq, info.max_rx_queues), ("nb_txq", nb_txq, info.max_tx_queues)):
            if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= mx:
                raise invalid(name, n, f"1 to {mx} (the driver's maximum)", ctx)
        conf = ffi.new("struct rte_eth_conf *")
        rx_mask = _mask(rx_offloads, RX_OFFLOADS, "rx_offloads", ctx)
        tx_mask = _mask(tx_offloads, TX_OFFLOADS, "tx_offloads", ctx)
        for param, mask, capa, table in (("rx_offloads", rx_mask, info.rx_offload_capa, RX_OFFLOADS),
                                         ("tx_offloads", tx_mask, info.tx_offload_capa, TX_OFFLOADS)):
            if mask & ~capa:
                raise invalid(param, _flag_names(mask & ~capa, table),
                              f"offloads this driver supports: {', '.join(_flag_names(capa, table)) or 'none'}", ctx)
        conf.rxmode.offloads = rx_mask
        conf.txmode.offloads = tx_mask
        conf.link_speeds = link_speeds
        lib.pydpdk_conf_set_rxq_intr(conf, int(bool(rx_interrupts)))
        if mtu is not None:
            if not isinstance(mtu, int) or not info.min_mtu <= mtu <= info.max_mtu:
                raise invalid("mtu", mtu, f"{info.min_mtu} to {info.max_mtu} for this driver", ctx)
            conf.rxmode.mtu = mtu
        if rss is not None:
            hf = _mask(rss, RSS_HASH_FUNCTIONS, "rss", ctx)
            if hf & ~info.flow_type_rss_offloads:
                raise invalid("rss", rss, "hash functions this driver supports: "
                              f"{', '.join(n for n, b in RSS_HASH_FUNCTIONS.items() if info.flow_type_rss_offloads & b == b) or 'none (no RSS)'}", ctx)
            key = ffi.NULL
            if rss_key is not None:
                if len(rss_key) != _key_size(info):
                    raise invalid("rss_key", f"{len(rss_key)} bytes", f"{_key_size(info)} bytes for this driver", ctx)
                key = self._rss_key = ffi.new("uint8_t[]", bytes(rss_key))
            lib.pydpdk_conf_set_rss(conf, key, len(rss_key or b""), hf)
        _drivers.on_configure(self, nb_rxq, nb_txq, rx_mask, tx_mask, rss is not None, rss_key is not None, mtu)
        check(lib.rte_eth_dev_configure(self._id, nb_rxq, nb_txq, conf),
              f"rte_eth_dev_configure(port {self._id}, {nb_rxq}, {nb_txq})", PortError)
        self._nb_rxq, self._nb_txq = nb_rxq, nb_txq
        self._rx_interrupts = bool(rx_interrupts)
        self._rxq_ready.clear()
        self._txq_ready.clear()
        self._rxq_desc.clear()
        self._queue_conf.clear()
        self._drop_pools()

    def _drop_pools(self) -> None:
        for pool in self._pools.values():
            pool._users.discard(self)
        self._pools.clear()

    def _check_queue(self, q: Any, kind: str, ctx: str) -> None:
        n = self._nb_rxq if kind == "rx" else self._nb_txq
        if not isinstance(q, int) or isinstance(q, bool) or not 0 <= q < n:
            allowed = f"0 to {n - 1} ({n} {kind.upper()} queues configured)" if n else \
                "none: configure() the port first"
            raise invalid("queue", q, allowed, ctx)

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
        conf.offloads = _mask(offloads, RX_OFFLOADS, "offloads", ctx)
        sock = self.socket if socket is None else socket
        _drivers.on_rx_queue_setup(self, queue, nb_desc, conf.rx_free_thresh, conf.offloads, pool)
        check(lib.rte_eth_rx_queue_setup(self._id, queue, nb_desc, sock if sock >= 0 else 0, conf, pool._ptr),
              f"rte_eth_rx_queue_setup(port {self._id}, queue {queue}, nb_desc {nb_desc})", PortError,
              hint="see DPDK's log above for the driver's reason")
        old = self._pools.get(queue)
        if old is not None and old is not pool and old not in [p for q, p in self._pools.items() if q != queue]:
            old._users.discard(self)
        self._pools[queue] = pool
        pool._users.add(self)
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
        conf.offloads = _mask(offloads, TX_OFFLOADS, "offloads", ctx)
        sock = self.socket if socket is None else socket
        _drivers.on_tx_queue_setup(self, queue, nb_desc, conf.tx_rs_thresh, conf.tx_free_thresh, conf.offloads)
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

    def setup(self, pool: Mempool, nb_rxq: int = 1, nb_txq: int = 1, *, nb_rxd: int | None = None,
              nb_txd: int | None = None, start: bool = True, promiscuous: bool | None = None,
              **configure: Any) -> "Port":
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

    def _check_not_forwarding(self, what: str) -> None:
        busy = [f for f in self._forwarders if not f.closed and f.running]
        if busy:
            from .errors import ResourceBusyError
            raise ResourceBusyError(f"{self._describe()} is used by a running {busy[0]._describe()}: "
                                    f"stop it before {what}")

    def stop(self) -> None:
        self._check_open()
        self._check_not_forwarding("stopping the port")
        if self._started:
            check(lib.rte_eth_dev_stop(self._id), f"rte_eth_dev_stop(port {self._id})", PortError)
            self._started = False

    def reset(self) -> None:
        """rte_eth_dev_reset: back to the unconfigured state (queues must be set up again)."""
        self._check_open()
        check(lib.rte_eth_dev_reset(self._id), f"rte_eth_dev_reset(port {self._id})", PortError)
        self._started = False
        self._nb_rxq = self._nb_txq = 0
        self._rxq_ready.clear()
        self._txq_ready.clear()
        self._drop_pools()

    def _release(self) -> None:
        self._check_not_forwarding("closing the port")
        for hook in list(release_hooks):
            hook(self)
        if _eal.is_secondary():      # the primary's port: forget it here, never stop or close it
            self._started = False
        elif lib.rte_eth_dev_is_valid_port(self._id):
            if self._started:
                lib.rte_eth_dev_stop(self._id)
            lib.rte_eth_dev_close(self._id)
        self._started = False
        self._drop_pools()
        if _ports.get(self._id) is self:
            del _ports[self._id]

    def _forget(self) -> None:
        """The device goes away (detached): refuse use without touching C."""
        for hook in list(release_hooks):
            hook(self)
        self._drop_pools()
        if _ports.get(self._id) is self:
            del _ports[self._id]
        self._invalidate("detached")

    # -- link -------------------------------------------------------------------------------
    def link(self, wait: bool = False) -> Link:
        self._check_open()
        speed, duplex, autoneg, status = (ffi.new("uint32_t *"), ffi.new("int *"), ffi.new("int *"),
                                          ffi.new("int *"))
        check(lib.pydpdk_link_get(self._id, int(wait), speed, duplex, autoneg, status),
              f"rte_eth_link_get(port {self._id})", PortError)
        return Link(bool(status[0]), speed[0], bool(duplex[0]), bool(autoneg[0]))

    def wait_link_up(self, timeout: float = 9.0, interval: float = 0.1) -> Link:
        """Poll until the link is up (testpmd waits 9 s); TimeoutError after timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            link = self.link()
            if link.up:
                return link
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{self._describe()}: link still down after {timeout} s")
            time.sleep(interval)

    def set_link_up(self) -> None:
        self._check_open()
        check(lib.rte_eth_dev_set_link_up(self._id), "rte_eth_dev_set_link_up", PortError)

    def set_link_down(self) -> None:
        self._check_open()
        check(lib.rte_eth_dev_set_link_down(self._id), "rte_eth_dev_set_link_down", PortError)

    # -- filtering ----------------------------------------------------------------------------
    @property
    def promiscuous(self) -> bool:
        self._check_open()
        return lib.rte_eth_promiscuous_get(self._id) == 1

    @promiscuous.setter
    def promiscuous(self, on: bool) -> None:
        self._check_open()
        fn = lib.rte_eth_promiscuous_enable if on else lib.rte_eth_promiscuous_disable
        check(fn(self._id), f"rte_eth_promiscuous_{'enable' if on else 'disable'}(port {self._id})", PortError)

    @property
    def allmulticast(self) -> bool:
        self._check_open()
        return lib.rte_eth_allmulticast_get(self._id) == 1

    @allmulticast.setter
    def allmulticast(self, on: bool) -> None:
        self._check_open()
        fn = lib.rte_eth_allmulticast_enable if on else lib.rte_eth_allmulticast_disable
        check(fn(self._id), f"rte_eth_allmulticast_{'enable' if on else 'disable'}(port {self._id})", PortError)

    def add_mac(self, mac: Any, pool: int = 0) -> None:
        """Make the port also receive for mac (up to the driver's max_mac_addrs)."""
        self._check_open()
        raw = _ether(mac)
        have = self.mac_addresses()
        limit = self._dev_info_raw().max_mac_addrs
        if format_mac(parse_mac(mac)) not in have and len(have) >= limit:
            raise invalid("mac", mac, f"room in the port's MAC table: this driver holds {limit} "
                          f"address{'es' if limit != 1 else ''} ({', '.join(have)})",
                          f"Port.add_mac({self._describe()})")
        check(lib.rte_eth_dev_mac_addr_add(self._id, raw, pool), f"rte_eth_dev_mac_addr_add(port {self._id})",
              PortError)

    def remove_mac(self, mac: Any) -> None:
        self._check_open()
        check(lib.rte_eth_dev_mac_addr_remove(self._id, _ether(mac)),
              f"rte_eth_dev_mac_addr_remove(port {self._id})", PortError)

    def mac_addresses(self) -> list[str]:
        """Every MAC address the port answers to (default first)."""
        self._check_open()
        n = self._dev_info_raw().max_mac_addrs
        arr = ffi.new("struct rte_ether_addr[]", max(n, 1))
        got = check(lib.rte_eth_macaddrs_get(self._id, arr, n), "rte_eth_macaddrs_get", PortError)
        return [format_mac(bytes(arr[i].addr_bytes)) for i in range(got)
                if bytes(arr[i].addr_bytes) != b"\0" * 6]

    def vlan_filter(self, vlan_id: int, on: bool = True) -> None:
        """Add (or remove) a VLAN id to the port's filter (needs the vlan_filter offload)."""
        self._check_open()
        if not isinstance(vlan_id, int) or not 0 <= vlan_id <= 4095:
            raise invalid("vlan_id", vlan_id, "0 to 4095", f"Port.vlan_filter({self._describe()})")
        check(lib.rte_eth_dev_vlan_filter(self._id, vlan_id, int(on)),
              f"rte_eth_dev_vlan_filter(port {self._id}, {vlan_id})", PortError,
              hint="configure the port with rx_offloads=['vlan_filter'] where the driver supports it")

    @property
    def mtu(self) -> int:
        self._check_open()
        out = ffi.new("uint16_t *")
        check(lib.rte_eth_dev_get_mtu(self._id, out), "rte_eth_dev_get_mtu", PortError)
        return out[0]

    @mtu.setter
    def mtu(self, value: int) -> None:
        info = self._dev_info_raw()
        if not isinstance(value, int) or not info.min_mtu <= value <= info.max_mtu:
            raise invalid("mtu", value, f"{info.min_mtu} to {info.max_mtu} for this driver", "Port.mtu")
        check(lib.rte_eth_dev_set_mtu(self._id, value), f"rte_eth_dev_set_mtu(port {self._id}, {value})", PortError)

    # -- statistics ---------------------------------------------------------------------------
    def stats(self) -> PortStats:
        self._check_open()
        s = ffi.new("struct rte_eth_stats *")
        check(lib.rte_eth_stats_get(self._id, s), f"rte_eth_stats_get(port {self._id})", PortError)
        nq = min(max(self._nb_rxq, self._nb_txq, 1), lib.RTE_ETHDEV_QUEUE_STAT_CNTRS)
        return PortStats(s.ipackets, s.opackets, s.ibytes, s.obytes, s.imissed, s.ierrors, s.oerrors,
                         s.rx_nombuf, list(s.q_ipackets[0:nq]), list(s.q_opackets[0:nq]),
                         list(s.q_ibytes[0:nq]), list(s.q_obytes[0:nq]), list(s.q_errors[0:nq]))

    def reset_stats(self) -> None:
        self._check_open()
        check(lib.rte_eth_stats_reset(self._id), f"rte_eth_stats_reset(port {self._id})", PortError)

    def xstat_names(self) -> list[str]:
        self._check_open()
        n = check(lib.rte_eth_xstats_get_names(self._id, ffi.NULL, 0), "rte_eth_xstats_get_names", PortError)
        names = ffi.new("struct rte_eth_xstat_name[]", max(n, 1))
        n = check(lib.rte_eth_xstats_get_names(self._id, names, n), "rte_eth_xstats_get_names", PortError)
        return [ffi.string(names[i].name).decode() for i in range(n)]

    def xstats(self) -> dict[str, int]:
        """Every extended statistic, by name."""
        names = self.xstat_names()
        vals = ffi.new("struct rte_eth_xstat[]", max(len(names), 1))
        n = check(lib.rte_eth_xstats_get(self._id, vals, len(names)), "rte_eth_xstats_get", PortError)
        return {names[vals[i].id]: vals[i].value for i in range(min(n, len(names)))}

    def xstat_id(self, name: str) -> int:
        self._check_open()
        out = ffi.new("uint64_t *")
        if lib.rte_eth_xstats_get_id_by_name(self._id, name.encode(), out) != 0:
            raise invalid("name", name, f"an xstat of this port (see xstat_names(); e.g. "
                          f"{', '.join(self.xstat_names()[:4])})", f"Port.xstat_id({self._describe()})")
        return out[0]

    def xstats_by_id(self, ids: Sequence[int]) -> list[int]:
        self._check_open()
        n = len(self.xstat_names())
        for i in ids:
            if not isinstance(i, int) or not 0 <= i < n:
                raise invalid("ids", i, f"xstat ids 0 to {n - 1}", f"Port.xstats_by_id({self._describe()})")
        cids = ffi.new("uint64_t[]", list(ids))
        vals = ffi.new("uint64_t[]", max(len(ids), 1))
        check(lib.rte_eth_xstats_get_by_id(self._id, cids, vals, len(ids)), "rte_eth_xstats_get_by_id", PortError)
        return list(vals[0:len(ids)])

    def reset_xstats(self) -> None:
        self._check_open()
        check(lib.rte_eth_xstats_reset(self._id), f"rte_eth_xstats_reset(port {self._id})", PortError)

    # -- RSS ------------------------------------------------------------------------------------
    def _reta_conf(self) -> tuple[Any, int]:
        size = self._dev_info_raw().reta_size
        if not size:
            raise PortError(95, f"{self._describe()} ({self.driver}) has no RSS redirection table",
                            "rte_eth_dev_rss_reta_query")
        groups = (size + lib.RTE_ETH_RETA_GROUP_SIZE - 1) // lib.RTE_ETH_RETA_GROUP_SIZE
        return ffi.new("struct rte_eth_rss_reta_entry64[]", groups), size

    def rss_reta(self) -> list[int]:
        """The RSS redirection table: entry i -> RX queue."""
        conf, size = self._reta_conf()
        g = lib.RTE_ETH_RETA_GROUP_SIZE
        for i in range(len(conf)):
            conf[i].mask = (1 << 64) - 1
        check(lib.rte_eth_dev_rss_reta_query(self._id, conf, size), "rte_eth_dev_rss_reta_query", PortError)
        return [conf[i // g].reta[i % g] for i in range(size)]

    def update_rss_reta(self, table: Sequence[int] | Mapping[int, int]) -> None:
        """Set RETA entries: a full list, or {entry: queue} for some entries."""
        conf, size = self._reta_conf()
        ctx = f"Port.update_rss_reta({self._describe()})"
        items = dict(enumerate(table)) if not isinstance(table, Mapping) else dict(table)
        if not isinstance(table, Mapping) and len(items) != size:
            raise invalid("table", f"{len(items)} entries", f"exactly {size} entries (or a dict)", ctx)
        g = lib.RTE_ETH_RETA_GROUP_SIZE
        for entry, q in items.items():
            if not isinstance(entry, int) or not 0 <= entry < size:
                raise invalid("entry", entry, f"0 to {size - 1}", ctx)
            if not isinstance(q, int) or not 0 <= q < self._nb_rxq:
                raise invalid("queue", q, f"0 to {self._nb_rxq - 1} (configured RX queues)", ctx)
            conf[entry // g].mask |= 1 << (entry % g)
            conf[entry // g].reta[entry % g] = q
        check(lib.rte_eth_dev_rss_reta_update(self._id, conf, size), "rte_eth_dev_rss_reta_update", PortError)

    def rss_hash_conf(self) -> tuple[list[str], bytes]:
        """(hash functions on, key)."""
        size = _key_size(self._dev_info_raw())
        key = ffi.new("uint8_t[]", 256)   # some PMDs copy their key whatever length is asked
        conf = ffi.new("struct rte_eth_rss_conf *")
        conf.rss_key = key
        conf.rss_key_len = size
        check(lib.rte_eth_dev_rss_hash_conf_get(self._id, conf), "rte_eth_dev_rss_hash_conf_get", PortError)
        return ([n for n, b in RSS_HASH_FUNCTIONS.items() if conf.rss_hf & b == b],
                bytes(ffi.buffer(key, size)))

    def update_rss_hash(self, functions: Iterable[str] | int, key: bytes | None = None) -> None:
        ctx = f"Port.update_rss_hash({self._describe()})"
        info = self._dev_info_raw()
        conf = ffi.new("struct rte_eth_rss_conf *")
        conf.rss_hf = _mask(functions, RSS_HASH_FUNCTIONS, "functions", ctx)
        keep = None
        if key is not None:
            if len(key) != _key_size(info):
                raise invalid("key", f"{len(key)} bytes", f"{_key_size(info)} bytes for this driver", ctx)
            keep = ffi.new("uint8_t[]", bytes(key))
            conf.rss_key, conf.rss_key_len = keep, len(key)
        check(lib.rte_eth_dev_rss_hash_update(self._id, conf), "rte_eth_dev_rss_hash_update", PortError)
        del keep

    # -- bursts (one C call each) -----------------------------------------------------------------
    def rx_burst(self, queue: int = 0, max_pkts: int = 32, *, into: MbufBurst | None = None) -> MbufBurst:
        """Receive up to max_pkts packets: a burst that owns them (``into`` to reuse one)."""
        if self._closed:
            self._check_open()
        if not 0 <= queue < self._nb_rxq or queue.__class__ is not int:
            self._check_queue(queue, "rx", f"Port.rx_burst({self._describe()})")
        if into is None:
            if max_pkts.__class__ is not int or not 0 < max_pkts <= 65535:
                raise invalid("max_pkts", max_pkts, "1 to 65535", "Port.rx_burst")
            into = MbufBurst(max_pkts)
        elif into._n:
            raise invalid("into", into, "an empty burst (free or send what it holds first)", "Port.rx_burst")
        elif max_pkts > into._cap:
            max_pkts = into._cap
        if not self._started:
            raise invalid("port", self._describe(), "a started port", "Port.rx_burst")
        into._n = _rx_burst(self._id, queue, into._arr, max_pkts)
        into._gen += 1
        return into

    def tx_burst(self, pkts: MbufBurst | Sequence[Mbuf], queue: int = 0) -> int:
        """Send packets; returns how many the driver took. Sent mbufs belong to the driver;
        unsent ones stay with the caller (a burst keeps them at its front)."""
        if self._closed:
            self._check_open()
        if not 0 <= queue < self._nb_txq or queue.__class__ is not int:
            self._check_queue(queue, "tx", f"Port.tx_burst({self._describe()})")
        if not self._started:
            raise invalid("port", self._describe(), "a started port", "Port.tx_burst")
        if pkts.__class__ is MbufBurst:
            if not _eal._live:
                raise ResourceClosedError("the EAL was cleaned up")
            sent = _tx_compact(self._id, queue, pkts._arr, pkts._n)
            pkts._n -= sent
            pkts._gen += 1
            return sent
        ptrs = [m._p() for m in pkts]
        if len(set(ptrs)) != len(ptrs):
            raise invalid("pkts", "the same mbuf twice", "distinct mbufs", "Port.tx_burst")
        arr = ffi.new("struct rte_mbuf *[]", ptrs)
        sent = lib.rte_eth_tx_burst(self._id, queue, arr, len(ptrs))
        for m in pkts[:sent]:
            m._take()
        return sent

    @staticmethod
    def from_rings(name: str, rx: Sequence[Any], tx: Sequence[Any], *, socket: int = 0) -> "Port":
        """rte_eth_from_rings: a port whose RX queue i reads rx[i] and TX queue i writes tx[i]."""
        from .ring import ports_from_rings
        return ports_from_rings(name, rx, tx, socket=socket)

    # -- other -------------------------------------------------------------------------------------
    def explain(self, burst: int | None = None) -> Any:
        """What the driver will do with this port's configuration (fast paths on/off, and why).
        ``burst`` is the RX burst size to judge; by default that of a forwarder using the port."""
        from .drivers import explain_port
        if burst is None:
            burst = next((f.burst for f in list(self._forwarders)), None)
        return explain_port(self, burst)

    def __repr__(self) -> str:
        if self._closed:
            return f"<Port {self._id} {self._name!r} {self._why_closed}>"
        return f"<Port {self._id} {self._name!r} driver={self.driver} mac={self.mac}>"

    def _repr_html_(self) -> str:
        from .notebook import port_html
        return port_html(self)


def _key_size(info: Any) -> int:
    """RSS key length: the driver's, or DPDK's default 40 where a driver reports none."""
    return info.hash_key_size or 40


def _port_name(port_id: int) -> str:
    buf = ffi.new("char[]", lib.RTE_ETH_NAME_MAX_LEN)
    lib.rte_eth_dev_get_name_by_port(port_id, buf)
    return ffi.string(buf).decode()


def _port_list() -> str:
    ids = []
    pid = lib.rte_eth_find_next(0)
    while pid < lib.RTE_MAX_ETHPORTS:
        ids.append(str(pid))
        pid = lib.rte_eth_find_next(pid + 1)
    return ", ".join(ids) if ids else "none: no ports exist (attach a vdev or bind a NIC)"
