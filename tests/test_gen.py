"""The traffic generator (pydpdk.gen) on real PMDs: field engine output checked byte for byte
against scapy-built frames, checksums verified by scapy, net_ring loopback measurement, net_null
accounting, patterns, reorder/duplicate/drop detection from an edited pcap replayed by net_pcap,
and bad input. No timing is asserted (rate accuracy is measured in bench/)."""
import struct
import time

import pytest

import pydpdk
from pydpdk import vdev
from pydpdk.errors import InvalidArgumentError
from pydpdk.gen import Field, Generator, Stream, TAG_LEN
from pydpdk.pcap import write_pcap

scapy = pytest.importorskip("scapy.all")
from scapy.all import IP, IPv6, TCP, UDP, Dot1Q, Ether, Raw  # noqa: E402

MAGIC = 0x47445950
TSC = 0x1122334455667788


def tag(stream_id, seq, tsc=TSC):
    return struct.pack("<IHHIQ", MAGIC, stream_id, seq >> 32, seq & 0xFFFFFFFF, tsc)


def expected(template, size, seq, sets, stream_id=0, *, udp_csum=True):
    """The frame the engine must produce, built by scapy: template with fields set (sets: scapy
    layer -> {attr: value}), payload cut/padded to size, the tag last, lengths and checksums
    computed by scapy."""
    pkt = template.copy()
    for layer, attrs in sets.items():
        for k, v in attrs.items():
            setattr(pkt[layer], k, v)
    l4 = pkt.getlayer(UDP) or pkt.getlayer(TCP)
    hdr_end = len(pkt) - (len(l4.payload) if l4 is not None else 0)
    if l4 is not None:
        l4.remove_payload()
    body_len = size - hdr_end - TAG_LEN
    payload = bytes(template)[hdr_end:hdr_end + body_len].ljust(body_len, b"\0") + tag(stream_id, seq)
    pkt = pkt / Raw(payload)
    for layer in (IP, UDP, TCP, IPv6):
        if pkt.haslayer(layer):
            for f in ("len", "chksum", "plen"):
                if f in pkt[layer].fields:
                    del pkt[layer].fields[f]
    if not udp_csum and pkt.haslayer(UDP):
        pkt[UDP].chksum = 0
    return bytes(pkt)


def built(gen, n, stream=0):
    b = gen.build(stream, n, tsc=TSC)
    try:
        return b.tobytes_list()
    finally:
        b.free()


@pytest.fixture
def null0(eal, pool):
    p = pydpdk.Port("net_null0")
    if not p.started:
        p.setup(pool, nb_rxd=512, nb_txd=512)
    return p


@pytest.fixture
def ring0(ring_pair):
    return ring_pair[0]


BASE = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="10.0.0.1", dst="10.1.0.1", ttl=64) / \
    UDP(sport=1000, dport=2000) / Raw(bytes(range(40)))


def test_ip_src_inc_udp_dport_dec_byte_for_byte(null0):
    s = Stream(BASE, size=96, fields=[Field("ip.src", min="10.0.0.1", max="10.0.0.3"),
                                      Field("udp.dport", op="dec", min=7, max=9, step=2)])
    with Generator([s], port=null0, rx=None) as gen:
        got = built(gen, 5)
    srcs = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.1", "10.0.0.2"]
    dports = [9, 7, 9, 7, 9]
    for i, frame in enumerate(got):
        assert frame == expected(BASE, 96, i, {IP: {"src": srcs[i]}, UDP: {"dport": dports[i]}}), i


def test_sizes_range_odd_lengths_and_payload_field_at_odd_offset(null0):
    """Odd frame lengths put the tag and a payload field at odd checksum-word offsets."""
    s = Stream(BASE, size=(71, 75, 1), fields=[Field(47, width=3, min=0xABCDEF, max=0xABCDF1),
                                               Field("ip.ttl", op="list", values=[1, 255, 7])])
    with Generator([s], port=null0, rx=None) as gen:
        got = built(gen, 7)
    for i, frame in enumerate(got):
        size = 71 + i % 5
        assert len(frame) == size
        want = bytearray(expected(BASE, size, i, {IP: {"ttl": [1, 255, 7][i % 3]}}))
        want[47:50] = (0xABCDEF + i % 3).to_bytes(3, "big")
        # re-checksum the payload change with scapy
        p = Ether(bytes(want))
        del p[UDP].chksum
        assert frame == bytes(p), i


