"""`pydpdk gen` in its own process and EAL: the embedded default (a ring port looped to itself),
EAL options with a null port, fields, patterns, --rfc2544, CSV, and bad input."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import uuid

from conftest import ROOT, unpin

ENV = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def gen(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pydpdk", "gen", *args], capture_output=True, text=True,
                          timeout=timeout, env=ENV, cwd=ROOT, preexec_fn=unpin)


def gen_json(*args: str) -> dict:
    proc = gen(*args, "--json")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(proc.stdout)


def eal(*vdevs: str) -> list[str]:
    out = ["-l", "0-1", "--no-pci", "--file-prefix", f"pydpdk-gencli-{uuid.uuid4().hex[:8]}"]
    for v in vdevs:
        out += ["--vdev", v]
    return out


def test_default_ring_loop_json_shape_and_exact_accounting():
    d = gen_json("--duration", "1")
    assert d["elapsed_s"] > 0 and d["clock"] == "tsc"
    [s] = d["streams"]
    for key in ("id", "tx_packets", "rx_packets", "lost", "out_of_order", "duplicated", "tx_pps",
                "latency_ns", "clock"):
        assert key in s, key
    assert s["id"] == 0 and s["clock"] == "tsc"
    assert s["tx_packets"] > 0 and s["rx_packets"] == s["tx_packets"] and s["lost"] == 0
    assert s["out_of_order"] == s["duplicated"] == 0
    lat = s["latency_ns"]
    assert set(lat) >= {"min", "mean", "max", "p50", "p99", "p999", "jitter"}
    assert 0 <= lat["min"] <= lat["p50"] <= lat["p99"] <= lat["p999"] <= lat["max"]


def test_null_port_count_fields_no_rx_and_csv(tmp_path):
    out = tmp_path / "r.csv"
    d = gen_json(*eal("net_null0"), "--", "--rx-port", "none", "--count", "30000", "--rate", "300kpps",
                 "--size", "64-128:32", "--field", "udp.sport=inc:1000-1999",
                 "--field", "ip.dst=random:10.0.0.1-10.0.0.254", "--csv", str(out))
    [s] = d["streams"]
    assert s["tx_packets"] == 30000 and s["rx_packets"] == 0 and s["latency_ns"] is None
    assert s["state"] == "done"
    assert s["tx_bytes"] == 10000 * (64 + 96 + 128)
    rows = list(csv.DictReader(open(out)))
    assert rows[0]["tx_packets"] == "30000"


def test_rfc2544_on_ring_loop_reports_trials():
    proc = gen("--rfc2544", "--trial", "0.1", "--max-trials", "3", "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    d = json.loads(proc.stdout)
    assert d["trials"] and d["frame_len"] == 64
    assert all(t["lost"] == t["tx_packets"] - t["rx_packets"] for t in d["trials"])
    assert "trial 0:" in proc.stderr


def test_bad_input_exits_1_naming_the_parameter():
    proc = gen("--rate", "20Gbps", "--duration", "1")
    assert proc.returncode == 1 and "rate=" in proc.stderr and "link speed" in proc.stderr
    proc = gen("--size", "30", "--duration", "1")
    assert proc.returncode == 1 and "size=30" in proc.stderr
    proc = gen("--field", "udp.sport=grow:1-2", "--duration", "1")
    assert proc.returncode == 1 and "--field" in proc.stderr


def test_checksum_offload_refused_on_a_ring_auto_computes():
    proc = gen("--duration", "0.2", "--checksum", "offload")
    assert proc.returncode != 0
    err = proc.stdout + proc.stderr
    assert "checksum" in err and "offload" in err and "ipv4_cksum" in err, err[-2000:]
    d = gen_json("--duration", "0.3", "--checksum", "auto")
    assert d["streams"][0]["tx_packets"] > 0 and d["streams"][0]["lost"] == 0


def test_clock_option(tmp_path):
    """--clock auto on the default ring loop: the TSC (a ring port has no RX timestamp), said in
    the JSON; --clock rx_timestamp there: a clear error naming the option's value and port."""
    d = gen_json("--duration", "0.3", "--clock", "auto")
    assert d["clock"] == "tsc" and d["streams"][0]["clock"] == "tsc" and "TSC" in d["clock_unit"]
    proc = gen("--duration", "0.3", "--clock", "rx_timestamp")
    assert proc.returncode == 1
    assert "clock" in proc.stderr and "'rx_timestamp'" in proc.stderr and "net_ring" in proc.stderr
