"""Real peers for a test's pydpdk port: a wired ring pair, a pcap file port, the Linux stack
behind a veth pair, dpdk-testpmd in another process; and the mbuf leak check.

The pytest fixtures in :mod:`pydpdk.testing.pytest_plugin` are thin wrappers around these
classes; use them directly (as context managers) outside pytest.
"""
from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from typing import Any, Iterable, Iterator, Sequence

from .. import vdev
from .._resource import live
from ..ethdev import Port
from ..mempool import Mempool
from ..pcap import read_frames, write_pcap
from ..ring import Ring, ports_from_rings
from .frames import drain

__all__ = ["RingPair", "PcapPort", "KernelPeer", "TestpmdPeer", "pool_counts", "leaked_since",
           "ECHO_MODES"]

_seq = itertools.count()


def _tag() -> str:
    """Unique per process and call: device, ring and port names of parallel test runs differ."""
    return f"{os.getpid() % 100000}x{next(_seq)}"


# -- leak check ------------------------------------------------------------------------------
def pool_counts() -> dict[str, int]:
    """In-use mbufs of every open mempool this process created, by pool name."""
    return {p.name: p.in_use for p in live(Mempool) if isinstance(p, Mempool) and p.owned}


def leaked_since(before: dict[str, int]) -> dict[str, int]:
    """Pools whose in-use count differs from ``before`` (name -> delta); pools created or freed
    in between are not judged."""
    after = pool_counts()
    return {n: after[n] - before[n] for n in before if n in after and after[n] != before[n]}


# -- two ring ports wired to each other ---------------------------------------------------------
class RingPair:
    """Two started ethdev ports on two rte_rings, crossed: what ``a`` sends ``b`` receives and
    what ``b`` sends ``a`` receives (``rte_eth_from_rings``). Unpacks as ``a, b = pair``."""

    def __init__(self, pool: Mempool, *, nb_desc: int = 512, ring_size: int = 1024) -> None:
        tag = _tag()
        self._rings = [Ring.create(f"pdw{tag}ab", ring_size), Ring.create(f"pdw{tag}ba", ring_size)]
        ab, ba = self._rings
        self.a = ports_from_rings(f"pdw{tag}a", rx=[ba], tx=[ab])
        self.b = ports_from_rings(f"pdw{tag}b", rx=[ab], tx=[ba])
        for p in (self.a, self.b):
            p.setup(pool, nb_rxd=nb_desc, nb_txd=nb_desc)

    def __iter__(self) -> Iterator[Port]:
        return iter((self.a, self.b))

    def __getitem__(self, i: int) -> Port:
        return (self.a, self.b)[i]

    def __len__(self) -> int:
        return 2

    def drain(self) -> int:
        """Free whatever waits on either port's RX; returns the count."""
        return drain(*(p for p in (self.a, self.b) if not p.closed))

    def close(self) -> None:
        """Drain, close both ports, free both rings (safe to call twice)."""
        if not self.a.closed or not self.b.closed:
            self.drain()
        for p in (self.a, self.b):
            p.close()
        for r in self._rings:
            r.close()

    def __enter__(self) -> "RingPair":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# -- a pcap-file port ---------------------------------------------------------------------------
