/* stage: call a compiled per-packet function (pydpdk.stage: numba cfunc or C through cffi) on
 * every received packet and route it by its verdict. The ABI, the verdicts and the counters are
 * documented in fwd.h ("Stages"). */
#include "strict.h"

#include <rte_cycles.h>

#include "fwd_engine.h"

#define NO_PORT UINT16_MAX

/* Send n packets on (port, queue), retrying like send_burst(); what is refused is freed and
 * counted in s->fwd_dropped. */
static __rte_always_inline void stage_send(const struct pydpdk_fwd_ctx *c,
                                           struct pydpdk_fwd_stream *s, uint16_t port,
                                           struct rte_mbuf **pkts, uint16_t n)
{
    uint16_t sent = rte_eth_tx_burst(port, s->tx_queue, pkts, n);
    uint32_t tries;

    for (tries = 0; sent < n && tries < c->txretry; tries++) {
        if (c->txretry_delay_us)
            rte_delay_us(c->txretry_delay_us);
        sent += rte_eth_tx_burst(port, s->tx_queue, pkts + sent, n - sent);
    }
    if (c->count_bytes)
        s->tx_bytes += burst_bytes(pkts, sent);
    s->tx_packets += sent;
    if (sent < n) {
        s->fwd_dropped += n - sent;
        rte_pktmbuf_free_bulk(pkts + sent, n - sent);
    }
}

static __rte_always_inline uint16_t do_stage(const struct pydpdk_fwd_ctx *c,
                                             struct pydpdk_fwd_stream *s, struct rte_mbuf **pkts)
{
    struct rte_mbuf *drop[PYDPDK_FWD_MAX_BURST], *group[PYDPDK_FWD_MAX_BURST];
    uint16_t out[PYDPDK_FWD_MAX_BURST];
    uint64_t bytes;
    uint64_t n_drop = 0, n_invalid = 0;
    uint16_t n = recv_burst(c, s, pkts, &bytes), i, nd = 0, left = 0, first = NO_PORT;
    const int64_t in_port = s->rx_port;
    int same = 1;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *);
        int64_t v;

        if (c->stage_abi == PYDPDK_STAGE_ABI_PACKET)
            v = ((pydpdk_stage_fn *)c->stage_fn)(data, m->data_len, in_port);
        else
            v = ((pydpdk_stage_state_fn *)c->stage_fn)(data, m->data_len, in_port, c->stage_state);
        if (v >= 0) {
            if (unlikely(v >= RTE_MAX_ETHPORTS || !c->stage_port_ok[v])) {
                n_invalid++;
                v = NO_PORT;
            }
        } else if (v == PYDPDK_STAGE_PEER) {
            v = s->tx_port;
        } else if (v == PYDPDK_STAGE_BACK) {
            v = s->rx_port;
        } else if (v == PYDPDK_STAGE_DROP) {
            n_drop++;
            v = NO_PORT;
        } else {
            n_invalid++;
            v = NO_PORT;
        }
        if (v == NO_PORT) {
            drop[nd++] = m;
            continue;
        }
        if (first == NO_PORT)
            first = (uint16_t)v;
        else if (v != first)
            same = 0;
        out[left] = (uint16_t)v;
        pkts[left++] = m;           /* compact the kept packets in place (left <= i) */
    }
    s->stage_dropped += n_drop;
    s->stage_invalid += n_invalid;
    s->other_dropped += nd;
    s->stage_forwarded += left;
    if (nd != 0)
        rte_pktmbuf_free_bulk(drop, nd);
    if (left == 0)
        return n;
    if (same) {                     /* the common case: one output port */
        stage_send(c, s, first, pkts, left);
        return n;
    }
    /* Several output ports: one tx burst per port, arrival order kept within a port. */
    while (left != 0) {
        uint16_t port = out[0], ng = 0, rest = 0;

        for (i = 0; i < left; i++) {
            if (out[i] == port) {
                group[ng++] = pkts[i];
            } else {
                out[rest] = out[i];
                pkts[rest++] = pkts[i];
            }
        }
        stage_send(c, s, port, group, ng);
        left = rest;
    }
    return n;
}

PYDPDK_FWD_ENGINE(stage, do_stage)

/* The stage a Forwarder in stage mode runs when given none: every packet to the peer port. */
int64_t pydpdk_stage_peer(uint8_t *data, int64_t length, int64_t port)
{
    (void)data;
    (void)length;
    (void)port;
    return PYDPDK_STAGE_PEER;
}
