/* The forwarding modes, declared once. Every other list of modes is derived from this table: the
 * PYDPDK_FWD_<ID> constants and PYDPDK_FWD_NB_MODES (fwd.h), the engines' dispatch tables and
 * name table (fwd.c, pydpdk_fwd_mode_name()), telemetry's names, pydpdk.forward.MODES and through
 * it the CLI's --forward-mode choices, the YAML schema and the docs table (tested).
 *
 *     PYDPDK_FWD_MODE(ID, cname, "name", receives, sends, generates, "description")
 *
 * ID: the constant's suffix (PYDPDK_FWD_ID); cname: the C name of the engine (fwd_<file>.c ends
 * with PYDPDK_FWD_ENGINE(cname, do_burst)); "name": the mode's name in Python, the CLI, YAML and
 * telemetry; receives/sends: the streams poll an rx queue / use a tx queue; generates: the
 * streams build packets from the tx template (needs a tx pool). Adding an engine: one C file
 * (c/fwd_<x>.c), one line here, its tests. Append new modes: the values are an ABI.
 *
 * Deliberately no include guard: define PYDPDK_FWD_MODE, include, undefine. */
PYDPDK_FWD_MODE(IO,       io,       "io",       1, 1, 0, "forward packets as received")
PYDPDK_FWD_MODE(MAC,      mac,      "mac",      1, 1, 0, "forward, setting dst MAC to the peer's (--eth-peer) and src MAC to the TX port's")
PYDPDK_FWD_MODE(MACSWAP,  macswap,  "macswap",  1, 1, 0, "forward, swapping dst and src MAC")
PYDPDK_FWD_MODE(RXONLY,   rxonly,   "rxonly",   1, 0, 0, "receive and free")
PYDPDK_FWD_MODE(TXONLY,   txonly,   "txonly",   0, 1, 1, "send copies of the TX template; no RX")
PYDPDK_FWD_MODE(FLOWGEN,  flowgen,  "flowgen",  1, 1, 1, "receive and free; send the TX template over nb_flows UDP flows")
PYDPDK_FWD_MODE(ICMPECHO, icmpecho, "icmpecho", 1, 1, 0, "answer ARP requests and ICMP echo requests, drop the rest")
PYDPDK_FWD_MODE(FIVETSWAP, fivetswap, "5tswap",   1, 1, 0, "forward, swapping MACs, IPv4/IPv6 addresses and UDP/TCP ports (checksums stay valid)")
PYDPDK_FWD_MODE(CSUM,     csum,     "csum",     1, 1, 0, "forward like mac, verifying IPv4/UDP/TCP checksums in software: bad ones counted and rewritten")
PYDPDK_FWD_MODE(STAGE,    stage,    "stage",    1, 1, 0, "run a compiled stage (cfg.stage_fn, pydpdk.stage) on every packet: its verdict picks the output port or drops")