def test_random_fields_stay_in_range_and_checksums_verify(null0):
    s = Stream(BASE, size=128, fields=[Field("udp.sport", op="random", min=5000, max=5009),
                                       Field("ip.dst", op="random", min="192.168.0.0", max="192.168.0.255"),
                                       Field("eth.src", op="random")])
    with Generator([s], port=null0, rx=None) as gen:
        got = built(gen, 200)
    sports = set()
    for frame in got:
        p = Ether(frame)
        assert 5000 <= p[UDP].sport <= 5009
        assert p[IP].dst.startswith("192.168.0.")
        sports.add(p[UDP].sport)
        q = Ether(frame)
        del q[IP].chksum, q[UDP].chksum
        assert bytes(q) == frame               # both checksums as scapy computes them
    assert len(sports) > 1


def test_vlan_vid_keeps_priority_bits(null0):
    t = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / Dot1Q(vlan=5, prio=5) / \
        IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2)
    s = Stream(t, size=80, fields=[Field("vlan.vid", min=100, max=101)])
    with Generator([s], port=null0, rx=None) as gen:
        got = built(gen, 3)
    for i, frame in enumerate(got):
        assert frame == expected(t, 80, i, {Dot1Q: {"vlan": 100 + i % 2}})
        assert Ether(frame)[Dot1Q].prio == 5


def test_ipv6_src_128_bit_inc_wraps_and_tcp(null0):
    t = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IPv6(src="2001:db8::ffff:ffff:ffff:fffe", dst="2001:db8::2") / TCP(sport=10, dport=20, flags="S")
    lo = "2001:db8::ffff:ffff:ffff:fffe"
    s = Stream(t, size=100, fields=[Field("ipv6.src", min=lo, max="2001:db8::1:0:0:0:1"),
                                    Field("tcp.sport", min=10, max=12)])
    import ipaddress
    base = int(ipaddress.ip_address(lo))
    with Generator([s], port=null0, rx=None) as gen:
        got = built(gen, 6)
    span = int(ipaddress.ip_address("2001:db8::1:0:0:0:1")) - base + 1
    for i, frame in enumerate(got):
        src = str(ipaddress.ip_address(base + i % span))
        assert frame == expected(t, 100, i, {IPv6: {"src": src}, TCP: {"sport": 10 + i % 3}}), i


def test_udp_without_checksum_and_imix_weights(null0):
    s = Stream(BASE, size="imix", checksum=False)
    with Generator([s], port=null0, rx=None) as gen:
        got = built(gen, 24)
    sizes = [len(f) for f in got]
    assert sorted(set(sizes)) == [64, 594, 1518]
    assert (sizes.count(64), sizes.count(594), sizes.count(1518)) == (14, 8, 2)
    assert all(Ether(f)[UDP].chksum == 0 for f in got)
    assert got[0] == expected(BASE, sizes[0], 0, {}, udp_csum=False)


def test_ring_loopback_measures_every_packet(ring0, pool):
    s = Stream(rate="200kpps", count=20_000, fields=[Field("udp.sport", min=1, max=100)])
    with Generator([s], port=ring0) as gen:
        gen.start()
        assert gen.wait(30)
        final = gen.stats()
    r = final.streams[0]
    assert final.final and r.state == "done"
    assert r.tx_packets == r.rx_packets == 20_000
    assert (r.lost, r.out_of_order, r.duplicated, r.unsent) == (0, 0, 0, 0)
    assert r.rx_bytes == r.tx_bytes == 20_000 * 64
    lat = r.latency
    assert lat is not None and lat.samples == 20_000
    assert 0 <= lat.min <= lat.p50 <= lat.p90 <= lat.p99 <= lat.p999 <= lat.max
    assert lat.min <= lat.mean <= lat.max
    assert sum(lat.histogram.values()) == 20_000
    d = final.as_dict()
    assert d["streams"][0]["latency_ns"]["p99"] == round(lat.p99, 1) and d["clock"] == "tsc"
    assert "latency_p50_ns" in final.to_csv().splitlines()[0]


def test_capture_through_ring_checksums_verify(ring_pair, pool):
    p0, p1 = ring_pair
    s = Stream(BASE, size=(64, 200, 17), count=300, rate=None,
               fields=[Field("ip.id", op="random"), Field("udp.sport", op="random", min=1, max=60000)])
    with Generator([s], port=p0, rx=None) as gen:
        gen.start()
        assert gen.wait(30)
    frames = []
    while True:
        b = p0.rx_burst(0, 256)
        if not b:
            break
        frames += b.tobytes_list()
        b.free()
    assert len(frames) == 300
    for i, f in enumerate(frames):
        q = Ether(f)
        assert q[UDP].len == len(f) - 34 and q[IP].len == len(f) - 14
        assert f[-TAG_LEN:-8] == tag(0, i)[:-8]
        del q[IP].chksum, q[UDP].chksum
        assert bytes(q) == f, i


