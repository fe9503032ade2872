"""YAML set-ups: ``pydpdk run setup.yaml`` (and ``--check`` to validate without running).

    setup = pydpdk.config.load("ring_ports.yaml")     # ConfigError names the key and the line
    pydpdk.config.run(setup)                           # what `pydpdk run` does

A set-up names the EAL options, the devices (vdevs, PCI devices, ports made from rings), each
port's queues/descriptors/RSS/offloads/MTU, the forwarding mode with ``pydpdk fwd``'s options,
and how long to run. It runs through the same Session as ``pydpdk fwd`` (testpmd-style final
statistics, or ``--json``). The schema is documented in docs/config.md; examples ship in
``pydpdk/examples/*.yaml`` (``pydpdk run --list-examples``).
"""
from __future__ import annotations

import argparse
import glob
import os
import sys
from typing import Sequence

from .model import SCHEMA, Setup, load, loads
from .schema import ConfigError

__all__ = ["ConfigError", "Setup", "SCHEMA", "load", "loads", "run", "cli_run", "examples"]

EXAMPLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def examples() -> list[str]:
    """Paths of the example set-ups shipped with pydpdk."""
    return sorted(glob.glob(os.path.join(EXAMPLES_DIR, "*.yaml")))


def run(setup: Setup, *, json: bool = False, duration: float | None = None, packets: int | None = None,
        progress: bool | None = None) -> int:
    """Run a loaded set-up in this process (its EAL becomes this process's EAL); returns the
    exit status. Overrides: json output, duration, packets, progress display."""
    from ..cli.fwd import execute
    opts = setup.opts
    opts.json = json
    if duration is not None:
        opts.duration = duration
    if packets is not None:
        opts.packets = packets
    opts.progress = progress
    return execute(setup.eal, opts, prog="pydpdk run", explain=setup.explain)


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="pydpdk run", description="Run (or --check) a YAML set-up.")
    ap.add_argument("setup", nargs="*", help="set-up file(s); --check takes several")
    ap.add_argument("--check", action="store_true", help="validate only (offline: input files, "
                    "interfaces and plugins are not required to exist)")
    ap.add_argument("--json", action="store_true", help="final statistics as one JSON object on stdout")
    ap.add_argument("--duration", type=float, default=None, help="override the set-up's duration (s)")
    ap.add_argument("--packets", type=int, default=None, help="stop after N received packets")
    ap.add_argument("--progress", dest="progress", action="store_true", default=None)
    ap.add_argument("--no-progress", dest="progress", action="store_false")
    ap.add_argument("--list-examples", action="store_true", help="print the example set-ups' paths")
    return ap


def cli_run(argv: Sequence[str]) -> int:
    """``pydpdk run [--check] [--json] [--duration S] SETUP.yaml``."""
    args = _parser().parse_args(list(argv))
    if args.list_examples:
        print("\n".join(examples()))
        return 0
    if not args.setup:
        _parser().print_usage(sys.stderr)
        print("pydpdk run: give a set-up file (pydpdk run --list-examples lists the examples)", file=sys.stderr)
        return 2
    if args.check:
        status = 0
        for path in args.setup:
            try:
                print(load(path, check_env=False).summary())
            except (ConfigError, OSError) as exc:
                print(f"pydpdk run --check: {exc}", file=sys.stderr)
                status = 1
        return status
    if len(args.setup) != 1:
        print("pydpdk run: one set-up at a time (an EAL per process); --check takes several", file=sys.stderr)
        return 2
    try:
        setup = load(args.setup[0])
    except (ConfigError, OSError) as exc:
        print(f"pydpdk run: {exc}", file=sys.stderr)
        return 1
    return run(setup, json=args.json, duration=args.duration, packets=args.packets, progress=args.progress)
