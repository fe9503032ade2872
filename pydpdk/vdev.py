"""Virtual devices: devargs parsing and checks, and hotplug (attach / detach at runtime).

    ports = pydpdk.vdev.attach("net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap")
    pydpdk.vdev.detach("net_pcap0")

DPDK accepts unknown keys and unparsable values for several drivers without a word, and a
second probe of an existing name returns success. pydpdk checks devargs of the drivers it
knows before DPDK sees them and says which plugin is missing when no driver matches.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from . import eal as _eal
from ._native import ffi, lib, cstr, PMD_DIR
from .errors import DeviceError, DriverNotFoundError, invalid

__all__ = ["DriverSpec", "DRIVERS", "parse_devargs", "normalize_devargs", "attach", "detach",
           "device_ports", "driver_for", "VdevSpec", "Generic", "Ring", "Null", "Pcap", "AfPacket",
           "Tap", "Tun", "VirtioUser", "Vhost", "Memif", "parse", "spec_of", "Capability", "capabilities",
           "require"]


def _int(lo: int = 0, hi: int = 1 << 31) -> Callable[[str], str | None]:
    def check(v: str) -> str | None:
        if not re.fullmatch(r"\d+", v) or not lo <= int(v) <= hi:
            return f"an integer from {lo} to {hi}"
        return None
    return check


def _bool01(v: str) -> str | None:
    return None if v in ("0", "1") else "0 or 1"


def _readable(v: str) -> str | None:
    return None if os.path.isfile(v) and os.access(v, os.R_OK) else "a readable file"


def _writable_target(v: str) -> str | None:
    d = os.path.dirname(os.path.abspath(v))
    return None if os.path.isdir(d) and os.access(d, os.W_OK) else f"a path in a writable directory ({d})"


def _iface(v: str) -> str | None:
    return None if os.path.exists(f"/sys/class/net/{v}") else "an existing network interface (see `ip link`)"


def _any(v: str) -> str | None:
    return None


def _mac(v: str) -> str | None:
    return None if re.fullmatch(r"([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}", v) else "a MAC address like 02:00:00:00:00:01"


def _socket_dir(v: str) -> str | None:
    d = os.path.dirname(os.path.abspath(v))
    return None if os.path.isdir(d) and os.access(d, os.W_OK) else f"a socket path in a writable directory ({d})"


@dataclass(frozen=True)
class DriverSpec:
    """What pydpdk knows of a vdev driver: names, plugin, and its devargs keys."""

    name: str
    plugin: str
    aliases: tuple[str, ...] = ()
    keys: dict[str, Callable[[str], str | None]] = field(default_factory=dict)
    repeatable: tuple[str, ...] = ()

    @property
    def plugin_path(self) -> str:
        return os.path.join(PMD_DIR, self.plugin) if PMD_DIR else self.plugin


DRIVERS: dict[str, DriverSpec] = {d.name: d for d in [
    DriverSpec("net_ring", "librte_net_ring.so", ("eth_ring",),
               {"nodeaction": _any, "internal": _any}, ("nodeaction",)),
    DriverSpec("net_null", "librte_net_null.so", ("eth_null",),
               {"size": _int(0, 65535), "copy": _bool01, "no-rx": _bool01}),
    DriverSpec("net_pcap", "librte_net_pcap.so", ("eth_pcap",),
               {"rx_pcap": _readable, "tx_pcap": _writable_target, "rx_iface": _iface,
                "rx_iface_in": _iface, "tx_iface": _iface, "iface": _iface, "phy_mac": _bool01,
                "infinite_rx": _bool01},
               ("rx_pcap", "tx_pcap", "rx_iface", "rx_iface_in", "tx_iface")),
    DriverSpec("net_af_packet", "librte_net_af_packet.so", ("eth_af_packet",),
               {"iface": _iface, "qpairs": _int(1, 16), "blocksz": _int(1), "framesz": _int(1),
                "framecnt": _int(1), "qdisc_bypass": _bool01}),
    DriverSpec("net_tap", "librte_net_tap.so", (),
               {"iface": _any, "mac": lambda v: None if v == "fixed" else _mac(v),
                "remote": _iface, "persist": _any}),
    DriverSpec("net_tun", "librte_net_tap.so", (), {"iface": _any}),
    DriverSpec("net_virtio_user", "librte_net_virtio.so", ("virtio_user",),
               {"path": _any, "mac": _mac, "cq": _bool01, "queue_size": _int(1, 32768),
                "queues": _int(1, 128), "iface": _any, "server": _bool01, "mrg_rxbuf": _bool01,
                "in_order": _bool01, "packed_vq": _bool01, "speed": _int(0), "vectorized": _bool01}),
    DriverSpec("net_vhost", "librte_net_vhost.so", ("eth_vhost",),
               {"iface": _socket_dir, "queues": _int(1, 1024), "client": _bool01,
                "iommu-support": _bool01, "postcopy-support": _bool01, "tso": _bool01,
                "linear-buffer": _bool01, "ext-buffer": _bool01, "legacy-ol-flags": _bool01}),
    DriverSpec("net_memif", "librte_net_memif.so", (),
               {"id": _int(0), "role": lambda v: None if v in ("server", "client", "master", "slave")
                else "'server' or 'client'", "bsize": _int(1, 65535), "rsize": _int(1, 14),
                "socket": _any, "socket-abstract": lambda v: None if v in ("yes", "no") else "'yes' or 'no'",
                "owner-uid": _int(0), "owner-gid": _int(0), "mac": _mac,
                "zero-copy": lambda v: None if v in ("yes", "no") else "'yes' or 'no'", "secret": _any}),
]}

_ALIASES = {alias: spec for spec in DRIVERS.values() for alias in (spec.name, *spec.aliases)}


def driver_for(device_name: str) -> DriverSpec | None:
    """The known driver whose name (or alias) prefixes device_name, as DPDK's vdev bus matches."""
    best = None
    for prefix, spec in _ALIASES.items():
        if device_name.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, spec)
    return best[1] if best else None


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


