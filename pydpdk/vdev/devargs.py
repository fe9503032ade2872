"""Devargs strings: parse ('name,k=v,...'), check against the driver's typed spec, normalise
(a string or a spec object in, a checked string out), and typed specs back from strings."""
from __future__ import annotations

import re
from typing import Any, Optional

from ..errors import invalid
from ..ethdev import Port
from ..ethdev.pmds import Pmd, vdev_driver_for
from .specs import SPECS, Generic, VdevSpec, check_values, spec_class

__all__ = ["parse_devargs", "check_devargs", "normalize_devargs", "driver_for", "parse", "spec_of",
           "shares_memory_by_fd"]


def driver_for(device_name: str) -> Optional[Pmd]:
    """The known vdev driver whose name (or alias) prefixes device_name, as DPDK's vdev bus matches."""
    return vdev_driver_for(device_name)


def parse_devargs(devargs: str) -> tuple[str, list[tuple[str, str]]]:
    """'name,k=v,k=v' -> (name, [(k, v), ...]), checked for well-formedness."""
    if not isinstance(devargs, str) or not devargs:
        raise invalid("devargs", devargs, "a string 'NAME[,KEY=VALUE...]' such as 'net_ring0'")
    name, _, rest = devargs.partition(",")
    if not re.fullmatch(r"[A-Za-z0-9_.:\-]+", name):
        raise invalid("devargs", devargs, "a device name of letters, digits and _ first (e.g. 'net_pcap0')")
    pairs = []
    if rest or devargs.endswith(","):
        for item in rest.split(","):
            key, eq, value = item.partition("=")
            if not key or not eq or not value or "=" in value and key not in ("nodeaction",):
                raise invalid("devargs", devargs, f"comma-separated KEY=VALUE items (bad item {item!r})")
            pairs.append((key, value))
    return name, pairs


def check_devargs(devargs: str, *, check_env: bool = True) -> None:
    """Keys and values of a known driver's devargs (files, interfaces and directories too,
    unless check_env=False: what only the target machine can tell)."""
    name, pairs = parse_devargs(devargs)
    cls = spec_class(name)
    if cls is not None:
        check_values(cls, devargs, pairs, check_env=check_env)


def normalize_devargs(vdev: Any) -> str:
    """A devargs string from a str or a spec object (anything with ``devargs``), checked."""
    if isinstance(vdev, VdevSpec):
        return vdev.check().devargs()
    devargs = vdev.devargs if hasattr(vdev, "devargs") else vdev
    devargs = devargs() if callable(devargs) else devargs
    check_devargs(devargs)
    return devargs


def parse(devargs: "str | VdevSpec") -> VdevSpec:
    """A typed spec from a devargs string ('net_pcap0,rx_pcap=a.pcap'); Generic for drivers
    pydpdk has no spec for. Keys and value forms are checked, files and interfaces are not
    (call .check())."""
    if isinstance(devargs, VdevSpec):
        return devargs
    name, pairs = parse_devargs(devargs)
    drv = driver_for(name)
    cls = SPECS.get(drv.name) if drv else None
    return (cls or Generic).from_pairs(name, pairs, devargs)


def spec_of(port: Port) -> VdevSpec:
    """The typed spec a live port's device was created from (its name and DPDK's devargs)."""
    args = port.devargs
    return parse(f"{port.device_name},{args}" if args else port.device_name)


def shares_memory_by_fd(devargs: str) -> bool:
    """True for a device that hands this process's memory to a peer by file descriptor (virtio-user
    over vhost-user: at most 8 memory regions, so hugepages need --single-file-segments). The one
    rule the EAL config and hotplug both follow."""
    pmd = driver_for(devargs.split(",")[0])
    if pmd is None or pmd.name != "net_virtio_user":
        return False
    return not any(k == "path" and v.startswith("/dev/") for k, v in parse_devargs(devargs)[1])
