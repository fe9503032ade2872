"""``pydpdk telemetry``: query any DPDK process's telemetry socket, like dpdk-telemetry.py.

    pydpdk telemetry --file-prefix pg0 /ethdev/stats,0
    pydpdk telemetry --file-prefix pg0 /ethdev/list /pydpdk/fwd/stats
    pydpdk telemetry --list                        # file prefixes with a telemetry socket
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence


def main(argv: Sequence[str]) -> int:
    """``pydpdk telemetry CMD...``: send telemetry commands to a running DPDK process and print
    the JSON answers; returns the exit status."""
    ap = argparse.ArgumentParser(prog="pydpdk telemetry",
                                 description="Send telemetry commands to a running DPDK process "
                                             "and print the JSON answers (one per line).")
    ap.add_argument("-f", "--file-prefix", default="rte", help="the process's --file-prefix (rte)")
    ap.add_argument("-i", "--instance", type=int, default=0, help="N-th process sharing the prefix")
    ap.add_argument("--path", default=None, help="the socket's path instead of a file prefix")
    ap.add_argument("--list", action="store_true", help="list file prefixes with a telemetry socket")
    ap.add_argument("--pretty", action="store_true", help="indent the JSON")
    ap.add_argument("commands", nargs="*", metavar="CMD", help="e.g. /ethdev/stats,0 (default: /)")
    opts = ap.parse_args(list(argv))
    from .. import telemetry
    from ..errors import PydpdkError
    if opts.list:
        for prefix in telemetry.file_prefixes():
            print(prefix)
        return 0
    try:
        kw = {"path": opts.path} if opts.path else {"file_prefix": opts.file_prefix}
        with telemetry.Client(instance=opts.instance, **kw) as client:
            for cmd in opts.commands or ["/"]:
                print(json.dumps(client.raw(cmd), indent=2 if opts.pretty else None), flush=True)
        return 0
    except PydpdkError as exc:
        print(f"pydpdk telemetry: {exc}", file=sys.stderr)
        return 1
