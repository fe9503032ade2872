"""One source on every maintained DPDK LTS (22.11, 24.11, 25.11): what differs is read from
pydpdk.dpdk_features, and the public API behaves the same whichever DPDK this runs on."""
from __future__ import annotations

import errno
import os
import re

import pytest

import pydpdk
from pydpdk import vdev
from pydpdk._native import PMD_DIR, RUNTIME_DPDK, lib
from pydpdk.dpdk_features import FEATURES, HOTPLUG_DEVARGS_MAX, release_of
from pydpdk.pcap import write_pcap
from conftest import make_frame, run_python


def test_feature_table_describes_the_running_dpdk():
    assert f"DPDK {FEATURES.version}" == pydpdk._native.cstr(lib.rte_version())
    assert FEATURES.release == release_of(RUNTIME_DPDK) >= (22, 11)
    assert FEATURES.built_against.split(".")[:2] == RUNTIME_DPDK.split(".")[:2]
    # the plugin directory is the build's, named after DPDK's ABI version (23.0, 25.0, 26.0...)
    assert os.path.isdir(PMD_DIR) and FEATURES.pmd_dir == PMD_DIR
    assert re.fullmatch(r"\d+\.\d+", FEATURES.abi) and PMD_DIR.endswith(f"/pmds-{FEATURES.abi}")
    assert os.path.exists(os.path.join(PMD_DIR, "librte_net_ring.so"))
    # 25.11 removed q_ipackets... from struct rte_eth_stats: per-queue counters come from xstats
    assert FEATURES.queue_stats == ("xstats" if FEATURES.release >= (25, 11) else "rte_eth_stats")
    assert FEATURES.queue_stat_cntrs == 16
    assert FEATURES.has("telemetry_dict_uint") == (FEATURES.release >= (23, 3))
    with pytest.raises(AttributeError):
        FEATURES.has("abi")
    assert set(FEATURES.as_dict()) >= {"version", "queue_stats", "hotplug_devargs_max"}


def test_per_queue_stats_are_the_same_from_either_source(eal, pool):
    """PortStats.q_* on every release, and equal to DPDK's own per-queue xstats (which 22.11 and
    24.11 also have, for drivers that let ethdev fill them, such as the ring PMD)."""
    [p] = vdev.attach("net_ring_qs0")
    try:
        p.setup(pool, 4, 4)
        for q, n in enumerate((3, 5, 7, 11)):
            b = pool.burst([make_frame(q * 100 + i) for i in range(n)])
            assert p.tx_burst(b, queue=q) == n
        sent = p.stats()
        # a ring port's TX ring is its RX ring: the packets are received on the same queue
        got = []
        for q in range(4):
            b = p.rx_burst(q, 32)
            got.append(len(b))
            b.free()
        assert sent.q_opackets == [3, 5, 7, 11] and sent.opackets == 26
        st = p.stats()
        assert got == [3, 5, 7, 11] == st.q_ipackets and st.q_errors == [0] * 4
        x = p.xstats()
        assert [x[f"rx_q{q}_packets"] for q in range(4)] == st.q_ipackets
        assert [x[f"tx_q{q}_packets"] for q in range(4)] == st.q_opackets
        # (bytes: the ring PMD of 22.11 counts none; whatever it counts, both views agree)
        assert [x[f"tx_q{q}_bytes"] for q in range(4)] == st.q_obytes
        assert [x[f"rx_q{q}_bytes"] for q in range(4)] == st.q_ibytes
        p.reset_stats()
        assert p.stats().q_ipackets == [0] * 4
    finally:
        vdev.detach(p)


