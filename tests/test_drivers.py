"""Driver knowledge: the guide's constraints (table-driven, each just inside and just outside its limit),
the hooks in Port.configure / queue setup on real vdevs, plugins loading in a real child EAL, and
devargs checked against what each plugin declares."""
from __future__ import annotations

import os
import warnings

import pytest

import pydpdk
from pydpdk.drivers import (DevFacts, DriverWarning, PortConf, RxqConf, TxqConf, check_burst,
                            check_port, check_rxq, check_txq, explain, lookup, pmd_info, validate_devargs)
from pydpdk.drivers import hooks
from pydpdk.drivers.catalog import PMD_DIR
from pydpdk.errors import InvalidArgumentError

fs = frozenset


def run(kind: str, driver: str, facts: dict, args: dict) -> list:
    dev = DevFacts(driver=driver, **facts)
    port = PortConf(**args.pop("port", {}))
    if kind == "port":
        return check_port(dev, PortConf(**args))
    if kind == "rxq":
        return check_rxq(dev, port, RxqConf(**args))
    if kind == "txq":
        return check_txq(dev, port, TxqConf(**args))
    return check_burst(dev, **args)


# (id, driver, facts, kind, inside, outside, code, severity)
CASES = [
    # ixgbe vector RX preconditions, guide §2.1.1
    ("rx_free_thresh>=32", "net_ixgbe", {}, "rxq", dict(nb_desc=512, free_thresh=32),
     dict(nb_desc=512, free_thresh=31), "ixgbe.rx_vec.free_thresh_min", "warning"),
    ("rx_free_thresh<nb_desc", "net_ixgbe", {}, "rxq", dict(nb_desc=64, free_thresh=32),
     dict(nb_desc=64, free_thresh=64), "ixgbe.rx_vec.free_thresh_below_desc", "warning"),
    ("nb_desc%thresh==0", "net_ixgbe", {}, "rxq", dict(nb_desc=544, free_thresh=32),
     dict(nb_desc=545, free_thresh=32), "ixgbe.rx_vec.desc_multiple", "warning"),
    ("nb_desc<4096-32", "net_ixgbe", {}, "rxq", dict(nb_desc=4032, free_thresh=32),
     dict(nb_desc=4064, free_thresh=32), "ixgbe.rx_vec.desc_max", "warning"),
    ("nb_desc pow2 (22.11)", "net_ixgbe", {}, "rxq", dict(nb_desc=512), dict(nb_desc=513),
     "ixgbe.rx_vec.desc_pow2", "warning"),
    ("frame fits mbuf (no scatter)", "net_ixgbe", {}, "rxq",
     dict(mbuf_data_size=2048, port=dict(mtu=2030)), dict(mbuf_data_size=2048, port=dict(mtu=2031)),
     "ixgbe.rx_vec.scatter", "warning"),
    ("scatter offload", "net_ixgbe", {}, "port", dict(rx_offloads=fs({"vlan_strip"})),
     dict(rx_offloads=fs({"scatter"})), "ixgbe.rx_vec.scatter", "warning"),
    ("header split", "net_ixgbe", {}, "port", dict(), dict(rx_offloads=fs({"header_split"})),
     "ixgbe.rx_vec.header_split", "warning"),
    ("IEEE1588", "net_ixgbe", {}, "port", dict(ieee1588=False), dict(ieee1588=True),
     "ixgbe.rx_vec.ieee1588", "warning"),
    ("FDIR", "net_ixgbe", {}, "port", dict(fdir=False), dict(fdir=True), "ixgbe.rx_vec.fdir", "warning"),
    ("RX checksum offload", "net_ixgbe", {}, "port", dict(rx_offloads=fs({"vlan_strip", "rss_hash"})),
     dict(rx_offloads=fs({"ipv4_cksum"})), "ixgbe.rx_vec.rx_cksum", "warning"),
    ("RX burst >= 32", "net_ixgbe", {}, "burst", dict(burst=32), dict(burst=31), "ixgbe.rx_vec.burst", "warning"),
    ("ixgbe VF shares vector RX rules", "net_ixgbe_vf", {}, "rxq", dict(free_thresh=32),
     dict(free_thresh=31), "ixgbe.rx_vec.free_thresh_min", "warning"),
    # ixgbe vector TX, guide §2.1.2
    ("tx_rs_thresh>=32", "net_ixgbe", {}, "txq", dict(nb_desc=1024, rs_thresh=32, free_thresh=64),
     dict(nb_desc=1024, rs_thresh=31, free_thresh=64), "ixgbe.tx_vec.rs_thresh", "warning"),
    ("tx_rs_thresh<=64", "net_ixgbe", {}, "txq", dict(nb_desc=1024, rs_thresh=64, free_thresh=128),
     dict(nb_desc=1040, rs_thresh=65, free_thresh=128), "ixgbe.tx_vec.rs_thresh", "warning"),
    ("simple TX: no offloads", "net_ixgbe", {}, "txq", dict(offloads=fs({"mbuf_fast_free"})),
     dict(offloads=fs({"vlan_insert"})), "ixgbe.tx_vec.offloads", "warning"),
    # where ixgbe_dev_tx_queue_setup fails
    ("tx_rs_thresh<nb_desc-2", "net_ixgbe", {}, "txq", dict(nb_desc=64, rs_thresh=61, free_thresh=61),
     dict(nb_desc=64, rs_thresh=62, free_thresh=62), "ixgbe.tx.rs_below_desc", "error"),
    ("tx_free_thresh<nb_desc-3", "net_ixgbe", {}, "txq", dict(nb_desc=64, rs_thresh=4, free_thresh=60),
     dict(nb_desc=64, rs_thresh=4, free_thresh=61), "ixgbe.tx.free_below_desc", "error"),
    ("tx_rs_thresh<=tx_free_thresh", "net_ixgbe", {}, "txq", dict(rs_thresh=32, free_thresh=32),
     dict(rs_thresh=32, free_thresh=31), "ixgbe.tx.rs_le_free", "error"),
    ("nb_desc%tx_rs_thresh==0", "net_ixgbe", {}, "txq", dict(nb_desc=512, rs_thresh=32),
     dict(nb_desc=520, rs_thresh=32), "ixgbe.tx.desc_multiple", "error"),
    ("rs+free<=nb_desc", "net_ixgbe", {}, "txq", dict(nb_desc=64, rs_thresh=32, free_thresh=32),
     dict(nb_desc=64, rs_thresh=32, free_thresh=33), "ixgbe.tx.sum_le_desc", "error"),
    # mlx4, guide §4
    ("mlx4 RSS pow2 queues (4/3)", "net_mlx4", {}, "port", dict(rss=True, nb_rxq=4), dict(rss=True, nb_rxq=3),
     "mlx4.rss.pow2", "warning"),
    ("mlx4 RSS pow2 queues (8/7)", "net_mlx4", {}, "port", dict(rss=True, nb_rxq=8), dict(rss=True, nb_rxq=7),
     "mlx4.rss.pow2", "warning"),
    ("mlx4 no RSS: any count", "net_mlx4", {}, "port", dict(rss=False, nb_rxq=3), dict(rss=True, nb_rxq=3),
     "mlx4.rss.pow2", "warning"),
    ("mlx4 RSS key fixed", "net_mlx4", {}, "port", dict(rss=True), dict(rss=True, rss_key=True),
     "mlx4.rss.key", "warning"),
    ("two ports per PCI address", "net_ixgbe", {}, "port", dict(), None, "mlx4.pci.two_ports", None),
    # virtio, guide §5.2
    ("virtio vq size fixed (255)", "net_virtio", {}, "rxq", dict(nb_desc=256), dict(nb_desc=255),
     "virtio.vq_size", "warning"),
    ("virtio vq size fixed (257)", "net_virtio", {}, "txq", dict(nb_desc=256), dict(nb_desc=257),
     "virtio.vq_size", "warning"),
    ("virtio vq size from the host", "net_virtio", {"vq_size": 1024}, "rxq", dict(nb_desc=1024),
     dict(nb_desc=256), "virtio.vq_size", "warning"),
    ("virtio VLAN filter negotiation", "net_virtio", {}, "port", dict(rx_offloads=fs({"vlan_strip"})),
     dict(rx_offloads=fs({"vlan_filter"})), "virtio.vlan_filter", "warning"),
    ("virtio VLAN filter not offered", "net_virtio", {"rx_offload_capa": fs({"vlan_strip"})}, "port",
     dict(), dict(rx_offloads=fs({"vlan_filter"})), "virtio.vlan_filter", "error"),
    # vmxnet3, guide §6 (+ 22.11 ring limits)
    ("vmxnet3 RX ring >= 128", "net_vmxnet3", {}, "rxq", dict(nb_desc=128), dict(nb_desc=127),
     "vmxnet3.rx.desc_range", "error"),
    ("vmxnet3 RX ring <= 4096", "net_vmxnet3", {}, "rxq", dict(nb_desc=4096), dict(nb_desc=4097),
     "vmxnet3.rx.desc_range", "error"),
    ("vmxnet3 TX ring >= 512", "net_vmxnet3", {}, "txq", dict(nb_desc=512), dict(nb_desc=511),
     "vmxnet3.tx.desc_range", "error"),
    ("vmxnet3 TX ring <= 4096", "net_vmxnet3", {}, "txq", dict(nb_desc=4096), dict(nb_desc=4097),
     "vmxnet3.tx.desc_range", "error"),
    ("vmxnet3 no scattered RX", "net_vmxnet3", {}, "port", dict(), dict(rx_offloads=fs({"scatter"})),
     "vmxnet3.rx.scatter", "warning"),
    ("vmxnet3 frame fits one mbuf", "net_vmxnet3", {}, "rxq", dict(mbuf_data_size=2048, port=dict(mtu=2030)),
     dict(mbuf_data_size=2048, port=dict(mtu=2031)), "vmxnet3.rx.single_mbuf", "warning"),
    ("vmxnet3 no scattered TX", "net_vmxnet3", {}, "port", dict(), dict(tx_offloads=fs({"multi_segs"})),
     "vmxnet3.tx.multiseg", "warning"),
    # em (QEMU e1000), guide §1.4
    ("em one descriptor per packet", "net_e1000_em", {}, "rxq", dict(mbuf_data_size=2048, port=dict(mtu=2030)),
     dict(mbuf_data_size=2048, port=dict(mtu=2031)), "em.rx.single_desc", "warning"),
    ("em jumbo by mbuf size", "net_e1000_em", {}, "rxq", dict(mbuf_data_size=9018, port=dict(mtu=9000)),
     dict(mbuf_data_size=9017, port=dict(mtu=9000)), "em.rx.single_desc", "warning"),
    ("em no multi-descriptor RX (guide)", "net_e1000_em", {}, "port", dict(), dict(rx_offloads=fs({"scatter"})),
     "em.rx.scatter", "info"),
    ("em no RX checksum validation", "net_e1000_em", {}, "port", dict(rx_offloads=fs({"vlan_strip"})),
     dict(rx_offloads=fs({"tcp_cksum"})), "em.rx.no_cksum_validation", "warning"),
    # VF queue limits, guide §3.1.1
    ("82599 VF: 4 queues (1-32 VFs)", "net_ixgbe_vf", {"pf_num_vfs": 32}, "port", dict(nb_rxq=4, nb_txq=4),
     dict(nb_rxq=5, nb_txq=4), "vf.queues.net_ixgbe_vf", "error"),
    ("82599 VF: 2 queues (33-64 VFs)", "net_ixgbe_vf", {"pf_num_vfs": 33}, "port", dict(nb_rxq=2, nb_txq=2),
     dict(nb_rxq=2, nb_txq=3), "vf.queues.net_ixgbe_vf", "error"),
    ("82599 VF: rxq 4 with 64 VFs fails", "net_ixgbe_vf", {"pf_num_vfs": 64}, "port", dict(nb_rxq=2),
     dict(nb_rxq=4), "vf.queues.net_ixgbe_vf", "error"),
    ("82599 VF: PF's VF count unknown", "net_ixgbe_vf", {}, "port", dict(nb_rxq=4), dict(nb_rxq=5),
     "vf.queues.net_ixgbe_vf", "error"),
    ("82576 VF: 2 queue pairs", "net_e1000_igb_vf", {}, "port", dict(nb_rxq=2, nb_txq=2), dict(nb_rxq=3),
     "vf.queues.net_e1000_igb_vf", "error"),
    ("i40e VF (iavf): 16 queue pairs", "net_iavf", {"max_rx_queues": 16}, "port", dict(nb_rxq=16, nb_txq=16),
     dict(nb_rxq=16, nb_txq=17), "vf.queues.net_iavf", "error"),
    ("iavf large VF: warning only", "net_iavf", {"max_rx_queues": 256}, "port", dict(nb_rxq=16),
     dict(nb_rxq=17), "vf.queues.net_iavf", "warning"),
    ("fm10k VF: 16 queue pairs", "net_fm10k", {"is_vf": True}, "port", dict(nb_rxq=16), dict(nb_rxq=17),
     "vf.queues.net_fm10k", "error"),
    ("fm10k PF: no VF limit", "net_fm10k", {"is_vf": False}, "port", dict(nb_rxq=17), None,
     "vf.queues.net_fm10k", None),
]


