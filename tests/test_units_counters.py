"""Honest counters: which PMDs count bytes (checked against the real PMDs), the forwarding
engine's byte counts labelled as such (bytes_from), rates in one format (pydpdk.units)."""
import itertools
import time

import pytest

import pydpdk
from pydpdk import vdev
from pydpdk.drivers import catalog
from pydpdk.forward import Forwarder
from pydpdk.pcap import write_pcap
from conftest import drain
from pydpdk.units import format_bps, format_count, format_pps, format_rate, si

_n = itertools.count()


@pytest.mark.parametrize("value,unit,text", [
    (0, "packets/s", "0 packets/s"), (999, "packets/s", "999 packets/s"), (1000, "packets/s", "1 kpackets/s"),
    (14_880_952.4, "packets/s", "14.88 Mpackets/s"), (186_943_651.5, "packets/s", "186.9 Mpackets/s"),
    (7_619_047_619, "bit/s", "7.619 Gbit/s"), (1e10, "bit/s", "10 Gbit/s"), (0.25, "packets/s", "0.25 packets/s"),
    (None, "bit/s", "n/a"), (float("nan"), "bit/s", "n/a"), (1_234_567, "B", "1.235 MB")])
def test_si(value, unit, text):
    assert si(value, unit) == text


def test_rate_formats():
    assert format_pps(2.5e6) == "2.5 Mpackets/s" and format_bps(1.2e9) == "1.2 Gbit/s"
    assert format_rate(14_880_952, 7_619_047_424) == "14.88 Mpackets/s, 7.619 Gbit/s"
    assert format_rate(1e6, None) == "1 Mpackets/s"           # no bytes counted: no bit rate
    assert format_count(42) == "42 packets" and format_count(1_234_567) == "1.235 Mpackets"


def _port_bytes_after_send(port, pool, n=10, size=100):
    port.setup(pool)
    assert port.send([b"\x02" * size] * n) == n
    deadline = time.monotonic() + 2
    while port.stats().opackets < n and time.monotonic() < deadline:
        time.sleep(0.01)
    return port.stats()


def test_catalog_says_which_pmds_count_bytes(eal, pool, short_dir):
    """net_ring and net_null count packets only; net_pcap counts bytes: the catalog says so, and
    the real PMDs agree (if a DPDK release starts counting ring bytes, this fails: update it)."""
    tmp_path = short_dir   # hotplugged devargs: at most 127 bytes (DPDK 24.11.8+ refuses more)
    src = str(tmp_path / "in.pcap")
    write_pcap(src, [b"\x02" * 100] * 3)
    k = next(_n)
    made = [vdev.attach(f"net_ring_cb{k}")[0], vdev.attach(f"net_null_cb{k}")[0],
            vdev.attach(vdev.Pcap(f"net_pcap_cb{k}", rx_pcap=src, tx_pcap=str(tmp_path / "out.pcap")))[0]]
    try:
        for port in made:
            st = _port_bytes_after_send(port, pool)
            assert st.opackets == 10
            assert (st.obytes == 1000) is catalog.counts_bytes(port.driver), (port.driver, st)
            if not catalog.counts_bytes(port.driver):
                assert st.obytes == 0 and "not bytes" in " ".join(catalog.lookup(port.driver).notes)
    finally:
        drain(made[0])                           # the ring port's TX ring is its RX ring (null RX never ends)
        for port in made:
            vdev.detach(port)
    assert not catalog.counts_bytes("net_ring") and catalog.counts_bytes("net_pcap")
    assert catalog.counts_bytes("net_no_such_driver")


def test_forwarder_bytes_on_ring_ports_come_from_the_engine_and_say_so(ring_pair):
    p0, p1 = ring_pair
    p0.reset_stats(), p1.reset_stats()
    fwd = Forwarder([p0, p1], "io")                 # count_bytes=True: the engine counts bytes
    try:
        fwd.start(tx_first=True)
        deadline = time.monotonic() + 5
        while fwd.stats().rx_packets < 10_000 and time.monotonic() < deadline:
            time.sleep(0.01)
        st = fwd.stop()
    finally:
        fwd.close()
    assert st.rx_packets >= 10_000
    for p in st.ports:
        assert p.bytes_from == "engine" and p.rx_bytes >= 64 * p.rx_packets > 0
    assert p0.stats().ibytes == 0 == p0.stats().obytes              # what net_ring itself counts
    assert st.rx_bps > 0 and "bit/s" in st.rates() and "packets/s" in st.rates()
    assert st.ports[0].rates().startswith("RX ") and "bit/s" in st.ports[0].rates()


def test_forwarder_io_without_mbuf_reads_on_ring_ports_has_no_bit_rate(ring_pair):
    p0, p1 = ring_pair
    fwd = Forwarder([p0, p1], "io", count_bytes=None)   # testpmd-like io: bytes from the ports
    try:
        fwd.start(tx_first=True)
        deadline = time.monotonic() + 5
        while fwd.stats().rx_packets < 1000 and time.monotonic() < deadline:
            time.sleep(0.01)
        st = fwd.stop()
    finally:
        fwd.close()
    assert all(p.bytes_from == "port" and p.rx_bytes == 0 for p in st.ports)
    assert "bit/s" not in st.rates() and "packets/s" in st.rates()
