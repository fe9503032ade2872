"""bench/soak.py's CI run: 60 s of forwarding on ring, null and (with dpdk-testpmd) vhost-user
ports, checked every 10 s; the 30-minute figures are in docs/reliability.md."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_soak_for_a_minute_keeps_counters_memory_and_descriptors_honest():
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "soak.py"), "--duration", "60",
                           "--interval", "10", "--json"], capture_output=True, text=True, timeout=240,
                          cwd=ROOT, preexec_fn=lambda: os.sched_setaffinity(0, range(os.cpu_count() or 1)))
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert proc.returncode == 0 and summary["ok"], summary["failures"] or proc.stderr[-3000:]
    assert summary["checks"] >= 5 and len(summary["fds"]) == 1
    assert all(n > 0 for n in summary["port_rx_packets"].values()), summary["port_rx_packets"]
    assert max(summary["rss_mb"]) - min(summary["rss_mb"]) < 8
