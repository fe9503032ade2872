"""scapy-style convenience on top of the burst API: port.tx_burst/port.send of bytes and scapy
packets, pydpdk.sendp, pydpdk.sniff/sniff_iter with libpcap filters (pydpdk.pcap.Filter), on ring
ports, pcap-file ports (read until empty) and an af_packet port against the Linux stack in a
network namespace; Eal as a context manager (in a child process: it cleans the EAL up)."""
import itertools
import os
import subprocess
import sys
import textwrap

import pytest
from scapy.layers.dns import DNS, DNSQR
from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.l2 import ARP, Ether

import pydpdk
from pydpdk import vdev
from pydpdk.pcap import Filter, read_frames, write_pcap
from conftest import ROOT, drain, make_frame, unpin
from pydpdk.testing.netns import Netns, Veth, needs_netadmin

_n = itertools.count()
MAC0, MAC1 = "02:00:00:00:00:01", "02:00:00:00:00:02"


def udp(i, dport=53):
    return Ether(src=MAC0, dst=MAC1) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=2000 + i, dport=dport) / (b"p" * i)


# -- tx_burst / send with bytes and scapy packets -------------------------------------------------
def test_tx_burst_takes_bytes_bytearrays_memoryviews_and_scapy(ring_pair, pool):
    p0, _ = ring_pair                   # a net_ring port's TX ring is its own RX ring
    pkts = [b"\x02" * 60, bytearray(b"\x03" * 64), memoryview(b"\x04" * 70), udp(5)]
    before = pool.in_use
    assert p0.tx_burst(pkts) == 4       # was: AttributeError: 'bytes' object has no attribute '_p'
    back = p0.rx_burst(0, 32)
    try:
        assert back.tobytes_list() == [bytes(p) for p in pkts]
    finally:
        back.free()
    assert pool.in_use == before        # the copies were sent, nothing kept


def test_tx_burst_rejects_a_mix_of_mbufs_and_bytes(ring_pair, pool):
    p0, _ = ring_pair
    m = pool.mbuf(b"\x05" * 60)
    try:
        with pytest.raises(ValueError, match="Mbufs mixed with other objects"):
            p0.tx_burst([m, b"\x06" * 60])
        assert m.owned                  # refused before anything was taken
    finally:
        m.free()


def test_sending_bytes_on_a_port_without_rx_queue_names_the_pool(eal):
    [port] = vdev.attach(f"net_null_nopool{next(_n)}")      # never configured: no pool to build from
    try:
        with pytest.raises(ValueError, match="RX queue 0 set up"):
            pydpdk.sendp(port, b"\x00" * 60)
        with pytest.raises(ValueError, match="RX queue 0 set up"):
            port.send([b"\x00" * 60])
    finally:
        vdev.detach(port)


def test_port_send_and_sendp_count(ring_pair):
    p0, _ = ring_pair
    assert p0.send(udp(1)) == 1                     # one scapy packet
    assert p0.send([udp(2), udp(3)]) == 2
    assert pydpdk.sendp(p0, [udp(4), b"\x02" * 60], count=3) == 6
    got = pydpdk.sniff(p0, count=9, timeout=2)
    assert got == [bytes(udp(1)), bytes(udp(2)), bytes(udp(3))] + [bytes(udp(4)), b"\x02" * 60] * 3


def test_sendp_inter_spaces_packets(ring_pair):
    p0, _ = ring_pair
    assert pydpdk.sendp(p0, udp(1), count=3, inter=0.01) == 3
    assert len(pydpdk.sniff(p0, count=3, timeout=2)) == 3
    with pytest.raises(ValueError, match="count"):
        pydpdk.sendp(p0, udp(1), count=0)
    with pytest.raises(ValueError, match="inter"):
        pydpdk.sendp(p0, udp(1), inter=-1)


