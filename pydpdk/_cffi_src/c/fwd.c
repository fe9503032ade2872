/* The forwarding engines' control: configuration, validation, lcore assignment, launch, stop
 * and flush, and the dispatch from a stream's mode to its engine. The engines themselves are
 * c/fwd_<family>.c (one per engine family, sharing fwd_engine.h); the modes are the lines of
 * fwd_modes.h. See fwd.h for the API and the counters' meaning.
 *
 * Each worker lcore polls its contiguous range of streams until fwd->stop is raised. An lcore
 * whose streams all run one mode runs that engine's own loop (pydpdk_fwd_loop_<mode>, the
 * per-burst function inlined: no per-burst dispatch); lcores with mixed modes call each
 * stream's engine through a function pointer per burst.
 */
#include "strict.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>

#include "fwd_engine.h"

/* Every engine's two entry points, declared from the table. */
#define PYDPDK_FWD_MODE(ID, cname, name, rx, tx, gen, help)                                      \
    PYDPDK_INTERNAL pydpdk_fwd_burst_fn pydpdk_fwd_burst_##cname;                                \
    PYDPDK_INTERNAL pydpdk_fwd_loop_fn pydpdk_fwd_loop_##cname;
#include "fwd_modes.h"
#undef PYDPDK_FWD_MODE

#define MODE_RX  1u
#define MODE_TX  2u
#define MODE_GEN 4u

