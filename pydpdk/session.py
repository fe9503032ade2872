"""A whole run as one typed object: EAL, ports and their settings, mempool, rings, engine.

    from pydpdk.session import Session, PortSettings, EngineSettings
    s = Session(eal=EalConfig(lcores="0-1", no_pci=True, vdevs=["net_ring0", "net_ring1"]),
                port=PortSettings(rxd=512, txd=512),
                port_overrides={"net_ring1": {"rxq": 2}},
                engine=EngineSettings(mode="macswap", tx_first=True))
    with s.build() as run:                  # run.eal, run.ports, run.pool, run.engine (= run.fwd)
        final = run.engine.run(1.0, tx_first=True)

:class:`Session` is plain data (validated when made and again by :meth:`Session.build`; every
refusal is an :class:`~pydpdk.errors.InvalidArgumentError` naming the field, e.g.
``port.rxd`` or ``port_overrides['net_ring1'].rxq``). :meth:`Session.build` makes it real
and hands back a :class:`Run`; :meth:`Run.close` undoes it (the engine, the ports it brought or
configured, the rings, the pool) but never cleans up the EAL: DPDK initialises it once per
process, so that is the caller's (``pydpdk.cleanup()``).

``pydpdk fwd``, its shell, ``pydpdk run`` (YAML), bench/ and the NIC lab all build a Session.
Defaults follow dpdk-testpmd: one queue pair per port, driver-default descriptors, RSS over IP
when a port has several RX queues, promiscuous mode on, the mempool sized like testpmd's.
"""
from __future__ import annotations

import dataclasses
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence, Union

from .eal import Eal, EalConfig
from .errors import PortError, PydpdkError, invalid
from .ethdev import RSS_HASH_FUNCTIONS, RX_OFFLOADS, TX_OFFLOADS, Port, parse_mac
from .forward import MODES, Forwarder, ForwardStats
from .mempool import Mempool
from .ring import Ring, ports_from_rings

__all__ = ["Session", "Run", "PortSettings", "MempoolPolicy", "RingSpec", "RingPortSpec",
           "EngineSettings", "TOPOLOGIES", "DEFAULT_DESC", "MIN_POOL"]

TOPOLOGIES = ("paired", "chained", "loop")
DEFAULT_DESC = 512          # testpmd's RX/TX ring size when sizing the pool (driver default otherwise)
MIN_POOL = 8191             # testpmd's smallest mbuf pool
MAX_BURST = 512             # testpmd's MAX_PKT_BURST: one burst per port in the pool sizing

PortKey = Union[int, str]


def _int(prefix: str, name: str, value: Any, lo: int, hi: int, *, none: bool = False, what: str = "") -> None:
    if value is None and none:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        allowed = f"an integer from {lo} to {hi}" + (f" ({what})" if what else "") + (" or None" if none else "")
        raise invalid(prefix + name, value, allowed, "Session")


