/* The generating engines, txonly and flowgen (testpmd's), and the packet they send (also sent
 * by tx_first): built once by pydpdk_fwd_build_gen() from cfg.tx_template, copied per packet. */
#include "strict.h"

#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_memcpy.h>
#include <rte_udp.h>

#include "fwd_engine.h"

#define DEFAULT_TMPL_LEN 42 /* Ether + IPv4 + UDP */

/* Build gen->frame from the template, fix its lengths and checksums for tx_pkt_len, and note
 * where flowgen rewrites it. */
int pydpdk_fwd_build_gen(struct pydpdk_fwd *fwd, int need_flowgen)
{
    const struct pydpdk_fwd_config *cfg = &fwd->cfg;
    struct pydpdk_fwd_gen *g = &fwd->gen;
    uint8_t deflt[DEFAULT_TMPL_LEN];
    const uint8_t *tmpl = cfg->tx_template;
    uint32_t tlen = cfg->tx_template_len, len = cfg->tx_pkt_len, l2, i;
    uint16_t type;
    uint8_t *f = g->frame;

    if (len < RTE_ETHER_HDR_LEN || len > PYDPDK_FWD_MAX_PKT_LEN)
        return pydpdk_fwd_fail(fwd, EINVAL, "tx_pkt_len=%u: must be %d..%d", len, RTE_ETHER_HDR_LEN,
                    PYDPDK_FWD_MAX_PKT_LEN);
    if (tlen > PYDPDK_FWD_MAX_PKT_LEN)
        return pydpdk_fwd_fail(fwd, EINVAL, "tx_template_len=%u: must be at most %d", tlen,
                    PYDPDK_FWD_MAX_PKT_LEN);
    if (cfg->tx_nb_segs > PYDPDK_FWD_MAX_SEGS)
        return pydpdk_fwd_fail(fwd, EINVAL, "tx_nb_segs=%u: must be 0..%d", cfg->tx_nb_segs,
                    PYDPDK_FWD_MAX_SEGS);
    g->pkt_len = len;
    if (cfg->tx_nb_segs <= 1) {
        g->nb_segs = 1;
        g->seg_len[0] = (uint16_t)len; /* PYDPDK_FWD_MAX_PKT_LEN fits in a segment length */
    } else {
        uint32_t sum = 0;

        g->nb_segs = cfg->tx_nb_segs;
        for (i = 0; i < g->nb_segs; i++) {
            if (cfg->tx_seg_len[i] == 0)
                return pydpdk_fwd_fail(fwd, EINVAL, "tx_seg_len[%u]=0: segments cannot be empty", i);
            g->seg_len[i] = cfg->tx_seg_len[i];
            sum += cfg->tx_seg_len[i];
        }
        if (sum != len)
            return pydpdk_fwd_fail(fwd, EINVAL, "tx_seg_len sum to %u but tx_pkt_len=%u: they must be equal",
                        sum, len);
    }

    if (tlen == 0) { /* testpmd's default: Ether / IPv4 198.18.0.1 > 198.18.0.2 / UDP 9 > 9 */
        static const uint8_t ip_udp[28] = {
            0x45, 0, 0, 0, 0, 0, 0, 0, 64, IPPROTO_UDP, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2,
            0, 9, 0, 9, 0, 0, 0, 0,
        };

        memset(deflt, 0, RTE_ETHER_HDR_LEN);
        store16(deflt + 12, RTE_BE16(RTE_ETHER_TYPE_IPV4));
        memcpy(deflt + RTE_ETHER_HDR_LEN, ip_udp, sizeof(ip_udp));
        tmpl = deflt;
        tlen = sizeof(deflt);
    }
    memcpy(f, tmpl, RTE_MIN(tlen, len));
    if (len > tlen)
        memset(f + tlen, 0, len - tlen);

    g->l3_off = g->l4_off = 0;
    l2 = l2_parse(f, RTE_MIN(tlen, len), &type);
    if (l2 == 0 && tlen >= RTE_ETHER_HDR_LEN)
        return pydpdk_fwd_fail(fwd, EINVAL, "tx_pkt_len=%u cuts the template's VLAN tags", len);
    if (l2 != 0 && type == RTE_BE16(RTE_ETHER_TYPE_IPV4) && tlen >= l2 + sizeof(struct rte_ipv4_hdr)) {
        struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + l2);
        uint32_t ihl = (ip->version_ihl & 0xf) * 4u;
        int udp = ip->next_proto_id == IPPROTO_UDP &&
                  (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG)) == 0 &&
                  tlen >= l2 + ihl + sizeof(struct rte_udp_hdr);

        if ((ip->version_ihl >> 4) == 4 && ihl >= sizeof(*ip) && tlen >= l2 + ihl) {
            if (len < l2 + ihl + (udp ? sizeof(struct rte_udp_hdr) : 0))
                return pydpdk_fwd_fail(fwd, EINVAL, "tx_pkt_len=%u is shorter than the template's headers",
                            len);
            ip->total_length = rte_cpu_to_be_16((uint16_t)(len - l2));
            ip->hdr_checksum = 0;
            ip->hdr_checksum = rte_ipv4_cksum(ip);
            if (udp) {
                struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(f + l2 + ihl);

                uh->dgram_len = rte_cpu_to_be_16((uint16_t)(len - l2 - ihl));
                if (uh->dgram_cksum != 0) {
                    uh->dgram_cksum = 0;
                    uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip, uh);
                    if (uh->dgram_cksum == 0)
                        uh->dgram_cksum = 0xffff;
                }
                g->l3_off = (uint16_t)l2;
                g->l4_off = (uint16_t)(l2 + ihl);
            }
        }
    } else if (l2 != 0 && type == RTE_BE16(RTE_ETHER_TYPE_IPV6) &&
               tlen >= l2 + sizeof(struct rte_ipv6_hdr)) {
        struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(f + l2);
        uint32_t l4 = l2 + sizeof(*ip6);
        int udp = ip6->proto == IPPROTO_UDP && tlen >= l4 + sizeof(struct rte_udp_hdr);

        if (len < l4 + (udp ? sizeof(struct rte_udp_hdr) : 0))
            return pydpdk_fwd_fail(fwd, EINVAL, "tx_pkt_len=%u is shorter than the template's headers", len);
        ip6->payload_len = rte_cpu_to_be_16((uint16_t)(len - l4));
        if (udp) {
            struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(f + l4);

            uh->dgram_len = ip6->payload_len;
            if (uh->dgram_cksum != 0) {
                uh->dgram_cksum = 0;
                uh->dgram_cksum = rte_ipv6_udptcp_cksum(ip6, uh);
                if (uh->dgram_cksum == 0)
                    uh->dgram_cksum = 0xffff;
            }
        }
    }

    if (cfg->tx_set_macs && g->seg_len[0] < 2 * RTE_ETHER_ADDR_LEN)
        return pydpdk_fwd_fail(fwd, EINVAL, "tx_seg_len[0]=%u: tx_set_macs needs at least 12 bytes",
                    g->seg_len[0]);
    if (need_flowgen) {
        const uint8_t *ip, *uh;

        if (g->l4_off == 0)
            return pydpdk_fwd_fail(fwd, EINVAL, "flowgen needs an Ethernet/IPv4/UDP template (unfragmented)");
        if (g->seg_len[0] < g->l4_off + sizeof(struct rte_udp_hdr))
            return pydpdk_fwd_fail(fwd, EINVAL, "tx_seg_len[0]=%u: flowgen needs the %u header bytes in "
                        "the first segment", g->seg_len[0],
                        (unsigned int)(g->l4_off + sizeof(struct rte_udp_hdr)));
        if (cfg->nb_flows == 0)
            return pydpdk_fwd_fail(fwd, EINVAL, "nb_flows=0: must be at least 1");
        ip = f + g->l3_off;
        uh = f + g->l4_off;
        g->ip_src = rte_be_to_cpu_32(load32(ip + 12));
        g->ip_dst = rte_be_to_cpu_32(load32(ip + 16));
        g->udp_src = rte_be_to_cpu_16(load16(uh));
        g->udp_dst = rte_be_to_cpu_16(load16(uh + 2));
        g->ip_sum = sum32(load32(ip + 12)) + sum32(load32(ip + 16));
        g->udp_sum = g->ip_sum + load16(uh) + load16(uh + 2);
        g->ip_cksum = load16(ip + 10);
        g->udp_cksum = load16(uh + 6);
    }
    return 0;
}

