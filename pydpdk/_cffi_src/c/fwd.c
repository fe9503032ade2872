/* Native forwarding engines: see fwd.h for the API and the counters' meaning.
 *
 * Each worker lcore polls its contiguous range of streams until fwd->stop is raised. The loop is
 * specialised per mode at compile time (run_streams() is always inlined with a constant mode),
 * so a uniform lcore pays no per-burst dispatch; lcores with mixed modes switch per stream.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>
#include <rte_udp.h>
#ifdef __SSSE3__
#include <tmmintrin.h>
#endif

#include "fwd.h"

#define DEFAULT_TMPL_LEN 42 /* Ether + IPv4 + UDP */

static const char *const mode_names[PYDPDK_FWD_NB_MODES] = {
    "default", "io", "mac", "macswap", "rxonly", "txonly", "flowgen", "icmpecho",
};

static int fail(struct pydpdk_fwd *fwd, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct pydpdk_fwd *fwd, int err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(fwd->error, sizeof(fwd->error), fmt, ap);
    va_end(ap);
    return -err;
}

static inline int mode_receives(uint32_t mode) { return mode != PYDPDK_FWD_TXONLY; }
static inline int mode_sends(uint32_t mode) { return mode != PYDPDK_FWD_RXONLY; }
static inline int mode_generates(uint32_t mode)
{
    return mode == PYDPDK_FWD_TXONLY || mode == PYDPDK_FWD_FLOWGEN;
}

/* ---- Internet checksum arithmetic (RFC 1071 / RFC 1624) on words as stored in memory ---- */

static inline uint32_t sum32(uint32_t raw) { return (raw & 0xffff) + (raw >> 16); }

static inline uint16_t fold(uint32_t s)
{
    s = (s & 0xffff) + (s >> 16);
    return (uint16_t)((s & 0xffff) + (s >> 16));
}

/* Checksum ck after words summing to old_sum were replaced by words summing to new_sum. */
static inline uint16_t cksum_update(uint16_t ck, uint32_t old_sum, uint32_t new_sum)
{
    uint32_t s = (uint16_t)~ck + (uint16_t)~fold(old_sum) + (uint32_t)fold(new_sum);

    return (uint16_t)~fold(s);
}

static inline uint16_t load16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t load32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline void store16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void store32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* Length of the Ethernet header with up to two VLAN tags; *type gets the inner EtherType
 * (network order). Returns 0 if len cannot hold it. */
static inline uint32_t l2_parse(const uint8_t *p, uint32_t len, uint16_t *type)
{
    uint32_t off = RTE_ETHER_HDR_LEN;
    int tags;

    if (len < off)
        return 0;
    *type = load16(p + 12);
    for (tags = 0; tags < 2; tags++) {
        if (*type != RTE_BE16(RTE_ETHER_TYPE_VLAN) && *type != RTE_BE16(RTE_ETHER_TYPE_QINQ) &&
            *type != RTE_BE16(RTE_ETHER_TYPE_QINQ1))
            break;
        if (len < off + 4)
            return 0;
        *type = load16(p + off + 2);
        off += 4;
    }
    return off;
}

/* ---- Configuration ---- */

void pydpdk_fwd_init_config(struct pydpdk_fwd_config *cfg)
{
    /* The structs are padded (not over-aligned: callers allocate them with plain malloc/ffi.new)
     * so that counters written by different lcores never share a cache line. */
    RTE_BUILD_BUG_ON(sizeof(struct pydpdk_fwd_stream) != 2 * RTE_CACHE_LINE_SIZE);
    RTE_BUILD_BUG_ON(sizeof(struct pydpdk_fwd_lcore) != RTE_CACHE_LINE_SIZE);
    memset(cfg, 0, sizeof(*cfg));
    cfg->mode = PYDPDK_FWD_IO;
    cfg->burst = 32;
    cfg->count_bytes = 1;
    cfg->txretry_delay_us = 1;
    cfg->tx_pkt_len = 64;
    cfg->tx_set_macs = 1;
    cfg->nb_flows = 1024;
    cfg->flow_fields = PYDPDK_FWD_FLOW_SRC_IP | PYDPDK_FWD_FLOW_DST_IP |
                       PYDPDK_FWD_FLOW_SRC_PORT | PYDPDK_FWD_FLOW_DST_PORT;
}

int pydpdk_fwd_assign(struct pydpdk_fwd *fwd, unsigned int nb_lcores)
{
    uint32_t used, base, extra, i, next = 0;

    fwd->error[0] = '\0';
    if (nb_lcores == 0 || nb_lcores > RTE_MAX_LCORE)
        return fail(fwd, EINVAL, "nb_lcores=%u: must be 1..%d", nb_lcores, RTE_MAX_LCORE);
    if (fwd->nb_streams == 0)
        return fail(fwd, EINVAL, "no streams to assign");
    used = RTE_MIN(nb_lcores, fwd->nb_streams);
    base = fwd->nb_streams / used;
    extra = fwd->nb_streams % used;
    for (i = 0; i < used; i++) {
        struct pydpdk_fwd_lcore *lc = &fwd->lcores[i];

        lc->stream_begin = next;
        lc->nb_streams = base + (i >= used - extra);
        next += lc->nb_streams;
    }
    return (int)used;
}

