"""Traffic generation and measurement: streams with a per-packet field engine, rate control and a
payload tag, sent and measured by C loops on lcores (pydpdk/_cffi_src/c/gen.c).

    from pydpdk.gen import Generator, Stream, Field
    s = Stream(size=64, rate="1Mpps", fields=[Field("udp.sport", min=1000, max=1999)])
    with Generator([s], port=p0, rx=[p1]) as gen:
        result = gen.run(2.0)                 # start, wait 2 s (or until done), stop, drain
    print(result.to_json())

See docs/generator.md.
"""
from .engine import Generator
from .packet import NAMED_FIELDS, TAG_LEN, default_template
from .results import RELATIVE_ERROR, GenResult, Latency, StreamResult
from .stream import IMIX, Field, Stream, parse_rate

__all__ = ["Generator", "Stream", "Field", "GenResult", "StreamResult", "Latency", "parse_rate",
           "IMIX", "NAMED_FIELDS", "TAG_LEN", "RELATIVE_ERROR", "default_template"]
