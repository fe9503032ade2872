"""Queues and threads: an engine's queues refuse Python bursts, two threads on one queue are
refused rather than corrupting it, queue handles stop working with their port, and 1,000
start/stop cycles of a forwarder leak nothing (issue 16, item 5)."""
from __future__ import annotations

import os

import pytest

import pydpdk
from pydpdk.testing.frames import drain, make_frame
from conftest import run_threads


def test_python_bursts_on_an_engines_queue_are_refused_naming_it(ring_pair, pool):
    p0, p1 = ring_pair
    fwd = pydpdk.Forwarder([p0, p1], "io")
    try:
        fwd.start(flush_rx=False)
        with pytest.raises(pydpdk.ResourceBusyError, match=r"RX queue 0 is driven by Forwarder\(io"):
            p0.rx_burst(0, 32)
        b = pool.burst([make_frame(1)])
        with pytest.raises(pydpdk.ResourceBusyError, match=r"TX queue 0 is driven by Forwarder"):
            p1.tx_burst(b)
        assert len(b) == 1                 # refused: nothing was sent, the burst still owns it
        with pytest.raises(pydpdk.ResourceBusyError):
            p0.rxq(0).rx()
        fwd.stop()
        assert p1.tx_burst(b) == 1         # stopped: the queues are Python's again
    finally:
        fwd.close()
        drain(p0, p1)


def test_queue_handles_move_bursts_and_die_with_their_port(eal, pool):
    ring = pydpdk.Ring.create("qh_ring", 256)
    port = pydpdk.Port.from_rings("qh", [ring], [ring])
    port.setup(pool, nb_rxd=128, nb_txd=128)
    rxq, txq = port.rxq(0, burst=8), port.txq(0)
    src = pool.burst([make_frame(i) for i in range(5)])
    assert txq.tx(src) == 5 and len(src) == 0
    assert rxq.rx() == 5
    with pytest.raises(pydpdk.InvalidArgumentError, match="empty burst"):
        rxq.rx()                            # the last rx()'s packets are still in the burst
    assert [bytes(m.data)[:4] for m in rxq.burst][0] == make_frame(0)[:4]
    assert txq.tx(rxq.burst) == 5 and rxq.rx() == 5
    rxq.burst.free()
    with pytest.raises(pydpdk.InvalidArgumentError, match="an MbufBurst"):
        txq.tx([b"x"])
    port.stop()
    port.configure(1, 1)                    # reconfigured: the handles refuse
    with pytest.raises(pydpdk.ResourceClosedError, match="queue handle"):
        rxq.rx()
    with pytest.raises(pydpdk.ResourceClosedError):
        txq.tx(pydpdk.MbufBurst(1))
    port.close()
    ring.close()


def test_two_threads_on_one_queue_are_refused_never_corrupted(ring_pair, pool):
    """Both threads hammer net_ring0's one RX/TX queue pair. Whether or not they collide in a
    given run, every collision is a ResourceBusyError naming the thread rule, and every mbuf is
    accounted for at the end (no double free, no leak: the fixture checks the pool)."""
    p0, _ = ring_pair
    busy_msgs: list[str] = []
    errors: list[BaseException] = []
    in_use = pool.in_use

    def worker(seed: int) -> None:
        try:
            for i in range(3000):
                b = pool.burst([make_frame(seed + i)])
                try:
                    p0.tx_burst(b)
                except pydpdk.ResourceBusyError as e:
                    busy_msgs.append(str(e))
                b.free()
                try:
                    got = p0.rx_burst(0, 32)
                    got.free()
                except pydpdk.ResourceBusyError as e:
                    busy_msgs.append(str(e))
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    run_threads(lambda: worker(0), lambda: worker(100000))
    assert not errors, errors
    assert all("another thread" in m for m in busy_msgs), busy_msgs[:3]
    drain(p0)
    assert pool.in_use == in_use


def test_forwarder_started_and_stopped_1000_times_leaks_nothing(ring_pair, pool):
    p0, p1 = ring_pair
    fds = len(os.listdir("/proc/self/fd"))
    in_use = pool.in_use
    fwd = pydpdk.Forwarder([p0, p1], "io")
    try:
        for i in range(1000):
            fwd.start(tx_first=(i % 100 == 0), flush_rx=False)
            fwd.stop()
        assert fwd.stats().tx_packets >= 0
    finally:
        fwd.close()
    drain(p0, p1)
    assert pool.in_use == in_use
    assert len(os.listdir("/proc/self/fd")) <= fds + 2      # no descriptor per start
    p0.rx_burst(0, 1).free()                                  # the queues are Python's again
