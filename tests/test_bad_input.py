"""Bad input, table-driven: each raises a clear exception naming the parameter, the value and
what is allowed, and the process stays usable (the no_mbuf_leak fixture checks the pools)."""
import pytest

import pydpdk
from pydpdk import InvalidArgumentError as Bad


def _port():
    return pydpdk.Port("net_ring1")


CASES = [
    # (id, call, exception, words that must appear)
    ("nonexistent port", lambda pool: pydpdk.Port(31), Bad, ["port_id=31", "existing port id"]),
    ("port by unknown name", lambda pool: pydpdk.Port("nope0"), Bad, ["port='nope0'"]),
    ("port id wrong type", lambda pool: pydpdk.Port(1.5), Bad, ["port_id=1.5"]),
    ("rx queue beyond configured", lambda pool: _port().rx_burst(3), Bad, ["queue=3", "0 to 0"]),
    ("tx queue beyond configured", lambda pool: _port().tx_burst([], 1), Bad, ["queue=1"]),
    ("queue setup beyond configured", lambda pool: _port().rx_queue_setup(2, 128, pool), Bad, ["queue=2"]),
    ("zero rx queues", lambda pool: pydpdk.Port("net_null1").configure(0, 1), Bad, ["nb_rxq=0", "1 to"]),
    ("too many rx queues", lambda pool: pydpdk.Port("net_null1").configure(2000, 1), Bad, ["nb_rxq=2000"]),
    ("zero descriptors", lambda pool: _cfg("net_null1", pool, rxd=0), Bad, ["nb_desc=0"]),
    ("descriptors beyond max", lambda pool: _cfg("net_null1", pool, txd=70000), Bad, ["nb_desc=70000"]),
    ("rx free threshold >= ring", lambda pool: _cfg("net_null1", pool, rxd=64, free=64), Bad, ["free_thresh=64"]),
    ("pool too small for the rings", lambda pool: _small_pool_rings(pool), Bad, ["pool=", "at least 512"]),
    ("non power-of-two ring", lambda pool: pydpdk.Ring.create("bad", 100), Bad, ["count=100", "power of two"]),
    ("ring name in use", lambda pool: _dup_ring(), Bad, ["name='dup'"]),
    ("mempool cache too big", lambda pool: pydpdk.Mempool.create("c", 100, cache_size=512), Bad, ["cache_size=512"]),
    ("mempool zero mbufs", lambda pool: pydpdk.Mempool.create("z", 0), Bad, ["n=0"]),
    ("mempool name taken", lambda pool: pydpdk.Mempool.create("dpdk_pool"), Bad, ["name='dpdk_pool'"]),
    ("invalid EAL argument (typed)", lambda pool: pydpdk.EalConfig(lcores="0-x"), Bad, ["lcores='0-x'"]),
    ("EAL lcore not on this machine", lambda pool: pydpdk.EalConfig(lcores="0-999"), Bad, ["lcores='0-999'"]),
    ("EAL iova mode", lambda pool: pydpdk.EalConfig(iova_mode="xx"), Bad, ["iova_mode='xx'", "'pa' or 'va'"]),
    ("EAL bad PCI address", lambda pool: pydpdk.EalConfig(allow=["zz:00"]), Bad, ["allow='zz:00'"]),
    ("EAL missing plugin", lambda pool: pydpdk.EalConfig(plugins=["/no/such.so"]), Bad, ["plugins='/no/such.so'"]),
    ("unknown vdev driver", lambda pool: pydpdk.vdev.attach("net_bogus0"), pydpdk.DriverNotFoundError,
     ["net_bogus0", "librte_net_bogus.so"]),
    ("malformed devargs", lambda pool: pydpdk.vdev.attach("net_ring5,,=x"), Bad, ["devargs=", "KEY=VALUE"]),
    ("unknown devargs key", lambda pool: pydpdk.vdev.attach("net_null5,sise=64"), Bad, ["sise='64'", "size"]),
    ("bad devargs value", lambda pool: pydpdk.vdev.attach("net_null5,size=abc"), Bad, ["size='abc'", "integer"]),
    ("missing pcap file", lambda pool: pydpdk.vdev.attach("net_pcap5,rx_pcap=/no/such.pcap"), Bad,
     ["rx_pcap='/no/such.pcap'", "readable file"]),
    ("missing interface", lambda pool: pydpdk.vdev.attach("net_af_packet5,iface=nosuch0"), Bad, ["iface='nosuch0'"]),
    ("vlan id out of range", lambda pool: pydpdk.Port("net_null0").vlan_filter(5000), Bad, ["vlan_id=5000"]),
    ("mbuf from wrong type", lambda pool: pool.mbuf(3.14), Bad, ["data='float'"]),
    ("rx burst size", lambda pool: _port().rx_burst(0, 0), Bad, ["max_pkts=0"]),
    ("offload not supported", lambda pool: pydpdk.Port("net_null1").configure(1, 1, rx_offloads=["tcp_lro"]),
     Bad, ["rx_offloads=['tcp_lro']"]),
    ("unknown offload name", lambda pool: pydpdk.Port("net_null1").configure(1, 1, rx_offloads=["warp"]),
     Bad, ["rx_offloads='warp'"]),
    ("rss key length", lambda pool: pydpdk.Port("net_null1").configure(1, 1, rss=["ip"], rss_key=b"x"),
     Bad, ["rss_key='1 bytes'", "40 bytes"]),
    ("start with queues missing", lambda pool: _half_configured(), Bad, ["missing: rx 0"]),
]


