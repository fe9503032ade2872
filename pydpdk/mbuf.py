"""Mbufs and bursts of mbufs, with explicit ownership.

An :class:`Mbuf` owns one packet (possibly a chain of segments). It is released exactly once:
by :meth:`Mbuf.free`, or by handing it to TX (``port.tx_burst``) or a ring, which take it.
Any use after that raises :class:`MbufReleasedError`.

An :class:`MbufBurst` owns up to ``capacity`` mbufs in one C array: what ``rx_burst`` returns
and what ``tx_burst`` takes, one C call per burst. After a TX the burst keeps the unsent
mbufs (moved to the front), so the caller can retry or :meth:`MbufBurst.free` them.
"""
from __future__ import annotations

import errno
import sys
import time
import warnings
from typing import Any, Iterable, Iterator, Sequence

from . import eal as _eal
from ._native import ffi, lib
from .errors import MbufReleasedError, MempoolError, ResourceBusyError, int_in, invalid

__all__ = ["Mbuf", "MbufBurst", "as_buffer", "as_packet_list", "port_pool", "send_packets"]

if lib.pydpdk_window_install() != 0:    # c/window.c: the revocable exporter behind Mbuf.data
    raise ImportError("pydpdk: the packet-buffer type (c/window.c) could not be created")
_Window: Any = sys.modules["pydpdk._window"].Window