def test_null_port_accounting_and_patterns(null0):
    before = null0.stats()
    streams = [Stream(rate="2Mpps", count=50_000),
               Stream(size=128, rate="500kpps", burst=100, ibg=0.001, bursts=3),
               Stream(size=100, rate="1Mpps", count=1000, start_after=0, delay=0.001)]
    with Generator(streams, port=null0, rx=None) as gen:
        gen.start()
        assert gen.wait(30)
        final = gen.stats()
    after = null0.stats()
    a, b, c = final.streams
    assert (a.tx_packets, b.tx_packets, c.tx_packets) == (50_000, 300, 1000)
    assert after.opackets - before.opackets == 51_300
    assert (a.tx_bytes, b.tx_bytes, c.tx_bytes) == (50_000 * 64, 300 * 128, 1000 * 100)  # net_null counts no bytes
    assert all(s.state == "done" and s.unsent == 0 for s in final.streams)
    assert c.start_s >= a.end_s + 0.001 - 1e-6   # started after stream 0 ended, plus its delay (in whole TSC cycles)
    assert a.tx_bps_l1 == pytest.approx(a.tx_pps * (64 + 24) * 8)
    assert a.tx_pps > 0 and a.rx_packets == 0 and a.latency is None


def test_reorder_duplicate_drop_detected_from_edited_pcap(null0, pool, short_dir):
    """A DUT that drops, reorders and duplicates: tagged frames edited in a pcap, replayed by
    net_pcap into the receive engine."""
    tmp_path = short_dir   # hotplugged devargs: at most 127 bytes (DPDK 24.11.8+ refuses more)
    with Generator([Stream(BASE, size=80, count=1)], port=null0, rx=None) as g:
        frames = built(g, 100)
    order = list(range(100))
    del order[10]                                 # dropped: 10, 50
    del order[49]
    order[20], order[21] = order[21], order[20]   # swapped: one arrives late
    order.insert(60, 30)                          # a duplicate of 30, within the window
    order.append(5)                               # ... and of 5
    edited = [frames[i] for i in order]
    path = str(tmp_path / "dut.pcap")
    write_pcap(path, edited)
    [pp] = vdev.attach(vdev.Pcap("net_pcap_gen0", rx_pcap=path, tx_pcap=str(tmp_path / "out.pcap")))
    try:
        pp.setup(pool)
        # the measured stream is stream 0; it sends one frame to net_null (not measured there)
        with Generator([Stream(BASE, size=80, count=1)], port=null0, rx=[pp]) as gen:
            gen.start(flush_rx=False)
            deadline = time.monotonic() + 10
            while gen.stats().streams[0].rx_packets < len(edited) and time.monotonic() < deadline:
                time.sleep(0.01)
            final = gen.stop()
        r = final.streams[0]
        assert r.rx_packets == len(edited) == 100
        assert (r.duplicated, r.out_of_order, r.missing, r.late) == (2, 1, 2, 0)
        assert final.rx_untagged == 0
    finally:
        vdev.detach(pp)


def test_bad_input_names_parameter_value_allowed(null0, ring0):
    cases = [
        (lambda: Generator([Stream(rate="20Gbps")], port=null0), "rate"),
        (lambda: Generator([Stream(rate="101%")], port=null0), "rate"),
        (lambda: Generator([Stream(fields=[Field(100, width=2)])], port=null0), "field"),
        (lambda: Generator([Stream(size=40)], port=null0), "size"),
        (lambda: Generator([Stream(b"abc")], port=null0), "template"),
        (lambda: Generator([Stream(object())], port=null0), "template"),
        (lambda: Generator([Stream()]), "port"),
        (lambda: Generator([Stream(fields=[Field("ip.src", max="300.0.0.1")])], port=null0), "max"),
        (lambda: Generator([Stream(fields=[Field("tcp.sport")])], port=null0), "field"),
        (lambda: Generator([Stream(fields=[Field(24, width=2)])], port=null0), "field"),   # ip checksum
        (lambda: Generator([Stream(rate="fast")], port=null0), "rate"),
        (lambda: Generator([Stream(size="jumbo")], port=null0), "size"),
        (lambda: Generator([Stream(start_after=0)], port=null0), "start_after"),
        (lambda: Generator([Stream()], port=null0, lcores=[0]), "lcores"),
    ]
    for make, param in cases:
        with pytest.raises(InvalidArgumentError) as ei:
            make()
        assert ei.value.param == param, (param, str(ei.value))
        assert "allowed" in str(ei.value) or "must be" in str(ei.value) or str(ei.value)



