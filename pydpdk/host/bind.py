"""Bind PCI devices to DPDK-capable kernel drivers (and back) through sysfs ``driver_override``.

    from pydpdk.host import bind, unbind, restore
    bind("0000:00:04.0", "uio_pci_generic")     # like dpdk-devbind.py -b uio_pci_generic 00:04.0
    restore("0000:00:04.0")                     # back to the kernel's own driver (e1000, igb...)

Like dpdk-devbind, a device whose kernel interface carries routes is refused unless force=True
(that is how you lose the SSH session you are working through). The mechanism: write the driver
name to ``/sys/bus/pci/devices/ADDR/driver_override``, unbind the current driver, write the
address to ``/sys/bus/pci/drivers_probe``, then clear the override; the device keeps its driver.
"""
from __future__ import annotations

import errno as _errno
import os
import subprocess
import time

from ..errors import DeviceError, invalid
from . import _sys
from .devices import PciDevice, get_device

__all__ = ["DPDK_DRIVERS", "bind", "unbind", "restore", "loaded_drivers", "ensure_driver"]

#: kernel drivers a DPDK PMD can use a device through
DPDK_DRIVERS = ("vfio-pci", "uio_pci_generic", "igb_uio", "pci-stub")
_MODULES = {"vfio-pci": "vfio-pci", "uio_pci_generic": "uio_pci_generic", "igb_uio": "igb_uio",
            "pci-stub": "pci_stub"}


def loaded_drivers(root: str = "/") -> list[str]:
    """PCI drivers the kernel has registered (/sys/bus/pci/drivers)."""
    try:
        return sorted(os.listdir(_sys.path(root, "sys/bus/pci/drivers")))
    except OSError:
        return []


def _check_driver(driver: object, root: str) -> str:
    have = loaded_drivers(root)
    if not isinstance(driver, str) or driver not in set(DPDK_DRIVERS) | set(have):
        raise invalid("driver", driver, f"one of {', '.join(DPDK_DRIVERS)} (DPDK's) or a PCI driver this kernel "
                      f"has loaded: {', '.join(d for d in have if d not in DPDK_DRIVERS)}")
    return driver


def ensure_driver(driver: str, root: str = "/") -> None:
    """Load the module of a DPDK kernel driver if it is not registered yet; DeviceError explains why not."""
    if driver in loaded_drivers(root):
        return
    module = _MODULES.get(driver, driver)
    r = subprocess.run(["modprobe", module], capture_output=True, text=True)
    if driver in loaded_drivers(root):
        return
    why = r.stderr.strip() or f"modprobe exited {r.returncode}"
    hint = {"igb_uio": "igb_uio is not part of the kernel: build it from dpdk-kmods",
            "vfio-pci": "vfio-pci also needs an IOMMU (see `pydpdk host iommu`)"}.get(driver, "")
    if "nomodule" in (_sys.read(_sys.path(root, "proc/cmdline")) or "").split() or \
            _sys.read(_sys.path(root, "proc/sys/kernel/modules_disabled")) == "1":
        hint = "this kernel does not load modules (nomodule / modules_disabled): the driver must be built in"
    raise DeviceError(_errno.ENOENT, f"kernel driver {driver} is not loaded and `modprobe {module}` failed: "
                      f"{why}{'; ' + hint if hint else ''}", "modprobe")


def _refuse_active(dev: PciDevice, force: bool, action: str) -> None:
    if dev.active and not force:
        what = []
        if dev.routes:
            what.append(f"active routes ({'; '.join(str(r) for r in dev.routes[:3])})")
        if dev.addresses:
            what.append(f"addresses ({', '.join(dev.addresses[:3])})")
        raise DeviceError(_errno.EBUSY, f"{action} {dev.address}: refused, its interface "
                          f"{', '.join(dev.active_interfaces)} carries {' and '.join(what)}: taking it would "
                          "cut that traffic (maybe this session's). Take the routes and addresses down first, "
                          "or pass force=True (dpdk-devbind --force)", action)


def _wait_driver(root: str, addr: str, want: str | None, timeout: float = 10.0) -> str | None:
    link = _sys.path(root, "sys/bus/pci/devices", addr, "driver")
    deadline = time.monotonic() + timeout
    while True:
        cur = _sys.link_name(link)
        if cur == want or time.monotonic() >= deadline or (want is None and cur is not None):
            return cur
        time.sleep(0.05)


def unbind(address: str, *, force: bool = False, root: str = "/") -> PciDevice:
    """Detach a device from its driver (no-op if it has none)."""
    dev = get_device(address, root)
    if dev.driver is None:
        return dev
    _refuse_active(dev, force, "unbind")
    _sys.write(_sys.path(root, "sys/bus/pci/drivers", dev.driver, "unbind"), dev.address, "unbind")
    return get_device(dev.address, root)


def _probe(root: str, addr: str, override: str) -> None:
    ovr = _sys.path(root, "sys/bus/pci/devices", addr, "driver_override")
    _sys.write(ovr, override + "\n", "bind (driver_override)")
    try:
        _sys.write(_sys.path(root, "sys/bus/pci/drivers_probe"), addr, "bind (drivers_probe)")
    except DeviceError:
        pass  # the kernel reports probe failures here; the driver link below tells
    finally:
        if override:
            _sys.write(ovr, "\n", "bind (clear driver_override)")


def bind(address: str, driver: str, *, force: bool = False, root: str = "/") -> PciDevice:
    """Bind a device to driver (vfio-pci, uio_pci_generic, igb_uio, pci-stub or a loaded kernel driver).

    Refuses (DeviceError EBUSY) a device whose interfaces carry routes unless force=True. On
    failure the previous driver is restored and DeviceError says what the kernel did.
    """
    dev = get_device(address, root)
    driver = _check_driver(driver, root)
    _refuse_active(dev, force, "bind")
    if dev.driver == driver:
        return dev
    if driver in DPDK_DRIVERS:
        ensure_driver(driver, root)
    if driver == "vfio-pci" and dev.iommu_group is None and \
            _sys.read(_sys.path(root, "sys/module/vfio/parameters/enable_unsafe_noiommu_mode")) not in ("Y", "1"):
        raise DeviceError(_errno.ENODEV, f"bind {dev.address} to vfio-pci: the device has no IOMMU group and "
                          "vfio's no-IOMMU mode is off: vfio-pci cannot take it (see `pydpdk host iommu`); "
                          "use uio_pci_generic, or enable the IOMMU", "bind")
    previous = dev.driver
    if previous is not None:
        _sys.write(_sys.path(root, "sys/bus/pci/drivers", previous, "unbind"), dev.address, "bind (unbind)")
    _probe(root, dev.address, driver)
    got = _wait_driver(root, dev.address, driver)
    if got != driver:
        if previous is not None and got is None:
            _probe(root, dev.address, previous)
        raise DeviceError(_errno.EIO, f"bind {dev.address} ({dev.vendor_device}) to {driver} failed: the kernel "
                          f"left it with {got or 'no driver'} (see dmesg){'; restored ' + previous if previous else ''}",
                          "bind")
    return get_device(dev.address, root)


def restore(address: str, *, force: bool = False, root: str = "/") -> PciDevice:
    """Give the device back to whichever kernel driver claims it (clear the override, reprobe)."""
    dev = get_device(address, root)
    _refuse_active(dev, force, "restore")
    if dev.driver is not None:
        _sys.write(_sys.path(root, "sys/bus/pci/drivers", dev.driver, "unbind"), dev.address, "restore (unbind)")
    _probe(root, dev.address, "")
    _wait_driver(root, dev.address, None)
    return get_device(dev.address, root)
