"""Device facts and controls on the vdevs: every call returns data or NotSupportedError naming
the PMD (the lab's igb/e1000 answer the hardware ones: tests/test_ethx_lab.py)."""
from __future__ import annotations

import os

import pytest

import pydpdk
from pydpdk import vdev
from pydpdk.ethdev import facts
from pydpdk.errors import InvalidArgumentError, NotSupportedError

CALLS = {
    "fw_version": lambda p: facts.fw_version(p), "registers": lambda p: facts.registers(p),
    "eeprom": lambda p: facts.eeprom(p), "module_info": lambda p: facts.module_info(p),
    "module_eeprom": lambda p: facts.module_eeprom(p), "led_on": lambda p: facts.led(p, True),
    "led_off": lambda p: facts.led(p, False), "flow_control": lambda p: facts.flow_control(p),
    "set_flow_control": lambda p: facts.set_flow_control(p, "none"),
    "rate_limit": lambda p: facts.set_queue_rate_limit(p, 0, 100),
    "supported_ptypes": lambda p: facts.supported_ptypes(p), "fec_capability": lambda p: facts.fec_capability(p),
    "fec": lambda p: facts.fec(p), "set_fec": lambda p: facts.set_fec(p, ["auto"]),
    "read_clock": lambda p: facts.read_clock(p), "timesync_enable": lambda p: facts.timesync_enable(p),
    "timesync_read_time": lambda p: facts.timesync_read_time(p),
    "timesync_adjust": lambda p: facts.timesync_adjust(p, 1000),
    "timesync_read_rx": lambda p: facts.timesync_read_rx(p),
}


@pytest.fixture(scope="module")
def tap(eal, pool):
    n = os.getpid() % 100000
    [p] = vdev.attach(vdev.Tap(f"net_tap_facts{n}", iface=f"ethxf{n}"))
    p.setup(pool)
    yield p
    vdev.detach(p)


@pytest.mark.parametrize("call", sorted(CALLS))
def test_every_call_answers_or_names_the_pmd(eal, tap, call):
    for port in (pydpdk.Port("net_null0"), pydpdk.Port("net_ring0"), tap):
        try:
            CALLS[call](port)
        except NotSupportedError as exc:
            assert exc.driver == port.driver and f"not supported by the {port.driver} driver" in str(exc)


def test_what_the_vdevs_do_implement(eal, tap):
    fc = facts.flow_control(tap)                  # net_tap reports "no pause"
    assert fc.mode == "none" and facts.set_flow_control(tap, "none") == fc
    with pytest.raises(NotSupportedError):
        facts.set_flow_control(tap, "full")        # ...and refuses any other
    names = facts.supported_ptypes(tap)
    assert {"L2_ETHER", "L3_IPV4", "L4_UDP", "L4_TCP"} <= set(names)
    assert facts.supported_ptypes(pydpdk.Port("net_null0")) == []
    for fn in (facts.fw_version, facts.registers, facts.read_clock, facts.timesync_enable):
        with pytest.raises(NotSupportedError, match="net_tap"):
            fn(tap)
    s = facts.summary(tap)
    assert s["fw_version"] == "not supported by net_tap" and s["flow_control"] == fc


def test_software_ptypes(eal, pool):
    udp = (b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + b"\x45\x00\x00\x1c\x00\x01\x00\x00\x40\x11\x00\x00"
           + bytes([10, 0, 0, 1, 10, 0, 0, 2]) + b"\x04\xd2\x00\x35\x00\x08\x00\x00")
    arp = b"\xff" * 6 + b"\x04" * 6 + b"\x08\x06" + bytes(28)
    b = pool.burst([udp, arp])
    names = [facts.ptype_names(t) for t in facts.software_ptypes(b)]
    b.free()
    assert names[0].split() == ["L2_ETHER", "L3_IPV4", "L4_UDP"] and names[1] == "L2_ETHER"     # rte_net_get_ptype does not tell ARP


def test_bad_arguments(eal, tap):
    with pytest.raises(InvalidArgumentError, match="mode"):
        facts.set_flow_control(tap, "sometimes")
    with pytest.raises(InvalidArgumentError, match="FEC modes"):
        facts.set_fec(tap, ["fast"])
    with pytest.raises(InvalidArgumentError, match="port"):
        facts.fw_version(0)


def _pcap_file(path: str, stamps: list[tuple[int, int]]) -> None:
    import struct
    frame = b"\x02" * 6 + b"\x04" * 6 + b"\x88\xb5" + bytes(46)
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for sec, usec in stamps:
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)


def test_pcap_rx_timestamps_come_from_the_file(eal, pool, short_dir):
    stamps = [(1_700_000_000, 1), (1_700_000_000, 500_000), (1_700_000_123, 999_999)]
    path = os.path.join(short_dir, "ts.pcap")
    _pcap_file(path, stamps)
    name = f"net_pcap_ts{os.getpid() % 10000}"
    [p] = vdev.attach(vdev.Pcap(name, rx_pcap=path, tx_pcap=os.path.join(short_dir, "out.pcap")))
    try:
        p.setup(pool)                  # net_pcap stamps without the offload flag (it has none)
        got = []
        deadline = __import__("time").monotonic() + 5
        while len(got) < 3 and __import__("time").monotonic() < deadline:
            b = p.rx_burst(0, 32)
            got += facts.rx_timestamps(b)
            b.free()
        assert got == [s * 1_000_000 + u for s, u in stamps]      # 22.11 net_pcap: microseconds
    finally:
        vdev.detach(p)
    plain = pool.burst([bytes(60)])
    assert facts.rx_timestamps(plain) == [None]       # an mbuf no PMD stamped
    plain.free()
