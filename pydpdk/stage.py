"""Compiled stages: per-packet logic written in Python (numba) or C (cffi), run by the C engine
(forwarding mode ``"stage"``, c/fwd_stage.c) on worker lcores, without the GIL.

    from pydpdk.stage import Stage, DROP, PEER

    def udp_only(data, length, port):           # data: a uint8 array of the packet's length
        if length >= 34 and data[12] == 0x08 and data[13] == 0x00 and data[23] == 17:
            return PEER
        return DROP

    fwd = Forwarder([p0, p1], "stage", stage=Stage.numba(udp_only))

The ABI (c/fwd.h, "Stages"): ``int64_t fn(uint8_t *data, int64_t length, int64_t port)``, or with
a state array ``int64_t fn(uint8_t *data, int64_t length, int64_t port, void *state)``; the verdict
is an output port (one of the forwarder's), :data:`DROP`, :data:`PEER` or :data:`BACK`; anything
else is counted as invalid and dropped. numba stages are compiled by default into the per-burst
mbuf form (stage_abi 3): one call per received burst, the loop over its mbufs compiled with your
function inlined. :meth:`Stage.numba_burst` hands your function the whole burst. See docs/stages.md.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.machinery
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
from functools import lru_cache
from typing import Any, Callable, Iterator, Sequence

from ._native import ffi, lib
from .errors import PydpdkError, invalid

__all__ = ["Stage", "StageError", "DROP", "PEER", "BACK", "MIXED", "JIT_HINT", "load", "view"]

#: Verdicts (the values of c/fwd.h's PYDPDK_STAGE_*).
DROP: int = lib.PYDPDK_STAGE_DROP
PEER: int = lib.PYDPDK_STAGE_PEER
BACK: int = lib.PYDPDK_STAGE_BACK

JIT_HINT = "numba is not installed: pip install pydpdk[jit] (or pip install numba)"

_ABI3 = "int64_t(*)(uint8_t *, int64_t, int64_t)"
_ABI4 = "int64_t(*)(uint8_t *, int64_t, int64_t, void *)"
_ABI_BURST = "int64_t(*)(uint8_t **, int64_t *, int64_t *, int64_t, int64_t, void *)"
_ABI_MBUF = "int64_t(*)(struct rte_mbuf **, int64_t, int64_t, void *, void *, int64_t *)"
#: What a stage_abi 3 function returns when its burst's verdicts differ (see verdict[]).
MIXED: int = lib.PYDPDK_STAGE_MIXED
_MIXED = MIXED
# Where the compiled loops read an mbuf's first segment: this build's layout, baked in as constants.
_MBUF_BUF = ffi.offsetof("struct rte_mbuf", "buf_addr")
_MBUF_DATA_OFF = ffi.offsetof("struct rte_mbuf", "data_off")
_MBUF_DATA_LEN = ffi.offsetof("struct rte_mbuf", "data_len")
_LINE = 64                    # per-lcore counter rows start on their own cache line


class StageError(PydpdkError, RuntimeError):
    """A stage could not be built: numba missing, or the function does not compile."""


def _check_state(state: Any) -> Any:
    if state is None:
        return None
    try:
        import numpy as np
    except ImportError as e:            # pragma: no cover - numpy comes with numba
        raise StageError("a stage's state is a numpy array: pip install numpy") from e
    if not isinstance(state, np.ndarray) or state.ndim != 1 or not state.flags.c_contiguous \
            or not state.flags.writeable or state.dtype.kind not in "iuf" or state.size == 0:
        raise invalid("state", type(state).__name__,
                      "a non-empty, writable, C-contiguous 1-D numpy array of integers or floats", "Stage")
    if state.dtype.itemsize == 8 and state.ctypes.data % 8:
        raise invalid("state", "misaligned array", "an 8-byte aligned array (numpy.zeros gives one)", "Stage")
    return state


def _check_counters(counters: Any) -> Any:
    if counters is None:
        return None
    import numpy as np
    if isinstance(counters, int) and not isinstance(counters, bool):
        if not 1 <= counters <= 4096:
            raise invalid("counters", counters, "1 to 4096 counters (or a numpy array of them)", "Stage")
        return np.zeros(counters, np.uint64)
    if not isinstance(counters, np.ndarray) or counters.ndim != 1 or counters.size == 0 \
            or counters.dtype not in (np.dtype(np.uint64), np.dtype(np.int64)) or counters.size > 4096:
        raise invalid("counters", type(counters).__name__ if not isinstance(counters, np.ndarray)
                      else f"{counters.dtype} array of shape {counters.shape}",
                      "a number of counters or a 1-D numpy array of 1 to 4096 uint64/int64 "
                      "(e.g. numpy.zeros(4, numpy.uint64): its values start row 0)", "Stage")
    return counters


class Stage:
    """A compiled stage and what keeps it alive: its code, its state array, its counter rows.

    ``address``: the C function pointer; ``abi``: 0 (3 arguments), 1 (4, with ``state``), 2 (the
    per-burst data form) or 3 (the per-burst mbuf form numba stages use by default);
    ``state``: the numpy array passed as the state argument (shared with Python: the stage writes
    it, Python reads it live; aligned 64-bit elements are never torn), or None;
    ``counters`` (abi 3 only): per-lcore counters, one row per forwarding lcore (each written by
    its lcore only), summed by :meth:`counters`; ``lcore_stride``: the bytes between two rows.
    """

    def __init__(self, address: int, *, name: str, state: Any = None, keepalive: Any = None,
                 abi: int | None = None, counters: Any = None):
        self.address = int(address)
        self.name = name
        self.state = _check_state(state)
        if abi is None:
            abi = lib.PYDPDK_STAGE_ABI_PACKET if state is None else lib.PYDPDK_STAGE_ABI_PACKET_STATE
        self.abi = abi
        self._keepalive = keepalive
        template = _check_counters(counters)
        self._rows: Any = None
        self._nb_counters = 0
        self.lcore_stride = 0
        if template is not None:
            if abi != lib.PYDPDK_STAGE_ABI_MBUF:
                raise invalid("counters", "given", "counters only with a per-burst numba stage (abi 3: "
                              "Stage.numba(form='burst') or Stage.numba_burst)", "Stage")
            import numpy as np
            k = template.size
            per_row = -(-k * 8 // _LINE) * _LINE // 8          # a whole number of cache lines
            rows = lib.RTE_MAX_LCORE
            raw = np.zeros(rows * per_row + _LINE // 8, template.dtype)
            skip = (-raw.ctypes.data % _LINE) // 8
            self._rows = raw[skip:skip + rows * per_row].reshape(rows, per_row)
            self._rows[0, :k] = template                       # the sum starts there
            self._nb_counters = k
            self.lcore_stride = per_row * 8

    @property
    def state_address(self) -> int:
        """The address of the state array's first element (0 without state)."""
        return 0 if self.state is None else int(self.state.ctypes.data)

    @property
    def lcore_state_address(self) -> int:
        """The address of the first per-lcore counter row (0 without counters)."""
        return 0 if self._rows is None else int(self._rows.ctypes.data)

    def counters(self, per_lcore: bool = False) -> Any:
        """The per-lcore counters summed over the lcores (a numpy array of ``counters`` values),
        or with ``per_lcore`` a copy of every row (row i: the forwarder's i-th lcore; row 0 also
        gets what :meth:`run_on_burst` counts). Read live while the engine runs: each element is
        one aligned 64-bit word written by one lcore, never torn."""
        if self._rows is None:
            raise invalid("counters", None, "a stage built with counters=", "Stage.counters")
        rows = self._rows[:, :self._nb_counters].copy()
        return rows if per_lcore else rows.sum(axis=0, dtype=rows.dtype)

    def __repr__(self) -> str:
        return f"<Stage {self.name} abi={self.abi} at {self.address:#x}>"

    # -- builders ------------------------------------------------------------------------
    @classmethod
    def numba(cls, pyfunc: Callable[..., int], *, state: Any = None, counters: Any = None,
              form: str = "burst") -> "Stage":
        """Compile ``pyfunc(data, length, port)`` with numba in nopython mode; it gets one more
        argument, ``state`` (the given numpy array, shared), when ``state`` is given, and then one
        more, ``counters`` (this lcore's row of per-lcore counters), when ``counters`` is given
        (a number of counters, or a uint64/int64 array whose values start the sum). ``data`` is
        a uint8 array view of the packet's first segment, ``length`` elements long. A function
        numba refuses raises :class:`StageError` naming the file, line and reason.

        ``form``: "burst" (default) compiles a loop over each received burst's mbufs that calls
        ``pyfunc`` inlined per packet (c/fwd.h stage_abi 3: one call per burst, one verdict
        returned for a uniform burst); "packet" compiles the per-packet C ABI itself (abi 0, or
        1 with state; no counters)."""
        numba = _numba()
        if not callable(pyfunc):
            raise invalid("pyfunc", pyfunc, "a Python function fn(data, length, port)", "Stage.numba")
        if form not in ("burst", "packet"):
            raise invalid("form", form, "'burst' or 'packet'", "Stage.numba")
        if form == "packet" and counters is not None:
            raise invalid("counters", "given", "counters with form='burst' (the per-lcore rows are "
                          "passed by the burst form only)", "Stage.numba")
        state = _check_state(state)
        template = _check_counters(counters)
        name = getattr(pyfunc, "__qualname__", repr(pyfunc))
        try:
            with _vectorizing(numba):
                return cls._numba_build(numba, pyfunc, name, state, template, form)
        except numba.core.errors.NumbaError as e:
            raise StageError(_numba_message(pyfunc, e)) from None

    @classmethod
    def _numba_build(cls, numba: Any, pyfunc: Callable[..., int], name: str, state: Any, template: Any,
                     form: str) -> "Stage":
        """Stage.numba's compilation (NumbaError raised from here is put in the user's terms)."""
        types: Any = numba.types
        user = numba.njit(**_JIT_OPTS)(pyfunc)
        if form == "burst":
            compiled = _mbuf_cfunc(numba, user, _PER_PACKET_LOOP, state, template)
            return cls(compiled.address, name=name, state=state, keepalive=compiled,
                       abi=lib.PYDPDK_STAGE_ABI_MBUF, counters=template)
        carray = numba.carray
        data_t = types.CPointer(types.uint8)
        packet: Any
        if state is None:
            def one_plain(ptr: Any, length: Any, port: Any) -> Any:    # pragma: no cover - numba
                return user(carray(ptr, (length,)), length, port)
            packet = one_plain
            sig = types.int64(data_t, types.int64, types.int64)
        else:
            n = state.shape[0]
            st_t = types.CPointer(numba.from_dtype(state.dtype))

            def one_state(ptr: Any, length: Any, port: Any, st: Any) -> Any:  # pragma: no cover - numba
                return user(carray(ptr, (length,)), length, port, carray(st, (n,)))
            packet = one_state
            sig = types.int64(data_t, types.int64, types.int64, st_t)
        compiled = numba.cfunc(sig, nopython=True, **_JIT_OPTS)(packet)
        return cls(compiled.address, name=name, state=state, keepalive=compiled)

    @classmethod
    def numba_burst(cls, pyfunc: Callable[..., Any], *, state: Any = None,
                    counters: Any = None) -> "Stage":
        """Compile ``pyfunc(data, lengths, verdicts, port)``, a function over a whole received
        burst (for vectorised work), with numba in nopython mode. ``data``: int64 array of the
        packets' data addresses (:func:`view` ``(data[i], lengths[i])`` is packet i as a uint8
        array); ``lengths``: int64 array of their lengths; ``verdicts``: int64 array, filled with
        :data:`PEER`, that the function sets per packet; all three are the burst's length.
        ``state`` and ``counters`` add arguments as in :meth:`numba`. Its return value is
        ignored. stage_abi 3, like the default form of :meth:`numba`."""
        numba = _numba()
        if not callable(pyfunc):
            raise invalid("pyfunc", pyfunc, "a Python function fn(data, lengths, verdicts, port)",
                          "Stage.numba_burst")
        state = _check_state(state)
        template = _check_counters(counters)
        name = getattr(pyfunc, "__qualname__", repr(pyfunc))
        try:
            with _vectorizing(numba):
                user = numba.njit(**_JIT_OPTS)(pyfunc)
                compiled = _mbuf_cfunc(numba, user, _WHOLE_BURST_LOOP, state, template)
        except numba.core.errors.NumbaError as e:
            raise StageError(_numba_message(pyfunc, e)) from None
        return cls(compiled.address, name=name, state=state, keepalive=compiled,
                   abi=lib.PYDPDK_STAGE_ABI_MBUF, counters=template)

    @classmethod
    def c(cls, source: str | os.PathLike[str], name: str, *, state: Any = None,
          extra_compile_args: Sequence[str] = ("-O3",)) -> "Stage":
        """Compile the C function ``name`` (``int64_t name(uint8_t *data, int64_t length, int64_t
        port)``, or with a 4th ``void *state`` when ``state`` is given) from ``source`` (C text, or
        the path of a .c file) through cffi, into a module cached by content hash under
        $PYDPDK_STAGE_CACHE (default ~/.cache/pydpdk/stages, else the temp dir)."""
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise invalid("name", name, "a C identifier", "Stage.c")
        if isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source
                                                and source.endswith((".c", ".h"))):
            try:
                with open(source) as f:
                    text = f.read()
            except OSError as e:
                raise invalid("source", str(source), f"C source text or a readable .c file ({e.strerror})",
                              "Stage.c") from None
        elif isinstance(source, str):
            text = source
        else:
            raise invalid("source", type(source).__name__, "C source text or a .c file path", "Stage.c")
        state = _check_state(state)
        decl = (f"int64_t {name}(uint8_t *data, int64_t length, int64_t port"
                + (", void *state);" if state is not None else ");"))
        mod = _compile_c(text, decl, list(extra_compile_args))
        addr = int(mod.ffi.cast("uintptr_t", mod.ffi.addressof(mod.lib, name)))
        return cls(addr, name=name, state=state, keepalive=mod)

    # -- debugging from Python -------------------------------------------------------------
    def run_on_burst(self, packets: Any, port: int | None = None) -> list[int]:
        """Call the compiled function from Python, as the engine would, on each packet of
        ``packets`` (an MbufBurst, whose mbufs' first segments are passed and may be rewritten in
        place, or a list of bytearrays), with in-port ``port`` (default: each mbuf's port field,
        0 for bytearrays). Returns the raw verdicts, in order. Per-burst stages get runs of
        consecutive packets of one in-port as one burst; their counters go to row 0."""
        st = ffi.cast("void *", self.state_address)
        out: list[int] = []
        keep: list[Any] = []
        if hasattr(packets, "ptrs"):
            ptrs = packets.ptrs
            mbufs = [ptrs[i] for i in range(len(packets))]
        else:
            mbufs = []
            for p in packets:
                if not isinstance(p, bytearray):
                    raise invalid("packets", type(p).__name__, "an MbufBurst or a list of bytearrays",
                                  "Stage.run_on_burst")
                buf = ffi.from_buffer("uint8_t[]", p)
                m = ffi.new("struct rte_mbuf *")       # a stand-in mbuf over the bytearray
                m.buf_addr, m.data_off, m.data_len, m.pkt_len, m.nb_segs = buf, 0, len(p), len(p), 1
                m.port = 0
                keep += [buf, m]
                mbufs.append(m)
        ports = [int(m.port) if port is None else port for m in mbufs]
        if self.abi == lib.PYDPDK_STAGE_ABI_MBUF:
            fnm = ffi.cast(_ABI_MBUF, self.address)
            lst = ffi.cast("void *", self.lcore_state_address)
            i = 0
            while i < len(mbufs):
                j = i
                while j < len(mbufs) and j - i < lib.PYDPDK_FWD_MAX_BURST and ports[j] == ports[i]:
                    j += 1
                pk = ffi.new("struct rte_mbuf *[]", mbufs[i:j])
                v = ffi.new("int64_t[]", 3 * (j - i))
                r = int(fnm(pk, j - i, ports[i], st, lst, v))
                out += [r] * (j - i) if r != _MIXED else [int(v[k]) for k in range(j - i)]
                i = j
            return out
        items = [(ffi.cast("uint8_t *", m.buf_addr) + m.data_off, m.data_len, pt) for m, pt in zip(mbufs, ports)]
        if self.abi == lib.PYDPDK_STAGE_ABI_BURST:
            fnb = ffi.cast(_ABI_BURST, self.address)
            for data, length, pt in items:       # one call per packet: each has its own in-port
                d = ffi.new("uint8_t *[1]", [data])
                ln = ffi.new("int64_t[1]", [length])
                v = ffi.new("int64_t[1]")
                fnb(d, ln, v, 1, pt, st)
                out.append(int(v[0]))
            return out
        fn = ffi.cast(_ABI3 if self.abi == lib.PYDPDK_STAGE_ABI_PACKET else _ABI4, self.address)
        for data, length, pt in items:
            out.append(int(fn(data, length, pt) if self.abi == lib.PYDPDK_STAGE_ABI_PACKET
                           else fn(data, length, pt, st)))
        return out


