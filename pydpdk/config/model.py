"""The YAML set-up schema (see docs/config.md) and its translation to an EalConfig and to
``pydpdk fwd``'s options, which :class:`pydpdk.cli.fwd.Session` runs."""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidArgumentError
from ..ethdev import RSS_HASH_FUNCTIONS, RX_OFFLOADS, TX_OFFLOADS
from ..forward import MODES
from .schema import (Bool, ConfigError, Dict, Enum, Float, Int, List, Map, Node, OneOf, Str, Text,
                     compose)

__all__ = ["SCHEMA", "Setup", "load", "loads"]

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

PORT = Map({
    "port": Int(0, 1023), "name": Str(desc="a port name such as net_ring0 or 0000:00:04.0"),
    **_QUEUE_OPTS,
    "rss": _RSS,
    "mtu": Int(68, 65535),
    "rx_offloads": List(Enum(sorted(RX_OFFLOADS)), single=True),
    "tx_offloads": List(Enum(sorted(TX_OFFLOADS)), single=True),
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
}, desc="forwarding options")

SCHEMA = Map({
    "description": Str(),
    "eal": EAL,
    "vdevs": List(VDEV, single=True),
    "pci": List(PCI, single=True),
    "rings": List(RING),
    "ring_ports": List(RING_PORT),
    "ports": List(PORT),
    "forwarding": FORWARDING,
    "duration": Float(0.0, desc="seconds (a number >= 0)"),
    "packets": OneOf(Int(1), Enum(["auto"])),   # stop after N received packets; auto: rx_pcap files' count
    "stats_period": Float(0.0),
}, desc="a set-up")

# yaml key -> fwd option name (where they differ)
_FWD_NAMES = {"mode": "forward_mode", "topology": "port_topology"}


def _devargs(node: Node, name_key: str) -> str:
    v = node.value
    if isinstance(v, str):
        return v
    args = ",".join(f"{k}={a}" for k, a in (v.get("args") or {}).items())
    return v[name_key] + ("," + args if args else "")


@dataclass
class Setup:
    """A validated set-up: the YAML nodes (with lines), the EAL config and fwd options."""

    file: str
    root: Node
    eal: Any                   # EalConfig
    opts: argparse.Namespace
    env_checked: bool
    vdevs: tuple = ()           # devargs (also in eal.vdevs when env_checked)

    def line_of(self, *path: Any) -> int:
        node = self.root
        for p in path:
            try:
                node = node[p]
            except (KeyError, IndexError, TypeError):
                break
        return node.line

    def explain(self, exc: BaseException) -> str:
        """Word a run-time refusal with the YAML key and line it most likely comes from."""
        if not isinstance(exc, InvalidArgumentError):
            return str(exc)
        keys = {"nb_rxq": ("rxq",), "nb_txq": ("txq",), "nb_desc": ("rxd", "txd"), "mtu": ("mtu",),
                "rss": ("rss",), "rx_offloads": ("rx_offloads",), "tx_offloads": ("tx_offloads",),
                "free_thresh": ("rxfreet", "txfreet"), "rs_thresh": ("txrst",), "nb_cores": ("nb_cores",),
                "burst": ("burst",), "txpkts": ("txpkts",), "eth_peers": ("eth_peers",),
                "ports": ("port", "name")}.get(exc.param, ())
        for i, _ in enumerate(self.root.get("ports") or []):
            for k in keys:
                if self.root["ports"][i].has(k):
                    return f"{self.file}:{self.root['ports'][i][k].line}: ports[{i}].{k}: {exc}"
        for k in keys:
            if self.root.has("forwarding") and self.root["forwarding"].has(k):
                return f"{self.file}:{self.root['forwarding'][k].line}: forwarding.{k}: {exc}"
        return f"{self.file}: {exc}"

    def summary(self) -> str:
        o = self.opts
        what = f"for {o.duration} s" if o.duration is not None else "until Ctrl-C"
        if o.packets:
            what = f"until {o.packets} packets" + (f" or {o.duration} s" if o.duration is not None else "")
        nv, npci = len(self.root.get("vdevs") or []), len(self.root.get("pci") or [])
        nr = len(self.root.get("ring_ports") or [])
        argv = self.eal.argv() + ([] if self.env_checked else [a for v in self.vdevs for a in ("--vdev", v)])
        if self.eal.file_prefix is None and "--file-prefix" in argv:   # the default is per process
            i = argv.index("--file-prefix")
            del argv[i:i + 2]
        return (f"{self.file}: OK - EAL {' '.join(argv)}; {nv} vdev(s), {npci} PCI device(s), "
                f"{nr} ring port(s); {o.forward_mode} forwarding {what}")


