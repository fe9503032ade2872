"""RX queue interrupts: idle waits use no CPU (process CPU time over a 1 s wait), a packet wakes
the waiter (blocking and asyncio); PMDs without RX interrupts raise NotSupportedError naming them.
net_tap: the kernel sends into the tap; net_memif (22.11) has none."""
from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import tempfile
import threading
import time

import pytest

import pydpdk
from pydpdk import vdev
from pydpdk.errors import InvalidArgumentError, NotSupportedError
from pydpdk.ethdev.intr import RxInterrupts


IDLE_CPU_S = 0.1          # CPU seconds allowed over a 1 s idle wait (a polling loop uses ~1)


_taps = __import__("itertools").count()


@pytest.fixture
def tap(eal, pool):
    n = (os.getpid() % 10000) * 10 + next(_taps) % 10
    iface = f"ethxi{n}"
    name = f"net_tap_irq{n}"
    [p] = vdev.attach(vdev.Tap(name, iface=iface))
    subprocess.run(["sysctl", "-qw", f"net.ipv6.conf.{iface}.disable_ipv6=1"], check=False)
    p.configure(1, 1, rx_interrupts=True)
    p.rx_queue_setup(0, 512, pool)
    p.tx_queue_setup(0, 512)
    p.start()
    for cmd in (["ip", "link", "set", iface, "up"], ["ip", "addr", "add", "10.67.0.1/24", "dev", iface],
                ["ip", "neigh", "replace", "10.67.0.2", "lladdr", p.mac, "dev", iface, "nud", "permanent"]):
        subprocess.run(cmd, check=True)
    yield p
    if not p.closed:                 # a test may have closed the port (then the tap is gone)
        vdev.detach(name)


def kernel_send_later(delay: float = 0.3) -> threading.Thread:
    def send():
        time.sleep(delay)          # the waiter must already sleep: this is the point of the test
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"wake", ("10.67.0.2", 9))
        s.close()
    t = threading.Thread(target=send)
    t.start()
    return t


def drain_port(p):
    while True:
        b = p.rx_burst(0, 64)
        if not b:
            return
        b.free()


def test_tap_idle_wait_uses_no_cpu_and_a_packet_wakes_it(tap):
    drain_port(tap)
    with RxInterrupts(tap) as rxi:
        c0 = time.process_time()
        assert rxi.wait_rx(0, timeout=1.0) is False
        assert time.process_time() - c0 < IDLE_CPU_S
        t = kernel_send_later()
        c0, w0 = time.process_time(), time.monotonic()
        assert rxi.wait_rx(0, timeout=10.0) is True
        assert time.process_time() - c0 < IDLE_CPU_S and time.monotonic() - w0 < 9
        t.join()
        b = rxi.recv_blocking(0, timeout=2.0)
        assert len(b) >= 1 and any(d.endswith(b"wake") for d in b.tobytes_list())
        b.free()


def test_tap_asyncio_recv_and_iterator(tap):
    drain_port(tap)
    rxi = RxInterrupts(tap)

    async def main():
        t = kernel_send_later()
        c0 = time.process_time()
        b = await asyncio.wait_for(rxi.recv(0), 10)
        cpu = time.process_time() - c0
        got = b.tobytes_list()
        b.free()
        t.join()
        kernel_send_later(0.1)
        async for burst in rxi.bursts(0):
            more = burst.tobytes_list()
            burst.free()
            break
        return cpu, got, more

    cpu, got, more = asyncio.run(main())
    assert cpu < IDLE_CPU_S and any(d.endswith(b"wake") for d in got) and more
    tap.close()
    assert rxi.closed                      # Port.close released the interrupts first


@pytest.mark.parametrize("name", ["net_null0", "net_ring0"])
def test_pmds_without_rx_interrupts_are_named(eal, pool, name):
    p = pydpdk.Port(name)
    with pytest.raises(InvalidArgumentError, match="rx_interrupts=True"):
        RxInterrupts(p)
    if name == "net_ring0":
        return            # the session's ring ports stay as the other tests use them
    was = p.started
    p.stop()
    try:
        p.configure(1, 1, rx_interrupts=True)
        p.rx_queue_setup(0, 512, pool)
        p.tx_queue_setup(0, 512)
        p.start()
        with pytest.raises(NotSupportedError) as exc:
            RxInterrupts(p)
        assert exc.value.driver == "net_null" and "net_null driver has no RX queue interrupts" in str(exc.value)
    finally:
        p.stop()
        p.configure(1, 1)
        p.rx_queue_setup(0, 512, pool)
        p.tx_queue_setup(0, 512)
        if was:
            p.start()


