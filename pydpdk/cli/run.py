"""``pydpdk run SETUP.yaml``: run (or ``--check``) a YAML set-up through pydpdk fwd's runner."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from ..config import ConfigError, Setup, examples, load


def parser() -> argparse.ArgumentParser:
    """``pydpdk run``'s options."""
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


def main(argv: Sequence[str]) -> int:
    """``pydpdk run [--check] [--json] [--duration S] SETUP.yaml``."""
    args = parser().parse_args(list(argv))
    if args.list_examples:
        print("\n".join(examples()))
        return 0
    if not args.setup:
        parser().print_usage(sys.stderr)
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
    if setup.generator is not None:
        return generate(setup, args)
    from .fwd import execute
    opts = argparse.Namespace(interactive=False, auto_start=False, json=args.json, progress=args.progress,
                              duration=setup.duration if args.duration is None else args.duration,
                              packets=setup.packets if args.packets is None else args.packets,
                              stats_period=setup.stats_period)
    return execute(setup.session, opts, prog="pydpdk run", explain=setup.explain)


def generate(setup: Setup, args: argparse.Namespace) -> int:
    """A set-up with a generator: section: its EAL and ports from the Session, then the streams
    sent from tx_port and measured on rx_ports, for the set-up's duration (or until the finite
    streams are done, or Ctrl-C); the results as text or one JSON object."""
    import pydpdk
    from ..errors import PydpdkError
    from ..gen import Generator
    from .gen import _run as run_generator
    g = setup.generator
    out = sys.stderr if args.json else sys.stdout
    if args.json:
        from .._native import lib
        lib.pydpdk_log_to_stderr()
    try:
        try:
            run = setup.session.build()
        except PydpdkError as exc:
            print(f"pydpdk run: {setup.explain(exc)}", file=sys.stderr)
            return 1
        try:
            byid = {p.id: p for p in run.ports}
            for pid in [g.tx_port, *(g.rx_ports or [])]:
                if pid not in byid:
                    line = setup.line_of("generator")
                    print(f"pydpdk run: {setup.file}:{line}: generator: port {pid} is not one of the set-up's "
                          f"ports {sorted(byid)}", file=sys.stderr)
                    return 1
            rx = [byid[i] for i in g.rx_ports] if g.rx_ports is not None else True
            with Generator(g.streams, port=byid[g.tx_port], rx=rx, pool=run.pool, tx_burst=g.tx_burst,
                           rx_burst=g.rx_burst, clock=g.clock, rx_stage=g.rx_stage) as gen:
                opts = argparse.Namespace(duration=setup.duration if args.duration is None else args.duration,
                                          stats_period=setup.stats_period)
                final = run_generator(gen, opts, out)
            print(final.to_json() if args.json else final.text(), file=sys.stdout if args.json else out, flush=True)
            return 0
        finally:
            run.close()
    except PydpdkError as exc:
        print(f"pydpdk run: {setup.explain(exc)}", file=sys.stderr)
        return 1
    finally:
        pydpdk.cleanup()
