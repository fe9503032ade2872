"""Mbufs and bursts: bulk allocation, bytes in and out, zero-copy views, chains, metadata and
explicit ownership."""
import gc
import warnings

import pytest

import pydpdk
from pydpdk.testing.frames import make_frame


def test_alloc_and_counts(pool):
    before = pool.in_use
    m = pool.alloc()
    assert pool.in_use == before + 1 and len(m) == 0
    m.free()
    assert pool.in_use == before
    b = pool.alloc_burst(64)
    assert len(b) == 64 and pool.in_use == before + 64
    b.free()
    assert pool.in_use == before and pool.available == pool.size - before


def test_bytes_round_trip_and_zero_copy_view(pool):
    frame = make_frame(7, 128)
    with pool.mbuf(frame) as m:
        assert m.tobytes() == frame and bytes(m) == frame and m.pkt_len == 128 == m.data_len
        view = m.data
        view[0:6] = b"\xff" * 6                  # writes go straight into the mbuf
        assert m.tobytes()[:6] == b"\xff" * 6
        assert m.headroom == pydpdk._native.lib.RTE_PKTMBUF_HEADROOM


def test_bytes_like_and_packet_objects(pool):
    class Packet:  # what scapy and dpkt packets offer
        def __bytes__(self):
            return b"\x02" * 60
    for data in (bytearray(b"\x01" * 60), memoryview(b"\x03" * 60), Packet()):
        m = pool.mbuf(data)
        assert m.tobytes() == bytes(data)
        m.free()
    with pytest.raises(pydpdk.InvalidArgumentError, match="data"):
        pool.mbuf(12345)


def test_scapy_packets_go_straight_in(pool):
    scapy = pytest.importorskip("scapy.all")
    pkt = scapy.Ether(dst="02:00:00:00:00:02") / scapy.IP(dst="10.0.0.2") / scapy.UDP() / b"hello"
    b = pool.burst([pkt, pkt])
    frames = b.tobytes_list()
    b.free()
    assert frames == [bytes(pkt)] * 2
    assert scapy.Ether(frames[0])[scapy.UDP].load == b"hello"


def test_chained_mbufs(pool, small_pool):
    jumbo = bytes(i & 0xFF for i in range(9000))
    m = small_pool.mbuf(jumbo)
    assert m.nb_segs == 5 and m.pkt_len == 9000 and not m.is_contiguous
    assert b"".join(bytes(s) for s in m.segments()) == jumbo == m.tobytes()
    m.free()
    head, tail = pool.mbuf(b"a" * 100), pool.mbuf(b"b" * 50)
    head.chain(tail)
    assert head.nb_segs == 2 and head.tobytes() == b"a" * 100 + b"b" * 50
    with pytest.raises(pydpdk.MbufReleasedError):
        tail.tobytes()
    head.free()


def test_metadata_fields(pool):
    m = pool.mbuf(make_frame(1))
    m.port, m.vlan_tci, m.rss_hash = 3, 100, 0xDEADBEEF
    m.ol_flags = pydpdk._native.lib.RTE_MBUF_F_RX_VLAN
    assert (m.port, m.vlan_tci, m.rss_hash) == (3, 100, 0xDEADBEEF)
    assert m.ol_flag_names() == ["RTE_MBUF_F_RX_VLAN"]
    m.packet_type = 0x11  # L2_ETHER | L3_IPV4
    assert "L2_ETHER" in m.packet_type_name and "L3_IPV4" in m.packet_type_name
    m.append(b"tail")
    m.prepend(b"head")
    assert m.tobytes().startswith(b"head") and m.tobytes().endswith(b"tail")
    m.adj(4)
    m.trim(4)
    assert m.tobytes() == make_frame(1)
    with pytest.raises(pydpdk.InvalidArgumentError, match="tailroom"):
        m.append(b"x" * 70000 if False else b"x" * (m.tailroom + 1))
    m.free()


def test_ownership_is_explicit(pool):
    m = pool.mbuf(b"x" * 60)
    m.free()
    for use in (m.free, m.tobytes, lambda: m.data, lambda: m.pkt_len):
        with pytest.raises(pydpdk.MbufReleasedError):
            use()
    b = pool.burst([b"y" * 60] * 4)
    view = b[0]
    assert view.tobytes() == b"y" * 60
    with pytest.raises(pydpdk.MbufReleasedError, match="view into a burst"):
        view.free()
    b.free()
    with pytest.raises(pydpdk.MbufReleasedError, match="burst"):
        view.tobytes()
    b = pool.burst([b"z" * 60] * 3)
    owned = b.detach()
    assert len(b) == 0 and [x.tobytes() for x in owned] == [b"z" * 60] * 3
    for x in owned:
        x.free()