# -- sniff: filters, prn, decode, iterator -------------------------------------------------------
def test_sniff_filter_udp_port_53_prn_and_decode(ring_pair, capsys):
    p0, _ = ring_pair
    dns = [Ether(src=MAC0, dst=MAC1) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=3000 + i, dport=53) /
           DNS(rd=1, qd=DNSQR(qname=f"h{i}.example")) for i in range(5)]
    other = [udp(i, 80) for i in range(5)] + [Ether(src=MAC0) / ARP(pdst="10.0.0.9")]
    mixed = [x for pair in zip(dns, other) for x in pair] + other[5:]
    assert p0.send(mixed) == 11
    got = pydpdk.sniff(p0, count=5, timeout=2, filter="udp port 53", decode="scapy",
                       prn=lambda p: p[DNSQR].qname.decode())
    assert [g[DNSQR].qname for g in got] == [f"h{i}.example.".encode() for i in range(5)]
    assert capsys.readouterr().out.split() == [f"h{i}.example." for i in range(5)]
    # the non-matching frames it read were freed; it read no further than the fifth DNS query
    assert pydpdk.sniff(p0, timeout=0.2) == [bytes(other[4]), bytes(other[5])]


def test_sniff_iter_yields_as_packets_arrive_and_stops_at_count(ring_pair):
    p0, _ = ring_pair
    p0.send([make_frame(i) for i in range(40)])
    it = pydpdk.sniff_iter(p0, 35, filter="udp")
    first = next(it)
    assert first == make_frame(0)
    rest = list(it)
    assert rest == [make_frame(i) for i in range(1, 35)]
    assert pydpdk.sniff(p0, timeout=0.5) == [make_frame(i) for i in range(35, 40)]  # left queued, not taken


def test_sniff_arguments_are_checked(ring_pair):
    p0, _ = ring_pair
    with pytest.raises(ValueError, match="stop condition"):
        pydpdk.sniff(p0)
    with pytest.raises(ValueError, match="valid libpcap filter expression"):
        pydpdk.sniff(p0, count=1, timeout=0.1, filter="udp prot 53")
    with pytest.raises(ValueError, match="'scapy' or 'dpkt'"):
        pydpdk.sniff(p0, count=1, timeout=0.1, decode="wireshark")


def test_filter_object_matches_frames_and_bursts(pool):
    with Filter("icmp or arp") as f:
        assert f.instructions > 0
        assert f.matches(Ether() / IP() / ICMP()) and f.matches(Ether() / ARP())
        assert not f.matches(udp(1))
        b = pool.burst([udp(1), Ether() / IP() / ICMP(), udp(2), Ether() / ARP()])
        try:
            assert f.filter_burst(b) == 2
            assert [Ether(x).haslayer(UDP) for x in b.tobytes_list()] == [False, False]
        finally:
            b.free()
    assert f.closed
    f.close()                          # idempotent
    with pytest.raises(pydpdk.ResourceClosedError):
        f.matches(b"")


def test_filter_on_chained_mbufs(eal):
    small = pydpdk.Mempool.create(f"sniffchain{os.getpid()}", 63, cache_size=0, data_room=128 + 256)
    try:
        big = udp(1, 53) / (b"z" * 1500)                  # several 256-byte segments
        with Filter("udp dst port 53 and greater 1400") as f:
            m = small.burst([big, udp(2, 53)])
            assert m[0].nb_segs > 1
            assert f.filter_burst(m) == 1
            assert m.tobytes_list() == [bytes(big)]
            m.free()
    finally:
        small.close()


# -- pcap ports: read until empty ---------------------------------------------------------------
def test_sniff_a_pcap_file_port_until_empty(eal, pool, short_dir):
    tmp_path = short_dir   # hotplugged devargs: at most 127 bytes (DPDK 24.11.8+ refuses more)
    frames = [bytes(udp(i, 53 if i % 3 == 0 else 123)) for i in range(100)]
    src, dst = str(tmp_path / "in.pcap"), str(tmp_path / "out.pcap")
    write_pcap(src, frames)
    [port] = vdev.attach(vdev.Pcap(f"net_pcap_sniff{next(_n)}", rx_pcap=src, tx_pcap=dst))
    try:
        port.setup(pool)
        got = pydpdk.sniff(port, until_empty=True, filter="udp port 53")
        assert got == frames[::3]
        assert pydpdk.sniff(port, until_empty=True) == []     # at its end: nothing more
        assert port.send([udp(7), udp(8)]) == 2
    finally:
        vdev.detach(port)
    assert read_frames(dst) == [bytes(udp(7)), bytes(udp(8))]


