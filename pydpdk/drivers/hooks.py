"""Driver checks subscribed to :mod:`pydpdk.ethdev.hooks`: one call per configure / queue set-up, plus explain().

Each hook records the configuration, runs the pure checks of :mod:`.checks`, raises
:class:`~pydpdk.errors.InvalidArgumentError` for findings the driver would fail on, and emits
:class:`DriverWarning` (and a ``pydpdk.drivers`` log record) for the others.
"""
from __future__ import annotations

import logging
import os
import re
import warnings
import weakref
from typing import Any, Callable, cast

from ..errors import invalid
from ..ethdev import RX_OFFLOADS, TX_OFFLOADS, Port, hooks as _port_hooks
from ..ethdev.base import PortBase
from ..ethdev.hooks import ConfigureEvent, PortEvent, RxQueueEvent, TxQueueEvent
from .checks import DevFacts, PortConf, RxqConf, TxqConf, check_port, check_rxq, check_txq, explain
from .findings import ERROR, WARNING, Explanation, Finding

__all__ = ["DriverWarning", "on_configure", "on_rx_queue_setup", "on_tx_queue_setup", "on_port_event",
           "explain_port", "set_burst"]

log = logging.getLogger("pydpdk.drivers")
_PCI = re.compile(r"^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$")


class DriverWarning(UserWarning):
    """The driver will accept the configuration but not do what one may expect (a fast path off...)."""


class _State:
    def __init__(self) -> None:
        self.conf: PortConf | None = None
        self.rxq: dict[int, RxqConf] = {}
        self.txq: dict[int, TxqConf] = {}
        self.burst: int | None = None


_states: "weakref.WeakKeyDictionary[Port, _State]" = weakref.WeakKeyDictionary()


def _state(port: Port) -> _State:
    st = _states.get(port)
    if st is None:
        st = _states[port] = _State()
    return st


def _names(mask: int, table: dict[str, int]) -> frozenset[str]:
    return frozenset(n for n, bit in table.items() if mask & bit)


def dev_facts(port: Port) -> DevFacts:
    """DevFacts of a live port: rte_eth_dev_info plus, for PCI devices, sysfs (VF or not, PF's VFs)."""
    info = port.info()
    dev_name = port.device_name
    is_vf, pf_vfs, pci = False, None, None
    if _PCI.match(dev_name or ""):
        pci = dev_name
        d = f"/sys/bus/pci/devices/{pci}"
        if os.path.exists(f"{d}/physfn"):
            is_vf = True
            try:
                with open(f"{d}/physfn/sriov_numvfs") as f:
                    pf_vfs = int(f.read())
            except OSError:
                pass
    vq = None
    if info.driver == "net_virtio_user":   # the vq size is the queue_size devarg (default 256)
        m = re.search(r"(?:^|,)queue_size=(\d+)", port.devargs or "")
        vq = int(m.group(1)) if m else 256
    return DevFacts(driver=info.driver, vq_size=vq, max_rx_queues=info.max_rx_queues, max_tx_queues=info.max_tx_queues,
                    rx_offload_capa=frozenset(info.rx_offload_capa), is_vf=is_vf or info.driver.endswith("_vf"),
                    pf_num_vfs=pf_vfs, pci_address=pci)


def _apply(findings: list[Finding], ctx: str) -> None:
    for f in findings:
        if f.severity == ERROR:
            allowed = f"{f.allowed}: {f.reason}" if f.allowed else f.reason
            raise invalid(f.param or f.code, f.value, allowed, ctx)
    for f in findings:
        if f.severity == WARNING:
            log.warning("%s: %s", ctx, f.text().strip())
            warnings.warn(f"{ctx}: {f.text().strip()}", DriverWarning, stacklevel=6)  # the caller of Port.x


def on_configure(port: Port, ev: ConfigureEvent) -> None:
    """Before rte_eth_dev_configure: check, warn, remember."""
    conf = PortConf(nb_rxq=ev.nb_rxq, nb_txq=ev.nb_txq, rx_offloads=_names(ev.rx_offloads, RX_OFFLOADS),
                    tx_offloads=_names(ev.tx_offloads, TX_OFFLOADS), rss=ev.rss, rss_key=ev.rss_key, mtu=ev.mtu)
    _apply(check_port(dev_facts(port), conf), f"Port.configure({port._describe()})")
    st = _state(port)
    st.conf, st.rxq, st.txq = conf, {}, {}


def on_rx_queue_setup(port: Port, ev: RxQueueEvent) -> None:
    """Before rte_eth_rx_queue_setup."""
    st = _state(port)
    rxq = RxqConf(queue=ev.queue, nb_desc=ev.nb_desc, free_thresh=ev.free_thresh,
                  offloads=_names(ev.offloads, RX_OFFLOADS), mbuf_data_size=ev.mbuf_data_size)
    _apply(check_rxq(dev_facts(port), st.conf or PortConf(), rxq), f"Port.rx_queue_setup({port._describe()})")
    st.rxq[ev.queue] = rxq


def on_tx_queue_setup(port: Port, ev: TxQueueEvent) -> None:
    """Before rte_eth_tx_queue_setup (0 thresholds mean the driver's default, 32)."""
    st = _state(port)
    txq = TxqConf(queue=ev.queue, nb_desc=ev.nb_desc, rs_thresh=ev.rs_thresh or 32,
                  free_thresh=ev.free_thresh or 32, offloads=_names(ev.offloads, TX_OFFLOADS))
    _apply(check_txq(dev_facts(port), st.conf or PortConf(), txq), f"Port.tx_queue_setup({port._describe()})")
    st.txq[ev.queue] = txq


_HANDLERS: dict[type, Callable[[Port, Any], None]] = {
    ConfigureEvent: on_configure, RxQueueEvent: on_rx_queue_setup, TxQueueEvent: on_tx_queue_setup}


def on_port_event(port: PortBase, event: PortEvent) -> None:
    """The subscriber pydpdk.ethdev.hooks calls before each configure / queue set-up."""
    handler = _HANDLERS.get(type(event))
    if handler is not None:
        handler(cast(Port, port), event)  # only Port objects (made of PortBase) notify


def set_burst(port: Port, burst: int) -> None:
    """Tell explain() the RX burst size an application uses (forwarders do)."""
    _state(port).burst = burst


def explain_port(port: PortBase, burst: int | None = None) -> Explanation:
    """What the port's driver does with its recorded configuration (see Port.explain)."""
    port = cast(Port, port)  # the explainer ethdev.hooks calls is given Port objects
    st = _state(port)
    facts = dev_facts(port)
    return explain(facts, st.conf, list(st.rxq.values()), list(st.txq.values()),
                   burst if burst is not None else st.burst,
                   header=f"port {port.id} ({port.name}): driver {facts.driver}")


_port_hooks.subscribe(on_port_event)
_port_hooks.set_explainer(explain_port)
