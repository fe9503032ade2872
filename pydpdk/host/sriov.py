"""SR-IOV: how many VFs a PF can have and has, the VFs' PCI addresses, VF MAC and spoof checking.

    from pydpdk.host import sriov
    sriov.set_num_vfs("0000:01:00.0", 2)      # echo 2 > .../sriov_numvfs (the guide's max_vfs)
    sriov.list_vfs("0000:01:00.0")            # [VirtualFunction(index=0, address='0000:01:10.0', ...)]
    sriov.set_vf_mac("0000:01:00.0", 0, "52:54:00:00:0f:00")
    sriov.set_vf_spoofchk("0000:01:00.0", 0, False)

VF MAC and spoof checking are set through the PF's kernel driver (``ip link set PF vf N ...``),
so the PF must be bound to its kernel driver (igb, ixgbe, i40e...) and have an interface.
"""
from __future__ import annotations

import errno as _errno
import glob
import json
import os
import re
import subprocess
from dataclasses import dataclass
from typing import Any

from ..errors import DeviceError, invalid
from . import _sys
from .devices import PciDevice, get_device, list_devices

__all__ = ["VirtualFunction", "total_vfs", "num_vfs", "set_num_vfs", "list_vfs", "set_vf_mac",
           "set_vf_spoofchk", "vf_link_info"]

_MAC = re.compile(r"^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$")


@dataclass(frozen=True)
class VirtualFunction:
    """One SR-IOV VF of a PF: index, PCI address, ids, bound driver; MAC and spoof check as the PF has them."""
    index: int
    address: str
    vendor_device: str
    driver: str | None
    mac: str | None            # as the PF's driver has it (None when the PF has no interface)
    spoofchk: bool | None


def _pf(address: object, root: str) -> PciDevice:
    dev = get_device(address, root)
    if dev.sriov_totalvfs is None:
        pfs = [f"{d.address} ({d.vendor_device}, up to {d.sriov_totalvfs} VFs)"
               for d in list_devices(root=root) if d.sriov_totalvfs is not None]
        raise invalid("address", address, "an SR-IOV capable PF (a device with sriov_totalvfs); here: "
                      f"{'; '.join(pfs) or f'none — {dev.address} ({dev.vendor_device}) has no SR-IOV capability'}")
    return dev


def total_vfs(address: str, root: str = "/") -> int:
    """How many VFs the PF can have (sriov_totalvfs)."""
    return _pf(address, root).sriov_totalvfs or 0


def num_vfs(address: str, root: str = "/") -> int:
    """How many VFs the PF has now (sriov_numvfs)."""
    return _pf(address, root).sriov_numvfs or 0


def set_num_vfs(address: str, count: int, *, autoprobe: bool | None = None, root: str = "/") -> list["VirtualFunction"]:
    """Create count VFs (0 removes them); returns the VFs. The kernel only changes a non-zero count
    through 0, which this does. autoprobe=False keeps the kernel's VF driver off the new VFs."""
    pf = _pf(address, root)
    total = pf.sriov_totalvfs or 0
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= total:
        raise invalid("count", count, f"0 to {total} (sriov_totalvfs of {pf.address})")
    if pf.driver is None:
        raise DeviceError(_errno.ENODEV, f"set_num_vfs {pf.address}: no driver is bound: the PF's driver "
                          "(igb, ixgbe, i40e... or vfio-pci/igb_uio) creates the VFs", "set_num_vfs")
    d = _sys.path(root, "sys/bus/pci/devices", pf.address)
    if autoprobe is not None:
        _sys.write(os.path.join(d, "sriov_drivers_autoprobe"), "1" if autoprobe else "0", "sriov autoprobe")
    cur = pf.sriov_numvfs or 0
    if cur != count:
        if cur and count:
            _sys.write(os.path.join(d, "sriov_numvfs"), "0", "set_num_vfs")
        _sys.write(os.path.join(d, "sriov_numvfs"), str(count), "set_num_vfs")
    return list_vfs(pf.address, root=root)