# -- af_packet against the Linux stack -----------------------------------------------------------
@needs_netadmin()
def test_sendp_and_sniff_against_the_kernel_on_af_packet(eal, pool):
    """ARP and ping the kernel in a namespace through an af_packet port: sendp sends scapy
    packets, sniff with a libpcap filter picks the kernel's answers out of whatever else it sends."""
    n = next(_n)
    with Netns() as ns, Veth(ns, "10.199.7.2/24", "02:00:00:00:77:02") as v:
        [port] = vdev.attach(vdev.AfPacket(f"net_af_packet_s{n}", iface=v.outer, qdisc_bypass=True))
        try:
            port.setup(pool, promiscuous=True)
            me = port.mac
            arp = Ether(dst="ff:ff:ff:ff:ff:ff", src=me) / ARP(op=1, hwsrc=me, psrc="10.199.7.1", pdst="10.199.7.2")
            assert pydpdk.sendp(port, arp) == 1
            [rep] = pydpdk.sniff(port, count=1, timeout=3, filter="arp[6:2] = 2", decode="scapy")
            assert rep[ARP].hwsrc == "02:00:00:00:77:02" and rep[ARP].psrc == "10.199.7.2"
            pings = [Ether(dst=rep[ARP].hwsrc, src=me) / IP(src="10.199.7.1", dst="10.199.7.2") /
                     ICMP(id=0x77, seq=i) / b"pydpdk" for i in range(3)]
            assert pydpdk.sendp(port, pings, inter=0.01) == 3
            replies = pydpdk.sniff(port, count=3, timeout=3, filter="icmp[icmptype] = icmp-echoreply",
                                   decode="scapy")
            assert sorted(r[ICMP].seq for r in replies) == [0, 1, 2]
            assert all(r[IP].src == "10.199.7.2" and bytes(r[ICMP].payload) == b"pydpdk" for r in replies)
        finally:
            vdev.detach(port)


# -- Eal as a context manager --------------------------------------------------------------------
def test_eal_as_a_context_manager_cleans_up(tmp_path):
    code = textwrap.dedent(f"""
        import pydpdk
        cfg = pydpdk.EalConfig.auto(no_pci=True, vdevs=["net_ring0"], file_prefix="firsthour-ctx{os.getpid()}")
        with pydpdk.Eal.init(cfg) as eal:
            pool = pydpdk.Mempool.create("p", 2047, cache_size=0)
            [p] = pydpdk.ports()
            p.setup(pool)
            assert p.send([b"\\x02" * 60]) == 1
            print(len(pydpdk.sniff(p, count=1, timeout=2)))
        print(eal.alive, pool.closed, p.closed)
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         preexec_fn=unpin)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["1", "False", "True", "True"]


# -- wrong types and ranges: InvalidArgumentError / TypeError, never an internal error -------------
BAD = (object(), "not-a-number", 2 ** 70, -(2 ** 40))


def test_send_sniff_and_filter_reject_wrong_types_and_ranges(ring_pair):
    import inspect
    from pydpdk import interop
    p0, _ = ring_pair
    calls = [
        (pydpdk.sendp, {"port": p0, "packets": [b"\x02" * 60]}),
        (pydpdk.sniff, {"port": p0, "count": 1, "timeout": 0.01}),
        (lambda **kw: list(pydpdk.sniff_iter(**kw)), {"port": p0, "count": 1, "timeout": 0.01}),
        (interop.send, {"port": p0, "pool": None, "packets": [b"\x02" * 60]}),
        (Filter, {"expression": "udp"}),
        (p0.send, {"packets": [b"\x02" * 60]}),
    ]
    sigs = {pydpdk.sendp: pydpdk.sendp, pydpdk.sniff: pydpdk.sniff, interop.send: interop.send, Filter: Filter,
            p0.send: p0.send}
    failures, tried = [], 0
    try:
        for fn, valid in calls:
            target = sigs.get(fn, pydpdk.sniff_iter)
            for p in inspect.signature(target).parameters.values():
                if p.name in ("port", "prn"):
                    continue
                for bad in BAD:
                    tried += 1
                    try:
                        fn(**dict(valid, **{p.name: bad}))
                    except (pydpdk.InvalidArgumentError, TypeError):
                        pass
                    except Exception as exc:  # noqa: BLE001 - what leaks through
                        failures.append(f"{getattr(target, '__qualname__', target)}({p.name}={bad!r:.30}): "
                                        f"{type(exc).__name__}: {exc}")
                    finally:
                        drain(p0)       # what a valid call sent: the ring never fills
    finally:
        drain(p0)
    assert tried > 50
    assert not failures, "\n".join(failures)
