"""The YAML set-up schema (see docs/config.md) and its translation to a
:class:`pydpdk.session.Session` (EAL, rings, ports and their settings, pool, engine)."""
from __future__ import annotations

import os

from dataclasses import dataclass
from typing import Any

from ..errors import InvalidArgumentError
from ..ethdev import RSS_HASH_FUNCTIONS, RX_OFFLOADS, TX_OFFLOADS
from ..forward import MODES
from ..session import EngineSettings, MempoolPolicy, PortSettings, RingPortSpec, RingSpec, Session
from .schema import (Bool, ConfigError, Dict, Enum, Float, Int, List, Map, Node, OneOf, Str, Text,
                     compose)

__all__ = ["SCHEMA", "Setup", "GeneratorSetup", "load", "loads"]

_PCI = r"([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]"
_MAC = r"([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}"
_DEVARG_VALUE = Text(r"[^,=\s]+", "a devargs value (no commas, '=' or spaces)")


EAL = Map({
    "lcores": OneOf(Text(r"[0-9,\-@()]+", "a core list such as '0-1'"), List(Int(0))),
    "coremask": Text(r"(0x)?[0-9a-fA-F]+", "a hexadecimal core mask such as 0x3 (testpmd's -c)"),
    "main_lcore": Int(0),
    "memory_channels": Int(1, 32),
    "allow": List(Str(_PCI + r"(,.*)?", "a PCI address such as 0000:00:04.0"), single=True),
    "block": List(Str(_PCI, "a PCI address such as 0000:00:04.0"), single=True),
    "no_pci": Bool(), "no_huge": Bool(), "in_memory": Bool(), "single_file_segments": Bool(),
    "telemetry": Bool(),
    "file_prefix": Str(r"[^/]+", "a name without '/'"),
    "socket_mem": OneOf(Text(r"[0-9]+(,[0-9]+)*", "megabytes per socket such as 512 or '512,0'"), List(Int(0))),
    "memory_mb": Int(1),
    "iova_mode": Enum(["pa", "va"]),
    "log_levels": List(Str(desc="'LEVEL' or 'TYPE:LEVEL'"), single=True),
    "plugins": List(Str(desc="a PMD .so or directory"), single=True),
    "proc_type": Enum(["primary", "secondary", "auto"]),
    "huge_dir": Str(),
    "extra": List(Text(desc="an EAL argument"), single=True),
}, desc="EAL options")

VDEV = OneOf(Str(r"[A-Za-z0-9_.:\-]+(,.*)?", "devargs such as 'net_ring0' or 'net_pcap0,rx_pcap=in.pcap'"),
             Map({"name": Str(r"[A-Za-z0-9_.:\-]+", "a device name such as net_pcap0"),
                  "args": Dict(Str(r"[A-Za-z0-9_\-]+", "a devargs key"), _DEVARG_VALUE)},
                 required=["name"], desc="a vdev"))

PCI = OneOf(Str(_PCI + r"(,.*)?", "a PCI address such as 0000:00:04.0"),
            Map({"address": Str(_PCI, "a PCI address such as 0000:00:04.0"),
                 "args": Dict(Str(r"[A-Za-z0-9_\-]+", "a devargs key"), _DEVARG_VALUE)},
                required=["address"], desc="a PCI device"))

RING = Map({"name": Str(r"[A-Za-z0-9_\-]{1,28}", "a ring name (letters, digits, _ and -)"),
            "size": Int(2, 1 << 31), "sp_enq": Bool(), "sc_deq": Bool()}, required=["name"], desc="a ring")

RING_PORT = Map({"name": Str(r"[A-Za-z0-9_\-]{1,28}", "a port name"),
                 "rx": List(Str(desc="a ring name"), single=True, min_len=1),
                 "tx": List(Str(desc="a ring name"), single=True, min_len=1)},
                required=["name", "rx", "tx"], desc="a port made from rings (rte_eth_from_rings)")

