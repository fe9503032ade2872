/* stage: call a compiled per-packet function (pydpdk.stage: numba cfunc or C through cffi) on
 * every received packet and route it by its verdict. The ABI, the verdicts and the counters are
 * documented in fwd.h ("Stages"). */
#include "strict.h"

#include <rte_cycles.h>

#include "fwd_engine.h"

#define NO_PORT UINT16_MAX
/* Scratch arrays are sized one burst plus a few entries, so that no two of them (nor pkts[]) sit
 * exactly a multiple of 4 KiB apart (4K aliasing between their loads and stores). */
#define SCRATCH (PYDPDK_FWD_MAX_BURST + 24)

/* Send n packets on (port, queue), retrying like send_burst(); what is refused is freed and
 * counted in s->fwd_dropped. bytes: their pkt_len sum when known, else UINT64_MAX. */
static __rte_always_inline void stage_send(const struct pydpdk_fwd_ctx *c,
                                           struct pydpdk_fwd_stream *s, uint16_t port,
                                           struct rte_mbuf **pkts, uint16_t n, uint64_t bytes)
{
    uint16_t sent = rte_eth_tx_burst(port, s->tx_queue, pkts, n);
    uint32_t tries;

    for (tries = 0; sent < n && tries < c->txretry; tries++) {
        if (c->txretry_delay_us)
            rte_delay_us(c->txretry_delay_us);
        sent += rte_eth_tx_burst(port, s->tx_queue, pkts + sent, n - sent);
    }
    if (c->count_bytes)
        s->tx_bytes += (sent == n && bytes != UINT64_MAX) ? bytes : burst_bytes(pkts, sent);
    s->tx_packets += sent;
    if (sent < n) {
        s->fwd_dropped += n - sent;
        rte_pktmbuf_free_bulk(pkts + sent, n - sent);
    }
}

#define STAGE_PREFETCH_AHEAD 4

/* A raw verdict -> the output port, or NO_PORT (counted in *drop or *invalid). */
static __rte_always_inline uint16_t stage_port(int64_t v, uint16_t peer, uint16_t back,
                                               const uint8_t *ok, uint64_t *drop, uint64_t *inval)
{
    if (likely(v == PYDPDK_STAGE_PEER))
        return peer;
    if (v >= 0) {
        if (likely(v < RTE_MAX_ETHPORTS && ok[v]))
            return (uint16_t)v;
        (*inval)++;
        return NO_PORT;
    }
    if (v == PYDPDK_STAGE_BACK)
        return back;
    if (v == PYDPDK_STAGE_DROP)
        (*drop)++;
    else
        (*inval)++;
    return NO_PORT;
}

/* Map n raw verdicts to ports in out[] and count drops/invalids; returns 1 when all alike. */
static __rte_always_inline int stage_map(struct pydpdk_fwd_stream *s, const int64_t *verdict,
                                         uint16_t n, uint16_t peer, uint16_t back,
                                         const uint8_t *ok, uint16_t *out)
{
    uint64_t n_drop = 0, n_invalid = 0;
    uint16_t i;
    int same = 1;

    for (i = 0; i < n; i++) {
        out[i] = stage_port(verdict[i], peer, back, ok, &n_drop, &n_invalid);
        same &= out[i] == out[0];
    }
    if (n_drop | n_invalid) {
        s->stage_dropped += n_drop;
        s->stage_invalid += n_invalid;
        s->other_dropped += n_drop + n_invalid;
    }
    return same;
}

/* stage_abi 2: one call for the whole burst, then the verdicts mapped to ports. */
static __rte_always_inline int stage_verdicts_burst(const struct pydpdk_fwd_ctx *c,
                                                    struct pydpdk_fwd_stream *s,
                                                    struct rte_mbuf **pkts, uint16_t n,
                                                    uint16_t *out, uint64_t *bytes)
{
    uint8_t *data[SCRATCH];
    int64_t len[SCRATCH + 8], verdict[SCRATCH + 16];
    const uint8_t *const ok = c->stage_port_ok;
    const uint16_t peer = s->tx_port, back = s->rx_port;
    uint64_t b = 0;
    uint16_t i;

    for (i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];

        data[i] = rte_pktmbuf_mtod(m, uint8_t *);
        rte_prefetch0(data[i]);
        len[i] = m->data_len;
        b += m->pkt_len;
    }
    ((pydpdk_stage_burst_fn *)c->stage_fn)(data, len, verdict, n, back, c->stage_state);
    *bytes = b;
    return stage_map(s, verdict, n, peer, back, ok, out);
}

/* The verdict of a burst as one port for all (uniform) into out[0], counted n times. */
static __rte_always_inline void stage_uniform(struct pydpdk_fwd_stream *s, int64_t v, uint16_t n,
                                              uint16_t peer, uint16_t back, const uint8_t *ok,
                                              uint16_t *out)
{
    uint64_t n_drop = 0, n_invalid = 0;

    out[0] = stage_port(v, peer, back, ok, &n_drop, &n_invalid);
    if (unlikely(out[0] == NO_PORT)) {
        s->stage_dropped += n_drop * n;
        s->stage_invalid += n_invalid * n;
        s->other_dropped += n;
    }
}