def vf_link_info(interface: str) -> dict[int, dict[str, Any]]:
    """VF settings the PF's kernel driver reports (`ip -j link show dev IF`): {vf: {address, spoofchk...}}."""
    r = subprocess.run(["ip", "-j", "-d", "link", "show", "dev", interface], capture_output=True, text=True)
    if r.returncode != 0:
        raise DeviceError(_errno.ENODEV, f"ip link show dev {interface}: {r.stderr.strip()}", "ip")
    try:
        data = json.loads(r.stdout)[0]
    except (ValueError, IndexError):
        return {}
    return {int(v.get("vf", i)): v for i, v in enumerate(data.get("vfinfo_list", []))}


def list_vfs(address: str, root: str = "/") -> list[VirtualFunction]:
    """The PF's VFs, by index, from its virtfnN links (plus MAC/spoofchk from the PF's driver)."""
    pf = _pf(address, root)
    d = _sys.path(root, "sys/bus/pci/devices", pf.address)
    info = vf_link_info(pf.interfaces[0]) if pf.interfaces else {}
    out = []
    for link in glob.glob(os.path.join(d, "virtfn*")):
        idx = int(os.path.basename(link)[6:])
        vf_addr = os.path.basename(os.readlink(link))
        vd = os.path.join(os.path.dirname(os.path.realpath(link)), vf_addr)
        ven, dev = _sys.read(os.path.join(vd, "vendor")) or "0", _sys.read(os.path.join(vd, "device")) or "0"
        vi = info.get(idx, {})
        mac = vi.get("address") or vi.get("mac")
        sc = vi.get("spoofchk")
        out.append(VirtualFunction(idx, vf_addr, f"{int(ven, 16):04x}:{int(dev, 16):04x}",
                                   _sys.link_name(os.path.join(vd, "driver")), mac,
                                   bool(sc) if sc is not None else None))
    return sorted(out, key=lambda v: v.index)


def _vf_target(address: str, vf: object, root: str) -> tuple[PciDevice, int]:
    pf = _pf(address, root)
    n = pf.sriov_numvfs or 0
    if not isinstance(vf, int) or isinstance(vf, bool) or not 0 <= vf < n:
        raise invalid("vf", vf, f"0 to {n - 1} (the VFs of {pf.address})" if n else
                      f"none: {pf.address} has no VFs (set_num_vfs first)")
    if not pf.interfaces:
        raise DeviceError(_errno.ENODEV, f"{pf.address} has no kernel interface (driver {pf.driver}): VF MAC "
                          "and spoof checking are set through the PF's kernel driver (igb, ixgbe, i40e...)", "ip")
    return pf, vf


def _ip(args: list[str], what: str) -> None:
    r = subprocess.run(["ip", *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise DeviceError(_errno.EINVAL, f"{what}: ip {' '.join(args)}: {r.stderr.strip()}", "ip")


def set_vf_mac(address: str, vf: int, mac: str, root: str = "/") -> None:
    """ip link set PF vf N mac MAC."""
    pf, vf = _vf_target(address, vf, root)
    if not isinstance(mac, str) or not _MAC.match(mac):
        raise invalid("mac", mac, "a MAC address such as 52:54:00:00:0f:00")
    if int(mac[:2], 16) & 1:
        raise invalid("mac", mac, "a unicast MAC address (first octet even)")
    _ip(["link", "set", "dev", pf.interfaces[0], "vf", str(vf), "mac", mac], "set_vf_mac")


def set_vf_spoofchk(address: str, vf: int, on: bool, root: str = "/") -> None:
    """ip link set PF vf N spoofchk on|off."""
    pf, vf = _vf_target(address, vf, root)
    if not isinstance(on, bool):
        raise invalid("on", on, "True or False")
    _ip(["link", "set", "dev", pf.interfaces[0], "vf", str(vf), "spoofchk", "on" if on else "off"],
        "set_vf_spoofchk")
