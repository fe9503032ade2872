"""The Linux stack as a real peer: veth pairs and network namespaces made here; frames built in
Python leave a pydpdk port (af_packet, pcap iface=, tap) and the kernel in the namespace answers
ARP, ICMP echo, UDP (a Python echo server in the namespace) and TCP SYN; the kernel's own ping is
answered by pydpdk's icmpecho forwarding engine."""
import itertools
import os

import pytest
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import ARP, Ether

from pydpdk import interop, vdev
from pydpdk.forward import Forwarder
from pydpdk.testing.netns import UDP_ECHO, TCP_LISTEN, Netns, Veth, tx_checksum_off
from pydpdk.testing.netns import needs_netadmin

pytestmark = [needs_netadmin()]

OUR_IP, PEER_IP = "10.199.0.1", "10.199.0.2"
_n = itertools.count()


@pytest.fixture
def netns():
    with Netns() as ns:
        yield ns


def _port_on(kind, netns):
    """A started pydpdk port of kind whose wire ends in netns; returns (port, peer_mac, cleanup)."""
    n = next(_n)
    veth = None
    if kind == "tap":
        tap = f"pdt{os.getpid() % 100000}{n}"
        spec = vdev.Tap(f"net_tap_k{n}", iface=tap)
    else:
        veth = Veth(netns, PEER_IP + "/24")
        spec = (vdev.AfPacket(f"net_af_packet_k{n}", iface=veth.outer, qdisc_bypass=True) if kind == "af_packet"
                else vdev.Pcap(f"net_pcap_k{n}", iface=veth.outer))
    [port] = vdev.attach(spec)
    return port, spec, veth


@pytest.fixture(params=["af_packet", "pcap", "tap"])
def kport(request, eal, pool, netns):
    port, spec, veth = _port_on(request.param, netns)
    try:
        port.setup(pool, nb_rxd=512, nb_txd=512, promiscuous=True)
        if request.param == "tap":
            # the tap PMD's kernel side moves into the namespace: the kernel there is the peer
            netns.add_iface(spec.iface, PEER_IP + "/24", "02:00:00:00:99:02")
        yield port, "02:00:00:00:99:02", request.param
    finally:
        vdev.detach(port)
        if veth:
            veth.close()


def _is(layer, **fields):
    def match(frame: bytes) -> bool:
        p = Ether(frame)
        return layer in p and all(getattr(p[layer], k) == v for k, v in fields.items())
    return match


def test_kernel_answers_arp_icmp_udp_tcp(kport, pool, netns):
    port, peer_mac, kind = kport
    me = port.mac
    # ARP: who has PEER_IP? The kernel in the namespace answers with its MAC.
    req = Ether(dst="ff:ff:ff:ff:ff:ff", src=me) / ARP(op=1, hwsrc=me, psrc=OUR_IP, pdst=PEER_IP)
    [rep] = interop.exchange(port, pool, [req], 1, match=_is(ARP, op=2), decode="scapy", timeout=3)
    assert rep[ARP].hwsrc == peer_mac and rep[ARP].psrc == PEER_IP and rep[ARP].pdst == OUR_IP
    # the kernel now asks (or has asked) for OUR_IP before it answers IP traffic: answer once
    netns.run("ip", "neigh", "replace", OUR_IP, "lladdr", me, "dev", _peer_iface(netns), "nud", "permanent")
    eth = Ether(dst=peer_mac, src=me)
    pings = [eth / IP(src=OUR_IP, dst=PEER_IP) / ICMP(id=77, seq=i) / (b"pydpdk-%d" % i) for i in range(3)]
    replies = interop.exchange(port, pool, pings, 3, match=_is(ICMP, type=0), decode="scapy", timeout=3)
    assert sorted(r[ICMP].seq for r in replies) == [0, 1, 2]
    assert all(bytes(r[ICMP].payload) == b"pydpdk-%d" % r[ICMP].seq for r in replies)
    # UDP echo server (Python) inside the namespace: it answers with the payload reversed
    srv = netns.popen(UDP_ECHO.format(port=7777, count=2, timeout=5))
    try:
        assert srv.stdout.readline().strip() == "ready"
        dgrams = [eth / IP(src=OUR_IP, dst=PEER_IP) / UDP(sport=40000 + i, dport=7777) / (b"hello %d" % i)
                  for i in range(2)]
        got = interop.exchange(port, pool, dgrams, 2, match=_is(UDP, sport=7777), decode="scapy", timeout=3)
        assert sorted(bytes(g[UDP].payload) for g in got) == [b"0 olleh", b"1 olleh"]
    finally:
        srv.wait(10)
    # TCP: SYN to a listening socket -> SYN/ACK acknowledging our sequence number
    lst = netns.popen(TCP_LISTEN.format(port=8888, timeout=5))
    try:
        assert lst.stdout.readline().strip() == "ready"
        syn = eth / IP(src=OUR_IP, dst=PEER_IP) / TCP(sport=45000, dport=8888, flags="S", seq=1000)
        [sa] = interop.exchange(port, pool, [syn], 1, match=_is(TCP, sport=8888), decode="scapy", timeout=3)
        assert str(sa[TCP].flags) == "SA" and sa[TCP].ack == 1001 and sa[TCP].dport == 45000
    finally:
        lst.kill()
        lst.wait()


