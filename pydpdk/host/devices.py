"""PCI network devices: address, ids, class, driver, kernel interfaces and whether they carry routes.

    from pydpdk.host import devices
    for d in devices.list_devices():
        print(d.address, d.vendor_device, d.driver, d.interfaces, d.active)

An interface is *active* when the routing table sends traffic through it (IPv4 routes other
than 169.254/16, IPv6 routes other than link-local and multicast). dpdk-devbind refuses to
take such a device without --force, and so does :func:`pydpdk.host.bind`.
"""
from __future__ import annotations

import glob
import os
import socket
import struct
from dataclasses import dataclass, field
from typing import Any

from ..errors import invalid
from . import _sys

__all__ = ["PciDevice", "Route", "list_devices", "get_device", "routes", "routed_interfaces", "interface_addresses",
           "interface_map", "NETWORK_CLASS"]

NETWORK_CLASS = 0x02


@dataclass(frozen=True)
class Route:
    """One kernel route through an interface (from /proc/net/route or ipv6_route)."""
    interface: str
    destination: str     # "192.0.2.0/24", "default", "2001:db8::/64"
    gateway: str | None
    family: int          # 4 or 6

    def __str__(self) -> str:
        via = f" via {self.gateway}" if self.gateway else ""
        return f"{self.destination}{via} dev {self.interface}"


@dataclass(frozen=True)
class PciDevice:
    """A PCI function as sysfs describes it: ids, class, bound driver, interfaces and their routes, SR-IOV."""
    address: str
    vendor: int
    device: int
    class_code: int                      # 24-bit class/subclass/prog-if
    subsystem_vendor: int | None
    subsystem_device: int | None
    driver: str | None
    driver_override: str | None
    interfaces: tuple[str, ...]
    routes: tuple[Route, ...]            # routes through its interfaces
    numa_node: int | None
    iommu_group: int | None
    physfn: str | None                   # PF address when this is an SR-IOV VF
    sriov_totalvfs: int | None           # when this is an SR-IOV PF
    sriov_numvfs: int | None
    modalias: str | None = field(default=None, repr=False)
    addresses: tuple[str, ...] = ()      # IPv4/IPv6 addresses of its interfaces (not link-local)

    @property
    def vendor_device(self) -> str:
        """``'vvvv:dddd'``: the vendor and device ids in hex, as lspci -n shows them."""
        return f"{self.vendor:04x}:{self.device:04x}"

    @property
    def is_network(self) -> bool:
        """True for a network controller (PCI class 0x02)."""
        return self.class_code >> 16 == NETWORK_CLASS

    @property
    def active(self) -> bool:
        """Its kernel interfaces carry routes or addresses (taking it would cut that traffic)."""
        return bool(self.routes or self.addresses)

    @property
    def active_interfaces(self) -> tuple[str, ...]:
        """The interfaces that carry routes or addresses."""
        have = {r.interface for r in self.routes} | {a.split("%", 1)[1] for a in self.addresses if "%" in a}
        return tuple(i for i in self.interfaces if i in have)

    @property
    def is_vf(self) -> bool:
        """True for an SR-IOV virtual function (it has a physfn)."""
        return self.physfn is not None

    def as_dict(self) -> dict[str, Any]:
        """The device as plain data (``pydpdk host devices --json``)."""
        return {"address": self.address, "vendor_device": self.vendor_device,
                "class": f"{self.class_code:06x}", "driver": self.driver, "interfaces": list(self.interfaces),
                "active": self.active, "routes": [str(r) for r in self.routes], "numa_node": self.numa_node,
                "iommu_group": self.iommu_group, "physfn": self.physfn,
                "sriov_totalvfs": self.sriov_totalvfs, "sriov_numvfs": self.sriov_numvfs}


def _hex_ipv4(h: str) -> str:
    return socket.inet_ntoa(struct.pack("<I", int(h, 16)))


def routes(root: str = "/") -> list[Route]:
    """IPv4 and IPv6 routes from /proc/net/route and /proc/net/ipv6_route (main and local tables),
    leaving out loopback, 169.254/16, IPv6 link-local and multicast."""
    out: list[Route] = []
    for line in (_sys.read(_sys.path(root, "proc/net/route")) or "").splitlines()[1:]:
        f = line.split()
        if len(f) < 8 or f[0] == "lo" or not int(f[3], 16) & 0x1:     # RTF_UP
            continue
        dest, gw, mask = _hex_ipv4(f[1]), _hex_ipv4(f[2]), _hex_ipv4(f[7])
        if dest.startswith("169.254."):
            continue
        plen = bin(int(f[7], 16)).count("1")
        out.append(Route(f[0], "default" if plen == 0 else f"{dest}/{plen}",
                         gw if int(f[2], 16) else None, 4))
    for line in (_sys.read(_sys.path(root, "proc/net/ipv6_route")) or "").splitlines():
        f = line.split()
        if len(f) < 10 or f[9] == "lo":
            continue
        dest = socket.inet_ntop(socket.AF_INET6, bytes.fromhex(f[0]))
        plen = int(f[1], 16)
        if dest.startswith("fe80:") or dest.startswith("ff") or int(f[8], 16) & 0x200:  # RTF_REJECT
            continue
        gw = socket.inet_ntop(socket.AF_INET6, bytes.fromhex(f[4]))
        out.append(Route(f[9], "default" if plen == 0 else f"{dest}/{plen}", None if gw == "::" else gw, 6))
    return out


