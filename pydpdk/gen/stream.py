"""What to send: streams (template, sizes, fields, rate, pattern) and their validation.

    Stream(size=64, rate="1Mpps")                                    # the default UDP frame
    Stream(scapy_pkt, size=(64, 1518, 64), rate="800Mbps",           # L2 bit/s, sizes 64..1518 step 64
           fields=[Field("ip.src", min="10.0.0.1", max="10.0.0.254"),
                   Field("udp.dport", op="random", min=1000, max=2000)])
    Stream(size="imix", rate="50%", count=1_000_000)                 # 7:4:1 of 64/594/1518 bytes
    Stream(rate="10kpps", burst=100, ibg=0.001, bursts=5)            # 5 bursts of 100, 1 ms apart
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence, cast

from ..errors import invalid
from .packet import TAG_LEN, Headers, build_variant, default_template, parse_headers, parse_value, \
    resolve_field

__all__ = ["Field", "Stream", "parse_rate", "IMIX", "MAX_VARIANTS", "CHECKSUM_MODES"]

#: Stream(checksum=...): where the IPv4 header and UDP/TCP checksums are computed
CHECKSUM_MODES = ("software", "offload", "auto")

OPS = {"inc": 0, "dec": 1, "random": 2, "list": 3}
#: Simple IMIX (7:4:1), frame lengths without the FCS
IMIX = ((64, 7), (594, 4), (1518, 1))
MAX_VARIANTS = 4096
MAX_SEQ = 4096
MAX_FRAME = 9600
L1_OVERHEAD = 24        # FCS 4 + preamble 8 + inter-frame gap 12 bytes
L2_OVERHEAD = 4         # FCS

_RATE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([kmg]?)(pps|bps|%)\s*(l1|l2)?\s*$", re.I)
_MULT = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9}


@dataclass(frozen=True)
class Rate:
    """A parsed rate: packets/s, bit/s (at layer 1 or 2), percent of link speed, or None (max)."""

    value: float | None
    unit: str                  # "pps", "bps", "%", "max"
    layer: str = "l2"          # for bps

    def pps(self, mean_len: float, link_mbps: int, param: str = "rate") -> float | None:
        """Packets per second for frames of mean_len bytes (None: as fast as possible)."""
        if self.unit == "max":
            return None
        if self.unit == "pps":
            return self.value
        if self.unit == "%":
            if link_mbps <= 0:
                raise invalid(param, f"{self.value:g}%", "pps or bit/s: the port reports no link speed", "Stream")
            return link_mbps * 1e6 * cast(float, self.value) / 100.0 / ((mean_len + L1_OVERHEAD) * 8)
        over = L1_OVERHEAD if self.layer == "l1" else L2_OVERHEAD
        return cast(float, self.value) / ((mean_len + over) * 8)   # None only with unit "max"

    def __str__(self) -> str:
        if self.unit == "max":
            return "max"
        if self.unit == "%":
            return f"{self.value:g}%"
        return f"{self.value:g}{self.unit}" + (f" {self.layer}" if self.unit == "bps" else "")


def parse_rate(rate: Any, param: str = "rate") -> Rate:
    """'1.5Mpps', '10kpps', '800Mbps' (L2: frame + FCS), '800Mbps L1' (+ preamble and gap),
    '100%' (of the link's L1 speed), a number (pps), or None/'max' (as fast as possible)."""
    allowed = "a number of pps, '1.5Mpps', '800Mbps', '800Mbps L1', '100%', or None/'max'"
    if rate is None or (isinstance(rate, str) and rate.strip().lower() == "max"):
        return Rate(None, "max")
    if isinstance(rate, bool):
        raise invalid(param, rate, allowed, "Stream")
    if isinstance(rate, (int, float)):
        if not rate > 0:
            raise invalid(param, rate, "a rate above 0 " + allowed[1:], "Stream")
        return Rate(float(rate), "pps")
    if not isinstance(rate, str):
        raise invalid(param, rate, allowed, "Stream")
    m = _RATE.match(rate)
    if not m:
        raise invalid(param, rate, allowed, "Stream")
    num, mult, unit, layer = m.groups()
    value = float(num) * (_MULT[mult.lower()] if unit != "%" else 1.0)
    if unit == "%" and mult:
        raise invalid(param, rate, allowed, "Stream")
    if not value > 0 or (unit == "%" and value > 100):
        raise invalid(param, rate, "above 0 (and at most 100%)", "Stream")
    return Rate(value, unit.lower(), (layer or "l2").lower())


@dataclass
class Field:
    """A field the engine rewrites in every packet, in C.

    ``where``: a name (``eth.src``, ``eth.dst``, ``vlan.vid``, ``ip.src``, ``ip.dst``, ``ip.tos``,
    ``ip.ttl``, ``ip.id``, ``ipv6.src``, ``ipv6.dst``, ``udp.sport``, ``udp.dport``, ``tcp.sport``,
    ``tcp.dport``, ``tcp.seq``) or a byte offset in the frame (then ``width``, 1-16 bytes).
    ``op``: ``inc`` (from ``init``, default min, by ``step``; a step past max goes back to min),
    ``dec`` (from max down; below min back to max), ``random`` (uniform in [min, max]), ``list`` (``values`` in turn, ``step``
    entries at a time). Values: integers, addresses ('10.0.0.1', '2001:db8::1', MACs) or 0x-hex.
    """

    where: str | int
    op: str = "inc"
    min: Any = None
    max: Any = None
    step: int = 1
    values: Sequence[Any] | None = None
    init: Any = None
    width: int | None = None

    def resolve(self, h: Headers) -> dict[str, Any]:
        """Offset, width, mask and integer values for frames with headers h."""
        ctx = "Field"
        if isinstance(self.where, bool) or not isinstance(self.where, (str, int)):
            raise invalid("where", self.where, "a field name or a byte offset", ctx)
        if isinstance(self.where, int):
            if self.width is None or not isinstance(self.width, int) or not 1 <= self.width <= 16:
                raise invalid("width", self.width, "1 to 16 bytes (needed with an offset)", ctx)
            if self.where < 0:
                raise invalid("where", self.where, "a byte offset >= 0", ctx)
            off, width, mask = self.where, self.width, 0
        else:
            off, width, mask = resolve_field(self.where, h)
            if self.width is not None and self.width != width:
                raise invalid("width", self.width, f"{width} (the width of {self.where}) or None", ctx)
        if self.op not in OPS:
            raise invalid("op", self.op, f"one of {', '.join(OPS)}", ctx)
        top = mask if mask else (1 << 8 * width) - 1
        if not isinstance(self.step, int) or isinstance(self.step, bool) or self.step < 1:
            raise invalid("step", self.step, "an integer >= 1", ctx)
        lo = 0 if self.min is None else parse_value(self.min, width, "min")
        hi = top if self.max is None else parse_value(self.max, width, "max")
        if hi > top or lo > top:
            raise invalid("max", self.max, f"at most {top} for {self.where}", ctx)
        if lo > hi:
            raise invalid("min", self.min, f"at most max ({self.max})", ctx)
        values: list[int] = []
        if self.op == "list":
            if not self.values or len(self.values) > 16:
                raise invalid("values", self.values, "1 to 16 values (op='list')", ctx)
            values = [parse_value(v, width, "values") for v in self.values]
            if any(v > top for v in values):
                raise invalid("values", self.values, f"values at most {top}", ctx)
        elif self.values is not None:
            raise invalid("values", self.values, "only with op='list'", ctx)
        init = (hi if self.op == "dec" else lo) if self.init is None else parse_value(self.init, width, "init")
        if self.op in ("inc", "dec") and not lo <= init <= hi:
            raise invalid("init", self.init, f"a value in [min, max] = [{lo}, {hi}]", ctx)
        return {"offset": off, "width": width, "mask": mask, "op": OPS[self.op], "min": lo, "max": hi,
                "step": self.step, "init": init, "values": values}


def _sizes(size: Any, default: int) -> tuple[list[int], list[int]]:
    """(distinct lengths, sequence of indexes into them) for a size spec."""
    allowed = "an int, (min, max[, step]), a list of (size, weight), or 'imix'"
    if size is None:
        return [default], [0]
    if isinstance(size, str):
        if size.lower() != "imix":
            raise invalid("size", size, allowed, "Stream")
        size = list(IMIX)
    if isinstance(size, bool):
        raise invalid("size", size, allowed, "Stream")
    if isinstance(size, int):
        return [size], [0]
    if isinstance(size, range):
        size = (size.start, size.stop - 1, size.step)
    if isinstance(size, tuple) and all(isinstance(x, int) for x in size) and len(size) in (2, 3):
        lo, hi, step = (size + (1,))[:3]
        if step < 1 or lo > hi:
            raise invalid("size", size, "(min, max[, step]) with min <= max and step >= 1", "Stream")
        sizes = list(range(lo, hi + 1, step))
        if len(sizes) > MAX_VARIANTS:
            raise invalid("size", size, f"at most {MAX_VARIANTS} distinct sizes", "Stream")
        return sizes, list(range(len(sizes)))
    if isinstance(size, (list, tuple)) and size and all(
            isinstance(x, (list, tuple)) and len(x) == 2 and all(isinstance(v, int) for v in x) for x in size):
        sizes = [s for s, _ in size]
        weights = [w for _, w in size]
        if any(w < 1 for w in weights) or sum(weights) > MAX_SEQ or len(set(sizes)) != len(sizes):
            raise invalid("size", size, f"distinct sizes with weights >= 1 summing to at most {MAX_SEQ}", "Stream")
        # smooth weighted round robin: 7:4:1 -> spread out, not 7 small then 4 medium
        seq, cur, total = [], [0] * len(sizes), sum(weights)
        for _ in range(total):
            cur = [c + w for c, w in zip(cur, weights)]
            i = max(range(len(sizes)), key=lambda k: cur[k])
            cur[i] -= total
            seq.append(i)
        return sizes, seq
    raise invalid("size", size, allowed, "Stream")


@dataclass
class Stream:
    """One stream of generated packets. See the module docstring for examples.

    ``template``: bytes or anything ``bytes()`` accepts (scapy, dpkt packets); default: a
    64-byte Ether/IPv4/UDP frame. ``pcap``: frames read from a pcap file instead, sent in turn.
    ``size``: fixed, ``(min, max[, step])`` cycling up, ``[(size, weight), ...]`` or ``'imix'``;
    frames are zero-padded or cut, their IPv4/IPv6/UDP lengths fixed. ``rate``: see
    :func:`parse_rate`; ``poisson``: exponential gaps of that mean. Pattern: ``count`` packets
    (None: until stopped); ``burst`` packets then a gap of ``ibg`` seconds, ``bursts`` times
    (None: forever); ``start_after``: index of a stream to wait for, then ``delay`` seconds.
    ``tag``: the 20-byte measurement tag at the end of each frame. ``checksum``: where the IPv4
    header and UDP/TCP checksums are fixed after the fields change: ``"software"`` (or True, the
    default: by the engine, incrementally), ``"offload"`` (by the port's TX offload: the port must
    be configured with ``tx_offloads`` ``ipv4_cksum`` and ``udp_cksum``/``tcp_cksum``), ``"auto"``
    (offloaded where the port is so configured, in software otherwise), or False (UDP checksum 0;
    IPv4 header and TCP checksums still in software). ``stage``: a compiled
    :class:`pydpdk.stage.Stage` run on every built packet after the fields, before the tag and
    the checksums (computed in full then, in software): DROP (or an invalid verdict) frees the
    packet, any other verdict sends it on this stream's port (docs/generator.md, "Stages").
    """

    template: Any = None
    size: Any = None
    fields: Sequence[Field] = ()
    rate: Any = "1Mpps"
    poisson: bool = False
    count: int | None = None
    burst: int | None = None
    ibg: float = 0.0
    bursts: int | None = None
    start_after: int | None = None
    delay: float = 0.0
    tag: bool = True
    checksum: bool | str = True
    port: Any = None
    queue: int = 0
    pcap: str | None = None
    name: str | None = None
    stage: Any = None

    def checksum_mode(self) -> str:
        """``checksum`` as one of CHECKSUM_MODES or ``"none"`` (False); InvalidArgumentError otherwise."""
        c = self.checksum
        if c is True:
            return "software"
        if c is False:
            return "none"
        if isinstance(c, str) and c in CHECKSUM_MODES:
            return c
        raise invalid("checksum", c, "'software' (or True), 'offload', 'auto', or False (UDP checksum 0)",
                      "Stream")

    def build(self, offload: int = 0) -> dict[str, Any]:
        """Validate and compile: frames, variant table, size sequence, fields, rate. ``offload``:
        the checksums the port computes (bits 1: IPv4 header, 2: UDP/TCP; Generator decides).
        Raises InvalidArgumentError naming the parameter, the value and what is allowed."""
        ctx = "Stream"
        mode = self.checksum_mode()
        if self.pcap is not None:
            if self.template is not None or self.size is not None:
                raise invalid("pcap", self.pcap, "a pcap file, or a template and size, not both", ctx)
            from ..pcap import read_frames
            try:
                frames = read_frames(self.pcap)
            except OSError as exc:
                raise invalid("pcap", self.pcap, f"a readable pcap file ({exc.strerror or exc})", ctx) from None
            if not frames:
                raise invalid("pcap", self.pcap, "a pcap file with at least one frame", ctx)
            if len(frames) > MAX_VARIANTS:
                frames = frames[:MAX_VARIANTS]
            templates = frames
            lengths = [len(f) for f in frames]
            seq = list(range(len(frames)))
        else:
            if self.template is None:
                tmpl = default_template()
            else:
                try:
                    tmpl = bytes(self.template)
                except Exception:
                    raise invalid("template", type(self.template).__name__,
                                  "bytes or a packet object bytes() accepts (scapy, dpkt)", ctx) from None
            lengths, seq = _sizes(self.size, len(tmpl))
            templates = [tmpl] * len(lengths)
        if len(seq) > MAX_SEQ:
            seq = seq[:MAX_SEQ]
        h = parse_headers(templates[0])
        if len({parse_headers(t) for t in templates}) != 1:
            raise invalid("pcap", self.pcap, "frames that all have the same header layout", ctx)
        need = h.end + (TAG_LEN if self.tag else 0)
        for n in lengths:
            if not isinstance(n, int) or not max(need, 14) <= n <= MAX_FRAME:
                raise invalid("size", n, f"{need} to {MAX_FRAME} bytes (headers {h.end} + tag "
                              f"{TAG_LEN if self.tag else 0} at least)", ctx)
        # fields
        if len(self.fields) > 8:
            raise invalid("fields", len(self.fields), "at most 8 fields per stream", ctx)
        fields = []
        pseudo = ((h.l3_off + 12, h.l3_off + 20) if h.l3_type == 4 else
                  (h.l3_off + 8, h.l3_off + 40) if h.l3_type == 6 else None)
        l4_csum = bool(h.l4_proto == 6 or (h.l4_proto == 17 and (mode != "none" or h.l3_type == 6)))
        fixed = []               # bytes the engine owns: lengths and checksums
        if h.l3_type == 4:
            fixed += [(h.l3_off + 2, 2, "ip total length"), (h.l3_off + 10, 2, "ip checksum")]
        if h.l3_type == 6:
            fixed += [(h.l3_off + 4, 2, "ipv6 payload length")]
        if h.l4_proto == 17:
            fixed += [(h.l4_off + 4, 2, "udp length"), (h.l4_off + 6, 2, "udp checksum")]
        if h.l4_proto == 6:
            fixed += [(h.l4_off + 16, 2, "tcp checksum")]
        for f in self.fields:
            if not isinstance(f, Field):
                raise invalid("fields", f, "Field objects", ctx)
            r = f.resolve(h)
            a, b = r["offset"], r["offset"] + r["width"]
            limit = min(lengths) - (TAG_LEN if self.tag else 0)
            if b > limit:
                raise invalid("field", f.where, f"bytes within the frame before the tag: offset + width "
                              f"<= {limit} (here {a}..{b})", ctx)
            for at, n, what in fixed:
                if a < at + n and at < b:
                    raise invalid("field", f.where, f"bytes other than the {what} (bytes {at}..{at + n}, "
                                  "which the generator sets)", ctx)
            csum = 0
            regions = []                     # (from, to, checksum bits of a field inside)
            if h.l3_type == 4:
                regions.append((h.l3_off, h.l3_off + (templates[0][h.l3_off] & 15) * 4, 1))
            elif h.l3_type == 6:
                regions.append((h.l3_off, h.l3_off + 40, 0))
            if h.l4_off:
                regions.append((h.l4_off, MAX_FRAME, 2))
            for lo_, hi_, bits in regions:
                if a < hi_ and lo_ < b:
                    if not (lo_ <= a and b <= hi_):
                        raise invalid("field", f.where, "a field within one header (it crosses a header "
                                      "boundary)", ctx)
                    csum = bits
            if pseudo and a < pseudo[1] and pseudo[0] < b:
                if not (pseudo[0] <= a and b <= pseudo[1]):
                    raise invalid("field", f.where, "a field entirely inside or outside the IP addresses", ctx)
                csum |= 2 | 4            # 4: in the pseudo-header (the offload's seed)
            if not l4_csum:
                csum &= 1
            r["csum"] = csum
            fields.append(r)
        if self.count is not None and (not isinstance(self.count, int) or self.count < 1):
            raise invalid("count", self.count, "a number of packets >= 1, or None (until stopped)", ctx)
        if self.burst is not None and (not isinstance(self.burst, int) or self.burst < 1):
            raise invalid("burst", self.burst, "packets per burst >= 1, or None (continuous)", ctx)
        if self.bursts is not None and (self.burst is None or not isinstance(self.bursts, int) or self.bursts < 1):
            raise invalid("bursts", self.bursts, "a number of bursts >= 1, with burst= set", ctx)
        for name in ("ibg", "delay"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or v < 0:
                raise invalid(name, v, "seconds >= 0", ctx)
        rate = parse_rate(self.rate)
        if self.poisson and rate.unit == "max":
            raise invalid("poisson", True, "a stream with a rate (poisson needs a mean)", ctx)
        variants, blob = [], bytearray()
        for t, n in zip(templates, lengths):
            v = build_variant(t, h, n, tag=self.tag, l4_csum=l4_csum, offload=offload)
            variants.append((len(blob), n))
            blob += v
            blob += bytes(-len(blob) % 64)
        mean_len = sum(lengths[i] for i in seq) / len(seq)
        return {"headers": h, "frames": bytes(blob), "variants": variants, "seq": seq, "fields": fields,
                "rate": rate, "mean_len": mean_len, "l4_csum": l4_csum, "lengths": lengths,
                "checksum": mode, "offload": offload}
