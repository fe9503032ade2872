"""Soak: forward for a long time and check, every interval, that nothing drifts or lies.

    python3 bench/soak.py                       # 10 minutes: ring, null and vhost-user ports
    python3 bench/soak.py --duration 60 --json  # CI's run (tests/test_soak.py)

One EAL (lcores 0-1), one io Forwarder on a worker lcore over: two net_ring ports paired and
primed with tx_first (a closed loop: the packets circulate for ever), two net_null ports paired
(RX generates, TX frees), and, where dpdk-testpmd is installed, a virtio-user port whose vhost-user
peer is testpmd in io mode in another process (its forwarding lcore on the other CPU), looping
what it gets back. Every ``--interval`` seconds (10) it checks:

- every port's and stream's counters only grow;
- per stream, what was sent never exceeds what was received plus generated (tx <= rx + gen);
- the closed ring loop keeps its packets: mempool in-use stays at the primed count;
- the process's RSS and open file descriptors stay flat (growth within --rss-slack-mb / 0).

At the end it stops, flushes and drains every port and checks exact accounting per stream
(rx + gen == tx + dropped) and, once the ports are closed (which frees what their RX rings and
uncleaned TX rings still hold), that the mempool is back where it started. Prints one line per
interval and a summary (``--json``: one JSON object); exit status 0 when every check held.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import pydpdk  # noqa: E402
from pydpdk import vdev  # noqa: E402
from pydpdk.session import EngineSettings, MempoolPolicy, PortSettings, Session  # noqa: E402

TESTPMD = shutil.which("dpdk-testpmd")


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def start_peer(sock: str) -> subprocess.Popen | None:
    """dpdk-testpmd serving vhost-user at sock, io forwarding, its forwarding lcore on CPU 0 (stdin kept
    open: testpmd without -i exits at end of input)."""
    if TESTPMD is None:
        return None
    argv = [TESTPMD, "-l", "0-1", "--main-lcore", "1", "--no-pci", "--no-huge", "-m", "256",
            "--file-prefix", f"pydpdk-soak-peer-{os.getpid()}", "--vdev", f"net_vhost0,iface={sock}",
            "--", "--forward-mode=io", "--port-topology=loop", "--auto-start", "--stats-period=0",
            "--total-num-mbufs=8192"]
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=lambda: os.sched_setaffinity(0, range(os.cpu_count() or 1)))
    deadline = time.monotonic() + 30
    while not os.path.exists(sock):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            return None
        time.sleep(0.05)
    return proc


def drain(ports: list[pydpdk.Port]) -> int:
    n = 0
    for p in ports:
        for q in range(p.nb_rx_queues):
            for _ in range(10000):
                b = p.rx_burst(q, 256)
                if not b:
                    break
                n += len(b)
                b.free()
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=600.0, help="seconds to forward (600)")
    ap.add_argument("--interval", type=float, default=10.0, help="seconds between checks (10)")
    ap.add_argument("--no-vhost", action="store_true", help="leave out the vhost-user port and its peer")
    ap.add_argument("--rss-slack-mb", type=float, default=8.0, help="RSS growth allowed after the first check")
    ap.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    a = ap.parse_args(argv)

    tmp = tempfile.mkdtemp(prefix="pdsoak-")
    sock = os.path.join(tmp, "vh.sock")
    peer = None if a.no_vhost else start_peer(sock)
    vdevs = ["net_ring0", "net_ring1", "net_null0,size=64", "net_null1,size=64"]
    if peer is not None:
        vdevs.append(str(vdev.VirtioUser("net_virtio_user0", path=sock)))
    cfg = pydpdk.EalConfig.auto(lcores="0-1", no_pci=True, vdevs=vdevs, file_prefix=f"pydpdk-soak-{os.getpid()}",
                                log_levels=["lib.eal:warning"])
    failures: list[str] = []
    rows: list[dict] = []
    session = Session(eal=cfg, port=PortSettings(promiscuous=False),   # each driver's default ring sizes
                      pool=MempoolPolicy(name="soak", total=16383, cache=256),
                      engine=EngineSettings(mode="io", burst=32, tx_first=True))
    try:
        run = session.build()
        pool, ports, fwd = run.pool, run.ports, run.engine
        base_in_use = 0                            # a new pool: every mbuf out is the ports' or the engine's
        if peer is not None:
            ports[-1].wait_link_up(timeout=10)
        run.start()
        primed = pool.in_use
        t0 = time.monotonic()
        prev = None
        rss0 = fds0 = None
        while True:
            left = t0 + a.duration - time.monotonic()
            if left <= 0:
                break
            time.sleep(min(a.interval, left))          # the measured interval, not a wait for an event
            st = fwd.stats()
            now = {"t": round(time.monotonic() - t0, 1), "rss_kb": rss_kb(), "fds": open_fds(),
                   "in_use": pool.in_use, "rx": st.rx_packets, "tx": st.tx_packets,
                   "rx_pps": round(st.rx_pps), "ports": {p.name: (p.rx_packets, p.tx_packets) for p in st.ports}}
            if rss0 is None:
                rss0, fds0 = now["rss_kb"], now["fds"]
            streams = [(s.rx_packets, s.tx_packets, s.gen_packets) for s in st.streams]
            for (rx, tx, gen) in streams:
                if tx > rx + gen:
                    failures.append(f"t={now['t']}: a stream sent {tx} > received {rx} + generated {gen}")
            if prev is not None:
                for name, (rx, tx) in now["ports"].items():
                    prx, ptx = prev["ports"][name]
                    if rx < prx or tx < ptx:
                        failures.append(f"t={now['t']}: {name} counters went back ({prx}->{rx}, {ptx}->{tx})")
            if now["rss_kb"] - rss0 > a.rss_slack_mb * 1024:
                failures.append(f"t={now['t']}: RSS grew {(now['rss_kb'] - rss0) / 1024:.1f} MB")
            if now["fds"] != fds0:
                failures.append(f"t={now['t']}: open file descriptors {fds0} -> {now['fds']}")
            if now["in_use"] < primed - 32 * len(ports) or now["in_use"] > primed + 1024 * len(ports):
                failures.append(f"t={now['t']}: mempool in use {now['in_use']} drifted from {primed}")
            rows.append(now)
            prev = now
            if not a.json:
                print(f"{now['t']:>7.1f}s rx {now['rx']:>13,} tx {now['tx']:>13,} {now['rx_pps'] / 1e6:7.2f} Mpps "
                      f"rss {now['rss_kb'] / 1024:6.1f} MB fds {now['fds']:>3} in-use {now['in_use']}", flush=True)
        final = fwd.stop()
        fwd.flush_rx()
        fwd.close()
        drained = drain(ports)
        for s in final.streams:
            if s.rx_packets + s.gen_packets != s.tx_packets + s.fwd_dropped + s.other_dropped:
                failures.append(f"stream {s.rx_port}/{s.rx_queue}->{s.tx_port}/{s.tx_queue}: rx {s.rx_packets} + "
                                f"gen {s.gen_packets} != tx {s.tx_packets} + dropped {s.fwd_dropped + s.other_dropped}")
        in_flight = pool.in_use - base_in_use      # RX rings' fill, TX rings not yet cleaned (virtio)
        for p in ports:
            p.close()
        if pool.in_use != base_in_use:
            failures.append(f"mempool in use {pool.in_use} after stop, drain and close, {base_in_use} before the run")
        summary = {"duration_s": round(final.elapsed_s, 1), "ports": [p.name for p in ports],
                   "port_rx_packets": {p.name: p.rx_packets for p in final.ports},
                   "vhost_peer": peer is not None, "rx_packets": final.rx_packets, "tx_packets": final.tx_packets,
                   "mean_rx_pps": round(final.rx_packets / max(final.elapsed_s, 1e-9)),
                   "rss_mb": [round(r["rss_kb"] / 1024, 1) for r in rows],
                   "fds": sorted({r["fds"] for r in rows}), "drained": drained, "in_flight_at_stop": in_flight,
                   "checks": len(rows),
                   "failures": failures, "ok": not failures}
        run.close()                                # the pool (nothing left out: checked above)
    finally:
        pydpdk.cleanup()
        if peer is not None:
            peer.kill()
            peer.wait()
            shutil.rmtree(f"/var/run/dpdk/pydpdk-soak-peer-{os.getpid()}", ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)
    if a.json:
        print(json.dumps(summary))
    else:
        print(f"soak: {summary['checks']} checks over {summary['duration_s']} s, {summary['rx_packets']:,} packets "
              f"({summary['mean_rx_pps'] / 1e6:.2f} Mpps mean), RSS {summary['rss_mb'][:1]}..{summary['rss_mb'][-1:]} MB, "
              f"fds {summary['fds']}: {'OK' if summary['ok'] else 'FAILED'}")
        for f in failures:
            print("  " + f)
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
