"""rte_ring FIFOs of mbufs, and ethdev ports made from rings (the guide's §7.1.3).

    r1 = Ring.create("R1", 256, sp_enq=True, sc_deq=True)
    port = ports_from_rings("loop", rx=[r1], tx=[r1])     # looped back to itself
"""
from __future__ import annotations

import itertools
from typing import Any, Sequence

from . import eal as _eal
from ._native import ffi, lib, cstr
from ._resource import Resource
from .errors import RingError, check_ptr, int_in, invalid
from .ethdev import Port
from .mbuf import Mbuf, MbufBurst

__all__ = ["Ring", "ports_from_rings"]

_names = itertools.count()
_MAX = lib.RTE_RING_SZ_MASK


class Ring(Resource):
    """An rte_ring of mbuf pointers. Enqueue hands mbufs over; dequeue hands them back."""

    _rank = 2

    def __init__(self, ptr: Any, name: str, owned: bool = True):
        self._ptr, self.name, self._owned = ptr, name, owned
        self._register()

    @classmethod
    def create(cls, name: str | None = None, count: int = 1024, *, socket: int | None = None,
               sp_enq: bool = False, sc_deq: bool = False, exact_size: bool = False,
               sync: str | None = None) -> "Ring":
        """rte_ring_create. ``count`` must be a power of two (capacity count-1) unless
        ``exact_size``. ``sync`` = 'rts' or 'hts' for the multi-producer/consumer modes."""
        _eal.require()
        ctx = "Ring.create"
        name = name or f"pydpdk_ring{next(_names)}"
        if not 0 < len(name) < lib.RTE_RING_NAMESIZE - 3:
            raise invalid("name", name, f"1 to {lib.RTE_RING_NAMESIZE - 4} characters", ctx)
        if not isinstance(count, int) or count < 1 or count > _MAX or \
                (not exact_size and count & (count - 1)):
            raise invalid("count", count, "a power of two up to 2**31 (or exact_size=True for any count)"
                          if not exact_size else f"1 to {_MAX}", ctx)
        if sync not in (None, "rts", "hts"):
            raise invalid("sync", sync, "None, 'rts' or 'hts'", ctx)
        if sync and (sp_enq or sc_deq):
            raise invalid("sync", sync, "not combined with sp_enq/sc_deq", ctx)
        if lib.rte_ring_lookup(name.encode()) != ffi.NULL:
            raise invalid("name", name, "a name no other ring uses", ctx)
        flags = (lib.RING_F_SP_ENQ if sp_enq else 0) | (lib.RING_F_SC_DEQ if sc_deq else 0) | \
                (lib.RING_F_EXACT_SZ if exact_size else 0)
        if sync == "rts":
            flags |= lib.RING_F_MP_RTS_ENQ | lib.RING_F_MC_RTS_DEQ
        elif sync == "hts":
            flags |= lib.RING_F_MP_HTS_ENQ | lib.RING_F_MC_HTS_DEQ
        sock = lib.SOCKET_ID_ANY if socket is None else int_in("socket", socket, -1, 1023, ctx)
        ptr = check_ptr(lib.rte_ring_create(name.encode(), count, sock, flags),
                        f"rte_ring_create({name!r}, {count})", RingError)
        return cls(ptr, name)

    @classmethod
    def lookup(cls, name: str) -> "Ring":
        """The existing ring of that name (rte_ring_lookup), not owned: closing it does not free the ring."""
        _eal.require()
        return cls(check_ptr(lib.rte_ring_lookup(name.encode()), f"rte_ring_lookup({name!r})", RingError),
                   name, owned=False)

    @property
    def ptr(self) -> Any:
        """The raw ``struct rte_ring *`` (hazmat)."""
        self._check_open()
        return self._ptr

    @property
    def size(self) -> int:
        """The ring's size in slots (rte_ring_get_size; a power of two unless exact_size)."""
        self._check_open()
        return lib.rte_ring_get_size(self._ptr)

    @property
    def capacity(self) -> int:
        """How many objects the ring can hold (rte_ring_get_capacity)."""
        self._check_open()
        return lib.rte_ring_get_capacity(self._ptr)

    @property
    def count(self) -> int:
        """Objects in the ring now (rte_ring_count)."""
        self._check_open()
        return lib.rte_ring_count(self._ptr)

    @property
    def free_count(self) -> int:
        """Free slots now (rte_ring_free_count)."""
        self._check_open()
        return lib.rte_ring_free_count(self._ptr)

    def __len__(self) -> int:
        return self.count

    @property
    def flags(self) -> dict[str, bool]:
        """The creation flags: single-producer enqueue, single-consumer dequeue, exact size."""
        self._check_open()
        f = self._ptr.flags
        return {"sp_enq": bool(f & lib.RING_F_SP_ENQ), "sc_deq": bool(f & lib.RING_F_SC_DEQ),
                "exact_size": bool(f & lib.RING_F_EXACT_SZ)}

    def enqueue_burst(self, pkts: MbufBurst | Sequence[Mbuf]) -> int:
        """Enqueue as many as fit; they now belong to the ring. Returns the number enqueued;
        the rest stay with the caller (a burst keeps them at its front)."""
        self._check_open()
        if isinstance(pkts, MbufBurst):
            pkts._before_handoff()
            done = lib.pydpdk_ring_enqueue_compact(self._ptr, pkts._arr, pkts._n)
            pkts._consume_front(done)
            return done
        if isinstance(pkts, (str, bytes, bytearray, memoryview)) or not hasattr(pkts, "__iter__"):
            raise invalid("pkts", type(pkts).__name__, "an MbufBurst or a list of Mbufs", "Ring.enqueue_burst")
        pkts = list(pkts)
        if not all(isinstance(m, Mbuf) for m in pkts):
            raise invalid("pkts", "a list holding non-Mbufs", "an MbufBurst or a list of Mbufs", "Ring.enqueue_burst")
        ptrs = [m._p() for m in pkts]
        if len(set(ptrs)) != len(ptrs):
            raise invalid("pkts", "the same mbuf twice", "distinct mbufs", "Ring.enqueue_burst")
        for m in pkts:
            m._before_handoff()
        arr = ffi.new("void *[]", ptrs)
        done = lib.rte_ring_enqueue_burst(self._ptr, arr, len(ptrs), ffi.NULL)
        for m in pkts[:done]:
            m._take()
        return done

    def dequeue_burst(self, max_pkts: int = 32) -> MbufBurst:
        """Dequeue up to max_pkts mbufs into a burst that owns them."""
        self._check_open()
        if not isinstance(max_pkts, int) or not 0 < max_pkts <= 65535:
            raise invalid("max_pkts", max_pkts, "1 to 65535", "Ring.dequeue_burst")
        burst = MbufBurst(max_pkts)
        burst._n = lib.rte_ring_dequeue_burst(self._ptr, ffi.cast("void **", burst._arr), max_pkts, ffi.NULL)
        return burst

    def drain(self) -> int:
        """Dequeue and free everything in the ring; returns how many were freed."""
        self._check_open()
        total = 0
        while True:
            b = self.dequeue_burst(256)
            if not b:
                return total
            total += len(b)
            b.free()

    def _release(self) -> None:
        self._refuse_close_while_used("backs", "close those ports first")
        if self._owned:
            self.drain()
            lib.rte_ring_free(self._ptr)
        self._ptr = None

    def _describe(self) -> str:
        return f"Ring {self.name!r}"

    def __repr__(self) -> str:
        if self._closed:
            return f"<Ring {self.name!r} closed>"
        return f"<Ring {self.name!r} count={self.count}/{self.capacity}>"


def ports_from_rings(name: str, rx: Sequence[Ring], tx: Sequence[Ring], *, socket: int = 0) -> Port:
    """rte_eth_from_rings: an ethdev port whose RX queues read rx[i] and TX queues write tx[i]
    (the same as :meth:`pydpdk.Port.from_rings`)."""
    return Port.from_rings(name, rx, tx, socket=socket)
