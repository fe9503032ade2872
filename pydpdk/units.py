"""Rates and counts in one format everywhere: SI prefixes with units, packets/s and bit/s.

    >>> format_rate(14_880_952, 7_619_047_424)
    '14.88 Mpackets/s, 7.619 Gbit/s'
    >>> format_rate(0.0, None)
    '0 packets/s'
    >>> si(1_234_567, "B")
    '1.235 MB'

Four significant digits, SI prefixes k M G T (powers of 1000, as line rates are quoted: 10 Gbit/s
is 10e9 bit/s). Bits are bytes * 8 on the wire as DPDK counts them (no preamble, no IFG).
No imports: every layer may use it (pydpdk.stats, notebook views, the CLI, telemetry).
"""
from __future__ import annotations

import math

__all__ = ["si", "format_pps", "format_bps", "format_rate", "format_count", "PREFIXES"]

PREFIXES = (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3))


def si(value: float | int | None, unit: str = "", *, digits: int = 4) -> str:
    """``value`` with an SI prefix and ``unit``, ``digits`` significant digits:
    ``si(1.5e6, "packets/s") == '1.5 Mpackets/s'``; ``None`` or NaN gives ``'n/a'``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    v = float(value)
    prefix, scale = "", 1.0
    for p, s in PREFIXES:
        if abs(v) >= s * 0.9995:
            prefix, scale = p, s
            break
    x = v / scale
    if x == int(x) and (scale > 1 or float(value).is_integer()):
        text = str(int(x))
    else:
        whole = len(str(int(abs(x)))) if abs(x) >= 1 else 1
        text = f"{x:.{max(digits - whole, 0)}f}".rstrip("0").rstrip(".")
    return f"{text} {prefix}{unit}".rstrip()


def format_pps(pps: float | None) -> str:
    """A packet rate: ``'14.88 Mpackets/s'``."""
    return si(pps, "packets/s")


def format_bps(bps: float | None) -> str:
    """A bit rate: ``'7.619 Gbit/s'``."""
    return si(bps, "bit/s")


def format_rate(pps: float | None, bps: float | None = None) -> str:
    """Packet rate and, when known, bit rate: ``'14.88 Mpackets/s, 7.619 Gbit/s'``. Pass
    ``bps=None`` where the port counts no bytes (net_ring, net_null)."""
    out = format_pps(pps)
    return out if bps is None else f"{out}, {format_bps(bps)}"


def format_count(n: int | float | None, unit: str = "packets") -> str:
    """A counter: exact below 10 000, SI above (``'1.235 Mpackets'`` reads better than
    1234567 in a live view; tables keep exact integers)."""
    if n is None:
        return "n/a"
    if abs(n) < 10_000:
        return f"{int(n) if float(n).is_integer() else n} {unit}".rstrip()
    return si(n, unit)
