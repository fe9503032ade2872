"""``pydpdk gen``: generate traffic, measure what comes back.

    pydpdk gen --duration 2 --json              # embedded default: a ring port looped to itself,
                                                # one 64-byte UDP stream at 1 Mpps, measured on it
    pydpdk gen -l 0-1 --vdev net_null0 -- --rate 100% --size 64 --duration 5 --rx-port none
    pydpdk gen -l 0-1 --vdev net_memif,role=client -- --rfc2544 --trial 1 --loss-ratio 0
    pydpdk gen ... -- --field udp.sport=inc:1000-1999 --field ip.dst=random:10.0.0.1-10.0.0.254
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from typing import Any, Sequence

from ..units import format_pps

DEFAULT_EAL = ["-l", "0-1", "--no-pci", "--vdev", "net_ring0"]   # what the embedded default amounts to


def app_parser() -> argparse.ArgumentParser:
    """``pydpdk gen``'s application options (after ``--``): streams, rates, duration, RFC 2544."""
    ap = argparse.ArgumentParser(prog="pydpdk gen [EAL options] --",
                                 description="Send streams, measure loss, order and latency.")
    ap.add_argument("--tx-port", type=int, default=0, help="port id the stream is sent on (0)")
    ap.add_argument("--rx-port", default=None,
                    help="port id measured ('none': no measurement; default: the tx port)")
    ap.add_argument("--rate", default="1Mpps", help="'1.5Mpps', '800Mbps', '800Mbps L1', '100%%', 'max'")
    ap.add_argument("--poisson", action="store_true", help="exponential inter-departure times")
    ap.add_argument("--size", default="64", help="64, 64-1518[:step], 'imix', or 64:7,594:4,1518:1")
    ap.add_argument("--count", type=int, default=None, help="send N packets then stop")
    ap.add_argument("--burst", type=int, default=None, help="bursts of N packets...")
    ap.add_argument("--ibg", type=float, default=0.0, help="...this many seconds apart")
    ap.add_argument("--bursts", type=int, default=None, help="number of bursts")
    ap.add_argument("--field", action="append", default=[], metavar="NAME=OP:MIN-MAX[:STEP]",
                    help="vary a field: udp.sport=inc:1000-1999, ip.dst=random:10.0.0.1-10.0.0.9")
    ap.add_argument("--pcap", default=None, help="send the frames of this pcap file in turn")
    ap.add_argument("--streams", type=int, default=1, help="N identical streams (ids 0..N-1)")
    ap.add_argument("--no-checksum", action="store_true", help="UDP checksum 0")
    ap.add_argument("--checksum", choices=["software", "offload", "auto"], default="software",
                    help="IPv4/UDP/TCP checksums by the engine, the port's TX offload (the ports are "
                         "configured with the checksum offloads they offer), or offloaded where offered")
    ap.add_argument("--txd", type=int, default=1024)
    ap.add_argument("--rxd", type=int, default=1024)
    ap.add_argument("--burst-size", type=int, default=32, help="packets per tx/rx burst")
    ap.add_argument("--clock", default="tsc", choices=["tsc", "rx_timestamp", "auto"],
                    help="receive clock: the TSC at the poll (tsc), the port's RX timestamp, or auto")
    ap.add_argument("--duration", type=float, default=None,
                    help="run N seconds (default: until the streams end, or Ctrl-C)")
    ap.add_argument("--stats-period", type=float, default=0, help="print live statistics every N s")
    ap.add_argument("--json", action="store_true", help="final results as one JSON object on stdout")
    ap.add_argument("--csv", default=None, metavar="FILE", help="final results as CSV")
    ap.add_argument("--rfc2544", action="store_true", help="RFC 2544 throughput search")
    ap.add_argument("--loss-ratio", type=float, default=0.0, help="--rfc2544: accepted loss (0)")
    ap.add_argument("--trial", type=float, default=1.0, help="--rfc2544: seconds per trial (1)")
    ap.add_argument("--resolution", type=float, default=0.01,
                    help="--rfc2544: stop when the interval is below this fraction of the start rate")
    ap.add_argument("--max-trials", type=int, default=20)
    return ap


