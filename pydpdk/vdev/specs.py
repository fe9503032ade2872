"""Typed virtual-device specs: each renders its devargs, parses them back, and checks what can
be checked before EAL sees it.

    pcap = pydpdk.vdev.Pcap(rx_pcap="in.pcap", tx_pcap="out.pcap")
    str(pcap)                        # 'net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap'
    pydpdk.vdev.parse(str(pcap)) == pcap
    pydpdk.EalConfig(vdevs=[pcap.check()]) ; pydpdk.vdev.attach(pcap)

Python field names are the devargs keys with ``-`` written ``_`` (``no_rx`` for ``no-rx``).
Booleans render as the driver wants them (``1``/``0``, or ``yes``/``no`` for memif); keys a
driver takes several times (pcap streams, ring nodeaction) take a list.
"""
from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, cast

from ..errors import DeviceError, invalid
from ..ethdev.pmds import vdev_driver_for
from . import values as V
from .capabilities import require

__all__ = ["VdevSpec", "Generic", "Ring", "Null", "Pcap", "AfPacket", "Tap", "Tun", "VirtioUser",
           "Vhost", "Memif", "SPECS", "spec_class"]

IFNAMSIZ = 16


_FORM: dict[str, Any] = {"int": V.integer(), "bool": V.bool01, "yesno": V.yesno}


def _k(kind: str = "str", key: str | None = None, check: Any = None, env: Any = None) -> Any:
    """A devargs field: kind is str, int, bool (1/0), yesno (yes/no) or list (repeatable str);
    ``check`` a stricter form check of the value as DPDK gets it (a range, a MAC...), ``env``
    what only the machine can tell (a file readable, an interface present)."""
    return field(default=(() if kind == "list" else None),
                 metadata={"kind": kind, "key": key, "check": check or _FORM.get(kind), "env": env})


