"""Faults around a running pydpdk: a file system that fills up under a pcap TX file, memory
that runs out when a pool or a queue is made (issue 16, item 3). Each ends with exact accounting
and nothing half-built."""
from __future__ import annotations

import os
import subprocess

import pytest

import pydpdk
from pydpdk import pcap, vdev
from conftest import run_python
from pydpdk.testing.frames import make_frame


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 64 KiB tmpfs (root only), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "full"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_pcap_tx_file_system_full_is_reported_and_the_file_stays_valid(eal, pool, small_tmpfs):
    out = small_tmpfs / "o.pcap"
    (port,) = vdev.attach(vdev.Pcap("net_pcap_full0", tx_pcap=str(out)))
    port.setup(pool)
    frames = [make_frame(i, 300) for i in range(400)]          # ~126 KB: twice what fits
    sent = 0
    for i in range(0, len(frames), 32):
        b = pool.burst(frames[i:i + 32])
        sent += port.tx_burst(b)
        b.free()
    assert sent == len(frames) == port.stats().opackets       # the PMD counts them all as sent...
    with pytest.raises(pydpdk.DeviceError, match=r"failed part-way.*complete records") as e:
        vdev.detach(port)                                    # ...pydpdk says what the file holds
    assert e.value.errno == 28                               # ENOSPC
    scan = pcap.scan_pcap(str(out))
    assert not scan.truncated and 0 < scan.records < len(frames)
    assert pcap.read_frames(str(out)) == frames[:scan.records]   # a valid pcap of the first ones
    tshark = subprocess.run(["tshark", "-r", str(out), "-T", "fields", "-e", "frame.number"],
                            capture_output=True, text=True) if os.path.exists("/usr/bin/tshark") else None
    if tshark is not None:
        assert tshark.returncode == 0 and len(tshark.stdout.split()) == scan.records, tshark.stderr
    assert not vdev.device_ports("net_pcap_full0")


def test_memory_running_out_leaves_nothing_half_built():
    """An EAL limited to 64 MB (--socket-limit: what another process holding the hugepages
    leaves): a pool too big for it fails with MempoolError naming the pool, leaves no mempool
    behind, and a smaller pool and port work afterwards."""
    proc = run_python("""
        import pydpdk
        from pydpdk._native import lib
        cfg = pydpdk.EalConfig.auto(lcores="0", no_pci=True, vdevs=["net_ring0"], file_prefix=None,
                                    extra=["--socket-limit", "64"] if pydpdk.eal.hugepages_usable() else [])
        if cfg.no_huge:
            cfg = cfg.replace(memory_mb=64)
        eal = pydpdk.Eal.init(cfg)
        try:
            pydpdk.Mempool.create("toobig", 200000, data_room=2176)
        except pydpdk.MempoolError as e:
            print("REFUSED", e.errno, "toobig" in str(e), lib.rte_mempool_lookup(b"toobig") == pydpdk._native.ffi.NULL)
        pool = pydpdk.Mempool.create("ok", 2047, cache_size=0)
        port = pydpdk.Port(0).setup(pool)
        b = pool.burst([b"\\x02" * 60] * 4)
        print("SENT", port.tx_burst(b)); b.free()
        got = port.rx_burst(0, 8); print("GOT", len(got)); got.free()
        pydpdk.cleanup()
    """)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "REFUSED 12 True True" in proc.stdout and "SENT 4" in proc.stdout and "GOT 4" in proc.stdout, proc.stdout
