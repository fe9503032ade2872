"""Cycles per packet of the generator's packet build, from the calling thread (no lcore, no
scheduler noise in the minimum): rte_rdtsc around pydpdk_gen_build() of one burst, best of many.

    python3 bench/gen_cycles.py                      # the table: best of 300 bursts of 256, 5 rounds
    python3 bench/gen_cycles.py --bursts 1000 --json cycles.json

Rows: ``nofield`` (tag only), ``1field`` (udp.sport inc, UDP checksum 0: the gen_1field row),
``csum`` (ip.src over 1000 addresses, IPv4 + UDP checksums fixed: the gen_csum row), ``csum4``
(ip.src, ip.dst, udp.sport, udp.dport). Each checksummed row is built both ways the engine knows,
in alternation: ``values`` (the fields' checksum sums from their values, RFC 1624, the default)
and ``resum`` (the checksum words re-read from the packet: what the engine does when checksummed
fields overlap, and did for every stream before). Mbuf allocation is included; the burst is freed
outside the timed call.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

ROWS = {
    "nofield": ([], False),
    "1field": ([("udp.sport", 1000, 1999)], False),
    "csum": ([("ip.src", "10.0.0.1", "10.0.3.232")], True),
    "csum4": ([("ip.src", "10.0.0.1", "10.0.3.232"), ("ip.dst", "10.1.0.1", "10.1.0.100"),
               ("udp.sport", 1000, 1999), ("udp.dport", 2000, 2010)], True),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bursts", type=int, default=300, help="timed bursts per round and way (best kept)")
    ap.add_argument("--burst", type=int, default=256, help="packets per burst (at most 256)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds alternating the ways")
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args(argv)
    import pydpdk
    from pydpdk._native import lib
    from pydpdk.gen import Field, Generator, Stream
    pydpdk.Eal.init(pydpdk.EalConfig.from_argv(
        ["-l", "0-1", "--no-pci", "-m", "128", "--no-huge", "--file-prefix", f"pydpdk-gcyc-{os.getpid()}",
         "--log-level", "lib.eal:warning", "--vdev", "net_null0,size=64"]))
    pool = pydpdk.Mempool.create("cyc", 4095, cache_size=250)
    [port] = pydpdk.ports()
    port.setup(pool, nb_rxd=1024, nb_txd=1024)
    from pydpdk._native import ffi
    pkts = ffi.new("struct rte_mbuf *[]", a.burst)
    out: dict[str, dict[str, float]] = {}
    try:
        for row, (fields, csum) in ROWS.items():
            s = Stream(size=64, rate=None, checksum=csum, fields=[Field(n, min=lo, max=hi) for n, lo, hi in fields])
            with Generator([s], port=port, rx=None) as gen:
                cs, g = gen._cs[0], gen._gen
                try:
                    cs.ck_direct = 1
                    ways = {"values": 1, "resum": 0} if csum else {"values": 1}
                except AttributeError:        # an engine before ck_direct: one way
                    ways = {"build": None}
                best = {w: float("inf") for w in ways}
                for _ in range(a.rounds):
                    for w, direct in ways.items():
                        if direct is not None:
                            cs.ck_direct = direct
                        for _ in range(a.bursts):
                            t0 = lib.rte_rdtsc()
                            n = lib.pydpdk_gen_build(g, 0, pkts, a.burst, t0)
                            t1 = lib.rte_rdtsc()
                            lib.rte_pktmbuf_free_bulk(pkts, n)
                            if n == a.burst:
                                best[w] = min(best[w], (t1 - t0) / n)
            out[row] = best
            print(f"{row:8s} " + "  ".join(f"{w} {c:6.1f} cycles/packet" for w, c in best.items()), flush=True)
    finally:
        pydpdk.cleanup()
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"burst": a.burst, "bursts": a.bursts, "rounds": a.rounds, "cycles_per_packet": out}, f,
                      indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
