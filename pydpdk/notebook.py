"""Jupyter support: HTML views of the EAL, ports, mempools, statistics and forwarders, a live
throughput view and rate plots. No dependency beyond IPython (present in any kernel);
matplotlib is used for :func:`plot_rates` when installed, an inline SVG otherwise.

The core objects carry no HTML: this module registers its views with IPython's display
formatters (:func:`register`, done on import when IPython is running, and by ``import pydpdk``
in a kernel). :func:`html` renders any of them by hand.

    eal                     # a cell ending in an object shows its HTML view
    live_rates(fwd, seconds=5)             # a table + sparkline updated in place every interval
    live_rates(gen, seconds=5)             # a Generator: per-stream TX/RX rates, loss, p99 too
    plot_rates(sampler)                    # matplotlib figure, or an SVG without matplotlib
                                           # (per-stream series when it sampled a Generator)
"""
from __future__ import annotations

import html as _html
import sys
import time
from typing import Any, Callable, Iterable, Sequence

from .ethdev import facts as ethdev_facts
from .eal import Eal
from .engines import Engine
from .ethdev import Port, PortStats, ports
from .forward import Forwarder, ForwardStats
from .gen import Generator, GenResult
from .mempool import Mempool
from .stats import Sampler
from .units import format_rate, si

__all__ = ["html", "register", "VIEWS", "eal_html", "port_html", "facts_html", "mempool_html",
           "port_stats_html", "xstats_html", "forward_stats_html", "forwarder_html", "sampler_html",
           "gen_result_html", "generator_html", "sparkline_svg", "rates_svg", "plot_rates", "live_rates",
           "HTML", "have_matplotlib"]

_STYLE = ("<style>.pydpdk table{border-collapse:collapse;font-size:12px;margin:2px 0}"
          ".pydpdk td,.pydpdk th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
          ".pydpdk th{background:#f3f3f3}.pydpdk td.l,.pydpdk th.l{text-align:left}"
          ".pydpdk .up{color:#080}.pydpdk .down{color:#b00}</style>")


class HTML:
    """HTML text that Jupyter renders (``_repr_html_``) and a terminal prints as text."""

    def __init__(self, html_text: str, text: str = ""):
        self.html, self.text = html_text, text or "(HTML output: display in Jupyter)"

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def _e(x: Any) -> str:
    return _html.escape(str(x))


