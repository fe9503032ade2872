"""What a device is and the controls it offers: firmware version, EEPROM and plug-in module
EEPROM (SFP data), register dump, LED (identify a port), flow control, per-queue TX rate limit,
supported/set packet types, packet types parsed in software, FEC, the device clock and the
timesync (PTP) API.

Each call returns data or raises :class:`~pydpdk.errors.NotSupportedError` naming the PMD
(``exc.driver``): DPDK answers ``-ENOTSUP``/``-ENOSYS`` for what a driver does not implement.

    from pydpdk.ethdev import facts
    facts.fw_version(port)              # "3.25, 0x800007c4" or NotSupportedError
    facts.registers(port).data          # bytes of the register dump
    facts.flow_control(port)            # FlowControl(mode="full", ...)
    facts.timesync_enable(port); facts.timesync_read_time(port)
"""
from __future__ import annotations

import errno as _errno
from dataclasses import dataclass
from typing import Any, Sequence

from .._native import ffi, lib, cstr
from ..errors import NotSupportedError, PortError, check, invalid
from .port import Port

__all__ = [
    "fw_version", "registers", "Registers", "eeprom", "module_info", "ModuleInfo", "module_eeprom",
    "led", "flow_control", "set_flow_control", "FlowControl", "FC_MODES", "set_queue_rate_limit",
    "supported_ptypes", "set_ptypes", "ptype_names", "software_ptypes", "rx_timestamps", "fec_capability", "fec",
    "set_fec", "FEC_MODES", "read_clock", "timesync_enable", "timesync_disable", "timesync_read_rx",
    "timesync_read_tx", "timesync_adjust", "TX_IEEE1588_TMST", "RX_IEEE1588_PTP", "RX_IEEE1588_TMST", "timesync_read_time", "timesync_write_time", "summary",
]

_UNSUPPORTED = (-_errno.ENOTSUP, -_errno.ENOSYS, -_errno.EOPNOTSUPP)


def _call(port: Port, rc: int, what: str) -> int:
    if rc in _UNSUPPORTED:
        drv = port.driver
        raise NotSupportedError(-rc, f"{what} on {port._describe()}: not supported by the {drv} driver",
                                what, driver=drv)
    return check(rc, f"{what}(port {port.id})", PortError)


def _port(port: Any, ctx: str) -> Port:
    if not isinstance(port, Port):
        raise invalid("port", port, "a pydpdk.Port", ctx)
    port._check_open()
    return port


# -- identity -----------------------------------------------------------------------------------
def fw_version(port: Port) -> str:
    """rte_eth_dev_fw_version_get."""
    _port(port, "fw_version")
    size = 64
    while True:
        buf = ffi.new("char[]", size)
        rc = _call(port, lib.rte_eth_dev_fw_version_get(port.id, buf, size), "rte_eth_dev_fw_version_get")
        if rc == 0:
            return cstr(buf)
        size = rc + 1               # > 0: the size it needs


@dataclass(frozen=True)
class Registers:
    """A register dump: ``length`` registers of ``width`` bytes (``data``), device ``version``."""

    length: int
    width: int
    version: int
    data: bytes


def registers(port: Port) -> Registers:
    """rte_eth_dev_get_reg_info: first the size, then the dump."""
    _port(port, "registers")
    info = ffi.new("struct rte_dev_reg_info *")
    _call(port, lib.rte_eth_dev_get_reg_info(port.id, info), "rte_eth_dev_get_reg_info")
    length, width = info.length, info.width or 4
    buf = ffi.new("uint8_t[]", max(1, length * width))
    info.data, info.offset, info.length = buf, 0, length
    _call(port, lib.rte_eth_dev_get_reg_info(port.id, info), "rte_eth_dev_get_reg_info")
    return Registers(int(info.length), int(info.width or width), int(info.version),
                     bytes(ffi.buffer(buf, info.length * (info.width or width))))


def eeprom(port: Port) -> bytes:
    """The device's own EEPROM (rte_eth_dev_get_eeprom_length + rte_eth_dev_get_eeprom)."""
    _port(port, "eeprom")
    n = _call(port, lib.rte_eth_dev_get_eeprom_length(port.id), "rte_eth_dev_get_eeprom_length")
    buf = ffi.new("uint8_t[]", max(1, n))
    info = ffi.new("struct rte_dev_eeprom_info *")
    info.data, info.offset, info.length = buf, 0, n
    _call(port, lib.rte_eth_dev_get_eeprom(port.id, info), "rte_eth_dev_get_eeprom")
    return bytes(ffi.buffer(buf, n))


@dataclass(frozen=True)
class ModuleInfo:
    """A plug-in module (SFP/QSFP): its EEPROM type (SFF-8079, 8472, 8436, 8636) and length."""

    type: int
    eeprom_len: int


