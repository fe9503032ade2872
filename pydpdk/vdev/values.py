"""Checks of devargs values: their form (integers in a range, 0/1, yes/no, MACs) and, apart,
what only the machine can tell (files readable, interfaces present, directories writable).

Each check takes the value as DPDK gets it (a string) and returns None, or what is allowed.
"""
from __future__ import annotations

import os
import re
from typing import Callable, Optional

__all__ = ["Check", "integer", "bool01", "yesno", "one_of", "mac", "mac_or_fixed", "readable",
           "writable_target", "iface", "socket_dir"]

Check = Callable[[str], Optional[str]]


def integer(lo: int = 0, hi: int = 1 << 31) -> Check:
    """An integer from lo to hi."""
    def check(v: str) -> Optional[str]:
        if not re.fullmatch(r"\d+", v) or not lo <= int(v) <= hi:
            return f"an integer from {lo} to {hi}"
        return None
    return check


def bool01(v: str) -> Optional[str]:
    """0 or 1."""
    return None if v in ("0", "1") else "0 or 1"


def yesno(v: str) -> Optional[str]:
    """yes or no (memif's booleans)."""
    return None if v in ("yes", "no") else "'yes' or 'no'"


def one_of(*allowed: str) -> Check:
    """One of the given words."""
    def check(v: str) -> Optional[str]:
        return None if v in allowed else " or ".join(repr(a) for a in allowed)
    return check


def mac(v: str) -> Optional[str]:
    """A MAC address like 02:00:00:00:00:01."""
    return None if re.fullmatch(r"([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}", v) else "a MAC address like 02:00:00:00:00:01"


def mac_or_fixed(v: str) -> Optional[str]:
    """net_tap's mac=: a MAC address or 'fixed'."""
    return None if v == "fixed" else mac(v)


# -- what the machine must have (skipped by offline checks such as `pydpdk run --check`) --------
def readable(v: str) -> Optional[str]:
    """A readable file."""
    return None if os.path.isfile(v) and os.access(v, os.R_OK) else "a readable file"


def writable_target(v: str) -> Optional[str]:
    """A path in a writable directory."""
    d = os.path.dirname(os.path.abspath(v))
    return None if os.path.isdir(d) and os.access(d, os.W_OK) else f"a path in a writable directory ({d})"


def iface(v: str) -> Optional[str]:
    """An existing network interface."""
    return None if os.path.exists(f"/sys/class/net/{v}") else "an existing network interface (see `ip link`)"


def socket_dir(v: str) -> Optional[str]:
    """A socket path in a writable directory."""
    d = os.path.dirname(os.path.abspath(v))
    return None if os.path.isdir(d) and os.access(d, os.W_OK) else f"a socket path in a writable directory ({d})"