def test_live_stats_then_final_and_poisson(null0):
    streams = [Stream(rate="100kpps"), Stream(rate="50kpps", poisson=True, count=5000)]
    with Generator(streams, port=null0, rx=None) as gen:
        gen.start()
        deadline = time.monotonic() + 20
        live = gen.stats()
        while (live.streams[0].tx_packets == 0 or live.streams[1].state != "done") and time.monotonic() < deadline:
            time.sleep(0.01)
            live = gen.stats()
        assert not live.final and gen.running
        assert live.streams[0].state == "active" and live.streams[0].tx_packets > 0
        assert live.streams[1].state == "done" and live.streams[1].tx_packets == 5000
        assert not gen.done()                    # stream 0 never ends by itself
        with pytest.raises(InvalidArgumentError):
            gen.wait()                           # ... so waiting without a timeout is refused
        final = gen.stop()
        assert final.final and not gen.running
        assert final.streams[0].tx_packets >= live.streams[0].tx_packets
        assert final.streams[0].unsent == 0
    assert gen.closed


def test_rfc2544_search_on_ring_loop(ring0):
    from pydpdk.gen.rfc2544 import latency_sweep, throughput
    res = throughput(ring0, Stream(size=64), rx=[ring0], trial_s=0.02, max_pps=200_000, max_trials=3)
    assert res.trials and res.trials[0].rate_pps == 200_000
    assert all(t.lost == t.tx_packets - t.rx_packets for t in res.trials)
    assert res.rate_pps in [t.rate_pps for t in res.trials if t.passed] + [0.0]
    rows = latency_sweep(ring0, Stream(size=64), rx=[ring0], rate_pps=100_000, loads=(0.5, 1.0), trial_s=0.02)
    assert [r.rate_pps for r in rows] == [50_000, 100_000]
    assert all(r.tx_packets == round(r.rate_pps * 0.02) for r in rows)
    with pytest.raises(InvalidArgumentError):
        throughput(ring0, loss_ratio=2)


def test_tx_and_rx_on_two_lcores_in_own_eal():
    """With two worker lcores the streams go to the first and the receive engine to the last
    (its own EAL: lcores 1 and 2 share CPU 1 here)."""
    from conftest import run_python
    proc = run_python("""
        import os, pydpdk
        from pydpdk.gen import Field, Generator, Stream
        pydpdk.Eal.init(pydpdk.EalConfig.auto(extra=["--lcores", "0@0,1@1,2@1"], no_pci=True, vdevs=["net_ring0"],
                                              file_prefix=f"gen-2lc-{os.getpid()}"))
        pool = pydpdk.Mempool.create("p", 8191, cache_size=256)
        [port] = pydpdk.ports()
        port.setup(pool, nb_rxd=1024, nb_txd=1024)
        streams = [Stream(rate="100kpps", count=20000, fields=[Field("udp.sport", min=1, max=9)]),
                   Stream(size=128, rate="50kpps", count=10000, queue=0)]
        with Generator(streams, port=port, rx=[port]) as gen:
            assert gen.lcores == [1, 2], gen.lcores
            gen.start()
            assert gen.wait(60)
            r = gen.stats()
        assert [(s.tx_packets, s.rx_packets, s.lost, s.out_of_order) for s in r.streams] == \\
            [(20000, 20000, 0, 0), (10000, 10000, 0, 0)], r
        assert pool.in_use == 0
        pydpdk.cleanup()
        print("ok")
    """)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stdout[-2000:] + proc.stderr[-3000:]


def test_port_refuses_to_stop_while_generating_and_close_stops(null0):
    from pydpdk.errors import ResourceBusyError
    gen = Generator([Stream(rate="100kpps")], port=null0, rx=None)
    gen.start()
    with pytest.raises(ResourceBusyError):
        null0.stop()
    gen.close()                       # stops the lcore first
    assert gen.closed and null0.started
    gen.close()                       # idempotent
    with pytest.raises(pydpdk.ResourceClosedError):
        gen.stats()


def test_restart_repeats_the_pattern(null0):
    s = Stream(size=64, rate="200kpps", burst=50, ibg=0.0005, bursts=2)
    with Generator([s], port=null0, rx=None) as gen:
        for _ in range(2):
            gen.start()
            assert gen.wait(20)
            r = gen.stats().streams[0]
            assert (r.tx_packets, r.state) == (100, "done")


