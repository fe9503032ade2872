"""Driver knowledge: the DPDK 2.0 NIC drivers guide's constraints, mapped to DPDK 22.11 PMDs.

- :mod:`.catalog` — each PMD's guide name, 22.11 driver name, plugin file, guide notes;
- :mod:`.checks` — the constraints as pure functions of driver + configuration + device facts;
- :mod:`.hooks` — called by :class:`pydpdk.Port` at configure / queue setup; :func:`explain_port`;
- :mod:`.pmdinfo` — what each plugin declares (name, devargs, PCI ids), devargs validation;
- :mod:`.plugins` — load plugins in a child EAL and confirm they register.
"""
from __future__ import annotations

from .catalog import DRIVERS, DriverInfo, lookup, plugin_path
from .checks import (DevFacts, PortConf, RxqConf, TxqConf, check_burst, check_port, check_rxq,
                     check_txq, explain)
from .findings import ERROR, INFO, WARNING, Explanation, Finding
from .hooks import DriverWarning, explain_port
from .pmdinfo import PmdInfo, pmd_info, validate_devargs

__all__ = ["DRIVERS", "DriverInfo", "lookup", "plugin_path", "DevFacts", "PortConf", "RxqConf",
           "TxqConf", "check_port", "check_rxq", "check_txq", "check_burst", "explain", "Finding",
           "Explanation", "INFO", "WARNING", "ERROR", "DriverWarning", "explain_port", "PmdInfo",
           "pmd_info", "validate_devargs"]
