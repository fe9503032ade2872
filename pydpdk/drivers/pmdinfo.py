"""What a PMD plugin declares about itself, read from the plugin file, and devargs checked against it.

Every DPDK driver embeds a ``PMD_INFO_STRING= {json}`` record (name, devargs it accepts,
kernel modules it needs, PCI ids it drives) — the data ``dpdk-pmdinfo.py`` prints. Reading it
needs no EAL and no hardware, so the devargs of PCI drivers whose NICs are absent (ixgbe, i40e,
fm10k, mlx4) can be validated before an EAL sees them.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..errors import invalid
from .catalog import PMD_DIR, lookup

__all__ = ["PmdInfo", "read_plugin", "pmd_info", "validate_devargs", "parse_devargs"]

_MARK = b"PMD_INFO_STRING= "
_KEY = re.compile(r"[A-Za-z_][\w\-]*(?==)")
#: devargs a 22.11 driver parses without declaring them in its PMD_INFO params
_UNDECLARED = {"net_mlx4": ("port", "mr_ext_memseg_en")}


@dataclass(frozen=True)
class PmdInfo:
    """One driver record embedded in a plugin (PMD_INFO_STRING, as dpdk-pmdinfo reads it)."""
    name: str
    plugin: str
    params: str = ""
    kmod: str = ""
    pci_ids: tuple[tuple[int, int, int, int], ...] = field(default=())

    @property
    def devarg_keys(self) -> tuple[str, ...]:
        """Keys the driver documents (its RTE_PMD_REGISTER_PARAM_STRING), in order."""
        return tuple(dict.fromkeys(_KEY.findall(self.params)))

    def drives(self, vendor: int, device: int) -> bool:
        """True when the driver's PCI id table lists this vendor:device (0xFFFF: any device)."""
        return any(v == vendor and d in (device, 0xFFFF) for v, d, _, _ in self.pci_ids)


@lru_cache(maxsize=None)
def read_plugin(path: str) -> tuple[PmdInfo, ...]:
    """Every driver record embedded in a plugin (.so) file."""
    with open(path, "rb") as f:
        data = f.read()
    out, pos = [], 0
    while (i := data.find(_MARK, pos)) >= 0:
        end = data.find(b"\0", i)
        pos = end if end > 0 else len(data)
        try:
            rec = json.loads(data[i + len(_MARK):pos].decode())
        except (ValueError, UnicodeDecodeError):
            continue
        out.append(PmdInfo(rec.get("name", ""), os.path.basename(path), rec.get("params", ""),
                           rec.get("kmod", ""), tuple(tuple(p) for p in rec.get("pci_ids", []))))
    return tuple(out)


def pmd_info(driver: str) -> PmdInfo:
    """The record of a 22.11 driver name (``net_ixgbe``) or guide name (``ixgbe``)."""
    info = lookup(driver)
    plugin = info.plugin_path if info else None
    name = info.name if info else driver
    if plugin is None:
        m = re.fullmatch(r"net_([a-z0-9]+).*", driver)
        plugin = os.path.join(PMD_DIR, f"librte_net_{m.group(1)}.so") if m else ""
    if not plugin or not os.path.exists(plugin):
        raise invalid("driver", driver, f"a driver whose plugin is installed in {PMD_DIR}")
    for rec in read_plugin(os.path.realpath(plugin)):
        if rec.name == name:
            return rec
    raise invalid("driver", driver, f"one of the drivers in {os.path.basename(plugin)}: "
                  f"{', '.join(r.name for r in read_plugin(os.path.realpath(plugin)))}")


def parse_devargs(devargs: str) -> list[tuple[str, str]]:
    """'a=1,b=2' -> [('a', '1'), ('b', '2')] (a bare key has value '')."""
    out = []
    for part in filter(None, devargs.split(",")):
        k, _, v = part.partition("=")
        out.append((k.strip(), v))
    return out


def validate_devargs(driver: str, devargs: str) -> list[tuple[str, str]]:
    """Check devargs keys against what the driver declares; InvalidArgumentError names the allowed keys."""
    rec = pmd_info(driver)
    keys = rec.devarg_keys + _UNDECLARED.get(rec.name, ())
    pairs = parse_devargs(devargs)
    for k, v in pairs:
        if k not in keys:
            raise invalid("devargs", f"{k}={v}" if v else k,
                          f"keys {rec.name} accepts: {', '.join(keys)}" if keys else
                          f"nothing: {rec.name} declares no devargs", f"devargs for {rec.name}")
        allowed = _choices(rec.params, k)
        if allowed and v not in allowed:
            raise invalid("devargs", f"{k}={v}", f"{k}= one of {', '.join(allowed)}", f"devargs for {rec.name}")
    return pairs


def _choices(params: str, key: str) -> list[str] | None:
    """'<0|1>' or '1|2|4' after key= -> the literal choices (None when the value is free-form)."""
    m = re.search(re.escape(key) + r"=(<[^>]*>|[0-9|]+(?=[A-Za-z_ ]|$))", params)
    if not m:
        return None
    val = m.group(1).strip("<>")
    if re.fullmatch(r"[0-9]+(\|[0-9]+)+", val):
        return val.split("|")
    return None
