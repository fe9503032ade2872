"""DPDK's log in Python's :mod:`logging`, and DPDK log levels set from Python.

    import logging, pydpdk
    logging.basicConfig(level=logging.INFO)
    pydpdk.log.capture()                          # before Eal.init to see the EAL's own messages
    pydpdk.log.set_level("pmd.net.ring", "debug") # DPDK decides what it emits...
    eal = pydpdk.Eal.init(...)                    # ...Python's loggers decide what they keep

Every DPDK log type gets a logger named ``dpdk.<type>`` (``dpdk.lib.eal``,
``dpdk.pmd.net.ring``, ``dpdk.user1``), and DPDK levels map to Python levels: emergency,
alert and critical -> CRITICAL, error -> ERROR, warning -> WARNING, notice -> NOTICE (25),
info -> INFO, debug -> DEBUG. Records carry ``dpdk_type``, ``dpdk_level`` (1-8),
``dpdk_lcore`` (-1 off lcores) and ``dpdk_tid`` (the thread that logged).

How: DPDK's log stream becomes a stdio stream whose writes (on whatever thread logs: lcores,
interrupt and telemetry threads) only copy the message, its type and level into a bounded C
queue (pydpdk/_cffi_src/c/logq.c). A daemon thread here waits on that queue without the GIL
and hands the records to :mod:`logging`. No Python runs on DPDK's threads; when the queue is
full DPDK's messages are dropped and counted (:func:`dropped`), never blocking DPDK.
"""
from __future__ import annotations

import atexit
import fnmatch
import logging
import re
import threading
from typing import Any

from ._native import ffi, lib
from .errors import DpdkError, check, invalid

__all__ = ["dump", "capture", "release", "capturing", "flush", "dropped", "set_level", "set_level_regexp",
           "set_global_level", "global_level", "log_types", "logger_name", "register_type", "write",
           "LEVELS", "NOTICE"]

#: DPDK level names (rte_log.h RTE_LOG_*) -> numbers
LEVELS: dict[str, int] = {"emergency": 1, "alert": 2, "critical": 3, "error": 4, "warning": 5,
                          "notice": 6, "info": 7, "debug": 8}
_ALIASES = {"emerg": 1, "crit": 3, "err": 4, "warn": 5}
_NAMES = {v: k for k, v in LEVELS.items()}
#: Python level for DPDK's "notice" (between INFO and WARNING)
NOTICE = 25
_TO_PY = {1: logging.CRITICAL, 2: logging.CRITICAL, 3: logging.CRITICAL, 4: logging.ERROR,
          5: logging.WARNING, 6: NOTICE, 7: logging.INFO, 8: logging.DEBUG}
_FROM_PY = {logging.CRITICAL: 3, logging.ERROR: 4, logging.WARNING: 5, NOTICE: 6, logging.INFO: 7,
            logging.DEBUG: 8}
if logging.getLevelName(NOTICE) == f"Level {NOTICE}":
    logging.addLevelName(NOTICE, "NOTICE")

_BATCH = 64
_lock = threading.Lock()          # one drainer at a time: records reach logging in order
_state: dict[str, Any] = {"thread": None, "stop": None, "prefix": "dpdk", "dropped": 0, "atexit": False}
_types: dict[int, str] = {}
_records = ffi.new("struct pydpdk_log_record[]", _BATCH)


def _level(level: Any, param: str = "level") -> int:
    """A DPDK level number from a DPDK name, 1-8, or a logging level constant."""
    if isinstance(level, str):
        n = LEVELS.get(level.lower(), _ALIASES.get(level.lower()))
        if n is not None:
            return n
    elif isinstance(level, int) and not isinstance(level, bool):
        if 1 <= level <= 8:
            return level
        if level in _FROM_PY:
            return _FROM_PY[level]
    raise invalid(param, level, f"a DPDK level ({', '.join(LEVELS)}), 1-8, or a logging level "
                  "(logging.DEBUG ... logging.CRITICAL)")


def dump() -> str:
    """rte_log_dump's text: every log type with its level (and the global level)."""
    size = 1 << 16
    while True:
        buf = ffi.new("char[]", size)
        n = lib.pydpdk_log_dump(buf, size)
        if n >= 0:
            return ffi.string(buf, n).decode(errors="replace")
        size = -n + 1024


def log_types() -> dict[str, str]:
    """Every registered DPDK log type and its level, e.g. ``{"lib.eal": "info", ...}``."""
    out = {}
    for m in re.finditer(r"^id (\d+): (\S+), level is (\w+)", dump(), re.M):
        _types[int(m.group(1))] = m.group(2)
        out[m.group(2)] = m.group(3)
    return out


def global_level() -> str:
    """DPDK's global log level (messages above it are not emitted by any type)."""
    return _NAMES.get(lib.rte_log_get_global_level(), str(lib.rte_log_get_global_level()))


def logger_name(logtype: str) -> str:
    """The logging logger that DPDK log type ``logtype`` goes to."""
    return f"{_state['prefix']}.{logtype}"


def set_level(pattern: str, level: Any) -> list[str]:
    """Set the level of every DPDK log type matching a glob (``"pmd.net.*"``, ``"lib.eal"``),
    also types registered later (DPDK keeps the pattern). Returns the types matched now."""
    if not isinstance(pattern, str) or not pattern:
        raise invalid("pattern", pattern, "a log type name or glob, e.g. 'lib.eal' or 'pmd.net.*'")
    n = _level(level)
    check(lib.rte_log_set_level_pattern(pattern.encode(), n), f"rte_log_set_level_pattern({pattern!r})")
    return [t for t in log_types() if fnmatch.fnmatchcase(t, pattern)]