def test_over_long_hotplug_devargs_are_refused_by_name_before_dpdk(eal, tmp_path):
    """rte_dev_probe() takes at most 127 bytes of devargs (24.11.8+ and 25.11 refuse more with
    E2BIG; 22.11 cut them in the other processes): pydpdk says so, on every release."""
    src = tmp_path / ("x" * 60 + ".pcap")
    write_pcap(str(src), [make_frame(1)])
    devargs = f"net_pcap_long0,rx_pcap={src},tx_pcap={tmp_path / 'out.pcap'}"
    assert len(devargs) > HOTPLUG_DEVARGS_MAX
    with pytest.raises(pydpdk.InvalidArgumentError) as ei:
        vdev.attach(devargs)
    assert f"at most {HOTPLUG_DEVARGS_MAX} bytes" in str(ei.value) and f"this is {len(devargs)}" in str(ei.value)
    assert not vdev.device_ports("net_pcap_long0")
    # what DPDK itself does with it, release by release (22.11: takes it; later: E2BIG)
    rc = lib.rte_dev_probe(devargs.encode())
    if rc == 0:
        vdev.detach("net_pcap_long0")
    assert rc in (0, -errno.E2BIG)
    if FEATURES.release >= (25, 11):
        assert rc == -errno.E2BIG


def test_over_long_devargs_given_at_init_are_booted_with_the_eal(tmp_path):
    """EalConfig(vdevs=[...]) passes a devargs too long for hotplug to rte_eal_init as --vdev
    (no limit there), as dpdk-testpmd would: the port exists on every release."""
    src = tmp_path / ("y" * 70 + ".pcap")
    write_pcap(str(src), [make_frame(i) for i in range(3)])
    devargs = f"net_pcap_boot0,rx_pcap={src},tx_pcap={tmp_path / 'o.pcap'}"
    assert len(devargs) > HOTPLUG_DEVARGS_MAX
    proc = run_python(f"""
        import pydpdk
        eal = pydpdk.Eal.init(lcores="0", no_pci=True, no_huge=True, memory_mb=256, telemetry=False,
                              file_prefix="pydpdk-lts-boot-{os.getpid()}", vdevs=[{devargs!r}])
        [p] = pydpdk.ports()
        print("PORT", p.name, p.driver)
        """, timeout=60)
    assert "PORT net_pcap_boot0 net_pcap" in proc.stdout, proc.stdout + proc.stderr


def test_eal_arguments_pydpdk_writes_are_known_to_every_release():
    """25.11's EAL exits the process on an unknown option: pydpdk refuses one first (EINVAL, the
    process stays usable, as 22.11 and 24.11 return EINVAL), and everything EalConfig itself
    writes is in 25.11's option list (so the check can never refuse pydpdk's own argv)."""
    from pydpdk.dpdk_features import unknown_eal_option
    cfg = pydpdk.EalConfig(lcores="0-1", main_lcore=0, memory_channels=4, allow=["0000:00:01.0"],
                           no_pci=True, single_file_segments=True,
                           telemetry=False, file_prefix="x", memory_mb=64, iova_mode="va",
                           proc_type="primary", huge_dir="/dev/hugepages", log_levels=["lib.eal:debug"],
                           plugins=[PMD_DIR], extra=["--huge-unlink=never", "--base-virtaddr", "0x1000"])
    assert unknown_eal_option(cfg.argv()) is None
    assert unknown_eal_option(pydpdk.EalConfig(coremask="0x6").eal_argv()[1:]) is None
    assert unknown_eal_option(["-l", "0", "--no-such-option"]) == "--no-such-option"
    assert unknown_eal_option(["-l0", "-n4", "--log-level=lib.eal:info", "-x"]) == "-x"


def test_coremask_is_passed_as_the_release_wants_it():
    """'-c' is deprecated in 25.11 (EAL warns): pydpdk passes the same cores as '-l' there."""
    argv = pydpdk.EalConfig(coremask="0x6").eal_argv()
    if FEATURES.eal_coremask_deprecated:
        assert argv[1:3] == ["-l", "1,2"]
    else:
        assert argv[1:3] == ["-c", "0x6"]


def test_compiled_module_is_abi3_and_names_its_python():
    """One _dpdk_cffi.abi3.so serves every CPython 3 (the pyenv legs import the host's build
    under 3.9 and 3.13) wherever cffi allows the limited API; the build records its Python."""
    import sys
    import sysconfig
    import pydpdk._dpdk_cffi as mod
    limited = not hasattr(sys, "gettotalrefcount") and not sysconfig.get_config_var("Py_GIL_DISABLED")
    if limited and sys.implementation.name == "cpython":
        assert mod.__file__.endswith(".abi3.so"), mod.__file__
    assert re.fullmatch(r"3\.\d+", pydpdk._native.BUILT_WITH_PYTHON)
