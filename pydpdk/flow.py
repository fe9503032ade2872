"""rte_flow: flow rules that match packets in the NIC (or the PMD) and act on them.

A rule is a pattern (items, outermost first) plus actions, under attributes (group, priority,
ingress/egress/transfer). Build one in Python or write it as in testpmd::

    from pydpdk import flow
    table = flow.FlowTable(port)                  # the one table of that port
    rule = table.create([flow.eth(), flow.ipv4(dst="198.18.0.1"), flow.udp(dst=53)],
                        [flow.drop()])
    rule = flow.execute("flow create 0 ingress pattern eth / ipv4 dst is 198.18.0.1 / "
                        "udp dst is 53 / end actions queue index 1 / end")
    rule.destroy()                                 # or table.flush(), or port.close()

Item fields follow testpmd: ``dst="198.18.0.1"`` is testpmd's ``dst is 198.18.0.1`` (spec =
value, mask = all ones); :class:`Masked`, :class:`Prefix` and :class:`Range` give ``spec/mask``,
``prefix`` and ``spec/last``. A field not given is not matched (mask 0); an item without fields
matches any header of its kind.

Failures raise :class:`FlowError` carrying DPDK's message, the rte_flow error type and, when
the driver names one, the failing item or action and its index. A driver without rte_flow
raises :class:`FlowNotSupportedError` (also a :class:`~pydpdk.errors.NotSupportedError`).
Rules are :class:`FlowRule` objects owned by their port's table: destroyed by ``destroy()``,
``table.flush()``, ``Port.close()`` (before the port closes) and EAL cleanup.
"""
from __future__ import annotations

import errno as _errno
import ipaddress
import shlex
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence, cast

from .ethdev import hooks as _port_hooks
from ._native import ffi, lib, cstr
from ._resource import Resource
from .errors import NotSupportedError, PortError, invalid
from .ethdev import RSS_HASH_FUNCTIONS, Port, parse_mac

__all__ = [
    "FlowError", "FlowNotSupportedError", "FlowTable", "FlowRule", "Item", "Action", "Attr",
    "Masked", "Prefix", "Range", "ITEMS", "ACTIONS", "Command", "parse", "execute", "table", "rule_command",
    "any_", "eth", "vlan", "ipv4", "ipv6", "icmp", "udp", "tcp", "sctp", "vxlan", "raw",
    "queue", "drop", "count", "mark", "flag", "jump", "passthru", "rss", "port_id",
    "represented_port",
]


# -- errors -------------------------------------------------------------------------------------
_ERROR_TYPES = {getattr(lib, f"RTE_FLOW_ERROR_TYPE_{n}"): n.lower() for n in (
    "NONE", "UNSPECIFIED", "HANDLE", "ATTR_GROUP", "ATTR_PRIORITY", "ATTR_INGRESS", "ATTR_EGRESS",
    "ATTR_TRANSFER", "ATTR", "ITEM_NUM", "ITEM_SPEC", "ITEM_LAST", "ITEM_MASK", "ITEM",
    "ACTION_NUM", "ACTION_CONF", "ACTION", "STATE")}


class FlowError(PortError):
    """An rte_flow call failed.

    ``error_type`` is rte_flow's error type in lower case ("item_spec", "action", "attr_group",
    ...), ``message`` the driver's text, ``kind`` "item"/"action"/"attr"/None and ``index``
    the position of the failing item or action in the rule (None when the driver names none),
    ``cause`` that item or action.
    """

    def __init__(self, errno: int, message: str, func: str | None = None, *, driver: str = "",
                 error_type: str = "unspecified", dpdk_message: str = "", kind: str | None = None,
                 index: int | None = None, cause: Any = None):
        super().__init__(errno, message, func)
        self.driver, self.error_type, self.message = driver, error_type, dpdk_message
        self.kind, self.index, self.cause = kind, index, cause


class FlowNotSupportedError(FlowError, NotSupportedError):
    """The port's driver implements no rte_flow (or not this call)."""


# -- field encoders: every value ends up as network-order bytes in the C struct ------------------
def _int_bytes(value: Any, width: int, param: str) -> bytes:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(value, 0) if isinstance(value, str) else value
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << (8 * width):
        raise invalid(param, value, f"an integer from 0 to {(1 << (8 * width)) - 1}")
    return value.to_bytes(width, "big")


def _mac_bytes(value: Any, param: str) -> bytes:
    return parse_mac(value, param)


def _ip_bytes(value: Any, version: int, param: str) -> bytes:
    try:
        addr = ipaddress.ip_address(value)
    except ValueError:
        addr = None
    if addr is None or addr.version != version:
        raise invalid(param, value, f"an IPv{version} address")
    return addr.packed


@dataclass(frozen=True)
class _Field:
    path: tuple[str, ...]
    width: int
    kind: str                    # "int", "mac", "ipv4", "ipv6"
    shift: int = 0               # a sub-field of an integer field (vlan vid/pcp, ipv6 tc/flow)
    bits: int = 0                # its width in bits (0: the whole field)

    def field_mask(self) -> bytes:
        if not self.bits:
            return b"\xff" * self.width
        return (((1 << self.bits) - 1) << self.shift).to_bytes(self.width, "big")

    def encode(self, value: Any, param: str) -> bytes:
        if self.kind == "mac":
            return _mac_bytes(value, param)
        if self.kind in ("ipv4", "ipv6"):
            return _ip_bytes(value, 4 if self.kind == "ipv4" else 6, param)
        if self.bits:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << self.bits:
                raise invalid(param, value, f"an integer from 0 to {(1 << self.bits) - 1}")
            return (value << self.shift).to_bytes(self.width, "big")
        return _int_bytes(value, self.width, param)

    def prefix_mask(self, bits: int, param: str) -> bytes:
        total = 8 * self.width
        if isinstance(bits, bool) or not isinstance(bits, int) or not 0 <= bits <= total:
            raise invalid(param, bits, f"a prefix length from 0 to {total}")
        return (((1 << bits) - 1) << (total - bits)).to_bytes(self.width, "big") if bits else bytes(self.width)


