"""DPDK telemetry: read any running DPDK process's counters over its telemetry socket.

    with pydpdk.telemetry.Client(file_prefix="pg0") as t:     # a dpdk-testpmd, a pydpdk app...
        t.query("/ethdev/list")            # [0, 1]
        t.query("/ethdev/stats", 0)        # {"ipackets": ..., "opackets": ..., ...}
        t.query("/pydpdk/fwd/stats")       # pydpdk processes: forwarding counters per port

Every DPDK 22.11 process serves ``<runtime dir>/dpdk_telemetry.v2`` (unless started with
``--no-telemetry``): a SOCK_SEQPACKET Unix socket that answers one JSON object per command.
The runtime dir is ``/var/run/dpdk/<file-prefix>`` for root. In DPDK 22.11 only the first
process of a prefix serves it (a secondary serves none); later releases number the sockets of
further processes ``dpdk_telemetry.v2:1`` and so on (``instance=``).

pydpdk processes also answer ``/pydpdk/version``, ``/pydpdk/fwd/list`` and
``/pydpdk/fwd/stats[,ID]``: the counters of their running :class:`~pydpdk.forward.Forwarder`
objects, read by C on DPDK's telemetry thread (pydpdk/_cffi_src/c/telemetry.c), so they answer
while Python is busy and never disturb the forwarding lcores.
"""
from __future__ import annotations

import errno
import glob
import json
import os
import socket
from typing import Any

from .eal import runtime_dir
from .errors import TelemetryError, invalid

__all__ = ["Client", "SOCKET_NAME", "runtime_dir", "sockets", "file_prefixes"]

SOCKET_NAME = "dpdk_telemetry.v2"
_MAX_CMD_LEN = 56          # DPDK's MAX_CMD_LEN, command and parameters together
_MAX_PARAMS = 1024


def sockets(file_prefix: str | None = None) -> list[str]:
    """Telemetry sockets of one file prefix, or of every prefix when None."""
    pattern = os.path.join(runtime_dir(file_prefix or "*"), SOCKET_NAME + "*")
    return sorted(p for p in glob.glob(pattern) if not p.endswith(".lock"))


def file_prefixes() -> list[str]:
    """File prefixes that have a telemetry socket (processes may have died since)."""
    return sorted({os.path.basename(os.path.dirname(p)) for p in sockets()})


