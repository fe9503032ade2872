"""The stages bench/run.py's stage rows run (`pydpdk fwd -- --stage bench/stage_funcs.py:NAME`)."""
import numpy as np

from pydpdk.stage import DROP, PEER

# udp_filter's counters: [passed, dropped]
STATE = np.zeros(2, dtype=np.int64)


def macswap(data, length, port):
    """testpmd's macswap as a numba stage: swap the two MAC addresses, send to the peer port."""
    if length >= 12:
        for i in range(6):
            t = data[i]
            data[i] = data[i + 6]
            data[i + 6] = t
    return PEER


def udp_filter(data, length, port, counters):
    """IPv4/UDP to port 9 (testpmd's tx_first template) passes and is counted, the rest dropped."""
    if length >= 42 and data[12] == 0x08 and data[13] == 0x00 and data[23] == 17:
        off = 14 + (data[14] & 0x0F) * 4
        if off + 4 <= length and data[off + 2] * 256 + data[off + 3] == 9:
            counters[0] += 1
            return PEER
    counters[1] += 1
    return DROP
