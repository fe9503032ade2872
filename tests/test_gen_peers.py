"""The generator against real peers: dpdk-testpmd in another process forwarding over memif (zero
loss below its capacity; above it, the loss we report is tx - rx and equals what testpmd says it
dropped), and the Linux stack routing between two veths in a netns (latency percentiles positive
and ordered)."""
import os
import re
import tempfile

import pytest

from pydpdk import vdev
from pydpdk.gen import Generator, Stream, Field
from pydpdk.testing.netns import Netns, Veth, needs_netadmin
from pydpdk.testing.testpmd import Testpmd, needs_testpmd, warm_up


def _testpmd_totals(tp: Testpmd) -> dict[str, int]:
    tp.cmd("stop", r"Done\.")
    out = tp.output()
    acc = out[out.rfind("Accumulated forward statistics"):]
    return {k: int(re.search(rf"{k}:\s*(\d+)", acc).group(1))
            for k in ("RX-packets", "TX-packets", "TX-dropped")}


@pytest.fixture
def memif_testpmd(eal, pool):
    """Our memif server port, and dpdk-testpmd (io, loop) as its client in another process,
    forwarding on CPU 0 while our lcore runs on CPU 1; 16k-slot rings absorb our lcore being
    descheduled for a few ms on a shared machine (testpmd io drops what it cannot send back)."""
    d = tempfile.mkdtemp(prefix="pdgen-")
    sock = os.path.join(d, "memif.sock")
    [port] = vdev.attach(vdev.Memif("net_memif_gen0", role="server", id=3, socket=sock, rsize=14))
    try:
        port.setup(pool, nb_rxd=1024, nb_txd=1024)
        with Testpmd([vdev.Memif("net_memif0", role="client", id=3, socket=sock, rsize=14)],
                     ["--port-topology=loop", "--forward-mode=io"], eal=["--main-lcore", "1"]) as tp:
            # testpmd forwards on lcore 0 (CPU 0), away from our lcore 1
            tp.ready()
            tp.cmd("start", r"io packet forwarding")
            assert port.wait_link_up(timeout=10).up
            probes = warm_up(port, pool)
            yield port, tp, probes
    finally:
        vdev.detach(port)
        if os.path.exists(sock):
            os.unlink(sock)
        os.rmdir(d)


@needs_testpmd()
def test_testpmd_io_over_memif_zero_loss_below_capacity(memif_testpmd):
    port, tp, probes = memif_testpmd
    s = Stream(size=(64, 512, 64), rate="100kpps", count=50_000,
               fields=[Field("udp.sport", min=1000, max=1999), Field("ip.dst", op="random", min="10.0.0.1",
                                                                   max="10.0.0.250")])
    with Generator([s], port=port) as gen:
        gen.start()
        assert gen.wait(60)
        r = gen.stats().streams[0]
    t = _testpmd_totals(tp)
    assert r.tx_packets == r.rx_packets == 50_000
    assert (r.lost, r.out_of_order, r.duplicated, r.missing) == (0, 0, 0, 0)
    assert t["RX-packets"] == t["TX-packets"] == 50_000 + probes and t["TX-dropped"] == 0
    lat = r.latency
    assert 0 < lat.min <= lat.p50 <= lat.p90 <= lat.p99 <= lat.p999 <= lat.max


@needs_testpmd()
def test_testpmd_over_capacity_loss_is_tx_minus_rx_and_what_testpmd_dropped(memif_testpmd):
    """Full speed out, one packet per poll back: the return ring fills, testpmd (io, no retry)
    drops what it cannot send, and we see exactly those as lost."""
    port, tp, probes = memif_testpmd
    s = Stream(rate=None, count=300_000)
    with Generator([s], port=port, tx_burst=64, rx_burst=1) as gen:
        gen.start()
        assert gen.wait(120)
        r = gen.stats().streams[0]
    t = _testpmd_totals(tp)
    assert r.tx_packets == 300_000 and r.unsent == 0
    assert r.lost == r.tx_packets - r.rx_packets > 0
    assert t["RX-packets"] == r.tx_packets + probes            # testpmd received all we sent
    assert t["TX-dropped"] == r.lost                           # and dropped exactly what we lost
    assert r.duplicated == 0 and r.missing <= r.lost