def set_level_regexp(regexp: str, level: Any) -> list[str]:
    """Like :func:`set_level` with a (POSIX extended) regular expression."""
    if not isinstance(regexp, str) or not regexp:
        raise invalid("regexp", regexp, "a regular expression, e.g. '^pmd\\.net\\.'")
    try:
        rx = re.compile(regexp)
    except re.error as exc:
        raise invalid("regexp", regexp, f"a valid regular expression ({exc})") from None
    n = _level(level)
    check(lib.rte_log_set_level_regexp(regexp.encode(), n), f"rte_log_set_level_regexp({regexp!r})")
    return [t for t in log_types() if rx.search(t)]


def set_global_level(level: Any) -> None:
    """DPDK's global level: a ceiling over every type's own level."""
    lib.rte_log_set_global_level(_level(level))


def register_type(name: str, level: Any = "info") -> int:
    """Register (or look up) a DPDK log type for this application; returns its id."""
    if not isinstance(name, str) or not name or len(name) > 64:
        raise invalid("name", name, "a log type name such as 'user.myapp' (at most 64 characters)")
    n = _level(level)
    logtype = check(lib.rte_log_register_type_and_pick_level(name.encode(), n),
                    f"rte_log_register_type_and_pick_level({name!r})")
    _types[logtype] = name
    return logtype


def write(logtype: str | int, level: Any, message: str) -> None:
    """Log one message through DPDK's log (its stream, its levels): what rte_log() does in C."""
    if isinstance(logtype, str):
        ids = {v: k for k, v in _types.items()}
        if logtype not in ids:
            log_types()
            ids = {v: k for k, v in _types.items()}
        if logtype not in ids:
            raise invalid("logtype", logtype, "a registered DPDK log type (see log_types(), register_type())")
        logtype = ids[logtype]
    if not isinstance(logtype, int) or isinstance(logtype, bool) or logtype < 0:
        raise invalid("logtype", logtype, "a log type name or id")
    text = message if message.endswith("\n") else message + "\n"
    lib.rte_log(_level(level), logtype, b"%s", ffi.new("char[]", text.encode()))


# -- capture ---------------------------------------------------------------------------------
def capture(prefix: str = "dpdk") -> None:
    """Route DPDK's log into :mod:`logging` (idempotent). Works before and after Eal.init."""
    if not isinstance(prefix, str) or not prefix or prefix.startswith(".") or prefix.endswith("."):
        raise invalid("prefix", prefix, "a logger name such as 'dpdk'")
    with _lock:
        _state["prefix"] = prefix
        rc = lib.pydpdk_log_capture()
        if rc < 0:
            raise DpdkError(-rc, "pointing DPDK's log stream at pydpdk's queue failed", "rte_openlog_stream")
        if _state["thread"] is None or not _state["thread"].is_alive():
            stop = threading.Event()
            t = threading.Thread(target=_run, args=(stop,), name="pydpdk-log", daemon=True)
            _state["thread"], _state["stop"] = t, stop
            t.start()
        if not _state["atexit"]:
            atexit.register(_at_exit)
            _state["atexit"] = True


def capturing() -> bool:
    """True while DPDK's log goes to Python (False once something else set DPDK's stream)."""
    return bool(lib.pydpdk_log_capturing())


def release() -> None:
    """Give DPDK its own log stream back (stdout/syslog) after delivering what is queued."""
    lib.pydpdk_log_release()
    flush()
    t, stop = _state["thread"], _state["stop"]
    if t is not None:
        stop.set()
        lib.pydpdk_log_wake()
        if t is not threading.current_thread():
            t.join(timeout=5)
        _state["thread"] = None


def flush() -> None:
    """Deliver every DPDK message queued so far to logging, in this thread, before returning."""
    with _lock:
        _drain()


def dropped() -> int:
    """DPDK messages dropped because Python fell behind (the queue holds 1024)."""
    return int(lib.pydpdk_log_dropped())


def _run(stop: threading.Event) -> None:
    while not stop.is_set():
        if lib.pydpdk_log_wait(500) > 0:     # waits without the GIL
            try:
                with _lock:
                    _drain()
            except Exception:                # a failing filter must not end the delivery
                logging.getLogger(_state["prefix"]).exception("delivering DPDK log records failed")


def _drain() -> None:
    while True:
        n = lib.pydpdk_log_pop(_records, _BATCH)
        for i in range(n):
            _emit(_records[i])
        if n < _BATCH:
            break
    lost = dropped()
    if lost > _state["dropped"]:
        logging.getLogger(_state["prefix"]).warning(
            "%d DPDK log messages were dropped: the queue was full", lost - _state["dropped"])
        _state["dropped"] = lost


def _emit(r: Any) -> None:
    typ = _types.get(r.logtype)
    if typ is None:
        log_types()                      # types registered since (plugins, hotplug): refresh
        typ = _types.get(r.logtype, f"type{r.logtype}")
    logger = logging.getLogger(f"{_state['prefix']}.{typ}")
    level = _TO_PY.get(r.level, logging.INFO)
    if not logger.isEnabledFor(level):
        return
    text = ffi.unpack(r.text, r.len).decode(errors="replace").rstrip("\n")
    if r.truncated:
        text += " [truncated]"
    rec = logger.makeRecord(logger.name, level, "(dpdk)", 0, text, (), None, func=None,
                            extra={"dpdk_type": typ, "dpdk_level": int(r.level),
                                   "dpdk_lcore": int(r.lcore), "dpdk_tid": int(r.tid)})
    rec.created = r.time_ns / 1e9
    rec.msecs = (r.time_ns // 1_000_000) % 1000
    rec.relativeCreated = (rec.created - logging._startTime) * 1000  # type: ignore[attr-defined]
    logger.handle(rec)


def _at_exit() -> None:
    try:
        flush()
    except Exception:
        pass