def _num(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:,.1f}"
    if isinstance(x, int) and not isinstance(x, bool):
        return f"{x:,}"
    return _e(x)


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], left: int = 1) -> str:
    """A table; the first ``left`` columns are left-aligned text, the rest numbers."""
    th = "".join(f"<th class='l'>{_e(h)}</th>" if i < left else f"<th>{_e(h)}</th>"
                 for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f"<td class='l'>{_e(v)}</td>" if i < left else f"<td>{_num(v)}</td>"
                                    for i, v in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><tr>{th}</tr>{body}</table>"


def _kv(pairs: Iterable[tuple[str, Any]]) -> str:
    return _table(["", ""], pairs, left=2).replace("<tr><th class='l'></th><th class='l'></th></tr>", "")


def _box(title: str, *parts: str) -> str:
    return f"<div class='pydpdk'>{_STYLE}<b>{_e(title)}</b>{''.join(parts)}</div>"


def _details(summary: str, inner: str) -> str:
    return f"<details><summary>{_e(summary)}</summary>{inner}</details>"


def _link_html(link: Any) -> str:
    cls = "up" if link.up else "down"
    return f"<span class='{cls}'>{_e(link)}</span>"


# -- objects ---------------------------------------------------------------------------------
def eal_html(eal: Eal) -> str:
    """The EAL: arguments, memory, lcores and ports."""
    if not eal.alive:
        return _box("EAL (cleaned up)", f"<p>{_e(' '.join(eal.config.argv()))}</p>")
    info = [("DPDK", eal.version), ("arguments", " ".join(eal.config.argv())),
            ("process", eal.process_type), ("IOVA mode", eal.iova_mode),
            ("hugepages", "yes" if eal.has_hugepages else "no (--no-huge)"),
            ("file prefix", eal.file_prefix or "(in memory)"), ("runtime dir", eal.runtime_dir),
            ("TSC", f"{eal.tsc_hz / 1e9:.3f} GHz")]
    lcores = _table(["lcore", "socket", "cpu", "role"],
                    [(lc.id, lc.socket, lc.cpu, "main" if lc.is_main else lc.state) for lc in eal.lcores()], 1)
    plist = ports()
    prow = _table(["port", "name", "driver", "mac", "link"],
                  [(p.id, p.name, p.driver, p.mac, str(p.link())) for p in plist], 5) if plist else "<p>no ports</p>"
    return _box("EAL", _kv(info), "<b>lcores</b>", lcores, f"<b>ports ({len(plist)})</b>", prow)


def port_html(port: Port) -> str:
    """A port: identity, link, configuration, stats, per-queue stats and xstats."""
    if port.closed:
        return _box(f"Port {port.id} ({port.name})", f"<p>{_e(port.closed_reason)}</p>")
    info = port.info()
    head = [("driver", info.driver), ("device", port.device_name), ("bus", port.bus or "-"),
            ("MAC", port.mac), ("socket", port.socket), ("started", port.started),
            ("promiscuous", port.promiscuous),
            ("queues (rx/tx)", f"{port.nb_rx_queues}/{port.nb_tx_queues} "
                               f"(max {info.max_rx_queues}/{info.max_tx_queues})"),
            ("MTU", f"{port.mtu} ({info.min_mtu}-{info.max_mtu})"),
            ("RSS", ", ".join(info.rss_hash_capa) or "no"),
            ("RX offloads", ", ".join(info.rx_offload_capa) or "none"),
            ("TX offloads", ", ".join(info.tx_offload_capa) or "none")]
    link = f"<p>{_link_html(port.link())}</p>"
    return _box(f"Port {port.id} ({port.name})", link, _kv(head), port_stats_html(port.stats()),
                _details("xstats", xstats_html(port.xstats())),
                _details("device facts", facts_html(port)))


def _fact(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def facts_html(port: Port) -> str:
    """pydpdk.ethdev.facts.summary(port) as a table: firmware, module, registers, EEPROM, flow
    control, packet types, FEC, clock (or "not supported by <pmd>" for each the PMD lacks)."""
    return _kv((name, _fact(value)) for name, value in ethdev_facts.summary(port).items())


def port_stats_html(stats: PortStats) -> str:
    """A PortStats: totals, then one row per queue."""
    tot = _table(["", "packets", "bytes", "errors", "missed", "no mbuf"],
                 [("RX", stats.ipackets, stats.ibytes, stats.ierrors, stats.imissed, stats.rx_nombuf),
                  ("TX", stats.opackets, stats.obytes, stats.oerrors, "", "")])
    q = _table(["queue", "rx packets", "rx bytes", "tx packets", "tx bytes", "errors"],
               [(i, stats.q_ipackets[i], stats.q_ibytes[i], stats.q_opackets[i], stats.q_obytes[i],
                 stats.q_errors[i]) for i in range(len(stats.q_ipackets))])
    return tot + _details("per queue", q)


def xstats_html(xstats: dict[str, int], nonzero: bool = False) -> str:
    """Extended statistics as a name/value table (``nonzero`` to hide zeros: when every counter
    is 0, a note saying so instead of an empty table)."""
    rows = [(k, v) for k, v in xstats.items() if v or not nonzero]
    if nonzero and not rows:
        n = len(xstats)
        return (f"<p><i>no non-zero extended statistics ({n} counter{'' if n == 1 else 's'}"
                f"{', all 0' if n else ''})</i></p>")
    return _table(["xstat", "value"], rows)


def mempool_html(pool: Mempool) -> str:
    """A mempool: size, use (with a bar), element layout."""
    if pool.closed:
        return _box(f"Mempool {pool.name!r}", "<p>closed</p>")
    used, size = pool.in_use, pool.size
    pct = 100.0 * used / size if size else 0.0
    bar = (f"<div style='width:200px;border:1px solid #999;height:10px'>"
           f"<div style='width:{pct:.1f}%;background:#48c;height:10px'></div></div>")
    rows = [("size", f"{size:,} mbufs"), ("in use", f"{used:,} ({pct:.1f}%)"),
            ("available", f"{pool.available:,}"), ("cache per lcore", pool.cache_size),
            ("data room", f"{pool.data_room} bytes"), ("private size", pool.priv_size),
            ("socket", pool.socket), ("ops", pool.ops)]
    return _box(f"Mempool {pool.name!r}", bar, _kv(rows))


def _rate(pps: float, bps: float, bytes_counted: bool) -> str:
    """pydpdk.units' rate: packets/s, and bit/s where someone counted the bytes."""
    return format_rate(pps, bps if bytes_counted else None)


def _sample_bytes_counted(s: Any) -> bool:
    return bool(s.rx_bytes or s.tx_bytes) or not (s.rx_packets or s.tx_packets)


def forward_stats_html(st: ForwardStats) -> str:
    """A ForwardStats: per port packets, drops and rates (packets/s and bit/s); totals; streams folded."""
    rows: list[tuple[Any, ...]] = [(p.port, p.name, p.rx_packets, p.rx_dropped, p.tx_packets, p.tx_dropped,
                                    _rate(p.rx_pps, p.rx_bps, p.bytes_counted),
                                    _rate(p.tx_pps, p.tx_bps, p.bytes_counted)) for p in st.ports]
    counted = any(p.bytes_counted for p in st.ports)
    rows.append(("all", "", st.rx_packets, sum(p.rx_dropped for p in st.ports), st.tx_packets,
                 sum(p.tx_dropped for p in st.ports), _rate(st.rx_pps, st.rx_bps, counted),
                 _rate(st.tx_pps, st.tx_bps, counted)))
    ports = _table(["port", "name", "RX-packets", "RX-dropped", "TX-packets", "TX-dropped", "RX rate",
                    "TX rate"], rows, 2)
    streams = _table(["lcore", "rx port/queue", "tx port/queue", "rx", "tx", "generated", "dropped"],
                     [(s.lcore, f"{s.rx_port}/{s.rx_queue}", f"{s.tx_port}/{s.tx_queue}", s.rx_packets,
                       s.tx_packets, s.gen_packets, s.fwd_dropped + s.other_dropped) for s in st.streams], 3)
    return _box(f"{st.forward_mode} forwarding, {st.elapsed_s:.2f} s", ports, _stage_html(st),
                _details("streams", streams))


def _stage_html(st: ForwardStats) -> str:
    """Stage mode: the verdict counters (forwarded, dropped, invalid), in all and per stream."""
    if st.forward_mode != "stage":
        return ""
    rows: list[tuple[Any, ...]] = [(s.lcore, f"{s.rx_port}/{s.rx_queue}", s.stage_forwarded, s.stage_dropped,
                                    s.stage_invalid) for s in st.streams]
    v = st.stage_verdicts
    rows.append(("all", "", v["forwarded"], v["dropped"], v["invalid"]))
    return _details("stage verdicts", _table(["lcore", "rx port/queue", "forwarded", "dropped", "invalid"],
                                             rows, 2))


def forwarder_html(fwd: Forwarder) -> str:
    """A Forwarder: mode, state, lcores and its live statistics (rates since the last read)."""
    if fwd.closed:
        return _box("Forwarder", "<p>closed</p>")
    state = "running" if fwd.running else "stopped"
    head = _kv([("mode", fwd.mode), ("state", state), ("burst", fwd.burst), ("lcores", fwd.lcores),
                ("streams", len(fwd.streams))])
    return _box(f"Forwarder ({state})", head, forward_stats_html(fwd.stats()))


def gen_result_html(r: GenResult) -> str:
    """A generator's GenResult: per stream packets, loss, order, rate and latency (us)."""
    us = lambda s, k: f"{getattr(s.latency, k) / 1e3:.2f}" if s.latency else "-"  # noqa: E731
    rows = [(s.id, s.name, s.state, s.tx_packets, s.rx_packets, s.lost, s.out_of_order, s.duplicated,
             s.tx_pps, us(s, "p50"), us(s, "p99"), us(s, "max")) for s in r.streams]
    tab = _table(["id", "name", "state", "tx", "rx", "lost", "out of order", "duplicated", "tx pps",
                  "p50 us", "p99 us", "max us"], rows, 3)
    kind = "final" if r.final else "live: in-flight packets count as lost"
    return _box(f"generator, {r.elapsed_s:.2f} s ({kind}; clock tsc)", tab)


def generator_html(gen: Generator) -> str:
    """A Generator: state, lcores, and its live per-stream results."""
    if gen.closed:
        return _box("Generator", "<p>closed</p>")
    state = "running" if gen.running else "stopped"
    head = _kv([("state", state), ("streams", len(gen.streams)), ("lcores", gen.lcores),
                ("rx queues", ", ".join(f"{p.name}/{q}" for p, q in gen.rx_queues) or "none")])
    return _box(f"Generator ({state})", head, gen_result_html(gen.stats()))


def sampler_html(sampler: Sampler) -> str:
    """A Sampler: its latest rates per port and an SVG of RX/TX packet rates over time."""
    last: dict[int, Any] = {}
    for s in sampler.samples:
        last[s.port] = s
    rows = [(s.port, s.name, s.rx_packets, s.tx_packets, _rate(s.rx_pps, s.rx_bps, _sample_bytes_counted(s)),
             _rate(s.tx_pps, s.tx_bps, _sample_bytes_counted(s))) for s in last.values()]
    tab = _table(["port", "name", "RX packets", "TX packets", "RX rate", "TX rate"], rows, 2)
    return _box(repr(sampler).strip("<>"), tab, _streams_table(sampler), rates_svg(sampler))


def _p99(v: float | None) -> str:
    return "-" if v is None else f"{v / 1e3:.2f}"


def _last_streams(sampler: Sampler) -> tuple[dict[int, Any], dict[int, list[float]]]:
    """The latest StreamSample of each stream, and each stream's TX pps history."""
    last: dict[int, Any] = {}
    hist: dict[int, list[float]] = {}
    for s in sampler.stream_samples:
        last[s.stream] = s
        hist.setdefault(s.stream, []).append(s.tx_pps)
    return last, hist


def _streams_table(sampler: Sampler, spark: bool = False) -> str:
    """Per-stream rates, loss and latency p99 of the latest sample ('' without stream samples)."""
    last, hist = _last_streams(sampler)
    if not last:
        return ""
    head = ("<tr><th class='l'>stream</th><th class='l'>name</th><th>TX packets</th><th>RX packets</th>"
            "<th>TX rate</th><th>RX rate</th><th>lost</th><th>p99 us</th>"
            + ("<th>TX pps history</th>" if spark else "") + "</tr>")
    rows = "".join(
        f"<tr><td class='l'>{s.stream}</td><td class='l'>{_e(s.name)}</td><td>{_num(s.tx_packets)}</td>"
        f"<td>{_num(s.rx_packets)}</td><td>{si(s.tx_pps, 'packets/s')}</td><td>{si(s.rx_pps, 'packets/s')}</td><td>{_num(s.lost)}</td>"
        f"<td>{_p99(s.latency_p99_ns)}</td>"
        + (f"<td>{sparkline_svg(hist[s.stream][-60:], 120, 20, _COLORS[s.stream % len(_COLORS)])}</td>" if spark else "")
        + "</tr>" for s in last.values())
    return f"<table>{head}{rows}</table>"


# -- charts ------------------------------------------------------------------------------------
_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")


def sparkline_svg(values: Sequence[float], width: int = 160, height: int = 30, color: str = _COLORS[0]) -> str:
    """A tiny inline SVG line of values (no dependency)."""
    vals = [float(v) for v in values]
    if not vals:
        return f"<svg width='{width}' height='{height}'></svg>"
    hi, lo = max(vals), min(min(vals), 0.0)
    span = (hi - lo) or 1.0
    n = max(len(vals) - 1, 1)
    pts = " ".join(f"{i * width / n:.1f},{height - 1 - (v - lo) / span * (height - 2):.1f}"
                   for i, v in enumerate(vals))
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}'>"
            f"<polyline fill='none' stroke='{color}' stroke-width='1.5' points='{pts}'/></svg>")