_QUEUE_OPTS = {
    "rxq": Int(1, 1024), "txq": Int(1, 1024), "rxd": Int(1, 65535), "txd": Int(1, 65535),
    "rxfreet": Int(0, 65535), "txfreet": Int(0, 65535), "txrst": Int(0, 65535), "promisc": Bool(),
}
_RSS = OneOf(Bool(), List(Enum(sorted(RSS_HASH_FUNCTIONS)), single=True))


def _flow_problem(text: str) -> str | None:
    from ..flow import rule_command
    try:
        rule_command(text, 0)
    except InvalidArgumentError as exc:
        return exc.allowed
    return None


PORT = Map({
    "port": Int(0, 1023), "name": Str(desc="a port name such as net_ring0 or 0000:00:04.0"),
    **_QUEUE_OPTS,
    "rss": _RSS,
    "mtu": Int(68, 65535),
    "rx_offloads": List(Enum(sorted(RX_OFFLOADS)), single=True),
    "tx_offloads": List(Enum(sorted(TX_OFFLOADS)), single=True),
    "flows": List(Str(desc="an rte_flow rule in testpmd syntax", check=_flow_problem), single=True),
}, desc="port settings")

FORWARDING = Map({
    "mode": Enum(list(MODES)),
    "burst": Int(1, 512),
    "nb_cores": Int(1, 128),
    "nb_ports": Int(1, 1024),
    "topology": Enum(["paired", "chained", "loop"]),
    "tx_first": Bool(),
    "flush_rx": Bool(),
    "eth_peers": Dict(Int(0, 1023), Str(_MAC, "a MAC address such as 02:00:00:00:00:01")),
    "txpkts": List(Int(1, 9728), single=True, min_len=1),
    "nb_flows": Int(1, 1 << 20),
    "txretry": Int(0),
    "mbuf_size": Int(128, 65535),
    "total_num_mbufs": Int(1),
    "mbcache": Int(0, 512),
    "max_pkt_len": Int(64, 65535),
    **_QUEUE_OPTS,
    "rss_udp": Bool(),
    "disable_rss": Bool(),
    "stage": Str(desc="mode stage: FILE.py:FUNCTION (numba) or FILE.c:FUNCTION, relative to this file"),
}, desc="forwarding options")

_VALUE = OneOf(Int(0, (1 << 64) - 1), Str(desc="an address such as 10.0.0.1 or 02:00:00:00:00:01, or 0x-hex"))
FIELD = Map({
    "name": Str(desc="a field name such as ip.src, udp.sport, eth.dst"),
    "offset": Int(0, 16383), "width": Int(1, 16),
    "op": Enum(["inc", "dec", "random", "list"]),
    "min": _VALUE, "max": _VALUE, "init": _VALUE, "step": Int(1, 1 << 32),
    "values": List(_VALUE, min_len=1),
}, desc="a field the generator varies per packet")

STREAM = Map({
    "name": Str(), "pcap": Str(desc="a pcap file whose frames are sent in turn"),
    "size": OneOf(Int(14, 16384), Enum(["imix"]), List(Int(14, 16384), min_len=2),
                  Dict(Int(14, 16384), Int(1, 1 << 20))),
    "rate": OneOf(Str(desc="'1.5Mpps', '800Mbps', '100%' or 'max'"), Float(0.0)),
    "poisson": Bool(), "count": Int(1), "burst": Int(1), "ibg": Float(0.0), "bursts": Int(1),
    "start_after": Int(0), "delay": Float(0.0), "tag": Bool(),
    "checksum": OneOf(Bool(), Enum(["software", "offload", "auto"])), "queue": Int(0, 1023),
    "fields": List(FIELD),
    "stage": Str(desc="a compiled stage run on each built packet: FILE.py:FUNCTION or FILE.c:FUNCTION"),
}, desc="a generated stream")

