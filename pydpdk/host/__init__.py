"""Host set-up for DPDK: hugepages, NIC binding, SR-IOV, IOMMU checks (``pydpdk host ...``).

Everything reads and writes the real sysfs/procfs (rooted at ``root``, default "/"):

- :mod:`.hugepages` — status per size and NUMA node, reserve, mount hugetlbfs;
- :mod:`.devices` — PCI network devices with driver, interfaces and active routes;
- :mod:`.bind` — bind/unbind/restore through ``driver_override`` (refuses routed devices);
- :mod:`.sriov` — VFs of a PF: count, addresses, MAC and spoof checking;
- :mod:`.iommu` — IOMMU / vfio readiness with advice.
"""
from __future__ import annotations

from . import hugepages, iommu, sriov
from .bind import DPDK_DRIVERS, bind, loaded_drivers, restore, unbind
from .devices import PciDevice, Route, get_device, list_devices, routes

__all__ = ["hugepages", "iommu", "sriov", "DPDK_DRIVERS", "bind", "unbind", "restore", "loaded_drivers",
           "PciDevice", "Route", "get_device", "list_devices", "routes"]