def _split(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    argv = list(argv)
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1:]
    app_only = {o for a in app_parser()._actions for o in a.option_strings if o.startswith("--")}
    for i, arg in enumerate(argv):
        if arg.split("=", 1)[0] in app_only:
            return argv[:i], argv[i:]
    return argv, []


def _size(spec: str) -> Any:
    from ..errors import invalid
    s = spec.strip().lower()
    try:
        if s == "imix":
            return "imix"
        if "," in s:
            return [tuple(int(x) for x in part.split(":")) for part in s.split(",")]
        if "-" in s:
            rng, _, step = s.partition(":")
            lo, hi = (int(x) for x in rng.split("-"))
            return (lo, hi, int(step) if step else 1)
        return int(s)
    except ValueError:
        raise invalid("--size", spec, "64, 64-1518[:step], imix, or SIZE:WEIGHT,...") from None


def _field(spec: str) -> Any:
    from ..errors import invalid
    from ..gen import Field
    name, eq, rest = spec.partition("=")
    op, _, rng = rest.partition(":")
    if not eq or op not in ("inc", "dec", "random", "list"):
        raise invalid("--field", spec, "NAME=inc|dec|random:MIN-MAX[:STEP] or NAME=list:A,B,C")
    where: Any = int(name) if name.isdigit() else name
    if op == "list":
        return Field(where, "list", values=rng.split(","))
    step = 1
    if rng.count(":") and rng.rsplit(":", 1)[1].isdigit() and "-" in rng.rsplit(":", 1)[0]:
        rng, st = rng.rsplit(":", 1)
        step = int(st)
    lo, sep, hi = rng.partition("-") if rng else ("", "", "")
    if rng and not sep:
        raise invalid("--field", spec, "MIN-MAX after the operation")
    return Field(where, op, min=lo or None, max=hi or None, step=step)


def _build(eal_argv: list[str], opts: argparse.Namespace) -> tuple[Any, list[Any], list[Any], Any, Any]:
    import pydpdk
    from ..eal import EalConfig
    from ..errors import invalid
    from ..gen import Generator, Stream
    if not eal_argv:
        cfg = EalConfig.auto(lcores="0-1", no_pci=True, vdevs=["net_ring0"],
                             file_prefix=f"pydpdk-gen-{os.getpid()}", log_levels=["lib.eal:warning"])
    else:
        cfg = EalConfig.from_argv(eal_argv)
        fallback = cfg.or_ordinary_memory(512)
        if fallback is not cfg:
            print("pydpdk gen: no free hugepages: running on ordinary memory (--no-huge -m 512); "
                  "reserve hugepages for full speed", file=sys.stderr)
        cfg = fallback
    eal = pydpdk.Eal.init(cfg)
    ports = pydpdk.ports()
    if not ports:
        raise SystemExit("pydpdk gen: no ports: give --vdev devices or PCI devices bound to a DPDK driver")
    byid = {p.id: p for p in ports}
    if opts.tx_port not in byid:
        raise invalid("--tx-port", opts.tx_port, f"one of the port ids {sorted(byid)}")
    rx_ids: list[int] = []
    if opts.rx_port is None:
        rx_ids = [opts.tx_port]
    elif opts.rx_port.lower() != "none":
        if not opts.rx_port.isdigit() or int(opts.rx_port) not in byid:
            raise invalid("--rx-port", opts.rx_port, f"'none' or one of the port ids {sorted(byid)}")
        rx_ids = [int(opts.rx_port)]
    nb = len(eal.lcores()) * 256 + len(ports) * (opts.rxd + opts.txd) + 4096
    pool = pydpdk.Mempool.create("pydpdk_gen_pool", max(nb, 8191), cache_size=256)
    used = {opts.tx_port, *rx_ids}
    for pid in sorted(used):
        offl = [o for o in ("ipv4_cksum", "udp_cksum", "tcp_cksum")
                if opts.checksum != "software" and o in byid[pid].info().tx_offload_capa]
        byid[pid].setup(pool, nb_rxd=opts.rxd, nb_txd=opts.txd, tx_offloads=offl)
        try:
            byid[pid].promiscuous = True
        except pydpdk.PortError:
            pass
    fields = [_field(f) for f in opts.field]
    kw: dict[str, Any] = dict(fields=fields, rate=opts.rate, poisson=opts.poisson, count=opts.count,
                              burst=opts.burst, ibg=opts.ibg, bursts=opts.bursts, checksum=False if opts.no_checksum else opts.checksum)
    if opts.pcap:
        kw["pcap"] = opts.pcap
    else:
        kw["size"] = _size(opts.size)
    if opts.streams < 1:
        raise invalid("--streams", opts.streams, "at least 1")
    streams = [Stream(name=f"stream{i}", **kw) for i in range(opts.streams)]
    return byid[opts.tx_port], [byid[i] for i in rx_ids], streams, Generator, pool


