"""rte_flow on the host: the builder's C structs, the testpmd parser, validation on net_tap and
typed errors (the rules' effect on packets is tested in the NIC lab guest, whose kernel has TC
flower: tests/test_ethx_lab.py)."""
from __future__ import annotations

import errno
import ipaddress
import os

import pytest

import pydpdk
from pydpdk import flow, vdev
from pydpdk._native import ffi
from pydpdk.errors import InvalidArgumentError, NotSupportedError


def _bytes(built, i: int, which: str, path: str, width: int) -> bytes:
    c = built.pattern[i]
    ptr = getattr(c, which)
    if ptr == ffi.NULL:
        return b""
    ctype = flow.ITEMS[built_names[id(built)][i]].ctype
    obj = ffi.cast(ctype + " *", ptr)
    return bytes(ffi.buffer(ffi.addressof(obj[0], *path.split(".")), width))


built_names: dict[int, list[str]] = {}


def build(pattern, actions=(flow.drop(),)):
    b = flow._Built(pattern, list(actions))
    built_names[id(b)] = [it.name for it in pattern]
    return b


@pytest.fixture(scope="module")
def tap(eal, pool):
    n = os.getpid() % 100000
    [p] = vdev.attach(vdev.Tap(f"net_tap_fl{n}", iface=f"ethxfl{n}"))
    p.setup(pool, 2, 2)
    yield p
    vdev.detach(p.device_name) if not p.closed else None


def test_ipv4_udp_fields_are_network_order_with_testpmd_masks():
    b = build([flow.eth(), flow.ipv4(dst="198.18.0.1"), flow.udp(dst=53, src=flow.Masked(0x1000, 0xF000))])
    assert b.pattern[0].spec == ffi.NULL and b.pattern[0].mask == ffi.NULL     # bare eth: any
    assert _bytes(b, 1, "spec", "hdr.dst_addr", 4) == ipaddress.ip_address("198.18.0.1").packed
    assert _bytes(b, 1, "mask", "hdr.dst_addr", 4) == b"\xff" * 4
    assert _bytes(b, 1, "mask", "hdr.src_addr", 4) == b"\0" * 4               # not given: not matched
    assert _bytes(b, 2, "spec", "hdr.dst_port", 2) == b"\x00\x35"
    assert _bytes(b, 2, "mask", "hdr.src_port", 2) == b"\xf0\x00"
    assert b.pattern[3].type == ffi.integer_const("RTE_FLOW_ITEM_TYPE_END")
    assert b.actions[0].type == ffi.integer_const("RTE_FLOW_ACTION_TYPE_DROP")


def test_prefix_range_and_subfields():
    b = build([flow.eth(dst="02:00:00:00:00:01"), flow.vlan(vid=100, pcp=5),
               flow.ipv6(src=flow.Prefix("2001:db8::", 32), tc=3),
               flow.tcp(dst=flow.Range(80, 90))])
    assert _bytes(b, 0, "spec", "dst", 6) == bytes.fromhex("020000000001")
    assert _bytes(b, 1, "spec", "tci", 2) == ((5 << 13) | 100).to_bytes(2, "big")
    assert _bytes(b, 1, "mask", "tci", 2) == (0xE000 | 0x0FFF).to_bytes(2, "big")
    assert _bytes(b, 2, "mask", "hdr.src_addr", 16) == b"\xff" * 4 + b"\0" * 12
    assert _bytes(b, 2, "mask", "hdr.vtc_flow", 4) == (0xFF << 20).to_bytes(4, "big")
    assert _bytes(b, 3, "spec", "hdr.dst_port", 2) == (80).to_bytes(2, "big")
    assert _bytes(b, 3, "last", "hdr.dst_port", 2) == (90).to_bytes(2, "big")


def test_bad_builder_input_names_the_parameter():
    with pytest.raises(InvalidArgumentError, match="ipv4.dst.*IPv4 address"):
        build([flow.ipv4(dst="300.1.1.1")])
    with pytest.raises(InvalidArgumentError, match="udp.dst.*0 to 65535"):
        build([flow.udp(dst=70000)])
    with pytest.raises(InvalidArgumentError, match="index"):
        flow.queue(-1)
    with pytest.raises(InvalidArgumentError, match="types"):
        flow.rss([0, 1], ["nonsense"])
    with pytest.raises(InvalidArgumentError, match="field of udp"):
        flow.Item("udp", spec={"vni": 1})


TESTPMD = [
    "flow create 0 ingress pattern eth / ipv4 dst is 198.18.0.1 / end actions queue index 1 / end",
    "flow validate 1 group 2 priority 3 ingress pattern eth type is 0x88f7 / end actions mark id 7 / queue index 0 / end",
    "flow create 0 ingress pattern eth / ipv4 src spec 10.0.0.0 src prefix 8 / udp dst is 53 / end actions drop / end",
    "flow create 0 ingress pattern eth / ipv6 / tcp dst spec 80 dst last 90 / end actions count / end",
    "flow create 0 ingress pattern eth / ipv4 / udp / end actions rss types ipv4-udp end queues 0 1 end / end",
    "flow create 0 transfer pattern eth / vlan vid is 10 / end actions represented_port ethdev_port_id 1 / end",
    "flow create 0 ingress pattern any num is 2 / vxlan vni is 42 / end actions jump group 1 / end",
]