@dataclass
class VdevSpec:
    """Base of the typed specs. ``name`` is the device name (default: the driver's name + '0')."""

    name: str | None = None
    driver: ClassVar[str] = ""

    def __post_init__(self) -> None:
        if self.name is None:
            self.name = f"{self.driver}0"
        ctx = type(self).__name__
        if not isinstance(self.name, str) or not re.fullmatch(r"[A-Za-z0-9_.:\-]+", self.name):
            raise invalid("name", self.name, "a device name of letters, digits and _ (e.g. 'net_pcap0')", ctx)
        spec = vdev_driver_for(self.name)
        if self.driver and (spec is None or spec.name != self.driver):
            raise invalid("name", self.name, f"a name starting with {self.driver!r} (DPDK picks the "
                          "driver by the name's prefix)", ctx)
        for f in self._devfields():
            v = getattr(self, f.name)
            kind = f.metadata["kind"]
            if kind == "list":
                v = (v,) if isinstance(v, (str, os.PathLike)) else tuple(v or ())
                setattr(self, f.name, tuple(os.fspath(x) if isinstance(x, os.PathLike) else x for x in v))
                for x in getattr(self, f.name):
                    _plain(f, x, ctx)
            elif v is None:
                continue
            elif kind in ("bool", "yesno"):
                if not isinstance(v, bool):
                    raise invalid(f.name, v, "True or False", ctx)
            elif kind == "int":
                if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                    raise invalid(f.name, v, "a non-negative integer", ctx)
            else:
                if isinstance(v, os.PathLike):
                    setattr(self, f.name, os.fspath(v))
                _plain(f, getattr(self, f.name), ctx)

    @classmethod
    def _devfields(cls) -> list[Any]:
        return [f for f in fields(cls) if f.name != "name"]

    @staticmethod
    def _key(f: Any) -> str:
        return f.metadata["key"] or f.name

    # -- rendering ---------------------------------------------------------------------------
    def pairs(self) -> list[tuple[str, str]]:
        """(key, value) devargs items, in field order."""
        out: list[tuple[str, str]] = []
        for f in self._devfields():
            v, kind, key = getattr(self, f.name), f.metadata["kind"], self._key(f)
            if kind == "list":
                out += [(key, str(x)) for x in v]
            elif v is None:
                continue
            elif kind == "bool":
                out.append((key, "1" if v else "0"))
            elif kind == "yesno":
                out.append((key, "yes" if v else "no"))
            else:
                out.append((key, str(v)))
        return out

    def devargs(self) -> str:
        """The devargs string, as given to ``--vdev`` or hotplug."""
        return ",".join([cast(str, self.name), *(f"{k}={v}" for k, v in self.pairs())])  # set by __post_init__

    def __str__(self) -> str:
        return self.devargs()

    def eal_args(self) -> list[str]:
        """['--vdev', devargs]: for dpdk-testpmd or any DPDK application's command line."""
        return ["--vdev", self.devargs()]

    # -- parsing -------------------------------------------------------------------------------
    @classmethod
    def from_pairs(cls, name: str, pairs: list[tuple[str, str]], devargs: str = "") -> "VdevSpec":
        """The spec for a device name and its (key, value) devargs pairs, values converted and checked."""
        ctx = f"vdev {devargs or name!r}"
        bykey = {cls._key(f): f for f in cls._devfields()}
        kw: dict[str, Any] = {}
        for key, value in pairs:
            f = bykey.get(key)
            if f is None:
                raise invalid(key, value, f"a {cls.driver} devargs key: {', '.join(sorted(bykey))}", ctx)
            kind = f.metadata["kind"]
            if kind == "list":
                kw[f.name] = kw.get(f.name, ()) + (value,)
                continue
            if f.name in kw:
                raise invalid(key, value, "given once", ctx)
            if kind == "int":
                if not re.fullmatch(r"\d+", value):
                    raise invalid(key, value, "a non-negative integer", ctx)
                kw[f.name] = int(value)
            elif kind == "bool":
                if value not in ("0", "1"):
                    raise invalid(key, value, "0 or 1", ctx)
                kw[f.name] = value == "1"
            elif kind == "yesno":
                if value not in ("yes", "no"):
                    raise invalid(key, value, "'yes' or 'no'", ctx)
                kw[f.name] = value == "yes"
            else:
                kw[f.name] = value
        return cls(name, **kw)

    # -- checking ------------------------------------------------------------------------------
    def check(self) -> "VdevSpec":
        """Check what can be checked before EAL sees the device (files, interfaces, socket
        directories, kernel features); raise InvalidArgumentError / DeviceError naming the
        problem. Returns self."""
        cls = spec_class(cast(str, self.name))  # set by __post_init__
        if cls is not None:
            check_values(cls, self.devargs(), self.pairs(), check_env=True)
        self._check()
        return self

    def _check(self) -> None:
        pass

    def _ctx(self) -> str:
        return f"vdev {self.devargs()!r}"


def _plain(f: Any, v: Any, ctx: str) -> None:
    if not isinstance(v, str) or not v or "," in v or "=" in v:
        raise invalid(f.name, v, "a non-empty string without ',' or '='", ctx)


def spec_class(device_name: str) -> "type[VdevSpec] | None":
    """The typed spec class for a device name (by its driver), or None."""
    pmd = vdev_driver_for(device_name)
    return SPECS.get(pmd.name) if pmd else None


def check_values(cls: "type[VdevSpec]", devargs: str, pairs: list[tuple[str, str]], *,
                 check_env: bool = True) -> None:
    """Keys, repeats and value forms of devargs pairs for the spec class cls; with check_env also
    what the machine must have (files, interfaces, directories). InvalidArgumentError names the key."""
    ctx = f"vdev {devargs!r}"
    bykey = {cls._key(f): f for f in cls._devfields()}
    seen: set[str] = set()
    for key, value in pairs:
        f = bykey.get(key)
        if f is None:
            raise invalid(key, value, f"a {cls.driver} devargs key: {', '.join(sorted(bykey))}", ctx)
        if key in seen and f.metadata["kind"] != "list":
            raise invalid(key, value, "given once", ctx)
        seen.add(key)
        for check in (f.metadata["check"], f.metadata["env"] if check_env else None):
            problem = check(value) if check is not None else None
            if problem:
                raise invalid(key, value, problem, ctx)