def _check_vdev(setup_file: str, node: Node, devargs: str, check_env: bool) -> None:
    """Devargs keys and values of known drivers; file/interface existence only when check_env."""
    from ..vdev import check_devargs
    try:
        check_devargs(devargs, check_env=check_env)
    except InvalidArgumentError as exc:
        raise ConfigError(f"{node.key}: {exc.param}", exc.value, exc.allowed, setup_file, node.line) from None


def _build(file: str, root: Node, check_env: bool) -> Setup:
    from ..cli.fwd import app_parser
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
    # fwd options
    opts = app_parser().parse_args([])
    for k, v in (root.get("forwarding") or {}).items():
        if k == "flush_rx":
            opts.no_flush_rx = not v
        elif k == "eth_peers":
            opts.eth_peer = [f"{p},{m}" for p, m in v.items()]
        elif k == "txpkts":
            opts.txpkts = ",".join(str(x) for x in v)
        elif k == "mbuf_size":
            opts.mbuf_size = str(v)
        else:
            setattr(opts, _FWD_NAMES.get(k, k), v)
    for k in ("duration", "packets", "stats_period"):
        if root.has(k):
            setattr(opts, k, root.get(k))
    if opts.packets == "auto":
        opts.packets = _pcap_count(file, root, vdevs, check_env)
    port_config: dict[Any, dict[str, Any]] = {}
    for i, pn in enumerate(root["ports"].children if root.has("ports") else []):
        entry = dict(pn.value)
        if "port" in entry and "name" in entry:
            raise ConfigError(f"ports[{i}].name", entry["name"], "either port: (an id) or name:, not both",
                              file, pn["name"].line)
        ident = entry.pop("port", None)
        ident = entry.pop("name", ident if ident is not None else i)
        over: dict[str, Any] = {}
        for k, v in entry.items():
            if k == "rss":
                if v is False:
                    over["disable_rss"], over["rss"] = True, None
                elif v is True:
                    over["rss"] = ["ip"]
                else:
                    over["rss"] = v
            else:
                over[k] = v
        if ident in port_config:
            raise ConfigError(f"ports[{i}]", ident, "each port configured once", file, pn.line)
        port_config[ident] = over
    opts.port_config = port_config
    if rings or root.has("ring_ports"):
        opts.make_ports = _ring_ports_maker(root)
    return Setup(file, root, eal, opts, check_env, tuple(vdevs))


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


def _ring_ports_maker(root: Node):
    def make(session: Any) -> None:
        from ..ring import Ring, ports_from_rings
        rings = {}
        for r in root.get("rings") or []:
            rings[r["name"]] = Ring.create(r["name"], r.get("size", 1024), sp_enq=r.get("sp_enq", False),
                                           sc_deq=r.get("sc_deq", False))
        session.rings = rings
        session.ring_ports = [ports_from_rings(rp["name"], [rings[n] for n in rp["rx"]],
                                              [rings[n] for n in rp["tx"]])
                              for rp in root.get("ring_ports") or []]
        conf = session.opts.port_config          # ports: entries may use the ring_ports name
        for rp, port in zip(root.get("ring_ports") or [], session.ring_ports):
            if rp["name"] in conf and rp["name"] != port.name:
                conf[port.id] = conf.pop(rp["name"])
    return make


def loads(text: str, file: str = "<setup>", *, check_env: bool = True) -> Setup:
    """Validate set-up text. ``check_env=False`` (``--check``) skips what only the target
    machine can tell: input files, interfaces and plugin files existing."""
    return _build(file, compose(text, file, SCHEMA), check_env)


def load(path: str, *, check_env: bool = True) -> Setup:
    with open(path) as f:
        return loads(f.read(), path, check_env=check_env)