GENERATOR = Map({
    "tx_port": Int(0, 1023), "rx_ports": List(Int(0, 1023), single=True),
    "tx_burst": Int(1, 512), "rx_burst": Int(1, 512),
    "clock": Enum(["tsc", "rx_timestamp", "auto"]),
    "rx_stage": Str(desc="a compiled stage run on each received packet before it is measured"),
    "streams": List(STREAM, min_len=1),
}, required=["streams"], desc="the traffic generator (instead of forwarding)")

SCHEMA = Map({
    "description": Str(),
    "eal": EAL,
    "vdevs": List(VDEV, single=True),
    "pci": List(PCI, single=True),
    "rings": List(RING),
    "ring_ports": List(RING_PORT),
    "ports": List(PORT),
    "forwarding": FORWARDING,
    "generator": GENERATOR,
    "duration": Float(0.0, desc="seconds (a number >= 0)"),
    "packets": OneOf(Int(1), Enum(["auto"])),   # stop after N received packets; auto: rx_pcap files' count
    "stats_period": Float(0.0),
}, desc="a set-up")

# YAML key -> (part of the Session, field) where the two differ or live elsewhere
_PORT_KEYS = {"rxq": "rxq", "txq": "txq", "rxd": "rxd", "txd": "txd", "rxfreet": "rx_free_thresh",
              "txfreet": "tx_free_thresh", "txrst": "tx_rs_thresh", "promisc": "promiscuous",
              "mtu": "mtu", "rx_offloads": "rx_offloads", "tx_offloads": "tx_offloads",
              "max_pkt_len": "max_pkt_len", "flows": "flows"}
_POOL_KEYS = {"mbuf_size": "data_room", "total_num_mbufs": "total", "mbcache": "cache"}
_ENGINE_KEYS = {"mode": "mode", "burst": "burst", "nb_cores": "nb_cores", "topology": "topology",
                "tx_first": "tx_first", "flush_rx": "flush_rx", "eth_peers": "eth_peers",
                "txpkts": "txpkts", "nb_flows": "nb_flows", "txretry": "txretry", "stage": "stage"}
# a refusal's parameter (DPDK's or the Session field's) -> the YAML keys it may come from
_EXPLAIN = {"nb_rxq": ("rxq",), "nb_txq": ("txq",), "nb_desc": ("rxd", "txd"), "mtu": ("mtu",),
            "rss": ("rss",), "rx_offloads": ("rx_offloads",), "tx_offloads": ("tx_offloads",),
            "free_thresh": ("rxfreet", "txfreet"), "rs_thresh": ("txrst",), "nb_cores": ("nb_cores",),
            "burst": ("burst",), "txpkts": ("txpkts",), "eth_peers": ("eth_peers",),
            "ports": ("port", "name"), "port_overrides": ("port", "name"),
            **{v: (k,) for k, v in {**_PORT_KEYS, **_POOL_KEYS, **_ENGINE_KEYS}.items()}}


def _devargs(node: Node, name_key: str) -> str:
    v = node.value
    if isinstance(v, str):
        return v
    args = ",".join(f"{k}={a}" for k, a in (v.get("args") or {}).items())
    return v[name_key] + ("," + args if args else "")