/* Take up to n mbufs: the whole burst at once, else one by one as far as the pool allows. */
static __rte_always_inline uint16_t get_mbufs(struct rte_mempool *mp, struct rte_mbuf **pkts,
                                              uint16_t n, struct pydpdk_fwd_stream *s)
{
    uint16_t i;

    if (likely(rte_mempool_get_bulk(mp, (void **)pkts, n) == 0))
        return n;
    s->alloc_failures++;
    for (i = 0; i < n; i++)
        if (rte_mempool_get(mp, (void **)&pkts[i]) != 0)
            break;
    return i;
}

/* flowgen: give packet p flow number *flow and advance it. */
static __rte_always_inline void vary_flow(const struct pydpdk_fwd_ctx *c, uint8_t *p, uint32_t *flow)
{
    const struct pydpdk_fwd_gen *g = c->gen;
    uint8_t *ip = p + g->l3_off, *uh = p + g->l4_off;
    uint32_t f = *flow;
    uint32_t src = rte_cpu_to_be_32(g->ip_src + (f & c->m_ip_src));
    uint32_t dst = rte_cpu_to_be_32(g->ip_dst + (f & c->m_ip_dst));
    uint16_t sport = rte_cpu_to_be_16((uint16_t)(g->udp_src + (f & c->m_udp_src)));
    uint16_t dport = rte_cpu_to_be_16((uint16_t)(g->udp_dst + (f & c->m_udp_dst)));
    uint32_t ip_sum = sum32(src) + sum32(dst);

    store32(ip + 12, src);
    store32(ip + 16, dst);
    store16(uh, sport);
    store16(uh + 2, dport);
    store16(ip + 10, cksum_update(g->ip_cksum, g->ip_sum, ip_sum));
    if (g->udp_cksum != 0) {
        uint16_t ck = cksum_update(g->udp_cksum, g->udp_sum, ip_sum + sport + dport);

        store16(uh + 6, ck ? ck : 0xffff);
    }
    *flow = f + 1 == c->nb_flows ? 0 : f + 1;
}