def _need_iface(spec: VdevSpec, attr: str, value: str | None) -> None:
    if value is not None and not os.path.exists(f"/sys/class/net/{value}"):
        netns = " (interfaces inside another network namespace are not visible here)"
        raise invalid(attr, value, f"an existing network interface (see `ip link`){netns}", spec._ctx())


def _need_dir(spec: VdevSpec, attr: str, path: str, what: str) -> None:
    d = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(d):
        raise invalid(attr, path, f"{what} in an existing directory ({d} does not exist)", spec._ctx())
    if not os.access(d, os.W_OK | os.X_OK):
        raise invalid(attr, path, f"{what} in a writable directory ({d} is not writable)", spec._ctx())


@dataclass
class Generic(VdevSpec):
    """Any vdev pydpdk has no typed spec for: name plus raw (key, value) items."""

    args: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise invalid("name", self.name, "a device name", "vdev.Generic")
        self.args = tuple((str(k), str(v)) for k, v in self.args)

    def pairs(self) -> list[tuple[str, str]]:
        return list(self.args)

    @classmethod
    def from_pairs(cls, name: str, pairs: list[tuple[str, str]], devargs: str = "") -> "Generic":
        return cls(name, args=tuple(pairs))


@dataclass
class Ring(VdevSpec):
    """net_ring (guide §7.1.2): two ring ports looped together, or rings named by nodeaction
    ``NAME:NUMA_NODE:CREATE|ATTACH`` (several allowed)."""

    driver: ClassVar[str] = "net_ring"
    nodeaction: tuple[str, ...] = _k("list")
    internal: str | None = _k()

    def _check(self) -> None:
        for na in self.nodeaction:
            if not re.fullmatch(r"[^:]+:\d+:(CREATE|ATTACH)", na):
                raise invalid("nodeaction", na, "NAME:NUMA_NODE:CREATE or NAME:NUMA_NODE:ATTACH", self._ctx())


@dataclass
class Null(VdevSpec):
    """net_null: RX returns size-byte packets without end (a generator), TX frees (a sink)."""

    driver: ClassVar[str] = "net_null"
    size: int | None = _k("int", check=V.integer(0, 65535))
    copy: bool | None = _k("bool")
    no_rx: bool | None = _k("bool", "no-rx")


@dataclass
class Pcap(VdevSpec):
    """net_pcap (guide §7.1.1): streams from/to pcap files and kernel interfaces. Each of
    rx_pcap, tx_pcap, rx_iface, rx_iface_in, tx_iface takes one value or a list (one queue per
    value); ``iface`` maps one interface for both directions."""

    driver: ClassVar[str] = "net_pcap"
    rx_pcap: tuple[str, ...] = _k("list", env=V.readable)
    tx_pcap: tuple[str, ...] = _k("list", env=V.writable_target)
    rx_iface: tuple[str, ...] = _k("list", env=V.iface)
    rx_iface_in: tuple[str, ...] = _k("list", env=V.iface)
    tx_iface: tuple[str, ...] = _k("list", env=V.iface)
    iface: str | None = _k(env=V.iface)
    phy_mac: bool | None = _k("bool")
    infinite_rx: bool | None = _k("bool")

    def _check(self) -> None:
        ctx = self._ctx()
        rx = self.rx_pcap + self.rx_iface + self.rx_iface_in
        tx = self.tx_pcap + self.tx_iface
        if self.iface is not None and (rx or tx):
            raise invalid("iface", self.iface, "alone: iface maps one interface for RX and TX; "
                          "give rx_*/tx_* streams instead to combine sources", ctx)
        if self.iface is None and not rx and not tx:
            raise invalid("streams", "none", "at least one of rx_pcap, rx_iface, rx_iface_in, "
                          "tx_pcap, tx_iface or iface (guide §7.1.1)", ctx)
        for p in self.rx_pcap:
            with open(p, "rb") as fh:
                magic = fh.read(4)
            if magic not in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"):
                raise invalid("rx_pcap", p, "a classic pcap file (pcapng is not read by the pcap PMD; "
                              "convert with `editcap -F pcap`)", ctx)
        for attr in ("rx_iface", "rx_iface_in", "tx_iface"):
            for v in getattr(self, attr):
                _need_iface(self, attr, v)
        _need_iface(self, "iface", self.iface)
        if self.infinite_rx and (len(self.rx_pcap) != 1 or rx != self.rx_pcap):
            raise invalid("infinite_rx", True, "exactly one rx_pcap stream and no interface RX", ctx)
        if self.phy_mac and self.iface is None:
            raise invalid("phy_mac", True, "used with iface= (the MAC is read from that interface)", ctx)


