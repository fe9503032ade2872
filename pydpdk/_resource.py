"""Ownership of C resources: one Python owner each, idempotent close(), context managers.

Every pool, ring, port and forwarder registers with the live EAL; EAL cleanup closes them
in a safe order (forwarders, ports, rings, pools) and afterwards every object refuses use.
"""
from __future__ import annotations

import itertools
from typing import ClassVar

from .errors import ResourceClosedError

_counter = itertools.count()
_live: dict[int, "Resource"] = {}


class Resource:
    """Base of objects that own a DPDK resource."""

    #: cleanup order: lower ranks are closed first
    _rank: ClassVar[int] = 9
    _closed: bool = True        # a half-built object counts as closed
    _why_closed: str = "closed"

    def _register(self) -> None:
        self._closed = False
        self._seq = next(_counter)
        _live[self._seq] = self

    def _describe(self) -> str:
        return type(self).__name__

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise ResourceClosedError(f"{self._describe()} is {self._why_closed}: it cannot be used any more")

    def close(self) -> None:
        """Release the resource. Safe to call more than once."""
        if self._closed:
            return
        self._release()          # may raise (busy): the object then stays open
        self._closed = True
        _live.pop(getattr(self, "_seq", -1), None)

    def _release(self) -> None:  # pragma: no cover - overridden
        pass

    def _invalidate(self, why: str) -> None:
        """Mark closed without touching C (the EAL is gone)."""
        self._closed = True
        self._why_closed = why
        _live.pop(getattr(self, "_seq", -1), None)

    def __enter__(self):
        self._check_open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def live(kind: type | None = None) -> list["Resource"]:
    """The open resources (of class kind, when given), oldest first: what a leak check or a
    cleanup report looks at."""
    out = [r for r in list(_live.values()) if not r._closed and (kind is None or isinstance(r, kind))]
    return sorted(out, key=lambda r: r._seq)


def close_all(why: str = "closed") -> None:
    """Close every live resource in rank order (then newest first)."""
    for res in sorted(_live.values(), key=lambda r: (r._rank, -r._seq)):
        try:
            res.close()
            res._why_closed = why
        except Exception:  # busy or failing: release by force, cleanup must go on
            force = getattr(res, "_force_release", None)
            if force is not None:
                force()
            res._invalidate(why)


def invalidate_all(why: str) -> None:
    for res in list(_live.values()):
        res._invalidate(why)
