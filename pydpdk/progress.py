"""Progress of long work (timed runs, pcap replays by packet count): a small API.

    with Progress(total=1000, desc="replay", unit="pkt") as bar:
        bar.set(done)                      # or bar.update(n)
    final = watch(fwd, duration=10, packets=1000)   # run a started Forwarder until either

Where it shows: ``callback(done, total, elapsed)`` when given; else tqdm when installed and
stderr is a terminal (or in a Jupyter kernel); else one self-rewriting stderr line on a
terminal; else (pipes, CI logs) nothing. The callback sees every update in any case.
"""
from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator

if TYPE_CHECKING:
    from .forward import Forwarder, ForwardStats

__all__ = ["Progress", "ticks", "watch", "in_notebook"]


def in_notebook() -> bool:
    """True inside a Jupyter (ipykernel) kernel."""
    ip = sys.modules.get("IPython")
    try:
        shell = ip.get_ipython() if ip is not None else None
    except Exception:
        return False
    return shell is not None and hasattr(shell, "kernel")


class Progress:
    """A progress indicator: ``update(n)`` / ``set(done)``, ``close()``; a context manager."""

    def __init__(self, total: float | None = None, *, desc: str = "", unit: str = "",
                 callback: Callable[[float, float | None, float], Any] | None = None,
                 enable: bool | None = None, file: Any = None, min_interval: float = 0.1):
        self.total, self.desc, self.unit = total, desc, unit
        self.callback = callback
        self.done = 0.0
        self._t0 = time.monotonic()
        self._last_draw = 0.0
        self._min_interval = min_interval
        self._file = file if file is not None else sys.stderr
        self._closed = False
        self._bar: Any = None
        self._handle: Any = None
        if enable is None:
            enable = callback is None and (_isatty(self._file) or in_notebook())
        self.mode = "callback" if callback is not None and not enable else ("off" if not enable else "text")
        if enable:
            self._bar = _tqdm(total, desc, unit, self._file)
            if self._bar is not None:
                self.mode = "tqdm"
            elif in_notebook() and not _isatty(self._file):
                self.mode = "notebook"

    @property
    def elapsed(self) -> float:
        """Seconds since the bar was made."""
        return time.monotonic() - self._t0

    def update(self, n: float = 1) -> None:
        """Add n to the amount done."""
        self.set(self.done + n)

    def set(self, done: float) -> None:
        """Set the amount done (absolute)."""
        if self._closed:
            return
        delta, self.done = done - self.done, done
        if self.callback is not None:
            self.callback(done, self.total, self.elapsed)
        if self.mode == "tqdm":
            self._bar.update(delta)
        elif self.mode in ("text", "notebook"):
            now = time.monotonic()
            if now - self._last_draw >= self._min_interval:
                self._last_draw = now
                self._draw()

    def text(self) -> str:
        """The status line: '<desc> 40/100 pkt (40%) 1.2 s'."""
        amount = _fmt(self.done) + (f"/{_fmt(self.total)}" if self.total else "")
        pct = f" ({min(100.0, 100.0 * self.done / self.total):.0f}%)" if self.total else ""
        unit = f" {self.unit}" if self.unit else ""
        head = f"{self.desc}: " if self.desc else ""
        return f"{head}{amount}{unit}{pct} {self.elapsed:.1f} s"

    def _draw(self, final: bool = False) -> None:
        if self.mode == "notebook":
            from IPython.display import display
            if self._handle is None:
                self._handle = display({"text/plain": self.text()}, raw=True, display_id=True)
            else:
                self._handle.update({"text/plain": self.text()}, raw=True)
        else:
            self._file.write("\r" + self.text() + ("\n" if final else ""))
            self._file.flush()

    def close(self) -> None:
        """Draw the final state and end the bar (idempotent)."""
        if self._closed:
            return
        if self.mode == "tqdm":
            self._bar.close()
        elif self.mode in ("text", "notebook"):
            self._draw(final=True)
        self._closed = True

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _isatty(f: Any) -> bool:
    try:
        return bool(f.isatty())
    except Exception:
        return False


def _tqdm(total: Any, desc: str, unit: str, file: Any) -> Any:
    try:
        if in_notebook():
            from tqdm.auto import tqdm
        else:
            from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=desc or None, unit=unit or "it", file=file, leave=True)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


def ticks(duration: float, interval: float = 0.5, *, stop: threading.Event | None = None,
          progress: Progress | None = None) -> Iterator[float]:
    """Yield the elapsed time every ``interval`` seconds until ``duration`` has passed (or
    ``stop`` is set); a progress, when given, follows the elapsed seconds."""
    t0 = time.monotonic()
    stop = stop or threading.Event()
    while True:
        elapsed = time.monotonic() - t0
        if progress is not None:
            progress.set(round(min(elapsed, duration), 3))
        if elapsed >= duration or stop.is_set():
            return
        yield elapsed
        stop.wait(min(interval, max(duration - (time.monotonic() - t0), 0)))


def watch(fwd: Forwarder, *, duration: float | None = None, packets: int | None = None,
          interval: float = 0.2, stop: threading.Event | None = None,
          progress: Progress | bool | None = None,
          on_tick: Callable[[float], Any] | None = None) -> ForwardStats:
    """Wait while a started Forwarder runs until ``duration`` seconds have passed, or
    ``packets`` packets were received (a pcap replay), or ``stop`` is set; then stop it and
    return the final ForwardStats. The forwarder's counters are read once per interval.
    ``progress``: a Progress, True/False/None (None: automatic, shown on a terminal)."""
    from .errors import invalid
    if duration is None and packets is None and stop is None:
        raise invalid("duration", None, "a duration, a packet count or a stop event", "watch")
    if packets is not None and (not isinstance(packets, int) or packets < 1):
        raise invalid("packets", packets, "a positive number of received packets", "watch")
    stop = stop or threading.Event()
    own = not isinstance(progress, Progress)
    if isinstance(progress, Progress):
        bar = progress
    else:
        total, unit = (packets, "pkt") if packets is not None else (duration, "s")
        bar = Progress(total, desc=f"{fwd.mode} forwarding", unit=unit,
                       enable=None if progress is None else bool(progress))
    t0 = time.monotonic()
    try:
        while not stop.is_set():
            elapsed = time.monotonic() - t0
            rx = fwd.stats().rx_packets if packets is not None else 0
            bar.set(rx if packets is not None else round(min(elapsed, duration or elapsed), 3))
            if on_tick is not None:
                on_tick(elapsed)
            if packets is not None and rx >= packets:
                break
            if duration is not None and elapsed >= duration:
                break
            wait = interval if duration is None else min(interval, max(duration - elapsed, 0.001))
            stop.wait(wait)
        return fwd.stop()
    finally:
        if own:
            bar.close()
