/* io: forward every packet as received (testpmd's io). */
#include "strict.h"

#include "fwd_engine.h"

static __rte_always_inline uint16_t do_io(const struct pydpdk_fwd_ctx *c,
                                          struct pydpdk_fwd_stream *s, struct rte_mbuf **pkts)
{
    uint64_t bytes;
    uint16_t n = recv_burst(c, s, pkts, &bytes);

    if (n != 0)
        send_burst(c, s, pkts, n, bytes);
    return n;
}

PYDPDK_FWD_ENGINE(io, do_io)
