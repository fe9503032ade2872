"""bench/run.py --quick: every row runs on both sides (pydpdk and dpdk-testpmd) and reports a
positive rate. Smoke test only: timings and ratios are never asserted (shared CI machines)."""
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT
from pydpdk.testing.procs import unpin

RUN = os.path.join(ROOT, "bench", "run.py")
ROWS = ["io", "mac", "macswap", "txonly", "rxonly", "pyloop", "pyloop256", "numpy", "numpy32", "pcap",
        "stage_macswap", "stage_macswap_c", "stage_udp"]


def test_bench_quick_every_row(tmp_path):
    if not os.path.exists("/usr/bin/dpdk-testpmd"):
        pytest.skip("dpdk-testpmd is not installed (apt install dpdk)")
    pytest.importorskip("numpy")
    out = tmp_path / "bench.json"
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, RUN, "--quick", "--json", str(out)], capture_output=True,
                          text=True, timeout=300, env=env, cwd=ROOT, preexec_fn=unpin)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = {ln.split()[0]: ln.split() for ln in proc.stdout.splitlines()[3:] if ln.strip()}
    assert sorted(lines) == sorted(ROWS), proc.stdout
    for row, cols in lines.items():
        py_med, tp_med = float(cols[2]), float(cols[4])
        assert py_med > 0 and tp_med > 0, f"{row}: {cols}"
    data = json.loads(out.read_text())
    assert sorted(data["rows"]) == sorted(ROWS)
    for row, r in data["rows"].items():
        assert r["pydpdk"]["runs"] and all(v > 0 for v in r["pydpdk"]["runs"]), row
        assert r["testpmd"]["runs"] and all(v > 0 for v in r["testpmd"]["runs"]), row
    numpy = data["rows"]["numpy"]["details"]["pydpdk"]
    assert all(x["ipv4_seen"] > 0 for x in numpy)          # the headers were really read
    pcap = data["rows"]["pcap"]["details"]
    assert all(x["packets"] >= data["pcap_packets"] for side in pcap.values() for x in side)


def test_pyloop_step_reports_both_ways_and_their_ratio(tmp_path):
    """bench/pyloop.py step: the queue handles, the bare cffi calls and the Port methods each
    timed per forwarding step, and the ratio printed (never asserted: shared machines)."""
    argv = [sys.executable, os.path.join(ROOT, "bench", "pyloop.py"), "step", "0", "0.2",
            "-l", "0", "--no-pci", "--no-huge", "-m", "128", "--file-prefix", f"pyq{os.getpid()}",
            "--log-level", "lib.eal:warning", "--vdev", "net_ring0", "--vdev", "net_ring1", "--",
            "--burst", "32", "--rxd", "512", "--txd", "512", "--total-num-mbufs", "4096"]
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env, cwd=ROOT,
                          preexec_fn=unpin)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "ratio queues / cffi" in proc.stdout
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert sorted(out["ns_per_step"]) == ["cffi", "methods", "queues"]
    assert all(v > 0 for v in out["ns_per_step"].values()) and out["ratio"] > 0
    assert out["rounds"] >= 3 and out["burst"] == 32
