"""Packet-buffer pools (rte_pktmbuf_pool_create) with their available / in-use counts."""
from __future__ import annotations

import errno
import itertools
from typing import Any, Iterable, Sequence

from . import eal as _eal
from ._native import ffi, lib, cstr, PMD_DIR
from ._resource import Resource
from .errors import MempoolError, ResourceBusyError, check_ptr, int_in, invalid
from .mbuf import Mbuf, MbufBurst, as_buffer

__all__ = ["Mempool"]

_names = itertools.count()
_MAX_DATA_ROOM = 65535


class Mempool(Resource):
    """A pool of packet mbufs. Create with :meth:`create`; free with :meth:`close`."""

    _rank = 3

    def __init__(self, ptr: Any, name: str, owned: bool = True):
        self._ptr = ptr
        self.name = name
        self._owned = owned
        self._register()

    @classmethod
    def create(cls, name: str | None = None, n: int = 8191, *, cache_size: int = 256,
               data_room: int = lib.RTE_MBUF_DEFAULT_BUF_SIZE, priv_size: int = 0,
               socket: int | None = None) -> "Mempool":
        """rte_pktmbuf_pool_create. ``n`` mbufs (2**k - 1 is optimal), each with ``data_room``
        bytes of buffer (headroom included)."""
        _eal.require()
        ctx = "Mempool.create"
        if name is None:
            name = f"pydpdk_pool{next(_names)}"
        if not isinstance(name, str) or not 0 < len(name) < lib.RTE_MEMPOOL_NAMESIZE - 3:
            raise invalid("name", name, f"a string of 1 to {lib.RTE_MEMPOOL_NAMESIZE - 4} characters", ctx)
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n < 1 << 32:
            raise invalid("n", n, "a number of mbufs from 1 to 2**32-1", ctx)
        max_cache = min(lib.RTE_MEMPOOL_CACHE_MAX_SIZE, n // 1)
        if not isinstance(cache_size, int) or not 0 <= cache_size <= lib.RTE_MEMPOOL_CACHE_MAX_SIZE \
                or cache_size * 1.5 > n:
            raise invalid("cache_size", cache_size,
                          f"0 to {lib.RTE_MEMPOOL_CACHE_MAX_SIZE} and at most n/1.5 ({int(n / 1.5)})", ctx)
        if not isinstance(data_room, int) or not lib.RTE_PKTMBUF_HEADROOM < data_room <= _MAX_DATA_ROOM:
            raise invalid("data_room", data_room,
                          f"more than the headroom ({lib.RTE_PKTMBUF_HEADROOM}) and at most {_MAX_DATA_ROOM}", ctx)
        if not isinstance(priv_size, int) or not 0 <= priv_size <= 0xFFFF or priv_size % lib.RTE_MBUF_PRIV_ALIGN:
            raise invalid("priv_size", priv_size, f"a multiple of {lib.RTE_MBUF_PRIV_ALIGN} from 0 to 65535", ctx)
        if lib.rte_mempool_lookup(name.encode()) != ffi.NULL:
            raise invalid("name", name, "a name no other mempool uses", ctx)
        del max_cache
        ops = cstr(lib.rte_mbuf_best_mempool_ops())
        if not lib.pydpdk_mempool_ops_registered(ops.encode()):
            raise MempoolError(errno.ENOENT, f"mempool driver '{ops}' is not registered: the plugin "
                               f"librte_mempool_ring.so was not loaded (look in {PMD_DIR or 'the PMD dir'}, "
                               "or pass plugins=[path] / -d)", "rte_pktmbuf_pool_create")
        sock = lib.SOCKET_ID_ANY if socket is None else int_in("socket", socket, -1, 1023, ctx)
        ptr = check_ptr(lib.rte_pktmbuf_pool_create(name.encode(), n, cache_size, priv_size, data_room, sock),
                        f"rte_pktmbuf_pool_create({name!r}, n={n})", MempoolError,
                        hint="not enough hugepage memory for this many mbufs?")
        return cls(ptr, name)

    @classmethod
    def lookup(cls, name: str) -> "Mempool":
        """An existing pool by name (e.g. one a primary process made); not freed on close."""
        _eal.require()
        ptr = check_ptr(lib.rte_mempool_lookup(name.encode()), f"rte_mempool_lookup({name!r})", MempoolError)
        return cls(ptr, name, owned=False)

    # -- properties -----------------------------------------------------------------------
    @property
    def ptr(self) -> Any:
        """The raw ``struct rte_mempool *`` (hazmat)."""
        self._check_open()
        return self._ptr

    @property
    def size(self) -> int:
        """Number of mbufs in the pool (rte_mempool->size)."""
        self._check_open()
        return self._ptr.size

    @property
    def cache_size(self) -> int:
        """Per-lcore cache size in mbufs (0: no cache)."""
        self._check_open()
        return self._ptr.cache_size

    @property
    def data_room(self) -> int:
        """Bytes of buffer per mbuf, headroom included (rte_pktmbuf_data_room_size)."""
        self._check_open()
        return lib.rte_pktmbuf_data_room_size(self._ptr)

    @property
    def priv_size(self) -> int:
        """Bytes of application private area per mbuf (rte_pktmbuf_priv_size)."""
        self._check_open()
        return lib.rte_pktmbuf_priv_size(self._ptr)

    @property
    def socket(self) -> int:
        """The NUMA socket the pool's memory is on (SOCKET_ID_ANY is -1)."""
        self._check_open()
        return self._ptr.socket_id

    @property
    def ops(self) -> str:
        """The mempool driver ("ring_mp_mc", "stack"...) that holds the free mbufs."""
        self._check_open()
        return cstr(lib.pydpdk_mempool_ops_name(self._ptr))

    @property
    def available(self) -> int:
        """Free mbufs (per-lcore caches included)."""
        self._check_open()
        return lib.rte_mempool_avail_count(self._ptr)

    @property
    def owned(self) -> bool:
        """True for a pool this process created (and frees on close), False for one it looked up."""
        return self._owned

    @property
    def in_use(self) -> int:
        """Mbufs allocated from the pool now (rte_mempool_in_use_count; lcore caches count as free)."""
        self._check_open()
        return lib.rte_mempool_in_use_count(self._ptr)

    # -- allocation -----------------------------------------------------------------------
    def alloc(self) -> Mbuf:
        """One empty mbuf."""
        self._check_open()
        m = lib.rte_pktmbuf_alloc(self._ptr)
        if m == ffi.NULL:
            raise MempoolError(errno.ENOMEM, f"mempool {self.name!r} is empty ({self.size} mbufs, all in use)",
                               "rte_pktmbuf_alloc")
        return Mbuf._own(m)

    def alloc_burst(self, n: int) -> MbufBurst:
        """n empty mbufs in one bulk allocation (all or nothing)."""
        self._check_open()
        if not isinstance(n, int) or not 0 <= n <= 65535:
            raise invalid("n", n, "0 to 65535 mbufs", "Mempool.alloc_burst")
        burst = MbufBurst(n)
        if n and lib.rte_pktmbuf_alloc_bulk(self._ptr, burst._arr, n) != 0:
            raise MempoolError(errno.ENOMEM, f"mempool {self.name!r} has {self.available} free mbufs, fewer than "
                               f"the {n} asked for", "rte_pktmbuf_alloc_bulk")
        burst._n = n
        return burst

    def mbuf(self, data: Any) -> Mbuf:
        """An mbuf holding a copy of data (bytes-like, or anything bytes() accepts, such as a
        scapy or dpkt packet). Chained when it exceeds one mbuf's room."""
        self._check_open()
        buf = as_buffer(data, "data")
        out = ffi.new("struct rte_mbuf **")
        if lib.pydpdk_mbuf_from_bytes(self._ptr, ffi.from_buffer(buf), len(buf), out) < 0:
            raise MempoolError(errno.ENOMEM, f"mempool {self.name!r} ran out of mbufs", "rte_pktmbuf_alloc")
        return Mbuf._own(out[0])

    def burst(self, packets: Iterable[Any]) -> MbufBurst:
        """A burst of mbufs built from packets (bytes-like or bytes()-able), one C call."""
        self._check_open()
        bufs = [as_buffer(p, "packets") for p in packets]
        n = len(bufs)
        if n > 65535:
            raise invalid("packets", f"{n} packets", "at most 65535 per burst", "Mempool.burst")
        burst = MbufBurst(n)
        if n:
            joined = b"".join(bufs)
            lens = ffi.new("uint32_t[]", [len(b) for b in bufs])
            if lib.pydpdk_mbufs_from_buffer(self._ptr, joined, lens, n, burst._arr) < 0:
                raise MempoolError(errno.ENOMEM, f"mempool {self.name!r} has too few free mbufs "
                                   f"({self.available}) for {n} packets", "rte_pktmbuf_alloc")
        burst._n = n
        return burst

    # -- life cycle -------------------------------------------------------------------------
    def _release(self) -> None:
        self._refuse_close_while_used("feeds the RX queues of", "close those ports first")
        if self._owned:
            if lib.rte_mempool_in_use_count(self._ptr):
                raise ResourceBusyError(
                    f"mempool {self.name!r} still has {lib.rte_mempool_in_use_count(self._ptr)} mbufs "
                    "in use: free them (or close what holds them) before closing the pool")
            lib.rte_mempool_free(self._ptr)
        self._ptr = None

    def _force_release(self) -> None:
        if self._owned and self._ptr is not None:
            lib.rte_mempool_free(self._ptr)
        self._ptr = None

    def _describe(self) -> str:
        return f"Mempool {self.name!r}"

    def __repr__(self) -> str:
        if self._closed:
            return f"<Mempool {self.name!r} closed>"
        return f"<Mempool {self.name!r} size={self.size} in_use={self.in_use} data_room={self.data_room}>"