@needs_netadmin()
def test_linux_stack_routing_between_two_veths(eal, pool):
    """af_packet port A -> veth -> a netns that routes (ip_forward) -> veth -> af_packet port B:
    the kernel rewrites MACs, TTL and the IP checksum; the tag at the end of the frame survives."""
    from scapy.all import IP, UDP, Ether
    with Netns() as r, Veth(r, "10.198.1.1/24", "02:00:00:00:98:01") as va, \
            Veth(r, "10.198.2.1/24", "02:00:00:00:98:02") as vb:
        r.run("sysctl", "-qw", "net.ipv4.ip_forward=1")
        r.run("ip", "neigh", "replace", "10.198.2.2", "lladdr", "02:00:00:00:98:22", "dev", vb.inner,
              "nud", "permanent")
        [pa] = vdev.attach(vdev.AfPacket("net_af_packet_gena", iface=va.outer))
        [pb] = vdev.attach(vdev.AfPacket("net_af_packet_genb", iface=vb.outer))
        try:
            pa.setup(pool, promiscuous=True)
            pb.setup(pool, promiscuous=True)
            t = Ether(src="02:00:00:00:98:11", dst=va.inner_mac) / IP(src="10.198.1.2", dst="10.198.2.2") / \
                UDP(sport=4000, dport=5000)
            s = Stream(t, size=128, rate="20kpps", count=10_000, fields=[Field("udp.sport", min=4000, max=4099)])
            with Generator([s], port=pa, rx=[pb]) as gen:
                gen.start()
                assert gen.wait(60)
                res = gen.stats()
        finally:
            vdev.detach(pa)
            vdev.detach(pb)
    st = res.streams[0]
    assert st.tx_packets == 10_000
    assert st.lost == st.tx_packets - st.rx_packets and st.lost <= 500     # the kernel may drop a few
    assert st.rx_packets > 0 and st.duplicated == 0
    lat = st.latency
    assert 0 < lat.min <= lat.p50 <= lat.p90 <= lat.p99 <= lat.p999 <= lat.max
    assert lat.mean > 0 and lat.jitter >= 0


