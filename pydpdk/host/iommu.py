"""IOMMU and VFIO readiness, with what to do about each gap.

    from pydpdk.host import iommu
    report = iommu.check()
    print(report)                 # findings and advice
    report.usable_drivers         # e.g. ["uio_pci_generic"] or ["vfio-pci", "uio_pci_generic"]
"""
from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from typing import Any

from . import _sys

__all__ = ["IommuReport", "check"]


@dataclass(frozen=True)
class IommuReport:
    """What the kernel offers DPDK for binding devices: IOMMU groups, vfio/uio modules, findings and advice."""
    groups: int                          # entries in /sys/kernel/iommu_groups
    cmdline: dict[str, str]              # intel_iommu / amd_iommu / iommu options on the kernel command line
    vfio_loaded: bool                    # /sys/module/vfio
    vfio_pci_loaded: bool                # /sys/bus/pci/drivers/vfio-pci
    noiommu_mode: bool | None            # vfio enable_unsafe_noiommu_mode (None: vfio not loaded)
    dev_vfio: bool                       # /dev/vfio exists
    uio_loaded: bool                     # uio_pci_generic registered
    modules_loadable: bool               # kernel accepts modules
    modules_dir: bool                    # /lib/modules/$(uname -r) exists
    findings: tuple[str, ...] = field(default=())
    advice: tuple[str, ...] = field(default=())

    @property
    def iommu_enabled(self) -> bool:
        """True when the kernel has IOMMU groups (an IOMMU is on)."""
        return self.groups > 0

    @property
    def vfio_usable(self) -> bool:
        """True when vfio-pci is registered and an IOMMU (or vfio's no-IOMMU mode) is on."""
        return self.vfio_pci_loaded and (self.iommu_enabled or bool(self.noiommu_mode))

    @property
    def usable_drivers(self) -> list[str]:
        """The kernel drivers a DPDK device could be bound to here, now or after loading a module."""
        out = []
        if self.vfio_usable or (self.iommu_enabled and self.modules_loadable and self.modules_dir):
            out.append("vfio-pci" if self.iommu_enabled else "vfio-pci (no-IOMMU mode)")
        if self.uio_loaded or (self.modules_loadable and self.modules_dir):
            out.append("uio_pci_generic")
        return out

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data (``pydpdk host iommu --json``)."""
        return {"iommu_groups": self.groups, "iommu_enabled": self.iommu_enabled, "cmdline": self.cmdline,
                "vfio_loaded": self.vfio_loaded, "vfio_pci_loaded": self.vfio_pci_loaded,
                "noiommu_mode": self.noiommu_mode, "dev_vfio": self.dev_vfio, "uio_loaded": self.uio_loaded,
                "modules_loadable": self.modules_loadable, "usable_drivers": self.usable_drivers,
                "findings": list(self.findings), "advice": list(self.advice)}

    def __str__(self) -> str:
        lines = [f"IOMMU groups: {self.groups}", "kernel command line: " +
                 (", ".join(f"{k}={v}" for k, v in self.cmdline.items()) or "no intel_iommu/amd_iommu/iommu option"),
                 f"vfio: {'loaded' if self.vfio_loaded else 'not loaded'}, vfio-pci: "
                 f"{'registered' if self.vfio_pci_loaded else 'not registered'}, no-IOMMU mode: "
                 f"{ {None: 'n/a', True: 'on', False: 'off'}[self.noiommu_mode]}, /dev/vfio: "
                 f"{'present' if self.dev_vfio else 'absent'}",
                 f"uio_pci_generic: {'registered' if self.uio_loaded else 'not registered'}; module loading: "
                 f"{'possible' if self.modules_loadable and self.modules_dir else 'not possible'}",
                 f"drivers DPDK can use here: {', '.join(self.usable_drivers) or 'none'}"]
        lines += [f"- {f}" for f in self.findings]
        lines += [f"  -> {a}" for a in self.advice]
        return "\n".join(lines)


def check(root: str = "/") -> IommuReport:
    """Look at sysfs, /proc/cmdline and /dev: what binding a device for DPDK needs on this machine."""
    p = lambda *a: _sys.path(root, *a)  # noqa: E731
    try:
        groups = len(os.listdir(p("sys/kernel/iommu_groups")))
    except OSError:
        groups = 0
    cmd = (_sys.read(p("proc/cmdline")) or "").split()
    opts = {k: v for k, _, v in (a.partition("=") for a in cmd) if k in ("intel_iommu", "amd_iommu", "iommu")}
    vfio = os.path.isdir(p("sys/module/vfio"))
    vfio_pci = os.path.isdir(p("sys/bus/pci/drivers/vfio-pci"))
    noiommu_raw = _sys.read(p("sys/module/vfio/parameters/enable_unsafe_noiommu_mode"))
    noiommu = None if noiommu_raw is None else noiommu_raw in ("Y", "1")
    uio = os.path.isdir(p("sys/bus/pci/drivers/uio_pci_generic"))
    loadable = "nomodule" not in cmd and _sys.read(p("proc/sys/kernel/modules_disabled")) != "1" \
        and os.path.exists(p("proc/modules"))
    moddir = os.path.isdir(p("lib/modules", platform.release()))
    f: list[str] = []
    a: list[str] = []
    if groups:
        f.append(f"the IOMMU is on: {groups} IOMMU groups; vfio-pci can give DPDK devices safely")
        if opts.get("iommu") != "pt" and opts.get("intel_iommu") == "on":
            a.append("for DPDK performance add iommu=pt next to intel_iommu=on (guide §3.2)")
    else:
        f.append("no IOMMU groups: the IOMMU is off, absent, or not exposed to this (virtual) machine")
        if not opts:
            a.append("bare metal: enable VT-d / AMD-Vi in the BIOS and boot with intel_iommu=on (Intel) or "
                     "amd_iommu=on (AMD), plus iommu=pt (guide §3.2 step 2)")
        else:
            a.append(f"the command line has {', '.join(f'{k}={v}' for k, v in opts.items())} but no groups "
                     "appeared: check the BIOS (VT-d/AMD-Vi) and dmesg for DMAR/AMD-Vi errors")
        a.append("a VM: give the guest a virtual IOMMU (QEMU: -M q35 -device intel-iommu, guest "
                 "intel_iommu=on) or use uio_pci_generic")
        if noiommu:
            f.append("vfio no-IOMMU mode is on: vfio-pci works without isolation (unsafe, taints the kernel)")
        else:
            a.append("without an IOMMU, vfio-pci needs no-IOMMU mode: modprobe vfio "
                     "enable_unsafe_noiommu_mode=1 (kernel built with CONFIG_VFIO_NOIOMMU; Debian's is not)")
    if not vfio:
        f.append("vfio is not loaded")
    if vfio and not os.path.isdir(p("dev/vfio")):
        f.append("/dev/vfio is missing although vfio is loaded: devtmpfs not mounted, or no device bound yet")
    if not loadable:
        f.append("this kernel cannot load modules (nomodule on the command line, modules_disabled, or no "
                 "module support): vfio-pci / uio_pci_generic must be built in")
    elif not moddir:
        f.append(f"no /lib/modules/{platform.release()}: modprobe has nothing to load")
    if not (vfio_pci or uio):
        a.append("load a driver: modprobe vfio-pci (with an IOMMU) or modprobe uio_pci_generic; then "
                 "`pydpdk host bind DRIVER PCI_ADDR`")
    return IommuReport(groups, opts, vfio, vfio_pci, noiommu, os.path.isdir(p("dev/vfio")), uio, loadable,
                       moddir, tuple(f), tuple(a))