@pytest.mark.parametrize("text", TESTPMD)
def test_testpmd_syntax_round_trip(text):
    cmd = flow.parse(text)
    assert flow.rule_text(cmd.port, cmd.attr, cmd.pattern, cmd.actions, cmd.verb) == text
    build(cmd.pattern, cmd.actions)       # every parsed rule builds its C arrays


def test_parser_commands_and_errors(eal):
    assert flow.parse("flow destroy 0 rule 3 4").rules == [3, 4]
    assert flow.parse("flow query 1 2 count").rules == [2]
    assert flow.parse("flow isolate 0 1").isolate is True
    assert flow.parse("flush 0").verb == "flush"
    with pytest.raises(InvalidArgumentError, match="pattern item.*found 'ipv5'"):
        flow.parse("flow create 0 ingress pattern eth / ipv5 / end actions drop / end")
    with pytest.raises(InvalidArgumentError, match="field of udp"):
        flow.parse("flow create 0 pattern udp port is 1 / end actions drop / end")
    with pytest.raises(InvalidArgumentError, match="field of eth .* or '/' at word 7"):
        flow.parse("flow create 0 pattern eth ipv4 / end actions drop / end")
    with pytest.raises(InvalidArgumentError, match="queue with index"):
        flow.parse("flow create 0 pattern eth / end actions queue / end")
    with pytest.raises(InvalidArgumentError, match="at least one action"):
        flow.FlowTable(pydpdk.Port("net_null0")).validate([flow.eth()], [])


def test_validation_on_tap(tap):
    t = flow.FlowTable(tap)
    assert flow.table(tap) is t
    pat = [flow.eth(), flow.ipv4(dst="198.18.0.1"), flow.udp(dst=53)]
    t.validate(pat, [flow.drop()])
    t.validate(pat, [flow.queue(1)])
    flow.execute(f"flow validate {tap.id} ingress pattern eth / ipv4 / tcp dst is 80 / end actions queue index 0 / end")
    with pytest.raises(flow.FlowError) as exc:
        t.validate(pat, [flow.queue(7)])            # 2 queues configured
    e = exc.value
    assert (e.errno, e.kind, e.index, e.error_type) == (errno.ERANGE, "action", 0, "action")
    assert e.cause == flow.queue(7) and "queue index out of range" in e.message and "[net_tap]" in str(e)
    with pytest.raises(flow.FlowError) as exc:
        t.validate(pat, [flow.queue(0), flow.mark(3)])
    assert (exc.value.kind, exc.value.index) == ("action", 1) and not isinstance(exc.value, NotSupportedError)
    with pytest.raises(flow.FlowError) as exc:
        t.validate([flow.eth(), flow.ipv4(), flow.udp(), flow.vxlan(vni=5)], [flow.drop()])
    assert exc.value.kind == "item" and exc.value.index == 3


def test_driver_without_rte_flow_is_not_supported(eal):
    null = pydpdk.Port("net_null0")
    with pytest.raises(flow.FlowNotSupportedError) as exc:
        flow.FlowTable(null).validate([flow.eth()], [flow.drop()])
    assert isinstance(exc.value, NotSupportedError) and exc.value.errno == errno.ENOSYS
    assert exc.value.driver == "net_null" and "net_null" in str(exc.value)
    with pytest.raises(flow.FlowNotSupportedError):
        flow.execute(f"flow flush {null.id}")



def test_yaml_port_flows_are_checked_at_load_and_created_on_start(tmp_path):
    import subprocess
    import sys
    from pydpdk import config
    from conftest import ROOT, unpin
    bad = ("vdevs: [net_ring0]\nports:\n  - name: net_ring0\n    flows:\n"
           "      - pattern eth / ipv5 / end actions drop / end\n")
    with pytest.raises(config.ConfigError) as exc:
        config.loads(bad, "f.yaml")
    assert exc.value.line == 5 and "ports[0].flows[0]" in str(exc.value) and "ipv5" in str(exc.value)
    ok = config.loads("vdevs: [net_ring0]\nports:\n  - name: net_ring0\n    flows: ingress pattern eth / "
                      "ipv4 / udp dst is 53 / end actions queue index 0 / end\n", "ok.yaml", check_env=False)
    assert ok.session.port_overrides["net_ring0"]["flows"] == [
        "ingress pattern eth / ipv4 / udp dst is 53 / end actions queue index 0 / end"]
    f = tmp_path / "ring_flow.yaml"
    f.write_text("eal: {no_pci: true}\nvdevs: [net_ring0]\nports:\n  - name: net_ring0\n    flows:\n"
                 "      - pattern eth / end actions drop / end\nduration: 0.2\n")
    proc = subprocess.run([sys.executable, "-m", "pydpdk", "run", str(f)], capture_output=True, text=True,
                          cwd=ROOT, timeout=90, preexec_fn=unpin, env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.returncode != 0, proc.stderr[-2000:]
    assert "net_ring driver does not implement this rte_flow call" in proc.stderr, proc.stderr[-2000:]


def test_port_flow_is_its_flow_table(eal):
    """port.flow is the port's one FlowTable; on a PMD without rte_flow it says so naming it."""
    p = pydpdk.Port("net_null0")
    assert p.flow is flow.FlowTable(p)
    with pytest.raises(flow.FlowNotSupportedError, match="net_null"):
        p.flow.validate([flow.eth()], [flow.drop()])
