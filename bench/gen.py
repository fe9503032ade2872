#!/usr/bin/env python3
"""The traffic generator (pydpdk.gen) against dpdk-testpmd's txonly, flowgen and rxonly, side by
side in one run, on the same vdevs, lcores and burst; then the rate-accuracy table.

    python3 bench/gen.py                       # every row, 3 s windows, 3 interleaved repeats
    python3 bench/gen.py --only gen_1field --seconds 5 --repeat 5 --json out.json
    python3 bench/gen.py --quick               # CI smoke
    python3 bench/gen.py --cycles              # receive engine, cycles/packet, calling thread

Rows (see docs/performance.md):
  gen_1field  64 B, one varying field (udp.sport inc), tag on, UDP checksum 0   vs txonly, flowgen
  gen_csum    64 B, ip.src varying: IPv4 + UDP checksum fixed on every packet   vs txonly
  gen_rx      the receive engine on net_null, every packet tagged: net_null's RX writes no packet
              data, so every mbuf of the pool is first filled with a tagged frame (tag check,
              sequence check, latency, histogram, jitter on every packet)            vs rxonly
  gen_rx_untagged  the same on net_null's packets as they come (no tag: the tag check only)  vs rxonly
  --cycles    the receive engine's cycles/packet on prepared bursts (tagged, untagged) against
              rxonly's free alone, best of many rounds from the calling thread (no scheduler noise)
  gen_loop    tx + rx + latency on one lcore, a ring port looped to itself      (absolute)
  accuracy    asked vs achieved rate, 1 s windows, net_null and net_ring

Both sides: ``-l 0-1 --no-pci -m 128 --no-huge`` (``--hugepages``: on hugepages), the engine on
lcore 1, burst 32, 1024 descriptors. Rates are port-counter deltas over a window opened after a
warm-up, on both sides.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import drive  # noqa: E402
from drive import BenchError, measure_rate  # noqa: E402

TESTPMD = os.environ.get("TESTPMD", "/usr/bin/dpdk-testpmd")
NULL = ["--vdev", "net_null0,size=64"]
NO_HUGE: list[str] = []

ROWS = {
    "gen_1field": {"what": "64 B, 1 varying field, tag, no UDP csum", "vs": ["txonly", "flowgen"],
                   "target": ">= 1.0x",
                   "spec": {"vdev": "net_null0,size=64", "fields": [["udp.sport", 1000, 1999]],
                            "checksum": False, "rx": False, "counter": "tx"}},
    "gen_csum": {"what": "64 B, ip.src varying, IPv4+UDP csum fix-up", "vs": ["txonly"], "target": ">= 0.9x",
                 "spec": {"vdev": "net_null0,size=64", "fields": [["ip.src", "10.0.0.1", "10.0.3.232"]],
                          "checksum": True, "rx": False, "counter": "tx"}},
    "gen_rx": {"what": "receive engine, every packet tagged, net_null", "vs": ["rxonly"], "target": ">= 0.9x",
               "spec": {"vdev": "net_null0,size=64", "fields": [], "checksum": False, "rx": True,
                        "rx_only": True, "prefill": True, "counter": "rx"}},
    "gen_rx_untagged": {"what": "receive engine, untagged (tag check only)", "vs": ["rxonly"], "target": "(info)",
                        "spec": {"vdev": "net_null0,size=64", "fields": [], "checksum": False, "rx": True,
                                 "rx_only": True, "counter": "rx"}},
    "gen_loop": {"what": "tx+rx+latency, one lcore, ring looped", "vs": [], "target": "(absolute)",
                 "spec": {"vdev": "net_ring0", "fields": [["udp.sport", 1000, 1999]], "checksum": True,
                          "rx": True, "counter": "rx"}},
}
ACCURACY_RATES = [10_000, 100_000, 1_000_000, 5_000_000]


def eal_args(side: str) -> list[str]:
    return ["-l", "0-1", "--no-pci", "-m", "128", *NO_HUGE, "--file-prefix", f"pydpdk-bgen-{side}-{os.getpid()}",
            "--log-level", "lib.eal:warning"]


def env() -> dict:
    e = dict(os.environ)
    e["PYTHONPATH"] = ROOT + os.pathsep + e.get("PYTHONPATH", "")
    return e


def testpmd(mode: str, a: argparse.Namespace) -> dict:
    argv = ["stdbuf", "-oL", TESTPMD, *eal_args("testpmd"), *NULL, "--", "-i", f"--forward-mode={mode}",
            "--burst", "32", "--rxd", "1024", "--txd", "1024", "--total-num-mbufs", "16384", "--mbcache", "250"]
    try:
        return measure_rate(argv, nports=1, start_cmd="start", warmup=a.warmup, seconds=a.seconds,
                            counter="rx" if mode == "rxonly" else "tx", name=f"testpmd-{mode}", env=env())
    finally:
        import shutil
        shutil.rmtree(f"/var/run/dpdk/pydpdk-bgen-testpmd-{os.getpid()}", ignore_errors=True)


def pydpdk_side(spec: dict, a: argparse.Namespace) -> dict:
    spec = dict(spec, warmup=a.warmup, seconds=a.seconds, eal=eal_args("pydpdk"))
    proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True,
                          timeout=120 + 4 * a.seconds + 2 * spec.get("windows", 0), env=env(),
                          preexec_fn=drive.child_setup)
    import shutil
    shutil.rmtree(f"/var/run/dpdk/pydpdk-bgen-pydpdk-{os.getpid()}", ignore_errors=True)
    if proc.returncode != 0:
        raise BenchError(f"pydpdk side failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cycles_child(spec: dict) -> None:
    """In its own process: pydpdk_gen_rx_cycles on prepared bursts, modes interleaved, best of all."""
    import pydpdk
    from pydpdk._native import ffi, lib
    from pydpdk.gen import Generator, Stream
    pydpdk.Eal.init(pydpdk.EalConfig.from_argv(spec["eal"] + ["--vdev", "net_null0,size=64"]))
    pool = pydpdk.Mempool.create("bench", 4095, cache_size=250)
    [port] = pydpdk.ports()
    port.setup(pool, nb_rxd=1024, nb_txd=1024)
    n, rounds = spec["burst"], spec["rounds"]
    gen = Generator([Stream(size=64, count=1)], port=port, rx=[port], rx_burst=n)
    b = gen.build(0, n)
    tagged = b.tobytes_list()
    b.free()
    cases = {"tagged": tagged, "untagged": [bytes(64)] * n}
    bufs = {k: (ffi.new("uint8_t[]", b"".join(v)), ffi.new("uint16_t[]", [len(x) for x in v])) for k, v in cases.items()}
    cases = [("tagged, in order", 0, "tagged"), ("tagged, one TX burst", 3, "tagged"),
             ("tagged, duplicates", 2, "tagged"),
             ("untagged", 0, "untagged"), ("free only (rxonly)", 1, "untagged")]
    best: dict = {name: None for name, _, _ in cases}
    for _ in range(spec["repeat"]):
        for name, mode, key in cases:
            frames, lens = bufs[key]
            c = lib.pydpdk_gen_rx_cycles(gen._gen, 0, pool.ptr, frames, lens, n, rounds, mode)
            if c < 0:
                raise SystemExit(ffi.string(gen._gen.error).decode())
            best[name] = c if best[name] is None else min(best[name], c)
    gen.close()
    pydpdk.cleanup()
    print(json.dumps({k: v / n for k, v in best.items()}), flush=True)


def cycles(a: argparse.Namespace) -> str:
    spec = {"cycles": True, "burst": 32, "rounds": a.rounds, "repeat": a.repeat, "eal": eal_args("pydpdk")}
    proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True,
                          timeout=300, env=env(), preexec_fn=drive.child_setup)
    import shutil
    shutil.rmtree(f"/var/run/dpdk/pydpdk-bgen-pydpdk-{os.getpid()}", ignore_errors=True)
    if proc.returncode != 0:
        raise BenchError(f"pydpdk side failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    lines = [f"receive engine, cycles/packet: best of {a.repeat} x {a.rounds} rounds of 32 64-byte mbufs, "
             "calling thread (pydpdk_gen_rx_cycles)"]
    lines += [f"  {k:<20} {v:7.2f}" for k, v in res.items()]
    return "\n".join(lines)


def child(spec: dict) -> None:
    """In its own process: one generator run, counters sampled like testpmd's port stats."""
    if spec.get("cycles"):
        return cycles_child(spec)
    import pydpdk
    from pydpdk.gen import Field, Generator, Stream
    eal = pydpdk.Eal.init(pydpdk.EalConfig.from_argv(spec["eal"] + ["--vdev", spec["vdev"]]))
    pool = pydpdk.Mempool.create("bench", 16383, cache_size=250)
    [port] = pydpdk.ports()
    port.setup(pool, nb_rxd=1024, nb_txd=1024)
    fields = [Field(n, min=lo, max=hi) for n, lo, hi in spec["fields"]]
    rate = spec.get("rate")
    if spec.get("rx_only"):
        s = Stream(size=64, rate="1kpps", count=1)
    else:
        s = Stream(size=64, rate=rate, fields=fields, checksum=spec["checksum"])
    gen = Generator([s], port=port, rx=[port] if spec["rx"] else None, tx_burst=32, rx_burst=32)
    hz = eal.tsc_hz
    if spec.get("prefill"):
        # net_null's RX hands out pool mbufs with their data as it was: fill every mbuf with one
        # of the stream's tagged frames (ids 0, sequence numbers 0..size-1, TSC now), free them
        b = gen.build(0, 65535, tsc=pydpdk._native.lib.rte_rdtsc())
        b.free()

    def counter() -> tuple[int, int]:
        st = port.stats()
        return (st.ipackets if spec["counter"] == "rx" else st.opackets), pydpdk._native.lib.rte_rdtsc()

    gen.start()
    time.sleep(spec["warmup"])
    out: dict = {}
    if "windows" in spec:          # accuracy: consecutive 1 s windows, from the stream's own counter
        samples = []
        c0 = gen._cs[0].tx_packets, pydpdk._native.lib.rte_rdtsc()
        for _ in range(spec["windows"]):
            time.sleep(1.0)
            c1 = gen._cs[0].tx_packets, pydpdk._native.lib.rte_rdtsc()
            samples.append((c1[0] - c0[0]) / ((c1[1] - c0[1]) / hz))
            c0 = c1
        out["window_pps"] = samples
    else:
        a0 = counter()
        time.sleep(spec["seconds"])
        a1 = counter()
        dt = (a1[1] - a0[1]) / hz
        out.update(mpps=(a1[0] - a0[0]) / dt / 1e6, packets=a1[0] - a0[0], window_s=dt)
    final = gen.stop()
    out["lost"] = final.streams[0].lost
    out["tx_pps_reported"] = final.streams[0].tx_pps
    gen.close()
    pydpdk.cleanup()
    print(json.dumps(out), flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--only", default=",".join(list(ROWS) + ["accuracy"]))
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--windows", type=int, default=3, help="accuracy: 1 s windows per rate")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--hugepages", action="store_true", help="both sides on hugepages (default --no-huge)")
    ap.add_argument("--json", metavar="PATH")
    ap.add_argument("--cycles", action="store_true", help="only the receive engine's cycles/packet (in-process)")
    ap.add_argument("--rounds", type=int, default=300, help="--cycles: rounds per repeat")
    a = ap.parse_args(argv)
    if a.child:
        child(json.loads(a.child))
        return 0
    if a.cycles:
        if not a.hugepages:
            NO_HUGE.append("--no-huge")
        print(cycles(a))
        return 0
    if a.quick:
        a.seconds, a.warmup, a.repeat, a.windows = 0.3, 0.2, 1, 1
    names = [n for n in a.only.split(",") if n]
    drive.unpin()
    if not a.hugepages:     # hugepages come and go on a shared machine: both sides on ordinary memory
        NO_HUGE.append("--no-huge")
    results: dict = {}
    for n in names:
        if n == "accuracy":
            continue
        row = ROWS[n]
        runs: dict[str, list[float]] = {"pydpdk": [], **{m: [] for m in row["vs"]}}
        for r in range(a.repeat):
            sides = ["pydpdk", *row["vs"]]
            for side in (sides if r % 2 == 0 else sides[::-1]):
                res = pydpdk_side(row["spec"], a) if side == "pydpdk" else testpmd(side, a)
                runs[side].append(res["mpps"])
                print(f"# run {r + 1}/{a.repeat} {n:10} {side:8} {res['mpps']:8.2f} Mpps", file=sys.stderr, flush=True)
        med = {k: statistics.median(v) for k, v in runs.items()}
        results[n] = {"what": row["what"], "target": row["target"], "median_mpps": med, "runs": runs,
                      "ratios": {m: med["pydpdk"] / med[m] for m in row["vs"] if med[m]}}
    accuracy = []
    if "accuracy" in names:
        for vdev in ("net_null0,size=64", "net_ring0"):
            for rate in ACCURACY_RATES:
                spec = {"vdev": vdev, "fields": [["udp.sport", 1000, 1999]], "checksum": True,
                        "rx": vdev.startswith("net_ring"), "counter": "tx", "rate": rate, "windows": a.windows}
                res = pydpdk_side(spec, a)
                errs = [abs(w - rate) / rate for w in res["window_pps"]]
                accuracy.append({"vdev": vdev.split(",")[0], "rate_pps": rate, "window_pps": res["window_pps"],
                                 "max_error": max(errs), "reported_tx_pps": res["tx_pps_reported"]})
                print(f"# accuracy {vdev.split(',')[0]:10} {rate:>9} pps: max error {max(errs) * 100:.3f} %",
                      file=sys.stderr, flush=True)
    print(table(results, accuracy, a))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "argv": sys.argv[1:],
                       "seconds": a.seconds, "repeat": a.repeat, "rows": results, "accuracy": accuracy}, f, indent=1)
    return 0