def interface_addresses(ifname: str, root: str = "/") -> list[str]:
    """Addresses of a kernel interface, as 'ADDR/PLEN%IFNAME': IPv6 from /proc/net/if_inet6
    (link-local left out), IPv4 by SIOCGIFADDR (on the live system only)."""
    out: list[str] = []
    for line in (_sys.read(_sys.path(root, "proc/net/if_inet6")) or "").splitlines():
        f = line.split()
        if len(f) >= 6 and f[5] == ifname and int(f[3], 16) != 0x20:      # 0x20: link scope
            addr = socket.inet_ntop(socket.AF_INET6, bytes.fromhex(f[0]))
            out.append(f"{addr}/{int(f[2], 16)}%{ifname}")
    if root == "/" and len(ifname) < 16:
        import fcntl
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sk:
            try:
                res = fcntl.ioctl(sk.fileno(), 0x8915, struct.pack("256s", ifname.encode()))  # SIOCGIFADDR
                out.insert(0, f"{socket.inet_ntoa(res[20:24])}%{ifname}")
            except OSError:
                pass                       # no IPv4 address (EADDRNOTAVAIL) or no such interface
    return out


def routed_interfaces(root: str = "/") -> set[str]:
    """The kernel interfaces that carry a route (the ones a DPDK bind would cut off)."""
    return {r.interface for r in routes(root)}


def interface_map(root: str = "/") -> dict[str, list[str]]:
    """PCI address -> kernel interfaces on it (found through /sys/class/net/*/device, which for
    virtio points at the virtio child of the PCI function)."""
    out: dict[str, list[str]] = {}
    for ifdir in sorted(glob.glob(_sys.path(root, "sys/class/net/*"))):
        dev = os.path.join(ifdir, "device")
        if not os.path.exists(dev):
            continue
        p = os.path.realpath(dev)
        while p not in ("/", "") and not _sys.PCI_ADDR.match(os.path.basename(p)):
            p = os.path.dirname(p)
        if _sys.PCI_ADDR.match(os.path.basename(p)):
            out.setdefault(os.path.basename(p), []).append(os.path.basename(ifdir))
    return out


def _read_device(root: str, addr: str, ifmap: dict[str, list[str]], rts: list[Route]) -> PciDevice:
    d = _sys.path(root, "sys/bus/pci/devices", addr)
    hx = lambda n: _sys.read_int(os.path.join(d, n), None, 16)  # noqa: E731
    numa = _sys.read_int(os.path.join(d, "numa_node"))
    group = _sys.link_name(os.path.join(d, "iommu_group"))
    ifaces = tuple(ifmap.get(addr, ()))
    override = _sys.read(os.path.join(d, "driver_override"))
    return PciDevice(
        address=addr, vendor=hx("vendor") or 0, device=hx("device") or 0, class_code=hx("class") or 0,
        subsystem_vendor=hx("subsystem_vendor"), subsystem_device=hx("subsystem_device"),
        driver=_sys.link_name(os.path.join(d, "driver")),
        driver_override=None if override in (None, "(null)", "") else override,
        interfaces=ifaces, routes=tuple(r for r in rts if r.interface in ifaces),
        numa_node=numa if numa is not None and numa >= 0 else None,
        iommu_group=int(group) if group and group.isdigit() else None,
        physfn=_sys.link_name(os.path.join(d, "physfn")),
        sriov_totalvfs=_sys.read_int(os.path.join(d, "sriov_totalvfs")),
        sriov_numvfs=_sys.read_int(os.path.join(d, "sriov_numvfs")),
        modalias=_sys.read(os.path.join(d, "modalias")),
        addresses=tuple(a for i in ifaces for a in interface_addresses(i, root)))


def list_devices(network_only: bool = True, root: str = "/") -> list[PciDevice]:
    """PCI devices (network class 0x02 only, by default), in address order."""
    ifmap, rts = interface_map(root), routes(root)
    out = []
    for d in sorted(glob.glob(_sys.path(root, "sys/bus/pci/devices/*"))):
        dev = _read_device(root, os.path.basename(d), ifmap, rts)
        if dev.is_network or not network_only:
            out.append(dev)
    return out


def get_device(address: object, root: str = "/", param: str = "address") -> PciDevice:
    """One PCI device; InvalidArgumentError naming the network devices present if it does not exist."""
    addr = _sys.normalize_pci(address, param)
    if not os.path.isdir(_sys.path(root, "sys/bus/pci/devices", addr)):
        nets = [f"{d.address} ({d.vendor_device}{', ' + ','.join(d.interfaces) if d.interfaces else ''})"
                for d in list_devices(root=root)]
        raise invalid(param, address, "a PCI device present in /sys/bus/pci/devices; network devices here: "
                      f"{'; '.join(nets) or 'none'}")
    return _read_device(root, addr, interface_map(root), routes(root))
