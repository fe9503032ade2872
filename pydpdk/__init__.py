"""pydpdk: DPDK's poll-mode-driver world from Python, per-packet work kept in C.

Three layers: ``pydpdk._native`` (the raw compiled module, hazmat), the objects below
(EAL, ports, mempools, mbufs, rings, vdevs), and recipes (the ``pydpdk`` CLI, samples).
"""
from ._version import __version__
from ._native import RUNTIME_DPDK as dpdk_version
from .errors import (PydpdkError, DpdkError, EalError, EalNotInitializedError,
                     EalConfigMismatchError, NoHugepagesError, DeviceError, DriverNotFoundError,
                     PortError, MempoolError, RingError, InvalidArgumentError, ResourceClosedError,
                     ResourceBusyError, MbufReleasedError)
from .eal import Eal, EalConfig, cleanup, current
from .mempool import Mempool
from .mbuf import Mbuf, MbufBurst
from .ethdev import Port, ports, Link, PortStats, DevInfo
from .ring import Ring
from . import vdev
from . import stats  # records and the rate Sampler (pydpdk.stats.Sampler)
from .interop import sendp, sniff, sniff_iter  # scapy-style, on top of the burst API
from .forward import Forwarder  # native forwarding engines on lcores (pydpdk.forward)

__all__ = [
    "__version__", "dpdk_version", "Eal", "EalConfig", "cleanup", "current", "Mempool", "Mbuf",
    "MbufBurst", "Port", "ports", "Link", "PortStats", "DevInfo", "Ring", "vdev",
    "PydpdkError", "DpdkError", "EalError", "EalNotInitializedError", "EalConfigMismatchError",
    "NoHugepagesError", "DeviceError", "DriverNotFoundError", "PortError", "MempoolError",
    "RingError", "InvalidArgumentError", "ResourceClosedError", "ResourceBusyError",
    "MbufReleasedError", "sendp", "sniff", "sniff_iter", "Forwarder",
]
from .errors import TelemetryError  # noqa: E402  (telemetry, log, multiprocess: import pydpdk.<name>)
__all__ += ["TelemetryError"]