def _cfg(name, pool, rxd=128, txd=128, free=None):
    p = pydpdk.Port(name)
    if p.started:
        p.stop()
    p.configure(1, 1)
    p.rx_queue_setup(0, rxd, pool, free_thresh=free)
    p.tx_queue_setup(0, txd)


def _small_pool_rings(pool):
    small = pydpdk.Mempool.create("tiny_pool", 255, cache_size=0)
    try:
        _cfg("net_null1", small, rxd=512)
    finally:
        small.close()


def _dup_ring():
    r = pydpdk.Ring.create("dup", 64)
    try:
        pydpdk.Ring.create("dup", 64)
    finally:
        r.close()


def _half_configured():
    p = pydpdk.Port("net_null1")
    if p.started:
        p.stop()
    p.configure(1, 1)
    p.start()


@pytest.mark.parametrize("name,call,exc,words", CASES, ids=[c[0] for c in CASES])
def test_bad_input(eal, pool, ring_pair, name, call, exc, words):
    with pytest.raises(exc) as info:
        call(pool)
    text = str(info.value)
    for w in words:
        assert w in text, f"{w!r} not in {text!r}"
    if isinstance(info.value, Bad):
        assert info.value.param and info.value.allowed
    # the process is still usable: a round trip works
    p0 = pydpdk.Port("net_ring0")
    assert p0.tx_burst(pool.burst([b"\x00" * 60])) == 1
    b = p0.rx_burst()
    assert len(b) == 1
    b.free()


def test_use_after_close(eal):
    pool = pydpdk.Mempool.create("closing", 255, cache_size=0)
    pool.close()
    pool.close()   # idempotent
    with pytest.raises(pydpdk.ResourceClosedError, match="closing.* is closed"):
        pool.alloc()
    r = pydpdk.Ring.create("closing_r", 64)
    with r:
        pass
    with pytest.raises(pydpdk.ResourceClosedError):
        r.count


def test_pool_with_mbufs_out_refuses_close(eal):
    pool = pydpdk.Mempool.create("busy", 255, cache_size=0)
    m = pool.alloc()
    with pytest.raises(pydpdk.ResourceBusyError, match="1 mbufs in use"):
        pool.close()
    m.free()
    pool.close()
    assert pool.closed