@pytest.mark.parametrize("name,driver,facts,kind,inside,outside,code,severity", CASES, ids=[c[0] for c in CASES])
def test_constraint_limits(name, driver, facts, kind, inside, outside, code, severity):
    got_in = run(kind, driver, facts, dict(inside))
    assert code not in {f.code for f in got_in}, [f.text() for f in got_in]
    if outside is None:
        return
    got_out = [f for f in run(kind, driver, facts, dict(outside)) if f.code == code]
    assert got_out, f"{name}: expected {code} for {outside}"
    f = got_out[0]
    assert f.severity == severity
    assert f.reason and f.subject
    if f.fast_path is not None:
        assert f.fast_path is False
    if f.section not in ("", "-"):
        assert f.section[0].isdigit()


def test_mlx4_two_ports_per_pci_address():
    got = check_port(DevFacts("net_mlx4", pci_address="0000:83:00.0"), PortConf())
    (f,) = [f for f in got if f.code == "mlx4.pci.two_ports"]
    assert "0000:83:00.0" in f.reason and f.section == "4.1"


def test_ixgbe_explanation_says_fast_path_on_then_off():
    dev = DevFacts("net_ixgbe")
    good = explain(dev, PortConf(), [RxqConf(nb_desc=512, free_thresh=32)],
                   [TxqConf(nb_desc=512, rs_thresh=32, free_thresh=32)], burst=32)
    assert good.fast_paths() == {"ixgbe vector RX": True, "ixgbe vector TX": True}
    bad = explain(dev, PortConf(rx_offloads=fs({"ipv4_cksum"})), [RxqConf(nb_desc=512, free_thresh=32)],
                  [TxqConf(nb_desc=512, rs_thresh=16, free_thresh=32)], burst=16)
    assert bad.fast_paths() == {"ixgbe vector RX": False, "ixgbe vector TX": False}
    text = str(bad)
    assert "ixgbe vector RX OFF" in text and "§2.1.1" in text and "§2.1.2" in text
    assert "librte_net_ixgbe.so" in bad.header
    d = bad.as_dict()
    assert {f["code"] for f in d["findings"]} >= {"ixgbe.rx_vec.rx_cksum", "ixgbe.rx_vec.burst",
                                                  "ixgbe.tx_vec.rs_thresh"}


