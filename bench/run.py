#!/usr/bin/env python3
"""pydpdk against dpdk-testpmd, side by side in one run, on the same vdevs, lcores and burst.

    python3 bench/run.py                                   # every row, 3 s windows, 5 repeats
    python3 bench/run.py --only io,macswap --seconds 5 --repeat 9 --json out.json
    python3 bench/run.py --quick                           # CI smoke: tiny windows, one repeat

Rows (see docs/performance.md):
  io, mac, macswap  two net_ring ports, tx_first, native engines vs testpmd
  txonly         net_null0/1, generated 64-byte packets, TX counters
  rxonly         net_null0/1, RX counters
  pyloop         a Python rx_burst/tx_burst loop between the ring ports vs testpmd io
  pyloop256      the same with burst 256 on both sides
  numpy          the loop reading every header through MbufBurst.headers(), burst 256, vs testpmd io
  numpy32        the same with burst 32 on both sides
  pcap           a generated pcap replayed rx_pcap -> tx_pcap: wall time (shown as Mpps)
  stage_macswap  a numba stage swapping MACs (bench/stage_funcs.py:macswap) vs testpmd macswap;
                 against the C engine: this row's ratio over the macswap row's, same run
  stage_macswap_c  the same stage in C (bench/stage_macswap.c, cffi): the engine's own cost
  stage_udp      a numba IPv4/UDP filter counting into a numpy array vs testpmd io (Mpps)

Every EAL is ``-l 0-1 --no-pci -m 128`` with forwarding on lcore 1 (the Python loops run on the
main lcore, moved to lcore 1 with ``--main-lcore 1``), burst, descriptors, mbufs and mbuf cache
identical on both sides. Runs alternate (pydpdk, testpmd, testpmd, pydpdk, ...) ``--repeat``
times; the table shows median and best of each side and the ratio of the medians.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import drive  # noqa: E402
from drive import BenchError, measure_drain, measure_rate, unpin  # noqa: E402

TESTPMD = os.environ.get("TESTPMD", "/usr/bin/dpdk-testpmd")
RING = ["--vdev", "net_ring0", "--vdev", "net_ring1"]
NULL = ["--vdev", "net_null0,size=64", "--vdev", "net_null1,size=64"]


@dataclass
class Case:
    name: str
    what: str
    vdevs: list[str]
    mode: str
    start: str = "start tx_first"
    counter: str = "rx"
    burst: int = 32
    pyloop: str = ""            # "plain" / "inspect": the pydpdk side is bench/pyloop.py
    pcap: bool = False
    target: str = ""
    extra: list[str] = field(default_factory=list)
    stage: str = ""             # the pydpdk side runs --forward-mode=stage --stage THIS


CASES = {
    "io": Case("io", "io fwd, 2x net_ring", RING, "io", target=">= 1.0x"),
    "mac": Case("mac", "mac fwd, 2x net_ring", RING, "mac", target=">= 1.0x"),
    "macswap": Case("macswap", "macswap fwd, 2x net_ring", RING, "macswap", target=">= 1.0x"),
    "txonly": Case("txonly", "txonly 64 B, 2x net_null (TX pps)", NULL, "txonly", start="start",
                   counter="tx", target=">= 1.0x"),
    "rxonly": Case("rxonly", "rxonly, 2x net_null (RX pps)", NULL, "rxonly", start="start",
                   target=">= 1.0x"),
    "pyloop": Case("pyloop", "Python rx/tx_burst loop vs testpmd io", RING, "io", pyloop="plain",
                   target=">= 0.08x"),
    "pyloop256": Case("pyloop256", "the same, burst 256 on both sides", RING, "io", pyloop="plain",
                      burst=256, target=">= 0.08x"),
    "numpy": Case("numpy", "Python loop + numpy headers() vs testpmd io", RING, "io",
                  pyloop="inspect", burst=256, target=">= 10 Mpps"),
    "numpy32": Case("numpy32", "the same, burst 32 on both sides", RING, "io",
                    pyloop="inspect", target=">= 10 Mpps"),
    "pcap": Case("pcap", "pcap replay rx_pcap -> tx_pcap (wall time)", [], "io", start="start",
                 counter="tx", pcap=True, target=">= 1.0x", extra=["--no-flush-rx"]),
    "stage_macswap": Case("stage_macswap", "numba stage macswap vs testpmd macswap", RING, "macswap",
                          stage="bench/stage_funcs.py:macswap", target=">= 0.8x the C engine"),
    "stage_macswap_c": Case("stage_macswap_c", "C stage (cffi) macswap vs testpmd macswap", RING, "macswap",
                            stage="bench/stage_macswap.c:macswap", target="(the engine's share)"),
    "stage_udp": Case("stage_udp", "numba IPv4/UDP filter + counters vs testpmd io", RING, "io",
                      stage="bench/stage_funcs.py:udp_filter", target=">= 15 Mpps"),
}


def app_args(case: Case, side: str = "testpmd") -> list[str]:
    if case.stage and side == "pydpdk":
        return ["--forward-mode=stage", "--stage", os.path.join(ROOT, case.stage)] + \
            app_args(case)[1:]
    return [f"--forward-mode={case.mode}", "--burst", str(case.burst), "--rxd", "512", "--txd", "512",
            "--total-num-mbufs", "16384", "--mbcache", "250", *case.extra]


def free_hugepage_mb() -> int:
    """Free hugepage memory (MiB) the kernel reports; 0 when there is none."""
    free = size_kb = 0
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("HugePages_Free:"):
                    free = int(line.split()[1])
                elif line.startswith("Hugepagesize:"):
                    size_kb = int(line.split()[1])
    except OSError:
        return 0
    return free * size_kb // 1024


NO_HUGE: list[str] = []     # ["--no-huge"] on both sides when the machine has no free hugepages


def eal_args(case: Case, side: str, vdevs: list[str], main_lcore: int | None = None) -> list[str]:
    args = ["-l", "0-1", "--no-pci", "-m", "128", *NO_HUGE, "--file-prefix", prefix(side),
            "--log-level", "lib.eal:warning", *vdevs]
    if main_lcore is not None:
        args += ["--main-lcore", str(main_lcore)]
    return args


def child_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_side(case: Case, side: str, a: argparse.Namespace, pcap_in: str | None, tmp: str) -> dict:
    """One run; retried when the EAL finds no free hugepages (other users of a shared machine)."""
    for attempt in range(10):
        try:
            return _run_side(case, side, a, pcap_in, tmp)
        except BenchError as exc:
            text = str(exc)
            if not ("Cannot init memory" in text or "hugepage" in text) or attempt == 9:
                raise
            print(f"# {side}: no free hugepages, retrying in 3 s", file=sys.stderr, flush=True)
            time.sleep(3)
        finally:
            shutil.rmtree(f"/var/run/dpdk/{prefix(side)}", ignore_errors=True)
    raise AssertionError("unreachable")


def prefix(side: str) -> str:
    return f"pydpdk-bench-{side}-{os.getpid()}"


def _run_side(case: Case, side: str, a: argparse.Namespace, pcap_in: str | None, tmp: str) -> dict:
    vdevs = list(case.vdevs)
    out = None
    if case.pcap:
        out = os.path.join(tmp, f"out-{side}.pcap")
        vdevs = ["--vdev", f"net_pcap0,rx_pcap={pcap_in},tx_pcap={out}"]
    if side == "pydpdk" and case.pyloop:
        import subprocess
        argv = [sys.executable, os.path.join(HERE, "pyloop.py"), case.pyloop, str(a.warmup), str(a.seconds),
                *eal_args(case, side, vdevs, main_lcore=1), "--", *app_args(case)]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=120 + 2 * a.seconds,
                              env=child_env(), preexec_fn=drive.child_setup)
        if proc.returncode != 0:
            raise BenchError(f"pyloop failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])
    if side == "pydpdk":
        argv = [sys.executable, "-m", "pydpdk", "fwd", *eal_args(case, side, vdevs), "--", "-i",
                *app_args(case, side)]
    else:
        argv = ["stdbuf", "-oL", TESTPMD, *eal_args(case, side, vdevs), "--", "-i", *app_args(case)]
    try:
        if case.pcap:
            return measure_drain(argv, nports=1, total=a.pcap_packets, name=side, env=child_env())
        return measure_rate(argv, nports=2, start_cmd=case.start, warmup=a.warmup, seconds=a.seconds,
                            counter=case.counter, name=side, env=child_env())
    finally:
        if out and os.path.exists(out):
            os.unlink(out)


def make_pcap(path: str, n: int) -> None:
    """n 64-byte Ether/IPv4/UDP frames, written in large chunks (one record repeated)."""
    import struct
    frame = (bytes.fromhex("020000000002020000000001" "0800") +
             bytes.fromhex("4500003200000000401100000a0000010a000002") +
             bytes.fromhex("04000fa0001e0000") + bytes(22))
    rec = struct.pack("<IIII", 1700000000, 0, len(frame), len(frame)) + frame
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        chunk = rec * 10000
        left = n
        while left:
            k = min(left, 10000)
            f.write(chunk if k == 10000 else rec * k)
            left -= k


def summarize(vals: list[float]) -> dict:
    return {"median": statistics.median(vals), "best": max(vals), "runs": vals}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default=",".join(CASES), help=f"comma-separated rows: {','.join(CASES)}")
    ap.add_argument("--seconds", type=float, default=3.0, help="measurement window per run")
    ap.add_argument("--warmup", type=float, default=1.0, help="forwarding before the window opens")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each side per row (interleaved)")
    ap.add_argument("--pcap-packets", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true", help="CI smoke: 0.2 s windows, 1 repeat, small pcap")
    ap.add_argument("--json", metavar="PATH", help="write every run's numbers here")
    ap.add_argument("--nice", type=int, default=0,
                    help="niceness added to both sides (e.g. -5 as root: less noise on a shared machine)")
    a = ap.parse_args(argv)
    if a.quick:
        a.seconds, a.warmup, a.repeat, a.pcap_packets = 0.2, 0.1, 1, 10_000
    names = [n.strip() for n in a.only.split(",") if n.strip()]
    bad = [n for n in names if n not in CASES]
    if bad:
        ap.error(f"--only: unknown rows {bad}; choose from {','.join(CASES)}")
    if not os.path.exists(TESTPMD):
        print(f"bench: {TESTPMD} not found (set TESTPMD=...)", file=sys.stderr)
        return 2
    drive.NICE = a.nice
    unpin()
    if free_hugepage_mb() < 128:
        NO_HUGE.append("--no-huge")
        print("# bench: no free hugepages: both sides run with --no-huge (slower, still comparable)",
              file=sys.stderr, flush=True)
    tmp = tempfile.mkdtemp(prefix="pydpdk-bench-")
    results: dict[str, dict] = {}
    try:
        pcap_in = None
        if "pcap" in names:
            pcap_in = os.path.join(tmp, "in.pcap")
            make_pcap(pcap_in, a.pcap_packets)
        runs = {n: {"pydpdk": [], "testpmd": []} for n in names}
        for r in range(a.repeat):
            for n in names:
                order = ("pydpdk", "testpmd") if r % 2 == 0 else ("testpmd", "pydpdk")
                for side in order:
                    res = run_side(CASES[n], side, a, pcap_in, tmp)
                    runs[n][side].append(res)
                    print(f"# run {r + 1}/{a.repeat} {n:8} {side:8} {res['mpps']:9.2f} Mpps"
                          + (f"  wall {res['wall_s']:.3f} s" if "wall_s" in res else ""),
                          file=sys.stderr, flush=True)
        for n in names:
            c = CASES[n]
            py = summarize([x["mpps"] for x in runs[n]["pydpdk"]])
            tp = summarize([x["mpps"] for x in runs[n]["testpmd"]])
            row = {"what": c.what, "burst": c.burst, "target": c.target, "pydpdk": py, "testpmd": tp,
                   "ratio": py["median"] / tp["median"] if tp["median"] else float("nan"),
                   "details": runs[n]}
            if c.pcap:
                row["pydpdk_wall_s"] = statistics.median(x["wall_s"] for x in runs[n]["pydpdk"])
                row["testpmd_wall_s"] = statistics.median(x["wall_s"] for x in runs[n]["testpmd"])
            results[n] = row
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(table(results, a))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                       "argv": sys.argv[1:], "nice": a.nice, "seconds": a.seconds, "warmup": a.warmup, "repeat": a.repeat,
                       "pcap_packets": a.pcap_packets, "rows": results}, f, indent=1)
    return 0


def table(results: dict, a: argparse.Namespace) -> str:
    head = (f"{'row':<8} {'burst':>5} {'pydpdk Mpps med':>15} {'best':>8} {'testpmd Mpps med':>16} "
            f"{'best':>8} {'ratio':>7}  target      note")
    lines = [f"pydpdk vs dpdk-testpmd: {a.repeat} interleaved runs per side, {a.seconds:g} s windows "
             f"after {a.warmup:g} s warm-up", head, "-" * len(head)]
    for n, r in results.items():
        note = r["what"]
        if "pydpdk_wall_s" in r:
            note += f"; wall {r['pydpdk_wall_s']:.3f} s vs {r['testpmd_wall_s']:.3f} s"
        lines.append(f"{n:<8} {r['burst']:>5} {r['pydpdk']['median']:>15.2f} {r['pydpdk']['best']:>8.2f} "
                     f"{r['testpmd']['median']:>16.2f} {r['testpmd']['best']:>8.2f} {r['ratio']:>6.3f}x"
                     f"  {r['target']:<11} {note}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