/* Build gen->frame from the template, fix its lengths and checksums for tx_pkt_len, and note
 * where flowgen rewrites it. */
static int build_gen(struct pydpdk_fwd *fwd, int need_flowgen)
{
    const struct pydpdk_fwd_config *cfg = &fwd->cfg;
    struct pydpdk_fwd_gen *g = &fwd->gen;
    uint8_t deflt[DEFAULT_TMPL_LEN];
    const uint8_t *tmpl = cfg->tx_template;
    uint32_t tlen = cfg->tx_template_len, len = cfg->tx_pkt_len, l2, i;
    uint16_t type;
    uint8_t *f = g->frame;

    if (len < RTE_ETHER_HDR_LEN || len > PYDPDK_FWD_MAX_PKT_LEN)
        return fail(fwd, EINVAL, "tx_pkt_len=%u: must be %d..%d", len, RTE_ETHER_HDR_LEN,
                    PYDPDK_FWD_MAX_PKT_LEN);
    if (tlen > PYDPDK_FWD_MAX_PKT_LEN)
        return fail(fwd, EINVAL, "tx_template_len=%u: must be at most %d", tlen,
                    PYDPDK_FWD_MAX_PKT_LEN);
    if (cfg->tx_nb_segs > PYDPDK_FWD_MAX_SEGS)
        return fail(fwd, EINVAL, "tx_nb_segs=%u: must be 0..%d", cfg->tx_nb_segs,
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
                return fail(fwd, EINVAL, "tx_seg_len[%u]=0: segments cannot be empty", i);
            g->seg_len[i] = cfg->tx_seg_len[i];
            sum += cfg->tx_seg_len[i];
        }
        if (sum != len)
            return fail(fwd, EINVAL, "tx_seg_len sum to %u but tx_pkt_len=%u: they must be equal",
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
        return fail(fwd, EINVAL, "tx_pkt_len=%u cuts the template's VLAN tags", len);
    if (l2 != 0 && type == RTE_BE16(RTE_ETHER_TYPE_IPV4) && tlen >= l2 + sizeof(struct rte_ipv4_hdr)) {
        struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + l2);
        uint32_t ihl = (ip->version_ihl & 0xf) * 4u;
        int udp = ip->next_proto_id == IPPROTO_UDP &&
                  (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG)) == 0 &&
                  tlen >= l2 + ihl + sizeof(struct rte_udp_hdr);

        if ((ip->version_ihl >> 4) == 4 && ihl >= sizeof(*ip) && tlen >= l2 + ihl) {
            if (len < l2 + ihl + (udp ? sizeof(struct rte_udp_hdr) : 0))
                return fail(fwd, EINVAL, "tx_pkt_len=%u is shorter than the template's headers",
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
            return fail(fwd, EINVAL, "tx_pkt_len=%u is shorter than the template's headers", len);
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
        return fail(fwd, EINVAL, "tx_seg_len[0]=%u: tx_set_macs needs at least 12 bytes",
                    g->seg_len[0]);
    if (need_flowgen) {
        const uint8_t *ip, *uh;

        if (g->l4_off == 0)
            return fail(fwd, EINVAL, "flowgen needs an Ethernet/IPv4/UDP template (unfragmented)");
        if (g->seg_len[0] < g->l4_off + sizeof(struct rte_udp_hdr))
            return fail(fwd, EINVAL, "tx_seg_len[0]=%u: flowgen needs the %u header bytes in "
                        "the first segment", g->seg_len[0],
                        (unsigned int)(g->l4_off + sizeof(struct rte_udp_hdr)));
        if (cfg->nb_flows == 0)
            return fail(fwd, EINVAL, "nb_flows=0: must be at least 1");
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

/* Cached rte_eth_dev_info_get() answers for validating queue ids. */
struct port_queues {
    uint16_t known[RTE_MAX_ETHPORTS];
    uint16_t nb_rxq[RTE_MAX_ETHPORTS];
    uint16_t nb_txq[RTE_MAX_ETHPORTS];
};

static int check_port(struct pydpdk_fwd *fwd, struct port_queues *pq, uint32_t idx,
                      const char *what, uint16_t port, uint16_t queue, int rx)
{
    if (!rte_eth_dev_is_valid_port(port))
        return fail(fwd, EINVAL, "stream %u: %s_port=%u is not a valid port", idx, what, port);
    if (!pq->known[port]) {
        struct rte_eth_dev_info info;
        int rc = rte_eth_dev_info_get(port, &info);

        if (rc < 0)
            return fail(fwd, -rc, "stream %u: port %u: cannot get device info", idx, port);
        pq->nb_rxq[port] = info.nb_rx_queues;
        pq->nb_txq[port] = info.nb_tx_queues;
        pq->known[port] = 1;
    }
    if (queue >= (rx ? pq->nb_rxq[port] : pq->nb_txq[port]))
        return fail(fwd, EINVAL, "stream %u: %s_queue=%u: port %u has %u %s queues", idx, what,
                    queue, port, rx ? pq->nb_rxq[port] : pq->nb_txq[port], what);
    return 0;
}

/* Validate; resolve stream modes, MACs and pools. need_gen: also build the generated packet
 * (forced on when a stream generates). */
static int prepare(struct pydpdk_fwd *fwd, int need_gen)
{
    struct pydpdk_fwd_config *cfg = &fwd->cfg;
    struct port_queues pq;
    int need_flowgen = 0, rc;
    uint32_t i;

    fwd->error[0] = '\0';
    if (cfg->burst == 0 || cfg->burst > PYDPDK_FWD_MAX_BURST)
        return fail(fwd, EINVAL, "burst=%u: must be 1..%d", cfg->burst, PYDPDK_FWD_MAX_BURST);
    if (cfg->mode == PYDPDK_FWD_DEFAULT || cfg->mode >= PYDPDK_FWD_NB_MODES)
        return fail(fwd, EINVAL, "mode=%u: must be 1..%d", cfg->mode, PYDPDK_FWD_NB_MODES - 1);
    if (fwd->nb_streams != 0 && fwd->streams == NULL)
        return fail(fwd, EINVAL, "streams is NULL but nb_streams=%u", fwd->nb_streams);
    memset(&pq, 0, sizeof(pq));
    for (i = 0; i < fwd->nb_streams; i++) {
        struct pydpdk_fwd_stream *s = &fwd->streams[i];
        uint32_t mode = s->mode ? s->mode : cfg->mode;

        if (mode >= PYDPDK_FWD_NB_MODES)
            return fail(fwd, EINVAL, "stream %u: mode=%u: must be 0..%d", i, s->mode,
                        PYDPDK_FWD_NB_MODES - 1);
        s->run_mode = mode;
        if (mode_receives(mode)) {
            rc = check_port(fwd, &pq, i, "rx", s->rx_port, s->rx_queue, 1);
            if (rc < 0)
                return rc;
            rte_eth_macaddr_get(s->rx_port, &cfg->port_mac[s->rx_port]);
            s->rx_mac = cfg->port_mac[s->rx_port];
        }
        if (mode_sends(mode)) {
            rc = check_port(fwd, &pq, i, "tx", s->tx_port, s->tx_queue, 0);
            if (rc < 0)
                return rc;
            rte_eth_macaddr_get(s->tx_port, &cfg->port_mac[s->tx_port]);
            memcpy(s->mac_hdr, &cfg->peer_mac[s->tx_port], RTE_ETHER_ADDR_LEN);
            memcpy(s->mac_hdr + RTE_ETHER_ADDR_LEN, &cfg->port_mac[s->tx_port],
                   RTE_ETHER_ADDR_LEN);
            s->pool = cfg->tx_pool[s->tx_port];
        }
        if (mode_generates(mode)) {
            need_gen = 1;
            need_flowgen |= mode == PYDPDK_FWD_FLOWGEN;
            if (s->pool == NULL)
                return fail(fwd, EINVAL, "stream %u: %s needs tx_pool[%u]", i, mode_names[mode],
                            s->tx_port);
        }
    }
    if (need_gen) {
        rc = build_gen(fwd, need_flowgen);
        if (rc < 0)
            return rc;
        for (i = 0; i < fwd->nb_streams; i++) {
            struct pydpdk_fwd_stream *s = &fwd->streams[i];
            uint32_t room, k;

            if (!mode_sends(s->run_mode) || s->pool == NULL)
                continue;
            room = rte_pktmbuf_data_room_size(s->pool);
            room = room > RTE_PKTMBUF_HEADROOM ? room - RTE_PKTMBUF_HEADROOM : 0;
            for (k = 0; k < fwd->gen.nb_segs; k++)
                if (fwd->gen.seg_len[k] > room)
                    return fail(fwd, EINVAL, "stream %u: segment of %u bytes does not fit the "
                                "%u bytes of tx_pool[%u]'s mbufs", i, fwd->gen.seg_len[k], room,
                                s->tx_port);
            s->next_flow %= cfg->nb_flows ? cfg->nb_flows : 1;
        }
    }
    return 0;
}

int pydpdk_fwd_prepare(struct pydpdk_fwd *fwd)
{
    if (fwd->running)
        return fail(fwd, EBUSY, "the forwarder is running");
    return prepare(fwd, 0);
}

int pydpdk_fwd_reset_stats(struct pydpdk_fwd *fwd)
{
    uint32_t i;

    if (fwd->running)
        return fail(fwd, EBUSY, "the forwarder is running");
    for (i = 0; i < fwd->nb_streams && fwd->streams != NULL; i++) {
        struct pydpdk_fwd_stream *s = &fwd->streams[i];

        s->rx_packets = s->rx_bytes = s->tx_packets = s->tx_bytes = 0;
        s->gen_packets = s->fwd_dropped = s->other_dropped = s->alloc_failures = 0;
    }
    for (i = 0; i < RTE_MAX_LCORE; i++)
        fwd->lcores[i].iterations = fwd->lcores[i].idle_iterations = 0;
    return 0;
}

/* ---- Datapath ---- */

/* What the polling loop needs, copied to the worker's stack so it stays in registers. */
struct ctx {
    uint16_t burst;
    uint16_t count_bytes;
    uint32_t txretry;
    uint32_t txretry_delay_us;
    uint32_t set_macs;
    uint32_t nb_flows;
    uint32_t m_ip_src, m_ip_dst;   /* flowgen: all-ones where the field varies */
    uint16_t m_udp_src, m_udp_dst;
    const struct pydpdk_fwd_gen *gen;
};

static void ctx_init(struct ctx *c, const struct pydpdk_fwd *fwd)
{
    const struct pydpdk_fwd_config *cfg = &fwd->cfg;

    c->burst = cfg->burst;
    c->count_bytes = cfg->count_bytes;
    c->txretry = cfg->txretry;
    c->txretry_delay_us = cfg->txretry_delay_us;
    c->set_macs = cfg->tx_set_macs;
    c->nb_flows = cfg->nb_flows ? cfg->nb_flows : 1;
    c->m_ip_src = (cfg->flow_fields & PYDPDK_FWD_FLOW_SRC_IP) ? UINT32_MAX : 0;
    c->m_ip_dst = (cfg->flow_fields & PYDPDK_FWD_FLOW_DST_IP) ? UINT32_MAX : 0;
    c->m_udp_src = (cfg->flow_fields & PYDPDK_FWD_FLOW_SRC_PORT) ? UINT16_MAX : 0;
    c->m_udp_dst = (cfg->flow_fields & PYDPDK_FWD_FLOW_DST_PORT) ? UINT16_MAX : 0;
    c->gen = &fwd->gen;
}

static inline uint64_t burst_bytes(struct rte_mbuf *const *pkts, uint16_t n)
{
    uint64_t bytes = 0;
    uint16_t i;

    for (i = 0; i < n; i++)
        bytes += pkts[i]->pkt_len;
    return bytes;
}

static __rte_noinline uint16_t tx_retry(const struct ctx *c, const struct pydpdk_fwd_stream *s,
                                        struct rte_mbuf **pkts, uint16_t n, uint16_t sent)
{
    uint32_t tries;

    for (tries = 0; sent < n && tries < c->txretry; tries++) {
        if (c->txretry_delay_us)
            rte_delay_us(c->txretry_delay_us);
        sent += rte_eth_tx_burst(s->tx_port, s->tx_queue, pkts + sent, n - sent);
    }
    return sent;
}

/* Send n packets of `bytes` bytes in all; what tx refuses is freed and counted as dropped. */
static __rte_always_inline uint16_t send_burst(const struct ctx *c, struct pydpdk_fwd_stream *s,
                                               struct rte_mbuf **pkts, uint16_t n, uint64_t bytes)
{
    uint16_t sent = rte_eth_tx_burst(s->tx_port, s->tx_queue, pkts, n);

    if (unlikely(sent < n)) {
        if (c->txretry)
            sent = tx_retry(c, s, pkts, n, sent);
        if (sent < n) {
            if (c->count_bytes)
                bytes -= burst_bytes(pkts + sent, n - sent);
            s->fwd_dropped += n - sent;
            rte_pktmbuf_free_bulk(pkts + sent, n - sent);
        }
    }
    s->tx_packets += sent;
    s->tx_bytes += bytes;
    return sent;
}

static __rte_always_inline uint16_t recv_burst(const struct ctx *c, struct pydpdk_fwd_stream *s,
                                               struct rte_mbuf **pkts, uint64_t *bytes)
{
    uint16_t n = rte_eth_rx_burst(s->rx_port, s->rx_queue, pkts, c->burst);

    if (n == 0)
        return 0;
    *bytes = c->count_bytes ? burst_bytes(pkts, n) : 0;
    s->rx_packets += n;
    s->rx_bytes += *bytes;
    return n;
}

static __rte_always_inline uint16_t do_io(const struct ctx *c, struct pydpdk_fwd_stream *s,
                                          struct rte_mbuf **pkts)
{
    uint64_t bytes;
    uint16_t n = recv_burst(c, s, pkts, &bytes);

    if (n != 0)
        send_burst(c, s, pkts, n, bytes);
    return n;
}

static __rte_always_inline void set_macs(struct rte_mbuf *m, const uint8_t *hdr)
{
    if (likely(m->data_len >= 2 * RTE_ETHER_ADDR_LEN))
        memcpy(rte_pktmbuf_mtod(m, uint8_t *), hdr, 2 * RTE_ETHER_ADDR_LEN);
}

/* Swap the two MAC addresses at p; p must have 16 readable and writable bytes. */
static __rte_always_inline void swap16(uint8_t *p)
{
#ifdef __SSSE3__
    const __m128i perm = _mm_setr_epi8(6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 12, 13, 14, 15);
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);

    _mm_storeu_si128((__m128i *)(void *)p, _mm_shuffle_epi8(v, perm));
#else
    uint8_t t[RTE_ETHER_ADDR_LEN];

    memcpy(t, p, RTE_ETHER_ADDR_LEN);
    memcpy(p, p + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
    memcpy(p + RTE_ETHER_ADDR_LEN, t, RTE_ETHER_ADDR_LEN);
#endif
}

/* Swap the MAC addresses of a packet of any length (runts are left alone). */
static __rte_always_inline void swap_macs(struct rte_mbuf *m)
{
    uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

    if (m->data_len >= 16) {
        swap16(p);
    } else if (m->data_len >= 2 * RTE_ETHER_ADDR_LEN) {
        uint8_t t[RTE_ETHER_ADDR_LEN];

        memcpy(t, p, RTE_ETHER_ADDR_LEN);
        memcpy(p, p + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
        memcpy(p + RTE_ETHER_ADDR_LEN, t, RTE_ETHER_ADDR_LEN);
    }
}

/* mac and macswap in one pass, prefetching the headers a few packets ahead (testpmd's
 * macswap_sse.h does the same): runts shorter than 16 bytes take the byte-wise path. */
#define MAC_PREFETCH_AHEAD 4

static __rte_always_inline uint16_t do_mac(const struct ctx *c, struct pydpdk_fwd_stream *s,
                                           struct rte_mbuf **pkts, int swap)
{
    uint64_t bytes = 0;
    uint16_t n = rte_eth_rx_burst(s->rx_port, s->rx_queue, pkts, c->burst), i;

    if (n == 0)
        return 0;
    for (i = 0; i < n && i < MAC_PREFETCH_AHEAD; i++)
        rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
    for (i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

        if (i + MAC_PREFETCH_AHEAD < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + MAC_PREFETCH_AHEAD], void *));
        bytes += m->pkt_len;
        if (likely(m->data_len >= 16)) {
            if (swap)
                swap16(p);
            else
                memcpy(p, s->mac_hdr, 2 * RTE_ETHER_ADDR_LEN);
        } else if (swap) {
            swap_macs(m);
        } else {
            set_macs(m, s->mac_hdr);
        }
    }
    if (!c->count_bytes)
        bytes = 0;
    s->rx_packets += n;
    s->rx_bytes += bytes;
    send_burst(c, s, pkts, n, bytes);
    return n;
}

static __rte_always_inline uint16_t do_rxonly(const struct ctx *c, struct pydpdk_fwd_stream *s,
                                              struct rte_mbuf **pkts)
{
    uint64_t bytes;
    uint16_t n = recv_burst(c, s, pkts, &bytes);

    if (n != 0)
        rte_pktmbuf_free_bulk(pkts, n);
    return n;
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
static __rte_always_inline void vary_flow(const struct ctx *c, uint8_t *p, uint32_t *flow)
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
static __rte_noinline int gen_chained(const struct ctx *c, const struct pydpdk_fwd_stream *s,
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
static __rte_always_inline uint16_t gen_burst(const struct ctx *c, struct pydpdk_fwd_stream *s,
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

static __rte_always_inline uint16_t do_txonly(const struct ctx *c, struct pydpdk_fwd_stream *s,
                                              struct rte_mbuf **pkts)
{
    uint16_t n = gen_burst(c, s, pkts, c->burst, 0);

    if (n != 0)
        send_burst(c, s, pkts, n, c->count_bytes ? (uint64_t)n * c->gen->pkt_len : 0);
    return n;
}

static __rte_always_inline uint16_t do_flowgen(const struct ctx *c, struct pydpdk_fwd_stream *s,
                                               struct rte_mbuf **pkts)
{
    uint64_t bytes;
    uint16_t nrx = recv_burst(c, s, pkts, &bytes), n, sent;

    if (nrx != 0)
        rte_pktmbuf_free_bulk(pkts, nrx);
    n = gen_burst(c, s, pkts, c->burst, 1);
    if (n == 0)
        return nrx;
    sent = send_burst(c, s, pkts, n, c->count_bytes ? (uint64_t)n * c->gen->pkt_len : 0);
    if (sent < n) /* the unsent flows go first next time */
        s->next_flow = (s->next_flow + c->nb_flows - (uint32_t)(n - sent) % c->nb_flows) %
                       c->nb_flows;
    return nrx + n;
}

/* Turn an ARP request (for any address) or an ICMP echo request into its reply, in place.
 * mac is the receiving port's address. Returns 0 (packet left untouched) for anything else. */
static inline int echo_reply(struct rte_mbuf *m, const struct rte_ether_addr *mac)
{
    uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
    uint32_t len = m->data_len, l2, ihl;
    uint16_t type;

    l2 = l2_parse(p, len, &type);
    if (l2 == 0)
        return 0;
    if (type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
        struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(p + l2);
        struct rte_arp_ipv4 *a = &arp->arp_data;
        uint32_t ip;

        if (len < l2 + sizeof(*arp) || arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
            arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
            arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4 ||
            arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST))
            return 0;
        arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
        a->arp_tha = a->arp_sha;
        a->arp_sha = *mac;
        ip = a->arp_sip;
        a->arp_sip = a->arp_tip;
        a->arp_tip = ip;
        memcpy(p, p + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
        memcpy(p + RTE_ETHER_ADDR_LEN, mac, RTE_ETHER_ADDR_LEN);
        return 1;
    }
    if (type != RTE_BE16(RTE_ETHER_TYPE_IPV4) || len < l2 + sizeof(struct rte_ipv4_hdr))
        return 0;
    {
        struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + l2);
        struct rte_icmp_hdr *icmp;
        uint32_t src = ip->src_addr, dst = ip->dst_addr;
        uint16_t before, after;

        ihl = (ip->version_ihl & 0xf) * 4u;
        if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) ||
            len < l2 + ihl + sizeof(struct rte_icmp_hdr) || ip->next_proto_id != IPPROTO_ICMP ||
            (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) != 0)
            return 0;
        icmp = (struct rte_icmp_hdr *)(p + l2 + ihl);
        if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0)
            return 0;
        {   /* swap the MAC addresses */
            uint8_t t[RTE_ETHER_ADDR_LEN];

            memcpy(t, p, RTE_ETHER_ADDR_LEN);
            memcpy(p, p + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
            memcpy(p + RTE_ETHER_ADDR_LEN, t, RTE_ETHER_ADDR_LEN);
        }
        if ((rte_be_to_cpu_32(dst) & 0xf0000000u) == 0xe0000000u) {
            /* To a multicast group: answer from the other host of the sender's /30. */
            uint32_t h = rte_be_to_cpu_32(src);
            uint32_t me = rte_cpu_to_be_32((h & ~3u) | ((h & 3u) == 1 ? 2u : 1u));

            ip->src_addr = me;
            ip->hdr_checksum = cksum_update(ip->hdr_checksum, sum32(dst), sum32(me));
        } else {
            ip->src_addr = dst; /* a swap keeps the header checksum */
        }
        ip->dst_addr = src;
        before = load16((const uint8_t *)icmp);
        icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
        after = load16((const uint8_t *)icmp);
        icmp->icmp_cksum = cksum_update(icmp->icmp_cksum, before, after);
        return 1;
    }
}

static __rte_always_inline uint16_t do_icmpecho(const struct ctx *c, struct pydpdk_fwd_stream *s,
                                                struct rte_mbuf **pkts)
{
    uint64_t bytes, out_bytes = 0;
    uint16_t n = recv_burst(c, s, pkts, &bytes), i, nb_reply = 0;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];

        if (i + 1 < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
        if (echo_reply(m, &s->rx_mac)) {
            pkts[nb_reply++] = m;
            out_bytes += m->pkt_len;
        } else {
            s->other_dropped++;
            rte_pktmbuf_free(m);
        }
    }
    if (nb_reply != 0)
        send_burst(c, s, pkts, nb_reply, c->count_bytes ? out_bytes : 0);
    return n;
}

static __rte_always_inline uint16_t stream_once(const struct ctx *c, struct pydpdk_fwd_stream *s,
                                                uint32_t mode, struct rte_mbuf **pkts)
{
    switch (mode) {
    case PYDPDK_FWD_IO:
        return do_io(c, s, pkts);
    case PYDPDK_FWD_MAC:
        return do_mac(c, s, pkts, 0);
    case PYDPDK_FWD_MACSWAP:
        return do_mac(c, s, pkts, 1);
    case PYDPDK_FWD_RXONLY:
        return do_rxonly(c, s, pkts);
    case PYDPDK_FWD_TXONLY:
        return do_txonly(c, s, pkts);
    case PYDPDK_FWD_FLOWGEN:
        return do_flowgen(c, s, pkts);
    case PYDPDK_FWD_ICMPECHO:
        return do_icmpecho(c, s, pkts);
    default:
        return 0;
    }
}

/* The polling loop; mode 0 means each stream's own run_mode. */
static __rte_always_inline void run_streams(struct pydpdk_fwd *fwd, struct pydpdk_fwd_lcore *lc,
                                            const struct ctx *c, struct rte_mbuf **pkts,
                                            uint32_t mode)
{
    struct pydpdk_fwd_stream *st = fwd->streams + lc->stream_begin;
    const uint32_t n = lc->nb_streams;
    uint64_t iterations = 0, idle = 0;
    uint32_t i, work;

    while (!__atomic_load_n(&fwd->stop, __ATOMIC_RELAXED)) {
        work = 0;
        for (i = 0; i < n; i++)
            work += stream_once(c, &st[i], mode ? mode : st[i].run_mode, pkts);
        iterations++;
        idle += work == 0;
        lc->iterations = iterations;
        lc->idle_iterations = idle;
    }
}

static int lcore_main(void *arg)
{
    struct pydpdk_fwd_lcore *lc = arg;
    struct pydpdk_fwd *fwd = lc->fwd;
    struct rte_mbuf *pkts[PYDPDK_FWD_MAX_BURST];
    const struct pydpdk_fwd_stream *st = fwd->streams + lc->stream_begin;
    struct ctx c;
    uint32_t mode = st[0].run_mode, i;

    ctx_init(&c, fwd);
    for (i = 1; i < lc->nb_streams; i++)
        if (st[i].run_mode != mode)
            mode = 0;
    switch (mode) {
    case PYDPDK_FWD_IO:
        run_streams(fwd, lc, &c, pkts, PYDPDK_FWD_IO);
        break;
    case PYDPDK_FWD_MAC:
        run_streams(fwd, lc, &c, pkts, PYDPDK_FWD_MAC);
        break;
    case PYDPDK_FWD_MACSWAP:
        run_streams(fwd, lc, &c, pkts, PYDPDK_FWD_MACSWAP);
        break;
    case PYDPDK_FWD_RXONLY:
        run_streams(fwd, lc, &c, pkts, PYDPDK_FWD_RXONLY);
        break;
    case PYDPDK_FWD_TXONLY:
        run_streams(fwd, lc, &c, pkts, PYDPDK_FWD_TXONLY);
        break;
    default: /* mixed; flowgen and icmpecho gain nothing from a copy of their own */
        run_streams(fwd, lc, &c, pkts, 0);
        break;
    }
    return 0;
}

/* ---- Control ---- */

int pydpdk_fwd_tx_first(struct pydpdk_fwd *fwd, unsigned int nb_bursts)
{
    struct rte_mbuf *pkts[PYDPDK_FWD_MAX_BURST];
    struct ctx c;
    uint32_t i, b;
    int rc, total = 0;

    if (fwd->running)
        return fail(fwd, EBUSY, "the forwarder is running");
    rc = prepare(fwd, 1);
    if (rc < 0)
        return rc;
    for (i = 0; i < fwd->nb_streams; i++)
        if (mode_sends(fwd->streams[i].run_mode) && fwd->streams[i].pool == NULL)
            return fail(fwd, EINVAL, "stream %u: tx_first needs tx_pool[%u]", i,
                        fwd->streams[i].tx_port);
    ctx_init(&c, fwd);
    for (b = 0; b < nb_bursts; b++) {
        for (i = 0; i < fwd->nb_streams; i++) {
            struct pydpdk_fwd_stream *s = &fwd->streams[i];
            uint16_t n;

            if (!mode_sends(s->run_mode))
                continue;
            n = gen_burst(&c, s, pkts, c.burst, s->run_mode == PYDPDK_FWD_FLOWGEN);
            if (n != 0)
                total += send_burst(&c, s, pkts, n, c.count_bytes ? (uint64_t)n * c.gen->pkt_len : 0);
        }
    }
    return total;
}

/* Streams on different lcores may not share a queue: rx and tx bursts are not thread-safe. */
static int check_sharing(struct pydpdk_fwd *fwd, unsigned int nb_lcores)
{
    unsigned int la, lb;
    uint32_t a, b;

    for (la = 0; la < nb_lcores; la++) {
        const struct pydpdk_fwd_lcore *A = &fwd->lcores[la];

        for (lb = la + 1; lb < nb_lcores; lb++) {
            const struct pydpdk_fwd_lcore *B = &fwd->lcores[lb];

            for (a = A->stream_begin; a < A->stream_begin + A->nb_streams; a++) {
                const struct pydpdk_fwd_stream *sa = &fwd->streams[a];

                for (b = B->stream_begin; b < B->stream_begin + B->nb_streams; b++) {
                    const struct pydpdk_fwd_stream *sb = &fwd->streams[b];

                    if (mode_receives(sa->run_mode) && mode_receives(sb->run_mode) &&
                        sa->rx_port == sb->rx_port && sa->rx_queue == sb->rx_queue)
                        return fail(fwd, EINVAL, "streams %u and %u run on different lcores but "
                                    "share rx queue %u of port %u", a, b, sa->rx_queue,
                                    sa->rx_port);
                    if (mode_sends(sa->run_mode) && mode_sends(sb->run_mode) &&
                        sa->tx_port == sb->tx_port && sa->tx_queue == sb->tx_queue)
                        return fail(fwd, EINVAL, "streams %u and %u run on different lcores but "
                                    "share tx queue %u of port %u", a, b, sa->tx_queue,
                                    sa->tx_port);
                }
            }
        }
    }
    return 0;
}

int pydpdk_fwd_launch(struct pydpdk_fwd *fwd, const unsigned int *lcore_ids, unsigned int nb_lcores)
{
    unsigned int i, j;
    int rc;

    if (fwd->running)
        return fail(fwd, EBUSY, "the forwarder is running");
    fwd->error[0] = '\0';
    if (nb_lcores == 0 || nb_lcores > RTE_MAX_LCORE || lcore_ids == NULL)
        return fail(fwd, EINVAL, "nb_lcores=%u: must be 1..%d", nb_lcores, RTE_MAX_LCORE);
    for (i = 0; i < nb_lcores; i++) {
        const struct pydpdk_fwd_lcore *lc = &fwd->lcores[i];
        unsigned int id = lcore_ids[i];

        if (id >= RTE_MAX_LCORE || !rte_lcore_is_enabled(id) || id == rte_get_main_lcore())
            return fail(fwd, EINVAL, "lcore %u is not an enabled worker lcore", id);
        if (rte_eal_get_lcore_state(id) != WAIT)
            return fail(fwd, EBUSY, "lcore %u is busy", id);
        if (lc->nb_streams == 0 || lc->stream_begin > fwd->nb_streams ||
            lc->nb_streams > fwd->nb_streams - lc->stream_begin)
            return fail(fwd, EINVAL, "lcores[%u]: streams %u..%u: must be a non-empty range "
                        "within the %u streams", i, lc->stream_begin,
                        lc->stream_begin + lc->nb_streams, fwd->nb_streams);
        for (j = 0; j < i; j++) {
            const struct pydpdk_fwd_lcore *o = &fwd->lcores[j];

            if (lcore_ids[j] == id)
                return fail(fwd, EINVAL, "lcore %u is listed twice", id);
            if (lc->stream_begin < o->stream_begin + o->nb_streams &&
                o->stream_begin < lc->stream_begin + lc->nb_streams)
                return fail(fwd, EINVAL, "lcores[%u] and lcores[%u] have overlapping streams",
                            j, i);
        }
    }
    rc = prepare(fwd, 0);
    if (rc < 0)
        return rc;
    rc = check_sharing(fwd, nb_lcores);
    if (rc < 0)
        return rc;

    __atomic_store_n(&fwd->stop, 0, __ATOMIC_RELEASE);
    for (i = 0; i < nb_lcores; i++) {
        struct pydpdk_fwd_lcore *lc = &fwd->lcores[i];

        lc->lcore_id = lcore_ids[i];
        lc->fwd = fwd;
        lc->iterations = lc->idle_iterations = 0;
        rc = rte_eal_remote_launch(lcore_main, lc, lc->lcore_id);
        if (rc < 0) {
            __atomic_store_n(&fwd->stop, 1, __ATOMIC_RELEASE);
            for (j = 0; j < i; j++)
                rte_eal_wait_lcore(fwd->lcores[j].lcore_id);
            return fail(fwd, -rc, "cannot launch on lcore %u", lc->lcore_id);
        }
    }
    fwd->nb_lcores = nb_lcores;
    fwd->running = 1;
    return 0;
}

int pydpdk_fwd_stop(struct pydpdk_fwd *fwd)
{
    unsigned int i;

    if (!fwd->running)
        return 0;
    __atomic_store_n(&fwd->stop, 1, __ATOMIC_RELEASE);
    for (i = 0; i < fwd->nb_lcores; i++)
        rte_eal_wait_lcore(fwd->lcores[i].lcore_id);
    fwd->running = 0;
    return 0;
}

uint32_t pydpdk_rx_drain(uint16_t port_id, uint16_t queue_id, uint32_t max)
{
    struct rte_mbuf *pkts[PYDPDK_FWD_MAX_BURST];
    struct rte_eth_dev_info info;
    uint32_t total = 0;
    uint16_t n;

    if (!rte_eth_dev_is_valid_port(port_id) || rte_eth_dev_info_get(port_id, &info) != 0 ||
        queue_id >= info.nb_rx_queues)
        return 0;
    while (total < max) {
        n = rte_eth_rx_burst(port_id, queue_id, pkts,
                             (uint16_t)RTE_MIN(max - total, (uint32_t)PYDPDK_FWD_MAX_BURST));
        if (n == 0)
            break;
        rte_pktmbuf_free_bulk(pkts, n);
        total += n;
    }
    return total;
}

/* testpmd 22.11's flush_fwd_rx_queues: twice, 10 ms apart, read every receiving stream's queue
 * until it comes back empty or ms_per_queue has passed on it, freeing what was read. */
static int64_t drain_for(uint16_t port_id, uint16_t queue_id, uint64_t cycles)
{
    struct rte_mbuf *pkts[PYDPDK_FWD_MAX_BURST];
    uint64_t start = rte_get_timer_cycles();
    int64_t total = 0;
    uint16_t n;

    do {
        n = rte_eth_rx_burst(port_id, queue_id, pkts, PYDPDK_FWD_MAX_BURST);
        rte_pktmbuf_free_bulk(pkts, n);
        total += n;
    } while (n > 0 && rte_get_timer_cycles() - start < cycles);
    return total;
}

int64_t pydpdk_fwd_flush_rx(struct pydpdk_fwd *fwd, uint32_t ms_per_queue)
{
    uint64_t cycles = rte_get_timer_hz() / 1000 * ms_per_queue;
    int64_t total = 0;
    uint32_t i;
    int pass;

    if (fwd->running)
        return fail(fwd, EBUSY, "the forwarder is running");
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < fwd->nb_streams && fwd->streams != NULL; i++) {
            const struct pydpdk_fwd_stream *s = &fwd->streams[i];
            uint32_t mode = s->mode ? s->mode : fwd->cfg.mode;

            if (mode_receives(mode))
                total += drain_for(s->rx_port, s->rx_queue, cycles);
        }
        if (pass == 0)
            rte_delay_ms(10);
    }
    return total;
}

