"""DPDK telemetry: pydpdk's client reads a real dpdk-testpmd and a real pydpdk process; pydpdk's
own /pydpdk/* commands answer from C with the forwarders' live counters."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

import pydpdk
from pydpdk import telemetry
from pydpdk.forward import Forwarder
from conftest import ROOT, have_hugepages
from pydpdk.testing.frames import drain
from pydpdk.testing.procs import unpin
from mp_peers import Peer
from pydpdk.testing.procs import cleanup_prefix
from pydpdk.testing.wait import wait_for


def _grows(read, *, timeout: float = 20) -> tuple[int, int]:
    first = read()
    second = wait_for(lambda: (read() > first) and read(), timeout, "a counter to grow")
    return first, second


def test_client_reads_a_testpmd_process():
    prefix = f"pydpdk-obstel-tp-{os.getpid()}"
    with Peer("testpmd", prefix) as peer, telemetry.Client(file_prefix=prefix) as t:
        # the peer is this machine's dpdk-testpmd: the DPDK pydpdk runs (22.11, 24.11, 25.11...)
        assert t.pid == peer.proc.pid and t.version == f"DPDK {pydpdk._native.RUNTIME_DPDK}"
        assert t.path.endswith(f"/{prefix}/dpdk_telemetry.v2") and prefix in telemetry.file_prefixes()
        cmds = t.commands()
        assert {"/ethdev/list", "/ethdev/stats", "/ethdev/xstats", "/ethdev/info"} <= set(cmds)
        assert "/pydpdk/version" not in cmds                       # testpmd is not pydpdk
        assert t.ports() == [0, 1]
        first, second = _grows(lambda: t.port_stats(0)["ipackets"])
        assert 0 < first < second
        xs = t.port_xstats(1)
        assert xs["rx_good_packets"] > 0 and xs["tx_good_packets"] > 0
        info = t.port_info(1)
        assert info["name"] == "net_ring1" and info["dev_started"] == 1
        assert t.query("/eal/params")[0].endswith("dpdk-testpmd")
        assert "port" in t.help("/ethdev/stats").lower()
        with pytest.raises(pydpdk.InvalidArgumentError) as exc:
            t.port_stats(7)
        assert exc.value.param == "port" and "[0, 1]" in str(exc.value)
        with pytest.raises(pydpdk.InvalidArgumentError):
            t.query("/pydpdk/fwd/stats")
        # the CLI, as dpdk-telemetry.py would be used
        out = subprocess.run([sys.executable, "-m", "pydpdk", "telemetry", "-f", prefix, "/ethdev/list",
                              "/ethdev/stats,1"], capture_output=True, text=True, timeout=30, cwd=ROOT,
                             env=dict(os.environ, PYTHONPATH=ROOT))
        assert out.returncode == 0, out.stderr
        lines = [json.loads(l) for l in out.stdout.splitlines()]
        assert lines[0] == {"/ethdev/list": [0, 1]} and lines[1]["/ethdev/stats"]["opackets"] > 0


def test_pydpdk_process_serves_forwarding_counters():
    prefix = f"pydpdk-obstel-py-{os.getpid()}"
    with Peer("pydpdk", prefix) as peer, telemetry.Client(prefix) as t:
        assert t.pid == peer.proc.pid
        assert t.query("/pydpdk/version") == {"pydpdk": pydpdk.__version__, "dpdk": "DPDK " + pydpdk.dpdk_version,
                                              "built_against": pydpdk._native.BUILT_AGAINST_DPDK}
        assert t.query("/pydpdk/fwd/list") == [0]
        one = t.fwd_stats(0)
        assert one["mode"] == "io" and one["running"] == 1 and one["nb_streams"] == 2
        assert one["port_0"]["name"] == "net_ring0" and one["port_1"]["name"] == "net_ring1"
        assert [one[f"stream_{i}"]["lcore"] for i in (0, 1)] == [1, 1]
        assert (one["stream_0"]["rx_port"], one["stream_0"]["tx_port"]) == (0, 1)
        assert one["gen_packets"] == 64                                  # tx_first: a burst per stream
        first, second = _grows(lambda: t.fwd_stats(0)["port_1"]["rx_packets"])
        assert 0 < first < second
        total = t.fwd_stats()
        assert total["forwarders"] == [0] and total["running"] == 1
        assert total["rx_packets"] >= second and set(total) >= {"port_0", "port_1"}
        assert t.port_stats(0)["opackets"] > 0                         # DPDK's own commands too
        with pytest.raises(pydpdk.InvalidArgumentError) as exc:
            t.fwd_stats(5)
        assert exc.value.param == "forwarder"
        assert t.query("/pydpdk/fwd/stats", "x") is None                 # DPDK answers null


def test_local_forwarder_counters_match_python(eal, ring_pair):
    if not eal.worker_lcores():
        pytest.skip("this machine has one CPU: no worker lcore to forward on")
    p0, p1 = ring_pair
    fwd = Forwarder([p0, p1], "io")
    tid = fwd.telemetry_id
    try:
        with telemetry.Client.local() as t:
            assert t.pid == os.getpid() and tid in t.query("/pydpdk/fwd/list")
            fwd.start(tx_first=True)
            wait_for(lambda: t.fwd_stats(tid)["rx_packets"] > 1000, 20, "forwarding")
            assert t.fwd_stats(tid)["running"] == 1
            final = fwd.stop()
            got = t.fwd_stats(tid)
            assert got["running"] == 0
            for i, s in enumerate(final.streams):           # stopped: C and Python read the same
                assert {k: got[f"stream_{i}"][k] for k in ("rx_packets", "tx_packets", "gen_packets",
                                                             "fwd_dropped", "lcore")} == \
                    {"rx_packets": s.rx_packets, "tx_packets": s.tx_packets, "gen_packets": s.gen_packets,
                     "fwd_dropped": s.fwd_dropped, "lcore": s.lcore}
            for p in final.ports:
                assert got[f"port_{p.port}"]["rx_packets"] == p.rx_packets
                assert got[f"port_{p.port}"]["tx_packets"] == p.tx_packets
            fwd.close()
            assert tid not in t.query("/pydpdk/fwd/list")
            with pytest.raises(pydpdk.InvalidArgumentError):
                t.fwd_stats(tid)
    finally:
        fwd.close()
        drain(p0, p1)


def test_connection_errors_are_clear(tmp_path):
    with pytest.raises(pydpdk.TelemetryError) as exc:
        telemetry.Client(file_prefix=f"pydpdk-obstel-none-{os.getpid()}")
    assert "no telemetry socket" in str(exc.value) and "no DPDK process with file prefix" in str(exc.value)
    stale = tmp_path / "dpdk_telemetry.v2"              # the socket file of a process that died
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.bind(str(stale))
    s.close()
    with pytest.raises(pydpdk.TelemetryError) as exc:
        telemetry.Client(path=str(stale))
    assert "has exited" in str(exc.value)
    with pytest.raises(pydpdk.InvalidArgumentError):
        telemetry.Client("a", path=str(stale))
    with pytest.raises(pydpdk.InvalidArgumentError):
        telemetry.Client("a/b")


def test_pydpdk_commands_answer_while_python_is_busy():
    """The /pydpdk/* commands run in C on DPDK's telemetry thread: a process whose Python never
    yields (busy loop, GIL held) still answers with its forwarder's live counters."""
    prefix = f"pydpdk-obstel-busy-{os.getpid()}"
    if not have_hugepages():
        pytest.skip("needs free, mounted 2 MiB hugepages for its EAL")
    code = f"""
import pydpdk
from pydpdk.forward import Forwarder
pydpdk.Eal.init(lcores="0-1", no_pci=True, file_prefix={prefix!r}, memory_mb=128,
                vdevs=["net_ring0", "net_ring1"])
pool = pydpdk.Mempool.create("p", 4095)
fwd = Forwarder([p.setup(pool) for p in pydpdk.ports()], "io")
fwd.start(tx_first=True)
print("FORWARDING", flush=True)
while True:
    pass
"""
    cleanup_prefix(prefix)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT), preexec_fn=unpin)
    try:
        assert proc.stdout.readline().strip() == "FORWARDING"
        with telemetry.Client(prefix) as t:
            first, second = _grows(lambda: t.fwd_stats(0)["rx_packets"])
            assert 0 < first < second and t.fwd_stats(0)["running"] == 1
    finally:
        proc.kill()
        proc.wait(timeout=30)
        proc.stdout.close()
        cleanup_prefix(prefix)


def test_stage_verdict_counters_in_telemetry(eal, ring_pair):
    """A stage forwarder's verdict counters (forwarded, dropped, invalid) in /pydpdk/fwd/stats,
    totals and per stream, equal to what Python reads once stopped."""
    if not eal.worker_lcores():
        pytest.skip("this machine has one CPU: no worker lcore to forward on")
    from pydpdk.stage import Stage
    p0, p1 = ring_pair
    # every third packet dropped, every third invalid: tx_first's bursts die out in a few rounds
    thirds = Stage.c("static uint64_t k;\nint64_t f(uint8_t *d, int64_t n, int64_t p)\n"
                     "{ (void)d; (void)n; (void)p; k++; return k % 3 == 0 ? -1 : k % 3 == 1 ? -9 : -2; }", "f")
    fwd = Forwarder([p0, p1], "stage", stage=thirds)
    tid = fwd.telemetry_id
    try:
        with telemetry.Client.local() as t:
            fwd.start(tx_first=True)
            wait_for(lambda: t.fwd_stats(tid)["stage_invalid"] + t.fwd_stats(tid)["stage_dropped"]
                     == t.fwd_stats(tid)["gen_packets"] and t.fwd_stats(tid)["gen_packets"] > 0,
                     20, "every generated packet dropped")
            final = fwd.stop()
            got = t.fwd_stats(tid)
            v = final.stage_verdicts
            assert v["dropped"] > 0 and v["invalid"] > 0 and v["forwarded"] > 0
            assert {k: got[f"stage_{k}"] for k in v} == v and sum(v.values()) == final.streams[0].rx_packets + \
                final.streams[1].rx_packets > 0
            for i, s in enumerate(final.streams):
                assert [got[f"stream_{i}"][f"stage_{k}"] for k in ("forwarded", "dropped", "invalid")] == \
                    [s.stage_forwarded, s.stage_dropped, s.stage_invalid]
            assert t.fwd_stats()["stage_dropped"] >= v["dropped"]        # the process's totals
    finally:
        fwd.close()
        drain(p0, p1)