def test_catalog_maps_every_guide_driver_to_an_installed_plugin():
    guide = ["em", "igb", "igbvf", "ixgbe", "ixgbevf", "i40e", "i40evf", "fm10k", "mlx4", "virtio",
             "vmxnet3", "pcap", "ring"]
    for g in guide:
        info = lookup(g)
        assert info is not None, g
        assert info.installed, f"{info.plugin} missing from {PMD_DIR}"
        names = [r.name for r in pydpdk.drivers.pmdinfo.read_plugin(os.path.realpath(info.plugin_path))]
        assert info.name in names, (g, names)
    assert lookup("i40evf").name == "net_iavf" and lookup("i40evf").replaces == "i40evf"
    assert any("replaced i40evf" in n for n in lookup("i40evf").notes)
    with pytest.raises(InvalidArgumentError) as e:
        pydpdk.drivers.plugin_path("net_nosuch")
    assert e.value.param == "driver" and "net_ixgbe" in e.value.allowed


def test_pmd_info_matches_the_guide_devices():
    assert pmd_info("em").drives(0x8086, 0x100E)         # 82540EM, guide §1.3's lspci -d 8086:100e
    assert pmd_info("ixgbe").drives(0x8086, 0x10FB)      # 82599 SFP
    assert pmd_info("ixgbevf").drives(0x8086, 0x10ED)    # 82599 VF, guide §3.2's "8086 10ed"
    assert pmd_info("mlx4").drives(0x15B3, 0x1007)       # ConnectX-3, guide §4.5's 15b3:1007
    assert pmd_info("vmxnet3").drives(0x15AD, 0x07B0)
    assert pmd_info("virtio").drives(0x1AF4, 0x1000)
    assert "ib_uverbs" in pmd_info("mlx4").kmod          # no uio/vfio: kernel verbs (guide §4.4)
    assert not pmd_info("ixgbe").drives(0x15B3, 0x1007)


