"""What the DPDK 2.0 NIC drivers guide says about each PMD, mapped to current DPDK names.

The table itself is :data:`pydpdk.ethdev.pmds.PMDS` (one table for drivers, vdev specs and
plugin errors); this module names it as the drivers package always has.
"""
from __future__ import annotations

from ..ethdev.pmds import PMD_DIR, PMDS as DRIVERS, Pmd as DriverInfo, counts_bytes, lookup, plugin_path

__all__ = ["DriverInfo", "DRIVERS", "lookup", "plugin_path", "counts_bytes", "PMD_DIR"]