/* stage_abi 3: one call for the whole burst, given the mbufs; it returns the burst's verdict
 * when uniform (nothing else to do here but one compare), else PYDPDK_STAGE_MIXED with
 * verdict[] filled. The engine itself reads the mbufs only for the byte counters. */
static __rte_always_inline int stage_verdicts_mbuf(const struct pydpdk_fwd_ctx *c,
                                                   struct pydpdk_fwd_stream *s,
                                                   struct rte_mbuf **pkts, uint16_t n,
                                                   uint16_t *out, uint64_t *bytes)
{
    int64_t verdict[3 * SCRATCH];
    const uint8_t *const ok = c->stage_port_ok;
    const uint16_t peer = s->tx_port, back = s->rx_port;
    int64_t r;

    r = ((pydpdk_stage_mbuf_fn *)c->stage_fn)(pkts, n, back, c->stage_state, c->stage_lcore_state,
                                              verdict);
    *bytes = c->count_bytes ? burst_bytes(pkts, n) : 0;
    if (likely(r != PYDPDK_STAGE_MIXED)) {
        stage_uniform(s, r, n, peer, back, ok, out);
        return 1;
    }
    return stage_map(s, verdict, n, peer, back, ok, out);
}

/* The verdicts of n packets into out[] (NO_PORT: freed later); returns 1 when every packet goes
 * to the same port (then only out[0] is set). abi is a constant in each inlined copy: one
 * branch-free call loop per ABI; the raw verdicts are kept and mapped to ports once per burst
 * when they are all the same (the common case), else per packet. */
static __rte_always_inline int stage_verdicts(const struct pydpdk_fwd_ctx *c,
                                              struct pydpdk_fwd_stream *s, struct rte_mbuf **pkts,
                                              uint16_t n, uint16_t *out, uint64_t *bytes, int abi)
{
    int64_t verdict[SCRATCH + 16];
    void *const fn = c->stage_fn;
    void *const state = c->stage_state;
    const int64_t in_port = s->rx_port;
    uint64_t b = 0;
    int64_t first = 0, diff = 0;
    uint16_t i;

    for (i = 0; i < n && i < STAGE_PREFETCH_AHEAD; i++)
        rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
    for (i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *);
        int64_t v;

        if (i + STAGE_PREFETCH_AHEAD < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + STAGE_PREFETCH_AHEAD], void *));
        b += m->pkt_len;
        if (abi == PYDPDK_STAGE_ABI_PACKET)
            v = ((pydpdk_stage_fn *)fn)(data, m->data_len, in_port);
        else
            v = ((pydpdk_stage_state_fn *)fn)(data, m->data_len, in_port, state);
        verdict[i] = v;
        if (i == 0)
            first = v;
        diff |= v ^ first;
    }
    *bytes = b;
    if (likely(diff == 0)) {
        stage_uniform(s, first, n, s->tx_port, s->rx_port, c->stage_port_ok, out);
        return 1;
    }
    return stage_map(s, verdict, n, s->tx_port, s->rx_port, c->stage_port_ok, out);
}

static __rte_always_inline uint16_t do_stage(const struct pydpdk_fwd_ctx *c,
                                             struct pydpdk_fwd_stream *s, struct rte_mbuf **pkts)
{
    struct rte_mbuf *group[SCRATCH];
    uint16_t out[SCRATCH];
    uint64_t bytes;
    uint16_t n = rte_eth_rx_burst(s->rx_port, s->rx_queue, pkts, c->burst), i, left, nd;
    int same;

    if (n == 0)
        return 0;
    s->rx_packets += n;
    if (likely(c->stage_abi == PYDPDK_STAGE_ABI_MBUF))
        same = stage_verdicts_mbuf(c, s, pkts, n, out, &bytes);
    else if (c->stage_abi == PYDPDK_STAGE_ABI_BURST)
        same = stage_verdicts_burst(c, s, pkts, n, out, &bytes);
    else if (c->stage_abi == PYDPDK_STAGE_ABI_PACKET)
        same = stage_verdicts(c, s, pkts, n, out, &bytes, PYDPDK_STAGE_ABI_PACKET);
    else
        same = stage_verdicts(c, s, pkts, n, out, &bytes, PYDPDK_STAGE_ABI_PACKET_STATE);
    if (c->count_bytes)
        s->rx_bytes += bytes;
    if (likely(same)) {             /* the common case: one verdict for the whole burst */
        if (out[0] == NO_PORT) {
            rte_pktmbuf_free_bulk(pkts, n);
        } else {
            s->stage_forwarded += n;
            stage_send(c, s, out[0], pkts, n, bytes);
        }
        return n;
    }
    /* Free the dropped packets, compact the kept ones in place (arrival order kept). */
    for (i = 0, left = 0, nd = 0; i < n; i++) {
        if (out[i] == NO_PORT) {
            group[nd++] = pkts[i];
        } else {
            out[left] = out[i];
            pkts[left++] = pkts[i];
        }
    }
    if (nd != 0)
        rte_pktmbuf_free_bulk(group, nd);
    s->stage_forwarded += left;
    /* One tx burst per output port. */
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
        stage_send(c, s, port, group, ng, UINT64_MAX);
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
