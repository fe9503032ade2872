"""On DPDK releases whose pcapng API pydpdk's capture does not drive yet (23.11 and later),
Port.capture / pydpdk.capture.capture refuse clearly instead of crashing."""
import pytest

import pydpdk
from pydpdk import capture
from pydpdk.dpdk_features import FEATURES


@pytest.mark.skipif(FEATURES.release < (23, 11), reason="DPDK 22.11: capture works (tests/test_capture.py)")
def test_capture_refuses_on_the_new_pcapng_api(ring_pair, tmp_path):
    p0, _ = ring_pair
    with pytest.raises(pydpdk.errors.NotSupportedError, match="pcapng API"):
        capture.capture(p0, str(tmp_path / "x.pcapng"))
    with pytest.raises(pydpdk.errors.NotSupportedError):
        p0.capture(str(tmp_path / "y.pcapng"))