def normalize_devargs(vdev: Any) -> str:
    """A devargs string from a str or a spec object (anything with ``devargs``), checked."""
    if isinstance(vdev, VdevSpec):
        return vdev.check().devargs()
    devargs = vdev.devargs if hasattr(vdev, "devargs") else vdev
    devargs = devargs() if callable(devargs) else devargs
    check_devargs(devargs)
    return devargs


def check_devargs(devargs: str) -> None:
    name, pairs = parse_devargs(devargs)
    spec = driver_for(name)
    if spec is None:
        return
    seen: set[str] = set()
    for key, value in pairs:
        if key not in spec.keys:
            raise invalid(key, value, f"a {spec.name} devargs key: {', '.join(sorted(spec.keys))}",
                          f"vdev {devargs!r}")
        if key in seen and key not in spec.repeatable:
            raise invalid(key, value, "given once", f"vdev {devargs!r}")
        seen.add(key)
        problem = spec.keys[key](value)
        if problem:
            raise invalid(key, value, problem, f"vdev {devargs!r}")


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
    spec = driver_for(name)
    if spec is not None:
        where = spec.plugin_path
        state = "is present but was not loaded" if os.path.exists(where) else "does not exist"
        msg = (f"no driver registered for vdev {name!r}: it needs {spec.name} from the plugin "
               f"{where}, which {state}; pass plugins=['{where}'] (-d) or install DPDK's PMD package")
    else:
        guess = re.sub(r"\d+$", "", name)
        known = ", ".join(sorted(_ALIASES))
        msg = (f"no driver registered for vdev {name!r}: DPDK found no driver whose name prefixes it "
               f"(known here: {known}); if {guess!r} is a real PMD, its plugin librte_{guess}.so "
               f"was not loaded from {PMD_DIR or 'the plugin directory'}")
    return DriverNotFoundError(19, msg, "rte_dev_probe")


def _check_shareable_memory(cfg: Any, devargs: str) -> None:
    """virtio-user over vhost-user hands its memory to the peer by fd, at most 8 regions: one
    hugepage file per page (the EAL's default) cannot work, and DPDK only logs it."""
    spec = driver_for(devargs.split(",")[0])
    if spec is None or spec.name != "net_virtio_user" or ",path=/dev/" in devargs + ",":
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
    from .dpdk_features import HOTPLUG_DEVARGS_MAX
    n = len(devargs.encode())
    if n > HOTPLUG_DEVARGS_MAX:
        raise invalid("devargs", devargs,
                      f"at most {HOTPLUG_DEVARGS_MAX} bytes for a hotplugged device (this is {n}): DPDK's "
                      "rte_dev_probe() passes devargs to the other processes in a 128-byte field and "
                      "refuses longer ones (E2BIG, 'devargs truncated'); use shorter file paths, or list "
                      "the device in EalConfig(vdevs=[...]) (--vdev has no such limit)", "vdev.attach")


def attach(vdev: Any) -> list["Port"]:  # noqa: F821
    """Hotplug a virtual device by devargs (or spec); returns its ports."""
    from .ethdev import Port
    live = _eal.require()
    devargs = normalize_devargs(vdev)
    name = devargs.split(",")[0]
    _check_shareable_memory(live.config, devargs)
    if device_ports(name):
        raise invalid("devargs", devargs, f"a device name not in use ({name!r} is attached already)")
    _check_hotplug_length(devargs)
    rc = lib.rte_dev_probe(devargs.encode())
    if rc == -14 or (rc < 0 and driver_for(name) is None):   # EFAULT: no bus/driver parses the name
        raise _missing_driver(name)
    if rc < 0:
        raise DeviceError(-rc, f"attaching vdev {devargs!r} failed: the driver refused it "
                          f"({cstr(lib.rte_strerror(-rc))}); DPDK's log above says why", "rte_dev_probe")
    ids = device_ports(name)
    if not ids:
        raise DeviceError(19, f"vdev {devargs!r} was probed but created no port", "rte_dev_probe")
    return [Port(i) for i in ids]


def detach(device: Any) -> None:
    """Hot-unplug a virtual device (by name, devargs or one of its Port objects)."""
    from .ethdev import Port, _ports
    _eal.require()
    name = device.device_name if isinstance(device, Port) else str(device).split(",")[0]
    ids = device_ports(name)
    if not ids:
        raise invalid("device", name, "the name of an attached virtual device")
    for pid in ids:
        port = _ports.get(pid)
        if port is not None and not port.closed:
            if port.started:
                lib.rte_eth_dev_stop(pid)
            port._forget()
    rc = lib.rte_eal_hotplug_remove(b"vdev", name.encode())
    if rc < 0:
        raise DeviceError(-rc, f"detaching {name!r} failed: {cstr(lib.rte_strerror(-rc))}",
                          "rte_eal_hotplug_remove")


from .vdev_spec import (VdevSpec, Generic, Ring, Null, Pcap, AfPacket, Tap, Tun, VirtioUser,  # noqa: E402
                        Vhost, Memif, parse, spec_of, Capability, capabilities, require)