def _stream_series(sampler: Sampler, fields: Sequence[str]) -> list[tuple[str, list[tuple[float, float]]]]:
    """(label, series) of each sampled stream's rates: "<name> tx_pps", ..."""
    return [(f"{name} {f}", sampler.stream_series(f, sid)) for sid, name in sampler.streams().items()
            for f in fields]


def rates_svg(sampler: Sampler, fields: Sequence[str] = ("rx_pps", "tx_pps"), width: int = 480,
              height: int = 160, *, streams: bool = True) -> str:
    """An SVG chart of summed rates over time (axes labelled with the maximum and duration), and
    each stream's (``streams``) when the sampler recorded a Generator."""
    series = [(f, sampler.series(f)) for f in fields]
    if streams:
        series += _stream_series(sampler, fields)
    rows = (len(series) + 3) // 4
    height += 12 * max(rows - 1, 0)
    tmax = max((s[-1][0] for _, s in series if s), default=0.0) or 1.0
    vmax = max((v for _, s in series for _, v in s), default=0.0) or 1.0
    pad = 40
    w, h = width - pad, height - 20
    top = 12 * rows            # the legend's lines
    lines = []
    colors = [(_COLORS[i % len(_COLORS)], "" if i < len(_COLORS) else " stroke-dasharray='4 2'")
              for i in range(len(series))]
    for (name, s), (color, dash) in zip(series, colors):
        pts = " ".join(f"{pad + t / tmax * w:.1f},{h - v / vmax * (h - top):.1f}" for t, v in s)
        lines.append(f"<polyline fill='none' stroke='{color}' stroke-width='1.5'{dash} points='{pts}'>"
                     f"<title>{_e(name)}</title></polyline>")
    legend = "".join(f"<text x='{pad + 8 + (i % 4) * 110}' y='{12 + (i // 4) * 12}' fill='{c}' font-size='11'>"
                     f"{_e(n)}</text>" for i, ((n, _), (c, _d)) in enumerate(zip(series, colors)))
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' font-family='sans-serif'>"
            f"<line x1='{pad}' y1='{h}' x2='{width}' y2='{h}' stroke='#999'/>"
            f"<line x1='{pad}' y1='0' x2='{pad}' y2='{h}' stroke='#999'/>"
            f"<text x='2' y='{top}' font-size='10'>{_e(si(vmax, _unit(fields)))}</text><text x='2' y='{h}' font-size='10'>0</text>"
            f"<text x='{width - 40}' y='{height - 4}' font-size='10'>{tmax:.1f} s</text>"
            f"{''.join(lines)}{legend}</svg>")