/* Build one multi-segment packet into *out. Returns 0, or -1 if the pool ran dry. */
static __rte_noinline int gen_chained(const struct pydpdk_fwd_ctx *c, const struct pydpdk_fwd_stream *s,
                                      struct rte_mbuf **out)
{
    const struct pydpdk_fwd_gen *g = c->gen;
    struct rte_mbuf *seg[PYDPDK_FWD_MAX_SEGS];
    uint32_t k, off = 0;

    if (rte_mempool_get_bulk(s->pool, (void **)seg, g->nb_segs) != 0)
        return -1;
    for (k = 0; k < g->nb_segs; k++) {
        rte_pktmbuf_reset(seg[k]);
        seg[k]->data_len = g->seg_len[k];
        rte_memcpy(rte_pktmbuf_mtod(seg[k], void *), g->frame + off, g->seg_len[k]);
        off += g->seg_len[k];
        if (k > 0)
            seg[k - 1]->next = seg[k];
    }
    seg[0]->nb_segs = (uint16_t)g->nb_segs;
    seg[0]->pkt_len = g->pkt_len;
    *out = seg[0];
    return 0;
}

/* Build up to n copies of the generated packet (flowgen: with per-flow addresses). */
static __rte_always_inline uint16_t gen_burst(const struct pydpdk_fwd_ctx *c, struct pydpdk_fwd_stream *s,
                                              struct rte_mbuf **pkts, uint16_t n, int flowgen)
{
    const struct pydpdk_fwd_gen *g = c->gen;
    uint32_t flow = s->next_flow;
    uint16_t i;

    if (likely(g->nb_segs == 1)) {
        const uint16_t len = (uint16_t)g->pkt_len;

        n = get_mbufs(s->pool, pkts, n, s);
        for (i = 0; i < n; i++) {
            struct rte_mbuf *m = pkts[i];

            rte_pktmbuf_reset(m);
            m->data_len = len;
            m->pkt_len = len;
            rte_memcpy(rte_pktmbuf_mtod(m, void *), g->frame, len);
        }
    } else {
        for (i = 0; i < n; i++)
            if (gen_chained(c, s, &pkts[i]) != 0)
                break;
        if (i < n)
            s->alloc_failures++;
        n = i;
    }
    if (c->set_macs)
        for (i = 0; i < n; i++)
            memcpy(rte_pktmbuf_mtod(pkts[i], uint8_t *), s->mac_hdr, 2 * RTE_ETHER_ADDR_LEN);
    if (flowgen) {
        for (i = 0; i < n; i++)
            vary_flow(c, rte_pktmbuf_mtod(pkts[i], uint8_t *), &flow);
        s->next_flow = flow;
    }
    s->gen_packets += n;
    return n;
}

uint16_t pydpdk_fwd_gen_burst(const struct pydpdk_fwd_ctx *c, struct pydpdk_fwd_stream *s,
                              struct rte_mbuf **pkts, uint16_t n, int flowgen)
{
    return gen_burst(c, s, pkts, n, flowgen);
}

static __rte_always_inline uint16_t do_txonly(const struct pydpdk_fwd_ctx *c, struct pydpdk_fwd_stream *s,
                                              struct rte_mbuf **pkts)
{
    uint16_t n = gen_burst(c, s, pkts, c->burst, 0);

    if (n != 0)
        send_burst(c, s, pkts, n, c->count_bytes ? (uint64_t)n * c->gen->pkt_len : 0);
    return n;
}

static __rte_always_inline uint16_t do_flowgen(const struct pydpdk_fwd_ctx *c, struct pydpdk_fwd_stream *s,
                                               struct rte_mbuf **pkts)
{
    uint16_t nrx = rte_eth_rx_burst(s->rx_port, s->rx_queue, pkts, c->burst), n, sent;

    if (nrx != 0) {
        s->rx_packets += nrx;
        if (c->count_bytes)
            s->rx_bytes += free_burst(pkts, nrx, 1);
        else
            free_burst(pkts, nrx, 0);
    }
    n = gen_burst(c, s, pkts, c->burst, 1);
    if (n == 0)
        return nrx;
    sent = send_burst(c, s, pkts, n, c->count_bytes ? (uint64_t)n * c->gen->pkt_len : 0);
    if (sent < n) /* the unsent flows go first next time */
        s->next_flow = (s->next_flow + c->nb_flows - (uint32_t)(n - sent) % c->nb_flows) %
                       c->nb_flows;
    return nrx + n;
}

PYDPDK_FWD_ENGINE(txonly, do_txonly)
PYDPDK_FWD_ENGINE(flowgen, do_flowgen)
