"""pydpdk.interop: scapy / dpkt / bytes packets in and out of ports and pcap files."""
import importlib.util

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from pydpdk import interop
from pydpdk.testing.frames import make_frame


def test_scapy_packets_cross_a_ring_port_and_decode(ring_pair, pool):
    p0, _ = ring_pair                  # a lone net_ring port: what it sends comes back on its RX
    pkts = [Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="10.0.0.1", dst="10.0.0.2") /
            UDP(sport=1000 + i, dport=53) / (b"x" * i) for i in range(40)]
    assert interop.send(p0, pool, pkts + [make_frame(99)]) == 41
    got = interop.receive(p0, 41, timeout=2, decode="scapy")
    assert [g[UDP].sport for g in got[:40]] == [1000 + i for i in range(40)]
    assert [bytes(g) for g in got] == [bytes(p) for p in pkts] + [make_frame(99)]
    only = interop.exchange(p0, pool, [make_frame(1), make_frame(2)], 1, match=lambda f: f == make_frame(2))
    assert only == [make_frame(2)]     # the other frame did not match: dropped


def test_pcap_files_with_scapy(tmp_path):
    pkts = [Ether() / IP(dst="10.0.0.%d" % i) / UDP() for i in range(1, 6)]
    path = str(tmp_path / "s.pcap")
    assert interop.write_pcap(path, pkts) == 5
    assert interop.read_pcap(path) == [bytes(p) for p in pkts]
    assert [p[IP].dst for p in interop.read_pcap(path, decode="scapy")] == ["10.0.0.%d" % i for i in range(1, 6)]
    from scapy.utils import rdpcap
    assert [bytes(p) for p in rdpcap(path)] == [bytes(p) for p in pkts]   # scapy reads our files


def test_dpkt_optional(tmp_path):
    path = str(tmp_path / "d.pcap")
    interop.write_pcap(path, [make_frame(1)])
    if importlib.util.find_spec("dpkt") is None:
        with pytest.raises(ImportError, match="pip install dpkt"):
            interop.read_pcap(path, decode="dpkt")
    else:
        [eth] = interop.read_pcap(path, decode="dpkt")
        assert bytes(eth) == make_frame(1)
    with pytest.raises(ValueError, match="'scapy' or 'dpkt'"):
        interop.read_pcap(path, decode="pyshark")
