"""``pydpdk procinfo``: a secondary process that prints a running primary's ports and statistics,
like dpdk-proc-info.

    pydpdk procinfo --file-prefix pg0                  # ports and their statistics
    pydpdk procinfo --file-prefix pg0 --xstats --json
    pydpdk procinfo --file-prefix pg0 --interval 1 --count 5
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from typing import Sequence


def parser() -> argparse.ArgumentParser:
    """``pydpdk procinfo``'s options (the primary's --file-prefix, --json...)."""
    ap = argparse.ArgumentParser(prog="pydpdk procinfo",
                                 description="Attach to a running DPDK primary as a secondary process "
                                             "and print its ports' statistics.")
    ap.add_argument("--file-prefix", default="rte", help="the primary's --file-prefix (rte)")
    ap.add_argument("-l", "--lcores", default="0", help="this process's lcore(s) (0)")
    ap.add_argument("--no-pci", action="store_true", help="skip the PCI scan (the primary has vdevs only)")
    ap.add_argument("-p", "--port", type=int, action="append", help="only this port (repeatable)")
    ap.add_argument("--stats", action="store_true", help="basic statistics (the default)")
    ap.add_argument("--xstats", action="store_true", help="extended statistics too")
    ap.add_argument("--json", action="store_true", help="one JSON object per snapshot on stdout")
    ap.add_argument("--interval", type=float, default=0, help="print every N seconds")
    ap.add_argument("--count", type=int, default=1, help="snapshots to print (with --interval)")
    return ap


def main(argv: Sequence[str]) -> int:
    """``pydpdk procinfo``: attach as a secondary and print the primary's port statistics;
    returns the exit status."""
    opts = parser().parse_args(list(argv))
    import pydpdk
    from .. import multiprocess
    if opts.json:
        from .._native import lib
        lib.pydpdk_log_to_stderr()
    from .portstats import Throughput, port_stats_text
    since = Throughput()
    try:
        multiprocess.attach(opts.file_prefix, lcores=opts.lcores, no_pci=opts.no_pci, telemetry=False)
        for i in range(max(opts.count, 1)):
            if i:
                time.sleep(opts.interval)
            snaps = multiprocess.snapshot(opts.port, xstats=opts.xstats)
            if opts.json:
                print(json.dumps({"file_prefix": opts.file_prefix, "time": time.time(),
                                  "ports": [asdict(s) for s in snaps]}), flush=True)
            else:
                print(port_stats_text(snaps, since=since, details=True) if snaps else "the primary has no ports",
                      flush=True)
            if not opts.interval:
                break
        return 0
    except pydpdk.PydpdkError as exc:
        print(f"pydpdk procinfo: {exc}", file=sys.stderr)
        return 1
    finally:
        pydpdk.cleanup()