def as_buffer(data: Any, param: str) -> Any:
    """A bytes-like view of data: buffer-protocol objects as they are, else bytes(data)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return data
    try:
        return memoryview(data).cast("B")
    except TypeError:
        pass
    if hasattr(data, "__bytes__"):
        return bytes(data)
    raise invalid(param, type(data).__name__,
                  "bytes, a bytes-like object, or a packet object bytes() accepts (scapy, dpkt)")


class Mbuf:
    """One packet in an mbuf (a chain of segments when ``nb_segs > 1``)."""

    __slots__ = ("_ptr", "_burst", "_gen", "_views", "__weakref__")
    _ptr: Any                      # struct rte_mbuf * (None once freed or handed over)
    _burst: "MbufBurst | None"     # the burst this is a view into, if any
    _gen: int                      # that burst's generation when the view was made
    _views: "list[Any] | None"     # (Window, memoryview) pairs handed out of its data

    def __init__(self) -> None:
        raise TypeError("mbufs come from Mempool.alloc()/mbuf(), rx_burst() or a burst")

    @classmethod
    def _own(cls, ptr: Any) -> "Mbuf":
        m = object.__new__(cls)
        m._ptr, m._burst, m._gen, m._views = ptr, None, 0, None
        return m

    @classmethod
    def _view(cls, ptr: Any, burst: "MbufBurst") -> "Mbuf":
        m = object.__new__(cls)
        m._ptr, m._burst, m._gen, m._views = ptr, burst, burst._gen, None
        return m

    # -- ownership ------------------------------------------------------------------------
    def _p(self) -> Any:
        if self._ptr is None:
            raise MbufReleasedError("this mbuf was already freed or sent: it no longer belongs to you")
        if self._burst is not None and self._burst._gen != self._gen:
            raise MbufReleasedError("this mbuf belongs to a burst that has since been sent, freed or "
                                    "changed: take mbufs out with burst.detach() to keep them")
        if not _eal._live:
            raise MbufReleasedError("the EAL was cleaned up: this mbuf no longer exists")
        return self._ptr

    @property
    def owned(self) -> bool:
        """True while this object may use the mbuf."""
        try:
            self._p()
            return True
        except MbufReleasedError:
            return False

    def free(self) -> None:
        """Return the mbuf (all segments) to its pool. Exactly once."""
        if self._burst is not None:
            raise MbufReleasedError("this mbuf is a view into a burst: free the burst, or detach() first")
        p = self._p()
        _release_views(self)
        self._ptr = None
        lib.rte_pktmbuf_free(p)

    close = free

    def _take(self) -> Any:
        """Hand the pointer over (to TX or a ring); this object no longer owns it."""
        if self._burst is not None:
            raise MbufReleasedError("this mbuf is a view into a burst: send the burst, or detach() first")
        p = self._p()
        _release_views(self)
        self._ptr = None
        return p

    def _before_handoff(self) -> None:
        """Before TX or a ring takes this mbuf: it must be owned (not a view into a burst), and
        its data views are released (ResourceBusyError, nothing handed over, while one is pinned)."""
        if self._burst is not None:
            raise MbufReleasedError("this mbuf is a view into a burst: send the burst, or detach() first")
        self._p()
        _release_views(self)

    def __enter__(self) -> "Mbuf":
        self._p()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._ptr is not None and self._burst is None and _eal._live:
            self.free()

    def __del__(self) -> None:  # backstop only: free() or send explicitly
        if getattr(self, "_ptr", None) is not None and self._burst is None and _eal._live:
            if not _release_views(self, force=True):
                warnings.warn("an Mbuf whose data is still in use (a numpy array?) was garbage-collected: "
                              "it is left allocated so that the array stays valid", ResourceWarning,
                              stacklevel=2)
                return
            warnings.warn("an owned Mbuf was garbage-collected: freeing it (call free() or send it)",
                          ResourceWarning, stacklevel=2)
            lib.rte_pktmbuf_free(self._ptr)
            self._ptr = None

    # -- data -------------------------------------------------------------------------
    @property
    def data(self) -> memoryview:
        """The first segment's data: a writable, zero-copy memoryview. When the mbuf is freed,
        sent, enqueued or its burst changes, the view is released (any use raises ValueError);
        while a buffer made from it lives on (a numpy array, a derived memoryview) the free or
        send is refused with ResourceBusyError instead. See docs/core.md, "Views"."""
        p = self._p()
        return self._view_of(p)

    def segments(self) -> list[memoryview]:
        """Every segment's data as zero-copy memoryviews (guarded like :attr:`data`)."""
        p = self._p()
        out = []
        while p != ffi.NULL:
            out.append(self._view_of(p))
            p = p.next
        return out

    def array(self) -> Any:
        """The first segment's data as a writable, zero-copy numpy uint8 array (guarded like
        :attr:`data`: the mbuf cannot be freed or sent while the array lives). Needs numpy."""
        import numpy as np
        return np.frombuffer(self.data, dtype=np.uint8)

    def _view_of(self, seg: Any) -> memoryview:
        window = _Window(int(ffi.cast("uintptr_t", seg.buf_addr)) + seg.data_off, seg.data_len)
        view = memoryview(window)
        owner: Any = self._burst if self._burst is not None else self
        if owner._views is None:
            owner._views = []
        owner._views.append((window, view))
        return view

    def tobytes(self) -> bytes:
        """The whole packet (all segments) as bytes."""
        p = self._p()
        buf = ffi.new("uint8_t[]", p.pkt_len)
        n = lib.pydpdk_mbuf_copy_out(p, buf, p.pkt_len)
        return ffi.unpack(ffi.cast("char *", buf), n)

    __bytes__ = tobytes

    def __len__(self) -> int:
        return self._p().pkt_len

    def append(self, data: Any) -> None:
        """Append bytes at the tail of the last segment (must fit its tailroom)."""
        p = self._p()
        buf = as_buffer(data, "data")
        dst = lib.rte_pktmbuf_append(p, len(buf))
        if dst == ffi.NULL:
            raise invalid("data", f"{len(buf)} bytes", f"at most the tailroom, {self.tailroom} bytes",
                          "Mbuf.append")
        ffi.memmove(dst, ffi.from_buffer(buf), len(buf))

    def prepend(self, data: Any) -> None:
        """Insert bytes before the data of the first segment (must fit its headroom)."""
        p = self._p()
        buf = as_buffer(data, "data")
        dst = lib.rte_pktmbuf_prepend(p, len(buf))
        if dst == ffi.NULL:
            raise invalid("data", f"{len(buf)} bytes", f"at most the headroom, {self.headroom} bytes",
                          "Mbuf.prepend")
        ffi.memmove(dst, ffi.from_buffer(buf), len(buf))

    def adj(self, n: int) -> None:
        """Remove n bytes from the start."""
        int_in("n", n, 0, 65535, "Mbuf.adj")
        if lib.rte_pktmbuf_adj(self._p(), n) == ffi.NULL:
            raise invalid("n", n, f"at most the first segment's length, {self._p().data_len}", "Mbuf.adj")

    def trim(self, n: int) -> None:
        """Remove n bytes from the end."""
        int_in("n", n, 0, 65535, "Mbuf.trim")
        if lib.rte_pktmbuf_trim(self._p(), n) != 0:
            raise invalid("n", n, "at most the last segment's length", "Mbuf.trim")

    def chain(self, tail: "Mbuf") -> None:
        """Append tail's segments to this packet; tail is consumed."""
        if not isinstance(tail, Mbuf):
            raise invalid("tail", type(tail).__name__, "an Mbuf (owned: not a view into a burst)", "Mbuf.chain")
        p = self._p()
        t = tail._p()
        if t == p:
            raise invalid("tail", "itself", "another mbuf", "Mbuf.chain")
        rc = lib.rte_pktmbuf_chain(p, t)
        if rc != 0:
            raise invalid("tail", f"{tail.nb_segs} segments", "a chain within 65535 segments", "Mbuf.chain")
        tail._ptr = None

    def linearize(self) -> None:
        """Gather a multi-segment packet into its first segment (rte_pktmbuf_linearize);
        MempoolError when it does not fit."""
        if lib.rte_pktmbuf_linearize(self._p()) != 0:
            raise MempoolError(errno.ENOMEM, "the packet does not fit the first segment's room", "rte_pktmbuf_linearize")

    # -- metadata -----------------------------------------------------------------------------
    pkt_len = property(lambda self: self._p().pkt_len, doc="Total length, all segments.")
    data_len = property(lambda self: self._p().data_len, doc="Length of the first segment.")
    nb_segs = property(lambda self: self._p().nb_segs, doc="Number of segments in the chain (1: one buffer).")
    headroom = property(lambda self: lib.rte_pktmbuf_headroom(self._p()),
                        doc="Free bytes before the data in the first segment (rte_pktmbuf_headroom).")
    tailroom = property(lambda self: lib.rte_pktmbuf_tailroom(self._p()),
                        doc="Free bytes after the data in the last segment (rte_pktmbuf_tailroom).")
    is_contiguous = property(lambda self: bool(lib.rte_pktmbuf_is_contiguous(self._p())),
                             doc="True when the whole packet is in one segment (rte_pktmbuf_is_contiguous).")

    @property
    def port(self) -> int:
        """The input port id (mbuf->port): set by RX, read by engines and TX-side logic."""
        return self._p().port

    @port.setter
    def port(self, value: int) -> None:
        self._p().port = int_in("port", value, 0, 0xFFFF, "Mbuf.port")

    @property
    def ol_flags(self) -> int:
        """The offload flags (mbuf->ol_flags, RTE_MBUF_F_*): what RX found, what TX should do."""
        return self._p().ol_flags

    @ol_flags.setter
    def ol_flags(self, value: int) -> None:
        self._p().ol_flags = int_in("ol_flags", value, 0, (1 << 64) - 1, "Mbuf.ol_flags")

    @property
    def packet_type(self) -> int:
        """The packet type (mbuf->packet_type, RTE_PTYPE_* bits) the PMD recognised."""
        return self._p().packet_type

    @packet_type.setter
    def packet_type(self, value: int) -> None:
        self._p().packet_type = int_in("packet_type", value, 0, 0xFFFFFFFF, "Mbuf.packet_type")

    @property
    def packet_type_name(self) -> str:
        """The packet type as DPDK names it (rte_get_ptype_name), e.g. ``'L2_ETHER L3_IPV4 L4_UDP'``."""
        buf = ffi.new("char[]", 256)
        lib.rte_get_ptype_name(self._p().packet_type, buf, 256)
        return ffi.string(buf).decode()

    @property
    def rss_hash(self) -> int:
        """The RSS hash the NIC computed (mbuf->hash.rss; meaningful with RTE_MBUF_F_RX_RSS_HASH)."""
        return lib.pydpdk_mbuf_rss_hash(self._p())

    @rss_hash.setter
    def rss_hash(self, value: int) -> None:
        lib.pydpdk_mbuf_set_rss_hash(self._p(), int_in("rss_hash", value, 0, 0xFFFFFFFF, "Mbuf.rss_hash"))

    @property
    def vlan_tci(self) -> int:
        """The VLAN tag control information (mbuf->vlan_tci) of a stripped or to-be-inserted tag."""
        return self._p().vlan_tci

    @vlan_tci.setter
    def vlan_tci(self, value: int) -> None:
        self._p().vlan_tci = int_in("vlan_tci", value, 0, 0xFFFF, "Mbuf.vlan_tci")

    def ol_flag_names(self) -> list[str]:
        """Names of the RX offload flags set (rte_get_rx_ol_flag_name)."""
        flags = self._p().ol_flags
        names = []
        for bit in range(64):
            if flags & (1 << bit):
                name = lib.rte_get_rx_ol_flag_name(1 << bit)
                if name == ffi.NULL:
                    name = lib.rte_get_tx_ol_flag_name(1 << bit)
                names.append(ffi.string(name).decode() if name != ffi.NULL else hex(1 << bit))
        return names

    def __repr__(self) -> str:
        if not self.owned:
            return "<Mbuf released>"
        return f"<Mbuf pkt_len={self.pkt_len} nb_segs={self.nb_segs} port={self.port}>"


