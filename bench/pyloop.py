"""A forwarding loop written in Python: rx_burst/tx_burst between two ports (the benchmark's
rows "pyloop" and "numpy"), and the cost of one Python forwarding step (``step``).

    python3 bench/pyloop.py plain|inspect|step WARMUP SECONDS [EAL options] -- [pydpdk fwd options]

Ports, pool and queues are built exactly as ``pydpdk fwd`` builds them from the same options
(pydpdk.cli.fwd.session_from_argv: a pydpdk.session.Session); the loop runs on the EAL's main
lcore (give ``--main-lcore 1`` to run it where testpmd forwards). Each port is primed with one
burst (testpmd's tx_first), then packets go 0 -> 1 -> 0 ... through the queue handles
(``port.rxq(0)``/``port.txq(0)``: ``n = rx_burst()``, then ``if tx_burst(burst) != n:
burst.free()``). ``inspect`` also reads every packet's Ethernet header through the numpy view
(MbufBurst.headers) and counts IPv4 frames. Prints one JSON line: the rate from the ports' RX
counters over the window after the warm-up.

``step`` times one forwarding step, the receive and the send of one burst (32 packets at
``--burst 32``), written three ways over the same two ports with the same packets circulating:

  queues   ``n = rxq.rx_burst(); txq.tx_burst(rxq.burst)`` on handles made by ``port.rxq(0)``,
           ``port.txq(0)`` (docs/core.md, Queue handles)
  cffi     the two bare cffi calls: ``lib.rte_eth_rx_burst(pid, 0, arr, 32)`` and
           ``lib.rte_eth_tx_burst(pid, 0, arr, n)`` on a preallocated
           ``ffi.new("struct rte_mbuf *[32]")``, port ids and the array in locals. rte_eth_rx_burst
           and rte_eth_tx_burst are static inline in DPDK: the "bare cffi call" is the wrapper
           cffi compiles for each (it converts the four arguments, releases the GIL, calls the
           inline function, converts the result) -- the cheapest way plain Python can call them.
           It checks nothing and loses the unsent packets of a short TX (the run fails if any
           went missing: on these ring ports the TX never refuses).
  methods  ``port.rx_burst(0, 32, into=b)`` and ``port.tx_burst(b)`` (checked on every call)

Each is timed over rounds of ITERS iterations (two steps each: port 0 -> 1 and 1 -> 0),
interleaved round by round in a rotating order for SECONDS after WARMUP seconds of the same,
the garbage collector off. ns/step is a round's time over its steps; the best (min) round of
each way is the figure least touched by other processes (the median is shown too). Prints a
table, then one JSON line; ``ratio`` = best(queues) / best(cffi), the goal of issue 14 being
<= 1.3, and ``ratio_median`` the median over rounds of (queues / cffi) of the same round.
"""
from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import time

ITERS = 2000                # iterations (two steps each) per timed round of ``step``


def main(argv: list[str]) -> int:
    kind, warmup, seconds = argv[0], float(argv[1]), float(argv[2])
    rest = argv[3:]
    import pydpdk
    from pydpdk.cli.fwd import session_from_argv
    from pydpdk.mbuf import MbufBurst
    session = session_from_argv(rest)
    burst = session.engine.burst
    session.engine = None                                   # the loop below is the engine
    built = session.build()
    try:
        p0, p1 = built.ports[0], built.ports[1]
        built.drain()                                       # testpmd's flush_rx
        frame = bytes.fromhex("ffffffffffff020000000001" "0800") + bytes(50)
        for p in (p0, p1):                                  # tx_first
            b = built.pool.burst([frame] * burst)
            p.tx_burst(b)
            b.free()
        if kind == "step":
            rate = step(p0, p1, burst, warmup, seconds, built.pool)
        else:
            rate = run(kind, p0, p1, burst, warmup, seconds, MbufBurst)
    finally:
        built.close()                                       # gives the packets back, closes the ports
        pydpdk.cleanup()
    print(json.dumps(rate), flush=True)
    return 0


def run(kind: str, p0, p1, burst: int, warmup: float, seconds: float, MbufBurst) -> dict:
    rq0, rq1, tq0, tq1 = p0.rxq(0, burst), p1.rxq(0, burst), p0.txq(0), p1.txq(0)
    rx0, rx1, tx0, tx1 = rq0.rx_burst, rq1.rx_burst, tq0.tx_burst, tq1.tx_burst
    b0, b1 = rq0.burst, rq1.burst
    inspect = kind == "inspect"
    if inspect:
        import numpy as np
        scratch = np.empty((burst, 14), dtype=np.uint8)     # headers() fills it in place
        ipv4_le = 0x0008                                    # EtherType 0x0800 read as LE uint16

    def window(until: float) -> None:
        nonlocal ipv4
        mono = time.monotonic
        while mono() < until:
            for _ in range(256):
                n = rx0()                           # port 0 -> port 1
                if n:
                    if inspect:
                        h = b0.headers(14, out=scratch).view(np.uint16)
                        ipv4 += int(np.count_nonzero(h[:, 6] == ipv4_le))
                    if tx1(b0) != n:
                        b0.free()
                n = rx1()                           # port 1 -> port 0
                if n:
                    if inspect:
                        h = b1.headers(14, out=scratch).view(np.uint16)
                        ipv4 += int(np.count_nonzero(h[:, 6] == ipv4_le))
                    if tx0(b1) != n:
                        b1.free()

    ipv4 = 0
    window(time.monotonic() + warmup)
    s0 = (p0.stats(), p1.stats())
    t0 = time.monotonic()
    window(t0 + seconds)
    t1 = time.monotonic()
    s1 = (p0.stats(), p1.stats())
    pkts = sum(b_.ipackets - a.ipackets for a, b_ in zip(s0, s1))
    out = {"mpps": pkts / (t1 - t0) / 1e6, "packets": pkts, "window_s": t1 - t0}
    if inspect:
        out["ipv4_seen"] = ipv4
    return out