def test_html_views_of_generator_and_results(null0):
    from pydpdk import notebook
    with Generator([Stream(rate="100kpps", count=100, name="s<0>")], port=null0, rx=None) as gen:
        assert "Generator (stopped)" in notebook.html(gen)
        gen.start()
        gen.wait(20)
        page = notebook.html(gen.stats())
    assert "s&lt;0&gt;" in page and "<td>100</td>" in page and "final" in page
    assert "closed" in notebook.html(gen)


def test_sampler_observes_the_generator_as_an_engine(ring0):
    from pydpdk.engines import Engine
    from pydpdk.stats import Sampler
    with Generator([Stream(rate="100kpps", count=30_000)], port=ring0) as gen:
        assert isinstance(gen, Engine)
        gen.start()
        with Sampler(gen, 0.05) as sampler:
            deadline = time.monotonic() + 20
            while len(sampler.samples) < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
        assert gen.wait(30)
        totals = gen.port_totals()
    assert len(sampler.samples) >= 3 and any(s.tx_packets > 0 for s in sampler.samples)
    [t] = totals
    assert t.tx_packets == t.rx_packets == 30_000 and t.tx_bytes == 30_000 * 64


def test_live_snapshots_never_show_more_received_than_sent(ring0):
    with Generator([Stream(rate="2Mpps")], port=ring0) as gen:
        gen.start()
        seen = 0
        deadline = time.monotonic() + 20
        while seen < 200 and time.monotonic() < deadline:
            r = gen.stats().streams[0]
            assert r.rx_packets <= r.tx_packets, r
            seen += 1
        final = gen.stop().streams[0]
    assert seen == 200 and final.rx_packets == final.tx_packets and final.lost == 0


# ---- checksums: from the fields' values (RFC 1624), the re-summing fallback, TX offload ----------

def _scapy_checksums_ok(frame):
    """scapy recomputes every checksum of the frame: it must give the same bytes."""
    q = Ether(frame)
    for layer in (IP, UDP, TCP):
        if q.haslayer(layer):
            del q[layer].chksum
    return bytes(q) == frame


def _ip(n):
    import ipaddress
    return str(ipaddress.ip_address(n))


def test_csum_inc_wraps_across_16_bit_chunks_and_dec_wraps(null0):
    """ip.src increments across a 16-bit word boundary (10.0.255.254 -> 10.1.0.2, then back to
    min), ip.dst by 3 past max back to min, udp.sport decrements through 0 back to max."""
    lo, hi = 0x0A00FFFE, 0x0A010002
    s = Stream(BASE, size=64, fields=[Field("ip.src", min=_ip(lo), max=_ip(hi)),
                                      Field("ip.dst", min="10.1.0.1", max="10.1.0.8", step=3),
                                      Field("udp.sport", op="dec", min=0, max=2)])
    with Generator([s], port=null0, rx=None) as gen:
        got = built(gen, 12)
    dsts = ["10.1.0.1", "10.1.0.4", "10.1.0.7"]
    for i, frame in enumerate(got):
        sets = {IP: {"src": _ip(lo + i % 5), "dst": dsts[i % 3]}, UDP: {"sport": [2, 1, 0][i % 3]}}
        assert frame == expected(BASE, 64, i, sets), i


def test_csum_full_range_wrap_and_list_extremes(null0):
    """Values whose checksum words are 0x0000 and 0xffff (both one's complement zeros): ip.src
    wrapping 255.255.255.255 -> 0.0.0.0 (a full-range field), ip.dst from a list, TCP."""
    t = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="1.2.3.4", dst="5.6.7.8") / \
        TCP(sport=1, dport=2, flags="A")
    vals = ["0.0.0.0", "255.255.255.255", "255.255.0.0", "0.0.255.255", "10.0.0.1"]
    s = Stream(t, size=90, fields=[Field("ip.src", init="255.255.255.254"),
                                   Field("ip.dst", op="list", values=vals, step=2),
                                   Field("tcp.seq", op="dec", min=0, max=0xFFFFFFFF, init=1)])
    with Generator([s], port=null0, rx=None) as gen:
        got = built(gen, 8)
    for i, frame in enumerate(got):
        sets = {IP: {"src": _ip((0xFFFFFFFE + i) % 2**32), "dst": vals[(2 * i) % 5]},
                TCP: {"seq": (1 - i) % 2**32}}
        assert frame == expected(t, 90, i, sets), i