@dataclass(frozen=True)
class _ItemType:
    name: str
    type: int
    ctype: str
    fields: Mapping[str, _Field]


def _f(path: str, width: int, kind: str = "int", shift: int = 0, bits: int = 0) -> _Field:
    return _Field(tuple(path.split(".")), width, kind, shift, bits)


#: pattern items pydpdk builds, with testpmd's field names
ITEMS: dict[str, _ItemType] = {t.name: t for t in (
    _ItemType("any", lib.RTE_FLOW_ITEM_TYPE_ANY, "struct rte_flow_item_any", {}),  # num: see any_()
    _ItemType("eth", lib.RTE_FLOW_ITEM_TYPE_ETH, "struct rte_flow_item_eth", {
        "dst": _f("dst", 6, "mac"), "src": _f("src", 6, "mac"), "type": _f("type", 2)}),
    _ItemType("vlan", lib.RTE_FLOW_ITEM_TYPE_VLAN, "struct rte_flow_item_vlan", {
        "tci": _f("tci", 2), "pcp": _f("tci", 2, shift=13, bits=3), "dei": _f("tci", 2, shift=12, bits=1),
        "vid": _f("tci", 2, shift=0, bits=12), "inner_type": _f("inner_type", 2)}),
    _ItemType("ipv4", lib.RTE_FLOW_ITEM_TYPE_IPV4, "struct rte_flow_item_ipv4", {
        "tos": _f("hdr.type_of_service", 1), "ttl": _f("hdr.time_to_live", 1),
        "proto": _f("hdr.next_proto_id", 1), "src": _f("hdr.src_addr", 4, "ipv4"),
        "dst": _f("hdr.dst_addr", 4, "ipv4")}),
    _ItemType("ipv6", lib.RTE_FLOW_ITEM_TYPE_IPV6, "struct rte_flow_item_ipv6", {
        "tc": _f("hdr.vtc_flow", 4, shift=20, bits=8), "flow": _f("hdr.vtc_flow", 4, shift=0, bits=20),
        "proto": _f("hdr.proto", 1), "hop": _f("hdr.hop_limits", 1),
        "src": _f("hdr.src_addr", 16, "ipv6"), "dst": _f("hdr.dst_addr", 16, "ipv6")}),
    _ItemType("icmp", lib.RTE_FLOW_ITEM_TYPE_ICMP, "struct rte_flow_item_icmp", {
        "type": _f("hdr.icmp_type", 1), "code": _f("hdr.icmp_code", 1)}),
    _ItemType("udp", lib.RTE_FLOW_ITEM_TYPE_UDP, "struct rte_flow_item_udp", {
        "src": _f("hdr.src_port", 2), "dst": _f("hdr.dst_port", 2)}),
    _ItemType("tcp", lib.RTE_FLOW_ITEM_TYPE_TCP, "struct rte_flow_item_tcp", {
        "src": _f("hdr.src_port", 2), "dst": _f("hdr.dst_port", 2), "flags": _f("hdr.tcp_flags", 1)}),
    _ItemType("sctp", lib.RTE_FLOW_ITEM_TYPE_SCTP, "struct rte_flow_item_sctp", {
        "src": _f("hdr.src_port", 2), "dst": _f("hdr.dst_port", 2)}),
    _ItemType("vxlan", lib.RTE_FLOW_ITEM_TYPE_VXLAN, "struct rte_flow_item_vxlan", {
        "vni": _f("vni", 3), "flags": _f("flags", 1)}),
    _ItemType("raw", lib.RTE_FLOW_ITEM_TYPE_RAW, "struct rte_flow_item_raw", {}),  # see raw()
)}


@dataclass(frozen=True)
class Masked:
    """testpmd's ``FIELD spec V FIELD mask M``: match value under mask."""
    value: Any
    mask: Any


@dataclass(frozen=True)
class Prefix:
    """testpmd's ``FIELD spec V FIELD prefix N``: the first ``bits`` bits of value."""
    value: Any
    bits: int


@dataclass(frozen=True)
class Range:
    """testpmd's ``FIELD spec LO FIELD last HI`` (mask all ones): a range of values."""
    low: Any
    high: Any


@dataclass
class Item:
    """One pattern item: ``name`` (a key of :data:`ITEMS`) and its fields' spec/last/mask."""

    name: str
    spec: dict[str, Any] = field(default_factory=dict)
    mask: dict[str, Any] = field(default_factory=dict)
    last: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)   # any: num; raw: pattern, offset...

    def __post_init__(self) -> None:
        if self.name not in ITEMS:
            raise invalid("item", self.name, f"one of {', '.join(ITEMS)}")
        known = ITEMS[self.name].fields
        for part in (self.spec, self.mask, self.last):
            for name in part:
                if name not in known:
                    raise invalid("field", name, f"a field of {self.name}: {', '.join(known) or 'none'}",
                                  f"flow item {self.name}")

    def __str__(self) -> str:
        return _item_text(self)


def _item(name: str, fields: Mapping[str, Any]) -> Item:
    it = Item(name)
    known = ITEMS[name].fields
    for key, value in fields.items():
        if value is None:
            continue
        if key not in known:
            raise invalid(key, value, f"a field of {name}: {', '.join(known) or 'none'}", f"flow.{name}()")
        if isinstance(value, Masked):
            it.spec[key], it.mask[key] = value.value, value.mask
        elif isinstance(value, Prefix):
            it.spec[key], it.mask[key] = value.value, value
        elif isinstance(value, Range):
            it.spec[key], it.last[key], it.mask[key] = value.low, value.high, _FULL
        else:
            it.spec[key], it.mask[key] = value, _FULL
    return it


class _Full:
    def __repr__(self) -> str:
        return "FULL"


_FULL = _Full()        # a mask of all ones for the field (testpmd's "is")


def eth(*, dst: Any = None, src: Any = None, type: Any = None) -> Item:
    """Ethernet header (``type`` is the EtherType, e.g. 0x0800)."""
    return _item("eth", {"dst": dst, "src": src, "type": type})