_JIT_OPTS: dict[str, Any] = {"error_model": "numpy"}   # no Python exception can leave the lcore


def _numba() -> Any:
    """numba (untyped here: its stubs are partial), with pydpdk's jit helpers registered."""
    try:
        import importlib
        numba: Any = importlib.import_module("numba")
    except ImportError as e:
        raise StageError(JIT_HINT) from e
    _jit_helpers()
    return numba


def view(address: int, length: int) -> Any:
    """``length`` bytes at ``address`` as a uint8 numpy array: packet i of a
    :meth:`Stage.numba_burst` function is ``view(data[i], lengths[i])`` (compiled by numba inside
    a stage; called from Python it works on any address, e.g. to debug a burst function)."""
    import ctypes
    import numpy as np
    return np.ctypeslib.as_array((ctypes.c_uint8 * int(length)).from_address(int(address)))


@contextlib.contextmanager
def _vectorizing(numba: Any) -> Iterator[None]:
    """numba's SLP vectorizer on while a stage compiles (numba leaves it off by default): it
    turns a user's byte-by-byte header moves into wide loads, stores and shuffles (a MAC swap:
    24 byte moves become one load, one shuffle and two stores)."""
    config = numba.core.config
    old = config.SLP_VECTORIZE
    config.SLP_VECTORIZE = 1
    try:
        yield
    finally:
        config.SLP_VECTORIZE = old


