"""sysfs/procfs access rooted at a configurable directory (default "/")."""
from __future__ import annotations

import errno as _errno
import os
import re
from typing import overload

from ..errors import DeviceError, invalid

PCI_ADDR = re.compile(r"^(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$")


def path(root: str, *parts: str) -> str:
    return os.path.join(root, *[p.lstrip("/") for p in parts])


def read(p: str, default: str | None = None) -> str | None:
    try:
        with open(p) as f:
            return f.read().strip()
    except OSError:
        return default


@overload
def read_int(p: str, default: int, base: int = 10) -> int: ...
@overload
def read_int(p: str, default: None = None, base: int = 10) -> int | None: ...


def read_int(p: str, default: int | None = None, base: int = 10) -> int | None:
    text = read(p)
    try:
        return int(text, base) if text is not None else default
    except ValueError:
        return default


def write(p: str, text: str, what: str) -> None:
    """Write text to a sysfs file; DeviceError naming the file and the kernel's errno on failure."""
    try:
        with open(p, "w") as f:
            f.write(text)
    except OSError as e:
        err = e.errno or _errno.EIO
        raise DeviceError(err, f"{what} failed: writing {text.strip()!r} to {p}: {os.strerror(err)}",
                          what) from None


def link_name(p: str) -> str | None:
    try:
        return os.path.basename(os.readlink(p))
    except OSError:
        return None


def normalize_pci(address: object, param: str = "address") -> str:
    """'00:03.0' or '0000:00:03.0' -> '0000:00:03.0' (lower case)."""
    m = PCI_ADDR.match(address) if isinstance(address, str) else None
    if not m:
        raise invalid(param, address, "a PCI address such as 0000:00:03.0 or 00:03.0")
    dom, bus, dev, fn = m.groups()
    return f"{(dom or '0000').lower()}:{bus.lower()}:{dev.lower()}.{fn}"
