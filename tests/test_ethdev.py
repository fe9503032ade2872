"""Ports on real PMDs (net_ring, net_null): info, configuration, bursts, stats, xstats, RSS."""
import pytest

import pydpdk
from pydpdk.testing.frames import make_frame, drain


def test_port_listing(eal):
    names = [p.name for p in pydpdk.ports()]
    assert {"net_ring0", "net_ring1", "net_null0", "net_null1"} <= set(names)
    p = pydpdk.Port("net_ring0")
    assert p is pydpdk.Port(p.id)
    assert p.driver == "net_ring" and p.bus == "vdev" and p.device_name == "net_ring0"
    assert pydpdk.Port("net_null0").devargs == "size=64"
    assert p.socket >= -1


def test_device_info(eal):
    info = pydpdk.Port("net_null0").info()
    assert info.driver == "net_null" and info.max_rx_queues >= 1
    assert info.reta_size > 0 and "ip" in info.rss_hash_capa
    ring = pydpdk.Port("net_ring0").info()
    assert ring.rx_desc_lim.nb_max == 65535 and "10G" in ring.speed_capa or ring.speed_capa == []


def test_bytes_through_two_ring_ports_are_identical_and_stats_agree(ring_pair, pool):
    p0, p1 = ring_pair
    p0.reset_stats()
    frames = [make_frame(i, 60 + i) for i in range(100)]
    b = pool.burst(frames)
    sent = 0
    while b:
        sent += p0.tx_burst(b)
    got = []
    while len(got) < 100:
        r = p0.rx_burst(0, 64)   # net_ring0's TX ring is its own RX ring
        got += r.tobytes_list()
        r.free()
    assert sent == 100 and got == frames
    st = p0.stats()
    assert st.opackets == 100 == st.ipackets and st.q_opackets[0] == 100


def test_tx_hands_unsent_back(eal, pool):
    ring = pydpdk.Ring.create("tiny", 16, sp_enq=True, sc_deq=True)
    port = pydpdk.Port.from_rings("tiny", [ring], [ring])
    port.setup(pool)
    b = pool.burst([make_frame(i) for i in range(32)])
    first = bytes(b[15])  # becomes the first unsent
    sent = port.tx_burst(b)
    assert sent == 15 and len(b) == 17 and bytes(b[0]) == first
    assert port.stats().oerrors == 0
    b.free()
    drain(port)
    port.close()
    ring.close()


def test_queue_handles_keep_the_unsent_in_the_burst_and_lose_no_mbuf(eal, pool):
    """rxq.rx_burst()/txq.tx_burst() on a port whose ring holds 15: a short TX leaves the unsent
    at the burst's front, rx_burst returns the count and refuses while its burst still holds
    packets, and every mbuf is sent or freed exactly once (the pool's count comes back)."""
    ring = pydpdk.Ring.create("qh_tiny", 16, sp_enq=True, sc_deq=True)
    port = pydpdk.Port.from_rings("qh_tiny", [ring], [ring])
    port.setup(pool)
    in_use = pool.in_use
    rxq, txq = port.rxq(0, burst=32), port.txq(0)
    assert rxq.rx_burst is rxq.rx and txq.tx_burst is txq.tx
    assert rxq.rx_burst() == 0 and len(rxq.burst) == 0         # nothing there yet
    src = pool.burst([make_frame(i) for i in range(32)])
    first_unsent = bytes(src[15])
    assert txq.tx_burst(src) == 15 and len(src) == 17 and bytes(src[0]) == first_unsent
    assert rxq.rx_burst() == 15
    assert [bytes(m) for m in rxq.burst] == [make_frame(i) for i in range(15)]
    with pytest.raises(pydpdk.InvalidArgumentError, match="empty burst"):
        rxq.rx_burst()
    assert len(rxq.burst) == 15                                  # refused: nothing received or lost
    assert txq.tx_burst(src) == 15 and len(src) == 2            # the ring is full again
    assert txq.tx_burst(rxq.burst) == 0 and len(rxq.burst) == 15
    with pytest.raises(pydpdk.InvalidArgumentError, match="TxQueue.tx_burst.*an MbufBurst"):
        txq.tx_burst(list(src))
    src.free()
    rxq.burst.free()
    assert rxq.rx_burst() == 15 and txq.tx_burst(rxq.burst) == 15 and len(rxq.burst) == 0
    assert rxq.rx_burst() == 15                                  # the flags were released each time
    rxq.burst.free()
    assert pool.in_use == in_use
    port.stop()                                                  # refused in C, DPDK's queue untouched
    with pytest.raises(pydpdk.InvalidArgumentError, match="a started port"):
        rxq.rx_burst()
    with pytest.raises(pydpdk.InvalidArgumentError, match="a started port"):
        txq.tx_burst(rxq.burst)
    port.start()
    assert rxq.rx_burst() == 0 and txq.tx_burst(rxq.burst) == 0
    with port.rxq(0, burst=4) as q2, port.txq(0) as t2:       # close() frees what the burst holds
        assert t2.tx_burst(pool.burst([make_frame(1)] * 3)) == 3 and q2.rx_burst() == 3
    assert len(q2.burst) == 0 and pool.in_use == in_use
    with pytest.raises(pydpdk.ResourceClosedError, match="it was closed"):
        q2.rx_burst()
    with pytest.raises(pydpdk.ResourceClosedError, match="it was closed"):
        t2.tx_burst(rxq.burst)
    q2.close()                                                   # idempotent
    assert rxq.rx_burst() == 0                                   # other handles of the queue unaffected
    port.close()
    with pytest.raises(pydpdk.ResourceClosedError, match="queue handle"):
        rxq.rx_burst()
    ring.close()