def test_csum_random_and_list_fields_at_odd_offsets_odd_sizes(null0):
    """Random and list fields of 1, 3 and 5 bytes starting at odd and even offsets of the payload,
    odd frame lengths (the tag at odd word positions), random ip.src: scapy's checksums."""
    s = Stream(BASE, size=(75, 81, 3), fields=[Field("ip.src", op="random"),
                                               Field(43, width=1, op="random"),
                                               Field(44, width=3, op="list", values=[0, 0xFFFFFF, 0x123456]),
                                               Field(48, width=5, op="random", min=0xFFFFFF0000, max=0xFFFFFFFFFF),
                                               Field(53, width=2, op="dec", min=0, max=1),
                                               Field("udp.dport", op="random")])
    with Generator([s], port=null0, rx=None) as gen:
        got = built(gen, 60)
    for i, frame in enumerate(got):
        assert len(frame) == 75 + 3 * (i % 3)
        assert frame[53:55] == (1 - i % 2).to_bytes(2, "big")
        assert frame[44:47] == [0, 0xFFFFFF, 0x123456][i % 3].to_bytes(3, "big")
        assert frame[48:51] == b"\xff\xff\xff"
        assert frame[-TAG_LEN:-8] == tag(0, i)[:-8]
        assert _scapy_checksums_ok(frame), i


def test_csum_ipv6_128_bit_random_with_udp(null0):
    t = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IPv6(src="2001:db8::1", dst="2001:db8::2") / \
        UDP(sport=1, dport=2)
    s = Stream(t, size=101, fields=[Field("ipv6.src", op="random"), Field("ipv6.dst", op="list",
                                    values=["::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::9"])])
    with Generator([s], port=null0, rx=None) as gen:
        got = built(gen, 30)
    for frame in got:
        q = Ether(frame)
        del q[UDP].chksum
        assert bytes(q) == frame


def test_csum_from_values_equals_resumming_fallback(null0):
    """The engine's two ways (sums from the field values, or re-summed from the packet as it does
    when checksummed fields overlap) give the same bytes; overlapping fields verify too."""
    fields = [Field("ip.src", min="10.0.255.250", max="10.1.0.5"), Field("udp.sport", op="dec", min=3, max=9),
              Field(45, width=3, op="list", values=[1, 0xFFFFFF, 7]), Field("ip.ttl", op="list", values=[0, 255, 9])]
    runs = []
    for direct in (1, 0):
        with Generator([Stream(BASE, size=(70, 73, 1), fields=fields)], port=null0, rx=None) as gen:
            assert gen._cs[0].ck_direct == 1
            gen._cs[0].ck_direct = direct
            runs.append(built(gen, 40))
    assert runs[0] == runs[1]
    assert all(_scapy_checksums_ok(f) for f in runs[0])
    overlap = [Field("ip.src", op="random"), Field(28, width=2, min=5, max=9)]   # the low half of ip.src
    with Generator([Stream(BASE, size=64, fields=overlap)], port=null0, rx=None) as gen:
        assert gen._cs[0].ck_direct == 0
        got = built(gen, 20)
    for i, f in enumerate(got):
        assert f[28:30] == (5 + i % 5).to_bytes(2, "big") and _scapy_checksums_ok(f), i


def test_checksum_modes_on_a_port_without_offloads(null0):
    """net_null offers no checksum offload: 'offload' is refused naming what the port offers;
    'auto' computes them in software; anything else is refused."""
    with pytest.raises(InvalidArgumentError) as ei:
        Generator([Stream(BASE, checksum="offload")], port=null0, rx=None)
    msg = str(ei.value)
    assert ei.value.param == "checksum" and "offload" in msg and "ipv4_cksum" in msg and "udp_cksum" in msg
    assert "net_null0 offers" in msg
    with Generator([Stream(BASE, size=80, checksum="auto", fields=[Field("ip.src", op="random")])],
                   port=null0, rx=None) as gen:
        assert gen.checksums(0) == {"ipv4": "software", "udp": "software"}
        assert all(_scapy_checksums_ok(f) for f in built(gen, 10))
    with Generator([Stream(BASE, checksum=False)], port=null0, rx=None) as gen:
        assert gen.checksums(0) == {"ipv4": "software", "udp": "zero"}
    with pytest.raises(InvalidArgumentError) as ei:
        Generator([Stream(BASE, checksum="hardware")], port=null0, rx=None)
    assert ei.value.param == "checksum"