class PcapPort:
    """A started net_pcap port whose RX replays ``frames`` (bytes or scapy packets: anything
    ``bytes()`` takes) from a pcap file and whose TX writes another pcap file.

    net_pcap writes its TX file out when the device closes: :meth:`written` therefore detaches
    the port first (after it the port is gone) and returns every frame the port sent."""

    def __init__(self, pool: Mempool, frames: Iterable[Any], directory: str, *,
                 nb_desc: int = 512, infinite_rx: bool = False) -> None:
        tag = _tag()
        self.rx_path = os.path.join(directory, f"pcap-{tag}-rx.pcap")
        self.tx_path = os.path.join(directory, f"pcap-{tag}-tx.pcap")
        self.count = write_pcap(self.rx_path, frames)
        self.spec = vdev.Pcap(f"net_pcap_pt{tag}", rx_pcap=(self.rx_path,), tx_pcap=(self.tx_path,),
                              infinite_rx=True if infinite_rx else None)
        [self.port] = vdev.attach(self.spec)
        self._detached = False
        self._written: list[bytes] | None = None
        try:
            self.port.setup(pool, nb_rxd=nb_desc, nb_txd=nb_desc)
        except BaseException:
            self.close()
            raise

    def written(self, decode: str | None = None) -> list[Any]:
        """The frames the port transmitted (all of them: the port is detached first, which makes
        net_pcap close and flush its TX file). As bytes, or decoded ('scapy', 'dpkt')."""
        if self._written is None:
            self.close()
            self._written = read_frames(self.tx_path) if os.path.exists(self.tx_path) else []
        if decode:
            from ..interop import decode_frames
            return decode_frames(self._written, decode)
        return list(self._written)

    def close(self) -> None:
        """Free what waits on RX, detach the device (flushing the TX file). Safe twice."""
        if self._detached:
            return
        if not self.port.closed:
            drain(self.port)
        self._detached = True
        vdev.detach(str(self.spec))

    def __enter__(self) -> "PcapPort":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<PcapPort {self.spec.name} rx={self.count} frames tx={self.tx_path}>"


# -- the Linux stack behind a veth pair --------------------------------------------------------
class KernelPeer:
    """The Linux network stack as the peer: a veth pair whose inner end sits, addressed
    ``peer_ip``/24 with MAC ``peer_mac``, in its own network namespace ``ns``; the outer end is
    a started, promiscuous af_packet port (``port``). ``our_ip`` is a free address on that
    subnet for the pydpdk side to use (the kernel learns it by ARP, or :meth:`neigh`)."""

    def __init__(self, pool: Mempool, *, subnet: int | None = None, qpairs: int = 1,
                 nb_desc: int = 512) -> None:
        from .netns import Netns, Veth
        net = subnet if subnet is not None else 100 + (os.getpid() + next(_seq)) % 150
        self.our_ip, self.peer_ip = f"10.201.{net}.1", f"10.201.{net}.2"
        self.peer_mac = "02:00:00:00:9a:02"
        self._closed = False
        self.ns = Netns()
        try:
            self.veth = Veth(self.ns, self.peer_ip + "/24", self.peer_mac)
        except BaseException:
            self.ns.close()
            raise
        try:
            spec = vdev.AfPacket(f"net_af_packet_kp{_tag()}", iface=self.veth.outer, qdisc_bypass=True,
                                 qpairs=qpairs if qpairs != 1 else None)
            [self.port] = vdev.attach(spec)
        except BaseException:
            self.veth.close()
            self.ns.close()
            raise
        try:
            self.port.setup(pool, qpairs, qpairs, nb_rxd=nb_desc, nb_txd=nb_desc, promiscuous=True)
        except BaseException:
            self.close()
            raise

    @property
    def peer_iface(self) -> str:
        """The interface name inside the namespace."""
        return self.veth.inner

    def run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a command inside the peer's namespace (``ip``, ``ping``, ``python3 -c``...)."""
        return self.ns.run(*cmd, check=check)

    def neigh(self, ip: str | None = None, mac: str | None = None) -> None:
        """Tell the kernel our address (permanent neighbour entry): IP traffic without ARP first."""
        self.run("ip", "neigh", "replace", ip or self.our_ip, "lladdr", mac or self.port.mac,
                 "dev", self.peer_iface, "nud", "permanent")

    def close(self) -> None:
        """Detach the port, remove the veth pair and the namespace (safe twice)."""
        if self._closed:
            return
        self._closed = True
        if not self.port.closed:
            drain(self.port)
            vdev.detach(self.port)
        self.veth.close()
        self.ns.close()

    def __enter__(self) -> "KernelPeer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# -- dpdk-testpmd in another process -----------------------------------------------------------
#: testpmd forwarding modes that send each received frame back (a warm-up probe returns)
ECHO_MODES = ("io", "mac", "macswap", "5tswap")