def vlan(*, tci: Any = None, pcp: Any = None, dei: Any = None, vid: Any = None,
         inner_type: Any = None) -> Item:
    """802.1Q tag: ``vid``/``pcp``/``dei`` are parts of ``tci``."""
    return _item("vlan", {"tci": tci, "pcp": pcp, "dei": dei, "vid": vid, "inner_type": inner_type})


def ipv4(*, src: Any = None, dst: Any = None, proto: Any = None, tos: Any = None, ttl: Any = None) -> Item:
    """IPv4 header."""
    return _item("ipv4", {"src": src, "dst": dst, "proto": proto, "tos": tos, "ttl": ttl})


def ipv6(*, src: Any = None, dst: Any = None, proto: Any = None, tc: Any = None, flow: Any = None,
         hop: Any = None) -> Item:
    """IPv6 header."""
    return _item("ipv6", {"src": src, "dst": dst, "proto": proto, "tc": tc, "flow": flow, "hop": hop})


def icmp(*, type: Any = None, code: Any = None) -> Item:
    """ICMP header."""
    return _item("icmp", {"type": type, "code": code})


def udp(*, src: Any = None, dst: Any = None) -> Item:
    """UDP ports."""
    return _item("udp", {"src": src, "dst": dst})


def tcp(*, src: Any = None, dst: Any = None, flags: Any = None) -> Item:
    """TCP ports and flags."""
    return _item("tcp", {"src": src, "dst": dst, "flags": flags})


def sctp(*, src: Any = None, dst: Any = None) -> Item:
    """SCTP ports."""
    return _item("sctp", {"src": src, "dst": dst})


def vxlan(*, vni: Any = None, flags: Any = None) -> Item:
    """VXLAN header (24-bit ``vni``)."""
    return _item("vxlan", {"vni": vni, "flags": flags})


def any_(num: int | None = None) -> Item:
    """Any number of headers (``num`` layers; None: any)."""
    it = Item("any")
    if num is not None:
        if isinstance(num, bool) or not isinstance(num, int) or not 0 <= num < 1 << 32:
            raise invalid("num", num, "a layer count from 0 to 2**32-1", "flow.any_()")
        it.extra["num"] = num
    return it


def raw(pattern: bytes, *, offset: int = 0, relative: bool = False, search: bool = False,
        limit: int = 0) -> Item:
    """Bytes at ``offset`` (from the start, or after the previous item when relative)."""
    if isinstance(pattern, str):
        pattern = pattern.encode()
    if not isinstance(pattern, (bytes, bytearray)) or not 0 < len(pattern) <= 0xffff:
        raise invalid("pattern", pattern, "1 to 65535 bytes", "flow.raw()")
    if isinstance(offset, bool) or not isinstance(offset, int) or not -2**31 <= offset < 2**31:
        raise invalid("offset", offset, "a 32-bit signed integer", "flow.raw()")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= 0xffff:
        raise invalid("limit", limit, "0 to 65535", "flow.raw()")
    it = Item("raw")
    it.extra.update(pattern=bytes(pattern), offset=offset, relative=bool(relative), search=bool(search),
                    limit=limit)
    return it


# -- actions ------------------------------------------------------------------------------------
#: actions pydpdk builds (testpmd's names) and their rte_flow action type
ACTIONS: dict[str, int] = {
    "queue": lib.RTE_FLOW_ACTION_TYPE_QUEUE, "drop": lib.RTE_FLOW_ACTION_TYPE_DROP,
    "count": lib.RTE_FLOW_ACTION_TYPE_COUNT, "mark": lib.RTE_FLOW_ACTION_TYPE_MARK,
    "flag": lib.RTE_FLOW_ACTION_TYPE_FLAG, "jump": lib.RTE_FLOW_ACTION_TYPE_JUMP,
    "passthru": lib.RTE_FLOW_ACTION_TYPE_PASSTHRU, "rss": lib.RTE_FLOW_ACTION_TYPE_RSS,
    "port_id": lib.RTE_FLOW_ACTION_TYPE_PORT_ID,
    "represented_port": lib.RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT,
}

_RSS_FUNCS = {"default": lib.RTE_ETH_HASH_FUNCTION_DEFAULT, "toeplitz": lib.RTE_ETH_HASH_FUNCTION_TOEPLITZ,
              "simple_xor": lib.RTE_ETH_HASH_FUNCTION_SIMPLE_XOR,
              "symmetric_toeplitz": lib.RTE_ETH_HASH_FUNCTION_SYMMETRIC_TOEPLITZ}


@dataclass
class Action:
    """One action: ``name`` (a key of :data:`ACTIONS`) and its configuration."""

    name: str
    conf: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name not in ACTIONS:
            raise invalid("action", self.name, f"one of {', '.join(ACTIONS)}")

    def __str__(self) -> str:
        return _action_text(self)


