"""Hotplug of virtual devices (attach / detach at runtime), and what the EAL asks of vdevs.

DPDK accepts unknown keys and unparsable values for several drivers without a word, and a
second probe of an existing name returns success. pydpdk checks devargs of the drivers it
knows before DPDK sees them and says which plugin is missing when no driver matches.
"""
from __future__ import annotations

import errno
import re
from typing import Any, Sequence

from .. import eal as _eal
from .._native import PMD_DIR, cstr, ffi, lib
from ..errors import DeviceError, DriverNotFoundError, check, invalid
from ..ethdev import Port, forget_port
from ..ethdev.pmds import vdev_names
from ..pcap import trim_pcap
from .devargs import driver_for, normalize_devargs, parse_devargs, shares_memory_by_fd
from .specs import VdevSpec

__all__ = ["attach", "detach", "device_ports"]


def device_ports(device_name: str) -> list[int]:
    """Port ids whose rte_device is named device_name."""
    out = []
    info = ffi.new("struct rte_eth_dev_info *")
    pid = lib.rte_eth_find_next(0)
    while pid < lib.RTE_MAX_ETHPORTS:
        if lib.rte_eth_dev_info_get(pid, info) == 0 and info.device != ffi.NULL \
                and cstr(lib.rte_dev_name(info.device)) == device_name:
            out.append(int(pid))
        pid = lib.rte_eth_find_next(pid + 1)
    return out


def _missing_driver(name: str) -> DriverNotFoundError:
    pmd = driver_for(name)
    if pmd is not None:
        where = pmd.plugin_path
        state = "is present but was not loaded" if pmd.installed else "does not exist"
        msg = (f"no driver registered for vdev {name!r}: it needs {pmd.name} from the plugin "
               f"{where}, which {state}; pass plugins=['{where}'] (-d) or install DPDK's PMD package")
    else:
        guess = re.sub(r"\d+$", "", name)
        msg = (f"no driver registered for vdev {name!r}: DPDK found no driver whose name prefixes it "
               f"(known here: {', '.join(vdev_names())}); if {guess!r} is a real PMD, its plugin "
               f"librte_{guess}.so was not loaded from {PMD_DIR or 'the plugin directory'}")
    return DriverNotFoundError(errno.ENODEV, msg, "rte_dev_probe")


def _check_shareable_memory(cfg: Any, devargs: str) -> None:
    """virtio-user over vhost-user hands its memory to the peer by fd, at most 8 regions: one
    hugepage file per page (the EAL's default) cannot work, and DPDK only logs it."""
    if not shares_memory_by_fd(devargs):
        return
    if cfg.in_memory or cfg.no_huge or "--single-file-segments" in cfg.eal_argv():
        return
    raise invalid("vdev", devargs, "an EAL whose memory a vhost-user peer can map: this EAL keeps one "
                  "hugepage file per page (no --single-file-segments), more than vhost-user's 8 memory "
                  "regions (DPDK logs 'Too many memory regions' and the device never starts). Initialise "
                  "the EAL with single_file_segments=True, in_memory=True or no_huge=True, or list the "
                  "device in EalConfig(vdevs=[...]) so pydpdk adds --single-file-segments itself")


def _check_hotplug_length(devargs: str) -> None:
    """rte_dev_probe() refuses (E2BIG) or, in older point releases, silently truncates devargs
    longer than its 128-byte multi-process message field: say so before DPDK does."""
    from ..dpdk_features import HOTPLUG_DEVARGS_MAX
    n = len(devargs.encode())
    if n > HOTPLUG_DEVARGS_MAX:
        raise invalid("devargs", devargs,
                      f"at most {HOTPLUG_DEVARGS_MAX} bytes for a hotplugged device (this is {n}): DPDK's "
                      "rte_dev_probe() passes devargs to the other processes in a 128-byte field and "
                      "refuses longer ones (E2BIG, 'devargs truncated'); use shorter file paths, or list "
                      "the device in EalConfig(vdevs=[...]) (--vdev has no such limit)", "vdev.attach")


