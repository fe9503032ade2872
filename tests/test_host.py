"""Host set-up against this machine's real sysfs/procfs: hugepages agree with /proc/meminfo, the
VM's own NIC is found with its routes and binding it is refused (never actually unbound), the
IOMMU check explains what it finds, and bad input names parameter, value and what is allowed.
Binding, SR-IOV and VF settings for real run inside a NIC lab guest (pydpdk/testing/guest/
host_tools_check.py)."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from pydpdk.errors import DeviceError, InvalidArgumentError
from pydpdk.host import bind, devices, hugepages, iommu, restore, sriov, unbind
from pydpdk.host.cli import main as host_main


def _ip_route_interfaces() -> set[str]:
    """Interfaces `ip route` (v4 and v6) sends traffic through, as dpdk-devbind reads them."""
    out = set()
    for fam in ("-4", "-6"):
        r = subprocess.run(["ip", fam, "-o", "route", "show", "table", "main"], capture_output=True, text=True)
        for line in r.stdout.splitlines():
            f = line.split()
            if f and (f[0].startswith("169.254.") or f[0].startswith("fe80:") or f[0].startswith("ff")):
                continue
            if "dev" in f:
                out.add(f[f.index("dev") + 1])
    out.discard("lo")
    return out


@pytest.fixture(scope="module")
def routed_nic() -> devices.PciDevice:
    """The PCI NIC carrying this machine's routes (the VM's virtio NIC here)."""
    for d in devices.list_devices():
        if d.active:
            return d
    pytest.skip("no PCI NIC carries routes on this machine (nothing to refuse)")


# -- devices --------------------------------------------------------------------------------------
def test_devices_find_the_nic_with_its_routes(routed_nic):
    want = _ip_route_interfaces()
    assert want, "ip route shows no routes"
    assert set(routed_nic.active_interfaces) <= want
    assert set(routed_nic.active_interfaces) & devices.routed_interfaces() == set(routed_nic.active_interfaces)
    sysdir = f"/sys/bus/pci/devices/{routed_nic.address}"
    assert routed_nic.vendor == int(open(f"{sysdir}/vendor").read(), 16)
    assert routed_nic.device == int(open(f"{sysdir}/device").read(), 16)
    assert routed_nic.driver == os.path.basename(os.readlink(f"{sysdir}/driver"))
    assert routed_nic.is_network and routed_nic.class_code >> 16 == 0x02
    for ifname in routed_nic.interfaces:   # the interface really sits on that PCI function
        assert routed_nic.address in os.path.realpath(f"/sys/class/net/{ifname}/device")
    if routed_nic.vendor == 0x1AF4:        # this VM: a virtio NIC whose netdev hangs under virtioN
        assert routed_nic.driver == "virtio-pci"
    default = [r for r in devices.routes() if r.destination == "default" and r.family == 4]
    if default:
        assert default[0].interface in routed_nic.interfaces or default[0].interface not in \
            {i for d in devices.list_devices() for i in d.interfaces}


def test_get_device_normalizes_and_matches_list(routed_nic):
    short = routed_nic.address[5:]
    assert devices.get_device(short) == routed_nic
    assert devices.get_device(routed_nic.address.upper()) == routed_nic


# -- binding: refused on the routed NIC, never performed here ---------------------------------------
@pytest.mark.parametrize("driver", ["vfio-pci", "uio_pci_generic", "igb_uio", "pci-stub"])
def test_bind_refuses_the_routed_nic(routed_nic, driver):
    with pytest.raises(DeviceError) as e:
        bind(routed_nic.address, driver)
    assert e.value.errno == 16 and "active routes" in str(e.value) and "force=True" in str(e.value)
    assert routed_nic.active_interfaces[0] in str(e.value)
    after = devices.get_device(routed_nic.address)
    assert after.driver == routed_nic.driver and after.interfaces == routed_nic.interfaces


def test_unbind_and_restore_refuse_the_routed_nic(routed_nic):
    for fn in (unbind, restore):
        with pytest.raises(DeviceError) as e:
            fn(routed_nic.address)
        assert e.value.errno == 16
    assert devices.get_device(routed_nic.address).driver == routed_nic.driver


def test_bind_bad_input(routed_nic):
    with pytest.raises(InvalidArgumentError) as e:
        bind("0000:ff:1f.7", "uio_pci_generic")
    assert e.value.param == "address" and e.value.value == "0000:ff:1f.7"
    assert routed_nic.address in e.value.allowed                # names the NICs present
    with pytest.raises(InvalidArgumentError) as e:
        bind("eth0", "uio_pci_generic")
    assert e.value.param == "address" and "PCI address such as" in e.value.allowed
    with pytest.raises(InvalidArgumentError) as e:
        bind(routed_nic.address, "uio_pci_generik")
    assert e.value.param == "driver" and e.value.value == "uio_pci_generik"
    assert "vfio-pci" in e.value.allowed and "uio_pci_generic" in e.value.allowed
    assert routed_nic.driver in e.value.allowed                 # loaded kernel drivers are allowed too


# -- SR-IOV: bad input on a device without the capability ------------------------------------------
def test_sriov_on_a_non_sriov_device(routed_nic):
    if routed_nic.sriov_totalvfs is not None:
        pytest.skip(f"{routed_nic.address} is SR-IOV capable here")
    for fn, args in ((sriov.total_vfs, ()), (sriov.num_vfs, ()), (sriov.set_num_vfs, (1,)),
                     (sriov.list_vfs, ()), (sriov.set_vf_mac, (0, "52:54:00:00:0f:00")),
                     (sriov.set_vf_spoofchk, (0, False))):
        with pytest.raises(InvalidArgumentError) as e:
            fn(routed_nic.address, *args)
        assert e.value.param == "address" and e.value.value == routed_nic.address
        assert "SR-IOV capable PF" in e.value.allowed
        assert "no SR-IOV capability" in e.value.allowed or "here:" in e.value.allowed
    assert not os.path.exists(f"/sys/bus/pci/devices/{routed_nic.address}/sriov_numvfs")


# -- hugepages against /proc/meminfo ---------------------------------------------------------------
def _stable(fn):
    """Read meminfo, fn(), meminfo again until nothing moved in between (other EALs allocate)."""
    for _ in range(50):
        a = hugepages.meminfo()
        v = fn()
        if hugepages.meminfo() == a:
            return a, v
    pytest.fail("hugepage counters kept moving")


def test_hugepage_status_agrees_with_meminfo():
    dflt = hugepages.default_size_kb()
    mi, pools = _stable(hugepages.status)
    sysw = {p.size_kb: p for p in pools if p.node is None}
    assert dflt in sysw and set(sysw) == set(hugepages.sizes())
    p = sysw[dflt]
    assert (p.total, p.free, p.reserved, p.surplus) == (mi["HugePages_Total"], mi["HugePages_Free"],
                                                        mi["HugePages_Rsvd"], mi["HugePages_Surp"])
    assert mi["Hugetlb"] == sum(s.total * s.size_kb for s in sysw.values())
    for kb in sysw:                         # per-node pools add up to the system-wide one
        per_node = [q for q in pools if q.size_kb == kb and q.node is not None]
        assert per_node and sum(q.total for q in per_node) == sysw[kb].total
        assert {q.node for q in per_node} == set(hugepages.nodes())


@pytest.mark.host_changes        # writes nr_hugepages (and puts the count back)
def test_hugepage_reserve_writes_sysfs_and_meminfo_follows():
    kb = hugepages.default_size_kb()
    node = hugepages.nodes()[0]
    start = hugepages.pool(kb).total
    try:
        got = hugepages.reserve(start + 2, kb)
        assert got.total == start + 2 == hugepages.meminfo()["HugePages_Total"]
        node_start = hugepages.pool(kb, node).total
        got = hugepages.reserve(node_start - 1, f"{kb}kB", node=node)
        assert got.node == node and got.total == node_start - 1
        assert hugepages.meminfo()["HugePages_Total"] == start + 1
    finally:
        hugepages.reserve(start, kb, strict=False)
    assert hugepages.meminfo()["HugePages_Total"] == start
    big = max(hugepages.sizes())
    before = hugepages.pool(big).total
    assert hugepages.reserve(before, big).total == before   # a real write of the same count


def test_hugepage_bad_input():
    for kw, param in ((dict(count=1, size="4M"), "size"), (dict(count=1, size=3), "size"),
                      (dict(count=1, node=7), "node"), (dict(count=-1), "count"),
                      (dict(count="10"), "count")):
        with pytest.raises(InvalidArgumentError) as e:
            hugepages.reserve(**kw)
        assert e.value.param == param
    with pytest.raises(InvalidArgumentError) as e:
        hugepages.reserve(1, "4M")
    assert "2M" in e.value.allowed and e.value.value == "4M"


@pytest.mark.host_changes        # mounts (and unmounts) a hugetlbfs
def test_hugepage_mounts_and_mount(tmp_path):
    proc = [l.split() for l in open("/proc/mounts") if l.split()[2] == "hugetlbfs"]
    assert {m.path for m in hugepages.mounts()} == {f[1] for f in proc}
    target = tmp_path / "huge2M"
    m = hugepages.mount(str(target), "2M")
    try:
        assert m.size_kb == 2048
        assert any(x.path == str(target) and x.size_kb == 2048 for x in hugepages.mounts())
        assert hugepages.mount(str(target), "2M") == m                 # idempotent
        if 1048576 in hugepages.sizes():
            with pytest.raises(InvalidArgumentError) as e:
                hugepages.mount(str(target), "1G")
            assert e.value.param == "path"
    finally:
        subprocess.run(["umount", str(target)], check=True)
    assert not any(x.path == str(target) for x in hugepages.mounts())


# -- IOMMU ------------------------------------------------------------------------------------------
def test_iommu_check_explains_what_it_finds():
    r = iommu.check()
    groups = len(os.listdir("/sys/kernel/iommu_groups")) if os.path.isdir("/sys/kernel/iommu_groups") else 0
    assert r.groups == groups and r.iommu_enabled == (groups > 0)
    assert r.dev_vfio == os.path.isdir("/dev/vfio")
    assert r.vfio_pci_loaded == os.path.isdir("/sys/bus/pci/drivers/vfio-pci")
    text = str(r)
    if not groups:
        assert "no IOMMU groups" in text and "intel_iommu=on" in text and "intel-iommu" in text
        assert not r.vfio_usable or r.noiommu_mode
    cmd = open("/proc/cmdline").read().split()
    if "nomodule" in cmd:
        assert not r.modules_loadable and "cannot load modules" in text
        assert r.usable_drivers == [d for d in r.usable_drivers if d == "uio_pci_generic"] or r.uio_loaded
    assert json.loads(json.dumps(r.as_dict()))["iommu_groups"] == groups


# -- CLI --------------------------------------------------------------------------------------------
def test_cli(routed_nic, capsys):
    assert host_main(["devices", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    me = [d for d in listed if d["address"] == routed_nic.address][0]
    assert me["active"] and me["driver"] == routed_nic.driver and me["interfaces"] == list(routed_nic.interfaces)
    assert host_main(["bind", "vfio-pci", routed_nic.address]) == 1
    assert "active routes" in capsys.readouterr().err
    assert host_main(["hugepages", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["meminfo"]["Hugepagesize"] == hugepages.default_size_kb()
    assert host_main(["sriov", routed_nic.address]) == (1 if routed_nic.sriov_totalvfs is None else 0)
    assert host_main(["iommu"]) == 0 and "IOMMU groups" in capsys.readouterr().out
    assert host_main(["hugepages", "--reserve", "1", "--size", "4M"]) == 1
    assert "size='4M'" in capsys.readouterr().err
    r = subprocess.run(["python3", "-m", "pydpdk", "host", "devices"], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    assert r.returncode == 0 and routed_nic.address in r.stdout and "*Active*" in r.stdout


# -- for real, in a NIC lab guest -------------------------------------------------------------------
@pytest.mark.niclab
def test_host_tools_and_driver_checks_in_a_nic_lab_guest():
    """One guest (e1000 pair, igb pair, vmxnet3 pair, virtio pair; about 60-80 s under TCG), two
    payloads: host_tools_check.py (bind/unbind/restore, SR-IOV numvfs, VF listing, VF MAC +
    spoofchk — the only place they can really run) and driver_checks.py (pydpdk.drivers' claims
    against the real em, vmxnet3 and virtio PMDs)."""
    niclab = pytest.importorskip("pydpdk.testing.niclab", reason="the NIC lab harness (pydpdk.testing.niclab) "
                                 "is not in this checkout")
    nics = ["e1000", "igb", "vmxnet3", "virtio-modern"]
    why = niclab.unavailable(nics)
    if why:
        pytest.skip(f"NIC lab unavailable: {why}")
    steps = [niclab.Step(os.path.join(niclab.GUEST_DIR, "host_tools_check.py")),
             niclab.Step(os.path.join(niclab.GUEST_DIR, "driver_checks.py"))]
    res = niclab.run(nics, steps, name="host-drivers", timeout=500, smp=1)   # one vCPU boots faster
    host, drv = (s.result for s in res.steps)
    assert host and host["ok"], res.describe() + json.dumps(host, indent=1)[:4000]
    assert set(host["checks"]) >= {"refuse_routed_then_force", "bind_uio_pci_generic_and_back", "sriov_numvfs_1",
                                   "vf_listing", "vf_mac_and_spoofchk", "sriov_numvfs_0"}
    assert host["checks"]["vf_listing"]["detail"]["ids"] == "8086:10ca"
    assert drv and drv["ok"], res.describe() + json.dumps(drv, indent=1)[:4000]
    assert set(drv["checks"]) >= {"vmxnet3_ring_limits_match_the_pmd", "virtio_vq_size_warning",
                                  "em_frame_larger_than_mbuf", "em_rx_checksum_flags", "igb_vf_queue_limit"}
    res.check()