def step(p0, p1, burst: int, warmup: float, seconds: float, pool) -> dict:
    from pydpdk._native import ffi, lib
    from pydpdk.mbuf import MbufBurst
    rq0, rq1, tq0, tq1 = p0.rxq(0, burst), p1.rxq(0, burst), p0.txq(0), p1.txq(0)
    pid0, pid1 = p0.id, p1.id
    a0, a1 = ffi.new(f"struct rte_mbuf *[{burst}]"), ffi.new(f"struct rte_mbuf *[{burst}]")
    m0, m1 = MbufBurst(burst), MbufBurst(burst)

    def queues(iters: int) -> None:
        rx0, rx1, tx0, tx1, b0, b1 = rq0.rx_burst, rq1.rx_burst, tq0.tx_burst, tq1.tx_burst, rq0.burst, rq1.burst
        for _ in range(iters):
            rx0()
            tx1(b0)                  # port 0 -> port 1
            rx1()
            tx0(b1)                  # port 1 -> port 0

    def cffi(iters: int) -> None:
        rx, tx, q0, q1, arr0, arr1, size = lib.rte_eth_rx_burst, lib.rte_eth_tx_burst, pid0, pid1, a0, a1, burst
        for _ in range(iters):
            n = rx(q0, 0, arr0, size)
            tx(q1, 0, arr0, n)
            n = rx(q1, 0, arr1, size)
            tx(q0, 0, arr1, n)

    def methods(iters: int) -> None:
        rx0, rx1, tx0, tx1 = p0.rx_burst, p1.rx_burst, p0.tx_burst, p1.tx_burst
        for _ in range(iters):
            rx0(0, burst, into=m0)
            tx1(m0)
            rx1(0, burst, into=m1)
            tx0(m1)

    ways = {"queues": queues, "cffi": cffi, "methods": methods}
    names = list(ways)
    times: dict[str, list[float]] = {k: [] for k in names}
    in_use = pool.in_use
    clock = time.perf_counter_ns
    gc.disable()
    try:
        for phase, span in (("warmup", warmup), ("timed", seconds)):
            end, r = time.monotonic() + span, 0
            while time.monotonic() < end or (phase == "timed" and r < 3):
                order = names[r % 3:] + names[:r % 3]
                for k in order:
                    t0 = clock()
                    ways[k](ITERS)
                    dt = clock() - t0
                    if phase == "timed":
                        times[k].append(dt / (2 * ITERS))
                r += 1
    finally:
        gc.enable()
    for b in (rq0.burst, rq1.burst, m0, m1):
        if len(b):
            raise SystemExit(f"a TX refused packets ({len(b)} left in a burst): the step needs ring "
                             "ports with room for every burst")
    if pool.in_use != in_use:
        raise SystemExit(f"{in_use - pool.in_use} mbufs went missing: a bare TX refused some")
    best = {k: min(v) for k, v in times.items()}
    med = {k: statistics.median(v) for k, v in times.items()}
    ratios = [q / c for q, c in zip(times["queues"], times["cffi"])]
    out = {"ns_per_step": best, "median_ns_per_step": med, "ratio": best["queues"] / best["cffi"],
           "ratio_median": statistics.median(ratios), "methods_ratio": best["methods"] / best["cffi"],
           "rounds": len(ratios), "iters": ITERS, "burst": burst, "loadavg": os.getloadavg()[0]}
    print(f"one forwarding step (rx + tx of a {burst}-packet burst), best / median of {len(ratios)} "
          f"rounds of {2 * ITERS} steps, load average {out['loadavg']:.2f}")
    for k, label in (("cffi", "bare cffi calls"), ("queues", "rxq.rx_burst + txq.tx_burst"),
                     ("methods", "port.rx_burst + port.tx_burst")):
        print(f"  {label:30s} {best[k]:7.1f} ns  {med[k]:7.1f} ns  {best[k] / best['cffi']:.2f}x")
    print(f"  ratio queues / cffi: {out['ratio']:.3f} (best), {out['ratio_median']:.3f} (median of "
          f"same-round ratios); goal <= 1.3", flush=True)
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
