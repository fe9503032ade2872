"""Multi-process: pydpdk secondaries attach to a real dpdk-testpmd primary and to a real pydpdk
primary, read growing statistics, and leave the primary's ports and hugepages alone."""
from __future__ import annotations

import errno
import glob
import json
import os
import subprocess
import sys

import pytest

import pydpdk
from pydpdk import multiprocess, telemetry
from conftest import ROOT, run_python
from pydpdk.testing.procs import unpin
from mp_peers import Peer
from pydpdk.testing.wait import wait_for

SECONDARY = """
import json, sys, time
import pydpdk
from pydpdk import multiprocess
eal = multiprocess.attach({prefix!r}, telemetry=False)
ports = pydpdk.ports()
first = [p.stats().ipackets for p in ports]
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    time.sleep(0.1)
    second = [p.stats().ipackets for p in ports]
    if all(b > a for a, b in zip(first, second)):
        break
snap = multiprocess.snapshot(xstats=True)
print("RESULT " + json.dumps(dict(type=eal.process_type, names=[p.name for p in ports],
      drivers=[p.driver for p in ports], first=first, second=second,
      xstats=snap[0].xstats.get("rx_good_packets", 0), link=snap[0].link)))
for p in ports:
    p.close()                  # forgets the port here; the primary's port keeps running
pydpdk.cleanup()
"""


def _hugepage_files(prefix: str) -> int:
    return len(glob.glob(f"/dev/hugepages/{prefix}map_*"))


def _primary_still_forwarding(prefix: str) -> None:
    with telemetry.Client(prefix) as t:
        for port in (0, 1):
            assert t.port_info(port)["dev_started"] == 1
        before = t.port_stats(0)["ipackets"]
        wait_for(lambda: t.port_stats(0)["ipackets"] > before, 20, "the primary to keep forwarding")


def test_secondary_reads_a_testpmd_primary():
    prefix = f"pydpdk-obsmp-tp-{os.getpid()}"
    with Peer("testpmd", prefix):
        files = _hugepage_files(prefix)
        proc = run_python(SECONDARY.format(prefix=prefix), timeout=90)
        assert proc.returncode == 0, proc.stderr[-3000:]
        res = json.loads([l for l in proc.stdout.splitlines() if l.startswith("RESULT ")][-1][7:])
        assert res["type"] == "secondary" and res["names"] == ["net_ring0", "net_ring1"]
        assert res["drivers"] == ["net_ring", "net_ring"] and res["link"].startswith("Link Up")
        assert all(0 < a < b for a, b in zip(res["first"], res["second"])), res
        assert res["xstats"] > 0
        # the secondary went away without stopping, closing or unmapping anything of the primary's
        assert _hugepage_files(prefix) == files > 0
        _primary_still_forwarding(prefix)


def test_procinfo_cli_reads_a_pydpdk_primary():
    prefix = f"pydpdk-obsmp-py-{os.getpid()}"
    with Peer("pydpdk", prefix) as peer:
        files = _hugepage_files(prefix)
        out = subprocess.run([sys.executable, "-m", "pydpdk", "procinfo", "--file-prefix", prefix, "--json",
                              "--xstats", "--interval", "1", "--count", "2"], capture_output=True,
                             text=True, timeout=90, cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT),
                             preexec_fn=unpin)
        assert out.returncode == 0, out.stderr[-3000:]
        snaps = [json.loads(l) for l in out.stdout.splitlines()]
        assert len(snaps) == 2 and [p["name"] for p in snaps[0]["ports"]] == ["net_ring0", "net_ring1"]
        for i in (0, 1):
            a, b = snaps[0]["ports"][i]["stats"]["ipackets"], snaps[1]["ports"][i]["stats"]["ipackets"]
            assert 0 < a < b
            assert snaps[1]["ports"][i]["xstats"]["rx_good_packets"] >= b
        assert _hugepage_files(prefix) == files > 0
        _primary_still_forwarding(prefix)
        with telemetry.Client(prefix) as t:                  # the primary's forwarder never paused
            assert t.fwd_stats(0)["running"] == 1
        # `pydpdk ports` as a secondary lists the same ports
        ports = subprocess.run([sys.executable, "-m", "pydpdk", "ports", "--proc-type=secondary",
                                "--file-prefix", prefix, "-l", "0", "--no-pci"], capture_output=True,
                               text=True, timeout=90, cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT),
                               preexec_fn=unpin)
        assert ports.returncode == 0, ports.stderr[-3000:]
        assert "net_ring0" in ports.stdout and "net_ring1" in ports.stdout
        _primary_still_forwarding(prefix)
        peer.proc.terminate()                              # the primary still stops cleanly
        rest, _ = peer.proc.communicate(timeout=30)
        assert peer.proc.returncode == 0 and "Accumulated forward statistics" in rest


def test_no_primary_is_a_clear_error():
    prefix = f"pydpdk-obsmp-none-{os.getpid()}"
    assert not multiprocess.primary_alive(prefix)
    with pytest.raises(pydpdk.EalError) as exc:
        multiprocess.check_primary(pydpdk.EalConfig(proc_type="secondary", file_prefix=prefix))
    assert exc.value.errno == errno.ESRCH and f"file prefix {prefix!r}" in str(exc.value)
    with pytest.raises(pydpdk.InvalidArgumentError) as exc:
        multiprocess.check_primary(pydpdk.EalConfig(proc_type="secondary", file_prefix=prefix, no_huge=True))
    assert exc.value.param == "no_huge"
    out = subprocess.run([sys.executable, "-m", "pydpdk", "procinfo", "--file-prefix", prefix],
                         capture_output=True, text=True, timeout=60, cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=ROOT))
    assert out.returncode == 1 and "no primary DPDK process runs with file prefix" in out.stderr


def test_mismatching_secondary_is_a_clear_error():
    """A secondary whose memory options cannot map the primary's memory: EAL refuses, we explain."""
    prefix = f"pydpdk-obsmp-mm-{os.getpid()}"
    with Peer("testpmd", prefix):
        proc = run_python(f"""
            import pydpdk
            from pydpdk import multiprocess
            try:
                multiprocess.attach({prefix!r}, telemetry=False, extra=["--no-huge"])
            except pydpdk.EalError as exc:
                print("REFUSED", exc)
            """, timeout=90)
        assert "REFUSED attaching to the primary with file prefix" in proc.stdout, proc.stdout + proc.stderr
        assert "same DPDK build" in proc.stdout and f"DPDK {pydpdk._native.RUNTIME_DPDK}" in proc.stdout
        _primary_still_forwarding(prefix)
