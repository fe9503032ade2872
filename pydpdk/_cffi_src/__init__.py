"""cffi declarations for pydpdk's compiled module, one module per DPDK header family.

Order matters: a family may use types declared by an earlier one. See README.md.
"""

MODULES = (
    "errno",
    "eal",
    "log",
    "mempool",
    "mbuf",
    "ring",
    "ethdev",
    "dev",
    "net_ring",
    "burst",
    "flow",
    "capture",
    "intr",
    "facts",
    "window",
    "fwd",
    "gen",
    "telemetry",
    "build_info",
    "pcap",
)
