"""Findings: what a driver will do with a configuration, and why."""
from __future__ import annotations

from dataclasses import dataclass, asdict
from typing import Any, Iterable

__all__ = ["Finding", "Explanation", "INFO", "WARNING", "ERROR", "DRIVER_NOTES_RELEASES"]

INFO, WARNING, ERROR = "info", "warning", "error"

#: The releases a finding's ``dpdk_22_11`` note holds for. Written against 22.11 (measured in the
#: NIC lab there); the driver code behind every note (ixgbe bulk-alloc/vector RX conditions and
#: their 32/4 constants, vmxnet3 ring limits and multi-segment TX, em RX, virtio queue sizes, the
#: IEEE1588 build option, no header-split offload) was checked unchanged in 24.11 and 25.11's
#: sources (docs/dpdk-releases.md). A note that changes in a later release says so in its text.
DRIVER_NOTES_RELEASES = "22.11 (same in 24.11, 25.11)"


@dataclass(frozen=True)
class Finding:
    """One statement about a port's configuration.

    ``code`` names the constraint (e.g. ``ixgbe.rx_vec.free_thresh_min``); ``subject`` what it
    is about ("ixgbe vector RX", "RX queue 0"); ``fast_path`` is True/False when the finding
    says a fast path is on/off, None otherwise; ``severity`` is info, warning (works, but not
    as you may expect) or error (the driver would refuse it); ``section`` the guide section;
    ``dpdk_22_11`` how DPDK 22.11 differs from the 2015 guide, where it does.
    """

    code: str
    severity: str
    subject: str
    reason: str
    section: str = ""
    fast_path: bool | None = None
    param: str | None = None
    value: Any = None
    allowed: str | None = None
    dpdk_22_11: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The finding as a plain dict (JSON-ready)."""
        return asdict(self)

    def text(self) -> str:
        """One indented line (two with a DPDK 22.11 note): severity, subject, on/off, reason, section."""
        state = "" if self.fast_path is None else (" ON" if self.fast_path else " OFF")
        where = f" [guide §{self.section}]" if self.section and self.section != "-" else ""
        extra = f"\n      DPDK {DRIVER_NOTES_RELEASES}: {self.dpdk_22_11}" if self.dpdk_22_11 else ""
        return f"  {self.severity.upper():7} {self.subject}{state}: {self.reason}{where}{extra}"


class Explanation(list[Finding]):
    """A list of :class:`Finding` with a text rendering (``str(explanation)``)."""

    def __init__(self, header: str, findings: Iterable[Finding] = ()) -> None:
        super().__init__(findings)
        self.header = header

    def fast_paths(self) -> dict[str, bool]:
        """subject -> on/off, the last word on each fast path."""
        out: dict[str, bool] = {}
        for f in self:
            if f.fast_path is not None:
                out[f.subject] = out.get(f.subject, True) and f.fast_path
        return out

    def codes(self) -> set[str]:
        """The codes of every finding."""
        return {f.code for f in self}

    def errors(self) -> list[Finding]:
        """The findings of severity error (configurations DPDK refuses)."""
        return [f for f in self if f.severity == ERROR]

    def warnings(self) -> list[Finding]:
        """The findings of severity warning (works, but not as fast or not as asked)."""
        return [f for f in self if f.severity == WARNING]

    def text(self) -> str:
        """The header, the fast paths on/off, and one line per finding."""
        lines = [self.header]
        fp = self.fast_paths()
        if fp:
            lines.append("  fast paths: " + ", ".join(f"{k} {'on' if v else 'OFF'}" for k, v in fp.items()))
        lines += [f.text() for f in self] or ["  (nothing to report)"]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def as_dict(self) -> dict[str, Any]:
        """header, fast_paths and findings as plain data (JSON-ready)."""
        return {"header": self.header, "fast_paths": self.fast_paths(), "findings": [f.as_dict() for f in self]}