def _release_views(owner: Any, force: bool = False) -> bool:
    """Release the data views handed out of an mbuf (or a burst's mbufs) so that any later use
    raises instead of touching memory that is no longer the caller's. A view from which another
    buffer was made (np.frombuffer(m.data), memoryview(m.data)[2:]...) keeps its Window exported:
    then nothing is freed or sent and ResourceBusyError says so. Returns True when every view is
    gone; force (the garbage collector's backstop) returns False instead of raising."""
    views = owner._views
    if not views:
        return True
    pending = []
    for window, view in views:
        view.release()                # the view pydpdk handed out: no use after this
        if not window.revoke():       # something made from it is still alive
            pending.append((window, view))
    owner._views = pending or None
    if pending and not force:
        raise ResourceBusyError(
            f"{len(pending)} buffer(s) made from this packet's data (a numpy array, a memoryview "
            "slice or cast of mbuf.data) are still alive: delete them (or copy the bytes out) before "
            "the mbuf is freed, sent or enqueued, so that they cannot write into another packet")
    return not pending


class MbufBurst:
    """Up to ``capacity`` mbufs owned together in one C array (``struct rte_mbuf *[]``)."""

    __slots__ = ("_arr", "_cap", "_n", "_gen", "_views", "__weakref__")

    def __init__(self, capacity: int = 32):
        if not isinstance(capacity, int) or not 0 <= capacity <= 65535:
            raise invalid("capacity", capacity, "0 to 65535", "MbufBurst")
        self._arr = ffi.new("struct rte_mbuf *[]", max(capacity, 1))
        self._cap = capacity
        self._n = 0
        self._gen = 0
        self._views: list[Any] | None = None    # (Window, memoryview) pairs handed out of its mbufs

    @classmethod
    def of(cls, mbufs: list[Mbuf]) -> "MbufBurst":
        """A burst that takes ownership of the given mbufs."""
        b = cls(len(mbufs))
        ptrs = [m._p() for m in mbufs]
        if len(set(ptrs)) != len(ptrs):
            raise invalid("mbufs", "the same mbuf twice", "distinct mbufs", "MbufBurst.of")
        for i, m in enumerate(mbufs):
            b._arr[i] = m._take()
        b._n = len(mbufs)
        return b

    @property
    def capacity(self) -> int:
        """How many mbufs this burst can hold."""
        return self._cap

    @property
    def ptrs(self) -> Any:
        """The raw ``struct rte_mbuf **`` (hazmat)."""
        return self._arr

    def __len__(self) -> int:
        return self._n

    def __bool__(self) -> bool:
        return self._n > 0

    def _changed(self) -> None:
        self._gen += 1

    def __getitem__(self, i: int) -> Mbuf:
        """A borrowed view of packet i, valid until the burst is sent, freed or changed."""
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(f"burst index {i} out of range (burst holds {self._n})")
        return Mbuf._view(self._arr[i], self)

    def __iter__(self) -> Iterator[Mbuf]:
        return (Mbuf._view(self._arr[i], self) for i in range(self._n))

    def detach(self) -> list[Mbuf]:
        """Take every mbuf out as an owned Mbuf; the burst is left empty."""
        _release_views(self)
        out = [Mbuf._own(self._arr[i]) for i in range(self._n)]
        self._n = 0
        self._changed()
        return out

    def free(self) -> None:
        """Free every mbuf in the burst."""
        _release_views(self)
        if self._n:
            if _eal._live:
                lib.rte_pktmbuf_free_bulk(self._arr, self._n)
            self._n = 0
        self._changed()

    close = free

    def __enter__(self) -> "MbufBurst":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.free()

    def __del__(self) -> None:
        if getattr(self, "_n", 0) and _eal._live:
            if not _release_views(self, force=True):
                warnings.warn("a burst whose packet data is still in use (a numpy array?) was "
                              "garbage-collected: its mbufs are left allocated", ResourceWarning, stacklevel=2)
                return
            warnings.warn(f"a burst holding {self._n} mbufs was garbage-collected: freeing them",
                          ResourceWarning, stacklevel=2)
            lib.rte_pktmbuf_free_bulk(self._arr, self._n)
            self._n = 0

    def _before_handoff(self) -> None:
        """Before its mbufs go to TX or a ring: release the data views handed out (raises
        ResourceBusyError, sending nothing, while a buffer exported from one is alive)."""
        _release_views(self)

    def _consume_front(self, k: int) -> None:
        """The first k mbufs were handed over and the rest moved to the front (by C)."""
        self._n -= k
        self._changed()

    # -- bulk data access, one C call ---------------------------------------------------------
    def tobytes_list(self) -> list[bytes]:
        """Every packet as bytes."""
        if not self._n:
            return []
        total = lib.pydpdk_mbufs_bytes(self._arr, self._n)
        buf = ffi.new("uint8_t[]", max(total, 1))
        lens = ffi.new("uint32_t[]", self._n)
        lib.pydpdk_mbufs_copy_out(self._arr, self._n, buf, total, lens)
        raw = ffi.buffer(buf, total)[:]
        out, off = [], 0
        for i in range(self._n):
            out.append(raw[off:off + lens[i]])
            off += lens[i]
        return out

    def lengths(self) -> list[int]:
        """pkt_len of each mbuf in the burst, in order."""
        return [self._arr[i].pkt_len for i in range(self._n)]

    @property
    def nbytes(self) -> int:
        """Sum of pkt_len over the burst."""
        return lib.pydpdk_mbufs_bytes(self._arr, self._n) if self._n else 0

    def headers(self, snap: int = 64, out: Any = None) -> Any:
        """The first ``snap`` bytes of every packet as a (len, snap) uint8 numpy array (zero-padded),
        filled by one C call: inspect every packet without a Python loop. Needs numpy.
        ``out``: a C-contiguous uint8 array of at least (len, snap) to fill instead of a new one
        (its first len rows are returned)."""
        import numpy as np
        if not 1 <= snap <= 65535:
            raise invalid("snap", snap, "1 to 65535 bytes", "MbufBurst.headers")
        n = self._n
        if out is None:
            out = np.empty((n, snap), dtype=np.uint8)    # C writes (or zero-pads) every byte
        else:
            if not isinstance(out, np.ndarray) or out.dtype != np.uint8 or out.ndim != 2 or \
                    out.shape[1] != snap or out.shape[0] < n or not out.flags.c_contiguous or \
                    not out.flags.writeable:
                raise invalid("out", getattr(out, "shape", type(out).__name__),
                              f"a writable C-contiguous uint8 array of shape (>= {n}, {snap})",
                              "MbufBurst.headers")
            out = out[:n]
        if n:
            lib.pydpdk_headers_view(self._arr, n, ffi.from_buffer(out), snap)
        return out

    def __repr__(self) -> str:
        return f"<MbufBurst {self._n}/{self._cap} mbufs>"