def _peer_iface(netns):
    out = netns.run("ip", "-o", "link", "show").stdout
    return [l.split(":")[1].strip().split("@")[0] for l in out.splitlines() if "lo:" not in l][0]


def _kernel_pings_icmpecho(port, netns):
    """The namespace's `ping` (3 echoes) to OUR_IP while icmpecho runs on every queue of port."""
    fwd = Forwarder([port], mode="icmpecho", topology="loop")
    fwd.start(flush_rx=False)
    try:
        p = netns.run("ping", "-c", "3", "-i", "0.2", "-W", "2", OUR_IP, check=False)
    finally:
        st = fwd.stop()
        fwd.close()
    assert p.returncode == 0 and " 0% packet loss" in p.stdout, p.stdout + p.stderr
    return st


def test_kernel_ping_answered_by_icmpecho(kport, pool, netns):
    port, peer_mac, kind = kport
    st = _kernel_pings_icmpecho(port, netns)
    assert st.tx_packets >= 4      # the ARP reply and 3 echo replies went out of the port


def test_kernel_to_kernel_through_pydpdk_af_packet_and_tap(eal, pool):
    """The exception path: namespace A (veth) <-> af_packet port <-> io forwarding on lcore 1 <->
    tap port <-> namespace B (the tap's kernel interface). A's ping and a UDP exchange reach B."""
    n = next(_n)
    with Netns() as na, Netns() as nb, Veth(na, "10.199.5.1/24", "02:00:00:00:55:01") as v:
        [pa] = vdev.attach(vdev.AfPacket(f"net_af_packet_x{n}", iface=v.outer))
        tap = vdev.Tap(f"net_tap_x{n}", iface=f"pdx{os.getpid() % 100000}{n}")
        [pt] = vdev.attach(tap)
        try:
            pa.setup(pool, promiscuous=True)
            pt.setup(pool, promiscuous=True)
            nb.add_iface(tap.iface, "10.199.5.2/24", "02:00:00:00:55:02")
            # veth offloads TX checksums: af_packet would read UDP/TCP frames whose checksum
            # is only the pseudo-header's, and B would drop them. Compute them in A.
            tx_checksum_off(na, v.inner)
            fwd = Forwarder([pa, pt], "io")
            fwd.start()
            try:
                ping = na.run("ping", "-c", "3", "-i", "0.2", "-W", "2", "10.199.5.2", check=False)
                srv = nb.popen(UDP_ECHO.format(port=9999, count=1, timeout=5))
                assert srv.stdout.readline().strip() == "ready"
                cli = na.run("python3", "-c", "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
                             "s.settimeout(3); s.sendto(b'through pydpdk', ('10.199.5.2', 9999)); "
                             "print(s.recvfrom(100)[0].decode())", check=False)
                srv.wait(10)
            finally:
                st = fwd.stop()
                fwd.close()
        finally:
            vdev.detach(pa)
            vdev.detach(pt)
    assert ping.returncode == 0 and " 0% packet loss" in ping.stdout, ping.stdout + ping.stderr
    assert cli.stdout.strip() == "through pydpdk"[::-1], (cli.returncode, cli.stderr[-500:])
    assert st.rx_packets >= 10 and {p.name for p in st.ports} == {pa.name, pt.name}


def test_af_packet_two_queue_pairs(eal, pool, netns):
    """af_packet with qpairs=2 (the kernel fans flows out over two packet sockets): each TX queue
    reaches the kernel, the answers come back on the RX queues, and icmpecho on both queues
    answers the kernel's ping."""
    n = next(_n)
    with Veth(netns, PEER_IP + "/24", "02:00:00:00:99:12") as v:
        spec = vdev.AfPacket(f"net_af_packet_q{n}", iface=v.outer, qpairs=2)
        assert "qpairs=2" in str(spec)
        [port] = vdev.attach(spec)
        try:
            port.setup(pool, nb_rxq=2, nb_txq=2, promiscuous=True)
            assert (port.nb_rx_queues, port.nb_tx_queues) == (2, 2)
            me = port.mac
            for q in (0, 1):
                req = Ether(dst="ff:ff:ff:ff:ff:ff", src=me) / ARP(op=1, hwsrc=me, psrc=OUR_IP, pdst=PEER_IP)
                assert interop.send(port, pool, [req], queue=q) == 1
                [rep] = interop.receive(port, 1, queue=[0, 1], match=_is(ARP, op=2), decode="scapy", timeout=3)
                assert rep[ARP].hwsrc == "02:00:00:00:99:12" and rep[ARP].pdst == OUR_IP
            st = _kernel_pings_icmpecho(port, netns)
            assert sorted(s.rx_queue for s in st.streams) == [0, 1]
            assert st.tx_packets >= 3      # 3 echo replies (the kernel learnt our MAC from the ARP above)
        finally:
            vdev.detach(port)