@lru_cache(maxsize=None)
def _jit_helpers() -> dict[str, Any]:
    """The intrinsics the compiled burst loops read mbufs with (an integer address -> a load or a
    pointer, in LLVM IR), and numba's implementation of :func:`view`."""
    import importlib
    numba: Any = importlib.import_module("numba")
    extending: Any = importlib.import_module("numba.extending")
    ir: Any = importlib.import_module("llvmlite.ir")
    nt: Any = numba.types

    def loader(bits: int) -> Any:
        def ld(typingctx: Any, addr: Any) -> Any:
            if not isinstance(addr, nt.Integer):
                return None

            def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
                v = builder.load(builder.inttoptr(args[0], ir.IntType(bits).as_pointer()))
                return v if bits == 64 else builder.zext(v, ir.IntType(64))
            return nt.int64(addr), codegen
        ld.__name__ = f"pydpdk_load{bits}"
        return extending.intrinsic(ld)

    def u8_pointer(typingctx: Any, addr: Any) -> Any:
        if not isinstance(addr, nt.Integer):
            return None

        def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
            return builder.inttoptr(args[0], ir.IntType(8).as_pointer())
        return nt.CPointer(nt.uint8)(addr), codegen

    u8p = extending.intrinsic(u8_pointer)
    carray = numba.carray

    @extending.overload(view, jit_options=_JIT_OPTS)
    def _view(address: Any, length: Any) -> Any:
        def impl(address: Any, length: Any) -> Any:      # pragma: no cover - numba
            return carray(u8p(address), (length,))
        return impl
    return {"ld64": loader(64), "ld16": loader(16), "u8p": u8p}