def module_info(port: Port) -> ModuleInfo:
    """rte_eth_dev_get_module_info."""
    _port(port, "module_info")
    mi = ffi.new("struct rte_eth_dev_module_info *")
    _call(port, lib.rte_eth_dev_get_module_info(port.id, mi), "rte_eth_dev_get_module_info")
    return ModuleInfo(int(mi.type), int(mi.eeprom_len))


def module_eeprom(port: Port, offset: int = 0, length: int | None = None) -> bytes:
    """The module's EEPROM bytes (SFP data), from ``offset``."""
    mi = module_info(port)
    length = mi.eeprom_len - offset if length is None else length
    if not 0 <= offset and 0 < length and offset + length <= mi.eeprom_len:
        raise invalid("offset/length", (offset, length), f"a range inside the {mi.eeprom_len}-byte module EEPROM")
    buf = ffi.new("uint8_t[]", length)
    info = ffi.new("struct rte_dev_eeprom_info *")
    info.data, info.offset, info.length = buf, offset, length
    _call(port, lib.rte_eth_dev_get_module_eeprom(port.id, info), "rte_eth_dev_get_module_eeprom")
    return bytes(ffi.buffer(buf, length))


# -- controls -----------------------------------------------------------------------------------
def led(port: Port, on: bool = True) -> None:
    """rte_eth_led_on / rte_eth_led_off (identify a port)."""
    _port(port, "led")
    if on:
        _call(port, lib.rte_eth_led_on(port.id), "rte_eth_led_on")
    else:
        _call(port, lib.rte_eth_led_off(port.id), "rte_eth_led_off")


FC_MODES = {"none": lib.RTE_ETH_FC_NONE, "rx_pause": lib.RTE_ETH_FC_RX_PAUSE,
            "tx_pause": lib.RTE_ETH_FC_TX_PAUSE, "full": lib.RTE_ETH_FC_FULL}


@dataclass(frozen=True)
class FlowControl:
    """802.3x pause: mode (none, rx_pause, tx_pause, full) and its water marks and timer."""

    mode: str
    high_water: int
    low_water: int
    pause_time: int
    send_xon: bool
    mac_ctrl_frame_fwd: bool
    autoneg: bool


def flow_control(port: Port) -> FlowControl:
    """rte_eth_dev_flow_ctrl_get."""
    _port(port, "flow_control")
    fc = ffi.new("struct rte_eth_fc_conf *")
    _call(port, lib.rte_eth_dev_flow_ctrl_get(port.id, fc), "rte_eth_dev_flow_ctrl_get")
    mode = next((n for n, v in FC_MODES.items() if v == fc.mode), str(fc.mode))
    return FlowControl(mode, fc.high_water, fc.low_water, fc.pause_time, bool(fc.send_xon),
                       bool(fc.mac_ctrl_frame_fwd), bool(fc.autoneg))


def set_flow_control(port: Port, mode: str, **fields: Any) -> FlowControl:
    """rte_eth_dev_flow_ctrl_set: ``mode`` and any FlowControl field; the others as they are."""
    cur = flow_control(port)
    if mode not in FC_MODES:
        raise invalid("mode", mode, f"one of {', '.join(FC_MODES)}", "set_flow_control")
    for k in fields:
        if k not in FlowControl.__dataclass_fields__ or k == "mode":
            raise invalid(k, fields[k], "a FlowControl field (high_water, low_water, pause_time, send_xon, "
                          "mac_ctrl_frame_fwd, autoneg)", "set_flow_control")
    fc = ffi.new("struct rte_eth_fc_conf *")
    for k in ("high_water", "low_water", "pause_time", "send_xon", "mac_ctrl_frame_fwd", "autoneg"):
        setattr(fc, k, int(fields.get(k, getattr(cur, k))))
    fc.mode = FC_MODES[mode]
    _call(port, lib.rte_eth_dev_flow_ctrl_set(port.id, fc), "rte_eth_dev_flow_ctrl_set")
    return flow_control(port)


def set_queue_rate_limit(port: Port, queue: int, mbps: int) -> None:
    """rte_eth_set_queue_rate_limit: TX queue ``queue`` at most ``mbps`` Mbit/s (0: no limit)."""
    _port(port, "set_queue_rate_limit")
    if isinstance(mbps, bool) or not isinstance(mbps, int) or not 0 <= mbps < 1 << 32:
        raise invalid("mbps", mbps, "a rate in Mbit/s from 0 to 2**32-1", "set_queue_rate_limit")
    _call(port, lib.rte_eth_set_queue_rate_limit(port.id, queue, mbps), "rte_eth_set_queue_rate_limit")