def table(results: dict, accuracy: list, a: argparse.Namespace) -> str:
    lines = [f"pydpdk.gen vs dpdk-testpmd: {a.repeat} interleaved runs, {a.seconds:g} s windows, medians",
             f"{'row':<15} {'pydpdk Mpps':>11} {'vs':>8} {'testpmd Mpps':>12} {'ratio':>7}  target    what"]
    for n, r in results.items():
        py = r["median_mpps"]["pydpdk"]
        if not r["ratios"]:
            lines.append(f"{n:<15} {py:>11.2f} {'-':>8} {'-':>12} {'-':>7}  {r['target']:<9} {r['what']}")
        for m, ratio in r["ratios"].items():
            lines.append(f"{n:<15} {py:>11.2f} {m:>8} {r['median_mpps'][m]:>12.2f} {ratio:>6.3f}x  "
                         f"{r['target']:<9} {r['what']}")
    if accuracy:
        lines += ["", f"rate accuracy: {a.windows} consecutive 1 s windows per rate (stream TX counter / TSC)",
                  f"{'port':<10} {'asked pps':>10} {'worst window pps':>17} {'max error':>10}"]
        for x in accuracy:
            worst = max(x["window_pps"], key=lambda w: abs(w - x["rate_pps"]))
            lines.append(f"{x['vdev']:<10} {x['rate_pps']:>10} {worst:>17.1f} {x['max_error'] * 100:>9.3f}%")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