# The compiled stage_abi 3 loops (c/fwd.h): fn(pkts, n, port, state, lcore_state, verdict),
# generated per stage so that the user's arguments (ARGS) and the array views are exact.
_PER_PACKET_LOOP = """
def stage_loop(pkts, n, port, st, lst, verdict):
    {views}
    first = 0
    diff = 0
    for i in range(n):
        m = pkts[i]
        ln = ld16(m + DATA_LEN)
        v = user(carray(u8p(ld64(m + BUF) + ld16(m + DATA_OFF)), (ln,)), ln, port{args})
        verdict[i] = v
        if i == 0:
            first = v
        diff |= v ^ first
    if diff == 0:
        return first
    return MIXED
"""

_WHOLE_BURST_LOOP = """
def stage_loop(pkts, n, port, st, lst, verdict):
    {views}
    scratch = carray(verdict, (3 * n,))
    verdicts = scratch[:n]
    data = scratch[n:2 * n]
    lengths = scratch[2 * n:]
    for i in range(n):
        m = pkts[i]
        data[i] = ld64(m + BUF) + ld16(m + DATA_OFF)
        lengths[i] = ld16(m + DATA_LEN)
        verdicts[i] = PEER
    user(data, lengths, verdicts, port{args})
    first = verdicts[0]
    for i in range(1, n):
        if verdicts[i] != first:
            return MIXED
    return first
"""


