"""In-process pcapng capture (RX/TX callbacks in C, librte_pcapng, libpcap filters as DPDK BPF),
read back with tshark and tcpdump; dpdk-dumpcap against a running `pydpdk fwd` (rte_pdump_init)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from pydpdk import capture, vdev
from pydpdk.errors import InvalidArgumentError
from pydpdk.forward import Forwarder

from conftest import ROOT, drain, have_hugepages, unpin

need_tshark = pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed (.ci/install.sh)")

def udp_frame(dport: int, size: int = 60) -> bytes:
    pay = bytes(size - 42)
    l4 = (1234).to_bytes(2, "big") + dport.to_bytes(2, "big") + (8 + len(pay)).to_bytes(2, "big") + b"\0\0" + pay
    ip = b"\x45\x00" + (20 + len(l4)).to_bytes(2, "big") + b"\0\1\0\0\x40\x11\0\0" + bytes([10, 0, 0, 1, 10, 0, 0, 2])
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + l4


def tshark(path: str, *fields: str) -> list[list[str]]:
    out = subprocess.run(["tshark", "-r", path, "-T", "fields", *[a for f in fields for a in ("-e", f)]],
                         capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines()]


@need_tshark
def test_rx_and_tx_with_filter_and_snaplen(ring_pair, pool, tmp_path):
    p0, _ = ring_pair
    path = str(tmp_path / "cap.pcapng")
    with capture.capture(p0, path, snaplen=96, filter="udp port 53") as cap:
        frames = [udp_frame(53 if i % 2 else 5000, 200) for i in range(40)]
        b = pool.burst(frames)
        while b:
            p0.tx_burst(b)                       # TX callback: 20 of 40 match
        assert drain(p0) == 40                   # RX callback (net_ring0 loops to itself)
        st = cap.wait_written(40)
    assert st == capture.CaptureStats(seen=80, captured=40, filtered=40, dropped=0, written=40)
    assert cap.stats == st and cap.closed
    rows = tshark(path, "udp.dstport", "frame.len", "frame.cap_len", "frame.packet_flags_direction")
    assert len(rows) == 40 and {r[0] for r in rows} == {"53"}
    assert {r[1] for r in rows} == {"200"} and {r[2] for r in rows} == {"96"}
    dirs = sorted(r[3] for r in rows)
    assert dirs == ["0x00000001"] * 20 + ["0x00000002"] * 20        # 20 inbound (RX), 20 outbound (TX)
    td = subprocess.run(["tcpdump", "-nr", path], capture_output=True, text=True)
    assert td.returncode == 0 and td.stdout.count("10.0.0.2.53:") == 40


@need_tshark
def test_capture_while_a_native_engine_forwards(ring_pair, pool, tmp_path):
    p0, p1 = ring_pair
    path = str(tmp_path / "fwd.pcapng")
    fwd = Forwarder([p0, p1], "io")
    try:
        cap = capture.capture(p1, path, rx=True, tx=False, snaplen=128)
        fwd.start(tx_first=True)
        cap.wait_written(1000, timeout=20)
        fwd.stop()
        cap.close()
    finally:
        fwd.close()
    final = cap.stats
    assert final.written >= 1000 and final.written == final.captured
    assert final.seen == final.captured + final.dropped        # no filter: each packet copied or counted
    rows = tshark(path, "frame.interface_name")
    assert len(rows) == final.written and {r[0] for r in rows} == {f"dpdk:{p1.id}"}


def test_bad_filter_and_arguments(ring_pair, tmp_path):
    p0, _ = ring_pair
    with pytest.raises(InvalidArgumentError, match="filter.*syntax error"):
        capture.capture(p0, str(tmp_path / "x.pcapng"), filter="udp prot 53")
    with pytest.raises(InvalidArgumentError, match="snaplen"):
        capture.capture(p0, str(tmp_path / "x.pcapng"), snaplen=10)
    with pytest.raises(InvalidArgumentError, match="direction"):
        capture.capture(p0, str(tmp_path / "x.pcapng"), rx=False, tx=False)
    capture.check_filter("ether proto 0x88f7 or (udp and dst port 53)")


def test_port_close_stops_its_capture(eal, pool, tmp_path):
    [p] = vdev.attach(f"net_null_cap{os.getpid() % 10000},size=64")
    p.setup(pool)
    cap = capture.capture(p, str(tmp_path / "null.pcapng"))
    b = p.rx_burst(0, 32)                 # net_null RX makes 32 packets: the callback sees them
    b.free()
    p.close()
    assert cap.closed and cap.stats.captured == 32 == cap.stats.written


def test_primary_answers_pdump(eal):
    assert capture.pdump_enabled() == (eal.process_type == "primary")


@pytest.mark.skipif(shutil.which("dpdk-dumpcap") is None or not have_hugepages(),
                    reason="dpdk-dumpcap and free hugepages needed (a secondary attaches to the primary)")
def test_dpdk_dumpcap_captures_a_running_pydpdk_fwd(tmp_path):
    prefix = f"ethx-dumpcap-{os.getpid()}"
    env = dict(os.environ, PYTHONPATH=ROOT)
    fwd = subprocess.Popen([sys.executable, "-m", "pydpdk", "fwd", "-l", "0-1", "--vdev", "net_ring0",
                            "--vdev", "net_ring1", "--file-prefix", prefix, "-m", "128", "--",
                            "--forward-mode=io", "--tx-first", "--duration", "60", "--no-progress"],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           preexec_fn=unpin)
    out = str(tmp_path / "dumpcap.pcapng")
    try:
        deadline = time.monotonic() + 30
        res = None
        while time.monotonic() < deadline and fwd.poll() is None:   # until the primary answers
            res = subprocess.run(["dpdk-dumpcap", f"--file-prefix={prefix}", "-i", "net_ring0", "-c", "64",
                                  "-s", "128", "-w", out], capture_output=True, text=True, timeout=30,
                                 preexec_fn=unpin)
            if res.returncode == 0:
                break
            time.sleep(0.5)
    finally:
        fwd.terminate()
        fwd_out = fwd.communicate(timeout=20)[0]
        shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
    assert res is not None and res.returncode == 0, (res.stdout, res.stderr, fwd_out[-2000:])
    td = subprocess.run(["tcpdump", "-nr", out], capture_output=True, text=True)
    assert td.returncode == 0 and td.stdout.count("UDP") >= 64, td.stdout[-500:] + td.stderr


def test_port_capture_method_is_the_same_capture(ring_pair, pool, tmp_path):
    """port.capture(path, ...) is pydpdk.capture.capture(port, path, ...)."""
    p0, _ = ring_pair
    path = str(tmp_path / "m.pcapng")
    with p0.capture(path, snaplen=128) as cap:
        b = pool.burst([udp_frame(53, 100) for _ in range(10)])
        while b:
            p0.tx_burst(b)
        assert drain(p0) == 10
        st = cap.wait_written(20)
    assert isinstance(cap, capture.Capture) and st.written == 20 and os.path.getsize(path) > 0