def _unit(fields: Sequence[str]) -> str:
    """The unit of RateSample rate fields: packets/s for *_pps, bit/s for *_bps, else none."""
    if all(f.endswith("_pps") for f in fields):
        return "packets/s"
    if all(f.endswith("_bps") for f in fields):
        return "bit/s"
    return ""


def have_matplotlib() -> bool:
    """True when matplotlib can be imported (plot_rates draws with it, or falls back to SVG)."""
    try:
        import matplotlib  # noqa: F401
        return True
    except ImportError:
        return False


def plot_rates(sampler: Sampler, fields: Sequence[str] = ("rx_pps", "tx_pps"), ax: Any = None, *,
               streams: bool = True) -> Any:
    """Rates over time: a matplotlib Axes when matplotlib is installed, otherwise an HTML
    object holding an SVG chart and a note saying matplotlib would give a full plot. With a
    sampler of a Generator, each stream's rates too (``streams``), dashed."""
    per_stream = _stream_series(sampler, fields) if streams else []
    if have_matplotlib() and ax is not False:
        import matplotlib.pyplot as plt
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3))
        for f in fields:
            s = sampler.series(f)
            ax.plot([t for t, _ in s], [v for _, v in s], label=f)
        for label, s in per_stream:
            ax.plot([t for t, _ in s], [v for _, v in s], label=label, linestyle="--")
        ax.set_xlabel("seconds")
        ax.set_ylabel("rate")
        ax.legend()
        return ax
    note = "<p><i>matplotlib is not installed: inline SVG chart (pip install matplotlib for a full plot)</i></p>"
    text = "\n".join(f"{f}: " + ", ".join(si(v, _unit([f])) for _, v in s[-20:])
                     for f, s in [(f, sampler.series(f)) for f in fields] + per_stream)
    return HTML(f"<div class='pydpdk'>{note}{rates_svg(sampler, fields, streams=streams)}</div>",
                "matplotlib is not installed: rates as text (last 20 samples)\n" + text)