def _mbuf_cfunc(numba: Any, user: Any, template: str, state: Any, counters: Any) -> Any:
    """numba.cfunc of a stage_abi 3 loop over `user` (compiled), with the mbuf offsets of this
    build and the state/counters array lengths frozen in as constants."""
    types = numba.types
    views, args = [], ""
    st_t = lst_t = types.voidptr
    if state is not None:
        st_t = types.CPointer(numba.from_dtype(state.dtype))
        views.append(f"sv = carray(st, ({state.shape[0]},))")
        args += ", sv"
    if counters is not None:
        lst_t = types.CPointer(numba.from_dtype(counters.dtype))
        views.append(f"cv = carray(lst, ({counters.shape[0]},))")
        args += ", cv"
    h = _jit_helpers()
    env: dict[str, Any] = {"user": user, "carray": numba.carray, "ld64": h["ld64"], "ld16": h["ld16"],
                           "u8p": h["u8p"], "BUF": _MBUF_BUF, "DATA_OFF": _MBUF_DATA_OFF,
                           "DATA_LEN": _MBUF_DATA_LEN, "MIXED": _MIXED, "PEER": PEER}
    exec(template.format(views="\n    ".join(views) or "pass", args=args), env)
    i64p = types.CPointer(types.int64)
    sig = types.int64(i64p, types.int64, types.int64, st_t, lst_t, i64p)
    return numba.cfunc(sig, nopython=True, **_JIT_OPTS)(env["stage_loop"])


