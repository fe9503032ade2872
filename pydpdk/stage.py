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
else is counted as invalid and dropped. See docs/stages.md.
"""
from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
from typing import Any, Callable, Sequence

from ._native import ffi, lib
from .errors import PydpdkError, invalid

__all__ = ["Stage", "StageError", "DROP", "PEER", "BACK", "JIT_HINT", "load"]

#: Verdicts (the values of c/fwd.h's PYDPDK_STAGE_*).
DROP: int = lib.PYDPDK_STAGE_DROP
PEER: int = lib.PYDPDK_STAGE_PEER
BACK: int = lib.PYDPDK_STAGE_BACK

JIT_HINT = "numba is not installed: pip install pydpdk[jit] (or pip install numba)"

_ABI3 = "int64_t(*)(uint8_t *, int64_t, int64_t)"
_ABI4 = "int64_t(*)(uint8_t *, int64_t, int64_t, void *)"
_ABI_BURST = "int64_t(*)(uint8_t **, int64_t *, int64_t *, int64_t, int64_t, void *)"


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


class Stage:
    """A compiled per-packet function and what keeps it alive: its code, its state array.

    ``address``: the C function pointer; ``abi``: 0 (3 arguments), 1 (4, with ``state``) or 2
    (the per-burst form numba stages use by default);
    ``state``: the numpy array passed as the 4th argument (shared with Python: the stage writes
    it, Python reads it live; aligned 64-bit elements are never torn), or None.
    """

    def __init__(self, address: int, *, name: str, state: Any = None, keepalive: Any = None,
                 abi: int | None = None):
        self.address = int(address)
        self.name = name
        self.state = _check_state(state)
        if abi is None:
            abi = lib.PYDPDK_STAGE_ABI_PACKET if state is None else lib.PYDPDK_STAGE_ABI_PACKET_STATE
        self.abi = abi
        self._keepalive = keepalive

    @property
    def state_address(self) -> int:
        """The address of the state array's first element (0 without state)."""
        return 0 if self.state is None else int(self.state.ctypes.data)

    def __repr__(self) -> str:
        return f"<Stage {self.name} abi={self.abi} at {self.address:#x}>"

    # -- builders ------------------------------------------------------------------------
    @classmethod
    def numba(cls, pyfunc: Callable[..., int], *, state: Any = None, form: str = "burst") -> "Stage":
        """Compile ``pyfunc(data, length, port)`` (or ``pyfunc(data, length, port, state)`` when
        ``state`` is given) with numba in nopython mode. ``data`` is a uint8 array view of the
        packet's first segment, ``length`` elements long; ``state`` is the given numpy array.
        A function numba refuses raises :class:`StageError` naming the file, line and reason.

        ``form``: "burst" (default) compiles a loop over each received burst that calls
        ``pyfunc`` inlined per packet (c/fwd.h stage_abi 2: one call per burst); "packet"
        compiles the per-packet C ABI itself (abi 0, or 1 with state: one call per packet)."""
        try:
            import importlib
            numba: Any = importlib.import_module("numba")     # untyped here: numba's stubs are partial
            types: Any = numba.types
        except ImportError as e:
            raise StageError(JIT_HINT) from e
        if not callable(pyfunc):
            raise invalid("pyfunc", pyfunc, "a Python function fn(data, length, port)", "Stage.numba")
        if form not in ("burst", "packet"):
            raise invalid("form", form, "'burst' or 'packet'", "Stage.numba")
        state = _check_state(state)
        name = getattr(pyfunc, "__qualname__", repr(pyfunc))
        opts: dict[str, Any] = {"error_model": "numpy"}   # no Python exception can leave the lcore
        abi: int | None = None
        packet: Any
        try:
            user = numba.njit(**opts)(pyfunc)
            carray = numba.carray
            data_t = types.CPointer(types.uint8)
            i64p = types.CPointer(types.int64)
            if form == "burst":
                abi = lib.PYDPDK_STAGE_ABI_BURST
                if state is None:
                    def burst_plain(datas: Any, lengths: Any, verdicts: Any, n: Any, port: Any,
                                    st: Any) -> Any:   # pragma: no cover - numba
                        for i in range(n):
                            ln = lengths[i]
                            verdicts[i] = user(carray(datas[i], (ln,)), ln, port)
                        return 0
                    packet = burst_plain
                    st_t = data_t
                else:
                    ns = state.shape[0]
                    st_t = types.CPointer(numba.from_dtype(state.dtype))

                    def burst_state(datas: Any, lengths: Any, verdicts: Any, n: Any, port: Any,
                                    st: Any) -> Any:   # pragma: no cover - numba
                        view = carray(st, (ns,))
                        for i in range(n):
                            ln = lengths[i]
                            verdicts[i] = user(carray(datas[i], (ln,)), ln, port, view)
                        return 0
                    packet = burst_state
                sig = types.int64(types.CPointer(data_t), i64p, i64p, types.int64, types.int64, st_t)
            elif state is None:
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
            compiled = numba.cfunc(sig, nopython=True, **opts)(packet)
        except numba.core.errors.NumbaError as e:
            raise StageError(_numba_message(pyfunc, e)) from None
        return cls(compiled.address, name=name, state=state, keepalive=compiled, abi=abi)

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
        0 for bytearrays). Returns the raw verdicts, in order."""
        st = ffi.cast("void *", self.state_address)
        out = []
        if hasattr(packets, "ptrs"):
            ptrs = packets.ptrs
            items = [(ffi.cast("uint8_t *", ptrs[i].buf_addr) + ptrs[i].data_off, ptrs[i].data_len,
                      ptrs[i].port if port is None else port) for i in range(len(packets))]
        else:
            items = []
            for p in packets:
                if not isinstance(p, bytearray):
                    raise invalid("packets", type(p).__name__, "an MbufBurst or a list of bytearrays",
                                  "Stage.run_on_burst")
                items.append((ffi.from_buffer("uint8_t[]", p), len(p), 0 if port is None else port))
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


def load(spec: str) -> Stage:
    """A stage from ``FILE.py:FUNCTION`` (compiled with numba; a 4-parameter function gets the
    module's ``STATE`` numpy array as its state) or ``FILE.c:FUNCTION`` (compiled with cffi):
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
    if nargs == 4:
        state = getattr(mod, "STATE", None)
        if state is None:
            raise invalid("stage", spec, f"a 4-parameter stage with a STATE numpy array in {path}", "stage.load")
        return Stage.numba(fn, state=state)
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