def _uint(value: Any, bits: int, param: str, ctx: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << bits:
        raise invalid(param, value, f"an integer from 0 to {(1 << bits) - 1}", ctx)
    return value


def queue(index: int) -> Action:
    """Send matching packets to RX queue ``index``."""
    return Action("queue", {"index": _uint(index, 16, "index", "flow.queue()")})


def drop() -> Action:
    """Drop matching packets."""
    return Action("drop")


def count(identifier: int = 0) -> Action:
    """Count matching packets (read with :meth:`FlowRule.query`)."""
    return Action("count", {"id": _uint(identifier, 32, "identifier", "flow.count()")})


def mark(id: int) -> Action:
    """Set the mbuf's FDIR mark to ``id``."""
    return Action("mark", {"id": _uint(id, 32, "id", "flow.mark()")})


def flag() -> Action:
    """Flag matching packets (RTE_MBUF_F_RX_FDIR)."""
    return Action("flag")


def jump(group: int) -> Action:
    """Continue in flow group ``group``."""
    return Action("jump", {"group": _uint(group, 32, "group", "flow.jump()")})


def passthru() -> Action:
    """Let the packet go on to the next rule."""
    return Action("passthru")


def rss(queues: Sequence[int] = (), types: Iterable[str] | int = (), *, key: bytes | None = None,
        func: str = "default", level: int = 0) -> Action:
    """Spread matching packets over ``queues`` by hash ``types`` (RSS_HASH_FUNCTIONS names)."""
    ctx = "flow.rss()"
    qs = [_uint(q, 16, "queues", ctx) for q in queues]
    names: list[str] = []
    if isinstance(types, int) and not isinstance(types, bool):
        hf = types
    else:
        hf = 0
        names = list(cast("Iterable[str]", types))  # a bool is an int: list(True) raises TypeError, as before
        for t in names:
            if t not in RSS_HASH_FUNCTIONS:
                raise invalid("types", t, f"RSS hash names: {', '.join(RSS_HASH_FUNCTIONS)}", ctx)
            hf |= RSS_HASH_FUNCTIONS[t]
    if func not in _RSS_FUNCS:
        raise invalid("func", func, f"one of {', '.join(_RSS_FUNCS)}", ctx)
    if key is not None and not isinstance(key, (bytes, bytearray)):
        raise invalid("key", key, "bytes", ctx)
    return Action("rss", {"queues": qs, "types": hf, "type_names": names, "key": bytes(key) if key else None, "func": func,
                          "level": _uint(level, 32, "level", ctx)})


def port_id(id: int, original: bool = False) -> Action:
    """Send matching packets to DPDK port ``id`` (deprecated in favour of represented_port)."""
    return Action("port_id", {"id": _uint(id, 32, "id", "flow.port_id()"), "original": bool(original)})


def represented_port(ethdev_port_id: int) -> Action:
    """Send matching packets to the entity that port ``ethdev_port_id`` represents."""
    return Action("represented_port",
                  {"port_id": _uint(ethdev_port_id, 16, "ethdev_port_id", "flow.represented_port()")})


@dataclass(frozen=True)
class Attr:
    """Rule attributes: group, priority and direction."""

    group: int = 0
    priority: int = 0
    ingress: bool = True
    egress: bool = False
    transfer: bool = False

    def __post_init__(self) -> None:
        for name in ("group", "priority"):
            _uint(getattr(self, name), 32, name, "flow.Attr")

    def __str__(self) -> str:
        words = ([f"group {self.group}"] if self.group else []) + \
                ([f"priority {self.priority}"] if self.priority else [])
        words += [d for d in ("ingress", "egress", "transfer") if getattr(self, d)]
        return " ".join(words)


# -- C arrays for one rule ----------------------------------------------------------------------
class _Built:
    """The C pattern and action arrays of one rule, and every buffer they point into."""

    def __init__(self, pattern: Sequence[Item], actions: Sequence[Action], nb_ports: int = 0) -> None:
        self.keep: list[Any] = []
        self.pattern = ffi.new("struct rte_flow_item[]", len(pattern) + 1)
        self.actions = ffi.new("struct rte_flow_action[]", len(actions) + 1)
        self.item_ptrs: list[tuple[int, int]] = []   # (address, index): items and their buffers
        self.action_ptrs: list[tuple[int, int]] = []
        for i, it in enumerate(pattern):
            self._item(i, it)
        self.pattern[len(pattern)].type = lib.RTE_FLOW_ITEM_TYPE_END
        for i, act in enumerate(actions):
            self._action(i, act)
        self.actions[len(actions)].type = lib.RTE_FLOW_ACTION_TYPE_END

    @staticmethod
    def _addr(p: Any) -> int:
        return int(ffi.cast("uintptr_t", p))

    def _item(self, i: int, it: Item) -> None:
        desc = ITEMS[it.name]
        c = self.pattern[i]
        c.type = desc.type
        self.item_ptrs.append((self._addr(ffi.addressof(self.pattern, i)), i))
        if it.name == "any" and "num" in it.extra:
            spec = ffi.new(desc.ctype + " *")
            spec.num = it.extra["num"]
            mask = ffi.new(desc.ctype + " *")
            mask.num = 0xffffffff
            self._attach(c, i, spec, None, mask)
            return
        if it.name == "raw":
            pat = ffi.new("uint8_t[]", it.extra["pattern"])
            spec = ffi.new(desc.ctype + " *")
            spec.offset, spec.limit, spec.length, spec.pattern = (it.extra["offset"], it.extra["limit"],
                                                                  len(it.extra["pattern"]), pat)
            lib.pydpdk_flow_raw_bits(spec, it.extra["relative"], it.extra["search"])
            self.keep.append(pat)
            self._attach(c, i, spec, None, None)      # the PMD's default raw mask
            return
        if not (it.spec or it.mask or it.last):
            return                                     # any header of this kind
        spec = ffi.new(desc.ctype + " *")
        mask = ffi.new(desc.ctype + " *")
        last = ffi.new(desc.ctype + " *") if it.last else None
        for name, value in it.spec.items():
            fd = desc.fields[name]
            _write(spec, fd, fd.encode(value, f"{it.name}.{name}"))
        for name, value in it.last.items():
            fd = desc.fields[name]
            _write(last, fd, fd.encode(value, f"{it.name}.{name} (last)"))
        for name, value in it.mask.items():
            fd = desc.fields[name]
            if value is _FULL:
                m = fd.field_mask()
            elif isinstance(value, Prefix):
                m = fd.prefix_mask(value.bits, f"{it.name}.{name} (prefix)")
            else:
                m = fd.encode(value, f"{it.name}.{name} (mask)")
            _write(mask, fd, m)
        self._attach(c, i, spec, last, mask)

    def _attach(self, c: Any, i: int, spec: Any, last: Any, mask: Any) -> None:
        for attr, buf in (("spec", spec), ("last", last), ("mask", mask)):
            if buf is not None:
                setattr(c, attr, buf)
                self.keep.append(buf)
                self.item_ptrs.append((self._addr(buf), i))

    def _action(self, i: int, act: Action) -> None:
        c = self.actions[i]
        c.type = ACTIONS[act.name]
        self.action_ptrs.append((self._addr(ffi.addressof(self.actions, i)), i))
        conf: Any = None
        k = act.conf
        if act.name == "queue":
            conf = ffi.new("struct rte_flow_action_queue *", {"index": k["index"]})
        elif act.name == "count":
            conf = ffi.new("struct rte_flow_action_count *", {"id": k.get("id", 0)})
        elif act.name == "mark":
            conf = ffi.new("struct rte_flow_action_mark *", {"id": k["id"]})
        elif act.name == "jump":
            conf = ffi.new("struct rte_flow_action_jump *", {"group": k["group"]})
        elif act.name == "port_id":
            conf = ffi.new("struct rte_flow_action_port_id *")
            conf.id = k["id"]
            if k.get("original"):
                raise invalid("original", True, "False (not supported by pydpdk's builder)", "flow.port_id()")
        elif act.name == "represented_port":
            conf = ffi.new("struct rte_flow_action_ethdev *", {"port_id": k["port_id"]})
        elif act.name == "rss":
            conf = ffi.new("struct rte_flow_action_rss *")
            conf.func = _RSS_FUNCS[k.get("func", "default")]
            conf.level = k.get("level", 0)
            conf.types = k.get("types", 0)
            qs = k.get("queues", [])
            if qs:
                qarr = ffi.new("uint16_t[]", qs)
                self.keep.append(qarr)
                conf.queue, conf.queue_num = qarr, len(qs)
            if k.get("key"):
                karr = ffi.new("uint8_t[]", k["key"])
                self.keep.append(karr)
                conf.key, conf.key_len = karr, len(k["key"])
        if conf is not None:
            c.conf = conf
            self.keep.append(conf)
            self.action_ptrs.append((self._addr(conf), i))

    def locate(self, cause: Any) -> tuple[str | None, int | None]:
        if cause == ffi.NULL:
            return None, None
        addr = self._addr(cause)
        for kind, table in (("item", self.item_ptrs), ("action", self.action_ptrs)):
            for a, i in table:
                if a == addr:
                    return kind, i
        return None, None


def _write(obj: Any, fd: _Field, value: bytes) -> None:
    buf = ffi.buffer(ffi.addressof(obj[0], *fd.path), fd.width)
    if fd.bits:
        m = int.from_bytes(fd.field_mask(), "big")
        old = int.from_bytes(buf[:], "big")
        value = ((old & ~m) | (int.from_bytes(value, "big") & m)).to_bytes(fd.width, "big")
    buf[:] = value


def _raise(port: Port, rc: int, err: Any, what: str, built: "_Built | None",
           pattern: Sequence[Item] = (), actions: Sequence[Action] = ()) -> None:
    errno = -rc if rc < 0 else (lib.pydpdk_rte_errno() or _errno.EINVAL)
    etype = _ERROR_TYPES.get(err.type, str(err.type))
    message = cstr(err.message) if err.message != ffi.NULL else ""
    kind, index = built.locate(err.cause) if built is not None else (None, None)
    if kind is None and etype.startswith("attr"):
        kind = "attr"
    cause: Item | Action | None = None
    if kind == "item" and index is not None and index < len(pattern):
        cause = pattern[index]
    elif kind == "action" and index is not None and index < len(actions):
        cause = actions[index]
    driver = _driver(port)
    where = f" at {kind} {index} ({cause})" if cause is not None else (f" ({kind})" if kind else "")
    text = f"{what} on {port._describe()} [{driver}] failed: {message or _errno.errorcode.get(errno, errno)}" \
           f"{where}; error type {etype}"
    cls = FlowError
    if errno in (_errno.ENOSYS, _errno.ENOTSUP) and kind is None:
        cls = FlowNotSupportedError
        text += f"; the {driver} driver does not implement this rte_flow call"
    raise cls(errno, text, what, driver=driver, error_type=etype, dpdk_message=message, kind=kind,
              index=index, cause=cause)


def _driver(port: Port) -> str:
    try:
        return port.driver
    except Exception:  # noqa: BLE001 - naming the driver must not hide the flow error
        return "?"


# -- rules and tables ---------------------------------------------------------------------------
class FlowRule(Resource):
    """A flow rule created on a port. Destroyed by :meth:`destroy` / ``close()``, by its table's
    flush, and before its port closes."""

    _rank = 0          # before ports (1): a rule must go before rte_eth_dev_close

    def __init__(self, table: "FlowTable", rule_id: int, ptr: Any, attr: Attr, pattern: list[Item],
                 actions: list[Action], built: _Built) -> None:
        self._table, self.id, self._ptr = table, rule_id, ptr
        self.attr, self.pattern, self.actions = attr, pattern, actions
        self._built = built
        self._register()

    @property
    def port(self) -> Port:
        """The Port the rule was created on (its table's port)."""
        return self._table.port

    def _describe(self) -> str:
        return f"flow rule {self.id} on port {self._table.port_id}"

    def _release(self) -> None:
        self._table._rules.pop(self.id, None)
        err = ffi.new("struct rte_flow_error *")
        port = self._table.port
        if port.closed:
            return
        rc = lib.rte_flow_destroy(self._table.port_id, self._ptr, err)
        if rc < 0:
            _raise(port, rc, err, f"rte_flow_destroy(rule {self.id})", None)

    def _invalidate(self, why: str) -> None:
        self._table._rules.pop(self.id, None)
        super()._invalidate(why)

    def destroy(self) -> None:
        """rte_flow_destroy (same as close())."""
        self.close()

    def query(self, reset: bool = False) -> dict[str, int | None]:
        """Counters of the rule's ``count`` action: ``{"hits": n, "bytes": n}`` (None when the
        driver does not fill one)."""
        self._check_open()
        idx = next((i for i, a in enumerate(self.actions) if a.name == "count"), None)
        if idx is None:
            raise invalid("rule", self._describe(), "a rule with a count action", "FlowRule.query")
        hits, nbytes = ffi.new("uint64_t *"), ffi.new("uint64_t *")
        hs, bs = ffi.new("int *"), ffi.new("int *")
        err = ffi.new("struct rte_flow_error *")
        rc = lib.pydpdk_flow_query_count(self._table.port_id, self._ptr,
                                         ffi.addressof(self._built.actions, idx), int(reset), hits, nbytes,
                                         hs, bs, err)
        if rc < 0:
            _raise(self._table.port, rc, err, f"rte_flow_query(rule {self.id}, count)", self._built,
                   self.pattern, self.actions)
        return {"hits": hits[0] if hs[0] else None, "bytes": nbytes[0] if bs[0] else None}

    def __str__(self) -> str:
        return rule_text(self._table.port_id, self.attr, self.pattern, self.actions)

    def __repr__(self) -> str:
        state = "closed" if self.closed else "live"
        return f"<FlowRule {self.id} port {self._table.port_id} {state}: {self}>"


_tables: dict[int, "FlowTable"] = {}


class FlowTable:
    """The flow rules of one port. ``FlowTable(port)`` returns the one table of that port."""

    port: Port
    port_id: int
    _rules: dict[int, FlowRule]
    _next_id: int

    def __new__(cls, port: Port | int) -> "FlowTable":
        if not isinstance(port, Port):
            port = Port(port)
        port._check_open()
        existing = _tables.get(port.id)
        if existing is not None and existing.port is port:
            return existing
        self = super().__new__(cls)
        self.port, self.port_id = port, port.id
        self._rules = {}
        self._next_id = 0
        _tables[port.id] = self
        return self

    def __init__(self, port: Port | int) -> None:
        pass

    @property
    def rules(self) -> list[FlowRule]:
        """Live rules, in creation order."""
        return [self._rules[k] for k in sorted(self._rules)]

    def rule(self, rule_id: int) -> FlowRule:
        """The live rule with id ``rule_id`` (FlowRule.id); raises InvalidArgumentError naming the live ids."""
        try:
            return self._rules[rule_id]
        except KeyError:
            raise invalid("rule", rule_id, f"the id of a live rule on port {self.port_id}: "
                          f"{sorted(self._rules) or 'none'}", "FlowTable.rule") from None

    def _prepare(self, pattern: Sequence[Item], actions: Sequence[Action], attr: Attr | None,
                 what: str) -> tuple[Attr, list[Item], list[Action], _Built]:
        self.port._check_open()
        attr = attr or Attr()
        if not isinstance(attr, Attr):
            raise invalid("attr", attr, "a flow.Attr", what)
        pattern, actions = list(pattern), list(actions)
        for i, it in enumerate(pattern):
            if not isinstance(it, Item):
                raise invalid(f"pattern[{i}]", it, "a flow.Item (flow.eth(), flow.ipv4(...)...)", what)
        if not actions:
            raise invalid("actions", actions, "at least one action (flow.queue(1), flow.drop()...)", what)
        for i, a in enumerate(actions):
            if not isinstance(a, Action):
                raise invalid(f"actions[{i}]", a, "a flow.Action (flow.queue(1), flow.drop()...)", what)
        return attr, pattern, actions, _Built(pattern, actions)

    def validate(self, pattern: Sequence[Item], actions: Sequence[Action], attr: Attr | None = None) -> None:
        """rte_flow_validate: returns when the driver would accept the rule, raises FlowError else."""
        attr, pattern, actions, built = self._prepare(pattern, actions, attr, "FlowTable.validate")
        err = ffi.new("struct rte_flow_error *")
        rc = lib.pydpdk_flow_validate(self.port_id, attr.group, attr.priority, attr.ingress, attr.egress,
                                      attr.transfer, built.pattern, built.actions, err)
        if rc < 0:
            _raise(self.port, rc, err, "rte_flow_validate", built, pattern, actions)

    def create(self, pattern: Sequence[Item], actions: Sequence[Action], attr: Attr | None = None) -> FlowRule:
        """rte_flow_create: the rule, owned by this table."""
        attr, pattern, actions, built = self._prepare(pattern, actions, attr, "FlowTable.create")
        err = ffi.new("struct rte_flow_error *")
        ptr = lib.pydpdk_flow_create(self.port_id, attr.group, attr.priority, attr.ingress, attr.egress,
                                     attr.transfer, built.pattern, built.actions, err)
        if ptr == ffi.NULL:
            _raise(self.port, -(lib.pydpdk_rte_errno() or _errno.EINVAL), err, "rte_flow_create", built,
                   pattern, actions)
        rule = FlowRule(self, self._next_id, ptr, attr, pattern, actions, built)
        self._rules[rule.id] = rule
        self._next_id += 1
        return rule

    def flush(self) -> None:
        """rte_flow_flush: every rule of the port (also those pydpdk did not create)."""
        self.port._check_open()
        err = ffi.new("struct rte_flow_error *")
        rc = lib.rte_flow_flush(self.port_id, err)
        for rule in list(self._rules.values()):
            rule._invalidate("flushed")
        if rc < 0:
            _raise(self.port, rc, err, "rte_flow_flush", None)

    def isolate(self, on: bool = True) -> None:
        """rte_flow_isolate: only traffic that rules direct reaches the port (most drivers want
        this before configure())."""
        self.port._check_open()
        err = ffi.new("struct rte_flow_error *")
        rc = lib.rte_flow_isolate(self.port_id, int(bool(on)), err)
        if rc < 0:
            _raise(self.port, rc, err, f"rte_flow_isolate({int(bool(on))})", None)

    def _port_closing(self) -> None:
        for rule in list(self._rules.values()):
            try:
                rule.close()
            except Exception:  # noqa: BLE001 - the port closes anyway (rte_eth_dev_close drops them)
                rule._invalidate("destroyed with its port")
        if _tables.get(self.port_id) is self:
            del _tables[self.port_id]

    def __repr__(self) -> str:
        return f"<FlowTable port {self.port_id}: {len(self._rules)} rules>"


def table(port: Port | int) -> FlowTable:
    """The flow table of a port (same as ``FlowTable(port)``)."""
    return FlowTable(port)


def _on_port_release(port: Port) -> None:
    t = _tables.get(port.id)
    if t is not None and t.port is port:
        t._port_closing()


_port_hooks.subscribe_release(_on_port_release)


# -- testpmd syntax -----------------------------------------------------------------------------
_HEX_FIELDS = {"type", "inner_type", "tci", "flags"}


def _v(name: str, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and name in _HEX_FIELDS:
        return hex(value)
    return str(value)


def _item_text(it: Item) -> str:
    words = [it.name]
    if it.name == "any" and "num" in it.extra:
        words += ["num", "is", str(it.extra["num"])]
    if it.name == "raw":
        e = it.extra
        words += ["relative", str(int(e["relative"])), "search", str(int(e["search"])),
                  "offset", str(e["offset"]), "limit", str(e["limit"]), "pattern_hex", e["pattern"].hex()]
    for name, value in it.spec.items():
        mask = it.mask.get(name)
        if name in it.last:
            words += [name, "spec", _v(name, value), name, "last", _v(name, it.last[name])]
            if mask is not _FULL and mask is not None:
                words += [name, "mask", _v(name, mask)]
        elif mask is _FULL:
            words += [name, "is", _v(name, value)]
        elif isinstance(mask, Prefix):
            words += [name, "spec", _v(name, value), name, "prefix", str(mask.bits)]
        else:
            words += [name, "spec", _v(name, value)] + ([name, "mask", _v(name, mask)] if mask is not None else [])
    for name, mask in it.mask.items():
        if name not in it.spec:
            words += [name, "mask", _v(name, mask)]
    return " ".join(words)


def _action_text(a: Action) -> str:
    k = a.conf
    if a.name == "queue":
        return f"queue index {k['index']}"
    if a.name == "count":
        return f"count identifier {k['id']}" if k.get("id") else "count"
    if a.name == "mark":
        return f"mark id {k['id']}"
    if a.name == "jump":
        return f"jump group {k['group']}"
    if a.name == "port_id":
        return f"port_id id {k['id']}"
    if a.name == "represented_port":
        return f"represented_port ethdev_port_id {k['port_id']}"
    if a.name == "rss":
        words = ["rss"]
        if k.get("func", "default") != "default":
            words += ["func", k["func"]]
        if k.get("level"):
            words += ["level", str(k["level"])]
        if k.get("type_names"):
            words += ["types", *k["type_names"], "end"]
        if k.get("queues"):
            words += ["queues", *map(str, k["queues"]), "end"]
        if k.get("key"):
            words += ["key", k["key"].hex()]
        return " ".join(words)
    return a.name


def rule_text(port: int, attr: Attr, pattern: Sequence[Item], actions: Sequence[Action],
              verb: str = "create") -> str:
    """The testpmd command for a rule."""
    head = f"flow {verb} {port}" + (f" {attr}" if str(attr) else "")
    return (f"{head} pattern {' / '.join(map(str, pattern))}{' / ' if pattern else ''}end "
            f"actions {' / '.join(map(str, actions))} / end")


@dataclass
class Command:
    """A parsed testpmd ``flow`` command."""

    verb: str                       # validate, create, destroy, flush, query, isolate, list
    port: int
    attr: Attr = field(default_factory=Attr)
    pattern: list[Item] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    rules: list[int] = field(default_factory=list)     # destroy, query
    isolate: bool = False


class _Tokens:
    def __init__(self, text: str) -> None:
        self.text = text
        self.words = shlex.split(text.replace("/", " / "))
        self.pos = 0

    def peek(self) -> str | None:
        return self.words[self.pos] if self.pos < len(self.words) else None

    def next(self, what: str) -> str:
        w = self.peek()
        if w is None:
            raise self.error(what, "end of command")
        self.pos += 1
        return w

    def error(self, allowed: str, got: Any = None) -> Exception:
        got = self.peek() if got is None else got
        return invalid("command", self.text, f"{allowed} at word {self.pos + 1} (found {got!r})", "flow.parse")

    def number(self, what: str) -> int:
        w = self.next(what)
        try:
            return int(w, 0)
        except ValueError:
            raise self.error(what, w) from None


_VERBS = ("validate", "create", "destroy", "flush", "query", "isolate", "list")


def _field_value(fd: _Field, word: str) -> Any:
    if fd.kind == "int":
        try:
            return int(word, 0)
        except ValueError:
            return word              # the encoder names what is allowed
    return word


def _parse_item(tok: _Tokens) -> Item:
    name = tok.next("a pattern item")
    if name not in ITEMS:
        raise tok.error(f"a pattern item ({', '.join(ITEMS)}) or 'end'", name)
    desc = ITEMS[name]
    it = Item(name)
    if name == "any":
        while tok.peek() not in ("/", "end", None):
            if tok.next("num") != "num" or tok.next("is") != "is":
                raise tok.error("'num is N'")
            it.extra["num"] = tok.number("a layer count")
        return it
    if name == "raw":
        opts: dict[str, Any] = {"relative": False, "search": False, "offset": 0, "limit": 0, "pattern": None}
        while tok.peek() not in ("/", "end", None):
            key = tok.next("a raw field")
            if key in ("relative", "search"):
                opts[key] = bool(tok.number(key))
            elif key in ("offset", "limit"):
                opts[key] = tok.number(key)
            elif key == "pattern":
                opts["pattern"] = tok.next("pattern").encode()
            elif key == "pattern_hex":
                try:
                    opts["pattern"] = bytes.fromhex(tok.next("pattern_hex"))
                except ValueError:
                    raise tok.error("hexadecimal bytes") from None
            else:
                raise tok.error("relative, search, offset, limit, pattern or pattern_hex", key)
        if opts["pattern"] is None:
            raise tok.error("a raw pattern (pattern X or pattern_hex HEX)")
        return raw(opts.pop("pattern"), **opts)
    while tok.peek() not in ("/", "end", None):
        fname = tok.next("a field")
        if fname not in desc.fields:
            raise tok.error(f"a field of {name} ({', '.join(desc.fields)}) or '/'", fname)
        fd = desc.fields[fname]
        op = tok.next("is, spec, last, mask or prefix")
        word = tok.next(f"a value for {name} {fname}")
        if op == "is":
            it.spec[fname] = _field_value(fd, word)
            it.mask[fname] = _FULL
        elif op == "spec":
            it.spec[fname] = _field_value(fd, word)
        elif op == "last":
            it.last[fname] = _field_value(fd, word)
            it.mask.setdefault(fname, _FULL)
        elif op == "mask":
            it.mask[fname] = _field_value(fd, word)
        elif op == "prefix":
            try:
                it.mask[fname] = Prefix(None, int(word, 0))
            except ValueError:
                raise tok.error("a prefix length", word) from None
        else:
            raise tok.error("is, spec, last, mask or prefix", op)
    return it


def _parse_action(tok: _Tokens) -> Action:
    name = tok.next("an action")
    if name not in ACTIONS:
        raise tok.error(f"an action ({', '.join(ACTIONS)}) or 'end'", name)
    args: dict[str, Any] = {}
    key: str | None
    while tok.peek() not in ("/", "end", None):
        key = tok.next("an action argument")
        if name == "rss" and key in ("types", "queues"):
            vals = []
            while tok.peek() != "end":
                vals.append(tok.next(f"{key} ... end"))
            tok.next("end")
            args[key] = vals if key == "types" else [int(v, 0) for v in vals]
        elif name == "rss" and key in ("func", "key"):
            args[key] = tok.next(key)
        else:
            args[key] = tok.number(f"{name} {key}")
    try:
        if name == "queue":
            return queue(args["index"])
        if name == "count":
            return count(args.get("identifier", 0))
        if name == "mark":
            return mark(args["id"])
        if name == "jump":
            return jump(args["group"])
        if name == "port_id":
            return port_id(args["id"], bool(args.get("original", 0)))
        if name == "represented_port":
            return represented_port(args["ethdev_port_id"])
        if name == "rss":
            key = args.get("key")
            return rss(args.get("queues", []), args.get("types", []), func=args.get("func", "default"),
                       level=args.get("level", 0), key=bytes.fromhex(key) if key else None)
    except KeyError as missing:
        raise tok.error(f"{name} with {missing.args[0]} N", "no such argument") from None
    if args:
        raise tok.error(f"no arguments for {name}", " ".join(args))
    return Action(name)


def _parse_list(tok: _Tokens, parse_one: Any) -> list[Any]:
    out: list[Any] = []
    while True:
        if tok.peek() == "end":
            tok.next("end")
            return out
        out.append(parse_one(tok))
        sep = tok.peek()
        if sep == "/":
            tok.next("/")
        elif sep != "end":
            raise tok.error("'/' or 'end'")


def parse(text: str) -> Command:
    """Parse a testpmd ``flow`` command (``flow create 0 ingress pattern eth / end actions drop / end``)."""
    if not isinstance(text, str):
        raise invalid("command", text, "a testpmd flow command string", "flow.parse")
    tok = _Tokens(text)
    if tok.peek() == "flow":
        tok.next("flow")
    verb = tok.next("a flow verb")
    if verb not in _VERBS:
        raise tok.error(f"one of {', '.join(_VERBS)}", verb)
    port = tok.number("a port id")
    cmd = Command(verb, port)
    if verb in ("validate", "create"):
        group = priority = 0
        dirs = {"ingress": False, "egress": False, "transfer": False}
        while tok.peek() != "pattern":
            w = tok.next("attributes then 'pattern'")
            if w == "group":
                group = tok.number("a group")
            elif w == "priority":
                priority = tok.number("a priority")
            elif w in dirs:
                dirs[w] = True
            else:
                raise tok.error("group N, priority N, ingress, egress, transfer or 'pattern'", w)
        tok.next("pattern")
        if not any(dirs.values()):
            dirs["ingress"] = True
        cmd.attr = Attr(group, priority, **dirs)
        cmd.pattern = _parse_list(tok, _parse_item)
        if tok.next("actions") != "actions":
            raise tok.error("'actions'", tok.words[tok.pos - 1])
        cmd.actions = _parse_list(tok, _parse_action)
    elif verb == "destroy":
        if tok.next("rule") != "rule":
            raise tok.error("'rule N'")
        while tok.peek() is not None:
            cmd.rules.append(tok.number("a rule id"))
        if not cmd.rules:
            raise tok.error("at least one rule id")
    elif verb == "query":
        cmd.rules.append(tok.number("a rule id"))
        if tok.next("count") != "count":
            raise tok.error("'count'")
    elif verb == "isolate":
        cmd.isolate = bool(tok.number("0 or 1"))
    if tok.peek() is not None:
        raise tok.error("the end of the command")
    return cmd


def rule_command(text: str, port: int) -> Command:
    """A ``flow create`` for ``port`` from a rule written with or without testpmd's
    ``flow create N`` head (``"ingress pattern eth / end actions drop / end"``): YAML set-ups
    give rules under a port entry, whose port they apply to."""
    body = text.strip()
    cmd = parse(body if body.startswith("flow") else f"flow create {port} {body}")
    if cmd.verb != "create":
        raise invalid("flow", text, "a flow create rule (pattern ... / end actions ... / end)", "flow.rule_command")
    cmd.port = port
    return cmd


def execute(text: str | Command) -> Any:
    """Run a testpmd ``flow`` command on its port: create → FlowRule; validate → None;
    destroy/flush/isolate → None; query → the count dict; list → the live rules."""
    cmd = parse(text) if isinstance(text, str) else text
    t = FlowTable(cmd.port)
    if cmd.verb == "validate":
        return t.validate(cmd.pattern, cmd.actions, cmd.attr)
    if cmd.verb == "create":
        return t.create(cmd.pattern, cmd.actions, cmd.attr)
    if cmd.verb == "destroy":
        for r in cmd.rules:
            t.rule(r).destroy()
        return None
    if cmd.verb == "flush":
        return t.flush()
    if cmd.verb == "query":
        return t.rule(cmd.rules[0]).query()
    if cmd.verb == "isolate":
        return t.isolate(cmd.isolate)
    return t.rules


_port_hooks.add_port_extension("flow", FlowTable)
