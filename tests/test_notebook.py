"""HTML views (what Jupyter shows for a cell's last value), charts and the live view, in-process;
tests/test_notebooks.py executes the sample notebooks in real kernels."""
import html.parser
import re

import pytest

import pydpdk
from pydpdk import notebook, stats
from pydpdk.forward import Forwarder
from pydpdk.units import format_rate

from pydpdk.testing.frames import drain, make_frame


class _Check(html.parser.HTMLParser):
    """Well-formedness: every opened table/div/details/svg element is closed."""

    TAGS = {"table", "tr", "td", "th", "div", "details", "summary", "svg", "b", "p", "span"}

    def __init__(self):
        super().__init__()
        self.stack, self.text = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.TAGS:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.TAGS:
            assert self.stack and self.stack.pop() == tag, f"</{tag}> closes the wrong element"

    def handle_data(self, data):
        self.text.append(data)


def parsed(h):
    c = _Check()
    c.feed(h)
    c.close()
    assert c.stack == [], f"unclosed: {c.stack}"
    return " ".join(c.text)


def test_eal_html(eal):
    text = parsed(notebook.html(eal))
    assert eal.version in text and "net_ring0" in text and "lcores" in text
    assert eal.config.effective_file_prefix in text


def test_port_html_shows_link_stats_queues_xstats(ring_pair, pool):
    p0, _ = ring_pair
    p0.reset_stats()
    p0.tx_burst(pool.burst([make_frame(i) for i in range(7)]))
    drain(p0)
    h = notebook.html(p0)
    text = parsed(h)
    assert "Port %d (net_ring0)" % p0.id in text and "Link Up" in text and "net_ring" in text
    assert "rx_good_packets" in text and "per queue" in text
    assert "<td>7</td>" in h                       # TX packets (and RX: the ring loops back)
    assert "device facts" in text and "fw_version" in text and "not supported by net_ring" in text


def test_mempool_html(pool):
    text = parsed(notebook.html(pool))
    assert "dpdk_pool" in text and "8,191 mbufs" in text and "in use" in text


def test_closed_objects_render(eal, pool):
    ring = pydpdk.Ring.create("nbq", 64)
    port = pydpdk.Port.from_rings("nbq", [ring], [ring])
    port.close()
    assert "closed" in parsed(notebook.html(port))
    ring.close()


@pytest.mark.skipif(len(pydpdk.eal._PROCESS_CPUS) < 2, reason="needs two CPUs")
def test_forwarder_stats_sampler_and_live_views(ring_pair, capsys):
    p0, p1 = ring_pair
    fwd = Forwarder([p0, p1], "io")
    try:
        fwd.start(tx_first=True)
        running = parsed(notebook.html(fwd))
        assert "running" in running and "RX rate" in running and "packets/s" in running
        s = notebook.live_rates(fwd, seconds=0.4, interval=0.1)     # not in a kernel: text lines
        lines = capsys.readouterr().out.strip().splitlines()
        assert len(lines) >= 3 and "port %d: rx" % p0.id in lines[-1]
        final = fwd.stop()
        text = parsed(notebook.html(final))
        assert "io forwarding" in text and f"{final.rx_packets:,}" in text and "streams" in text
        # rates in pydpdk.units' format (packets/s and the engine's bit/s), never raw floats
        assert format_rate(final.ports[0].rx_pps, final.ports[0].rx_bps) in text and "bit/s" in text
        assert not re.search(r"\d,\d{3}\.\d", text)
        assert "stopped" in parsed(notebook.html(fwd))
        sh = notebook.html(s)
        assert "<svg" in sh and "rx_pps" in parsed(sh) and len(s.samples) >= 2 * 3
        plot = notebook.plot_rates(s)
        if notebook.have_matplotlib():
            assert plot.get_xlabel() == "seconds"
        else:
            assert "matplotlib is not installed" in plot._repr_html_() and "<svg" in plot._repr_html_()
            assert "rx_pps:" in repr(plot)
    finally:
        fwd.close()
        drain(p0, p1)


def test_sparkline_svg_scales_values():
    svg = notebook.sparkline_svg([0, 5, 10], width=100, height=21)
    assert "points='0.0,20.0 50.0,10.5 100.0,1.0'" in svg
    assert notebook.sparkline_svg([]).startswith("<svg")


