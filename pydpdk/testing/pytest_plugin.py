"""pytest fixtures for test suites that use pydpdk: real DPDK ports on vdevs, no mocks.

Installing pydpdk registers this module through the ``pytest11`` entry point (as the plugin
``pydpdk``), so any project's tests can ask for these fixtures with no conftest. Without the
installed entry point: ``pytest -p pydpdk.testing.pytest_plugin`` or, in a top-level conftest,
``pytest_plugins = ["pydpdk.testing.pytest_plugin"]``. See docs/testing.md.

Fixtures
    ``dpdk_eal_config`` (session) the EalConfig ``dpdk_eal`` starts: override it in a conftest
                          to add vdevs or EAL options
    ``dpdk_eal``       (session) one EAL for the session: hugepages when free, ordinary memory
                       otherwise, its own --file-prefix, cleaned up at the end
    ``dpdk_pool``      (session) an 8191-mbuf pool named ``dpdk_pool``
    ``ring_pair``      two started ports wired to each other (a sends, b receives; b sends, a receives)
    ``pcap_port``      factory: ``pcap_port(frames)`` -> :class:`~pydpdk.testing.peers.PcapPort`
    ``kernel_peer``    :class:`~pydpdk.testing.peers.KernelPeer`: the Linux stack in a netns behind af_packet
    ``testpmd_peer``   factory: ``testpmd_peer(mode="io", via="memif")`` -> :class:`~pydpdk.testing.peers.TestpmdPeer`
    ``no_mbuf_leak``   fails the test if a mempool's in-use count changed (opt-in)
    ``wait_for``       :func:`pydpdk.testing.wait.wait_for`
Markers: ``niclab``, ``host_changes``, ``subprocess_eal`` (registered here).
"""
from __future__ import annotations

import os
from typing import Any, Callable, Iterator

import pytest

from .. import eal as _eal
from ..eal import Eal, EalConfig
from ..mempool import Mempool
from .netns import netadmin_missing
from .peers import KernelPeer, PcapPort, RingPair, TestpmdPeer, leaked_since, pool_counts
from .testpmd import testpmd_missing
from .wait import wait_for as _wait_for

MARKERS = {
    "niclab": "boots QEMU guests with emulated NICs (slow; needs qemu and a guest kernel)",
    "host_changes": "changes the host: hugepage reservations, mounts, driver bindings",
    "subprocess_eal": "runs another EAL configuration in a child process",
}

#: the name of the session pool (``dpdk_pool``)
POOL_NAME = "dpdk_pool"


def pytest_configure(config: pytest.Config) -> None:
    for name, what in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {what}")


def default_config(**overrides: Any) -> EalConfig:
    """The plugin's EAL: lcores 0-1 (0 on a 1-CPU machine), no PCI, a per-process file prefix,
    hugepages when usable (then --single-file-segments, which virtio-user peers need), else
    512 MB of ordinary memory; ``overrides`` are EalConfig fields."""
    kw: dict[str, Any] = dict(lcores="0-1" if len(_eal._PROCESS_CPUS) > 1 else "0", no_pci=True,
                              file_prefix=f"pydpdk-pytest-{os.getpid()}", single_file_segments=True,
                              log_levels=["lib.eal:warning"])
    kw.update(overrides)
    return EalConfig.auto(**kw)


@pytest.fixture(scope="session")
def dpdk_eal_config() -> EalConfig:
    """The EalConfig for ``dpdk_eal``. Override in a conftest to add vdevs or options, e.g.
    ``return default_config(vdevs=["net_null0"])``."""
    return default_config()


@pytest.fixture(scope="session")
def dpdk_eal(dpdk_eal_config: EalConfig) -> Iterator[Eal]:
    """The session's EAL. An EAL this process already runs is used as it is (and left alone);
    one started here is cleaned up (objects closed, hugepage files and runtime dir removed)
    at the end of the session."""
    if _eal.is_initialized():
        yield _eal.current()
        return
    live = Eal.init(dpdk_eal_config)
    yield live
    _eal.cleanup()


@pytest.fixture(scope="session")
def dpdk_pool(dpdk_eal: Eal) -> Iterator[Mempool]:
    """A session mempool of 8191 mbufs (2 KiB data room, 256-mbuf cache) named ``dpdk_pool``."""
    pool = Mempool.create(POOL_NAME, 8191, cache_size=256)
    yield pool
    try:
        pool.close()
    except Exception:       # still lent to a port: the EAL cleanup frees it
        pass


def _leak_check_outside(request: pytest.FixtureRequest) -> None:
    """If the test also asked for no_mbuf_leak, set it up before this fixture, so that it is
    torn down after it (whatever order the test listed them in)."""
    if "no_mbuf_leak" in request.fixturenames:
        request.getfixturevalue("no_mbuf_leak")


