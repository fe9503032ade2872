"""testpmd's everyday interactive commands over a built Session (a cli.fwd.Console).

Output follows dpdk-testpmd 22.11 where testpmd has the command (``show port info``, ``show
port stats``, ``port stop|start|close``, ``set burst``, ``show config fwd`` ...); ``help CMD``
describes each command.
"""
from __future__ import annotations

import cmd
import re
import sys
from typing import IO

from ..errors import PydpdkError
from ..ethdev import DevInfo, Port
from ..forward import MODE_HELP

_MAC = re.compile(r"([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}")


def _rss_flags(info: DevInfo) -> str:
    return " ".join(info.rss_hash_capa) if info.rss_hash_capa else ""


def modes_help(heading: str = "forwarding modes (set fwd MODE):", indent: str = "  ") -> str:
    """The forwarding modes, one per line with its description (pydpdk.forward.MODE_HELP)."""
    width = max(len(m) for m in MODE_HELP)
    return heading + "\n" + "\n".join(
        f"{indent}{m:<{width}}  {text}" for m, text in MODE_HELP.items())


class Shell(cmd.Cmd):
    """``testpmd>``: start/stop forwarding, show and clear statistics, stop, reconfigure and
    start ports, change the engine's mode, burst, txpkts and peers, print received packets
    (``set verbose``)."""

    prompt = "testpmd> "

    def __init__(self, console, stdin: IO[str] | None = None, stdout: IO[str] | None = None):  # cli.fwd.Console
        super().__init__(stdin=stdin, stdout=stdout)
        self.s = console
        self.use_rawinput = sys.stdin.isatty() if stdin is None else False
        if not self.use_rawinput:
            self.prompt = ""

    # -- plumbing ----------------------------------------------------------------------------
    def emptyline(self) -> bool:
        return False

    def default(self, line: str) -> None:
        self.s.print(f"Bad arguments: {line!r} (try: help)")

    def onecmd(self, line: str) -> bool:
        try:
            return super().onecmd(line)
        except PydpdkError as exc:          # a refusal is printed; the shell goes on
            self.s.print(str(exc))
            return False

    def _ports(self, which: str) -> list[Port] | None:
        """The console's ports named by 'all' or an id; None (after saying so) if none match."""
        if which == "all":
            return list(self.s.ports)
        ports = [p for p in self.s.ports if str(p.id) == which]
        if not ports:
            self.s.print(f"Invalid port {which}")
            return None
        return ports

    def _stopped_forwarding(self) -> bool:
        if self.s.run.engine is not None and self.s.fwd.running:
            self.s.print("Please stop forwarding first")
            return False
        return True

    # -- forwarding --------------------------------------------------------------------------
    def do_start(self, arg: str) -> None:
        """start | start tx_first [N]: start forwarding (first sending N bursts on each stream)"""
        parts = arg.split()
        if parts and (parts[0] != "tx_first" or len(parts) > 2 or (len(parts) == 2 and not parts[1].isdigit())):
            self.default("start " + arg)
            return
        n = int(parts[1]) if len(parts) > 1 else (1 if parts else 0)
        if not self.s.ready():
            return
        self.s.start(n)

    def do_stop(self, arg: str) -> None:
        """stop: stop forwarding and print the forward statistics"""
        self.s.stop()

    # -- show / clear ------------------------------------------------------------------------
    def do_show(self, arg: str) -> None:
        """show port stats|info|xstats all|N | show fwd stats all | show config fwd"""
        parts = arg.split()
        if parts == ["config", "fwd"]:
            if self.s.ready():
                self.s.config_fwd()
                self.s.print(f"  verbose level={self.s.verbose.level} (set verbose N: 1 prints received "
                             "packets, 2 sent ones, 3 both, 0 none)")
            return
        if parts == ["fwd", "stats", "all"]:
            if self.s.run.engine is not None:
                self.s.print(self.s.since_clear(self.s.fwd.stats()).testpmd_text())
            return
        if len(parts) != 3 or parts[0] != "port" or parts[1] not in ("stats", "info", "xstats"):
            self.default("show " + arg)
            return
        ports = self._ports(parts[2])
        if ports is None:
            return
        what = parts[1]
        if what == "stats":
            self.s.print(self.s.port_stats_text(ports))
        for p in ports:
            if what == "info":
                self.s.print(self.port_info_text(p))
            elif what == "xstats":
                self.s.print(f"###### NIC extended statistics for port {p.id}")
                for k, v in p.xstats().items():
                    self.s.print(f"{k}: {v}")

    def port_info_text(self, p: Port) -> str:
        """testpmd's ``show port info N`` block."""
        info, link = p.info(), p.link()
        out = [f"\n********************* Infos for port {p.id}  *********************",
               f"MAC address: {p.mac}", f"Device name: {p.name}", f"Driver name: {info.driver}",
               f"Devargs: {p.devargs or ''}", f"Connect to socket: {p.socket}",
               f"memory allocation on the socket: {p.socket}"]
        out.append(f"Link status: {'up' if link.up else 'down'}")
        speed = link.speed_mbps
        out.append("Link speed: " + ("None" if not speed else f"{speed // 1000} Gbps" if speed >= 1000
                                     and speed % 1000 == 0 else f"{speed} Mbps"))
        out.append(f"Link duplex: {'full-duplex' if link.full_duplex else 'half-duplex'}")
        out.append(f"Autoneg status: {'On' if link.autoneg else 'Off'}")
        try:
            out.append(f"MTU: {p.mtu}")
        except PydpdkError:
            pass
        out.append(f"Promiscuous mode: {'enabled' if p.promiscuous else 'disabled'}")
        out.append(f"Allmulticast mode: {'enabled' if p.allmulticast else 'disabled'}")
        out.append(f"Maximum number of MAC addresses: {info.max_mac_addrs}")
        if info.rss_hash_capa:
            out.append("Supported RSS offload flow types:")
            out += [f"  {f}" for f in info.rss_hash_capa]
        else:
            out.append("No RSS offload flow type is supported.")
        out.append(f"Minimum size of RX buffer: {info.min_rx_bufsize}")
        out.append(f"Maximum configurable length of RX packet: {info.max_rx_pktlen}")
        rx, tx = info.rx_desc_lim, info.tx_desc_lim
        out += [f"Current number of RX queues: {p.nb_rx_queues}", f"Max possible RX queues: {info.max_rx_queues}",
                f"Max possible number of RXDs per queue: {rx.nb_max}",
                f"Min possible number of RXDs per queue: {rx.nb_min}", f"RXDs number alignment: {rx.nb_align}",
                f"Current number of TX queues: {p.nb_tx_queues}", f"Max possible TX queues: {info.max_tx_queues}",
                f"Max possible number of TXDs per queue: {tx.nb_max}",
                f"Min possible number of TXDs per queue: {tx.nb_min}", f"TXDs number alignment: {tx.nb_align}",
                f"Max segment number per packet: {tx.nb_seg_max}",
                f"Max segment number per MTU/TSO: {tx.nb_mtu_seg_max}"]
        return "\n".join(out)

    def do_clear(self, arg: str) -> None:
        """clear port stats all|N | clear fwd stats all"""
        parts = arg.split()
        if parts == ["fwd", "stats", "all"]:
            if self.s.run.engine is not None:
                self.s.clear_fwd_stats()
            return
        if len(parts) != 3 or parts[:2] != ["port", "stats"]:
            self.default("clear " + arg)
            return
        for p in self._ports(parts[2]) or []:
            p.reset_stats()
            self.s.print(f"\n  NIC statistics for port {p.id} cleared")

    # -- ports -------------------------------------------------------------------------------
    def do_port(self, arg: str) -> None:
        """port start|stop|close all|N | port config all rxq|txq|rxd|txd N"""
        parts = arg.split()
        if len(parts) == 2 and parts[0] in ("start", "stop", "close"):
            ports = self._ports(parts[1])
            if ports is None or not self._stopped_forwarding():
                return
            getattr(self.s, f"port_{parts[0]}")(ports)
        elif len(parts) == 4 and parts[0] == "config" and parts[1] == "all" \
                and parts[2] in ("rxq", "txq", "rxd", "txd") and parts[3].isdigit():
            if any(p.started for p in self.s.ports):
                self.s.print("Please stop all ports first")
                return
            self.s.port_config(parts[2], int(parts[3]))
        else:
            self.default("port " + arg)

    # -- set ---------------------------------------------------------------------------------
    def do_set(self, arg: str) -> None:
        """set fwd MODE | set burst N | set txpkts X[,Y]* | set eth-peer N XX:XX:XX:XX:XX:XX |
        set flush_rx on|off | set verbose [N] (1: print received packets, 2: sent, 3: both, 0: off;
        no N: show the level)"""
        parts = arg.split()
        if parts == ["verbose"]:
            self.s.print(f"Verbose level: {self.s.verbose.level}")
        elif len(parts) == 2 and parts[0] == "verbose" and parts[1].isdigit():
            self.s.set_verbose(int(parts[1]))
        elif len(parts) == 2 and parts[0] == "fwd":
            if not self._stopped_forwarding():
                return
            self.s.set_engine(mode=parts[1])
            self.s.print(f"Set {parts[1]} packet forwarding mode")
        elif len(parts) == 2 and parts[0] == "flush_rx" and parts[1] in ("on", "off"):
            self.s.flush_rx = parts[1] == "on"
        elif len(parts) == 2 and parts[0] == "burst" and parts[1].isdigit():
            if self._stopped_forwarding():
                self.s.set_engine(burst=int(parts[1]))
                self.s.print(f"Number of packets per burst set to {parts[1]}")
        elif len(parts) == 2 and parts[0] == "txpkts" and re.fullmatch(r"\d+(,\d+)*", parts[1]):
            if self._stopped_forwarding():
                self.s.set_engine(txpkts=[int(x) for x in parts[1].split(",")])
        elif len(parts) == 3 and parts[0] == "eth-peer" and parts[1].isdigit() and _MAC.fullmatch(parts[2]):
            if self._stopped_forwarding():
                peers = dict(self.s.engine_settings.eth_peers)
                peers[int(parts[1])] = parts[2]
                self.s.set_engine(eth_peers=peers)
        else:
            self.default("set " + arg)

    def help_set(self) -> None:
        """``help set``: the set commands, then each forwarding mode with its description."""
        self.s.print(" ".join((self.do_set.__doc__ or "").split()))
        self.s.print(modes_help())

    # -- leaving -----------------------------------------------------------------------------
    def do_quit(self, arg: str) -> bool:
        """quit: stop forwarding (printing its statistics) and leave"""
        if self.s.run.engine is not None and self.s.fwd.running:
            self.s.stop()
        self.s.print("\nBye...")
        return True

    do_exit = do_quit

    def do_EOF(self, arg: str) -> bool:
        """end of input: as quit"""
        return self.do_quit(arg)
