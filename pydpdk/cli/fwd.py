"""``pydpdk fwd``: EAL options, then ``--`` and dpdk-testpmd's application options.

    pydpdk fwd                                   # the guide's §7.1.2: two ring ports, io, tx_first
    pydpdk fwd -l 0-1 --no-pci --vdev 'eth_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap' -- --no-flush-rx
    pydpdk fwd -c 3 -n 4 --vdev=eth_ring0 --vdev=eth_ring1 -- -i
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from typing import Sequence

DEFAULT_EAL = ["-l", "0-1", "--no-pci", "--vdev", "net_ring0", "--vdev", "net_ring1"]


def _split(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """EAL options, then app options: after ``--`` as testpmd wants, or (leniently) from the first
    option only the app knows (``pydpdk fwd --duration 5``)."""
    argv = list(argv)
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1:]
    app_only = {o for a in app_parser()._actions for o in a.option_strings if o.startswith("--")} | {"-i"}
    for i, arg in enumerate(argv):
        if arg.split("=", 1)[0] in app_only:
            return argv[:i], argv[i:]
    return argv, []


def ordinary_memory_unless_hugepages(cfg, memory_mb: int, say: bool = False):
    """The commands' fallback: no free hugepages and none asked away -> --no-huge -m memory_mb."""
    from ..eal import hugepage_status
    if cfg.no_huge or any(s.free for s in hugepage_status()):
        return cfg
    if say:
        print(f"pydpdk: no free hugepages: running on ordinary memory (--no-huge -m {memory_mb}); "
              "reserve hugepages for full speed", file=sys.stderr)
    return cfg.replace(no_huge=True, memory_mb=cfg.memory_mb or memory_mb)


def app_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="pydpdk fwd [EAL options] --", add_help=True,
                                 description="dpdk-testpmd's options, with their meanings.")
    ap.add_argument("-i", "--interactive", action="store_true", help="testpmd-style interactive shell")
    ap.add_argument("-a", "--auto-start", action="store_true", help="start forwarding at once (with -i)")
    ap.add_argument("--forward-mode", default="io",
                    choices=["io", "mac", "macswap", "rxonly", "txonly", "flowgen", "icmpecho"])
    ap.add_argument("--burst", type=int, default=32)
    ap.add_argument("--rxq", type=int, default=1)
    ap.add_argument("--txq", type=int, default=1)
    ap.add_argument("--rxd", type=int, default=None, help="RX descriptors per queue (driver default)")
    ap.add_argument("--txd", type=int, default=None, help="TX descriptors per queue (driver default)")
    ap.add_argument("--nb-cores", type=int, default=1, help="forwarding lcores")
    ap.add_argument("--nb-ports", type=int, default=None, help="use only the first N ports")
    ap.add_argument("--port-topology", default="paired", choices=["paired", "chained", "loop"])
    ap.add_argument("--tx-first", action="store_true", help="send one burst on each stream first")
    ap.add_argument("--no-flush-rx", action="store_true", help="do not drop what waits in RX queues at start")
    ap.add_argument("--mbuf-size", type=str, default=None, help="mbuf data size (room incl. headroom)")
    ap.add_argument("--total-num-mbufs", type=int, default=None)
    ap.add_argument("--mbcache", type=int, default=250, help="mempool per-lcore cache size")
    ap.add_argument("--rxfreet", type=int, default=None, help="RX free threshold")
    ap.add_argument("--txfreet", type=int, default=None, help="TX free threshold")
    ap.add_argument("--txrst", type=int, default=None, help="TX RS bit threshold")
    ap.add_argument("--txretry", type=int, default=0)
    ap.add_argument("--eth-peer", action="append", default=[], metavar="N,XX:XX:XX:XX:XX:XX")
    ap.add_argument("--txpkts", default="64", help="TX segment lengths, e.g. 64 or 1024,1024")
    ap.add_argument("--nb-flows", type=int, default=1024, dest="nb_flows", help="flowgen flows")
    ap.add_argument("--max-pkt-len", type=int, default=None, help="maximum RX frame length (sets MTU)")
    ap.add_argument("--rss-ip", action="store_true")
    ap.add_argument("--rss-udp", action="store_true")
    ap.add_argument("--disable-rss", action="store_true")
    ap.add_argument("--promisc", dest="promisc", action="store_true", default=True)
    ap.add_argument("--no-promisc", dest="promisc", action="store_false")
    ap.add_argument("--stats-period", type=float, default=0, help="print port statistics every N s")
    ap.add_argument("--duration", type=float, default=None, help="run N seconds, stop, print, exit 0")
    ap.add_argument("--packets", type=int, default=None,
                    help="stop once N packets were received (e.g. a pcap replay), exit 0")
    ap.add_argument("--progress", dest="progress", action="store_true", default=None,
                    help="show progress of a --duration/--packets run (default: on a terminal)")
    ap.add_argument("--no-progress", dest="progress", action="store_false")
    ap.add_argument("--json", action="store_true", help="final statistics as one JSON object on stdout")
    return ap