def load(spec: str) -> Stage:
    """A stage from ``FILE.py:FUNCTION`` (compiled with numba; a 4-parameter function gets the
    module's ``STATE`` numpy array as its state, or else its ``COUNTERS`` as per-lcore counters; a
    5-parameter one both) or ``FILE.c:FUNCTION`` (compiled with cffi):
    what ``pydpdk fwd -- --stage SPEC`` runs."""
    path, sep, fname = str(spec).rpartition(":")
    if not sep or not path or not fname:
        raise invalid("stage", spec, "FILE.py:FUNCTION or FILE.c:FUNCTION", "stage.load")
    if path.endswith(".c"):
        return Stage.c(path, fname)
    if not path.endswith(".py") or not os.path.isfile(path):
        raise invalid("stage", spec, "FILE.py:FUNCTION or FILE.c:FUNCTION with an existing file", "stage.load")
    modname = "_pydpdk_stage_src_" + hashlib.sha256(os.path.abspath(path).encode()).hexdigest()[:16]
    mspec = importlib.util.spec_from_file_location(modname, path)
    assert mspec is not None and mspec.loader is not None
    mod = importlib.util.module_from_spec(mspec)
    sys.modules[modname] = mod
    mspec.loader.exec_module(mod)
    fn = getattr(mod, fname, None)
    if not callable(fn):
        raise invalid("stage", spec, f"a function defined in {path}", "stage.load")
    nargs = getattr(getattr(fn, "__code__", None), "co_argcount", 3)
    state, counters = getattr(mod, "STATE", None), getattr(mod, "COUNTERS", None)
    if nargs == 5:
        if state is None or counters is None:
            raise invalid("stage", spec, f"a 5-parameter stage with STATE and COUNTERS in {path}", "stage.load")
        return Stage.numba(fn, state=state, counters=counters)
    if nargs == 4:
        if state is None and counters is None:
            raise invalid("stage", spec, f"a 4-parameter stage with a STATE numpy array (or COUNTERS, "
                          f"per-lcore counters) in {path}", "stage.load")
        return Stage.numba(fn, state=state) if state is not None else Stage.numba(fn, counters=counters)
    return Stage.numba(fn)


