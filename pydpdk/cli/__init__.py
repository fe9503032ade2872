"""The ``pydpdk`` command: ``fwd`` (testpmd-style forwarding), ``ports``, ``version``,
``run`` (YAML set-ups) and ``host`` (hugepages, device binding, SR-IOV)."""
from __future__ import annotations

import sys
from typing import Sequence

USAGE = """usage: pydpdk COMMAND [ARGS]

commands:
  fwd [EAL options] [-- app options]   forward packets like dpdk-testpmd (default: two ring ports)
  gen [EAL options] [-- options]       generate traffic, measure loss and latency (default: a ring port)
  ports [EAL options]                  list ports with their drivers and link state
  version [-v]                         pydpdk's, DPDK's and Python's versions (-v: DPDK features)
  run SETUP.yaml                       run a YAML set-up (EAL, ports, forwarding, duration)
  host SUBCOMMAND ...                  hugepages, devices, bind/unbind, sriov, iommu
  telemetry [-f PREFIX] CMD...         query a DPDK process's telemetry socket (/ethdev/stats,0)
  procinfo --file-prefix P [--xstats]  a running primary's port statistics, as a secondary process

`pydpdk fwd -- --help` lists the forwarding options.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``pydpdk`` command; returns its exit status. A reader that goes away early
    (``pydpdk host hugepages | head``) ends the command quietly, as a C tool killed by SIGPIPE."""
    try:
        status = _main(argv)
        sys.stdout.flush()       # a closed pipe shows up here for output still buffered
        return status
    except BrokenPipeError:
        from ..host.cli import broken_pipe
        return broken_pipe()


def _main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if args else 2
    cmd, rest = args[0], args[1:]
    if cmd == "fwd":
        from .fwd import main as fwd_main
        return fwd_main(rest)
    if cmd == "gen":
        return __import__("pydpdk.cli.gen", fromlist=["main"]).main(rest)
    if cmd == "ports":
        from .fwd import ports_main
        return ports_main(rest)
    if cmd == "version":
        import pydpdk
        print(f"pydpdk {pydpdk.__version__}")
        print(f"DPDK {pydpdk.dpdk_version} (built against {pydpdk._native.BUILT_AGAINST_DPDK}; "
              f"plugins from {pydpdk._native.PMD_DIR})")
        import platform
        from ..dpdk_features import FEATURES
        print(f"Python {platform.python_version()} (module built with {pydpdk._native.BUILT_WITH_PYTHON})")
        if "-v" in rest or "--features" in rest:     # the release differences this build lives with
            for k, v in FEATURES.as_dict().items():
                print(f"  {k}: {v}")
        return 0
    if cmd == "run":
        from .run import main as run_main
        return run_main(rest)
    if cmd == "host":
        from ..host.cli import main as host_main
        return host_main(rest)
    if cmd == "telemetry":
        from .telemetry import main as telemetry_main
        return telemetry_main(rest)
    if cmd == "procinfo":
        from .procinfo import main as procinfo_main
        return procinfo_main(rest)
    print(f"pydpdk: unknown command {cmd!r}\n\n{USAGE}", file=sys.stderr)
    return 2
