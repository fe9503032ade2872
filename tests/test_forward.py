"""Native forwarding engines on a worker lcore, driven from Python, with exact accounting."""
import pytest

import pydpdk
from pydpdk.forward import Forwarder
from pydpdk.testing.frames import make_frame, drain
from pydpdk.testing.wait import wait_for

pytestmark = pytest.mark.skipif(len(pydpdk.eal._PROCESS_CPUS) < 2, reason="needs two CPUs")


def _counts_balance(st):
    for s in st.streams:
        assert s.rx_packets + s.gen_packets == s.tx_packets + s.fwd_dropped + s.other_dropped, s


def test_io_ring_pair_tx_first(ring_pair):
    p0, p1 = ring_pair
    with Forwarder([p0, p1], "io") as fwd:
        assert fwd.streams == [(p0.id, 0, p1.id, 0), (p1.id, 0, p0.id, 0)]
        fwd.start(tx_first=True)
        live = wait_for(lambda: (s := fwd.stats()).rx_packets >= 1000 and s, 5,   # readable while running
                        "io forwarding to receive 1000 packets")
        assert fwd.running and live.rx_packets >= 1000
        final = fwd.stop()
        assert not fwd.running
    _counts_balance(final)
    assert sum(s.gen_packets for s in final.streams) == 64          # one burst per stream
    in_flight = drain(p0, p1)
    assert final.tx_packets - final.rx_packets == in_flight == 64   # nothing lost
    d = final.as_dict()
    assert {"ports", "elapsed_s", "forward_mode"} <= d.keys() and d["forward_mode"] == "io"
    assert {"port", "name", "rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_dropped",
            "tx_dropped"} <= d["ports"][0].keys()
    assert "Accumulated forward statistics" in final.testpmd_text()


@pytest.mark.parametrize("mode", ["mac", "macswap"])
def test_mac_modes_rewrite_addresses(ring_pair, pool, mode):
    p0, p1 = ring_pair
    peer = "02:aa:bb:cc:dd:01"
    frames = [make_frame(i, src="02:00:00:00:00:01", dst="02:00:00:00:00:02") for i in range(16)]
    with Forwarder([p0, p1], mode, eth_peers={p1.id: peer, p0.id: peer}) as fwd:
        p0.tx_burst(pool.burst(frames))        # lands in p0's RX ring
        fwd.start(flush_rx=False)
        wait_for(lambda: fwd.stats().tx_packets >= 16, 5, f"{mode} forwarding to send the 16 frames")
        fwd.stop()
    # one pass: p0 RX -> p1 TX -> (ring) p1 RX -> p0 TX -> ... keep going until stopped;
    # stop, then read whatever sits in the rings and check its addresses
    got = []
    for p in (p0, p1):
        b = p.rx_burst(0, 64)
        got += b.tobytes_list()
        b.free()
    assert len(got) == 16
    for f in got:
        if mode == "macswap":   # swapped an unknown number of times: the pair stays the pair
            assert {f[0:6], f[6:12]} == {bytes.fromhex("020000000002"), bytes.fromhex("020000000001")}
        else:
            assert f[0:6] == bytes.fromhex(peer.replace(":", ""))
        assert f[12:] == frames[0][12:] or f[14:18] in (fr[14:18] for fr in frames)


def test_txonly_to_rxonly_on_null_ports(eal, pool):
    tx, rx = pydpdk.Port("net_null0"), pydpdk.Port("net_null1")
    for p in (tx, rx):
        if p.started:
            p.stop()
        p.setup(pool)
        p.reset_stats()          # other tests used these ports: compare this run only
    gen = Forwarder([tx], "txonly", txpkts=[64], tx_pool=pool, streams=[(tx.id, 0, tx.id, 0)])
    sink = None
    try:
        gen.start()
        wait_for(lambda: gen.stats().streams[0].tx_packets >= 1000, 5, "txonly to send 1000 packets")
        g = gen.stop()
        assert g.streams[0].gen_packets == g.streams[0].tx_packets + g.streams[0].fwd_dropped > 0
        assert tx.stats().opackets == g.streams[0].tx_packets
        sink = Forwarder([rx], "rxonly", streams=[(rx.id, 0, rx.id, 0)])
        sink.start(flush_rx=False)
        wait_for(lambda: sink.stats().streams[0].rx_packets >= 1000, 5, "rxonly to receive 1000 packets")
        r = sink.stop()
        assert r.streams[0].rx_packets > 0 and r.streams[0].tx_packets == 0
        assert r.streams[0].rx_bytes == 64 * r.streams[0].rx_packets      # net_null size=64
    finally:
        gen.close()
        if sink:
            sink.close()
        tx.stop(), rx.stop()


def test_txonly_template_and_segments(eal, pool):
    ring = pydpdk.Ring.create("txo", 1024, sp_enq=True, sc_deq=True)
    port = pydpdk.Port.from_rings("txo", [ring], [ring])
    port.setup(pool)
    tmpl = make_frame(7, 100)
    fwd = Forwarder([port], "txonly", tx_template=tmpl, txpkts=[60, 40], tx_pool=pool)
    try:
        assert port.tx_burst([]) == 0
        fwd.start()
        wait_for(lambda: ring.count >= 512, 5, "txonly to fill the ring with 512 frames")
        fwd.stop()
        b = port.rx_burst(0, 8)
        assert len(b) == 8
        assert all(m.nb_segs == 2 and m.pkt_len == 100 for m in b)
        assert b.tobytes_list()[0][12:] == tmpl[12:]           # MACs are set per port
        b.free()
    finally:
        fwd.close()
        drain(port)
        port.close()
        ring.close()


