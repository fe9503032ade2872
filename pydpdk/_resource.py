"""Ownership of C resources: one Python owner each, idempotent close(), context managers.

Every pool, ring, port and forwarder registers with the live EAL; EAL cleanup closes them
in a safe order (forwarders, ports, rings, pools) and afterwards every object refuses use.

Dependencies between owners go through one parent/child API: ``child._use(parent)`` records
that the child needs the parent (a port's RX queues draw from a pool, a ring port reads a ring,
a forwarder drives a port). The child keeps its parents alive; :meth:`Resource.users` lists a
parent's open children, and :meth:`Resource._refuse_close_while_used` is the busy check.
"""
from __future__ import annotations

import itertools
import weakref
from typing import Any, Callable, ClassVar, TypeVar

from .errors import ResourceBusyError, ResourceClosedError

_counter = itertools.count()
_live: dict[int, "Resource"] = {}
_R = TypeVar("_R", bound="Resource")


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

    # -- parents and children ----------------------------------------------------------------
    def _use(self, parent: "Resource") -> None:
        """Record that self needs parent: parent lists self among its users, self keeps parent alive."""
        users = parent.__dict__.setdefault("_users_ref", weakref.WeakSet())
        users.add(self)
        self.__dict__.setdefault("_parents", []).append(parent)

    def _unuse(self, parent: "Resource") -> None:
        """Undo one _use(parent) (no-op when self does not use parent)."""
        parents = self.__dict__.get("_parents", [])
        if parent in parents:
            parents.remove(parent)
        if parent not in parents:
            users = parent.__dict__.get("_users_ref")
            if users is not None:
                users.discard(self)

    def _unuse_all(self) -> None:
        for parent in list(self.__dict__.get("_parents", [])):
            self._unuse(parent)

    def users(self, kind: "type[_R] | None" = None,
              where: "Callable[[Any], bool] | None" = None) -> "list[Any]":
        """The open objects that use this one (of a kind, or matching a condition), oldest first."""
        found = [u for u in self.__dict__.get("_users_ref", ()) if not u.closed
                 and (kind is None or isinstance(u, kind)) and (where is None or where(u))]
        return sorted(found, key=lambda u: getattr(u, "_seq", 0))

    def _refuse_close_while_used(self, what: str, hint: str) -> None:
        """ResourceBusyError naming the open users, if any."""
        users = self.users()
        if users:
            raise ResourceBusyError(f"{self._describe()} {what} {', '.join(u._describe() for u in users)}: "
                                    f"{hint}")

    @property
    def closed(self) -> bool:
        """True once closed (or invalidated by EAL cleanup or device removal)."""
        return self._closed

    @property
    def closed_reason(self) -> str:
        """Why the object refuses use ("closed", "detached", ...); "" while open."""
        return "" if not self._closed else self._why_closed

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
        self._unuse_all()

    def _release(self) -> None:  # pragma: no cover - overridden
        pass

    def _invalidate(self, why: str) -> None:
        """Mark closed without touching C (the EAL is gone)."""
        self._closed = True
        self._why_closed = why
        _live.pop(getattr(self, "_seq", -1), None)

    def __enter__(self: _R) -> _R:
        self._check_open()
        return self

    def __exit__(self, *exc: Any) -> None:
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