@dataclass
class Setup:
    """A validated set-up: the YAML nodes (with lines), the Session it describes, and how long
    to run (``duration`` s, ``packets`` received, ``stats_period``)."""

    file: str
    root: Node
    session: Session
    env_checked: bool
    vdevs: tuple[str, ...] = ()  # devargs (also in session.eal.vdevs when env_checked)
    duration: float | None = None
    packets: int | None = None
    stats_period: float = 0.0
    generator: Any = None       # GeneratorSetup when the set-up has a generator: section

    @property
    def eal(self) -> Any:
        """The set-up's EalConfig."""
        return self.session.eal

    def line_of(self, *path: Any) -> int:
        """The YAML line a key path (``"ports", 0, "rxq"``) was written on (its nearest parent's if absent)."""
        node = self.root
        for p in path:
            try:
                node = node[p]
            except (KeyError, IndexError, TypeError):
                break
        return node.line

    def locate(self, exc: InvalidArgumentError) -> tuple[str, int] | None:
        """The YAML key (dotted path) and line a refusal most likely comes from, or None."""
        keys = _EXPLAIN.get(exc.param.rsplit(".", 1)[-1].split("[")[0], ())
        for i, _ in enumerate(self.root.get("ports") or []):
            for k in keys:
                if self.root["ports"][i].has(k):
                    return f"ports[{i}].{k}", self.root["ports"][i][k].line
        for k in keys:
            if self.root.has("forwarding") and self.root["forwarding"].has(k):
                return f"forwarding.{k}", self.root["forwarding"][k].line
        return None

    def explain(self, exc: BaseException) -> str:
        """Word a run-time refusal with the YAML key and line it most likely comes from."""
        where = self.locate(exc) if isinstance(exc, InvalidArgumentError) else None
        if where is None:
            return f"{self.file}: {exc}" if isinstance(exc, InvalidArgumentError) else str(exc)
        return f"{self.file}:{where[1]}: {where[0]}: {exc}"

    def summary(self) -> str:
        """The ``--check`` line: the EAL arguments, the devices, the forwarding mode and for how long."""
        what = f"for {self.duration} s" if self.duration is not None else "until Ctrl-C"
        if self.packets:
            what = f"until {self.packets} packets" + (f" or {self.duration} s" if self.duration is not None else "")
        nv, npci = len(self.root.get("vdevs") or []), len(self.eal.allow)
        nr = len(self.root.get("ring_ports") or [])
        argv = self.eal.argv() + ([] if self.env_checked else [a for v in self.vdevs for a in ("--vdev", v)])
        if self.eal.file_prefix is None and "--file-prefix" in argv:   # the default is per process
            i = argv.index("--file-prefix")
            del argv[i:i + 2]
        if self.generator is not None:
            job = f"a generator of {len(self.generator.streams)} stream(s) on port {self.generator.tx_port}"
        else:
            job = f"{self.session.engine.mode if self.session.engine is not None else 'no'} forwarding"
        return (f"{self.file}: OK - EAL {' '.join(argv)}; {nv} vdev(s), {npci} PCI device(s), "
                f"{nr} ring port(s); {job} {what}")


def _check_vdev(setup_file: str, node: Node, devargs: str, check_env: bool) -> None:
    """Devargs keys and values of known drivers; file/interface existence only when check_env."""
    from ..vdev import check_devargs
    try:
        check_devargs(devargs, check_env=check_env)
    except InvalidArgumentError as exc:
        raise ConfigError(f"{node.key}: {exc.param}", exc.value, exc.allowed, setup_file, node.line) from None