# -- packet types -------------------------------------------------------------------------------
def ptype_names(ptype: int) -> str:
    """DPDK's name of a packet type value ("L2_ETHER L3_IPV4 L4_UDP")."""
    buf = ffi.new("char[]", 256)
    lib.rte_get_ptype_name(ptype, buf, 256)
    return cstr(buf).strip()


def supported_ptypes(port: Port, mask: int | None = None) -> list[str]:
    """rte_eth_dev_get_supported_ptypes: the packet types the driver sets in mbufs."""
    _port(port, "supported_ptypes")
    mask = lib.RTE_PTYPE_ALL_MASK if mask is None else mask
    n = _call(port, lib.rte_eth_dev_get_supported_ptypes(port.id, mask, ffi.NULL, 0),
              "rte_eth_dev_get_supported_ptypes")
    arr = ffi.new("uint32_t[]", max(1, n))
    n = _call(port, lib.rte_eth_dev_get_supported_ptypes(port.id, mask, arr, n),
              "rte_eth_dev_get_supported_ptypes")
    return [ptype_names(arr[i]) for i in range(n)]


def set_ptypes(port: Port, mask: int) -> list[str]:
    """rte_eth_dev_set_ptypes: ask the driver to classify only ``mask`` (0: none); what it will set."""
    _port(port, "set_ptypes")
    arr = ffi.new("uint32_t[]", 64)
    n = _call(port, lib.rte_eth_dev_set_ptypes(port.id, mask, arr, 64), "rte_eth_dev_set_ptypes")
    return [ptype_names(arr[i]) for i in range(n) if arr[i]]


def software_ptypes(burst: Any, layers: int | None = None) -> list[int]:
    """rte_net_get_ptype for each mbuf of a burst (one C loop): for PMDs that set none."""
    n = len(burst)
    out = ffi.new("uint32_t[]", max(1, n))
    lib.pydpdk_net_ptypes(burst.ptrs, n, lib.RTE_PTYPE_ALL_MASK if layers is None else layers, out)
    return [int(out[i]) for i in range(n)]


def rx_timestamps(burst: Any) -> list[int | None]:
    """The RX timestamp dynamic field of each mbuf (None where the PMD set none): PMDs fill it
    (net_pcap always: the file's time in microseconds in 22.11;
    NICs: their clock, see :func:`read_clock`). One C loop per burst."""
    off = lib.rte_mbuf_dynfield_lookup(b"rte_dynfield_timestamp", ffi.NULL)
    bit = lib.rte_mbuf_dynflag_lookup(b"rte_dynflag_rx_timestamp", ffi.NULL)
    n = len(burst)
    if off < 0 or bit < 0:
        return [None] * n              # no PMD registered the field: nobody timestamps
    out, valid = ffi.new("uint64_t[]", max(1, n)), ffi.new("uint8_t[]", max(1, n))
    lib.pydpdk_rx_timestamps(burst.ptrs, n, off, bit, out, valid)
    return [int(out[i]) if valid[i] else None for i in range(n)]


# -- FEC ------------------------------------------------------------------------------------------
FEC_MODES = {"nofec": lib.RTE_ETH_FEC_NOFEC, "auto": lib.RTE_ETH_FEC_AUTO, "baser": lib.RTE_ETH_FEC_BASER,
             "rs": lib.RTE_ETH_FEC_RS}


def _fec_names(capa: int) -> list[str]:
    return [n for n, m in FEC_MODES.items() if capa & (1 << m)]


def fec_capability(port: Port) -> dict[int, list[str]]:
    """rte_eth_fec_get_capability: {link speed Mbit/s: FEC modes}."""
    _port(port, "fec_capability")
    n = _call(port, lib.rte_eth_fec_get_capability(port.id, ffi.NULL, 0), "rte_eth_fec_get_capability")
    arr = ffi.new("struct rte_eth_fec_capa[]", max(1, n))
    n = _call(port, lib.rte_eth_fec_get_capability(port.id, arr, n), "rte_eth_fec_get_capability")
    return {int(arr[i].speed): _fec_names(arr[i].capa) for i in range(n)}


def fec(port: Port) -> list[str]:
    """rte_eth_fec_get: the current FEC mode(s)."""
    _port(port, "fec")
    v = ffi.new("uint32_t *")
    _call(port, lib.rte_eth_fec_get(port.id, v), "rte_eth_fec_get")
    return _fec_names(v[0])


def set_fec(port: Port, modes: Sequence[str]) -> None:
    """rte_eth_fec_set."""
    _port(port, "set_fec")
    capa = 0
    for m in modes:
        if m not in FEC_MODES:
            raise invalid("modes", m, f"FEC modes: {', '.join(FEC_MODES)}", "set_fec")
        capa |= 1 << FEC_MODES[m]
    _call(port, lib.rte_eth_fec_set(port.id, capa), "rte_eth_fec_set")


