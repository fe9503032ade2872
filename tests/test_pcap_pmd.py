"""The pcap PMD on real files: a file-to-file round trip through a port, byte-exact and in order."""
import pydpdk
from pydpdk.pcap import write_pcap, read_frames
from pydpdk.testing.frames import make_frame


def test_pcap_file_to_file(eal, pool, short_dir):
    tmp_path = short_dir
    frames = [make_frame(i, 60 + (i * 7) % 1400) for i in range(300)]
    rx, tx = tmp_path / "in.pcap", tmp_path / "out.pcap"
    write_pcap(str(rx), frames)
    (port,) = pydpdk.vdev.attach(f"net_pcap_t0,rx_pcap={rx},tx_pcap={tx}")
    port.setup(pool)
    got = 0
    idle = 0
    while idle < 3:
        b = port.rx_burst(0, 64)
        if not b:
            idle += 1
            continue
        got += len(b)
        while b:
            port.tx_burst(b)
    st = port.stats()
    pydpdk.vdev.detach(port)          # closes the dumper: the file is complete
    assert got == 300 and st.ipackets == 300 == st.opackets
    assert st.ibytes == sum(map(len, frames)) == st.obytes
    assert read_frames(str(tx)) == frames
