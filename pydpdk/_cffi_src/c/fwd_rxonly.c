/* rxonly: receive and free (testpmd's rxonly). */
#include "fwd_engine.h"

static __rte_always_inline uint16_t do_rxonly(const struct pydpdk_fwd_ctx *c,
                                              struct pydpdk_fwd_stream *s, struct rte_mbuf **pkts)
{
    uint64_t bytes;
    uint16_t n = recv_burst(c, s, pkts, &bytes);

    if (n != 0)
        rte_pktmbuf_free_bulk(pkts, n);
    return n;
}

PYDPDK_FWD_ENGINE(rxonly, do_rxonly)