def _bool(prefix: str, name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise invalid(prefix + name, value, "True or False", "Session")


def _names(prefix: str, name: str, value: Any, allowed: Mapping[str, Any] | Sequence[str]) -> None:
    if isinstance(value, str) or not all(isinstance(v, str) and v in allowed for v in value):
        raise invalid(prefix + name, value, f"a list of: {', '.join(sorted(allowed))}", "Session")


@dataclass
class PortSettings:
    """How one port is configured (testpmd's per-port options; None = the driver's default)."""

    rxq: int = 1                                  # --rxq
    txq: int = 1                                  # --txq
    rxd: int | None = None                        # --rxd: RX descriptors per queue
    txd: int | None = None                        # --txd
    rx_free_thresh: int | None = None             # --rxfreet
    tx_free_thresh: int | None = None             # --txfreet
    tx_rs_thresh: int | None = None               # --txrst
    rss: bool | Sequence[str] | None = None       # None: ["ip"] when rxq > 1; False: off; True: ["ip"]
    mtu: int | None = None                        # explicit MTU (wins over max_pkt_len)
    max_pkt_len: int | None = None                # --max-pkt-len: MTU = len - 18, scatter if needed
    rx_offloads: Sequence[str] = ()
    tx_offloads: Sequence[str] = ()
    promiscuous: bool = True                      # --no-promisc: False
    flows: Sequence[str] = ()                     # rte_flow rules in testpmd syntax, made once started

    def validate(self, prefix: str = "port.") -> None:
        """Raise InvalidArgumentError naming the first bad field (``prefix`` + field)."""
        _int(prefix, "rxq", self.rxq, 1, 1024, what="RX queues")
        _int(prefix, "txq", self.txq, 1, 1024, what="TX queues")
        for name in ("rxd", "txd"):
            _int(prefix, name, getattr(self, name), 1, 65535, none=True, what="descriptors per queue")
        for name in ("rx_free_thresh", "tx_free_thresh", "tx_rs_thresh"):
            _int(prefix, name, getattr(self, name), 0, 65535, none=True)
        if self.rss is not None and not isinstance(self.rss, bool):
            _names(prefix, "rss", self.rss, RSS_HASH_FUNCTIONS)
        _int(prefix, "mtu", self.mtu, 68, 65535, none=True)
        _int(prefix, "max_pkt_len", self.max_pkt_len, 64, 65535, none=True)
        _names(prefix, "rx_offloads", self.rx_offloads, RX_OFFLOADS)
        _names(prefix, "tx_offloads", self.tx_offloads, TX_OFFLOADS)
        _bool(prefix, "promiscuous", self.promiscuous)
        if isinstance(self.flows, str) or not all(isinstance(f, str) for f in self.flows):
            raise invalid(prefix + "flows", self.flows, "a list of rte_flow rules in testpmd syntax", "Session")

    def replace(self, **changes: Any) -> "PortSettings":
        """A copy with some fields changed (unknown names raise InvalidArgumentError)."""
        known = {f.name for f in dataclasses.fields(self)}
        for k in changes:
            if k not in known:
                raise invalid(k, changes[k], f"a PortSettings field: {', '.join(sorted(known))}", "Session")
        return dataclasses.replace(self, **changes)

    def rss_functions(self) -> list[str] | None:
        """The hash functions this port's RSS uses, or None for no RSS."""
        if self.rss is None:
            return ["ip"] if self.rxq > 1 else None
        if isinstance(self.rss, bool):
            return ["ip"] if self.rss else None
        return list(self.rss) or None


@dataclass
class MempoolPolicy:
    """The mbuf pool: a fixed ``total``, or testpmd's sizing (each port's RX + TX descriptors,
    a cache per lcore and a burst, at least 8191)."""

    total: int | None = None                      # --total-num-mbufs
    data_room: int = 2176                         # --mbuf-size (headroom included)
    cache: int = 250                              # --mbcache
    name: str = "pydpdk_fwd_pool"

    def validate(self, prefix: str = "pool.") -> None:
        """Raise InvalidArgumentError naming the first bad field (``prefix`` + field)."""
        _int(prefix, "total", self.total, 1, 1 << 30, none=True, what="mbufs")
        _int(prefix, "data_room", self.data_room, 128, 65535, what="bytes per mbuf, headroom included")
        _int(prefix, "cache", self.cache, 0, 512, what="mbufs per lcore")
        if not isinstance(self.name, str) or not 0 < len(self.name) < 26:
            raise invalid(prefix + "name", self.name, "a mempool name of 1 to 25 characters", "Session")

    def size(self, settings: Sequence[PortSettings], nb_lcores: int) -> int:
        """How many mbufs: ``total``, else testpmd's sum over the ports (at least 8191)."""
        if self.total:
            return self.total
        need = sum((s.rxd or DEFAULT_DESC) * s.rxq + (s.txd or DEFAULT_DESC) * s.txq
                   + nb_lcores * self.cache + MAX_BURST for s in settings)
        return max(need, MIN_POOL)


@dataclass
class RingSpec:
    """A ring to create (for ports made from rings)."""

    name: str
    size: int = 1024
    sp_enq: bool = False
    sc_deq: bool = False


@dataclass
class RingPortSpec:
    """A port made from rings (rte_eth_from_rings): RX queue i reads rx[i], TX queue i writes tx[i]."""

    name: str
    rx: Sequence[str]
    tx: Sequence[str]


@dataclass
class EngineSettings:
    """The forwarding engine (a :class:`pydpdk.forward.Forwarder`) and how it starts."""

    mode: str = "io"                              # --forward-mode
    burst: int = 32                               # --burst
    nb_cores: int = 1                             # --nb-cores
    topology: str = "paired"                      # --port-topology
    eth_peers: Mapping[int, str] = field(default_factory=dict)   # --eth-peer N,MAC
    txpkts: Sequence[int] = (64,)                 # --txpkts
    nb_flows: int = 1024                          # --nb-flows (flowgen)
    txretry: int = 0                              # --txretry
    tx_first: bool | int = False                  # --tx-first: bursts sent on each stream at start
    flush_rx: bool = True                         # --no-flush-rx: False
    count_bytes: bool | None = None               # None: like testpmd (io reads no mbuf)
    stage: Any = None                             # --stage: a pydpdk.stage.Stage or "FILE.py:FUNCTION"

    def validate(self, prefix: str = "engine.") -> None:
        """Raise InvalidArgumentError naming the first bad field (``prefix`` + field)."""
        if self.mode not in MODES:
            raise invalid(prefix + "mode", self.mode, f"one of {', '.join(MODES)}", "Session")
        _int(prefix, "burst", self.burst, 1, MAX_BURST, what="packets")
        _int(prefix, "nb_cores", self.nb_cores, 1, 128, what="forwarding lcores")
        if self.topology not in TOPOLOGIES:
            raise invalid(prefix + "topology", self.topology, f"one of {', '.join(TOPOLOGIES)}", "Session")
        if not isinstance(self.eth_peers, Mapping):
            raise invalid(prefix + "eth_peers", self.eth_peers, "a mapping port id -> MAC address", "Session")
        for pid, mac in self.eth_peers.items():
            _int(prefix, "eth_peers", pid, 0, 1023, what="a port id")
            parse_mac(mac, prefix + "eth_peers")
        segs = self.txpkts
        if isinstance(segs, int) or not segs or not all(isinstance(x, int) and x > 0 for x in segs):
            raise invalid(prefix + "txpkts", segs, "a list of segment lengths such as [64] or [1024, 1024]",
                          "Session")
        _int(prefix, "nb_flows", self.nb_flows, 1, 1 << 20)
        _int(prefix, "txretry", self.txretry, 0, 1 << 30)
        if not isinstance(self.tx_first, (bool, int)) or self.tx_first < 0:
            raise invalid(prefix + "tx_first", self.tx_first, "True/False or a number of bursts", "Session")
        _bool(prefix, "flush_rx", self.flush_rx)
        if self.count_bytes is not None:
            _bool(prefix, "count_bytes", self.count_bytes)
        if self.stage is not None and self.mode != "stage":
            raise invalid(prefix + "stage", self.stage, "a stage only with mode 'stage'", "Session")


@dataclass
class Session:
    """Everything a run needs, as data. ``build()`` makes it real (a :class:`Run`).

    ``eal`` None uses the EAL this process already runs; an EalConfig is initialised (or
    matched against the live one), on ordinary memory when no hugepages are usable and
    ``ordinary_memory_mb`` is set. ``ports`` picks ports by id or name (None: every port,
    as testpmd does, the first ``nb_ports`` of them if given). ``port`` holds every port's
    settings, ``port_overrides`` per-port changes keyed by port id, port name or ring-port
    name (a PortSettings, or a mapping of the fields that differ).
    """

    eal: EalConfig | None = None
    vdevs: Sequence[str] = ()                     # attached after EAL init, detached by close()
    ports: Sequence[PortKey] | None = None
    nb_ports: int | None = None
    port: PortSettings = field(default_factory=PortSettings)
    port_overrides: Mapping[PortKey, Any] = field(default_factory=dict)
    pool: MempoolPolicy = field(default_factory=MempoolPolicy)
    rings: Sequence[RingSpec] = ()
    ring_ports: Sequence[RingPortSpec] = ()
    engine: EngineSettings | None = field(default_factory=EngineSettings)
    ordinary_memory_mb: int | None = 512          # no usable hugepages -> no_huge with this much
    close_ports: bool = True                      # close(): close the ports (testpmd's quit) or stop them

    def __post_init__(self) -> None:
        self._run: Run | None = None
        self.validate()

    # -- validation --------------------------------------------------------------------------
    def validate(self) -> None:
        """Raise InvalidArgumentError naming the first bad field."""
        if self.eal is not None and not isinstance(self.eal, EalConfig):
            raise invalid("eal", self.eal, "an EalConfig, or None for the EAL already running", "Session")
        if isinstance(self.vdevs, str) or not all(isinstance(v, str) for v in self.vdevs):
            raise invalid("vdevs", self.vdevs, "a list of devargs strings", "Session")
        if self.ports is not None and (isinstance(self.ports, (str, int)) or
                                       not all(isinstance(k, (int, str)) for k in self.ports)):
            raise invalid("ports", self.ports, "a list of port ids or names, or None for every port", "Session")
        _int("", "nb_ports", self.nb_ports, 1, 1024, none=True)
        if not isinstance(self.port, PortSettings):
            raise invalid("port", self.port, "a PortSettings", "Session")
        self.port.validate("port.")
        if not isinstance(self.port_overrides, Mapping):
            raise invalid("port_overrides", self.port_overrides, "a mapping port id/name -> settings", "Session")
        for key in self.port_overrides:
            self.settings_for(key)
        if not isinstance(self.pool, MempoolPolicy):
            raise invalid("pool", self.pool, "a MempoolPolicy", "Session")
        self.pool.validate("pool.")
        names = set()
        for i, r in enumerate(self.rings):
            if not isinstance(r, RingSpec):
                raise invalid(f"rings[{i}]", r, "a RingSpec", "Session")
            if not isinstance(r.name, str) or not r.name or r.name in names:
                raise invalid(f"rings[{i}].name", r.name, "a ring name, each given once", "Session")
            names.add(r.name)
            _int(f"rings[{i}].", "size", r.size, 2, 1 << 31)
        for i, rp in enumerate(self.ring_ports):
            if not isinstance(rp, RingPortSpec):
                raise invalid(f"ring_ports[{i}]", rp, "a RingPortSpec", "Session")
            for side in ("rx", "tx"):
                rings = getattr(rp, side)
                if isinstance(rings, str) or not rings:
                    raise invalid(f"ring_ports[{i}].{side}", rings, "a non-empty list of ring names", "Session")
                for j, n in enumerate(rings):
                    if n not in names:
                        raise invalid(f"ring_ports[{i}].{side}[{j}]", n,
                                      f"a ring of rings ({', '.join(sorted(names)) or 'none given'})", "Session")
        if self.engine is not None:
            if not isinstance(self.engine, EngineSettings):
                raise invalid("engine", self.engine, "an EngineSettings, or None for no engine", "Session")
            self.engine.validate("engine.")
        _int("", "ordinary_memory_mb", self.ordinary_memory_mb, 1, 1 << 20, none=True)
        _bool("", "close_ports", self.close_ports)

    def settings_for(self, key: PortKey, *also: PortKey) -> PortSettings:
        """The effective settings of the port known by ``key`` (or any of ``also``)."""
        for k in (key, *also):
            if k in self.port_overrides:
                over = self.port_overrides[k]
                prefix = f"port_overrides[{k!r}]."
                if isinstance(over, PortSettings):
                    s = over
                elif isinstance(over, Mapping):
                    known = {f.name for f in dataclasses.fields(PortSettings)}
                    for name, v in over.items():
                        if name not in known:
                            raise invalid(prefix + str(name), v,
                                          f"a PortSettings field: {', '.join(sorted(known))}", "Session")
                    s = dataclasses.replace(self.port, **over)
                else:
                    raise invalid(f"port_overrides[{k!r}]", over, "a PortSettings or a mapping of its fields",
                                  "Session")
                s.validate(prefix)
                return s
        return self.port

    def eal_config(self) -> EalConfig | None:
        """The EalConfig build() initialises: ``eal`` on ordinary memory (the one rule,
        :meth:`EalConfig.or_ordinary_memory`) when no hugepages are usable and
        ``ordinary_memory_mb`` is set."""
        if self.eal is None or self.ordinary_memory_mb is None:
            return self.eal
        return self.eal.or_ordinary_memory(self.ordinary_memory_mb)

    # -- life cycle --------------------------------------------------------------------------
    def build(self) -> "Run":
        """Initialise (or reuse) the EAL, make rings, ring ports and vdevs, create the pool,
        configure and start the ports, make the engine. Undone by :meth:`Run.close`."""
        self.validate()
        run = Run(self)
        try:
            run._build()
        except BaseException:
            run.close(quiet=True)
            raise
        self._run = run
        return run

    def close(self) -> None:
        """Close the Run the last build() made (idempotent)."""
        if self._run is not None:
            self._run.close()
            self._run = None

    def __enter__(self) -> "Run":
        return self.build()

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Run:
    """A built :class:`Session`: ``eal``, ``ports``, ``pool``, ``rings``, ``engine`` (``fwd``)."""

    def __init__(self, session: Session):
        self.session = session
        self.eal: Eal | None = None
        self.ports: list[Port] = []
        self.pool: Mempool | None = None
        self.rings: dict[str, Ring] = {}
        self.ring_ports: list[Port] = []
        self.engine: Forwarder | None = None
        self.settings: dict[int, PortSettings] = {}
        self.flow_rules: list[Any] = []
        self._made_vdevs: list[str] = []
        self._closed = False

    @property
    def fwd(self) -> Forwarder | None:
        """The engine (testpmd's word)."""
        return self.engine

    @property
    def closed(self) -> bool:
        """True once close() ran (the ports, pool and engine are gone)."""
        return self._closed

    # -- building ----------------------------------------------------------------------------
    def _build(self) -> None:
        import pydpdk
        from . import eal as _eal
        from . import vdev as _vdev
        s = self.session
        cfg = s.eal_config()
        if cfg is None:
            self.eal = _eal.current()
        else:
            live = _eal.is_initialized()
            pre = {v.split(",")[0] for v in cfg.vdevs if live and _vdev.device_ports(v.split(",")[0])}
            self.eal = Eal.init(cfg)
            self._made_vdevs += [v.split(",")[0] for v in cfg.vdevs if v.split(",")[0] not in pre]
        for devargs in s.vdevs:
            name = devargs.split(",")[0]
            if not _vdev.device_ports(name):
                _vdev.attach(devargs)
                self._made_vdevs.append(name)
        for r in s.rings:
            self.rings[r.name] = Ring.create(r.name, r.size, sp_enq=r.sp_enq, sc_deq=r.sc_deq)
        for rp in s.ring_ports:
            self.ring_ports.append(ports_from_rings(rp.name, [self.rings[n] for n in rp.rx],
                                                    [self.rings[n] for n in rp.tx]))
        self._check_allowed(cfg)
        self.ports = self._select(pydpdk.ports())
        # every port's effective settings (overrides by id, name or ring-port name)
        ring_names = {p.id: rp.name for rp, p in zip(s.ring_ports, self.ring_ports)}
        keys: dict[PortKey, Port] = {}
        for p in self.ports:
            keys[p.id] = keys[p.name] = p
            if p.id in ring_names:
                keys[ring_names[p.id]] = p
        unknown = [k for k in s.port_overrides if k not in keys]
        if unknown:
            raise invalid("port_overrides", sorted(map(str, unknown)), "ids or names of the ports in use: "
                          f"{', '.join(f'{p.id} ({p.name})' for p in self.ports)}", "Session")
        for p in self.ports:
            self.settings[p.id] = s.settings_for(p.id, p.name, *([ring_names[p.id]] if p.id in ring_names else []))
        if s.engine is not None:            # refused before the pool and the ports are touched
            ids = {p.id for p in self.ports}
            for pid in s.engine.eth_peers:
                if pid not in ids:
                    raise invalid("engine.eth_peers", pid, "ids of the ports in use: "
                                  f"{', '.join(f'{p.id} ({p.name})' for p in self.ports)}", "Session")
        n = s.pool.size(list(self.settings.values()), len(self.eal.lcores()))
        self.pool = Mempool.create(s.pool.name, n, cache_size=min(s.pool.cache, n // 2),
                                   data_room=s.pool.data_room)
        for p in self.ports:
            self.configure_port(p)
            self.start_port(p)
        if s.engine is not None:
            self.engine = self.make_engine()

    def _select(self, found: list[Port]) -> list[Port]:
        s = self.session
        if s.ports is None:
            ports = list(found)
        else:
            byid = {p.id: p for p in found}
            byname = {p.name: p for p in found}
            byname.update({rp.name: p for rp, p in zip(s.ring_ports, self.ring_ports)})
            ports = []
            for k in s.ports:
                p = byid.get(k) if isinstance(k, int) else byname.get(k)
                if p is None:
                    raise invalid("ports", k, "ids or names of existing ports: "
                                  f"{', '.join(f'{p.id} ({p.name})' for p in found) or 'none'}", "Session")
                ports.append(p)
        if s.nb_ports:
            ports = ports[:s.nb_ports]
        if not ports:
            raise invalid("ports", [], "at least one port: attach vdevs or allow PCI devices bound to a "
                          "DPDK driver", "Session")
        return ports

    def _check_allowed(self, cfg: EalConfig | None) -> None:
        """Every PCI address allowed by the EAL must have become a port (else say which did not)."""
        if cfg is None or not cfg.allow:
            return
        import pydpdk
        have = {p.device_name for p in pydpdk.ports()} | {p.name for p in pydpdk.ports()}
        for addr in cfg.allow:
            a = addr.split(",")[0]
            full = a if a.count(":") == 2 else "0000:" + a
            if full not in have and a not in have:
                raise invalid("eal.allow", addr, "a PCI device that is present and bound to a DPDK driver "
                              "(see `pydpdk host devices`)", "Session")

    def configure_port(self, p: Port, settings: PortSettings | None = None) -> None:
        """configure + queue set-up of one stopped port with its settings (or these)."""
        if settings is not None:
            self.settings[p.id] = settings
        c = self.settings[p.id]
        pool = self.pool
        assert pool is not None
        info = p.info()
        rss = c.rss_functions()
        use_rss = rss if (rss and info.flow_type_rss_offloads) else None
        mtu = c.mtu
        rx_off = list(c.rx_offloads)
        if c.max_pkt_len:
            if mtu is None:
                mtu = max(min(c.max_pkt_len - 18, info.max_mtu), info.min_mtu)
            if c.max_pkt_len > pool.data_room - 128 and "scatter" in info.rx_offload_capa \
                    and "scatter" not in rx_off:
                rx_off.insert(0, "scatter")
        p.configure(c.rxq, c.txq, rss=use_rss, mtu=mtu, rx_offloads=rx_off, tx_offloads=list(c.tx_offloads))
        for q in range(c.rxq):
            p.rx_queue_setup(q, c.rxd, pool, free_thresh=c.rx_free_thresh)
        for q in range(c.txq):
            p.tx_queue_setup(q, c.txd, rs_thresh=c.tx_rs_thresh, free_thresh=c.tx_free_thresh)

    def start_port(self, p: Port) -> None:
        """Start a configured port, set its promiscuous mode (a refusal is not an error) and make
        its rte_flow rules (owned by the port: destroyed before it closes)."""
        p.start()
        c = self.settings[p.id]
        if c.promiscuous:
            try:
                p.promiscuous = True
            except PortError:
                pass
        if c.flows:
            from .flow import execute, rule_command
            for text in c.flows:
                self.flow_rules.append(execute(rule_command(text, p.id)))

    def make_engine(self, **changes: Any) -> Forwarder:
        """A Forwarder over the ports with the Session's engine settings (and these changes,
        which are kept); the previous engine is closed."""
        s = self.session
        e = s.engine or EngineSettings()
        if changes:
            known = {f.name for f in dataclasses.fields(EngineSettings)}
            for k in changes:
                if k not in known:
                    raise invalid(f"engine.{k}", changes[k], f"an EngineSettings field: {', '.join(sorted(known))}",
                                  "Run.make_engine")
            e = dataclasses.replace(e, **changes)
            e.validate("engine.")
        ids = {p.id for p in self.ports}
        for pid in e.eth_peers:
            if pid not in ids:
                raise invalid("engine.eth_peers", pid, "ids of the ports in use: "
                              f"{', '.join(f'{p.id} ({p.name})' for p in self.ports)}", "Session")
        if self.engine is not None:
            self.close_engine()
        self.engine = Forwarder(self.ports, e.mode, burst=e.burst, nb_cores=e.nb_cores, topology=e.topology,
                                eth_peers=dict(e.eth_peers), txpkts=list(e.txpkts), nb_flows=e.nb_flows,
                                tx_pool=self.pool, txretry=e.txretry, count_bytes=e.count_bytes,
                                stage=_load_stage(e.stage))
        s.engine = e
        return self.engine

    def stop_port(self, p: Port) -> None:
        """Give back what waits in the port's RX queues, then stop it (rings keep their mbufs
        across a stop: drained first, nothing is left behind)."""
        if p.started:
            self._drain_port(p)
            p.stop()

    def close_port(self, p: Port) -> None:
        """Close one (stopped) port and drop it from the run; the engine, which used it, is
        closed too (make_engine() makes one over the ports left)."""
        self.close_engine()
        p.close()
        self.ports.remove(p)

    def close_engine(self) -> None:
        """Stop and close the engine (the ports and pool stay), e.g. to build another."""
        if self.engine is not None:
            if not self.engine.closed and self.engine.running:
                self.engine.stop()
            self.engine.close()
            self.engine = None

    # -- running -----------------------------------------------------------------------------
    def start(self, tx_first: bool | int | None = None, flush_rx: bool | None = None) -> None:
        """Start the engine (tx_first/flush_rx default to the Session's engine settings)."""
        e = self.session.engine or EngineSettings()
        if self.engine is None:
            raise invalid("engine", None, "a Session with engine settings", "Run.start")
        self.engine.start(tx_first=e.tx_first if tx_first is None else tx_first,
                          flush_rx=e.flush_rx if flush_rx is None else flush_rx)

    def stop(self) -> ForwardStats:
        """Stop the engine; its final statistics."""
        if self.engine is None:
            raise invalid("engine", None, "a Session with engine settings", "Run.stop")
        return self.engine.stop()

    def forward(self, duration: float | None = None, *, packets: int | None = None,
                stop: threading.Event | None = None, tick: Callable[[float, int], None] | None = None,
                tick_s: float = 0.2, tx_first: bool | int | None = None,
                flush_rx: bool | None = None, on_start: Callable[[], None] | None = None) -> ForwardStats:
        """Start the engine and forward until ``duration`` seconds passed, ``packets`` were
        received or ``stop`` is set (None of them: until ``stop``); stop; the final statistics.
        ``on_start()`` is called once forwarding runs, ``tick(elapsed_s, rx_packets)`` every
        ``tick_s`` seconds meanwhile."""
        if duration is None and packets is None and stop is None:
            raise invalid("duration", None, "a duration, a packet count or a stop event", "Run.forward")
        self.start(tx_first, flush_rx)
        if on_start is not None:
            try:
                on_start()
            except BaseException:
                self.stop()
                raise
        stop = stop or threading.Event()
        t0 = time.monotonic()
        deadline = None if duration is None else t0 + duration
        try:
            while not stop.is_set():
                now = time.monotonic()
                if deadline is not None and now >= deadline:
                    break
                stop.wait(min(tick_s, deadline - now) if deadline is not None else tick_s)
                rx = self.engine.stats().rx_packets if (packets or tick) else 0   # type: ignore[union-attr]
                if tick is not None:
                    tick(min(time.monotonic() - t0, duration if duration is not None else float("inf")), rx)
                if packets and rx >= packets:
                    break
        finally:
            final = self.stop()
        return final

    def drain(self) -> int:
        """Free what waits in the started ports' RX queues (at most a pool's worth per queue);
        how many mbufs."""
        return sum(self._drain_port(p) for p in self.ports + [q for q in self.ring_ports if q not in self.ports])

    def _drain_port(self, p: Port) -> int:
        if p.closed or not p.started:
            return 0
        n = 0
        limit = (self.pool.size // 512 + 2) if self.pool is not None and not self.pool.closed else 64
        for q in range(p.nb_rx_queues):
            for _ in range(limit):
                b = p.rx_burst(q, 512)
                if not b:
                    break
                n += len(b)
                b.free()
        return n

    def close(self, quiet: bool = False) -> None:
        """Stop and close the engine, drain and stop (or close) the ports, detach the vdevs this
        run attached, close the ring ports, rings and pool. Never cleans up the EAL."""
        if self._closed:
            return
        self._closed = True
        errors: list[BaseException] = []

        def attempt(fn: Any, *a: Any) -> None:
            try:
                fn(*a)
            except PydpdkError as exc:
                errors.append(exc)
        from . import vdev as _vdev
        attempt(self.close_engine)
        attempt(self.drain)
        made = set(self._made_vdevs)
        for p in self.ports + [q for q in self.ring_ports if q not in self.ports]:
            if p.closed:
                continue
            if p.device_name in made:
                continue                               # detached below
            if self.session.close_ports or p in self.ring_ports:
                attempt(p.close)
            elif p.started:
                attempt(p.stop)
        for name in self._made_vdevs:
            if _vdev.device_ports(name):
                attempt(_vdev.detach, name)
        for r in self.rings.values():
            attempt(r.close)
        if self.pool is not None and all(p.closed for p in self.ports):
            attempt(self.pool.close)        # else (close_ports=False) the stopped ports keep it
        if errors and not quiet:
            raise errors[0]

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self.ports)} ports"
        mode = self.engine.mode if self.engine is not None and not self.engine.closed else None
        return f"<Run {state} engine={mode}>"


def _load_stage(stage: Any) -> Any:
    """EngineSettings.stage -> a compiled Stage (a "FILE.py:FUNCTION" string is compiled)."""
    if stage is None or not isinstance(stage, (str, os.PathLike)):
        return stage
    from .stage import load
    return load(str(stage))