class TestpmdPeer:
    """dpdk-testpmd in its own process and EAL, on the other end of a memif (default) or
    vhost-user socket, forwarding in ``mode`` (``--port-topology=loop``: what it receives goes
    back out of the same port). ``port`` is our started port on that socket; ``testpmd`` the
    :class:`~pydpdk.testing.testpmd.Testpmd` driver. testpmd's forwarding lcore runs on
    :func:`~pydpdk.testing.procs.other_cpu` (not our main lcore's CPU).

    In an echo mode (io, mac, macswap, 5tswap) the link is warmed up before use: ``probes``
    frames went out and came back (testpmd's counters include them)."""

    __test__ = False

    def __init__(self, pool: Mempool, mode: str = "io", *, via: str = "memif", queues: int = 1,
                 app: Sequence[str] = (), nb_desc: int | None = None) -> None:
        """nb_desc: our port's ring sizes (default 512 on memif, 256 on virtio-user: the
        virtqueue size vhost-user fixes)."""
        from ..errors import invalid
        from .procs import main_cpu, other_cpu
        from .testpmd import Testpmd, warm_up
        if via not in ("memif", "vhost"):
            raise invalid("via", via, "'memif' or 'vhost'", "testpmd_peer")
        self.mode, self.via, self.probes = mode, via, 0
        self._closed = False
        self._dir = tempfile.mkdtemp(prefix="pdtp-")   # short: a UNIX socket path is <= 107 bytes
        sock = os.path.join(self._dir, f"{via}.sock")
        tag = _tag()
        theirs: vdev.VdevSpec
        ours: vdev.VdevSpec
        if via == "memif":
            theirs = vdev.Memif("net_memif0", role="server", id=1, socket=sock, socket_abstract=False)
            ours = vdev.Memif(f"net_memif_tp{tag}", role="client", id=1, socket=sock, socket_abstract=False)
        else:
            theirs = vdev.Vhost("net_vhost0", iface=sock, queues=queues)
            ours = vdev.VirtioUser(f"net_virtio_user_tp{tag}", path=sock, queues=queues)
        qs = [f"--rxq={queues}", f"--txq={queues}"] if queues != 1 else []
        try:
            self.testpmd = Testpmd([theirs], [*qs, "--port-topology=loop", f"--forward-mode={mode}", *app],
                                   lcores=f"0@{main_cpu()},1@{other_cpu()}")
        except BaseException:
            shutil.rmtree(self._dir, ignore_errors=True)
            raise
        try:
            self.testpmd.ready()
            from .wait import wait_for
            wait_for(lambda: os.path.exists(sock), 20, f"testpmd to make its socket {sock}",
                     proc=self.testpmd.proc, interval=0.05)
            self.testpmd.cmd("start", r"packet forwarding|Packet forwarding")
            [self.port] = vdev.attach(ours)
        except BaseException:
            self.testpmd.close()
            shutil.rmtree(self._dir, ignore_errors=True)
            raise
        try:
            n = nb_desc or (512 if via == "memif" else 256)
            self.port.setup(pool, queues, queues, nb_rxd=n, nb_txd=n)
            if not self.port.wait_link_up(timeout=10).up:
                raise TimeoutError(f"{self.port.name}: link to testpmd not up in 10 s")
            if mode in ECHO_MODES:
                self.probes = warm_up(self.port, pool)
        except BaseException:
            self.close()
            raise

    def stats(self, port: int = 0) -> dict[str, int]:
        """testpmd's port counters while it runs: {'rx': ..., 'tx': ...} packets."""
        return self.testpmd.port_stats(port)

    def forward_stats(self) -> dict[str, int]:
        """Stop testpmd's forwarding; its accumulated {'rx': ..., 'tx': ...} packet counts."""
        return self.testpmd.forward_stats()

    def close(self) -> None:
        """Detach our port, quit testpmd, remove the socket directory (safe twice)."""
        if self._closed:
            return
        self._closed = True
        if not self.port.closed:
            drain(self.port)
            vdev.detach(self.port)
        self.testpmd.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> "TestpmdPeer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