# -- clock and timesync -------------------------------------------------------------------------
def read_clock(port: Port) -> int:
    """rte_eth_read_clock: the device clock (the unit the PMD's RX timestamps use)."""
    _port(port, "read_clock")
    v = ffi.new("uint64_t *")
    _call(port, lib.rte_eth_read_clock(port.id, v), "rte_eth_read_clock")
    return int(v[0])


#: mbuf flags of timesync: ask for a TX timestamp of this packet; RX: a PTP packet, and timestamped
TX_IEEE1588_TMST = lib.RTE_MBUF_F_TX_IEEE1588_TMST
RX_IEEE1588_PTP = lib.RTE_MBUF_F_RX_IEEE1588_PTP
RX_IEEE1588_TMST = lib.RTE_MBUF_F_RX_IEEE1588_TMST


def _ns(ts: Any) -> int:
    return int(ts.tv_sec) * 1_000_000_000 + int(ts.tv_nsec)


def timesync_enable(port: Port) -> None:
    """rte_eth_timesync_enable (IEEE 1588 / PTP timestamping)."""
    _port(port, "timesync_enable")
    _call(port, lib.rte_eth_timesync_enable(port.id), "rte_eth_timesync_enable")


def timesync_disable(port: Port) -> None:
    """rte_eth_timesync_disable: stop IEEE 1588 / PTP timestamping."""
    _port(port, "timesync_disable")
    _call(port, lib.rte_eth_timesync_disable(port.id), "rte_eth_timesync_disable")


def timesync_read_rx(port: Port, flags: int = 0) -> int | None:
    """The RX timestamp of the last PTP packet, in ns (None when none was latched: -EINVAL)."""
    _port(port, "timesync_read_rx")
    ts = ffi.new("struct timespec *")
    rc = lib.rte_eth_timesync_read_rx_timestamp(port.id, ts, flags)
    if rc == -_errno.EINVAL:
        return None
    _call(port, rc, "rte_eth_timesync_read_rx_timestamp")
    return _ns(ts)


def timesync_read_tx(port: Port) -> int | None:
    """The TX timestamp of the last PTP packet sent, in ns (None when none was latched)."""
    _port(port, "timesync_read_tx")
    ts = ffi.new("struct timespec *")
    rc = lib.rte_eth_timesync_read_tx_timestamp(port.id, ts)
    if rc == -_errno.EINVAL:
        return None
    _call(port, rc, "rte_eth_timesync_read_tx_timestamp")
    return _ns(ts)


def timesync_adjust(port: Port, delta_ns: int) -> None:
    """rte_eth_timesync_adjust_time: shift the device's PTP clock by ``delta_ns`` (may be negative)."""
    _port(port, "timesync_adjust")
    _call(port, lib.rte_eth_timesync_adjust_time(port.id, delta_ns), "rte_eth_timesync_adjust_time")


def timesync_read_time(port: Port) -> int:
    """The device's PTP clock, in ns."""
    _port(port, "timesync_read_time")
    ts = ffi.new("struct timespec *")
    _call(port, lib.rte_eth_timesync_read_time(port.id, ts), "rte_eth_timesync_read_time")
    return _ns(ts)


def timesync_write_time(port: Port, ns: int) -> None:
    """rte_eth_timesync_write_time: set the device's PTP clock to ``ns`` nanoseconds."""
    _port(port, "timesync_write_time")
    ts = ffi.new("struct timespec *")
    ts.tv_sec, ts.tv_nsec = divmod(int(ns), 1_000_000_000)
    _call(port, lib.rte_eth_timesync_write_time(port.id, ts), "rte_eth_timesync_write_time")


# -- all at once --------------------------------------------------------------------------------
def summary(port: Port) -> dict[str, Any]:
    """Every read-only fact of a port: {name: value, or "not supported by <pmd>"}."""
    out: dict[str, Any] = {}
    for name, fn in (("fw_version", fw_version), ("module_info", module_info),
                     ("registers", lambda p: {"length": (r := registers(p)).length, "width": r.width,
                                              "version": r.version}),
                     ("eeprom_len", lambda p: len(eeprom(p))), ("flow_control", flow_control),
                     ("supported_ptypes", supported_ptypes), ("fec", fec), ("read_clock", read_clock)):
        try:
            out[name] = fn(port)
        except NotSupportedError as exc:
            out[name] = f"not supported by {exc.driver}"
        except PortError as exc:
            out[name] = f"error: {exc}"
    return out