def test_multi_queue_streams_and_flowgen(eal, pool):
    rings = [pydpdk.Ring.create(f"mq{i}", 1024) for i in range(2)]
    port = pydpdk.Port.from_rings("mq", rings, rings)
    port.setup(pool, 2, 2)
    fwd = Forwarder([port], "flowgen", tx_pool=pool, nb_flows=64)
    try:
        assert fwd.streams == [(port.id, 0, port.id, 0), (port.id, 1, port.id, 1)]
        fwd.start()
        # flowgen's RX drains the ring its TX fills: what is left at stop is its last bursts
        wait_for(lambda: all(s.gen_packets >= 1000 for s in fwd.stats().streams), 5,
                 "flowgen to generate 1000 frames on each queue")
        st = fwd.stop()
        assert all(s.gen_packets > 0 for s in st.streams)
        flows = set()
        for q in (0, 1):
            b = port.rx_burst(q, 256)
            flows |= {f[26:38] for f in b.tobytes_list()}     # IPs and UDP ports
            b.free()
        assert len(flows) > 1
    finally:
        fwd.close()
        drain(port)
        port.close()
        for r in rings:
            r.close()


def test_icmpecho_answers_arp_and_ping(eal, pool):
    ring = pydpdk.Ring.create("echo", 256, sp_enq=True, sc_deq=True)
    out = pydpdk.Ring.create("echo_out", 256, sp_enq=True, sc_deq=True)
    port = pydpdk.Port.from_rings("echo", [ring], [out])
    port.setup(pool)
    scapy = pytest.importorskip("scapy.all")
    arp = scapy.Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:00:09") / scapy.ARP(
        op=1, hwsrc="02:00:00:00:00:09", psrc="10.0.0.9", pdst="10.0.0.1")
    ping = scapy.Ether(dst="02:00:00:00:00:01", src="02:00:00:00:00:09") / scapy.IP(
        src="10.0.0.9", dst="10.0.0.1") / scapy.ICMP(type=8, id=7, seq=1) / b"payload"
    other = scapy.Ether() / scapy.IP() / scapy.UDP()
    ring.enqueue_burst(pool.burst([arp, ping, other]))
    fwd = Forwarder([port], "icmpecho")
    try:
        fwd.start(flush_rx=False)
        wait_for(lambda: out.count >= 2, 5, "icmpecho to answer the ARP request and the ping")
        st = fwd.stop()
        replies = out.dequeue_burst(8)
        frames = [scapy.Ether(f) for f in replies.tobytes_list()]
        replies.free()
        assert st.streams[0].other_dropped == 1 and len(frames) == 2
        a, e = frames
        assert a[scapy.ARP].op == 2 and a[scapy.ARP].psrc == "10.0.0.1" and a[scapy.ARP].pdst == "10.0.0.9"
        assert e[scapy.ICMP].type == 0 and e[scapy.IP].dst == "10.0.0.9" and e[scapy.Raw].load == b"payload"
        assert e[scapy.ICMP].chksum == scapy.Ether(bytes(e.__class__(bytes(e))))[scapy.ICMP].chksum
        recomputed = scapy.Ether(bytes(e))
        del recomputed[scapy.ICMP].chksum, recomputed[scapy.IP].chksum
        recomputed = scapy.Ether(bytes(recomputed))
        assert recomputed[scapy.ICMP].chksum == e[scapy.ICMP].chksum
        assert recomputed[scapy.IP].chksum == e[scapy.IP].chksum
    finally:
        fwd.close()
        port.close()
        ring.close(), out.close()


def test_port_refuses_stop_while_forwarding(ring_pair):
    p0, p1 = ring_pair
    with Forwarder([p0, p1], "io") as fwd:
        fwd.start()
        with pytest.raises(pydpdk.ResourceBusyError, match="running Forwarder"):
            p0.stop()
        with pytest.raises(pydpdk.InvalidArgumentError, match="stopped"):
            fwd.mode = "macswap"
        fwd.stop()
        fwd.mode = "macswap"
        assert fwd.mode == "macswap"


@pytest.mark.parametrize("kwargs,words", [
    ({"mode": "warp"}, ["mode='warp'", "io, mac"]),
    ({"burst": 0}, ["burst=0", "1 to 512"]),
    ({"nb_cores": 5}, ["nb_cores=5"]),
    ({"txpkts": [0]}, ["txpkts=[0]"]),
    ({"eth_peers": {0: "nope"}}, ["eth_peers='nope'"]),
    ({"topology": "ring"}, ["topology='ring'"]),
    ({"streams": [(0, 5, 1, 0)]}, ["streams=(0, 5, 1, 0)"]),
])
def test_forwarder_bad_input(ring_pair, kwargs, words):
    with pytest.raises(pydpdk.InvalidArgumentError) as info:
        Forwarder(list(ring_pair), **kwargs)
    for w in words:
        assert w in str(info.value)


def test_io_count_bytes_none_reads_no_mbuf(ring_pair):
    """count_bytes=None: io counts packets only (like testpmd's io); the default counts bytes."""
    p0, p1 = ring_pair
    for count, expect_bytes in ((None, False), (True, True)):
        with Forwarder([p0, p1], "io", count_bytes=count) as fwd:
            final = fwd.run(0.1, tx_first=True)
        drain(p0, p1)
        assert final.rx_packets > 0
        assert (sum(p.rx_bytes for p in final.ports) > 0) is expect_bytes
        if expect_bytes:
            assert sum(p.rx_bytes for p in final.ports) == 64 * final.rx_packets