# -- live view ---------------------------------------------------------------------------------
def _live_html(sampler: Sampler, elapsed: float, total: float | None) -> str:
    last: dict[int, Any] = {}
    hist: dict[int, list[float]] = {}
    for s in sampler.samples:
        last[s.port] = s
        hist.setdefault(s.port, []).append(s.rx_pps)
    rows = "".join(
        f"<tr><td class='l'>{s.port}</td><td class='l'>{_e(s.name)}</td><td>{_num(s.rx_packets)}</td>"
        f"<td>{_num(s.tx_packets)}</td><td>{_e(_rate(s.rx_pps, s.rx_bps, _sample_bytes_counted(s)))}</td>"
        f"<td>{_e(_rate(s.tx_pps, s.tx_bps, _sample_bytes_counted(s)))}</td>"
        f"<td>{sparkline_svg(hist[s.port][-60:], 120, 20)}</td></tr>" for s in last.values())
    head = ("<tr><th class='l'>port</th><th class='l'>name</th><th>RX packets</th><th>TX packets</th>"
            "<th>RX rate</th><th>TX rate</th><th>RX packets/s history</th></tr>")
    when = f"{elapsed:.1f} s" + (f" / {total:.1f} s" if total else "")
    return _box(f"live rates ({when})", f"<table>{head}{rows}</table>", _streams_table(sampler, spark=True))


