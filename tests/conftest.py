"""One EAL per pytest session, on real vdevs; other EAL configurations run in subprocesses.

Hugepages are used when free ones exist (``.ci/run`` reserves them), ordinary memory
(``no_huge``) otherwise; tests in test_eal.py exercise the other path in a child process.
After every test, each live mempool's in-use count must be back where it started.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import pydpdk
from pydpdk import eal as eal_mod
from pydpdk._resource import _live

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SESSION_VDEVS = ["net_ring0", "net_ring1", "net_null0,size=64", "net_null1,size=64"]


def have_hugepages() -> bool:
    return any(s.free >= 64 and s.mounted_at for s in eal_mod.hugepage_status())


def session_config() -> pydpdk.EalConfig:
    return pydpdk.EalConfig(lcores="0-1" if len(eal_mod._PROCESS_CPUS) > 1 else "0",
                            no_pci=True, no_huge=not have_hugepages(),
                            memory_mb=None if have_hugepages() else 512,
                            file_prefix=f"pydpdk-test-{os.getpid()}",
                            single_file_segments=have_hugepages(),  # virtio-user peers need it
                            vdevs=SESSION_VDEVS, log_levels=["lib.eal:warning"])


@pytest.fixture(scope="session")
def eal() -> pydpdk.Eal:
    e = pydpdk.Eal.init(session_config())
    yield e


@pytest.fixture(scope="session")
def pool(eal) -> pydpdk.Mempool:
    return pydpdk.Mempool.create("test_pool", 8191, cache_size=256)


@pytest.fixture(scope="session")
def small_pool(eal) -> pydpdk.Mempool:
    return pydpdk.Mempool.create("test_small", 255, cache_size=0, data_room=2048 + 128)


def _pool_counts() -> dict[str, int]:
    return {r.name: r.in_use for r in list(_live.values())
            if isinstance(r, pydpdk.Mempool) and not r.closed and r._owned}


@pytest.fixture(autouse=True)
def no_mbuf_leak(request):
    """Every mempool's in-use count returns to what it was before the test."""
    if not eal_mod.is_initialized():
        yield
        return
    before = _pool_counts()
    yield
    if not eal_mod.is_initialized():
        return
    after = _pool_counts()
    leaked = {n: after[n] - before[n] for n in before if n in after and after[n] != before[n]}
    assert not leaked, f"mbufs leaked (pool: in-use delta): {leaked}"


@pytest.fixture
def short_dir():
    """A fresh directory with a short path (/tmp/pdXXXXXXXX, 15 bytes), removed afterwards: for
    files named in hotplugged devargs, which DPDK 24.11.8+/25.11 cap at 127 bytes (pytest's
    tmp_path alone is ~60). See pydpdk.dpdk_features.HOTPLUG_DEVARGS_MAX."""
    import pathlib
    import shutil
    import tempfile
    d = tempfile.mkdtemp(prefix="pd", dir="/tmp")
    yield pathlib.Path(d)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def ring_pair(eal, pool):
    """Ports net_ring0 and net_ring1, configured, started, and drained after the test."""
    p0, p1 = pydpdk.Port("net_ring0"), pydpdk.Port("net_ring1")
    for p in (p0, p1):
        if not p.started:
            p.setup(pool, nb_rxd=512, nb_txd=512)
    yield p0, p1
    drain(p0, p1)


def drain(*ports: pydpdk.Port) -> int:
    n = 0
    for p in ports:
        if p.closed or not p.started:
            continue
        for q in range(p.nb_rx_queues):
            while True:
                b = p.rx_burst(q, 256)
                if not b:
                    break
                n += len(b)
                b.free()
    return n


def unpin() -> None:
    """preexec_fn for children: EAL pins this process's main thread to its lcore; children get
    every CPU back (else their own EAL could not use lcore 1)."""
    os.sched_setaffinity(0, eal_mod._PROCESS_CPUS)


def run_python(code: str, *, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter (its own EAL); returns the completed process."""
    e = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if env:
        e.update(env)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, env=e, cwd=ROOT, preexec_fn=unpin)


def make_frame(i: int, size: int = 64, *, src: str = "02:00:00:00:00:01",
               dst: str = "02:00:00:00:00:02") -> bytes:
    """An Ethernet frame (IPv4/UDP) of size bytes carrying i in its payload."""
    import struct
    mac = lambda m: bytes(int(x, 16) for x in m.split(":"))  # noqa: E731
    payload_len = max(size - 14 - 20 - 8, 4)
    payload = struct.pack("!I", i) + bytes((i + k) & 0xFF for k in range(payload_len - 4))
    udp = struct.pack("!HHHH", 1024 + (i & 0xFF), 4789, 8 + len(payload), 0) + payload
    ip_wo = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                        bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    s = sum(struct.unpack("!10H", ip_wo))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    ip = ip_wo[:10] + struct.pack("!H", ~s & 0xFFFF) + ip_wo[12:]
    return mac(dst) + mac(src) + b"\x08\x00" + ip + udp
