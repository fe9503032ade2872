"""A user's test file written against pydpdk's pytest plugin alone: no conftest, no helpers
from pydpdk's own suite. With pydpdk installed, `python3 -m pytest` in this directory runs it
(pydpdk's suite runs it from a temporary copy: tests/test_pytest_plugin.py)."""
import struct

import pytest

from pydpdk import interop
from pydpdk.forward import Forwarder

# the leak check on every test of this file, set up before (so checked after) every other fixture
pytestmark = pytest.mark.usefixtures("no_mbuf_leak")


def frame(i: int, size: int = 64) -> bytes:
    """An Ethernet frame of a local experimental ethertype carrying i."""
    head = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5" + struct.pack("!I", i)
    return head + bytes((i + k) & 0xFF for k in range(size - len(head)))


def test_what_one_port_sends_the_other_receives(ring_pair, dpdk_pool):
    a, b = ring_pair
    frames = [frame(i, 60 + i) for i in range(40)]
    assert interop.send(a, dpdk_pool, frames) == 40
    assert interop.receive(b, 40, timeout=2) == frames            # byte-exact, in order
    assert interop.receive(a, None, timeout=0.05) == []           # nothing came back to a
    assert interop.send(b, dpdk_pool, frames[:5]) == 5
    assert interop.receive(a, 5, timeout=2) == frames[:5]
    assert a.stats().opackets == 40 and b.stats().ipackets == 40


def test_pcap_port_replays_frames_and_records_what_it_sends(pcap_port, dpdk_pool):
    frames = [frame(i, 64 + 31 * i) for i in range(12)]
    pp = pcap_port(frames)
    got = interop.receive(pp.port, len(frames), timeout=2)
    assert got == frames
    answers = [f[:14] + f[14:][::-1] for f in got]
    assert interop.send(pp.port, dpdk_pool, answers) == len(answers)
    assert pp.written() == answers


def test_pcap_port_takes_scapy_packets(pcap_port):
    scapy = pytest.importorskip("scapy.all")
    pkts = [scapy.Ether(dst="02:00:00:00:00:02") / scapy.IP(dst="10.9.0.2") / scapy.UDP(dport=5000 + i)
            for i in range(3)]
    pp = pcap_port(pkts)
    got = interop.receive(pp.port, 3, timeout=2, decode="scapy")
    assert [p[scapy.UDP].dport for p in got] == [5000, 5001, 5002]
    assert pp.written() == []                                     # it sent nothing


def test_a_burst_is_freed_exactly_once(dpdk_pool):
    before = dpdk_pool.in_use
    burst = dpdk_pool.burst([frame(i) for i in range(8)])
    assert dpdk_pool.in_use == before + 8
    burst.free()
    assert dpdk_pool.in_use == before


def test_forwarding_on_a_worker_lcore(dpdk_eal, ring_pair, wait_for):
    if not dpdk_eal.worker_lcores():
        pytest.skip("one CPU: no worker lcore to forward on")
    with Forwarder(list(ring_pair), "io") as fwd:
        fwd.start(tx_first=True)      # a burst from each port, then io forwarding on lcore 1
        wait_for(lambda: fwd.stats().rx_packets >= 1000, 5, what="1000 packets forwarded")
        st = fwd.stop()
    assert st.rx_packets >= 1000
    ring_pair.drain()                 # the bursts still in flight (the leak check counts them)
