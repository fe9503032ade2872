"""Compiled stages (pydpdk.stage) on the generator's packets and on its receive engine, on real
PMDs: a C stage through cffi that drops odd UDP source ports and rewrites the TTL, checked byte
for byte and with scapy's checksums; exact accounting (built = sent + dropped, nothing lost or
missing) through a ring port looped to itself; bad input."""
import pytest

from pydpdk.errors import InvalidArgumentError
from pydpdk.gen import Field, Generator, Stream, TAG_LEN
from pydpdk.stage import Stage

scapy = pytest.importorskip("scapy.all")
from scapy.all import IP, UDP, Ether, Raw  # noqa: E402

from test_gen import BASE, TSC, expected, ring0, null0  # noqa: E402,F401  (fixtures)

#: drop odd UDP source ports; set the TTL of the others to 7 (the generator fixes the checksums)
EVEN_TTL7 = r"""
#include <stdint.h>
int64_t even_ttl7(uint8_t *data, int64_t length, int64_t port)
{
    (void)port;
    if (length < 42 || data[12] != 0x08 || data[13] != 0x00 || data[23] != 17)
        return -1;
    if (data[35] & 1)
        return -1;                      /* DROP */
    data[22] = 7;                       /* ip.ttl */
    return -2;                          /* PEER: sent on the stream's port */
}
"""
#: a verdict outside the allowed set for every 4th packet (sport % 4 == 1), else PEER
ODD_VERDICT = r"""
#include <stdint.h>
int64_t odd_verdict(uint8_t *data, int64_t length, int64_t port)
{
    (void)length; (void)port;
    return (data[35] & 3) == 1 ? -7 : -2;
}
"""


@pytest.fixture(scope="module")
def even_ttl7():
    return Stage.c(EVEN_TTL7, "even_ttl7")


def test_tx_stage_drops_rewrites_and_the_tags_stay_consecutive(null0, even_ttl7):
    s = Stream(BASE, size=96, fields=[Field("udp.sport", min=1000, max=1015)], stage=even_ttl7)
    with Generator([s], port=null0, rx=None) as gen:
        b = gen.build(0, 16, tsc=TSC)
        try:
            frames = b.tobytes_list()
        finally:
            b.free()
    assert len(frames) == 8                       # the odd source ports were dropped
    for k, f in enumerate(frames):
        want = expected(BASE, 96, k, {IP: {"ttl": 7}, UDP: {"sport": 1000 + 2 * k}})
        assert f == want, k                       # tag seq k: a dropped packet takes no number
        p = Ether(f)
        ip_ck, udp_ck = p[IP].chksum, p[UDP].chksum
        del p[IP].chksum, p[UDP].chksum
        q = Ether(bytes(p))
        assert (q[IP].chksum, q[UDP].chksum) == (ip_ck, udp_ck)


def test_tx_stage_accounting_through_a_ring_loop(ring0, even_ttl7):
    s = Stream(rate="100kpps", count=4000, fields=[Field("udp.sport", min=1000, max=1999)], stage=even_ttl7)
    with Generator([s], port=ring0) as gen:
        gen.start()
        assert gen.wait(30)
        r = gen.stats().streams[0]
    assert r.state == "done"
    assert (r.stage_dropped, r.stage_invalid) == (2000, 0)
    assert r.tx_packets == r.rx_packets == 2000
    assert (r.lost, r.missing, r.out_of_order, r.duplicated, r.unsent) == (0, 0, 0, 0, 0)
    assert r.as_dict()["stage_dropped"] == 2000


def test_tx_stage_invalid_verdicts_are_counted_and_freed(null0):
    st = Stage.c(ODD_VERDICT, "odd_verdict")
    s = Stream(BASE, count=400, fields=[Field("udp.sport", min=1000, max=1399)], stage=st)
    with Generator([s], port=null0, rx=None) as gen:
        gen.start()
        assert gen.wait(30)
        r = gen.stats().streams[0]
    assert (r.tx_packets, r.stage_invalid, r.stage_dropped, r.unsent) == (300, 100, 0, 0)


def test_bad_stage_names_the_parameter(null0):
    with pytest.raises(InvalidArgumentError, match=r"streams\[0\]\.stage"):
        Generator([Stream(BASE, stage=object())], port=null0, rx=None)
    with pytest.raises(InvalidArgumentError, match=r"streams\[0\]\.stage"):
        Generator([Stream(BASE, stage=lambda d, n, p: -2)], port=null0, rx=None)


def test_numba_stage_with_counters_on_the_generator(null0):
    numba = pytest.importorskip("numba")   # noqa: F841
    import numpy as np

    def even_only(data, length, port, counters):
        if data[35] & 1:
            counters[0] += 1
            return -1
        counters[1] += 1
        return -2

    st = Stage.numba(even_only, counters=np.zeros(2, np.uint64))
    s = Stream(BASE, count=1000, fields=[Field("udp.sport", min=1000, max=1999)], stage=st)
    with Generator([s], port=null0, rx=None) as gen:
        gen.start()
        assert gen.wait(30)
        r = gen.stats().streams[0]
    assert (r.tx_packets, r.stage_dropped) == (500, 500)
    assert list(st.counters()) == [500, 500]


def test_rx_stage_measures_only_what_it_keeps(ring0, even_ttl7):
    """Two streams looped through a ring port; the receive engine's stage drops stream 1's
    packets (odd source port 1001) and keeps stream 0's (1000): only stream 0 is measured."""
    s0 = Stream(BASE, rate="50kpps", count=1000, fields=[Field("udp.sport", min=1000, max=1000)])
    s1 = Stream(BASE, rate="50kpps", count=600, fields=[Field("udp.sport", min=1001, max=1001)])
    with Generator([s0, s1], port=ring0, rx_stage=even_ttl7) as gen:
        gen.start()
        assert gen.wait(30)
        res = gen.stats()
    r0, r1 = res.streams
    assert (r0.tx_packets, r0.rx_packets, r0.lost) == (1000, 1000, 0)
    assert (r1.tx_packets, r1.rx_packets, r1.lost) == (600, 0, 600)
    assert (res.rx_stage_dropped, res.rx_stage_invalid) == (600, 0)
    assert r0.latency is not None and r1.latency is None


def test_bad_rx_stage_names_the_parameter(ring0):
    with pytest.raises(InvalidArgumentError, match="rx_stage"):
        Generator([Stream(BASE)], port=ring0, rx_stage="udp_only")