/* ---- Per-burst helpers ---- */

uint16_t pydpdk_free_bulk(struct rte_mbuf **pkts, uint16_t n)
{
    rte_pktmbuf_free_bulk(pkts, n);
    return n;
}

int pydpdk_headers_view(struct rte_mbuf *const *pkts, uint16_t n, uint8_t *out, uint16_t snap)
{
    uint16_t i;

    for (i = 0; i < n; i++, out += snap) {
        const struct rte_mbuf *m = pkts[i];
        uint32_t len = 0;

        if (m != NULL) {
            len = RTE_MIN(m->pkt_len, (uint32_t)snap);
            if (likely(m->data_len >= len)) {
                rte_memcpy(out, rte_pktmbuf_mtod(m, const void *), len);
            } else {
                const void *p = rte_pktmbuf_read(m, 0, len, out);

                if (p == NULL)
                    len = 0;
                else if (p != out)
                    memcpy(out, p, len);
            }
        }
        if (len < snap)
            memset(out + len, 0, snap - len);
    }
    return n;
}

int pydpdk_pkt_lengths(struct rte_mbuf *const *pkts, uint16_t n, uint32_t *out)
{
    uint16_t i;

    for (i = 0; i < n; i++)
        out[i] = pkts[i] != NULL ? pkts[i]->pkt_len : 0;
    return n;
}