# -- packets that are not mbufs (bytes, scapy, dpkt) on their way to a port -------------------
def as_packet_list(packets: Any) -> list[Any]:
    """One packet (bytes-like, a scapy or dpkt packet) or an iterable of them, as a list. A scapy
    packet is expanded as scapy's sendp does (``IP(dst=["a", "b"])`` is two packets)."""
    if isinstance(packets, (bytes, bytearray, memoryview)):
        return [packets]
    if hasattr(packets, "haslayer"):
        return list(packets)
    if hasattr(packets, "__bytes__") and not isinstance(packets, (list, tuple)):
        return [packets]
    return list(packets)


def port_pool(port: Any) -> Any:
    """The mempool a port's RX queue 0 draws from: where send()/sendp() build mbufs for
    packets given as bytes or scapy/dpkt objects (as Port.tx_burst does)."""
    pool = getattr(port, "_pools", {}).get(0)
    if pool is None or pool.closed:
        raise invalid("port", port._describe() if hasattr(port, "_describe") else port,
                      "a port with RX queue 0 set up (its mempool builds the mbufs), or pass pool=",
                      "sending bytes / scapy packets")
    return pool


def send_packets(port: Any, pool: Any, packets: Iterable[Any], *, queue: int = 0, timeout: float = 1.0,
                 burst: int = 32) -> int:
    """Build mbufs from packets (bytes-like or bytes()-able) ``burst`` at a time, from ``pool``
    (None: the port's, :func:`port_pool`), and send them all, retrying while the driver is busy;
    returns how many were sent (mbufs not sent by ``timeout`` are freed)."""
    if burst.__class__ is not int or not 1 <= burst <= 1024:
        raise invalid("burst", burst, "1 to 1024 packets", "send")
    if timeout.__class__ not in (int, float) or not 0 <= timeout <= 365 * 86400:
        raise invalid("timeout", timeout, "seconds, 0 to one year", "send")
    if pool is None:
        pool = port_pool(port)
    elif not callable(getattr(pool, "burst", None)) or getattr(pool, "closed", True):
        raise invalid("pool", pool, "an open Mempool, or None (the pool of the port's RX queue 0)", "send")
    data = [p if isinstance(p, (bytes, bytearray, memoryview)) else as_buffer(p, "packets") for p in packets]
    sent, deadline = 0, time.monotonic() + timeout
    for i in range(0, len(data), burst):
        b = pool.burst(data[i:i + burst])
        try:
            while b:
                n = port.tx_burst(b, queue)
                sent += n
                if not n:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.0005)
        finally:
            b.free()
    return sent