@pytest.mark.parametrize("driver,good,bad,allowed", [
    ("net_ixgbe", "fiber_sdp3_no_tx_disable=1", "fiber_sdp3_no_tx_disable=2", "one of 0, 1"),
    ("net_ixgbe_vf", "pflink_fullchk=0", "max_vfs=2", "pflink_fullchk"),
    ("net_i40e", "queue-num-per-vf=16,support-multi-driver=1", "queue-num-per-vf=3", "1, 2, 4, 8, 16"),
    ("net_iavf", "cap=dcf", "queues=4", "cap"),
    ("net_fm10k", "", "enable_ftag=1", "declares no devargs"),
    ("net_mlx4", "", "mr_ext_memseg_en=1x", None),
])
def test_devargs_validated_against_the_plugin(driver, good, bad, allowed):
    assert validate_devargs(driver, good) == [tuple(p.split("=")) for p in good.split(",") if p]
    if driver == "net_mlx4":
        # undeclared but real mlx4 keys are accepted; junk values for them are not pydpdk's to judge
        assert validate_devargs(driver, "port=1") == [("port", "1")]
        with pytest.raises(InvalidArgumentError):
            validate_devargs(driver, "bogus=1")
        return
    with pytest.raises(InvalidArgumentError) as e:
        validate_devargs(driver, bad)
    assert e.value.param == "devargs" and allowed in e.value.allowed