@dataclass
class AfPacket(VdevSpec):
    """net_af_packet: a kernel interface through AF_PACKET sockets (one per queue pair)."""

    driver: ClassVar[str] = "net_af_packet"
    iface: str | None = _k(env=V.iface)
    qpairs: int | None = _k("int", check=V.integer(1, 16))
    blocksz: int | None = _k("int", check=V.integer(1))
    framesz: int | None = _k("int", check=V.integer(1))
    framecnt: int | None = _k("int", check=V.integer(1))
    qdisc_bypass: bool | None = _k("bool")

    def _check(self) -> None:
        if self.iface is None:
            raise invalid("iface", None, "a kernel interface name (af_packet needs iface=)", self._ctx())
        _need_iface(self, "iface", self.iface)
        if self.framesz and self.blocksz and self.blocksz % self.framesz:
            raise invalid("blocksz", self.blocksz, f"a multiple of framesz ({self.framesz})", self._ctx())


def _need_tun(spec: VdevSpec) -> None:
    if not os.path.exists("/dev/net/tun"):
        raise DeviceError(errno.ENODEV, f"{spec.devargs()!r}: the tap PMD needs /dev/net/tun (the kernel's tun "
                          "module); it does not exist on this host", "check")


@dataclass
class Tap(VdevSpec):
    """net_tap: a kernel TAP interface (iface= its name, default dtap0) fed by the port; the
    exception path to the Linux stack (KNI's successor)."""

    driver: ClassVar[str] = "net_tap"
    iface: str | None = _k()
    mac: str | None = _k(check=V.mac_or_fixed)
    remote: str | None = _k(env=V.iface)
    persist: str | None = _k()

    def _check(self) -> None:
        if self.iface is not None and len(self.iface) >= IFNAMSIZ:
            raise invalid("iface", self.iface, f"an interface name of at most {IFNAMSIZ - 1} characters", self._ctx())
        _need_iface(self, "remote", self.remote)
        _need_tun(self)


@dataclass
class Tun(VdevSpec):
    """net_tun: a kernel TUN interface (L3: IP packets without Ethernet header)."""

    driver: ClassVar[str] = "net_tun"
    iface: str | None = _k()

    def _check(self) -> None:
        if self.iface is not None and len(self.iface) >= IFNAMSIZ:
            raise invalid("iface", self.iface, f"an interface name of at most {IFNAMSIZ - 1} characters", self._ctx())
        _need_tun(self)