@needs_testpmd()
def test_checksum_offload_over_virtio_user_checked_after_testpmd_vhost(eal, pool):
    """virtio-user TX checksum offload, vhost-user side in dpdk-testpmd (io, loop): virtio offers
    udp_cksum/tcp_cksum once the vhost side negotiates VIRTIO_NET_F_CSUM, never ipv4_cksum. So
    checksum='offload' is refused for IPv4 naming what the port offers (and accepted for IPv6/UDP,
    which has no header checksum), 'auto' leaves UDP/TCP to the port
    (the frames carry the pseudo-header sum, the mbufs the offload flags and lengths) and the IPv4
    header checksum to the engine; what comes back through testpmd verifies with scapy."""
    import tempfile
    from scapy.all import IP, TCP, UDP, Ether, IPv6, Raw
    from pydpdk import interop
    from pydpdk._native import lib
    from pydpdk.errors import InvalidArgumentError
    from pydpdk.testing.wait import wait_for
    d = tempfile.mkdtemp(prefix="pdck-")
    sock = os.path.join(d, "vh.sock")
    udp_t = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="10.0.0.1", dst="10.1.0.1") / \
        UDP(sport=1000, dport=2000) / Raw(bytes(range(40)))
    tcp_t = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="10.0.0.1", dst="10.1.0.1") / \
        TCP(sport=1000, dport=2000, flags="A") / Raw(bytes(range(40)))
    udp6_t = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IPv6(src="2001:db8::1", dst="2001:db8::2") / \
        UDP(sport=1000, dport=2000) / Raw(bytes(range(40)))
    n = 80                     # the streams' packets wait in the 256-slot virtio RX ring
    try:
        with Testpmd([vdev.Vhost("net_vhost0", iface=sock)], ["--port-topology=loop", "--forward-mode=io"]) as tp:
            tp.ready()
            wait_for(lambda: os.path.exists(sock), 20, f"testpmd to make {sock}", proc=tp.proc, interval=0.05)
            tp.cmd("start", r"io packet forwarding")
            [port] = vdev.attach(vdev.VirtioUser("net_virtio_user_ck0", path=sock))
            try:
                capa = port.info().tx_offload_capa
                assert {"udp_cksum", "tcp_cksum"} <= set(capa) and "ipv4_cksum" not in capa, capa
                port.setup(pool, nb_rxd=256, nb_txd=256, tx_offloads=["udp_cksum", "tcp_cksum"])
                assert port.wait_link_up(timeout=10).up
                warm_up(port, pool)
                with pytest.raises(InvalidArgumentError) as ei:
                    Generator([Stream(udp_t, checksum="offload")], port=port, rx=None)
                msg = str(ei.value)
                assert ei.value.param == "checksum" and "not ipv4_cksum" in msg and "udp_cksum" in msg, msg
                fields = [Field("ip.src", op="random"), Field("ip.dst", min="10.1.255.250", max="10.2.0.4"),
                          Field("udp.sport", min=1, max=999)]
                streams = [Stream(udp_t, size=(64, 300, 59), count=n, rate="20kpps", checksum="auto", fields=fields),
                           Stream(tcp_t, size=(80, 200, 13), count=n, rate="20kpps", checksum="auto",
                                  fields=[Field("ip.src", op="random"), Field("tcp.seq", op="random")]),
                           Stream(udp6_t, size=(90, 300, 7), count=n, rate="20kpps", checksum="offload",
                                  fields=[Field("ipv6.src", op="random"), Field("udp.dport", op="random")])]
                with Generator(streams, port=port, rx=None) as gen:
                    assert gen.checksums(0) == {"ipv4": "software", "udp": "offload"}
                    assert gen.checksums(1) == {"ipv4": "software", "tcp": "offload"}
                    assert gen.checksums(2) == {"udp": "offload"}     # IPv6: no header checksum
                    b = gen.build(0, 8)
                    try:
                        for i, f in enumerate(b.tobytes_list()):
                            m = b.ptrs[i]
                            assert m.ol_flags & lib.RTE_MBUF_F_TX_UDP_CKSUM and m.ol_flags & lib.RTE_MBUF_F_TX_IPV4
                            q = Ether(f)
                            phdr = bytes(f[26:34]) + bytes([0, 17]) + (len(f) - 34).to_bytes(2, "big")
                            s = sum(int.from_bytes(phdr[k:k + 2], "big") for k in range(0, 12, 2))
                            s = (s & 0xFFFF) + (s >> 16)
                            assert q[UDP].chksum == (s & 0xFFFF) + (s >> 16), i      # the seed, not the checksum
                            del q[IP].chksum
                            assert bytes(q)[:34] == f[:34]                          # IPv4 header checksum done
                    finally:
                        b.free()
                    gen.reset()
                    gen.start()
                    assert gen.wait(60)
                    assert [s.tx_packets for s in gen.stats().streams] == [n, n, n]
                got = interop.receive(port, 3 * n, timeout=10)
            finally:
                vdev.detach(port)
    finally:
        for f in os.listdir(d):
            os.unlink(os.path.join(d, f))
        os.rmdir(d)
    assert len(got) == 3 * n
    kinds = {IP: 0, TCP: 0, IPv6: 0}
    for f in got:
        q = Ether(f)
        l4 = UDP if q.haslayer(UDP) else TCP
        kinds[IPv6 if q.haslayer(IPv6) else l4 if l4 is TCP else IP] += 1
        if q.haslayer(IP):
            del q[IP].chksum
        del q[l4].chksum
        assert bytes(q) == f, f.hex()                    # checksums as scapy computes them
    assert kinds == {IP: n, TCP: n, IPv6: n}
