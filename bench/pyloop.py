"""A forwarding loop written in Python: rx_burst/tx_burst between two ports (the benchmark's
rows "pyloop" and "numpy").

    python3 bench/pyloop.py plain|inspect WARMUP SECONDS [EAL options] -- [pydpdk fwd options]

Ports, pool and queues are built exactly as ``pydpdk fwd`` builds them from the same options
(pydpdk.cli.fwd.session_from_argv: a pydpdk.session.Session); the loop runs on the EAL's main lcore (give ``--main-lcore 1`` to
run it where testpmd forwards). Each port is primed with one burst (testpmd's tx_first), then
packets go 0 -> 1 -> 0 ... ``inspect`` also reads every packet's Ethernet header through the
numpy view (MbufBurst.headers) and counts IPv4 frames. Prints one JSON line: the rate from
the ports' RX counters over the window after the warm-up.
"""
from __future__ import annotations

import json
import sys
import time


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
        rate = run(kind, p0, p1, burst, warmup, seconds, MbufBurst)
    finally:
        built.close()                                       # gives the packets back, closes the ports
        pydpdk.cleanup()
    print(json.dumps(rate), flush=True)
    return 0


def run(kind: str, p0, p1, burst: int, warmup: float, seconds: float, MbufBurst) -> dict:
    b = MbufBurst(burst)
    rx0, rx1, tx0, tx1 = p0.rx_burst, p1.rx_burst, p0.tx_burst, p1.tx_burst
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
                rx0(0, burst, into=b)               # port 0 -> port 1
                if b:
                    if inspect:
                        h = b.headers(14, out=scratch).view(np.uint16)
                        ipv4 += int(np.count_nonzero(h[:, 6] == ipv4_le))
                    tx1(b)
                    if b:
                        b.free()
                rx1(0, burst, into=b)               # port 1 -> port 0
                if b:
                    if inspect:
                        h = b.headers(14, out=scratch).view(np.uint16)
                        ipv4 += int(np.count_nonzero(h[:, 6] == ipv4_le))
                    tx0(b)
                    if b:
                        b.free()

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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
