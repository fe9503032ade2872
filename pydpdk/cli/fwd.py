"""``pydpdk fwd``: EAL options, then ``--`` and dpdk-testpmd's application options.

    pydpdk fwd                                   # the guide's §7.1.2: two ring ports, io, tx_first
    pydpdk fwd -l 0-1 --no-pci --vdev 'eth_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap' -- --no-flush-rx
    pydpdk fwd -c 3 -n 4 --vdev=eth_ring0 --vdev=eth_ring1 -- -i
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import signal
import sys
import threading
import time
from typing import Any, Callable, Iterable, TextIO, Sequence, cast

from ..eal import EalConfig
from ..ethdev import Port
from ..mempool import Mempool
from ..forward import Forwarder, ForwardStats
from ..session import EngineSettings, MempoolPolicy, PortSettings, Run, Session
from .portstats import Throughput, port_stats_text
from .verbose import VerbosePrinter

# EAL options pydpdk fwd knows (what EalConfig.from_argv reads): (names, value, help)
EAL_OPTIONS: list[tuple[tuple[str, ...], str | None, str]] = [
    (("-l", "--lcores"), "LIST", "lcores to run on, e.g. 0-1 (default 0-1); the first is the main lcore"),
    (("-c",), "MASK", "the lcores as a hexadecimal mask (testpmd's -c 3), instead of -l"),
    (("--main-lcore",), "ID", "the main lcore (forwarding runs on the others)"),
    (("-n",), "N", "memory channels"),
    (("-a", "--allow", "-w", "--pci-whitelist"), "PCI[,ARGS]", "use this PCI device (repeatable)"),
    (("-b", "--block"), "PCI", "skip this PCI device (repeatable)"),
    (("--vdev",), "DEVARGS", "a virtual device, e.g. net_ring0 or net_pcap0,rx_pcap=in.pcap (repeatable)"),
    (("--no-pci",), None, "do not scan the PCI bus"),
    (("--no-huge",), None, "ordinary memory (pydpdk falls back to it when no hugepages are free)"),
    (("--in-memory",), None, "no runtime files (no secondary processes)"),
    (("--single-file-segments",), None, "one hugepage file per memory segment list"),
    (("--file-prefix",), "NAME", "runtime directory name (default: one per process)"),
    (("--socket-mem",), "MB[,MB]", "memory per NUMA socket"),
    (("-m",), "MB", "memory"),
    (("--iova-mode",), "pa|va", "IO virtual addresses: physical or virtual"),
    (("--proc-type",), "primary|secondary|auto", "process type"),
    (("--huge-dir",), "DIR", "hugetlbfs mount to use"),
    (("--log-level",), "[TYPE:]LEVEL", "log level, e.g. lib.eal:debug (repeatable)"),
    (("-d",), "PATH", "load a PMD plugin .so (or a directory of them)"),
    (("--no-telemetry",), None, "no telemetry socket"),
]
_EAL_VALUE = {n for names, value, _ in EAL_OPTIONS if value for n in names}
_EAL_ALL = {n for names, _, _ in EAL_OPTIONS for n in names}
_DEVICE_OPTIONS = {"--vdev", "-a", "--allow", "-w", "--pci-whitelist", "-b", "--block"}


def _app_options() -> dict[str, bool]:
    """App option -> whether it takes a value."""
    return {o: a.nargs != 0 for a in app_parser()._actions for o in a.option_strings}


def _eal_name(arg: str) -> str | None:
    """The EAL option an argument is (``--vdev=x`` -> --vdev, ``-l0-1`` -> -l), or None."""
    name = arg.split("=", 1)[0] if arg.startswith("--") else arg
    if name in _EAL_ALL:
        return name
    if not arg.startswith("--") and len(arg) > 2 and arg[:2] in _EAL_ALL:
        return arg[:2]
    return None


def split_argv(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """EAL options, then app options: after ``--`` as testpmd wants; app options are also
    accepted before ``--`` (``pydpdk fwd --duration 5 --file-prefix x``) and EAL options after
    it, each moved to its side (``-a`` is testpmd's: --allow before ``--``, --auto-start after)."""
    argv = list(argv)
    app_opts = _app_options()
    if "--" in argv:
        i = argv.index("--")
        before, after = argv[:i], argv[i + 1:]
    else:
        before, after = argv, []
    eal: list[str] = []
    app: list[str] = []
    k = 0
    while k < len(before):                       # app-only options before --: to the app side
        a = before[k]
        name = a.split("=", 1)[0]
        if name in app_opts and _eal_name(a) is None:
            app.append(a)
            if app_opts[name] and "=" not in a and k + 1 < len(before):
                app.append(before[k + 1])
                k += 1
        else:
            eal.append(a)
            if _eal_name(a) in _EAL_VALUE and a == _eal_name(a) and k + 1 < len(before):
                eal.append(before[k + 1])
                k += 1
        k += 1
    k = 0
    while k < len(after):                        # EAL-only options after --: to the EAL side
        a = after[k]
        name = a.split("=", 1)[0]
        e = _eal_name(a)
        if e is not None and name not in app_opts:
            eal.append(a)
            if e in _EAL_VALUE and a == e and k + 1 < len(after):
                eal.append(after[k + 1])
                k += 1
        else:
            app.append(a)
            if name in app_opts and app_opts[name] and "=" not in a and k + 1 < len(after):
                app.append(after[k + 1])
                k += 1
        k += 1
    return eal, app


def with_default_ports(eal_argv: Sequence[str]) -> tuple[list[str], bool]:
    """EAL options that add no device (no --vdev, -a or -b) get the default two ring ports
    (with --no-pci, and -l 0-1 unless lcores are given); returns (argv, defaults added)."""
    argv = list(eal_argv)
    if any(_eal_name(a) in _DEVICE_OPTIONS for a in argv):
        return argv, False
    names = {_eal_name(a) for a in argv}
    add = [] if names & {"-l", "--lcores", "-c"} else ["-l", "0-1"]
    add += [] if "--no-pci" in names else ["--no-pci"]
    add += ["--vdev", "net_ring0", "--vdev", "net_ring1"]
    if "--file-prefix" not in names and "--in-memory" not in names:
        add += ["--file-prefix", f"pydpdk-fwd-{os.getpid()}"]      # runs never collide
    return add + argv, True


def ordinary_memory_note(session: Session) -> str | None:
    """What to tell the user when the Session falls back to ordinary memory (else None)."""
    cfg, eff = session.eal, session.eal_config()
    if cfg is None or eff is None or cfg.no_huge or not eff.no_huge:
        return None
    return (f"no free hugepages: running on ordinary memory (--no-huge -m {eff.memory_mb}); "
            "reserve hugepages for full speed")


def app_parser() -> argparse.ArgumentParser:
    """dpdk-testpmd's application options (after ``--``), each with its meaning."""
    from ..forward import MODES
    ap = argparse.ArgumentParser(prog="pydpdk fwd [EAL options] --", add_help=True,
                                 description="dpdk-testpmd's options, with their meanings.")
    g = ap.add_argument_group("running")
    g.add_argument("-i", "--interactive", action="store_true", help="testpmd-style interactive shell")
    g.add_argument("-a", "--auto-start", action="store_true", help="start forwarding at once (with -i)")
    g.add_argument("--duration", type=float, default=None, help="run N seconds, stop, print, exit 0")
    g.add_argument("--packets", type=int, default=None,
                   help="stop once N packets were received (e.g. a pcap replay), exit 0")
    g.add_argument("--stats-period", type=float, default=0, help="print port statistics every N s")
    g.add_argument("--progress", dest="progress", action="store_true", default=None,
                   help="show progress of a --duration/--packets run (default: on a terminal)")
    g.add_argument("--no-progress", dest="progress", action="store_false", help="no progress line")
    g.add_argument("--json", action="store_true", help="final statistics as one JSON object on stdout")
    g = ap.add_argument_group("forwarding")
    g.add_argument("--forward-mode", default="io", choices=list(MODES), metavar="MODE",
                   help="the engine (default io): one of the forwarding modes listed below")
    g.add_argument("--stage", default=None, metavar="FILE.py:FUNCTION",
                   help="run a compiled stage (numba; or FILE.c:FUNCTION, cffi) per packet: --forward-mode stage")
    g.add_argument("--burst", type=int, default=32, help="packets per burst (default 32)")
    g.add_argument("--nb-cores", type=int, default=1, help="forwarding lcores (default 1)")
    g.add_argument("--nb-ports", type=int, default=None, help="use only the first N ports")
    g.add_argument("--port-topology", default="paired", choices=["paired", "chained", "loop"],
                   help="which port each port forwards to (default paired: 0<->1, 2<->3 ...)")
    g.add_argument("--tx-first", action="store_true", help="send one burst on each stream first")
    g.add_argument("--no-flush-rx", action="store_true", help="do not drop what waits in RX queues at start")
    g.add_argument("--txretry", type=int, default=0, help="TX retries when a TX queue is full (default 0)")
    g.add_argument("--eth-peer", action="append", default=[], metavar="N,XX:XX:XX:XX:XX:XX",
                   help="destination MAC of port N's packets (mac, txonly, flowgen; repeatable)")
    g.add_argument("--txpkts", default="64", help="TX segment lengths, e.g. 64 or 1024,1024 (txonly, flowgen)")
    g.add_argument("--nb-flows", type=int, default=1024, dest="nb_flows", help="flowgen flows (default 1024)")
    g = ap.add_argument_group("ports and queues")
    g.add_argument("--rxq", type=int, default=1, help="RX queues per port (default 1)")
    g.add_argument("--txq", type=int, default=1, help="TX queues per port (default 1)")
    g.add_argument("--rxd", type=int, default=None, help="RX descriptors per queue (driver default)")
    g.add_argument("--txd", type=int, default=None, help="TX descriptors per queue (driver default)")
    g.add_argument("--rxfreet", type=int, default=None, help="RX free threshold")
    g.add_argument("--txfreet", type=int, default=None, help="TX free threshold")
    g.add_argument("--txrst", type=int, default=None, help="TX RS bit threshold")
    g.add_argument("--max-pkt-len", type=int, default=None,
                   help="maximum RX frame length (sets the MTU; RX scatter when it exceeds the mbuf)")
    g.add_argument("--rss-ip", action="store_true", help="RSS over IP with several RX queues (the default)")
    g.add_argument("--rss-udp", action="store_true", help="RSS over IP and UDP with several RX queues")
    g.add_argument("--disable-rss", action="store_true", help="no RSS")
    g.add_argument("--promisc", dest="promisc", action="store_true", default=True,
                   help="promiscuous mode on every port (the default)")
    g.add_argument("--no-promisc", dest="promisc", action="store_false", help="no promiscuous mode")
    g = ap.add_argument_group("mbufs")
    g.add_argument("--mbuf-size", type=str, default=None, help="mbuf data room, headroom included (2176)")
    g.add_argument("--total-num-mbufs", type=int, default=None,
                   help="mbufs in the pool (default: testpmd's sizing, at least 8191)")
    g.add_argument("--mbcache", type=int, default=250, help="mempool per-lcore cache size (default 250)")
    return ap


def help_text() -> str:
    """``pydpdk fwd --help``: the EAL options in their own group, then the app options."""
    lines = ["usage: pydpdk fwd [EAL options] [-- app options]", "",
             "Forward packets like dpdk-testpmd. With no --vdev, -a or -b: two ring ports (net_ring0,",
             "net_ring1), io forwarding, tx_first. App options may also come before --, EAL options",
             "after it.", "", "EAL options (before --):"]
    for names, value, text in EAL_OPTIONS:
        spec = ", ".join(f"{n} {value}" if value else n for n in names)
        lines.append(f"  {spec:<34} {text}" if len(spec) < 34 else f"  {spec}\n  {'':<34} {text}")
    from .shell import modes_help
    body = app_parser().format_help().split("\n", 1)[1]
    return ("\n".join(lines) + "\n\napp options (after --):"
            + body.split("dpdk-testpmd's options, with their meanings.", 1)[-1].rstrip("\n")
            + "\n\n" + modes_help("forwarding modes (--forward-mode MODE):") + "\n")


# Session fields -> the option that sets them (to name the option in a refusal)
FIELD_OPTIONS = {
    "port.rxq": "--rxq", "port.txq": "--txq", "port.rxd": "--rxd", "port.txd": "--txd",
    "port.rx_free_thresh": "--rxfreet", "port.tx_free_thresh": "--txfreet", "port.tx_rs_thresh": "--txrst",
    "port.max_pkt_len": "--max-pkt-len", "pool.total": "--total-num-mbufs", "pool.data_room": "--mbuf-size",
    "pool.cache": "--mbcache", "engine.mode": "--forward-mode", "engine.burst": "--burst",
    "engine.nb_cores": "--nb-cores", "engine.topology": "--port-topology", "engine.eth_peers": "--eth-peer",
    "engine.txpkts": "--txpkts", "engine.nb_flows": "--nb-flows", "engine.txretry": "--txretry",
    "nb_ports": "--nb-ports", "engine.stage": "--stage",
}


def session_from_options(eal_argv: Sequence[str] | EalConfig, opts: argparse.Namespace) -> Session:
    """The Session ``pydpdk fwd EAL-ARGV -- APP-OPTIONS`` describes (no EAL options: the guide's
    two ring ports, tx_first). Raises InvalidArgumentError naming the option or field."""
    from ..errors import invalid
    default = False
    if not isinstance(eal_argv, EalConfig):
        # the guide's §7.1.2 (no device given): ring ports forward nothing until tx_first primes them
        eal_argv, default = with_default_ports(eal_argv)
    cfg = eal_argv if isinstance(eal_argv, EalConfig) else EalConfig.from_argv(eal_argv)
    rss = False if opts.disable_rss else (["ip", "udp"] if opts.rss_udp and opts.rxq > 1 else None)
    try:
        data_room = int(opts.mbuf_size.split(",")[0]) if opts.mbuf_size else 2176
    except ValueError:
        raise invalid("--mbuf-size", opts.mbuf_size, "a number of bytes such as 2176") from None
    peers = {}
    for item in opts.eth_peer:
        pid, _, mac = item.partition(",")
        if not pid.isdigit() or not mac:
            raise invalid("--eth-peer", item, "N,XX:XX:XX:XX:XX:XX")
        peers[int(pid)] = mac
    try:
        txpkts = [int(x) for x in opts.txpkts.split(",")]
    except ValueError:
        raise invalid("--txpkts", opts.txpkts, "segment lengths such as 64 or 1024,1024") from None
    port = PortSettings(rxq=opts.rxq, txq=opts.txq, rxd=opts.rxd, txd=opts.txd,
                        rx_free_thresh=opts.rxfreet, tx_free_thresh=opts.txfreet, tx_rs_thresh=opts.txrst,
                        rss=rss, max_pkt_len=opts.max_pkt_len, promiscuous=opts.promisc)
    pool = MempoolPolicy(total=opts.total_num_mbufs, data_room=data_room, cache=opts.mbcache)
    mode = "stage" if opts.stage and opts.forward_mode == "io" else opts.forward_mode
    engine = EngineSettings(mode=mode, stage=opts.stage, burst=opts.burst, nb_cores=opts.nb_cores,
                            topology=opts.port_topology, eth_peers=peers, txpkts=txpkts,
                            nb_flows=opts.nb_flows, txretry=opts.txretry,
                            tx_first=bool(opts.tx_first or default), flush_rx=not opts.no_flush_rx)
    return Session(eal=cfg, nb_ports=opts.nb_ports, port=port, pool=pool, engine=engine)


def session_from_argv(argv: Sequence[str]) -> Session:
    """``pydpdk fwd``'s whole command line -> its Session (what bench/pyloop.py builds)."""
    eal_argv, app_argv = split_argv(argv)
    return session_from_options(eal_argv, app_parser().parse_args(app_argv))


class Console:
    """A built Session with testpmd's printing: banner, start/stop lines, statistics. What the
    runner and the interactive shell share."""

    def __init__(self, run: Run, out: TextIO):
        self.run, self.out = run, out
        self.since = Throughput()
        self.dirty: set[int] = set()      # ports whose settings changed since they were configured
        self.base: ForwardStats | None = None   # the engine's statistics at `clear fwd stats all`
        self._print_lock = threading.Lock()
        self.verbose = VerbosePrinter(self.print)    # `set verbose N`: packets printed as received

    @property
    def session(self) -> Session:
        """The Session the run was built from."""
        return self.run.session

    @property
    def fwd(self) -> Forwarder:
        """The run's Forwarder."""
        assert self.run.engine is not None
        return self.run.engine

    @property
    def ports(self) -> list[Port]:
        """The run's ports, in id order."""
        return self.run.ports

    @property
    def pool(self) -> Mempool:
        """The run's mempool."""
        return cast(Mempool, self.run.pool)   # a built Run has its pool

    @property
    def flush_rx(self) -> bool:
        """Whether start drains the RX queues first (testpmd's ``set flush_rx on|off``)."""
        return self.engine_settings.flush_rx

    @flush_rx.setter
    def flush_rx(self, on: bool) -> None:
        self.engine_settings.flush_rx = on

    @property
    def engine_settings(self) -> EngineSettings:
        """The session's engine settings (mode, burst, cores...), as the shell changes them."""
        assert self.session.engine is not None
        return self.session.engine

    def print(self, text: str = "") -> None:
        """Write a line (or lines) to the console's output, flushed, whole: the verbose thread
        prints too."""
        with self._print_lock:
            self.out.write(text + "\n")
            self.out.flush()

    def banner(self) -> None:
        """testpmd's "packet forwarding" banner: mode, ports, cores, streams per lcore."""
        f = self.fwd
        self.print(f"{f.mode} packet forwarding - ports={len(self.ports)} - cores={len(f.lcores)} - "
                   f"streams={len(f.streams)} - NUMA support enabled, MP allocation mode: native")
        per_lcore: dict[int, list[Any]] = {}
        st = f.stats()
        for s in st.streams:
            per_lcore.setdefault(s.lcore, []).append(s)
        for lc, streams in per_lcore.items():
            self.print(f"Logical Core {lc} (socket 0) forwards packets on {len(streams)} streams:")
            for s in streams:
                self.print(f"  RX P={s.rx_port}/Q={s.rx_queue} (socket 0) -> TX P={s.tx_port}/Q={s.tx_queue} (socket 0)")
        self.print()
        self.config_fwd()

    def config_fwd(self) -> None:
        """The forwarding configuration lines (testpmd's banner tail; ``show config fwd``)."""
        f = self.fwd
        self.print(f"  {f.mode} packet forwarding packets/burst={f.burst}")
        self.print(f"  nb forwarding cores={len(f.lcores)} - nb forwarding ports={len(self.ports)}")
        for p in self.ports:
            self.print(f"  port {p.id}: RX queue number: {p.nb_rx_queues} Tx queue number: {p.nb_tx_queues}")
            rx, tx = p.queue_conf("rx", 0), p.queue_conf("tx", 0)
            self.print(f"    RX queue: 0\n      RX desc={rx.nb_desc} - RX free threshold={rx.free_thresh}")
            self.print(f"      RX Offloads=0x{rx.offloads:x}")
            self.print(f"    TX queue: 0\n      TX desc={tx.nb_desc} - TX free threshold={tx.free_thresh}")
            self.print(f"      TX offloads=0x{tx.offloads:x} - TX RS bit threshold={tx.rs_thresh}")
        pool = self.pool
        self.print(f"  mbuf pool {pool.name}: {pool.size} mbufs, data room {pool.data_room}, "
                   f"cache {pool.cache_size}")

    def start(self, tx_first: bool | int = False) -> None:
        """``start [tx_first]``: print the banner and start forwarding (says so if already started)."""
        if self.fwd.running:
            self.print("Packet forwarding already started")
            return
        self.banner()
        self.base = None                  # the engine's counters start from 0
        self.run.start(tx_first=tx_first)

    def stop(self) -> ForwardStats | None:
        """``stop``: stop forwarding and print testpmd's statistics; returns the final ForwardStats
        (None when forwarding was not started)."""
        if not self.fwd.running:
            self.print("Packet forwarding not started")
            return None
        final = self.since_clear(self.fwd.stop())
        self.verbose.flush()              # every packet line before the statistics
        self.stopped(final)
        return final

    def clear_fwd_stats(self) -> None:
        """``clear fwd stats all``: from now on (while forwarding too, as testpmd)."""
        if self.fwd.running:
            self.base = self.fwd.stats()
        else:
            self.base = None
            self.fwd.reset_stats()

    def since_clear(self, st: ForwardStats) -> ForwardStats:
        """The engine's statistics minus those at the last ``clear fwd stats all``."""
        base = self.base
        if base is None:
            return st

        def minus(now: Any, then: Any) -> Any:
            return dataclasses.replace(now, **{f.name: getattr(now, f.name) - getattr(then, f.name)
                                               for f in dataclasses.fields(now)
                                               if f.name.endswith(("packets", "bytes", "dropped", "failures",
                                                                   "nombuf", "csum"))})
        ports = {p.port: p for p in base.ports}
        streams = {(s.rx_port, s.rx_queue, s.tx_port, s.tx_queue): s for s in base.streams}
        return dataclasses.replace(
            st, elapsed_s=st.elapsed_s - base.elapsed_s,
            ports=[minus(p, ports[p.port]) if p.port in ports else p for p in st.ports],
            streams=[minus(x, streams[k]) if (k := (x.rx_port, x.rx_queue, x.tx_port, x.tx_queue)) in streams
                     else x for x in st.streams])

    def stopped(self, final: ForwardStats) -> None:
        """Print what testpmd prints after stop: the forward statistics block, then "Done."."""
        self.print("Telling cores to stop...")
        self.print("Waiting for lcores to finish...")
        self.print()
        self.print(final.testpmd_text())
        self.print("Done.")

    def port_stats_text(self, ports: Sequence[Port] | None = None) -> str:
        """testpmd's "NIC statistics" blocks for these ports (all by default), since the last clear."""
        return port_stats_text(self.ports if ports is None else ports, since=self.since)

    # -- the shell's port and engine commands (testpmd's wording) ------------------------------
    def ready(self) -> bool:
        """Every port started and an engine over them (made again after port changes)."""
        if not self.ports:
            self.print("No ports: nothing to forward")
            return False
        if not all(p.started for p in self.ports):
            self.print("Not all ports were started")
            return False
        if self.run.engine is None:
            self.run.make_engine()
        return True

    def port_stop(self, ports: Iterable[Port]) -> None:
        """``port stop``: stop these ports (their RX queues' mbufs back to the pool)."""
        self.print("Stopping ports...")
        for p in ports:
            self.run.stop_port(p)         # what waits in its RX queues goes back to the pool
        self.verbose.flush()
        self.print("Checking link statuses...")
        self.print("Done")

    def port_start(self, ports: Iterable[Port]) -> None:
        """``port start``: start these ports, configuring again those whose settings changed
        (the engine is then made again at ``start``)."""
        changed = False
        for p in ports:
            if p.started:
                continue
            if p.id in self.dirty:
                self.print(f"Configuring Port {p.id} (socket {p.socket})")
                self.verbose.detach()         # its queues change: the callbacks go on again below
                self.run.configure_port(p)
                self.dirty.discard(p.id)
                changed = True
            self.run.start_port(p)
            self.print(f"Port {p.id}: {p.mac}")
        self.verbose.refresh(self.ports)
        if changed:
            self.run.close_engine()       # its streams follow the queues: made again at start
        self.print("Checking link statuses...")
        self.print("Done")

    def port_close(self, ports: Iterable[Port]) -> None:
        """``port close``: close these ports (refused for a started one, as testpmd does)."""
        self.print("Closing ports...")
        for p in list(ports):
            if p.started:
                self.print(f"Cannot close started device (port {p.id})")
                continue
            self.verbose.flush()
            self.run.close_port(p)            # a closing port loses its verbose callbacks first
            self.print(f"Port {p.id} is closed")
        self.verbose.refresh(self.ports)
        self.print("Done")

    def port_config(self, what: str, n: int) -> None:
        """``port config all rxq|txq|rxd|txd N``: applied at the next ``port start``."""
        for p in self.ports:
            new = self.run.settings[p.id].replace(**{what: n})
            new.validate("port.")
            self.run.settings[p.id] = new
            self.dirty.add(p.id)

    def set_engine(self, **changes: Any) -> None:
        """A new engine with these settings changed (mode, burst, txpkts, eth_peers)."""
        self.run.make_engine(**changes)

    def set_verbose(self, level: int) -> None:
        """``set verbose N``: 1 prints received packets, 2 sent ones, 3 both, 0 nothing (as testpmd)."""
        old = self.verbose.level
        if level <= 0:
            self.verbose.close()          # callbacks off and what they summarised printed: then the line
        self.print(f"Change verbose level from {old} to {level}")
        self.verbose.set_level(level, self.ports)


def main(argv: Sequence[str]) -> int:
    """``pydpdk fwd EAL-ARGS -- APP-ARGS``: build the session, forward, print testpmd's statistics;
    returns the exit status."""
    if any(a in ("-h", "--help") for a in argv):
        print(help_text())
        return 0
    eal_argv, app_argv = split_argv(argv)
    opts = app_parser().parse_args(app_argv)
    prog = "pydpdk fwd"
    from ..errors import PydpdkError
    try:
        session = session_from_options(eal_argv, opts)
    except PydpdkError as exc:
        opt = FIELD_OPTIONS.get(getattr(exc, "param", ""))
        print(f"{prog}: {opt + ': ' if opt else ''}{exc}", file=sys.stderr)
        return 1
    return execute(session, opts, prog=prog)


def execute(session: Session, opts: argparse.Namespace, prog: str = "pydpdk fwd",
            explain: Callable[[Any], str] = str) -> int:
    """Build the Session, forward (or run the shell), print testpmd's final statistics (or
    JSON), close; ``opts`` carries the run options (interactive, auto_start, duration, packets,
    stats_period, progress, json). ``explain(exc)`` words a set-up error (``pydpdk run`` adds
    the YAML line)."""
    import pydpdk
    out = sys.stderr if opts.json else sys.stdout
    if opts.json:
        from .._native import lib
        lib.pydpdk_log_to_stderr()
    from ..errors import InvalidArgumentError, PydpdkError
    note = ordinary_memory_note(session)
    if note:
        print(f"pydpdk: {note}", file=sys.stderr)
    try:
        try:
            run = session.build()
        except PydpdkError as exc:
            if isinstance(exc, InvalidArgumentError) and exc.param == "ports" and exc.value == []:
                print(f"{prog}: no ports: give --vdev devices or PCI devices bound to a DPDK driver "
                      "(is the PMD's plugin loaded? see `pydpdk ports`)", file=sys.stderr)
            else:
                opt = FIELD_OPTIONS.get(getattr(exc, "param", "")) if explain is str else None
                print(f"{prog}: {opt + ': ' if opt else ''}{explain(exc)}", file=sys.stderr)
            return 1
        console = Console(run, out)
        guard = SignalGuard(prog)
        interactive = getattr(opts, "interactive", False)
        with contextlib.ExitStack() as stack:
            if not interactive:                  # the run and its teardown: a second signal forces the exit
                stack.enter_context(guard)
            try:
                if interactive:
                    from .shell import Shell
                    if opts.auto_start:
                        console.start(console.engine_settings.tx_first)
                    try:
                        Shell(console).cmdloop()
                        engine = run.engine
                        final = None if engine is None else (console.stop() if engine.running else engine.stats())
                    finally:
                        console.verbose.close()
                else:
                    final = _run(console, opts, guard)
                if opts.json and final is not None:
                    print(final.to_json(), flush=True)
                if guard.signum is not None:
                    print(f"{prog}: stopped by {signal.Signals(guard.signum).name}", file=sys.stderr)
                return guard.exit_status
            finally:
                try:
                    run.close()
                except PydpdkError as exc:
                    print(f"{prog}: closing: {exc}", file=sys.stderr)
                pydpdk.cleanup()                 # still under the guard
    finally:
        pydpdk.cleanup()


class SignalGuard:
    """SIGINT, SIGTERM and SIGHUP while a command forwards: the first stops the engines (final
    statistics print, the exit status is 128 + the signal's number); a second one forces the exit
    within 2 s even when the main thread is stuck (a blocked stdout, a hung call): a watchdog
    thread woken through the signal wakeup fd removes the EAL's hugepage files and runtime
    directory and exits at once."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self, prog: str) -> None:
        self.prog = prog
        self.stop = threading.Event()
        self.signum: int | None = None
        self._old: dict[int, Any] = {}
        self._old_fd = -1
        self._r = self._w = -1

    def __enter__(self) -> "SignalGuard":
        if threading.current_thread() is not threading.main_thread():
            return self                        # signals can only be handled in the main thread
        self._r, self._w = os.pipe()
        os.set_blocking(self._w, False)
        self._old_fd = signal.set_wakeup_fd(self._w, warn_on_full_buffer=False)
        self._old = {s: signal.signal(s, self._on_signal) for s in self.SIGNALS}
        threading.Thread(target=self._watch, name="pydpdk-signal-watchdog", daemon=True).start()
        return self

    def _on_signal(self, signum: int, frame: Any) -> None:
        if self.signum is None:
            self.signum = signum
        self.stop.set()

    def _watch(self) -> None:
        seen = 0
        while True:
            try:
                data = os.read(self._r, 64)
            except OSError:
                return
            if not data:
                return
            for b in data:
                if b not in self.SIGNALS:
                    continue
                seen += 1
                if seen >= 2:
                    self._force(b)

    def _force(self, signum: int) -> None:
        from .. import eal as _eal
        try:
            os.write(2, f"{self.prog}: second {signal.Signals(signum).name}: forced exit\n".encode())
        except OSError:
            pass
        if _eal.is_initialized() and not _eal.is_secondary():
            prefix = _eal.current().file_prefix
            if prefix:
                _eal.remove_files(prefix, _eal.runtime_dir(prefix))
        os._exit(128 + signum)

    @property
    def exit_status(self) -> int:
        """0, or 128 + the number of the signal that stopped the run."""
        return 0 if self.signum is None else 128 + self.signum

    def __exit__(self, *exc: Any) -> None:
        if self._w < 0:
            return
        for s, h in self._old.items():
            signal.signal(s, h)
        signal.set_wakeup_fd(self._old_fd)
        for fd in (self._w, self._r):
            try:
                os.close(fd)
            except OSError:
                pass


def _run(console: Console, opts: argparse.Namespace, guard: SignalGuard) -> ForwardStats:
    stop = guard.stop
    run = console.run
    try:
        duration, packets = opts.duration, getattr(opts, "packets", None)
        period = getattr(opts, "stats_period", 0) or 0
        bar = None
        if duration is not None or packets:
            from ..progress import Progress
            bar = Progress(packets or duration, desc=f"{console.fwd.mode} forwarding",
                           unit="pkt" if packets else "s", enable=getattr(opts, "progress", None),
                           callback=getattr(opts, "progress_callback", None))
        next_stats = [time.monotonic() + period] if period else None

        def tick(elapsed: float, rx: int) -> None:
            if bar is not None:
                bar.set(rx if packets else round(elapsed, 1))
            if next_stats is not None and time.monotonic() >= next_stats[0]:
                console.print(console.port_stats_text())
                next_stats[0] += period
        console.banner()
        final = run.forward(duration, packets=packets, stop=stop, tick=tick,
                            tick_s=min(0.2, period) if period else 0.2,
                            on_start=(lambda: console.print("Press Ctrl-C to stop forwarding."))
                            if duration is None else None)
        if bar is not None:
            bar.close()
        console.stopped(final)
        return final
    finally:
        pass


def ports_main(argv: Sequence[str]) -> int:
    """``pydpdk ports [EAL-ARGS]``: list the ports an EAL sees (driver, MAC, link); returns the exit status."""
    import pydpdk
    eal_argv = list(argv) or ["--no-pci", "-l", "0"]
    cfg = EalConfig.from_argv(eal_argv).or_ordinary_memory(256)
    try:
        pydpdk.Eal.init(cfg)
        ports = pydpdk.ports()
        if not ports:
            print("no ports (no --vdev given, and no PCI device bound to a DPDK driver: "
                  "see `pydpdk host devices`)")
        for p in ports:
            link = p.link()
            print(f"port {p.id}: {p.name:<20} driver={p.driver:<16} mac={p.mac} "
                  f"socket={p.socket} {link} devargs={p.devargs!r}")
        return 0
    except pydpdk.PydpdkError as exc:
        print(f"pydpdk ports: {exc}", file=sys.stderr)
        return 1
    finally:
        pydpdk.cleanup()
