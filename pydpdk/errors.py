"""pydpdk's exception hierarchy and the one place that turns DPDK return codes into it.

DPDK reports failure in two ways: a negative errno returned (ethdev, most of the API), or
-1 / NULL with ``rte_errno`` set (EAL init, mempool and ring constructors). :func:`check` and
:func:`check_ptr` handle both and raise a :class:`DpdkError` subclass carrying ``errno``.
Bad arguments are caught before DPDK sees them and raise :class:`InvalidArgumentError`, a
``ValueError`` that names the parameter, the value and what is allowed.
"""
from __future__ import annotations

import errno as _errno
import os
from typing import Any

__all__ = [
    "PydpdkError", "DpdkError", "EalError", "EalNotInitializedError", "EalConfigMismatchError",
    "NoHugepagesError", "DeviceError", "DriverNotFoundError", "PortError", "NotSupportedError", "MempoolError",
    "RingError", "InvalidArgumentError", "ResourceClosedError", "ResourceBusyError", "MbufReleasedError",
    "check", "check_ptr", "invalid", "int_in", "flag",
]


class PydpdkError(Exception):
    """Base of every exception pydpdk raises."""


class DpdkError(PydpdkError, OSError):
    """A DPDK call failed. ``errno`` is the (positive) error number; ``func`` the call."""

    errno: int  # always set (OSError's may be None)

    def __init__(self, errno: int, message: str, func: str | None = None):
        OSError.__init__(self, errno, message)
        self.func = func

    def __str__(self) -> str:
        name = _errno.errorcode.get(self.errno, str(self.errno))
        return f"{self.strerror} [{name}]"


class EalError(DpdkError):
    """EAL initialisation or life-cycle failure."""


class EalNotInitializedError(PydpdkError, RuntimeError):
    """An operation needs the EAL and it is not (or no longer) initialised."""


class EalConfigMismatchError(PydpdkError, RuntimeError):
    """EAL is already live in this process with different arguments."""


class NoHugepagesError(EalError):
    """No hugepages are available and the EAL was not asked to run without them."""


class DeviceError(DpdkError):
    """Attaching, probing or detaching a device failed."""


class DriverNotFoundError(DeviceError):
    """No registered driver matches a device: usually a PMD plugin that was not loaded."""


class PortError(DpdkError):
    """An ethdev operation on a port failed."""


class NotSupportedError(PortError):
    """The port's driver (named in the message, and in ``.driver``) does not implement the call."""

    def __init__(self, errno: int, message: str, func: str | None = None, driver: str = ""):
        super().__init__(errno, message, func)
        self.driver = driver


class MempoolError(DpdkError):
    """Creating or using a mempool failed."""


class RingError(DpdkError):
    """Creating or using an rte_ring failed."""


class InvalidArgumentError(PydpdkError, ValueError):
    """A parameter has a value DPDK would refuse (or crash on). Names what is allowed."""

    def __init__(self, param: str, value: Any, allowed: str, context: str | None = None):
        self.param, self.value, self.allowed = param, value, allowed
        where = f"{context}: " if context else ""
        super().__init__(f"{where}{param}={value!r} is not valid: {allowed}")


class ResourceClosedError(PydpdkError, RuntimeError):
    """The object was closed (or the EAL cleaned up) and refuses use."""


class ResourceBusyError(PydpdkError, RuntimeError):
    """The object is still in use by another (a pool with mbufs out, a port running)."""


class MbufReleasedError(ResourceClosedError):
    """The mbuf was already freed or handed to TX: it no longer belongs to the caller."""


def invalid(param: str, value: Any, allowed: str, context: str | None = None) -> InvalidArgumentError:
    """The error for a bad argument, naming the parameter, the value and what is allowed: ``raise invalid(...)``."""
    return InvalidArgumentError(param, value, allowed, context)


def int_in(param: str, value: Any, lo: int, hi: int, context: str | None = None) -> int:
    """value when it is an int (not a bool) from lo to hi, else InvalidArgumentError naming
    param, value and the range: the one check before an integer reaches a C field or argument."""
    if value.__class__ is not int or not lo <= value <= hi:
        if isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi:
            return int(value)          # an int subclass (IntEnum...) in range
        raise InvalidArgumentError(param, value, f"an integer from {lo} to {hi}", context)
    return value


def flag(param: str, value: Any, context: str | None = None) -> bool:
    """value as a bool when it is a bool (or the ints 0/1), else InvalidArgumentError."""
    if isinstance(value, bool) or (value.__class__ is int and value in (0, 1)):
        return bool(value)
    raise InvalidArgumentError(param, value, "True or False", context)


def _rte_errno() -> int:
    from ._native import lib
    return lib.pydpdk_rte_errno()


def _message(errno: int, what: str) -> str:
    from ._native import ffi, lib
    text = ffi.string(lib.rte_strerror(errno)).decode() if errno else "unknown error"
    return f"{what} failed: {text}"


def check(rc: int, what: str, cls: type[DpdkError] = DpdkError, *,
          rte_errno: bool = False, hint: str | None = None) -> int:
    """Return rc when it is >= 0, else raise cls with the errno of the failure.

    With rte_errno=True the call follows DPDK's "-1 and rte_errno" convention.
    """
    if rc >= 0:
        return rc
    err = _rte_errno() if rte_errno else -rc
    msg = _message(err, what)
    raise cls(err, f"{msg}; {hint}" if hint else msg, what.split("(")[0])


def check_ptr(ptr: Any, what: str, cls: type[DpdkError] = DpdkError, *,
              hint: str | None = None) -> Any:
    """Return ptr unless it is NULL; then raise cls from rte_errno."""
    from ._native import ffi
    if ptr != ffi.NULL:
        return ptr
    err = _rte_errno() or _errno.EINVAL
    msg = _message(err, what)
    raise cls(err, f"{msg}; {hint}" if hint else msg, what.split("(")[0])


def strerror(err: int) -> str:
    return os.strerror(err)


class TelemetryError(PydpdkError, OSError):
    """A DPDK telemetry socket could not be reached or answered something unexpected."""


__all__ += ["TelemetryError"]
