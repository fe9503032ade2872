"""Faults around a running pydpdk: a file system that fills up under a pcap TX file, memory
that runs out when a pool or a queue is made (issue 16, item 3). Each ends with exact accounting
and nothing half-built."""
from __future__ import annotations

import os
import subprocess

import pytest

import pydpdk
from pydpdk import pcap, vdev
from conftest import make_frame, run_python


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


# -- multi-process: a secondary killed, a primary killed under a reading secondary -------------
WATCHER = """
import sys, time
import pydpdk
from pydpdk import multiprocess
eal = multiprocess.attach({prefix!r}, telemetry=False)
ports = pydpdk.ports()
print("READY", [p.stats().ipackets for p in ports], flush=True)
deadline = time.monotonic() + 60
try:
    while time.monotonic() < deadline:
        for p in ports:
            p.stats()
        time.sleep(0.01)           # the secondary's own polling pace
    print("NO-ERROR", flush=True)
except pydpdk.EalError as e:
    print("GONE", e.errno, str(e), flush=True)
pydpdk.cleanup()
print("CLEAN", flush=True)
"""


def _spawn(code: str) -> subprocess.Popen:
    import sys
    import textwrap
    from conftest import ROOT, unpin
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT, preexec_fn=unpin)


def _line(proc: subprocess.Popen, word: str, timeout: float = 60) -> str:
    """The next stdout line starting with word (the child's protocol), within timeout."""
    import select
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([proc.stdout], [], [], max(deadline - time.monotonic(), 0))
        if not r:
            break
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith(word):
            return line
    raise AssertionError(f"no {word!r} line from the child in {timeout} s: {proc.stderr.read()[-3000:] if proc.poll() is not None else ''}")


def test_primary_killed_under_a_reading_secondary_is_a_clear_error():
    from mp_peers import Peer
    import signal
    prefix = f"pydpdk-fault-pk-{os.getpid()}"
    with Peer("pydpdk", prefix) as primary:
        child = _spawn(WATCHER.format(prefix=prefix))
        try:
            _line(child, "READY")
            primary.proc.send_signal(signal.SIGKILL)
            primary.proc.wait(10)
            gone = _line(child, "GONE", 30)              # an error, not frozen numbers or a hang
            assert gone.split()[1] == "3" and "has exited" in gone     # ESRCH
            _line(child, "CLEAN", 30)
            assert child.wait(30) == 0
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()


@pytest.mark.parametrize("kind", ["pydpdk", "dpdk-proc-info"])
def test_secondary_killed_while_attached_leaves_the_primary_forwarding(kind):
    from mp_peers import Peer, wait_for
    from pydpdk import telemetry
    import shutil
    import signal
    if kind == "dpdk-proc-info" and shutil.which("dpdk-proc-info") is None:
        pytest.skip("dpdk-proc-info is not installed (Debian package dpdk)")
    prefix = f"pydpdk-fault-sk-{os.getpid()}"
    with Peer("pydpdk", prefix):
        if kind == "pydpdk":
            child = _spawn(WATCHER.format(prefix=prefix))
            _line(child, "READY")
        else:                                  # killed as soon as it has attached and printed
            child = subprocess.Popen(["dpdk-proc-info", "--file-prefix", prefix, "--", "--xstats"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            _line(child, "#", 30)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        with telemetry.Client(prefix) as t:                # the primary never noticed
            before = t.port_stats(0)["ipackets"]
            wait_for(lambda: t.port_stats(0)["ipackets"] > before, 20, "the primary to keep forwarding")
        again = run_python(f"""
            import pydpdk
            from pydpdk import multiprocess
            multiprocess.attach({prefix!r}, telemetry=False)
            print("REATTACHED", [p.stats().ipackets > 0 for p in pydpdk.ports()])
            pydpdk.cleanup()
        """, timeout=60)
        assert again.returncode == 0 and "REATTACHED [True, True]" in again.stdout, again.stderr[-2000:]