@pytest.fixture
def no_mbuf_leak() -> Iterator[None]:
    """Fail the test if any mempool this process made has more (or fewer) mbufs in use after
    it than before: every mbuf the test allocated was sent or freed exactly once."""
    if not _eal.is_initialized():
        yield
        return
    before = pool_counts()
    yield
    if not _eal.is_initialized():
        return
    leaked = leaked_since(before)
    assert not leaked, f"mbufs leaked (pool: in-use delta): {leaked}"


@pytest.fixture
def ring_pair(request: pytest.FixtureRequest, dpdk_pool: Mempool) -> Iterator[RingPair]:
    """Two started ports on two rte_rings, crossed: ``a, b = ring_pair``; what a sends, b
    receives, and the other way. Drained and closed after the test."""
    _leak_check_outside(request)
    with RingPair(dpdk_pool) as pair:
        yield pair


@pytest.fixture
def pcap_port(request: pytest.FixtureRequest, dpdk_pool: Mempool,
              tmp_path: Any) -> Iterator[Callable[..., PcapPort]]:
    """Factory: ``pp = pcap_port(frames)`` is a started net_pcap port (``pp.port``) whose RX
    replays frames (bytes or scapy packets) and whose TX writes a pcap file in tmp_path;
    ``pp.written()`` detaches it (net_pcap flushes on close) and returns what it sent.
    Keyword arguments go to :class:`~pydpdk.testing.peers.PcapPort` (nb_desc, infinite_rx)."""
    _leak_check_outside(request)
    made: list[PcapPort] = []

    def make(frames: Any, **kw: Any) -> PcapPort:
        pp = PcapPort(dpdk_pool, frames, str(tmp_path), **kw)
        made.append(pp)
        return pp
    yield make
    for pp in made:
        pp.close()


@pytest.fixture
def kernel_peer(request: pytest.FixtureRequest, dpdk_pool: Mempool) -> Iterator[KernelPeer]:
    """The Linux stack as the peer: a veth pair, its inner end addressed in its own network
    namespace, its outer end a started af_packet port. Skipped, with the reason, where this
    machine cannot (no root, no iproute2, no af_packet PMD, namespaces refused)."""
    from ..vdev import capabilities
    why = netadmin_missing()
    if why:
        pytest.skip(f"kernel_peer {why}")
    cap = capabilities()["net_af_packet"]
    if not cap:
        pytest.skip(f"kernel_peer needs net_af_packet: {cap.reason}")
    _leak_check_outside(request)
    try:
        peer = KernelPeer(dpdk_pool)
    except RuntimeError as e:      # `ip netns add` / `ip link add` refused (a container without CAP_SYS_ADMIN)
        pytest.skip(f"kernel_peer: this machine refused a veth pair or network namespace: {e}")
    with peer:
        yield peer


@pytest.fixture
def testpmd_peer(request: pytest.FixtureRequest, dpdk_pool: Mempool) -> Iterator[Callable[..., TestpmdPeer]]:
    """Factory: ``peer = testpmd_peer(mode="io", via="memif", queues=1, app=())`` starts
    dpdk-testpmd in another process on the other end of a memif (or ``via="vhost"``: its
    vhost-user, our virtio-user) socket, forwarding in mode; ``peer.port`` is our started port,
    ``peer.stats()`` / ``peer.forward_stats()`` testpmd's counters. Skipped where dpdk-testpmd
    or the PMD is missing."""
    from ..vdev import capabilities
    why = testpmd_missing()
    if why:
        pytest.skip(f"testpmd_peer {why}")
    _leak_check_outside(request)
    made: list[TestpmdPeer] = []

    def make(mode: str = "io", *, via: str = "memif", **kw: Any) -> TestpmdPeer:
        cap = capabilities()["net_memif" if via == "memif" else "virtio_user_vhost_user"]
        if not cap:
            pytest.skip(f"testpmd_peer via {via}: {cap.reason}")
        peer = TestpmdPeer(dpdk_pool, mode, via=via, **kw)
        made.append(peer)
        return peer
    yield make
    for peer in made:
        peer.close()


@pytest.fixture
def wait_for() -> Callable[..., Any]:
    """:func:`pydpdk.testing.wait.wait_for`: ``wait_for(condition, timeout, what=...)`` polls
    until the condition is true, else fails naming what it waited for."""
    return _wait_for


__all__ = ["default_config", "MARKERS", "POOL_NAME", "dpdk_eal_config", "dpdk_eal", "dpdk_pool",
           "no_mbuf_leak", "ring_pair", "pcap_port", "kernel_peer", "testpmd_peer", "wait_for"]
