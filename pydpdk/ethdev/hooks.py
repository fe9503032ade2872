"""Where higher layers subscribe to port configuration (ethdev imports none of them).

pydpdk.drivers subscribes its driver checks here when it is imported: they are called before
``rte_eth_dev_configure`` and each queue set-up, may raise InvalidArgumentError (what the driver
would fail on) or warn, and remember the configuration for ``Port.explain()``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional, Protocol, Union

from .base import PortBase

__all__ = ["ConfigureEvent", "RxQueueEvent", "TxQueueEvent", "subscribe", "unsubscribe", "notify",
           "set_explainer", "explainer", "subscribe_release", "notify_release"]


@dataclass(frozen=True)
class ConfigureEvent:
    """Port.configure is about to call rte_eth_dev_configure with these settings."""

    nb_rxq: int
    nb_txq: int
    rx_offloads: int
    tx_offloads: int
    rss: bool
    rss_key: bool
    mtu: Optional[int]


@dataclass(frozen=True)
class RxQueueEvent:
    """Port.rx_queue_setup is about to call rte_eth_rx_queue_setup."""

    queue: int
    nb_desc: int
    free_thresh: int
    offloads: int
    mbuf_data_size: int


@dataclass(frozen=True)
class TxQueueEvent:
    """Port.tx_queue_setup is about to call rte_eth_tx_queue_setup (0 thresholds: the driver's)."""

    queue: int
    nb_desc: int
    rs_thresh: int
    free_thresh: int
    offloads: int


PortEvent = Union[ConfigureEvent, RxQueueEvent, TxQueueEvent]


class PortExplanation(Protocol):
    """What ``Port.explain()`` returns: a sequence of findings with a text rendering
    (:class:`pydpdk.drivers.findings.Explanation`, registered by pydpdk.drivers, is one)."""

    header: str

    def __iter__(self) -> Iterator[Any]:
        """The findings (:class:`pydpdk.drivers.findings.Finding`), in order."""

    def __len__(self) -> int:
        """How many findings."""

    def text(self) -> str:
        """The header, the fast paths on/off, and one line per finding."""

    def codes(self) -> set[str]:
        """The codes of every finding."""

    def fast_paths(self) -> dict[str, bool]:
        """Fast path -> on/off."""

    def errors(self) -> list[Any]:
        """The findings of severity error."""

    def warnings(self) -> list[Any]:
        """The findings of severity warning."""

    def as_dict(self) -> dict[str, Any]:
        """header, fast_paths and findings as plain data."""


Subscriber = Callable[[PortBase, PortEvent], None]   # (port, event) -> None; may raise
Explainer = Callable[[PortBase, Optional[int]], PortExplanation]   # (port, burst) -> explanation
_subscribers: list[Subscriber] = []
_explainer: Optional[Explainer] = None


def subscribe(fn: Subscriber) -> Subscriber:
    """Call fn(port, event) before every configure / queue set-up (once per function)."""
    if fn not in _subscribers:
        _subscribers.append(fn)
    return fn


def unsubscribe(fn: Subscriber) -> None:
    """Stop calling fn."""
    if fn in _subscribers:
        _subscribers.remove(fn)


def notify(port: PortBase, event: PortEvent) -> None:
    """Called by Port: every subscriber, in subscription order."""
    for fn in list(_subscribers):
        fn(port, event)


def set_explainer(fn: Explainer) -> None:
    """The function behind Port.explain(burst) (pydpdk.drivers sets it)."""
    global _explainer
    _explainer = fn


def explainer() -> Optional[Explainer]:
    """The registered explain function, or None."""
    return _explainer


_release_subscribers: list[Callable[[Any], None]] = []


def subscribe_release(fn: Callable[[Any], None]) -> Callable[[Any], None]:
    """Call fn(port) first thing when a port closes or its device is detached, while the port
    still works: what lives on a port (flow rules, RX/TX callbacks, interrupt sets) goes first."""
    if fn not in _release_subscribers:
        _release_subscribers.append(fn)
    return fn


def notify_release(port: Any) -> None:
    """Called by Port.close() and on detach: every release subscriber, in subscription order."""
    for fn in list(_release_subscribers):
        fn(port)


# -- port extensions: features that live in their own layer-2 modules (flow, capture, Rx
#    interrupts) and are reached as Port attributes without ethdev importing them ------------
_extensions: dict[str, Callable[..., Any]] = {}


def add_port_extension(name: str, factory: Callable[..., Any]) -> None:
    """Register what ``Port.<name>`` reaches (``flow``, ``capture``, ``rx_interrupts``); the
    module that owns the feature calls this when it is imported (``import pydpdk`` imports them)."""
    _extensions[name] = factory


def port_extension(name: str) -> Callable[..., Any]:
    """The registered factory, or a clear error naming the module that provides it."""
    fn = _extensions.get(name)
    if fn is None:
        raise RuntimeError(f"Port.{name} is provided by a pydpdk module that is not imported "
                           "(import pydpdk)")
    return fn
