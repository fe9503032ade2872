"""testpmd's everyday interactive commands over a built Session (a cli.fwd.Console)."""
from __future__ import annotations

import cmd


class Shell(cmd.Cmd):
    prompt = "testpmd> "

    def __init__(self, session, stdin=None, stdout=None):
        super().__init__(stdin=stdin, stdout=stdout)
        self.s = session
        import sys
        self.use_rawinput = sys.stdin.isatty()
        if not self.use_rawinput:
            self.prompt = ""

    def emptyline(self) -> bool:
        return False

    def default(self, line: str) -> bool:
        self.s.print(f"Bad arguments: {line!r} (try: help)")
        return False

    def do_start(self, arg: str) -> None:
        """start | start tx_first [N]"""
        parts = arg.split()
        if parts and parts[0] != "tx_first":
            return self.default("start " + arg)
        n = int(parts[1]) if len(parts) > 1 else (1 if parts else 0)
        self.s.start(n)

    def do_stop(self, arg: str) -> None:
        """stop forwarding and print the forward statistics"""
        self.s.stop()

    def do_show(self, arg: str) -> None:
        """show port stats|info|xstats all|N"""
        parts = arg.split()
        if len(parts) != 3 or parts[0] != "port" or parts[1] not in ("stats", "info", "xstats"):
            return self.default("show " + arg)
        ports = self.s.ports if parts[2] == "all" else [p for p in self.s.ports if str(p.id) == parts[2]]
        what = parts[1]
        if what == "stats":
            self.s.print(self.s.port_stats_text(ports))
        for p in ports:
            if what == "info":
                info = p.info()
                self.s.print(f"\n********************* Infos for port {p.id}  *********************")
                self.s.print(f"MAC address: {p.mac}\nDevice name: {p.name}\nDriver name: {info.driver}")
                self.s.print(f"Devargs: {p.devargs}\nConnect to socket: {p.socket}")
                self.s.print(f"{p.link()}\nPromiscuous mode: {'enabled' if p.promiscuous else 'disabled'}")
                self.s.print(f"Max RX queues: {info.max_rx_queues}\nMax TX queues: {info.max_tx_queues}")
                self.s.print(f"Current number of RX queues: {p.nb_rx_queues}\n"
                             f"Current number of TX queues: {p.nb_tx_queues}")
                self.s.print(f"RX desc limits: {info.rx_desc_lim}\nTX desc limits: {info.tx_desc_lim}")
            elif what == "xstats":
                self.s.print(f"###### NIC extended statistics for port {p.id}")
                for k, v in p.xstats().items():
                    self.s.print(f"{k}: {v}")

    def do_clear(self, arg: str) -> None:
        """clear port stats all|N"""
        parts = arg.split()
        if len(parts) != 3 or parts[:2] != ["port", "stats"]:
            return self.default("clear " + arg)
        for p in self.s.ports:
            if parts[2] in ("all", str(p.id)):
                p.reset_stats()
                self.s.print(f"\n  NIC statistics for port {p.id} cleared")

    def do_set(self, arg: str) -> None:
        """set fwd MODE | set flush_rx on|off"""
        parts = arg.split()
        if len(parts) == 2 and parts[0] == "fwd":
            if self.s.fwd.running:
                self.s.print("Please stop forwarding first")
                return
            try:
                self.s.fwd.mode = parts[1]
            except ValueError as exc:
                self.s.print(str(exc))
                return
            self.s.print(f"Set {parts[1]} packet forwarding mode")
        elif len(parts) == 2 and parts[0] == "flush_rx" and parts[1] in ("on", "off"):
            self.s.flush_rx = parts[1] == "on"
        else:
            self.default("set " + arg)

    def do_quit(self, arg: str) -> bool:
        """quit (stops forwarding first)"""
        if self.s.fwd.running:
            self.s.stop()
        self.s.print("\nBye...")
        return True

    do_exit = do_quit

    def do_EOF(self, arg: str) -> bool:
        return self.do_quit(arg)