@dataclass
class VirtioUser(VdevSpec):
    """net_virtio_user: a virtio-net device whose back end is a vhost-user socket (``path``; a
    DPDK net_vhost or any vhost-user switch) or the kernel's vhost-net (``path=/dev/vhost-net``).
    Needs memory a peer can map: hugepage files with single-file segments (EalConfig adds
    --single-file-segments itself), --in-memory or --no-huge (memfd). With ``server=True`` DPDK's
    probe (EAL init or attach) blocks until a vhost-user client connects: start the peer first."""

    driver: ClassVar[str] = "net_virtio_user"
    path: str | None = _k()
    mac: str | None = _k(check=V.mac)
    cq: bool | None = _k("bool")
    queue_size: int | None = _k("int", check=V.integer(1, 32768))
    queues: int | None = _k("int", check=V.integer(1, 128))
    iface: str | None = _k()
    server: bool | None = _k("bool")
    mrg_rxbuf: bool | None = _k("bool")
    in_order: bool | None = _k("bool")
    packed_vq: bool | None = _k("bool")
    speed: int | None = _k("int")
    vectorized: bool | None = _k("bool")

    @property
    def vhost_kernel(self) -> bool:
        """True when path names a /dev node (vhost-kernel, e.g. /dev/vhost-net) rather than a vhost-user socket."""
        return self.path is not None and self.path.startswith("/dev/")

    def _check(self) -> None:
        ctx = self._ctx()
        if self.path is None:
            raise invalid("path", None, "a vhost-user socket path or /dev/vhost-net", ctx)
        if self.vhost_kernel:
            require("virtio_user_vhost_kernel")
            if not stat.S_ISCHR(os.stat(self.path).st_mode):
                raise invalid("path", self.path, "a character device (vhost-net)", ctx)
        elif self.server:
            _need_dir(self, "path", self.path, "a socket path (server=1: this side listens)")
        elif not os.path.exists(self.path):
            raise invalid("path", self.path, "the socket of a listening vhost-user back end (start the "
                          "vhost side first, or give server=1 to listen and let it connect as client)", ctx)
        elif not stat.S_ISSOCK(os.stat(self.path).st_mode):
            raise invalid("path", self.path, "a UNIX socket (vhost-user)", ctx)
        if self.queue_size is not None and self.queue_size & (self.queue_size - 1):
            raise invalid("queue_size", self.queue_size, "a power of two", ctx)


@dataclass
class Vhost(VdevSpec):
    """net_vhost: the vhost-user back end; ``iface`` is the socket path it listens on (or, with
    client=True, connects to)."""

    driver: ClassVar[str] = "net_vhost"
    iface: str | None = _k(env=V.socket_dir)
    queues: int | None = _k("int", check=V.integer(1, 1024))
    client: bool | None = _k("bool")
    iommu_support: bool | None = _k("bool", "iommu-support")
    postcopy_support: bool | None = _k("bool", "postcopy-support")
    tso: bool | None = _k("bool")
    linear_buffer: bool | None = _k("bool", "linear-buffer")
    ext_buffer: bool | None = _k("bool", "ext-buffer")
    legacy_ol_flags: bool | None = _k("bool", "legacy-ol-flags")

    def _check(self) -> None:
        if self.iface is None:
            raise invalid("iface", None, "the vhost-user socket path", self._ctx())
        _need_dir(self, "iface", self.iface, "a socket path")
        if not self.client and os.path.exists(self.iface) and not stat.S_ISSOCK(os.stat(self.iface).st_mode):
            raise invalid("iface", self.iface, "a free path or a stale socket (it is another kind of file)",
                          self._ctx())


@dataclass
class Memif(VdevSpec):
    """net_memif: shared-memory packet interface; role server (creates the socket) or client.
    The socket is abstract by default in DPDK 22.11 (socket_abstract=False for a file)."""

    driver: ClassVar[str] = "net_memif"
    id: int | None = _k("int")
    role: str | None = _k(check=V.one_of("server", "client", "master", "slave"))
    bsize: int | None = _k("int", check=V.integer(1, 65535))
    rsize: int | None = _k("int", check=V.integer(1, 14))
    socket: str | None = _k()
    socket_abstract: bool | None = _k("yesno", "socket-abstract")
    owner_uid: int | None = _k("int", "owner-uid")
    owner_gid: int | None = _k("int", "owner-gid")
    mac: str | None = _k(check=V.mac)
    zero_copy: bool | None = _k("yesno", "zero-copy")
    secret: str | None = _k()

    def _check(self) -> None:
        if self.socket is not None and self.socket_abstract is False:
            _need_dir(self, "socket", self.socket, "a socket path")
        if self.socket is not None and len(self.socket) > 107:
            raise invalid("socket", self.socket, "a socket path of at most 107 characters", self._ctx())


#: the typed spec of each vdev driver (the drivers themselves are rows of pydpdk.ethdev.pmds.PMDS)
SPECS: dict[str, type[VdevSpec]] = {c.driver: c for c in
                                    (Ring, Null, Pcap, AfPacket, Tap, Tun, VirtioUser, Vhost, Memif)}


