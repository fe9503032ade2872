"""Property-based tests (hypothesis, a test-only dependency): round trips of every vdev spec's
devargs and of EAL command lines, the YAML schema on random documents, the MAC and core-list
parsers, and packet building (issue 16, item 6). No EAL needed except where a test takes `eal`."""
from __future__ import annotations

import dataclasses
import string

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

import pydpdk  # noqa: E402
from pydpdk import vdev  # noqa: E402
from pydpdk.config import ConfigError, loads  # noqa: E402
from pydpdk.eal import EalConfig, _cpu_list  # noqa: E402
from pydpdk.ethdev import format_mac, parse_mac  # noqa: E402

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_plain = st.text(alphabet=string.ascii_letters + string.digits + "_./-", min_size=1, max_size=20)


def _value(f: dataclasses.Field):
    kind = f.metadata["kind"]
    if kind == "int":
        return st.integers(0, 10 ** 6)
    if kind in ("bool", "yesno"):
        return st.booleans()
    if kind == "list":
        return st.lists(_plain, max_size=3).map(tuple)
    return _plain


@st.composite
def specs(draw):
    cls = draw(st.sampled_from(sorted(vdev.SPECS.values(), key=lambda c: c.driver)))
    kw = {}
    for f in cls._devfields():
        if draw(st.booleans()):
            kw[f.name] = draw(_value(f))
    name = cls.driver + str(draw(st.integers(0, 99)))
    return cls(name, **kw)


@SETTINGS
@given(specs())
def test_every_spec_renders_devargs_that_parse_back_to_it(spec):
    text = spec.devargs()
    assert vdev.parse(text) == spec
    assert vdev.parse_devargs(text)[0] == spec.name


@SETTINGS
@given(st.text(max_size=60))
def test_devargs_parser_accepts_or_names_the_problem(text):
    try:
        name, pairs = vdev.parse_devargs(text)
    except pydpdk.InvalidArgumentError as e:
        assert e.param == "devargs"
    else:
        assert text.startswith(name) and all(k and v for k, v in pairs)


def _valid_eal(**kw):
    if kw.get("no_huge") and kw.get("in_memory"):
        kw["in_memory"] = False          # DPDK refuses --no-huge with --in-memory (tested in test_eal)
    return EalConfig(**kw)


_eal_configs = st.builds(
    _valid_eal,
    lcores=st.sampled_from([None, "0", "0-1", "0,1"]),
    memory_channels=st.one_of(st.none(), st.integers(1, 32)),
    no_pci=st.booleans(), no_huge=st.booleans(), in_memory=st.booleans(),
    file_prefix=st.one_of(st.none(), st.text(alphabet=string.ascii_lowercase + "-", min_size=1, max_size=12)),
    memory_mb=st.one_of(st.none(), st.integers(1, 4096)),
    iova_mode=st.sampled_from([None, "pa", "va"]),
    log_levels=st.lists(st.sampled_from(["lib.eal:debug", "pmd.net.ring:info", "7"]), max_size=2).map(tuple),
    vdevs=st.lists(st.sampled_from(["net_ring0", "net_null0,size=64", "net_null1,copy=1"]), max_size=2,
                   unique=True).map(tuple),
    allow=st.lists(st.sampled_from(["0000:00:04.0", "00:05.0"]), max_size=2, unique=True).map(tuple),
    telemetry=st.booleans(),
)


@SETTINGS
@given(_eal_configs)
def test_eal_argv_renders_and_parses_back(cfg):
    back = EalConfig.from_argv(cfg.argv())
    assert back.argv() == cfg.argv()


@SETTINGS
@given(st.lists(st.text(alphabet="-acdlmnpv0123456789x=,.:_ ", max_size=12), max_size=6))
def test_eal_argv_parser_names_the_option_or_accepts(argv):
    try:
        EalConfig.from_argv(argv)
    except pydpdk.InvalidArgumentError as e:
        assert e.param and str(e)


@SETTINGS
@given(st.binary(min_size=6, max_size=6))
def test_mac_format_and_parse_round_trip(raw):
    text = format_mac(raw)
    assert parse_mac(text) == raw
    assert parse_mac(text.lower().replace(":", "-")) == raw


@SETTINGS
@given(st.text(max_size=20))
def test_mac_parser_rejects_what_is_not_a_mac(text):
    try:
        parse_mac(text)
    except pydpdk.InvalidArgumentError as e:
        assert e.param == "mac"
    else:
        assert len(text) == 17


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 63), st.integers(0, 8)), min_size=1, max_size=5))
def test_core_list_expands_ranges(parts):
    spec = ",".join(f"{a}-{a + n}" if n else str(a) for a, n in parts)
    want = [c for a, n in parts for c in range(a, a + n + 1)]
    assert _cpu_list(spec) == want


# -- the YAML schema: random documents are accepted or refused naming a line -----------------
_keys = st.sampled_from(["eal", "vdevs", "forwarding", "ports", "duration", "packets", "rings",
                         "ring_ports", "description", "nosuch", "stats_period"])
_scalars = st.one_of(st.integers(-5, 70000), st.booleans(), st.text(alphabet=string.ascii_letters + "_-0123456789",
                                                                      max_size=10), st.none(),
                     st.floats(allow_nan=False, allow_infinity=False, width=32))
_yaml_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["mode", "burst", "lcores", "no_pci", "rxq",
                                                                   "name", "size", "port", "mtu", "x"]),
                                                  inner, max_size=3)), max_leaves=8)


@SETTINGS
@given(st.dictionaries(_keys, _yaml_values, max_size=5))
def test_random_setups_are_accepted_or_refused_with_a_line(doc):
    import yaml
    text = yaml.safe_dump(doc, default_flow_style=False)
    try:
        loads(text, "random.yaml", check_env=False)
    except ConfigError as e:
        assert e.file == "random.yaml" and 1 <= e.line <= max(text.count("\n"), 1) + 1
        assert str(e).startswith("random.yaml:")


# -- packet building --------------------------------------------------------------------------
@SETTINGS
@given(st.lists(st.binary(min_size=1, max_size=3000), min_size=1, max_size=16))
def test_bursts_built_from_bytes_give_the_same_bytes_back(eal, pool, packets):
    burst = pool.burst(packets)
    try:
        assert burst.tobytes_list() == packets
        assert burst.lengths() == [len(p) for p in packets]
        assert burst.nbytes == sum(map(len, packets))
    finally:
        burst.free()
