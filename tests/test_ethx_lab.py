"""NIC lab (marker niclab): rte_flow rules on net_tap steer and drop real packets inside the guest
(whose Debian kernel has TC flower), and igb's rte_flow filters on QEMU's 82576 model are recorded:
which validate, which create, which take effect (pydpdk/testing/guest/ethx_check.py)."""
from __future__ import annotations

import os

import pytest

from pydpdk.testing import niclab

pytestmark = pytest.mark.niclab
PAYLOAD = os.path.join(niclab.GUEST_DIR, "ethx_check.py")
SAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples", "flow_drop_udp_tap.py")


@pytest.fixture(scope="module")
def lab() -> dict:
    why = niclab.unavailable(["igb", "e1000", "virtio-modern"])
    if why:
        pytest.skip(f"NIC lab unavailable: {why}")
    res = niclab.run(["igb", "e1000", "virtio-modern"], [niclab.Step(PAYLOAD), niclab.Step(SAMPLE)],
                     pmds=["mempool_ring", "net_e1000", "net_virtio", "net_tap"], timeout=900, name="ethx")
    print(res.output[-6000:])
    assert res.steps[0].result is not None, res.describe()
    return {**res.steps[0].result["checks"], "sample": {"rc": res.steps[1].rc, "result": res.steps[1].result,
                                                        "output": res.steps[1].output[-2000:]}}


def test_tap_rules_steer_and_drop(lab):
    for name in ("tap_baseline", "tap_steer_and_drop", "tap_swap_and_undrop", "tap_errors", "tap_flush_and_close"):
        assert lab[name]["ok"], (name, lab[name])
    steer = lab["tap_steer_and_drop"]["detail"]["per_port_queue"]
    assert steer == {"53": {"1": 20}, "5000": {"0": 20}}          # 5353 dropped by its rule
    assert lab["tap_swap_and_undrop"]["detail"]["5353"] == {"1": 20}


def test_igb_filters_recorded(lab):
    igb = {k[4:]: v for k, v in lab.items() if k.startswith("igb ")}
    assert igb, "the igb part ran"
    assert all(v["ok"] for v in igb.values()), igb
    rss = igb["rss udp over q0,q1"]["detail"]
    assert rss["validate"] == "ok" and rss["create"] == "ok"
    assert sum(rss["with_rule"].values()) == 32                     # the RSS rule's queues get every packet
    # drop is not an igb action (the e1000 PMD refuses it at validation)
    assert igb["drop udp"]["detail"]["validate"].startswith("action:")


def test_flow_sample_drops_in_the_guest(lab):
    """samples/flow_drop_udp_tap.py, which only validates on the host, drops for real in the guest."""
    sample = lab["sample"]
    assert sample["rc"] == 0, sample["output"]
    assert sample["result"] == {"validated": True, "created": True, "received": {"5353": 0, "5000": 10},
                                "ok": True}, sample


def test_igb_extras_recorded(lab):
    """Device facts, timesync and RX interrupts on net_e1000_igb: each answered or NotSupported."""
    for name in ("igb facts", "igb controls", "igb timesync", "igb rx interrupts"):
        assert name in lab and lab[name]["ok"], (name, lab.get(name))
    facts = next(iter(lab["igb facts"]["detail"].values()))
    assert not facts["fw_version"].startswith("not supported") and facts["eeprom_len"] == "512"
    assert facts["fec"] == "not supported by net_e1000_igb"          # typed NotSupported, PMD named
    controls = lab["igb controls"]["detail"]
    assert controls["led_on"] == "None" and "mode='none'" in controls["flow_control_none"]
    ts = lab["igb timesync"]["detail"]
    if "enable" not in ts:                                   # QEMU's igb implements the PTP clock
        assert 0.1e9 < ts["clock_advances_ns_in_0.2s"] < 2e9
        assert 1e12 <= ts["after_write_ns"] < ts["after_adjust_ns"]
        assert ts["ptp_frames_received"] == 4 and ts["rx_timestamp_ns"] is not None
    irq = lab["igb rx interrupts"]["detail"]
    assert irq == {"idle_wait": False, "idle_cpu_s": irq["idle_cpu_s"], "woken_burst": 1}, irq
    assert irq["idle_cpu_s"] < 0.1                            # uio_pci_generic + igb: no CPU while idle


def test_e1000_and_virtio_facts_and_interrupts_recorded(lab):
    """The other lab PMDs: facts answer or are NotSupported naming the PMD; RX interrupts are
    recorded (working, or NotSupported / refused at start with uio_pci_generic)."""
    for model, pmd in (("e1000", "net_e1000_em"), ("virtio-modern", "net_virtio")):
        assert lab[model]["ok"], lab[model]
        assert lab[f"{model} facts"]["ok"], lab[f"{model} facts"]
        for value in next(iter(lab[f"{model} facts"]["detail"].values())).values():
            assert not value.startswith("not supported") or value == f"not supported by {pmd}", value
        assert lab[f"{model} rx interrupts"]["ok"], lab[f"{model} rx interrupts"]
    assert lab["e1000 rx interrupts"]["detail"]["woken_burst"] == 1          # e1000 + uio: interrupts work
    assert lab["e1000 rx interrupts"]["detail"]["idle_cpu_s"] < 0.1
    virtio = lab["virtio-modern rx interrupts"]["detail"]                      # virtio + uio: refused, typed
    assert virtio["driver"] == "net_virtio" and "rx_interrupts" in virtio["configure_with_rx_interrupts"]
