"""Where higher layers subscribe to port configuration (ethdev imports none of them).

pydpdk.drivers subscribes its driver checks here when it is imported: they are called before
``rte_eth_dev_configure`` and each queue set-up, may raise InvalidArgumentError (what the driver
would fail on) or warn, and remember the configuration for ``Port.explain()``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

__all__ = ["ConfigureEvent", "RxQueueEvent", "TxQueueEvent", "subscribe", "unsubscribe", "notify",
           "set_explainer", "explainer"]


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


Subscriber = Callable[[Any, Any], None]        # (port, event) -> None; may raise
_subscribers: list[Subscriber] = []
_explainer: Optional[Callable[[Any, Optional[int]], Any]] = None


def subscribe(fn: Subscriber) -> Subscriber:
    """Call fn(port, event) before every configure / queue set-up (once per function)."""
    if fn not in _subscribers:
        _subscribers.append(fn)
    return fn


def unsubscribe(fn: Subscriber) -> None:
    """Stop calling fn."""
    if fn in _subscribers:
        _subscribers.remove(fn)


def notify(port: Any, event: Any) -> None:
    """Called by Port: every subscriber, in subscription order."""
    for fn in list(_subscribers):
        fn(port, event)


def set_explainer(fn: Callable[[Any, Optional[int]], Any]) -> None:
    """The function behind Port.explain(burst) (pydpdk.drivers sets it)."""
    global _explainer
    _explainer = fn


def explainer() -> Optional[Callable[[Any, Optional[int]], Any]]:
    """The registered explain function, or None."""
    return _explainer
