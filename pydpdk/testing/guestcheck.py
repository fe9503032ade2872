"""Named checks for NIC lab guest payloads: each runs, is recorded and printed; a failure does not
stop the next one.

    from pydpdk.testing.guestcheck import expect, run_check
    checks = {}
    seconds = run_check(checks, "bind", lambda: expect(ok, "why not"))   # checks["bind"] = {"ok", "detail"}
"""
from __future__ import annotations

import time
import traceback
from typing import Any, Callable

__all__ = ["run_check", "expect"]


def run_check(checks: dict[str, dict[str, Any]], name: str, fn: Callable[[], Any]) -> float:
    """Run fn now; record checks[name] = {"ok", "detail"} (fn's return value, or the exception and
    traceback), print it, and return the seconds it took."""
    t = time.monotonic()
    try:
        checks[name] = {"ok": True, "detail": fn()}
    except Exception as exc:  # noqa: BLE001 - every failure is reported, the next check still runs
        checks[name] = {"ok": False, "detail": f"{type(exc).__name__}: {exc}",
                        "traceback": traceback.format_exc()[-2000:]}
    seconds = round(time.monotonic() - t, 3)
    print(f"[{'ok' if checks[name]['ok'] else 'FAIL'}] {name}: {checks[name]['detail']}", flush=True)
    return seconds


def expect(cond: bool, what: str) -> None:
    if not cond:
        raise AssertionError(what)
