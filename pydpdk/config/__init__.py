"""YAML set-ups: ``pydpdk run setup.yaml`` (and ``--check`` to validate without running).

    setup = pydpdk.config.load("ring_ports.yaml")     # ConfigError names the key and the line
    setup.session                                      # the pydpdk.session.Session it describes
    final = pydpdk.config.run(setup)                   # build, forward, close: ForwardStats

A set-up names the EAL options, the devices (vdevs, PCI devices, ports made from rings), each
port's queues/descriptors/RSS/offloads/MTU, the forwarding mode with ``pydpdk fwd``'s options,
and how long to run: a :class:`pydpdk.session.Session`, which ``pydpdk run`` (pydpdk.cli.run)
runs like ``pydpdk fwd`` (testpmd-style final statistics, or ``--json``). The schema is
documented in docs/config.md; examples ship in ``pydpdk/examples/*.yaml``
(``pydpdk run --list-examples``).
"""
from __future__ import annotations

import glob
import os
from typing import TYPE_CHECKING

from .model import SCHEMA, Setup, load, loads
from .schema import ConfigError

if TYPE_CHECKING:
    from ..forward import ForwardStats

__all__ = ["ConfigError", "Setup", "SCHEMA", "load", "loads", "run", "examples"]

EXAMPLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def examples() -> list[str]:
    """Paths of the example set-ups shipped with pydpdk."""
    return sorted(glob.glob(os.path.join(EXAMPLES_DIR, "*.yaml")))


def run(setup: Setup, *, duration: float | None = None, packets: int | None = None) -> ForwardStats:
    """Run a loaded set-up in this process (its EAL becomes this process's EAL, and stays: the
    caller cleans it up): build its Session, forward for its duration (or until its packet
    count, or these overrides), close; returns the final :class:`pydpdk.forward.ForwardStats`.
    Prints nothing (``pydpdk run`` prints testpmd's statistics)."""
    duration = setup.duration if duration is None else duration
    packets = setup.packets if packets is None else packets
    if duration is None and not packets:
        from ..errors import invalid
        raise invalid("duration", None, "a duration or a packet count (the set-up has neither)", "config.run")
    with setup.session.build() as r:
        return r.forward(duration, packets=packets)