def test_plugins_load_and_register_in_a_child_eal():
    from pydpdk.drivers.plugins import load_plugins
    names = ["net_ixgbe", "net_i40e", "net_iavf", "net_fm10k", "net_mlx4", "net_e1000_em", "net_virtio",
             "net_vmxnet3", "net_pcap", "net_ring"]
    reports = load_plugins(names)
    for n in names:
        r = reports[n]
        assert r.opened, (n, r.error, r.eal_log[-2000:])
        assert r.registered and r.log_types, (n, r)
        assert lookup(n).name in r.drivers
    assert "pmd.net.ixgbe.driver" in reports["net_ixgbe"].log_types
    assert reports["net_mlx4"].log_types == ("pmd.net.mlx4",)
    with pytest.raises(InvalidArgumentError):
        load_plugins(["net_nosuch"])


# -- the hooks on real ports -------------------------------------------------------------------------
def test_hooks_record_configuration_and_explain(eal, pool):
    port = pydpdk.Port("net_null0")
    port.stop()
    before = port.explain()
    port.configure(1, 1)
    port.rx_queue_setup(0, 256, pool)
    port.tx_queue_setup(0, 256)
    ex = port.explain()
    assert "net_null" in ex.header and ex.errors() == [] and ex.warnings() == []
    st = hooks._states[port]
    assert st.conf.nb_rxq == 1 and st.rxq[0].nb_desc == 256 and st.txq[0].nb_desc == 256
    assert st.rxq[0].mbuf_data_size == pool.data_room - pydpdk._native.lib.RTE_PKTMBUF_HEADROOM
    assert isinstance(before, list) and str(ex).startswith("port ")
    assert "not configured yet" in str(before) or before.header


def test_hook_errors_raise_before_the_driver_sees_them(eal, pool, monkeypatch):
    """An error finding stops Port.configure with InvalidArgumentError naming param/value/allowed and the
    port stays usable (facts of a VF are swapped in; the vdev itself is real)."""
    port = pydpdk.Port("net_null1")
    port.stop()
    real = hooks.dev_facts
    monkeypatch.setattr(hooks, "dev_facts", lambda p: DevFacts("net_e1000_igb_vf", max_rx_queues=8, max_tx_queues=8))
    with pytest.raises(InvalidArgumentError) as e:
        port.configure(3, 1)
    assert e.value.param == "nb_rxq" and e.value.value == 3 and "1 to 2" in e.value.allowed
    monkeypatch.setattr(hooks, "dev_facts", real)
    port.setup(pool, 1, 1, nb_rxd=256, nb_txd=256)
    assert port.started
    port.stop()


def test_virtio_user_queue_size_warning_on_a_real_virtio_pmd(eal, pool, tmp_path):
    """net_virtio_user is the virtio PMD over vhost-user: the vq size (queue_size devarg, the host's
    role) fixes the ring; asking for another size warns, the same size does not."""
    sock = str(tmp_path / "vh.sock")
    vh = pydpdk.vdev.attach(f"net_vhost_drv0,iface={sock},queues=1")[0]
    vh.setup(pool, 1, 1, nb_rxd=256, nb_txd=256)          # starting it opens the vhost-user socket
    vu = pydpdk.vdev.attach(f"net_virtio_user_drv0,path={sock},queue_size=256,queues=1")[0]
    try:
        vu.configure(1, 1)
        with pytest.warns(DriverWarning, match="virtqueue size 256"):
            vu.rx_queue_setup(0, 512, pool)
        with warnings.catch_warnings():
            warnings.simplefilter("error", DriverWarning)
            vu.tx_queue_setup(0, 256)
        ex = vu.explain()
        assert "virtio.vq_size" in ex.codes()
    finally:
        pydpdk.vdev.detach(vu.name)
        pydpdk.vdev.detach(vh.name)
