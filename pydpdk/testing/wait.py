"""Waiting for something to happen: a condition polled until a deadline, never a bare sleep.

    wait_for(lambda: fwd.stats().rx_packets >= 100, 5, what="100 packets forwarded")
"""
from __future__ import annotations

import inspect
import subprocess
import time
from typing import Any, Callable, Optional, TypeVar

__all__ = ["wait_for", "WaitTimeout"]

T = TypeVar("T")


class WaitTimeout(AssertionError):
    """The condition given to :func:`wait_for` stayed false until its deadline (an
    ``AssertionError``, so pytest reports it as a test failure, not an error)."""


def _describe(condition: Callable[[], object]) -> str:
    """The condition's name, or for a lambda its source text ("lambda: port.stats().ipackets > 9")."""
    name = getattr(condition, "__name__", None)
    if name and name != "<lambda>":
        return name
    try:
        import ast
        import textwrap
        src = textwrap.dedent(inspect.getsource(condition))
        tree: ast.AST
        try:
            tree = ast.parse(src)
        except SyntaxError:          # a lambda inside a bigger statement: parse from "lambda" on
            src = src[src.index("lambda"):]
            for end in range(len(src), 0, -1):
                try:
                    tree = ast.parse(src[:end].strip(), mode="eval")
                    src = src[:end].strip()
                    break
                except SyntaxError:
                    continue
            else:
                return repr(condition)
        for node in ast.walk(tree):
            if isinstance(node, ast.Lambda):
                seg = ast.get_source_segment(src, node)
                return " ".join(seg.split()) if seg else repr(condition)
    except (OSError, TypeError, ValueError):
        pass
    return repr(condition)


def wait_for(condition: Callable[[], Optional[T]], timeout: float = 10.0, what: Optional[str] = None, *,
             interval: float = 0.01, proc: Optional[subprocess.Popen[Any]] = None) -> T:
    """Call ``condition()`` until it returns something true, and return that; raise
    :class:`WaitTimeout` naming ``what`` (default: the condition's name or source) after
    ``timeout`` seconds. ``proc``: a peer process whose exit ends the wait at once (its
    output, when piped, is quoted). The condition is checked once more at the deadline."""
    if timeout < 0:
        from ..errors import invalid
        raise invalid("timeout", timeout, "seconds, >= 0", "wait_for")
    deadline = time.monotonic() + timeout
    while True:
        last_chance = time.monotonic() >= deadline
        value = condition()
        if value:
            return value     # (true, hence not None)
        label = what or _describe(condition)
        if proc is not None and proc.poll() is not None:
            out = ""
            if proc.stdout is not None:
                try:
                    out = proc.stdout.read() or ""
                except (OSError, ValueError):
                    pass
            raise WaitTimeout(f"the peer process exited ({proc.returncode}) before {label}:\n"
                              f"{str(out)[-3000:]}")
        if last_chance:
            raise WaitTimeout(f"timed out after {timeout:g} s waiting for {label} "
                              f"(last value: {value!r})")
        time.sleep(min(interval, max(deadline - time.monotonic(), 0)))