def test_memif_has_no_rx_interrupts_in_22_11(eal, pool):
    """net_memif 22.11 sets no RX interrupt handle on its ethdev ("Rx Intr handle unset")."""
    d = tempfile.mkdtemp(prefix="ethx-irq-")
    sock = os.path.join(d, "memif.sock")
    [port] = vdev.attach(vdev.Memif(f"net_memif_irq{os.getpid() % 10000}", role="server", id=3, socket=sock))
    try:
        port.configure(1, 1, rx_interrupts=True)
        port.rx_queue_setup(0, 512, pool)
        port.tx_queue_setup(0, 512)
        port.start()
        with pytest.raises(NotSupportedError, match="net_memif driver has no RX queue interrupts"):
            RxInterrupts(port)
    finally:
        vdev.detach(port)
        if os.path.exists(sock):
            os.unlink(sock)
        os.rmdir(d)


@pytest.mark.skipif(not __import__("conftest").have_hugepages(),
                    reason="virtio-user shares its memory with the vhost peer: needs hugepages")
def test_virtio_user_interrupts_wake_on_the_peers_echo(eal, pool):
    from conftest import make_frame
    from pydpdk import interop
    from pydpdk.testing.testpmd import TESTPMD, Testpmd, warm_up
    if not os.path.exists(TESTPMD):
        pytest.skip(f"needs {TESTPMD}")
    d = tempfile.mkdtemp(prefix="pdi-")
    sock = os.path.join(d, "vh.sock")
    try:
        with Testpmd([vdev.Vhost("net_vhost0", iface=sock)], ["--port-topology=loop", "--forward-mode=io"]) as tp:
            tp.ready()
            deadline = time.monotonic() + 20
            while not os.path.exists(sock) and time.monotonic() < deadline:
                time.sleep(0.05)
            tp.cmd("start", r"io packet forwarding")
            [port] = vdev.attach(vdev.VirtioUser(f"net_virtio_user_irq{os.getpid() % 10000}", path=sock))
            try:
                port.configure(1, 1, rx_interrupts=True)
                port.rx_queue_setup(0, 256, pool)
                port.tx_queue_setup(0, 256)
                port.start()
                assert port.wait_link_up(timeout=10).up
                warm_up(port, pool)
                drain_port(port)
                with RxInterrupts(port) as rxi:
                    c0 = time.process_time()
                    assert rxi.wait_rx(0, timeout=1.0) is False
                    assert time.process_time() - c0 < IDLE_CPU_S
                    frame = make_frame(7, 200)
                    sent = []

                    def send_later():
                        time.sleep(0.3)          # the waiter sleeps in epoll by then
                        sent.append(interop.send(port, pool, [frame]))       # testpmd's vhost echoes it
                    t = threading.Thread(target=send_later)
                    t.start()
                    c0, w0 = time.process_time(), time.monotonic()
                    assert rxi.wait_rx(0, timeout=10) is True                # the echo's kick woke it
                    assert time.monotonic() - w0 >= 0.25 and time.process_time() - c0 < IDLE_CPU_S
                    t.join()
                    assert sent == [1]
                    b = rxi.recv_blocking(0, timeout=10)
                    assert b.tobytes_list() == [frame]
                    b.free()
            finally:
                vdev.detach(port)
    finally:
        if os.path.exists(sock):
            os.unlink(sock)
        os.rmdir(d)


def test_port_wait_rx_and_recv_methods(tap):
    """port.wait_rx / await port.recv reach the port's RxInterrupts (made once, on first use)."""
    drain_port(tap)
    assert tap.rx_interrupts is tap.rx_interrupts
    t0 = time.process_time()
    assert tap.wait_rx(0, timeout=0.5) is False
    assert time.process_time() - t0 < IDLE_CPU_S
    t = kernel_send_later(0.3)
    assert tap.wait_rx(0, timeout=10.0) is True
    t.join()

    async def one():
        t2 = kernel_send_later(0.2)
        got = await asyncio.wait_for(tap.recv(0, 32), 10)
        t2.join()
        return got
    drain_port(tap)
    burst = asyncio.run(one())
    assert len(burst) >= 1
    burst.free()
    drain_port(tap)