def test_histogram_index_matches_its_definition():
    """The branch-free bucket index: a bucket per value below 2^(SUB+1), then 2^SUB buckets per
    power of two (the SUB bits under the msb), the last bucket for 2^MAX_EXP and above; and a
    value lies within its bucket's bounds."""
    from pydpdk._native import lib
    sub, max_exp, buckets = lib.PYDPDK_GEN_HIST_SUB_BITS, lib.PYDPDK_GEN_HIST_MAX_EXP, lib.PYDPDK_GEN_HIST_BUCKETS

    def reference(v):
        if v < 1 << sub:
            return v
        msb = v.bit_length() - 1
        if msb >= max_exp:
            return buckets - 1
        return ((msb - sub + 1) << sub) + ((v >> (msb - sub)) & ((1 << sub) - 1))
    values = {0, 1, 63, 64, 65, 127, 128, 129, (1 << 64) - 1}
    for e in range(1, 64):
        values |= {(1 << e) - 1, 1 << e, (1 << e) + 1, (1 << e) * 3 // 2}
    for v in sorted(values):
        idx = lib.pydpdk_gen_hist_index(v)
        assert idx == reference(v), v
        if idx < buckets - 1:
            assert lib.pydpdk_gen_hist_lower(idx) <= v < lib.pydpdk_gen_hist_lower(idx + 1), v


def test_rx_engine_measure_two_streams_interleaved(null0):
    """pydpdk_gen_rx_cycles (the in-process measurement) runs the receive engine on prepared
    bursts: two streams' packets alternating in each burst, sequence numbers in order per stream
    (every other one: gaps, not reordering), untagged frames beside them, every packet counted."""
    from pydpdk._native import ffi, lib
    n, rounds = 32, 5
    with Generator([Stream(BASE, size=80, count=1), Stream(BASE, size=96, count=1)], port=null0,
                   rx=[null0], rx_burst=n) as gen:
        a, b = built(gen, n // 2, 0), built(gen, n // 2, 1)
        frames = [f for pair in zip(a, b) for f in pair]
        buf, lens = ffi.new("uint8_t[]", b"".join(frames)), ffi.new("uint16_t[]", [len(f) for f in frames])
        pool = null0.rx_pool(0)
        used = pool.in_use
        assert lib.pydpdk_gen_rx_cycles(gen._gen, 0, pool.ptr, buf, lens, n, rounds, 0) > 0
        untagged = [bytes(60)] * n
        ubuf, ulens = ffi.new("uint8_t[]", b"".join(untagged)), ffi.new("uint16_t[]", [60] * n)
        assert lib.pydpdk_gen_rx_cycles(gen._gen, 0, pool.ptr, ubuf, ulens, n, 2, 0) > 0
        assert lib.pydpdk_gen_rx_cycles(gen._gen, 0, pool.ptr, ubuf, ulens, n, 2, 1) > 0   # free only
        res = gen.stats()
        assert res.rx_untagged == 2 * n
        for s, size in zip(res.streams, (80, 96)):
            assert s.rx_packets == rounds * n // 2 and s.rx_bytes == s.rx_packets * size
            assert (s.out_of_order, s.duplicated, s.late) == (0, 0, 0)
            assert s.latency is not None and s.latency.samples == s.rx_packets
            assert 0 <= s.latency.min <= s.latency.p50 <= s.latency.max
        assert pool.in_use == used                     # every measured mbuf went back
        assert lib.pydpdk_gen_rx_cycles(gen._gen, 5, pool.ptr, buf, lens, n, 1, 0) == -22


def _pcap_with_times(path, frames, times):
    """frames written by scapy's wrpcap with these capture times (Decimal seconds, us resolution)."""
    pkts = []
    for f, t in zip(frames, times):
        p = Ether(f)
        p.time = t
        pkts.append(p)
    scapy.wrpcap(path, pkts)


def _tsc_rate():
    """TSC cycles per second, against CLOCK_MONOTONIC over 100 ms (busy: a measurement)."""
    from pydpdk._native import lib
    t0, c0 = time.monotonic_ns(), lib.rte_rdtsc()
    while time.monotonic_ns() - t0 < 100_000_000:
        pass
    t1, c1 = time.monotonic_ns(), lib.rte_rdtsc()
    return (c1 - c0) * 10 ** 9 // (t1 - t0)


def _rfc3550(transits):
    j = 0.0
    for prev, cur in zip(transits, transits[1:]):
        j += (abs(cur - prev) - j) / 16
    return j


def test_rx_timestamp_clock_from_pcap_capture_times(null0, pool, short_dir):
    """clock="rx_timestamp" on a net_pcap port: packets count as received at the capture time
    the file records (us), mapped onto the TSC. Tags carry TX times 100 us apart, capture times
    are 100 us apart plus a known per-packet delay: the engine's jitter and latency spread are
    the file's, its RX rate the file's; clock="tsc" on the same file measures the poll instead."""
    from decimal import Decimal
    from pydpdk._native import lib
    hz = _tsc_rate()          # the TSC's own rate (rte_get_tsc_hz() may be rounded to 10 MHz)
    N, gap_us = 200, 100
    delays = [(k * 37) % 29 for k in range(N)]          # us, 0..28, known
    with Generator([Stream(BASE, size=80, count=1)], port=null0, rx=None) as g:
        tsc0 = lib.rte_rdtsc()
        t0 = Decimal(int(time.time() * 1e6)) / Decimal(10 ** 6)   # now, whole us
        frames = []
        for k in range(N):
            b = g.build(0, 1, tsc=tsc0 + k * gap_us * hz // 10 ** 6)
            frames += b.tobytes_list()
            b.free()
    # captured 1 ms + delay after the tag's time: latencies stay positive whatever the mapping's offset
    times = [t0 + Decimal(1000 + k * gap_us + delays[k]) / Decimal(10 ** 6) for k in range(N)]
    path = str(short_dir / "ts.pcap")
    _pcap_with_times(path, frames, times)
    results = {}
    for clock in ("rx_timestamp", "tsc", "auto"):
        [pp] = vdev.attach(vdev.Pcap("net_pcap_ts0", rx_pcap=path, tx_pcap=str(short_dir / "o.pcap")))
        try:
            pp.setup(pool)
            with Generator([Stream(BASE, size=80, count=1)], port=null0, rx=[pp], clock=clock) as gen:
                gen.start(flush_rx=False)
                deadline = time.monotonic() + 10
                while gen.stats().streams[0].rx_packets < N and time.monotonic() < deadline:
                    time.sleep(0.01)
                results[clock] = gen.stop()
        finally:
            vdev.detach(pp)
    ts, tsc, auto = results["rx_timestamp"], results["tsc"], results["auto"]
    for res in (ts, tsc, auto):
        s = res.streams[0]
        assert s.rx_packets == N and (s.out_of_order, s.duplicated, s.missing) == (0, 0, 0)
        assert res.rx_no_timestamp == 0 and s.latency is not None and s.latency.samples == N
    assert ts.clock == auto.clock == "rx_timestamp" and "us" in ts.clock_unit
    assert tsc.clock == "tsc" and "TSC" in tsc.clock_unit
    d = ts.as_dict()
    assert d["clock"] == "rx_timestamp" and d["streams"][0]["clock"] == "rx_timestamp"
    s = ts.streams[0]
    expect_jitter = _rfc3550([x * 1000.0 for x in delays])            # ns
    assert s.latency.jitter == pytest.approx(expect_jitter, rel=0.03, abs=100)
    spread = (max(delays) - min(delays)) * 1000.0
    # pcap's unit is 1 us; the wall clock is mapped onto the TSC with a ratio first measured over
    # 5 ms, which a loaded machine skews by up to ~100 ppm (2 us over the file's 20 ms in a CI run)
    assert s.latency.max - s.latency.min == pytest.approx(spread, rel=0.01, abs=3000)
    span_s = (N - 1) * gap_us * 1e-6 + (delays[-1] - delays[0]) * 1e-6
    assert s.rx_pps == pytest.approx((N - 1) / span_s, rel=0.01)
    # the TSC clock sees the polls (all within a few bursts), not the file's spacing
    assert tsc.streams[0].latency.max - tsc.streams[0].latency.min != pytest.approx(spread, rel=0.01, abs=1000)


def test_bad_clock_choices_raise(null0, ring0):
    with pytest.raises(InvalidArgumentError, match="clock") as e:
        Generator([Stream(BASE, count=1)], port=null0, rx=[null0], clock="ptp")
    assert "'ptp'" in str(e.value) and "rx_timestamp" in str(e.value)
    with pytest.raises(InvalidArgumentError, match="clock") as e:
        Generator([Stream(BASE, count=1)], port=ring0, rx=[ring0], clock="rx_timestamp")
    assert "net_ring" in str(e.value) and "'tsc' or 'auto'" in str(e.value)
    with pytest.raises(InvalidArgumentError, match="clock"):
        Generator([Stream(BASE, count=1)], port=null0, rx=None, clock="rx_timestamp")
    with Generator([Stream(BASE, count=1)], port=ring0, rx=[ring0], clock="auto") as gen:
        assert gen.clock == "tsc"
        res = gen.run(5)
        assert res.clock == "tsc" and res.streams[0].clock == "tsc" and res.streams[0].rx_packets == 1
