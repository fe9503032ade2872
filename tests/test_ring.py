"""rte_ring and ports made from rings: both rte_eth_from_rings examples of the guide (§7.1.3),
and the eth_ring / net_ring vdevs."""
import pytest

import pydpdk
from pydpdk.testing.frames import make_frame, drain


def test_ring_create_flags_counts(eal, pool):
    with pydpdk.Ring.create("R_flags", 256, sp_enq=True, sc_deq=True) as r:
        assert r.size == 256 and r.capacity == 255 and r.count == 0
        assert r.flags == {"sp_enq": True, "sc_deq": True, "exact_size": False}
        b = pool.burst([make_frame(i) for i in range(10)])
        assert r.enqueue_burst(b) == 10 and len(b) == 0 and r.count == 10
        out = r.dequeue_burst(4)
        assert len(out) == 4 and out.tobytes_list() == [make_frame(i) for i in range(4)]
        out.free()
        assert pydpdk.Ring.lookup("R_flags").count == 6
        assert r.drain() == 6
    with pydpdk.Ring.create("R_exact", 100, exact_size=True) as r:
        assert r.capacity == 100
    with pydpdk.Ring.create("R_rts", 64, sync="rts") as r:
        assert r.size == 64


def test_ring_full_returns_what_did_not_fit(eal, pool):
    with pydpdk.Ring.create("R_full", 8) as r:
        b = pool.burst([make_frame(i) for i in range(10)])
        assert r.enqueue_burst(b) == 7 and len(b) == 3
        b.free()


def test_loopback_ports_from_rings(eal, pool):
    """Guide: port1 = rte_eth_from_rings(r1, 1, r1, 1, SOCKET0) — traffic loops back."""
    r1 = pydpdk.Ring.create("R1", 256, sp_enq=True, sc_deq=True)
    r2 = pydpdk.Ring.create("R2", 256, sp_enq=True, sc_deq=True)
    port1 = pydpdk.Port.from_rings("R1loop", [r1], [r1])
    port2 = pydpdk.Port.from_rings("R2loop", [r2], [r2])
    for p in (port1, port2):
        p.setup(pool)
    port1.tx_burst(pool.burst([b"\x01" * 60] * 3))
    port2.tx_burst(pool.burst([b"\x02" * 60] * 5))
    b1, b2 = port1.rx_burst(0, 32), port2.rx_burst(0, 32)
    assert b1.tobytes_list() == [b"\x01" * 60] * 3 and b2.tobytes_list() == [b"\x02" * 60] * 5
    b1.free(), b2.free()
    with pytest.raises(pydpdk.ResourceBusyError, match="close those ports first"):
        r1.close()
    for x in (port1, port2, r1, r2):
        x.close()


def test_crossed_ports_from_rings(eal, pool):
    """Guide: port1 = from_rings(r1, r2), port2 = from_rings(r2, r1) — sent on one, read on the other."""
    r1 = pydpdk.Ring.create("X1", 256, sp_enq=True, sc_deq=True)
    r2 = pydpdk.Ring.create("X2", 256, sp_enq=True, sc_deq=True)
    port1 = pydpdk.Port.from_rings("X1", [r1], [r2])
    port2 = pydpdk.Port.from_rings("X2", [r2], [r1])
    for p in (port1, port2):
        p.setup(pool)
    frames = [make_frame(i) for i in range(20)]
    assert port1.tx_burst(pool.burst(frames)) == 20
    assert port1.rx_burst(0, 32).tobytes_list() == []
    b = port2.rx_burst(0, 32)
    assert b.tobytes_list() == frames
    assert port2.tx_burst(b) == 20
    back = port1.rx_burst(0, 32)
    assert back.tobytes_list() == frames
    back.free()
    assert port1.stats().opackets == 20 == port2.stats().ipackets
    for x in (port1, port2, r1, r2):
        x.close()


def test_guide_eth_ring_vdev_alias_pair(eal, pool):
    """§7.1.2's --vdev=eth_ring0 names resolve in DPDK 22.11 as aliases of net_ring."""
    ports = pydpdk.vdev.attach("eth_ring7")
    assert ports[0].driver == "net_ring" and ports[0].name == "eth_ring7"
    ports[0].setup(pool)
    ports[0].tx_burst(pool.burst([b"\x07" * 64]))
    b = ports[0].rx_burst()
    assert b.tobytes_list() == [b"\x07" * 64]
    b.free()
    pydpdk.vdev.detach("eth_ring7")