def test_port_stats_and_xstats_tables(ring_pair):
    p0, _ = ring_pair
    assert notebook.html(p0.stats()) == notebook.port_stats_html(p0.stats())
    text = parsed(notebook.port_stats_html(p0.stats()) + notebook.xstats_html(p0.xstats(), nonzero=True))
    assert "RX" in text and "TX" in text and "queue" in text
    recs = stats.xstat_records(p0)
    assert len(recs) == len(p0.xstats())


def test_xstats_html_nonzero_with_nothing_nonzero_renders_a_note(ring_pair, pool):
    p0, _ = ring_pair
    p0.reset_stats()
    xs = p0.xstats()
    assert xs and not any(xs.values())
    h = notebook.xstats_html(xs, nonzero=True)
    assert f"no non-zero extended statistics ({len(xs)} counters, all 0)" in parsed(h) and "<table" not in h
    assert "<table" in notebook.xstats_html(xs)                       # all shown: zeros too
    p0.tx_burst(pool.burst([make_frame(i) for i in range(3)]))
    drain(p0)
    rows = notebook.xstats_html(p0.xstats(), nonzero=True)
    assert "<table" in rows and "no non-zero" not in rows and "<td>3</td>" in rows
    assert "(0 counters)" in parsed(notebook.xstats_html({}, nonzero=True))


def test_views_registered_with_ipython_formatter(ring_pair, pool):
    """The core objects carry no HTML: IPython's text/html formatter renders them through
    pydpdk.notebook's registration, as a kernel does for a cell's value."""
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    assert notebook.register(shell)
    p0, _ = ring_pair
    for obj in (p0, pool, p0.stats(), pydpdk.current()):
        data, _meta = shell.display_formatter.format(obj)
        assert data.get("text/html") == notebook.html(obj)
    assert not hasattr(p0, "_repr_html_")


def test_generator_per_stream_series_in_sampler_live_view_and_plot(ring_pair, capsys):
    """A running generator on a ring port looped to itself: the sampler records each stream, the
    live view and the rate plot show per-stream TX/RX rates, loss and latency p99."""
    from pydpdk.gen import Generator, Stream
    from pydpdk.stats import Sampler
    from pydpdk.testing.wait import wait_for
    ring0 = ring_pair[0]
    streams = [Stream(rate="20kpps", name="slow"), Stream(size=128, rate="60kpps", name="fast<1>")]
    with Generator(streams, port=ring0) as gen:
        gen.start()
        with Sampler(gen, 0.05) as sampler:
            def both_measured():
                last = {s.stream: s for s in sampler.stream_samples}
                return len(last) == 2 and all(s.rx_pps > 0 and s.latency_p99_ns for s in last.values()) \
                    and len(sampler.stream_series("tx_pps", 1)) >= 3
            wait_for(both_measured, 20, "both streams sampled with RX rates and latency")
            live = notebook._live_html(sampler, 1.0, 2.0)
            svg = notebook.rates_svg(sampler)
            plot = notebook.plot_rates(sampler, ax=False)
            text = notebook._live_text(sampler, 1.0)
            page = notebook.html(sampler)
        recorded = notebook.live_rates(gen, seconds=0.3, interval=0.1)      # not in a kernel: text lines
        out = capsys.readouterr().out.strip().splitlines()
        gen.stop()
    last = {s.stream: s for s in sampler.stream_samples}
    assert [last[0].name, last[1].name] == ["slow", "fast<1>"]
    assert last[0].tx_packets < last[1].tx_packets            # 20 kpps vs 60 kpps, same start
    body = parsed(live)
    assert "slow" in body and "fast<1>" in body and "p99 us" in body and "TX pps history" in body
    assert live.count("<polyline") >= 3                       # the port's and both streams' sparklines
    assert "fast&lt;1&gt; tx_pps" in svg and "slow rx_pps" in svg
    assert svg.count("<polyline") == 6                        # 2 port totals + 2 x 2 stream series
    assert "slow tx_pps:" in repr(plot) and "fast<1> rx_pps:" in repr(plot)
    assert "slow: tx" in text and "p99" in text and "lost" in text
    assert "fast&lt;1&gt;" in page and "lost" in parsed(page)
    assert len(recorded.stream_samples) >= 4 and any("slow: tx" in ln and "fast<1>: tx" in ln for ln in out)