static const struct mode_info {
    const char *name;
    const char *help;
    uint32_t flags;
    pydpdk_fwd_burst_fn *burst;
    pydpdk_fwd_loop_fn *loop;
} modes[PYDPDK_FWD_NB_MODES] = {
    [PYDPDK_FWD_DEFAULT] = { "default", "the forwarder's mode (cfg.mode)", 0, NULL, NULL },
#define PYDPDK_FWD_MODE(ID, cname, name, rx, tx, gen, help)                                      \
    [PYDPDK_FWD_##ID] = { name, help, ((rx) ? MODE_RX : 0) | ((tx) ? MODE_TX : 0) |              \
                          ((gen) ? MODE_GEN : 0), pydpdk_fwd_burst_##cname,                      \
                          pydpdk_fwd_loop_##cname },
#include "fwd_modes.h"
#undef PYDPDK_FWD_MODE
};

/* Unknown modes (a stream's mode field is caller-written) have no flags. */
static inline uint32_t mode_flags(uint32_t mode)
{
    return mode < PYDPDK_FWD_NB_MODES ? modes[mode].flags : 0;
}

static inline int mode_receives(uint32_t mode) { return (mode_flags(mode) & MODE_RX) != 0; }
static inline int mode_sends(uint32_t mode) { return (mode_flags(mode) & MODE_TX) != 0; }
static inline int mode_generates(uint32_t mode) { return (mode_flags(mode) & MODE_GEN) != 0; }

const char *pydpdk_fwd_mode_name(uint32_t mode)
{
    return mode < PYDPDK_FWD_NB_MODES ? modes[mode].name : NULL;
}

const char *pydpdk_fwd_mode_help(uint32_t mode)
{
    return mode < PYDPDK_FWD_NB_MODES ? modes[mode].help : NULL;
}

int pydpdk_fwd_mode_flags(uint32_t mode)
{
    return mode < PYDPDK_FWD_NB_MODES ? (int)modes[mode].flags : -EINVAL;
}

int pydpdk_fwd_fail(struct pydpdk_fwd *fwd, int err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(fwd->error, sizeof(fwd->error), fmt, ap);
    va_end(ap);
    return -err;
}

/* ---- Configuration ---- */

void pydpdk_fwd_init_config(struct pydpdk_fwd_config *cfg)
{
    /* The structs are padded (not over-aligned: callers allocate them with plain malloc/ffi.new)
     * so that counters written by different lcores never share a cache line. */
    RTE_BUILD_BUG_ON(sizeof(struct pydpdk_fwd_stream) != 3 * RTE_CACHE_LINE_SIZE);
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
        return pydpdk_fwd_fail(fwd, EINVAL, "nb_lcores=%u: must be 1..%d", nb_lcores, RTE_MAX_LCORE);
    if (fwd->nb_streams == 0)
        return pydpdk_fwd_fail(fwd, EINVAL, "no streams to assign");
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
        return pydpdk_fwd_fail(fwd, EINVAL, "stream %u: %s_port=%u is not a valid port", idx, what, port);
    if (!pq->known[port]) {
        struct rte_eth_dev_info info;
        int rc = rte_eth_dev_info_get(port, &info);

        if (rc < 0)
            return pydpdk_fwd_fail(fwd, -rc, "stream %u: port %u: cannot get device info", idx, port);
        pq->nb_rxq[port] = info.nb_rx_queues;
        pq->nb_txq[port] = info.nb_tx_queues;
        pq->known[port] = 1;
    }
    if (queue >= (rx ? pq->nb_rxq[port] : pq->nb_txq[port]))
        return pydpdk_fwd_fail(fwd, EINVAL, "stream %u: %s_queue=%u: port %u has %u %s queues", idx, what,
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
        return pydpdk_fwd_fail(fwd, EINVAL, "burst=%u: must be 1..%d", cfg->burst, PYDPDK_FWD_MAX_BURST);
    if (cfg->mode == PYDPDK_FWD_DEFAULT || cfg->mode >= PYDPDK_FWD_NB_MODES)
        return pydpdk_fwd_fail(fwd, EINVAL, "mode=%u: must be 1..%d", cfg->mode, PYDPDK_FWD_NB_MODES - 1);
    if (fwd->nb_streams != 0 && fwd->streams == NULL)
        return pydpdk_fwd_fail(fwd, EINVAL, "streams is NULL but nb_streams=%u", fwd->nb_streams);
    memset(&pq, 0, sizeof(pq));
    for (i = 0; i < fwd->nb_streams; i++) {
        struct pydpdk_fwd_stream *s = &fwd->streams[i];
        uint32_t mode = s->mode ? s->mode : cfg->mode;

        if (mode >= PYDPDK_FWD_NB_MODES)
            return pydpdk_fwd_fail(fwd, EINVAL, "stream %u: mode=%u: must be 0..%d", i, s->mode,
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
        if (mode == PYDPDK_FWD_STAGE) {
            uint16_t p;

            if (cfg->stage_fn == NULL)
                return pydpdk_fwd_fail(fwd, EINVAL, "stream %u: stage mode needs cfg.stage_fn", i);
            if (cfg->stage_abi > PYDPDK_STAGE_ABI_MBUF)
                return pydpdk_fwd_fail(fwd, EINVAL, "stage_abi=%u: must be 0..%d", cfg->stage_abi,
                                       PYDPDK_STAGE_ABI_MBUF);
            for (p = 0; p < RTE_MAX_ETHPORTS; p++) {
                if (!cfg->stage_port_ok[p])
                    continue;
                rc = check_port(fwd, &pq, i, "tx", p, s->tx_queue, 0);
                if (rc < 0)
                    return rc;
            }
            if (!cfg->stage_port_ok[s->tx_port] || !cfg->stage_port_ok[s->rx_port])
                return pydpdk_fwd_fail(fwd, EINVAL, "stream %u: ports %u and %u must be in "
                                       "stage_port_ok", i, s->rx_port, s->tx_port);
        }
        if (mode_generates(mode)) {
            need_gen = 1;
            need_flowgen |= mode == PYDPDK_FWD_FLOWGEN;
            if (s->pool == NULL)
                return pydpdk_fwd_fail(fwd, EINVAL, "stream %u: %s needs tx_pool[%u]", i, modes[mode].name,
                            s->tx_port);
        }
    }
    if (need_gen) {
        rc = pydpdk_fwd_build_gen(fwd, need_flowgen);
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
                    return pydpdk_fwd_fail(fwd, EINVAL, "stream %u: segment of %u bytes does not fit the "
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
        return pydpdk_fwd_fail(fwd, EBUSY, "the forwarder is running");
    return prepare(fwd, 0);
}

int pydpdk_fwd_reset_stats(struct pydpdk_fwd *fwd)
{
    uint32_t i;

    if (fwd->running)
        return pydpdk_fwd_fail(fwd, EBUSY, "the forwarder is running");
    for (i = 0; i < fwd->nb_streams && fwd->streams != NULL; i++) {
        struct pydpdk_fwd_stream *s = &fwd->streams[i];

        s->rx_packets = s->rx_bytes = s->tx_packets = s->tx_bytes = 0;
        s->gen_packets = s->fwd_dropped = s->other_dropped = s->alloc_failures = 0;
        s->bad_ip_csum = s->bad_l4_csum = 0;
        s->stage_forwarded = s->stage_dropped = s->stage_invalid = 0;
    }
    for (i = 0; i < RTE_MAX_LCORE; i++)
        fwd->lcores[i].iterations = fwd->lcores[i].idle_iterations = 0;
    return 0;
}

/* ---- Datapath ---- */

void pydpdk_fwd_ctx_init(struct pydpdk_fwd_ctx *c, const struct pydpdk_fwd *fwd)
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
    c->stage_fn = cfg->stage_fn;
    c->stage_state = cfg->stage_state;
    c->stage_abi = cfg->stage_abi;
    c->stage_port_ok = cfg->stage_port_ok;
    c->stage_lcore_state = cfg->stage_lcore_state;
}

__rte_noinline uint16_t pydpdk_fwd_tx_retry(const struct pydpdk_fwd_ctx *c,
                                            const struct pydpdk_fwd_stream *s,
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

#define MIXED_BURST(c, s, pkts) modes[(s)->run_mode].burst((c), (s), (pkts))

/* Streams of different modes on one lcore: one indirect call per stream and burst. */
static void loop_mixed(struct pydpdk_fwd *fwd, struct pydpdk_fwd_lcore *lc,
                       const struct pydpdk_fwd_ctx *c, struct rte_mbuf **pkts)
{
    PYDPDK_FWD_RUN_STREAMS(fwd, lc, c, pkts, MIXED_BURST);
}

static int lcore_main(void *arg)
{
    struct pydpdk_fwd_lcore *lc = arg;
    struct pydpdk_fwd *fwd = lc->fwd;
    struct rte_mbuf *pkts[PYDPDK_FWD_MAX_BURST];
    const struct pydpdk_fwd_stream *st = fwd->streams + lc->stream_begin;
    struct pydpdk_fwd_ctx c;
    uint32_t mode = st[0].run_mode, i;

    pydpdk_fwd_ctx_init(&c, fwd);
    if (c.stage_lcore_state != NULL)        /* this lcore's row of the per-lcore stage state */
        c.stage_lcore_state = (char *)c.stage_lcore_state +
                              (size_t)(lc - fwd->lcores) * fwd->cfg.stage_lcore_stride;
    for (i = 1; i < lc->nb_streams; i++)
        if (st[i].run_mode != mode)
            mode = PYDPDK_FWD_DEFAULT;
    if (mode != PYDPDK_FWD_DEFAULT)
        modes[mode].loop(fwd, lc, &c, pkts);
    else
        loop_mixed(fwd, lc, &c, pkts);
    return 0;
}

/* ---- Control ---- */

int pydpdk_fwd_tx_first(struct pydpdk_fwd *fwd, unsigned int nb_bursts)
{
    struct rte_mbuf *pkts[PYDPDK_FWD_MAX_BURST];
    struct pydpdk_fwd_ctx c;
    uint32_t i, b;
    int rc, total = 0;

    if (fwd->running)
        return pydpdk_fwd_fail(fwd, EBUSY, "the forwarder is running");
    rc = prepare(fwd, 1);
    if (rc < 0)
        return rc;
    for (i = 0; i < fwd->nb_streams; i++)
        if (mode_sends(fwd->streams[i].run_mode) && fwd->streams[i].pool == NULL)
            return pydpdk_fwd_fail(fwd, EINVAL, "stream %u: tx_first needs tx_pool[%u]", i,
                        fwd->streams[i].tx_port);
    pydpdk_fwd_ctx_init(&c, fwd);
    for (b = 0; b < nb_bursts; b++) {
        for (i = 0; i < fwd->nb_streams; i++) {
            struct pydpdk_fwd_stream *s = &fwd->streams[i];
            uint16_t n;

            if (!mode_sends(s->run_mode))
                continue;
            n = pydpdk_fwd_gen_burst(&c, s, pkts, c.burst, s->run_mode == PYDPDK_FWD_FLOWGEN);
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
                        return pydpdk_fwd_fail(fwd, EINVAL, "streams %u and %u run on different lcores but "
                                    "share rx queue %u of port %u", a, b, sa->rx_queue,
                                    sa->rx_port);
                    /* a stage stream may send on its tx_queue of any port */
                    if (mode_sends(sa->run_mode) && mode_sends(sb->run_mode) &&
                        sa->tx_queue == sb->tx_queue &&
                        (sa->tx_port == sb->tx_port || sa->run_mode == PYDPDK_FWD_STAGE ||
                         sb->run_mode == PYDPDK_FWD_STAGE))
                        return pydpdk_fwd_fail(fwd, EINVAL, "streams %u and %u run on different lcores but "
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
        return pydpdk_fwd_fail(fwd, EBUSY, "the forwarder is running");
    fwd->error[0] = '\0';
    if (nb_lcores == 0 || nb_lcores > RTE_MAX_LCORE || lcore_ids == NULL)
        return pydpdk_fwd_fail(fwd, EINVAL, "nb_lcores=%u: must be 1..%d", nb_lcores, RTE_MAX_LCORE);
    for (i = 0; i < nb_lcores; i++) {
        const struct pydpdk_fwd_lcore *lc = &fwd->lcores[i];
        unsigned int id = lcore_ids[i];

        if (id >= RTE_MAX_LCORE || !rte_lcore_is_enabled(id) || id == rte_get_main_lcore())
            return pydpdk_fwd_fail(fwd, EINVAL, "lcore %u is not an enabled worker lcore", id);
        if (rte_eal_get_lcore_state(id) != WAIT)
            return pydpdk_fwd_fail(fwd, EBUSY, "lcore %u is busy", id);
        if (lc->nb_streams == 0 || lc->stream_begin > fwd->nb_streams ||
            lc->nb_streams > fwd->nb_streams - lc->stream_begin)
            return pydpdk_fwd_fail(fwd, EINVAL, "lcores[%u]: streams %u..%u: must be a non-empty range "
                        "within the %u streams", i, lc->stream_begin,
                        lc->stream_begin + lc->nb_streams, fwd->nb_streams);
        for (j = 0; j < i; j++) {
            const struct pydpdk_fwd_lcore *o = &fwd->lcores[j];

            if (lcore_ids[j] == id)
                return pydpdk_fwd_fail(fwd, EINVAL, "lcore %u is listed twice", id);
            if (lc->stream_begin < o->stream_begin + o->nb_streams &&
                o->stream_begin < lc->stream_begin + lc->nb_streams)
                return pydpdk_fwd_fail(fwd, EINVAL, "lcores[%u] and lcores[%u] have overlapping streams",
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
            return pydpdk_fwd_fail(fwd, -rc, "cannot launch on lcore %u", lc->lcore_id);
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
        return pydpdk_fwd_fail(fwd, EBUSY, "the forwarder is running");
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