def _build(file: str, root: Node, check_env: bool) -> Setup:
    from ..eal import EalConfig
    eal_kw = dict(root.get("eal") or {})
    vdevs = []
    for n in (root["vdevs"].children if root.has("vdevs") else []):
        d = _devargs(n, "name")
        _check_vdev(file, n, d, check_env)
        vdevs.append(d)
    pci = [_devargs(n, "address") for n in (root["pci"].children if root.has("pci") else [])]
    if pci:
        eal_kw["allow"] = list(eal_kw.get("allow", [])) + pci
    if not check_env:
        eal_kw.pop("plugins", None)    # files on the target machine
    try:
        eal = EalConfig(**eal_kw, vdevs=vdevs if check_env else ())
    except InvalidArgumentError as exc:
        path = ("eal", exc.param) if root.has("eal") and root["eal"].has(exc.param) else \
            (("pci",) if exc.param == "allow" and root.has("pci") else ("eal",))
        raise ConfigError(".".join(path), exc.value, exc.allowed, file,
                          root[path[0]][path[1]].line if len(path) == 2 else
                          (root[path[0]].line if root.has(path[0]) else 1)) from None
    # rings and ports made from them
    rings = {r["name"]: r for r in root.get("rings") or []}
    for i, rp in enumerate(root["ring_ports"].children if root.has("ring_ports") else []):
        for side in ("rx", "tx"):
            for j, name in enumerate(rp.value[side]):
                if name not in rings:
                    raise ConfigError(f"ring_ports[{i}].{side}[{j}]", name,
                                      f"a ring defined under rings: ({', '.join(rings) or 'none defined'})",
                                      file, rp[side].line)
    # forwarding options: the engine, the pool, every port's defaults
    fwd = dict(root.get("forwarding") or {})
    if "stage" in fwd:
        fwd["stage"] = stage_path(file, fwd["stage"])
    engine: EngineSettings | None = EngineSettings(**{_ENGINE_KEYS[k]: v for k, v in fwd.items() if k in _ENGINE_KEYS})
    pool = MempoolPolicy(**{_POOL_KEYS[k]: v for k, v in fwd.items() if k in _POOL_KEYS})
    defaults = {_PORT_KEYS[k]: v for k, v in fwd.items() if k in _PORT_KEYS}

    def auto_rss(rxq: int) -> Any:         # testpmd: --disable-rss; --rss-udp with several queues
        if fwd.get("disable_rss"):
            return False
        return ["ip", "udp"] if fwd.get("rss_udp") and rxq > 1 else None
    port = PortSettings(**defaults, rss=auto_rss(defaults.get("rxq", 1)))
    overrides: dict[Any, dict[str, Any]] = {}
    for i, pn in enumerate(root["ports"].children if root.has("ports") else []):
        entry = dict(pn.value)
        if "port" in entry and "name" in entry:
            raise ConfigError(f"ports[{i}].name", entry["name"], "either port: (an id) or name:, not both",
                              file, pn["name"].line)
        ident = entry.pop("port", None)
        ident = entry.pop("name", ident if ident is not None else i)
        over: dict[str, Any] = {_PORT_KEYS[k]: v for k, v in entry.items() if k in _PORT_KEYS}
        if "rss" in entry:
            over["rss"] = entry["rss"] if not isinstance(entry["rss"], bool) else (["ip"] if entry["rss"] else False)
        elif "rxq" in over:
            over["rss"] = auto_rss(over["rxq"])
        if ident in overrides:
            raise ConfigError(f"ports[{i}]", ident, "each port configured once", file, pn.line)
        overrides[ident] = over
    gen = _generator(file, root) if root.has("generator") else None
    if gen is not None:
        if root.has("forwarding"):
            raise ConfigError("generator", "with forwarding:", "either forwarding: or generator:, not both",
                              file, root["generator"].line)
        engine = None
    packets = root.get("packets")
    if packets == "auto":
        packets = _pcap_count(file, root, vdevs, check_env)
    try:
        session = Session(eal=eal, nb_ports=fwd.get("nb_ports"), port=port, port_overrides=overrides,
                          pool=pool, engine=engine,
                          rings=[RingSpec(r["name"], r.get("size", 1024), r.get("sp_enq", False),
                                          r.get("sc_deq", False)) for r in root.get("rings") or []],
                          ring_ports=[RingPortSpec(rp["name"], list(rp["rx"]), list(rp["tx"]))
                                      for rp in root.get("ring_ports") or []])
    except InvalidArgumentError as exc:      # the schema let through what the Session refuses
        where = Setup(file, root, Session(eal=eal, engine=None), check_env).locate(exc)
        raise ConfigError(where[0] if where else exc.param, exc.value, exc.allowed, file,
                          where[1] if where else 1) from None
    return Setup(file, root, session, check_env, tuple(vdevs), root.get("duration"), packets,
                 root.get("stats_period") or 0.0, gen)