def _live_text(sampler: Sampler, elapsed: float) -> str:
    last: dict[int, Any] = {}
    for s in sampler.samples:
        last[s.port] = s
    streams, _ = _last_streams(sampler)
    return f"{elapsed:5.1f}s " + "  ".join(
        [f"port {s.port}: rx {_rate(s.rx_pps, s.rx_bps, _sample_bytes_counted(s))}; "
         f"tx {_rate(s.tx_pps, s.tx_bps, _sample_bytes_counted(s))}" for s in last.values()] +
        [f"{s.name}: tx {si(s.tx_pps, 'packets/s')} rx {si(s.rx_pps, 'packets/s')} lost {s.lost} "
         f"p99 {_p99(s.latency_p99_ns)} us" for s in streams.values()])


def live_rates(source: Engine | Port | Iterable[Port], seconds: float, interval: float = 0.5, *,
               sampler: Sampler | None = None) -> Sampler:
    """Show rates of a Forwarder, a Generator (per stream too: TX/RX rates, loss, latency p99)
    or ports for ``seconds``, updated in place every interval
    (IPython display when available, one text line per interval otherwise). Returns the
    Sampler that recorded them (stopped), for plots and exports."""
    own = sampler is None
    sampler = sampler or Sampler(source, interval)
    try:
        from IPython.display import display
        from .progress import in_notebook
        rich = in_notebook()
    except ImportError:
        rich = False
    handle = None
    t0 = time.monotonic()
    sampler.start()
    try:
        while True:
            elapsed = time.monotonic() - t0
            if rich:
                data = {"text/html": _live_html(sampler, elapsed, seconds),
                        "text/plain": _live_text(sampler, elapsed)}
                if handle is None:
                    handle = display(data, raw=True, display_id=True)
                else:
                    handle.update(data, raw=True)
            else:
                print(_live_text(sampler, elapsed), flush=True)
            if elapsed >= seconds:
                break
            time.sleep(min(interval, max(seconds - elapsed, 0.01)))
    finally:
        if own:
            sampler.stop()
    return sampler


#: the HTML view of each object type (looked up along the type's MRO)
VIEWS: dict[type, Callable[[Any], str]] = {
    Eal: eal_html, Port: port_html, PortStats: port_stats_html, Mempool: mempool_html,
    Forwarder: forwarder_html, ForwardStats: forward_stats_html, Sampler: sampler_html,
    Generator: generator_html, GenResult: gen_result_html,
}


def html(obj: Any) -> str:
    """The HTML view of a pydpdk object (what Jupyter shows for it)."""
    for cls in type(obj).__mro__:
        view = VIEWS.get(cls)
        if view is not None:
            return view(obj)
    raise TypeError(f"no HTML view for {type(obj).__name__}: one of {', '.join(c.__name__ for c in VIEWS)}")


def register(shell: Any = None) -> bool:
    """Register the views with IPython's text/html formatter (the running shell by default).
    Returns False when no IPython shell runs. Safe to call again."""
    if shell is None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    formatter = shell.display_formatter.formatters["text/html"]
    for cls, view in VIEWS.items():
        formatter.for_type(cls, view)
    return True


register()