def test_queue_handles_and_port_bursts_in_two_threads_share_one_busy_flag(ring_pair, pool):
    """One thread on net_ring0's queue through the handles, one through Port.rx_burst/tx_burst:
    both take the same flag in C, so every collision is a ResourceBusyError naming the thread
    rule (on either side) and no mbuf is lost or freed twice."""
    from conftest import run_threads
    p0, _ = ring_pair
    rxq, txq = p0.rxq(0, burst=32), p0.txq(0)
    in_use = pool.in_use
    busy: list[str] = []
    errors: list[BaseException] = []

    def handles() -> None:
        try:
            for i in range(3000):
                b = pool.burst([make_frame(i)])
                try:
                    txq.tx_burst(b)
                except pydpdk.ResourceBusyError as e:
                    busy.append(str(e))
                b.free()
                try:
                    rxq.rx_burst()
                except pydpdk.ResourceBusyError as e:
                    busy.append(str(e))
                rxq.burst.free()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    def methods() -> None:
        try:
            for i in range(3000):
                b = pool.burst([make_frame(i)])
                try:
                    p0.tx_burst(b)
                except pydpdk.ResourceBusyError as e:
                    busy.append(str(e))
                b.free()
                try:
                    p0.rx_burst(0, 32).free()
                except pydpdk.ResourceBusyError as e:
                    busy.append(str(e))
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    run_threads(handles, methods)
    assert not errors, errors
    assert all("another thread" in m for m in busy), busy[:3]
    drain(p0)
    assert pool.in_use == in_use
    assert rxq.rx_burst() == 0                  # every flag was given back


def test_tx_list_of_mbufs_transfers_ownership(ring_pair, pool):
    p0, _ = ring_pair
    ms = [pool.mbuf(make_frame(i)) for i in range(4)]
    assert p0.tx_burst(ms) == 4
    assert all(not m.owned for m in ms)
    with pytest.raises(pydpdk.MbufReleasedError):
        ms[0].free()


def test_link_promisc_mac(ring_pair):
    p0, _ = ring_pair
    link = p0.link()
    assert link.up and link.speed_mbps == 10000 and str(link).startswith("Link Up")
    assert p0.wait_link_up(1).up
    p0.promiscuous = True
    assert p0.promiscuous
    null = pydpdk.Port("net_null1")
    null.mac = "02:11:22:33:44:55"
    assert null.mac == "02:11:22:33:44:55"


