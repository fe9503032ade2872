/* Compiled stages (pydpdk.stage; the ABI and verdicts of fwd.h "Stages") on the generator's
 * packets and on its receive engine.
 *
 * TX: a stream's stage runs on every packet the stream builds, after the field engine and before
 * the tag and the checksums (build_burst_stage in gen.c): any port verdict, PEER or BACK sends it
 * on the stream's own port and queue, DROP frees it (stage_dropped), anything else frees it too
 * (stage_invalid). A stage may rewrite any byte: the kept packets then get their tag (a dropped
 * packet takes no sequence number, so it is neither lost nor missing) and their IPv4 header and
 * UDP/TCP checksums computed in full (rte_ipv4_cksum, rte_ipv4/6_udptcp_cksum; software only).
 * gen_packets counts the packets built (what count= and the rate pace), so once stopped
 * gen_packets == tx_packets + unsent + stage_dropped + stage_invalid.
 * RX: the receive engine's stage runs on every received packet before the measurement: DROP
 * (and invalid verdicts) leave it unmeasured (rx_stage_dropped / rx_stage_invalid); others are
 * measured as usual. Every received packet is freed either way. */
#ifndef PYDPDK_GEN_STAGE_H
#define PYDPDK_GEN_STAGE_H

#include <rte_ip.h>
#include "fwd.h"          /* the stage ABI: pydpdk_stage_*_fn, PYDPDK_STAGE_* */
#include "gen.h"

/* The verdicts of n packets into v[] (one call per packet, or one per burst for abi 2 and 3). */
static __rte_always_inline void gen_stage_verdicts(void *fn, void *state, void *lcore_state,
                                                   uint32_t abi, int64_t port,
                                                   struct rte_mbuf **pkts, uint16_t n, int64_t *v)
{
    uint16_t i;

    if (abi == PYDPDK_STAGE_ABI_MBUF) {
        int64_t all = ((pydpdk_stage_mbuf_fn *)fn)(pkts, n, port, state, lcore_state, v);

        if (all != PYDPDK_STAGE_MIXED)
            for (i = 0; i < n; i++)
                v[i] = all;
        return;
    }
    if (abi == PYDPDK_STAGE_ABI_BURST) {
        uint8_t *data[PYDPDK_GEN_MAX_BURST];
        int64_t len[PYDPDK_GEN_MAX_BURST];

        for (i = 0; i < n; i++) {
            data[i] = rte_pktmbuf_mtod(pkts[i], uint8_t *);
            len[i] = pkts[i]->data_len;
        }
        ((pydpdk_stage_burst_fn *)fn)(data, len, v, n, port, state);
        return;
    }
    for (i = 0; i < n; i++) {
        uint8_t *d = rte_pktmbuf_mtod(pkts[i], uint8_t *);

        v[i] = abi == PYDPDK_STAGE_ABI_PACKET ? ((pydpdk_stage_fn *)fn)(d, pkts[i]->data_len, port)
                                              : ((pydpdk_stage_state_fn *)fn)(d, pkts[i]->data_len, port, state);
    }
}

/* A kept verdict: a port, PEER or BACK. */
static __rte_always_inline int gen_stage_keep(int64_t v)
{
    return v >= 0 || v == PYDPDK_STAGE_PEER || v == PYDPDK_STAGE_BACK;
}

/* Full checksums of a packet a stage may have rewritten (l3_off/l4_off from the stream): the
 * IPv4 header's when the stream fixes it, the UDP/TCP one when the stream fixes it. */
static __rte_always_inline void gen_stage_fix_csum(const struct pydpdk_gen_stream *s, struct rte_mbuf *m)
{
    uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
    const int l4 = s->l4_csum && (s->l4_proto == IPPROTO_UDP || s->l4_proto == IPPROTO_TCP);
    uint16_t *ck = (uint16_t *)(p + s->l4_off + (s->l4_proto == IPPROTO_UDP ? 6 : 16));

    if (s->l3_type == 4) {
        struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + s->l3_off);

        if (s->ip_csum) {
            ip->hdr_checksum = 0;
            ip->hdr_checksum = rte_ipv4_cksum(ip);
        }
        if (l4) {
            *ck = 0;
            *ck = rte_ipv4_udptcp_cksum(ip, p + s->l4_off);
        }
    } else if (s->l3_type == 6 && l4) {
        *ck = 0;
        *ck = rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)(p + s->l3_off), p + s->l4_off);
    }
}

/* RX: run the receive engine's stage on n received packets; moves the ones to measure to the
 * front of pkts (order kept; the others after them, still to be freed). Returns how many. */
static __rte_always_inline uint16_t gen_stage_rx(struct pydpdk_gen_rx *r, struct rte_mbuf **pkts, uint16_t n)
{
    int64_t v[PYDPDK_GEN_MAX_BURST];
    struct rte_mbuf *rest[PYDPDK_GEN_MAX_BURST];
    uint16_t i, kept = 0, nr = 0;

    gen_stage_verdicts(r->stage_fn, r->stage_state, r->stage_lcore_state, r->stage_abi, r->port, pkts, n, v);
    for (i = 0; i < n; i++) {
        if (likely(gen_stage_keep(v[i]))) {
            pkts[kept++] = pkts[i];
        } else {
            if (v[i] == PYDPDK_STAGE_DROP)
                r->stage_dropped++;
            else
                r->stage_invalid++;
            rest[nr++] = pkts[i];
        }
    }
    for (i = 0; i < nr; i++)
        pkts[kept + i] = rest[i];
    return kept;
}

#endif