def _numba_message(pyfunc: Callable[..., Any], e: Exception) -> str:
    """numba's refusal in the user's terms: their file and line, and numba's reason."""
    code = getattr(pyfunc, "__code__", None)
    fname = code.co_filename if code else "?"
    line = code.co_firstlineno if code else 0
    text = str(e)
    for m in re.finditer(r'File "([^"]+)", line (\d+)', text):
        if os.path.abspath(m.group(1)) == os.path.abspath(fname):
            line = int(m.group(2))              # the last mention in their file: the failing line
    reason = re.split(r'\n\s*File "', text, maxsplit=1)[0].strip()
    reason = re.sub(r"\x1b\[[0-9;]*m", "", reason)
    return f"stage {getattr(pyfunc, '__qualname__', pyfunc)} does not compile ({fname}:{line}): {reason}"


def _cache_dir() -> str:
    d = os.environ.get("PYDPDK_STAGE_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "pydpdk",
                                                              "stages")
    try:
        os.makedirs(d, exist_ok=True)
        if os.access(d, os.W_OK):
            return d
    except OSError:
        pass
    d = os.path.join(tempfile.gettempdir(), f"pydpdk-stages-{os.getuid()}")
    os.makedirs(d, exist_ok=True)
    return d


def _cc_diagnostics(text: str) -> str:
    """The compiler's own messages for text (the build's are printed, not raised, by distutils)."""
    try:
        r = subprocess.run(["cc", "-fsyntax-only", "-x", "c", "-"], input="#include <stdint.h>\n" + text,
                           capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return ""
    # line numbers of the user's text: the one #include line we prepend is subtracted
    return re.sub(r"<stdin>:(\d+):", lambda m: f"line {int(m.group(1)) - 1}:", r.stderr.strip())


def _compile_c(text: str, decl: str, args: list[str]) -> Any:
    import cffi
    key = hashlib.sha256("\0".join([text, decl, " ".join(args), cffi.__version__, sys.version,
                                    sys.platform]).encode()).hexdigest()[:24]
    modname = f"_pydpdk_stage_{key}"
    if modname in sys.modules:
        return sys.modules[modname]
    cache = _cache_dir()
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    target = os.path.join(cache, modname + suffix)
    if not os.path.exists(target):
        builder = cffi.FFI()
        builder.cdef(decl)
        builder.set_source(modname, "#include <stdint.h>\n" + text, extra_compile_args=args)
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            try:
                built = builder.compile(tmpdir=tmp, verbose=False)
            except Exception as e:      # cffi's VerificationError / distutils CompileError
                raise StageError(f"C stage does not compile: {_cc_diagnostics(text) or e}") from None
            os.replace(built, target)   # atomic: concurrent builders of one source agree
    spec = importlib.util.spec_from_file_location(modname, target)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    sys.modules[modname] = mod
    return mod