def test_garbage_collected_mbuf_is_freed_with_a_warning(pool):
    before = pool.in_use
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        m = pool.mbuf(b"q" * 60)
        del m
        gc.collect()
    assert pool.in_use == before
    assert any(issubclass(x.category, ResourceWarning) for x in w)


def test_burst_bulk_views(pool):
    np = pytest.importorskip("numpy")
    frames = [make_frame(i, 64 + i) for i in range(32)]
    with pool.burst(frames) as b:
        assert b.lengths() == [len(f) for f in frames] and b.nbytes == sum(map(len, frames))
        assert b.tobytes_list() == frames
        if hasattr(pydpdk._native.lib, "pydpdk_headers_view"):
            hdr = b.headers(42)
            assert hdr.shape == (32, 42)
            assert (hdr[:, 12] == 0x08).all() and (hdr[:, 23] == 17).all()  # IPv4, UDP
            assert np.array_equal(hdr[5], np.frombuffer(frames[5][:42], dtype=np.uint8))


def test_headers_into_reused_array_zero_pads(pool):
    np = pytest.importorskip("numpy")
    frames = [make_frame(i, 60) for i in range(8)] + [b"\x01" * 20]     # a runt: padded
    out = np.full((16, 64), 0xEE, dtype=np.uint8)                        # stale bytes
    with pool.burst(frames) as b:
        hdr = b.headers(64, out=out)
        assert hdr.shape == (9, 64) and np.shares_memory(hdr, out)
        assert np.array_equal(hdr[3, :60], np.frombuffer(frames[3], dtype=np.uint8))
        assert not hdr[3, 60:].any() and not hdr[8, 20:].any() and (hdr[8, :20] == 1).all()
        for bad in (np.zeros((4, 64), np.uint8), np.zeros((16, 32), np.uint8),
                    np.zeros((16, 64), np.int16), b"x" * 1024):
            with pytest.raises(pydpdk.InvalidArgumentError, match="out"):
                b.headers(64, out=bad)


def test_data_view_is_released_when_the_mbuf_is_freed(pool):
    """A memoryview of an mbuf's data cannot write into memory pydpdk has freed."""
    m = pool.mbuf(make_frame(1))
    view, segs = m.data, m.segments()
    view[0] = 0x02                          # writable while the mbuf is ours
    m.free()
    with pytest.raises(ValueError, match="released"):
        view[0] = 0xFF
    with pytest.raises(ValueError, match="released"):
        bytes(segs[0])


def test_burst_views_are_released_on_send_enqueue_and_free(ring_pair, pool):
    p0, _ = ring_pair
    sent = pool.burst([make_frame(i) for i in range(4)])
    views = [sent[i].data for i in range(4)]
    assert p0.tx_burst(sent) == 4
    for v in views:                         # handed to TX: the views died with the hand-over
        with pytest.raises(ValueError):
            v[0]
    back = p0.rx_burst(0, 32)
    assert len(back) == 4
    v = back[0].data
    ring = pydpdk.Ring.create("views_ring", 64)
    assert ring.enqueue_burst(back) == 4
    with pytest.raises(ValueError):
        v[0]
    out = ring.dequeue_burst(32)
    v2 = out[1].data
    out.free()
    with pytest.raises(ValueError):
        v2[0]
    ring.close()


def test_exported_view_refuses_the_free_until_it_is_gone(pool):
    """A numpy array over an mbuf's data (np.frombuffer(m.data), Mbuf.array()) or a memoryview
    derived from it cannot be invalidated: freeing or sending the mbuf is refused (nothing freed)
    until it is gone."""
    np = pytest.importorskip("numpy")
    m = pool.mbuf(make_frame(2))
    arr = np.frombuffer(m.data, dtype=np.uint8)
    with pytest.raises(pydpdk.ResourceBusyError, match="still alive"):
        m.free()
    assert m.owned and arr[12] == 0x08      # still ours, still readable
    del arr
    gc.collect()
    m.free()
    assert not m.owned
    b = pool.burst([make_frame(3)])
    arr2 = b[0].array()
    with pytest.raises(pydpdk.ResourceBusyError):
        b.free()
    assert len(b) == 1
    del arr2
    b.free()
    assert len(b) == 0
    m = pool.mbuf(make_frame(4))
    derived = memoryview(m.data)[14:]               # a slice of the view: pinned too
    with pytest.raises(pydpdk.ResourceBusyError):
        m.free()
    derived.release()
    m.free()
    with pytest.raises(ValueError):
        derived[0]