@dataclass
class GeneratorSetup:
    """A set-up's generator: section: the streams (built and checked), which port sends, which
    ports receive and measure (default: the sending port), the burst sizes."""

    streams: list[Any]
    tx_port: int = 0
    rx_ports: list[Any] | None = None
    tx_burst: int = 32
    rx_burst: int = 32
    clock: str = "tsc"
    rx_stage: str | None = None     # "FILE:FUNCTION", relative to the YAML file's directory


def stage_path(file: str, spec: str) -> str:
    """A stage spec "FILE:FUNCTION" with FILE relative to the set-up file's directory."""
    path, sep, fn = spec.rpartition(":")
    if sep and path and not os.path.isabs(path):
        return os.path.join(os.path.dirname(os.path.abspath(file)), path) + ":" + fn
    return spec


def _generator(file: str, root: Node) -> GeneratorSetup:
    """generator: -> Streams (each checked now, so a bad stream names its YAML line)."""
    from ..gen import Field, Stream
    node = root["generator"]
    streams = []
    for i, sn in enumerate(node["streams"].children):
        kw = dict(sn.value)
        fields = []
        for j, fn in enumerate(sn["fields"].children if sn.has("fields") else []):
            f = dict(fn.value)
            where = f.pop("name", None)
            if where is None:
                where = f.pop("offset", None)
            elif "offset" in f:
                raise ConfigError(f"generator.streams[{i}].fields[{j}].offset", f["offset"],
                                  "either name: or offset:, not both", file, fn["offset"].line)
            if where is None:
                raise ConfigError(f"generator.streams[{i}].fields[{j}]", None, "a name: or an offset:", file, fn.line)
            fields.append(Field(where, **f))
        kw["fields"] = fields
        size = kw.get("size")
        if isinstance(size, list):
            kw["size"] = tuple(size)
        elif isinstance(size, dict):
            kw["size"] = sorted(size.items())
        kw.setdefault("name", f"stream{i}")
        if "stage" in kw:
            kw["stage"] = stage_path(file, kw["stage"])
        stream = Stream(**kw)
        try:
            stream.build()
        except InvalidArgumentError as exc:
            key = exc.param if sn.has(exc.param) else None
            raise ConfigError(f"generator.streams[{i}]" + (f".{key}" if key else f" ({exc.param})"), exc.value,
                              exc.allowed, file, sn[key].line if key else sn.line) from None
        streams.append(stream)
    rx = node.get("rx_ports")
    rx_stage = node.get("rx_stage")
    return GeneratorSetup(streams, node.get("tx_port", 0), list(rx) if rx is not None else None,
                          node.get("tx_burst", 32), node.get("rx_burst", 32), node.get("clock", "tsc"),
                          stage_path(file, rx_stage) if rx_stage else None)


def _pcap_count(file: str, root: Node, vdevs: list[str], check_env: bool) -> int | None:
    """packets: auto -> the number of records in the vdevs' rx_pcap files (a replay's length)."""
    from ..pcap import read_pcap
    from ..vdev import parse_devargs
    files = [v for d in vdevs for k, v in parse_devargs(d)[1] if k == "rx_pcap"]
    if not files:
        raise ConfigError("packets", "auto", "a number, or auto with vdevs that read rx_pcap files",
                          file, root["packets"].line)
    if not check_env:
        return None
    return sum(1 for f in files for _ in read_pcap(f)) or None


def loads(text: str, file: str = "<setup>", *, check_env: bool = True) -> Setup:
    """Validate set-up text. ``check_env=False`` (``--check``) skips what only the target
    machine can tell: input files, interfaces and plugin files existing."""
    return _build(file, compose(text, file, SCHEMA), check_env)


def load(path: str, *, check_env: bool = True) -> Setup:
    """Read and validate a YAML set-up file (see :func:`loads`)."""
    with open(path) as f:
        return loads(f.read(), path, check_env=check_env)
