"""NIC lab guest payload: pydpdk.host for real — binding, SR-IOV, VF settings — on emulated NICs.

Run as root inside a lab guest that has e1000 NICs (8086:100e) and an igb PF (8086:10c9, QEMU >= 8):

    python3 host_tools_check.py /out/result.json        # or with $NICLAB_OUT set: $NICLAB_OUT/result.json

Checks (each recorded even when an earlier one failed): device listing, kernel driver bind and
restore, refusal of a routed interface and force=True, bind to uio_pci_generic and back, SR-IOV
numvfs=1 on the igb PF, VF listing by virtfn links, VF MAC and spoof checking through the PF's
kernel driver, VF bind/unbind, bad input, hugepages against /proc/meminfo and the IOMMU report.
Writes {"ok": bool, "checks": {name: {"ok": bool, "detail": ...}}, "times": {...}}.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from pydpdk.errors import DeviceError, InvalidArgumentError
from pydpdk.host import bind, devices, hugepages, iommu, restore, sriov, unbind
from pydpdk.testing.guestcheck import expect, run_check

E1000, IGB_PF, IGB_VF = "8086:100e", "8086:10c9", "8086:10ca"
checks: dict[str, dict] = {}
times: dict[str, float] = {}


def check(name: str):
    """Decorator: run fn now and record it (pydpdk.testing.guestcheck), its seconds in times."""
    def run(fn):
        times[name] = run_check(checks, name, fn)
        return fn
    return run


def raises(exc_type, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except exc_type as e:
        return e
    raise AssertionError(f"{fn.__name__}{args} did not raise {exc_type.__name__}")


def modprobe(*mods: str) -> None:
    for m in mods:
        subprocess.run(["modprobe", m], capture_output=True, text=True)


def wait(pred, timeout: float = 20.0, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)


def by_ids(ids: str) -> list[devices.PciDevice]:
    return [d for d in devices.list_devices() if d.vendor_device == ids]


def main(argv: list[str]) -> int:
    out_path = argv[1] if len(argv) > 1 else os.path.join(os.environ.get("NICLAB_OUT", "."), "result.json")
    t0 = time.monotonic()
    e1000 = [d.address for d in by_ids(E1000)]
    pfs = [d.address for d in by_ids(IGB_PF)]

    @check("devices_listed")
    def _():
        expect(len(e1000) >= 2, f"two e1000 NICs ({E1000}), found {e1000}")
        expect(len(pfs) >= 1, f"an igb PF ({IGB_PF}), found {pfs}")
        for a in e1000 + pfs:
            d = devices.get_device(a)
            expect(d.is_network and d.class_code >> 8 == 0x0200, f"{a} class {d.class_code:06x}")
        return {"e1000": e1000, "igb": pfs}

    modprobe("e1000", "igb", "uio_pci_generic")

    @check("restore_to_kernel_driver")
    def _():
        got = {}
        for a in e1000[:2] + pfs[:1]:
            d = restore(a)
            d = wait(lambda: (x := devices.get_device(a)).interfaces and x) or devices.get_device(a)
            expect(d.driver in ("e1000", "igb"), f"{a} driver {d.driver}")
            expect(bool(d.interfaces), f"{a} got no interface under {d.driver}")
            expect(not d.active, f"{a} has routes already: {d.routes}")
            got[a] = {"driver": d.driver, "interfaces": list(d.interfaces)}
        return got

    a0, a1 = (e1000 + ["", ""])[:2]     # "": no such NIC (devices_listed says so; the checks fail)

    @check("refuse_routed_then_force")
    def _():
        d = devices.get_device(a0)
        ifname = d.interfaces[0]
        subprocess.run(["ip", "addr", "add", "10.99.0.1/24", "dev", ifname], check=True)
        subprocess.run(["ip", "link", "set", ifname, "up"], check=True)
        d = wait(lambda: (x := devices.get_device(a0)).active and x)
        expect(bool(d), f"{ifname} shows no route after ip addr add")
        e = raises(DeviceError, bind, a0, "uio_pci_generic")
        expect(e.errno == 16 and "active routes" in str(e) and ifname in str(e), str(e))
        expect(devices.get_device(a0).driver == "e1000", "driver changed despite the refusal")
        e2 = raises(DeviceError, unbind, a0)
        expect(e2.errno == 16, str(e2))
        d = bind(a0, "uio_pci_generic", force=True)
        expect(d.driver == "uio_pci_generic" and not d.interfaces, f"force bind left {d.driver} {d.interfaces}")
        d = bind(a0, "e1000")                      # back, by naming the kernel driver
        expect(d.driver == "e1000", f"back to e1000: {d.driver}")
        return {"refused": str(e)[:160], "interface": ifname}

    @check("bind_uio_pci_generic_and_back")
    def _():
        d = bind(a1, "uio_pci_generic")
        expect(d.driver == "uio_pci_generic", f"driver {d.driver}")
        expect(not d.interfaces, f"interfaces still there: {d.interfaces}")
        expect(os.path.isdir(f"/sys/bus/pci/devices/{a1}/uio"), "no uio node under the device")
        expect(d.driver_override is None, f"driver_override left set: {d.driver_override}")
        again = bind(a1, "uio_pci_generic")        # idempotent
        expect(again.driver == "uio_pci_generic", "second bind")
        d = unbind(a1)
        expect(d.driver is None, f"unbind left {d.driver}")
        d = restore(a1)
        d = wait(lambda: (x := devices.get_device(a1)).interfaces and x) or devices.get_device(a1)
        expect(d.driver == "e1000" and bool(d.interfaces), f"restore gave {d.driver} {d.interfaces}")
        return {"address": a1, "back_to": d.driver, "interface": d.interfaces[0]}

    pf = pfs[0] if pfs else ""

    @check("sriov_numvfs_1")
    def _():
        total = sriov.total_vfs(pf)
        expect(total >= 1, f"sriov_totalvfs {total}")
        subprocess.run(["ip", "link", "set", devices.get_device(pf).interfaces[0], "up"], check=True)
        vfs = sriov.set_num_vfs(pf, 1, autoprobe=False)
        expect(sriov.num_vfs(pf) == 1 and len(vfs) == 1, f"numvfs {sriov.num_vfs(pf)}, vfs {vfs}")
        return {"total_vfs": total, "num_vfs": sriov.num_vfs(pf)}

    @check("vf_listing")
    def _():
        vfs = sriov.list_vfs(pf)
        expect(len(vfs) == 1, f"{vfs}")
        vf = vfs[0]
        link = os.path.basename(os.readlink(f"/sys/bus/pci/devices/{pf}/virtfn0"))
        expect(vf.index == 0 and vf.address == link, f"{vf} vs virtfn0 -> {link}")
        expect(vf.vendor_device == IGB_VF, f"VF ids {vf.vendor_device}")
        d = devices.get_device(vf.address)
        expect(d.physfn == pf and d.is_vf, f"physfn {d.physfn}")
        expect(vf.driver is None, f"autoprobe off, yet {vf.driver}")
        return {"vf0": vf.address, "ids": vf.vendor_device}

    @check("vf_mac_and_spoofchk")
    def _():
        mac = "52:54:00:00:0f:00"
        sriov.set_vf_mac(pf, 0, mac)
        sriov.set_vf_spoofchk(pf, 0, False)
        vf = sriov.list_vfs(pf)[0]
        expect((vf.mac or "").lower() == mac, f"mac {vf.mac}")
        expect(vf.spoofchk is False, f"spoofchk {vf.spoofchk}")
        sriov.set_vf_spoofchk(pf, 0, True)
        expect(sriov.list_vfs(pf)[0].spoofchk is True, "spoofchk back on")
        return {"mac": vf.mac, "spoofchk_off_then_on": True}

    @check("vf_bind_uio_and_unbind")
    def _():
        vf = sriov.list_vfs(pf)[0].address
        d = bind(vf, "uio_pci_generic")
        expect(d.driver == "uio_pci_generic", f"VF driver {d.driver}")
        d = unbind(vf)
        expect(d.driver is None, f"VF unbind left {d.driver}")
        return {"vf": vf}

    @check("sriov_bad_input")
    def _():
        total = sriov.total_vfs(pf)
        e = raises(InvalidArgumentError, sriov.set_num_vfs, pf, total + 1)
        expect(e.param == "count" and str(total) in e.allowed, str(e))
        e = raises(InvalidArgumentError, sriov.set_vf_mac, pf, 5, "52:54:00:00:0f:05")
        expect(e.param == "vf" and "0 to 0" in e.allowed, str(e))
        e = raises(InvalidArgumentError, sriov.set_vf_mac, pf, 0, "01:00:5e:00:00:01")
        expect(e.param == "mac", str(e))
        e = raises(InvalidArgumentError, sriov.set_num_vfs, a1, 1)
        expect(e.param == "address" and pf in e.allowed, str(e))     # names the SR-IOV PFs present
        e = raises(InvalidArgumentError, bind, "0000:00:1f.7", "uio_pci_generic")
        expect(e.param == "address", str(e))
        e = raises(InvalidArgumentError, bind, a1, "uio_pci_gen")
        expect(e.param == "driver" and "e1000" in e.allowed, str(e))
        return "count, vf, mac, address, driver refused with what is allowed"

    @check("sriov_numvfs_0")
    def _():
        vfs = sriov.set_num_vfs(pf, 0)
        expect(vfs == [] and sriov.num_vfs(pf) == 0, f"{vfs}")
        return {"num_vfs": 0}

    @check("hugepages_vs_meminfo")
    def _():
        mi = hugepages.meminfo()
        p = hugepages.pool()
        expect(p.total == mi["HugePages_Total"] and p.free == mi["HugePages_Free"], f"{p} vs {mi}")
        got = hugepages.reserve(p.total + 1)
        expect(got.total == hugepages.meminfo()["HugePages_Total"] == p.total + 1, f"{got}")
        hugepages.reserve(p.total)
        return {"total": p.total, "size_kb": p.size_kb}

    @check("iommu_report")
    def _():
        r = iommu.check()
        expect(r.groups == len(os.listdir("/sys/kernel/iommu_groups")), "group count")
        expect("uio_pci_generic" in r.usable_drivers, f"usable {r.usable_drivers}")
        return {"groups": r.groups, "usable": r.usable_drivers, "findings": list(r.findings)[:3]}

    times["total"] = round(time.monotonic() - t0, 3)
    result = {"ok": all(c["ok"] for c in checks.values()), "checks": checks, "times": times}
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w") as f:
        json.dump(result, f, indent=1, default=str)
    print(f"host_tools_check: {'ok' if result['ok'] else 'FAILED'} "
          f"({sum(c['ok'] for c in checks.values())}/{len(checks)} checks) -> {out_path}", flush=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