class Client:
    """One connection to a DPDK process's telemetry socket.

    ``Client(file_prefix="x")`` or ``Client(path="/var/run/dpdk/x/dpdk_telemetry.v2")``;
    ``instance=N`` selects the socket of the N-th process sharing a prefix.
    """

    def __init__(self, file_prefix: str | None = None, *, path: str | None = None,
                 instance: int = 0, timeout: float = 5.0):
        if path is not None and file_prefix is not None:
            raise invalid("path", path, "a path or a file_prefix, not both", "telemetry.Client")
        if not isinstance(instance, int) or isinstance(instance, bool) or not 0 <= instance < 1 << 16:
            raise invalid("instance", instance, "an integer from 0 to 65535", "telemetry.Client")
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not 0 < timeout <= 3600:
            raise invalid("timeout", timeout, "seconds, more than 0 and at most 3600", "telemetry.Client")
        if path is None:
            prefix = file_prefix or "rte"
            if "/" in prefix or not prefix:
                raise invalid("file_prefix", prefix, "a non-empty name without '/'", "telemetry.Client")
            path = os.path.join(runtime_dir(prefix), SOCKET_NAME + (f":{instance}" if instance else ""))
        self.path = path
        self._commands: list[str] | None = None
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        sock.settimeout(timeout)
        try:
            sock.connect(path)
        except OSError as exc:
            sock.close()
            raise TelemetryError(exc.errno or errno.EIO, _connect_failure(path, exc)) from None
        self._sock: socket.socket | None = sock
        hello = self._recv(16384)
        if not isinstance(hello, dict) or "max_output_len" not in hello:
            self.close()
            raise TelemetryError(errno.EPROTO, f"{path} did not greet like DPDK telemetry v2: {hello!r}")
        #: the process's DPDK version ("DPDK 22.11.11"), its pid and its largest answer in bytes
        self.version: str = hello.get("version", "")
        self.pid: int = int(hello.get("pid", 0))
        self.max_output_len: int = int(hello["max_output_len"])

    @classmethod
    def local(cls, **kwargs: Any) -> "Client":
        """This process's own telemetry socket (its EAL must be initialised with telemetry)."""
        from . import eal as _eal
        live = _eal.current()
        found = sorted(glob.glob(os.path.join(live.runtime_dir, SOCKET_NAME + "*")))
        for path in found:
            try:
                c = cls(path=path, **kwargs)
            except TelemetryError:
                continue
            if c.pid == os.getpid():
                return c
            c.close()
        raise TelemetryError(errno.ENOENT, f"this process serves no telemetry socket in {live.runtime_dir} "
                             "(was the EAL started with telemetry=False / --no-telemetry, or is this a "
                             "secondary process, whose primary owns the prefix's socket?)")

    # -- protocol ----------------------------------------------------------------------------
    def _recv(self, size: int) -> Any:
        assert self._sock is not None
        try:
            data = self._sock.recv(size)
        except socket.timeout:
            raise TelemetryError(errno.ETIMEDOUT, f"{self.path}: no answer within "
                                 f"{self._sock.gettimeout()} s") from None
        except OSError as exc:
            raise TelemetryError(exc.errno or errno.EIO, f"{self.path}: {exc.strerror}") from None
        if not data:
            raise TelemetryError(errno.ECONNRESET, f"{self.path}: the process closed the connection "
                                 "(it exited, or already serves its maximum of clients)")
        try:
            return json.loads(data.decode(errors="replace"))
        except json.JSONDecodeError:
            raise TelemetryError(errno.EPROTO, f"{self.path}: answer is not JSON: {data[:200]!r}") from None

    def raw(self, request: str) -> Any:
        """Send one request line ("/ethdev/stats,0") and return the whole JSON answer."""
        if self._sock is None:
            raise TelemetryError(errno.EBADF, f"telemetry client for {self.path} is closed")
        if not isinstance(request, str) or not request.startswith("/"):
            raise invalid("command", request, "a telemetry command starting with '/', e.g. '/ethdev/list'")
        cmd = request.split(",", 1)[0]
        if len(cmd) >= _MAX_CMD_LEN or len(request) >= _MAX_CMD_LEN + _MAX_PARAMS:
            raise invalid("command", request, f"a command shorter than {_MAX_CMD_LEN} characters")
        try:
            self._sock.send(request.encode())
        except OSError as exc:
            raise TelemetryError(exc.errno or errno.EIO, f"{self.path}: {exc.strerror}") from None
        return self._recv(self.max_output_len + 64)

    def query(self, command: str, *params: Any) -> Any:
        """Run a command and return its value (``None``: DPDK had no answer for these
        parameters, e.g. a port that does not exist). Unknown commands raise."""
        request = command + "".join(f",{p}" for p in params) if params else command
        answer = self.raw(request)
        if not isinstance(answer, dict):
            raise TelemetryError(errno.EPROTO, f"{self.path}: unexpected answer {answer!r}")
        cmd = command.split(",", 1)[0]
        value = answer.get(cmd, next(iter(answer.values()), None) if len(answer) == 1 else None)
        if value is None and cmd not in self.commands():
            raise invalid("command", cmd, "a command this process serves (Client.commands()): "
                          f"{', '.join(c for c in self.commands() if c.count('/') <= 2)[:400]}...")
        return value

    def commands(self) -> list[str]:
        """Every command the process serves ("/" lists them)."""
        if self._commands is None:
            self._commands = list(self.raw("/").get("/", []))
        return self._commands

    def help(self, command: str) -> str:
        """DPDK's one-line help for a command."""
        value = self.query("/help", command)
        return value.get(command, "") if isinstance(value, dict) else ""

    # -- common commands ---------------------------------------------------------------------
    def ports(self) -> list[int]:
        """/ethdev/list: the process's port ids."""
        return list(self.query("/ethdev/list") or [])

    def port_stats(self, port: int) -> dict[str, Any]:
        """/ethdev/stats,N: rte_eth_stats of one port."""
        return self._port_query("/ethdev/stats", port)

    def port_xstats(self, port: int) -> dict[str, int]:
        """/ethdev/xstats,N: every extended statistic of one port."""
        return self._port_query("/ethdev/xstats", port)

    def port_info(self, port: int) -> dict[str, Any]:
        """/ethdev/info,N: name, state, queues, MTU, MAC, offloads of one port."""
        return self._port_query("/ethdev/info", port)

    def _port_query(self, cmd: str, port: int) -> Any:
        if not isinstance(port, int) or isinstance(port, bool) or port < 0:
            raise invalid("port", port, "a port id (see ports())", f"telemetry {cmd}")
        value = self.query(cmd, port)
        if value is None:
            raise invalid("port", port, f"one of the process's ports: {self.ports()}", f"telemetry {cmd}")
        return value

    def fwd_stats(self, forwarder: int | None = None) -> dict[str, Any]:
        """/pydpdk/fwd/stats[,ID] of a pydpdk process: forwarding counters (see docs/observability.md)."""
        if forwarder is None:
            return self.query("/pydpdk/fwd/stats")
        value = self.query("/pydpdk/fwd/stats", forwarder)
        if value is None:
            raise invalid("forwarder", forwarder, f"a forwarder id of that process: "
                          f"{self.query('/pydpdk/fwd/list')}", "telemetry /pydpdk/fwd/stats")
        return value

    # -- life cycle --------------------------------------------------------------------------
    def close(self) -> None:
        """Close the telemetry socket (idempotent)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._sock is None else f"pid {self.pid}, {self.version}"
        return f"<telemetry.Client {self.path} ({state})>"


def _connect_failure(path: str, exc: OSError) -> str:
    prefix = os.path.basename(os.path.dirname(path))
    if isinstance(exc, FileNotFoundError):
        others = file_prefixes()
        hint = (f"prefixes with a telemetry socket here: {', '.join(others)}" if others
                else "no DPDK process with telemetry runs here")
        return (f"no telemetry socket {path}: no DPDK process with file prefix {prefix!r} is running, "
                f"or it was started with --no-telemetry ({hint})")
    if isinstance(exc, ConnectionRefusedError):
        return f"{path} exists but nobody listens: the DPDK process with file prefix {prefix!r} has exited"
    if isinstance(exc, PermissionError):
        return f"permission denied on {path}: run as the DPDK process's user (or root)"
    return f"cannot connect to {path}: {exc.strerror or exc}"
