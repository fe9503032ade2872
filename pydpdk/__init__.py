"""pydpdk: DPDK's poll-mode-driver world from Python, per-packet work kept in C.

Layers, lowest first (docs/architecture.md): the compiled module ``pydpdk._native`` (hazmat);
errors and resource ownership; the core objects (EAL, ports, mempools, mbufs, rings, vdevs);
the native engines (``pydpdk.forward``); observers and knowledge (stats, telemetry, notebook
views, driver checks, host tools); the set-up layer; recipes (YAML config, testing, the CLI).
"""
from ._version import __version__
from ._native import RUNTIME_DPDK as dpdk_version
from .errors import (PydpdkError, DpdkError, EalError, EalNotInitializedError,
                     EalConfigMismatchError, NoHugepagesError, DeviceError, DriverNotFoundError,
                     PortError, MempoolError, RingError, InvalidArgumentError, ResourceClosedError,
                     ResourceBusyError, MbufReleasedError, TelemetryError)
from .eal import Eal, EalConfig, cleanup, current
from .mempool import Mempool
from .mbuf import Mbuf, MbufBurst
from .ethdev import Port, ports, Link, PortStats, DevInfo
from .ring import Ring
from . import vdev
from .forward import Forwarder, ForwardStats
from . import stats  # records and the rate Sampler (pydpdk.stats.Sampler)
from .interop import sendp, sniff, sniff_iter  # scapy-style, on top of the burst API
from . import flow, capture  # noqa: F401,E402  (Port.flow, Port.capture)
from .ethdev import intr as _intr  # noqa: F401,E402  (Port.wait_rx, Port.recv)
from . import drivers  # noqa: F401  (subscribes the driver checks to port configuration)
from . import notebook  # noqa: F401  (registers the HTML views with IPython when it runs)

__all__ = [
    "__version__", "dpdk_version", "Eal", "EalConfig", "cleanup", "current", "Mempool", "Mbuf",
    "MbufBurst", "Port", "ports", "Link", "PortStats", "DevInfo", "Ring", "vdev", "Forwarder",
    "ForwardStats", "stats",
    "PydpdkError", "DpdkError", "EalError", "EalNotInitializedError", "EalConfigMismatchError",
    "NoHugepagesError", "DeviceError", "DriverNotFoundError", "PortError", "MempoolError",
    "RingError", "InvalidArgumentError", "ResourceClosedError", "ResourceBusyError",
    "MbufReleasedError", "TelemetryError", "sendp", "sniff", "sniff_iter",
]
from .session import Session  # noqa: E402  (the typed set-up: pydpdk.session)
__all__ += ["Session"]