def test_configure_queues_rss_on_null_pmd(eal, pool):
    port = pydpdk.Port("net_null0")
    port.configure(4, 4, rss=["ip", "udp"])
    for q in range(4):
        port.rx_queue_setup(q, 256, pool)
        port.tx_queue_setup(q, 256)
    port.start()
    try:
        reta = port.rss_reta()
        assert len(reta) == port.info().reta_size and set(reta) <= {0, 1, 2, 3}
        port.update_rss_reta([3] * len(reta))
        assert set(port.rss_reta()) == {3}
        port.update_rss_reta({0: 1})
        assert port.rss_reta()[0] == 1
        funcs, key = port.rss_hash_conf()
        assert len(key) == (port.info().hash_key_size or 40)
        port.update_rss_hash(["ip"], key=bytes(range(len(key))))
        assert port.rss_hash_conf()[1] == bytes(range(len(key)))
        port.reset_stats()                          # other tests used this port too
        for q in range(4):                          # null PMD: RX yields size-64 packets
            b = port.rx_burst(q, 8)
            assert len(b) == 8 and b.lengths() == [64] * 8
            assert port.tx_burst(b, q) == 8
        st = port.stats()
        assert st.ipackets == 32 == st.opackets and st.q_ipackets[:4] == [8] * 4
    finally:
        port.stop()


def test_xstats_by_name_and_id(ring_pair, pool):
    p0, _ = ring_pair
    p0.reset_xstats()
    p0.tx_burst(pool.burst([make_frame(1)] * 5))
    drain(p0)
    xs = p0.xstats()
    assert xs["tx_good_packets"] == 5 and xs["rx_good_packets"] == 5
    ids = [p0.xstat_id("tx_good_packets"), p0.xstat_id("rx_good_packets")]
    assert p0.xstats_by_id(ids) == [5, 5]
    p0.reset_xstats()
    assert p0.xstats()["tx_good_packets"] == 0


def test_stop_start_reconfigure(eal, pool):
    port = pydpdk.Port("net_null1")
    port.setup(pool, 2, 2)
    assert port.started and port.nb_rx_queues == 2
    port.stop()
    port.setup(pool, 1, 1, mtu=1500)
    assert port.mtu == 1500 and port.started
    port.stop()


def test_mtu_and_offload_names(eal):
    rx, tx = pydpdk.ethdev.RX_OFFLOADS, pydpdk.ethdev.TX_OFFLOADS
    assert "vlan_strip" in rx and "scatter" in rx and "ipv4_cksum" in tx and "multi_segs" in tx


def test_wait_link_up_times_out_on_a_downed_link(ring_pair):
    p0, _ = ring_pair
    p0.set_link_down()
    try:
        assert not p0.link().up
        with pytest.raises(TimeoutError, match="link still down after 0.3 s"):
            p0.wait_link_up(0.3)
    finally:
        p0.set_link_up()
    assert p0.wait_link_up(1).up


def test_mac_table(eal, pool):
    """net_ring has a one-entry MAC table whose default is 00:..:00, which ethdev takes for a free
    slot: the first address added becomes the default; a second does not fit."""
    (port,) = pydpdk.vdev.attach("net_ring6")
    try:
        assert port.info().max_mac_addrs == 1
        port.add_mac("02:00:00:00:aa:01")
        assert port.mac_addresses() == ["02:00:00:00:AA:01"] and port.mac == "02:00:00:00:AA:01"
        with pytest.raises(pydpdk.InvalidArgumentError, match="holds 1 address"):
            port.add_mac("02:00:00:00:aa:02")
        with pytest.raises(pydpdk.PortError) as info:
            port.remove_mac("02:00:00:00:aa:01")      # the default address cannot be removed
        assert info.value.errno == 98
        with pytest.raises(pydpdk.InvalidArgumentError, match="mac='zz'"):
            port.add_mac("zz")
    finally:
        pydpdk.vdev.detach("net_ring6")


def test_vlan_filter_unsupported_is_a_port_error(ring_pair):
    p0, _ = ring_pair
    with pytest.raises(pydpdk.PortError) as info:
        p0.vlan_filter(100)
    assert info.value.errno in (95, 38) and "vlan_filter" in str(info.value)