class Session:
    """Ports, pool and forwarder built from the options; what the shell and the runner share."""

    def __init__(self, eal_argv: list[str], opts: argparse.Namespace, out):
        import pydpdk
        from ..errors import invalid
        self.opts, self.out = opts, out
        default = not eal_argv
        if default:       # the guide's §7.1.2: ring ports forward nothing until tx_first primes them
            eal_argv = DEFAULT_EAL + ["--file-prefix", f"pydpdk-fwd-{os.getpid()}"]   # runs never collide
            opts.tx_first = True
        from ..eal import EalConfig
        cfg = eal_argv if isinstance(eal_argv, EalConfig) else EalConfig.from_argv(eal_argv)
        cfg = ordinary_memory_unless_hugepages(cfg, 512, say=True)
        self.eal = pydpdk.Eal.init(cfg)
        make_ports = getattr(opts, "make_ports", None)     # pydpdk run: ports made from rings
        if make_ports is not None:
            make_ports(self)
        ports = pydpdk.ports()
        if opts.nb_ports:
            ports = ports[:opts.nb_ports]
        if not ports:
            raise SystemExit("pydpdk fwd: no ports: give --vdev devices or PCI devices bound to a DPDK "
                             "driver (is the PMD's plugin loaded? see `pydpdk ports`)")
        self.ports = ports
        mbuf_size = int(opts.mbuf_size.split(",")[0]) if opts.mbuf_size else 2176
        nb_lcores = len(self.eal.lcores())
        port_conf = getattr(opts, "port_config", None) or {}  # pydpdk run: per-port settings
        pc = [argparse.Namespace(**{**vars(opts), **port_conf.get(p.id, port_conf.get(p.name, {}))})
              for p in ports]
        unknown = set(port_conf) - {p.id for p in ports} - {p.name for p in ports}
        if unknown:
            raise invalid("ports", sorted(map(str, unknown)), "ids or names of the ports in use: "
                          f"{', '.join(f'{p.id} ({p.name})' for p in ports)}")
        need = sum((c.rxd or 512) * c.rxq + (c.txd or 512) * c.txq + nb_lcores * opts.mbcache + 512 for c in pc)
        n = opts.total_num_mbufs or max(need, 8191)
        self.pool = pydpdk.Mempool.create("pydpdk_fwd_pool", n, cache_size=min(opts.mbcache, n // 2),
                                          data_room=mbuf_size)
        self.flow_rules = []
        for p, c in zip(ports, pc):
            info = p.info()
            rss = None
            if c.rxq > 1 and not c.disable_rss:
                rss = ["ip"] + (["udp"] if c.rss_udp else [])
            rss = getattr(c, "rss", None) or rss
            use_rss = rss if (rss and info.flow_type_rss_offloads) else None
            mtu = None
            if opts.max_pkt_len:
                mtu = max(min(opts.max_pkt_len - 18, info.max_mtu), info.min_mtu)
            rx_off = ["scatter"] if (opts.max_pkt_len and opts.max_pkt_len > mbuf_size - 128
                                     and "scatter" in info.rx_offload_capa) else []
            mtu = getattr(c, "mtu", None) or mtu
            rx_off = list(rx_off) + [o for o in getattr(c, "rx_offloads", ()) if o not in rx_off]
            p.configure(c.rxq, c.txq, rss=use_rss, mtu=mtu, rx_offloads=rx_off,
                        tx_offloads=getattr(c, "tx_offloads", ()))
            for q in range(c.rxq):
                p.rx_queue_setup(q, c.rxd, self.pool, free_thresh=c.rxfreet)
            for q in range(c.txq):
                p.tx_queue_setup(q, c.txd, rs_thresh=c.txrst, free_thresh=c.txfreet)
            p.start()
            if c.promisc:
                try:
                    p.promiscuous = True
                except pydpdk.PortError:
                    pass
            for text in getattr(c, "flows", None) or ():      # pydpdk run: ports[i].flows
                from ..flow import execute, rule_command
                self.flow_rules.append(execute(rule_command(text, p.id)))
        peers = {}
        for item in opts.eth_peer:
            pid, _, mac = item.partition(",")
            if not pid.isdigit():
                raise invalid("--eth-peer", item, "N,XX:XX:XX:XX:XX:XX")
            peers[int(pid)] = mac
        self.peers = peers
        self.flush_rx = not opts.no_flush_rx
        self.fwd = self._forwarder(opts.forward_mode)

    def _forwarder(self, mode: str):
        from ..forward import Forwarder
        o = self.opts
        return Forwarder(self.ports, mode, burst=o.burst, nb_cores=o.nb_cores, topology=o.port_topology,
                         eth_peers=self.peers, txpkts=[int(x) for x in o.txpkts.split(",")],
                         nb_flows=o.nb_flows, tx_pool=self.pool, txretry=o.txretry,
                         count_bytes=None)   # like testpmd: io reads no mbuf (forward stats: packets)

    def print(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def banner(self) -> None:
        f = self.fwd
        self.print(f"{f.mode} packet forwarding - ports={len(self.ports)} - cores={len(f.lcores)} - "
                   f"streams={len(f.streams)} - NUMA support enabled, MP allocation mode: native")
        per_lcore: dict[int, list] = {}
        st = f.stats()
        for s in st.streams:
            per_lcore.setdefault(s.lcore, []).append(s)
        for lc, streams in per_lcore.items():
            self.print(f"Logical Core {lc} (socket 0) forwards packets on {len(streams)} streams:")
            for s in streams:
                self.print(f"  RX P={s.rx_port}/Q={s.rx_queue} (socket 0) -> TX P={s.tx_port}/Q={s.tx_queue} (socket 0)")
        self.print()
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

    def start(self, tx_first: bool = False) -> None:
        if self.fwd.running:
            self.print("Packet forwarding already started")
            return
        self.banner()
        self.fwd.start(tx_first=tx_first, flush_rx=self.flush_rx)

    def stop(self):
        if not self.fwd.running:
            self.print("Packet forwarding not started")
            return None
        self.print("Telling cores to stop...")
        self.print("Waiting for lcores to finish...")
        final = self.fwd.stop()
        self.print()
        self.print(final.testpmd_text())
        self.print("Done.")
        return final

    def port_stats_text(self) -> str:
        lines = []
        for p in self.ports:
            s = p.stats()
            lines.append(f"  ######################## NIC statistics for port {p.id}  ########################")
            lines.append(f"  RX-packets: {s.ipackets:<10} RX-missed: {s.imissed:<10} RX-bytes:  {s.ibytes}")
            lines.append(f"  RX-errors: {s.ierrors}")
            lines.append(f"  RX-nombuf:  {s.rx_nombuf}")
            lines.append(f"  TX-packets: {s.opackets:<10} TX-errors: {s.oerrors:<10} TX-bytes:  {s.obytes}")
            lines.append("  " + "#" * 80)
        return "\n".join(lines)

    def close(self) -> None:
        import pydpdk
        pydpdk.cleanup()


def main(argv: Sequence[str]) -> int:
    eal_argv, app_argv = _split(argv)
    opts = app_parser().parse_args(app_argv)
    return execute(eal_argv, opts)


def execute(eal_argv, opts: argparse.Namespace, prog: str = "pydpdk fwd", explain=str) -> int:
    """Build a Session (EAL argv or an EalConfig), forward, print testpmd's final statistics
    (or JSON). ``explain(exc)`` words a set-up error (``pydpdk run`` adds the YAML line)."""
    out = sys.stderr if opts.json else sys.stdout
    if opts.json:
        from .._native import lib
        lib.pydpdk_log_to_stderr()
    from ..errors import PydpdkError
    try:
        session = Session(eal_argv, opts, out)
    except PydpdkError as exc:
        print(f"{prog}: {explain(exc)}", file=sys.stderr)
        return 1
    try:
        if opts.interactive:
            from .shell import Shell
            if opts.auto_start:
                session.start(opts.tx_first)
            Shell(session).cmdloop()
            final = session.stop() if session.fwd.running else session.fwd.stats()
        else:
            final = _run(session, opts)
        if opts.json and final is not None:
            print(final.to_json(), flush=True)
        return 0
    finally:
        session.close()


def _run(session: Session, opts: argparse.Namespace):
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        session.start(opts.tx_first)
        if opts.duration is None:
            session.print("Press Ctrl-C to stop forwarding.")
        t0 = time.monotonic()
        deadline = None if opts.duration is None else t0 + opts.duration
        next_stats = time.monotonic() + opts.stats_period if opts.stats_period else None
        packets = getattr(opts, "packets", None)
        bar = None
        if deadline is not None or packets:
            from ..progress import Progress
            bar = Progress(packets or opts.duration, desc=f"{session.fwd.mode} forwarding",
                           unit="pkt" if packets else "s", enable=getattr(opts, "progress", None),
                           callback=getattr(opts, "progress_callback", None))
        while not stop.is_set():
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                break
            waits = [x - now for x in (deadline, next_stats) if x is not None]
            stop.wait(min(waits + [0.5 if bar is None else 0.2]))
            if bar is not None:
                rx = session.fwd.stats().rx_packets if packets else 0
                bar.set(rx if packets else round(min(time.monotonic() - t0, opts.duration), 1))
                if packets and rx >= packets:
                    break
            if next_stats is not None and time.monotonic() >= next_stats:
                session.print(session.port_stats_text())
                next_stats += opts.stats_period
        if bar is not None:
            bar.close()
        return session.stop()
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def ports_main(argv: Sequence[str]) -> int:
    import pydpdk
    eal_argv = list(argv) or ["--no-pci", "-l", "0"]
    from ..eal import EalConfig
    cfg = ordinary_memory_unless_hugepages(EalConfig.from_argv(eal_argv), 256)
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