def attach(vdev: str | VdevSpec) -> list[Port]:
    """Hotplug a virtual device by devargs (or spec); returns its ports."""
    live = _eal.require()
    devargs = normalize_devargs(vdev)
    name = devargs.split(",")[0]
    _check_shareable_memory(live.config, devargs)
    if device_ports(name):
        raise invalid("devargs", devargs, f"a device name not in use ({name!r} is attached already)")
    _check_hotplug_length(devargs)
    rc = lib.rte_dev_probe(devargs.encode())
    if rc == -errno.EFAULT or (rc < 0 and driver_for(name) is None):   # no bus/driver parses the name
        raise _missing_driver(name)
    if rc < 0:
        raise DeviceError(-rc, f"attaching vdev {devargs!r} failed: the driver refused it "
                          f"({cstr(lib.rte_strerror(-rc))}); DPDK's log above says why", "rte_dev_probe")
    ids = device_ports(name)
    if not ids:
        raise DeviceError(errno.ENODEV, f"vdev {devargs!r} was probed but created no port", "rte_dev_probe")
    return [Port(i) for i in ids]


def detach(device: str | Port) -> None:
    """Hot-unplug a virtual device (by name, devargs or one of its Port objects)."""
    _eal.require()
    name = device.device_name if isinstance(device, Port) else str(device).split(",")[0]
    ids = device_ports(name)
    if not ids:
        raise invalid("device", name, "the name of an attached virtual device")
    tx_files = _pcap_tx_files(ids)
    for pid in ids:
        Port(pid).link()                  # a virtio-user server port notices a gone peer here
        reason = Port(pid)._keep_open
        if reason:
            raise DeviceError(errno.EBUSY, f"detaching {name!r} refused: {reason}", "rte_eal_hotplug_remove")
    for pid in ids:
        forget_port(pid)
    check(lib.rte_eal_hotplug_remove(b"vdev", name.encode()), f"rte_eal_hotplug_remove(vdev, {name!r})",
          DeviceError)
    _check_pcap_files(name, tx_files)


def _pcap_tx_files(ids: Sequence[int]) -> list[str]:
    """The tx_pcap files of net_pcap ports (checked once their dumper is closed)."""
    out: list[str] = []
    info = ffi.new("struct rte_eth_dev_info *")
    for pid in ids:
        if lib.rte_eth_dev_info_get(pid, info) or cstr(info.driver_name) != "net_pcap" or info.device == ffi.NULL:
            continue
        args = cstr(lib.pydpdk_dev_args(info.device))
        if args:
            out += [v for k, v in parse_devargs(f"pcap,{args}")[1] if k == "tx_pcap"]
    return out


def _check_pcap_files(name: str, files: Sequence[str]) -> None:
    """The pcap PMD ignores write errors (a full file system): after detach, a tx_pcap file that
    ends in a partial record is cut back to its complete records and the loss reported."""
    for path in files:
        try:
            scan = trim_pcap(path)
        except OSError:
            continue
        if scan.truncated:
            raise DeviceError(errno.ENOSPC, f"{name}: writing tx_pcap={path} failed part-way (the file system "
                              f"is full?): the file keeps its {scan.records} complete records, the partial last "
                              f"one was cut off ({scan.size - scan.valid_bytes} bytes); packets sent after that "
                              "were counted as sent by the PMD but are not in the file", "pcap_dump")


class EalVdevSupport:
    """What pydpdk.eal asks of vdevs (registered with eal when this package is imported)."""

    @staticmethod
    def normalize(vdev: Any) -> str:
        return normalize_devargs(vdev)

    @staticmethod
    def attach_missing(vdevs: Sequence[str]) -> None:
        for devargs in vdevs:
            if not device_ports(devargs.split(",")[0]):
                attach(devargs)

    @staticmethod
    def shares_memory_by_fd(devargs: str) -> bool:
        return shares_memory_by_fd(devargs)