def main(argv: Sequence[str]) -> int:
    """``pydpdk gen EAL-ARGS -- OPTIONS``: generate traffic and print loss, order and latency;
    returns the exit status."""
    eal_argv, app_argv = _split(argv)
    opts = app_parser().parse_args(app_argv)
    import pydpdk
    from ..errors import PydpdkError
    out = sys.stderr if opts.json else sys.stdout
    if opts.json:
        from .._native import lib
        lib.pydpdk_log_to_stderr()
    try:
        try:
            tx, rx, streams, Generator, _pool = _build(eal_argv, opts)
            if opts.rfc2544:
                return _rfc2544(tx, rx, streams[0], opts, out)
            gen = Generator(streams, port=tx, rx=rx, tx_burst=opts.burst_size, rx_burst=opts.burst_size,
                            clock=opts.clock)
        except PydpdkError as exc:
            print(f"pydpdk gen: {exc}", file=sys.stderr)
            return 1
        final = _run(gen, opts, out)
        if opts.csv:
            final.to_csv(opts.csv)
        if opts.json:
            print(final.to_json(), flush=True)
        else:
            print(final.text(), file=out)
        gen.close()
        return 0
    finally:
        pydpdk.cleanup()


def _run(gen: Any, opts: argparse.Namespace, out: Any) -> Any:
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        finite = all(s.count is not None or s.bursts is not None for s in gen.streams)
        if opts.duration is None and not finite:
            print("Generating: press Ctrl-C to stop.", file=out)
        gen.start()
        t0 = time.monotonic()
        next_stats = t0 + opts.stats_period if opts.stats_period else None
        while not stop.is_set():
            now = time.monotonic()
            if opts.duration is not None and now - t0 >= opts.duration:
                break
            if finite and gen.done():
                break
            if next_stats is not None and now >= next_stats:
                print(gen.stats().text(), file=out, flush=True)
                next_stats += opts.stats_period
            stop.wait(0.01)
        return gen.stop()
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _rfc2544(tx: Any, rx: list[Any], stream: Any, opts: argparse.Namespace, out: Any) -> int:
    from ..gen.rfc2544 import throughput

    def step(t: Any) -> None:
        print(f"trial {len(steps)}: {format_pps(t.rate_pps)}: tx {t.tx_packets} rx {t.rx_packets} lost {t.lost} "
              f"({t.loss_ratio:.2e}) {'pass' if t.passed else 'FAIL'}", file=out, flush=True)
        steps.append(t)
    steps: list[Any] = []
    res = throughput(tx, stream, rx=rx, loss_ratio=opts.loss_ratio, trial_s=opts.trial,
                     resolution=opts.resolution, max_trials=opts.max_trials, on_trial=step,
                     tx_burst=opts.burst_size, rx_burst=opts.burst_size)
    print(res.text(), file=out)
    if opts.json:
        print(json.dumps(res.as_dict()), flush=True)
    return 0
