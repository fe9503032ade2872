/* rxonly: receive and free (testpmd's rxonly, which frees with rte_pktmbuf_free_bulk(); here the
 * inlined free_burst() frees and counts the bytes in one pass). */
#include "strict.h"

#include "fwd_engine.h"

static __rte_always_inline uint16_t do_rxonly(const struct pydpdk_fwd_ctx *c,
                                              struct pydpdk_fwd_stream *s, struct rte_mbuf **pkts)
{
    uint16_t n = rte_eth_rx_burst(s->rx_port, s->rx_queue, pkts, c->burst);

    if (n == 0)
        return 0;
    s->rx_packets += n;
    if (c->count_bytes)
        s->rx_bytes += free_burst(pkts, n, 1);
    else
        free_burst(pkts, n, 0);
    return n;
}

PYDPDK_FWD_ENGINE(rxonly, do_rxonly)
