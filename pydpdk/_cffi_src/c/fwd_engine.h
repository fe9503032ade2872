/* What every forwarding engine file shares: the per-lcore context, the rx/tx burst helpers that
 * keep the stream counters, and the macro that turns an engine's per-burst function into its
 * own specialised polling loop. Private to the c/fwd*.c files; the public API is fwd.h.
 *
 * An engine file (fwd_<name>.c) defines one always-inline per-burst function
 *
 *     static __rte_always_inline uint16_t do_x(const struct pydpdk_fwd_ctx *c,
 *                                              struct pydpdk_fwd_stream *s, struct rte_mbuf **pkts)
 *
 * returning the number of packets it received or generated (0: idle), and ends with
 * PYDPDK_FWD_ENGINE(x, do_x), which defines pydpdk_fwd_burst_x() (one burst, for lcores whose
 * streams run different modes) and pydpdk_fwd_loop_x() (the polling loop with do_x inlined: an
 * lcore whose streams all run x pays no per-burst dispatch). The name x is the C name of a line
 * of fwd_modes.h. */
#ifndef PYDPDK_FWD_ENGINE_H
#define PYDPDK_FWD_ENGINE_H

#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "fwd.h"
#include "fwd_cksum.h"
#include "free_burst.h"

#define PYDPDK_INTERNAL __attribute__((visibility("hidden")))

/* What the polling loop needs, copied to the worker's stack so it stays in registers. */
struct pydpdk_fwd_ctx {
    uint16_t burst;
    uint16_t count_bytes;
    uint32_t txretry;
    uint32_t txretry_delay_us;
    uint32_t set_macs;
    uint32_t nb_flows;
    uint32_t m_ip_src, m_ip_dst;   /* flowgen: all-ones where the field varies */
    uint16_t m_udp_src, m_udp_dst;
    const struct pydpdk_fwd_gen *gen;
    void *stage_fn;                /* stage: cfg.stage_fn, cfg.stage_state, cfg.stage_abi */
    void *stage_state;
    uint32_t stage_abi;
    const uint8_t *stage_port_ok;  /* cfg.stage_port_ok */
    void *stage_lcore_state;       /* this lcore's row of cfg.stage_lcore_state */
};

typedef uint16_t pydpdk_fwd_burst_fn(const struct pydpdk_fwd_ctx *c, struct pydpdk_fwd_stream *s,
                                     struct rte_mbuf **pkts);
typedef void pydpdk_fwd_loop_fn(struct pydpdk_fwd *fwd, struct pydpdk_fwd_lcore *lc,
                                const struct pydpdk_fwd_ctx *c, struct rte_mbuf **pkts);

/* fwd.c: leave a one-line explanation in fwd->error; returns -err. */
PYDPDK_INTERNAL int pydpdk_fwd_fail(struct pydpdk_fwd *fwd, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
PYDPDK_INTERNAL void pydpdk_fwd_ctx_init(struct pydpdk_fwd_ctx *c, const struct pydpdk_fwd *fwd);
/* fwd.c: retry a short tx burst c->txretry times; returns the number sent in all. */
PYDPDK_INTERNAL uint16_t pydpdk_fwd_tx_retry(const struct pydpdk_fwd_ctx *c,
                                             const struct pydpdk_fwd_stream *s,
                                             struct rte_mbuf **pkts, uint16_t n, uint16_t sent);
/* fwd_gen.c: build fwd->gen (txonly, flowgen, tx_first); see pydpdk_fwd_config. */
PYDPDK_INTERNAL int pydpdk_fwd_build_gen(struct pydpdk_fwd *fwd, int need_flowgen);
/* fwd_gen.c: up to n generated packets for s (flowgen: varying flows). Returns how many. */
PYDPDK_INTERNAL uint16_t pydpdk_fwd_gen_burst(const struct pydpdk_fwd_ctx *c,
                                              struct pydpdk_fwd_stream *s, struct rte_mbuf **pkts,
                                              uint16_t n, int flowgen);

static inline uint64_t burst_bytes(struct rte_mbuf *const *pkts, uint16_t n)
{
    uint64_t bytes = 0;
    uint16_t i;

    for (i = 0; i < n; i++)
        bytes += pkts[i]->pkt_len;
    return bytes;
}

/* Send n packets of `bytes` bytes in all; what tx refuses is freed and counted as dropped. */
static __rte_always_inline uint16_t send_burst(const struct pydpdk_fwd_ctx *c,
                                               struct pydpdk_fwd_stream *s,
                                               struct rte_mbuf **pkts, uint16_t n, uint64_t bytes)
{
    uint16_t sent = rte_eth_tx_burst(s->tx_port, s->tx_queue, pkts, n);

    if (unlikely(sent < n)) {
        if (c->txretry)
            sent = pydpdk_fwd_tx_retry(c, s, pkts, n, sent);
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

/* Receive a burst and count it (bytes only when c->count_bytes; *bytes gets them). */
static __rte_always_inline uint16_t recv_burst(const struct pydpdk_fwd_ctx *c,
                                               struct pydpdk_fwd_stream *s,
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

/* Swap the 6-byte MAC addresses at p and p + 6 (12 bytes readable and writable). */
static inline void swap_mac_bytes(uint8_t *p)
{
    uint8_t t[RTE_ETHER_ADDR_LEN];

    memcpy(t, p, RTE_ETHER_ADDR_LEN);
    memcpy(p, p + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
    memcpy(p + RTE_ETHER_ADDR_LEN, t, RTE_ETHER_ADDR_LEN);
}

/* The polling loop over the lcore's streams until fwd->stop, BURST(c, stream, pkts) per stream. */
#define PYDPDK_FWD_RUN_STREAMS(fwd, lc, c, pkts, BURST)                                        \
    do {                                                                                       \
        struct pydpdk_fwd_stream *st_ = (fwd)->streams + (lc)->stream_begin;                   \
        const uint32_t n_ = (lc)->nb_streams;                                                  \
        uint64_t iterations_ = 0, idle_ = 0;                                                   \
        uint32_t i_, work_;                                                                    \
                                                                                               \
        while (!__atomic_load_n(&(fwd)->stop, __ATOMIC_RELAXED)) {                             \
            work_ = 0;                                                                         \
            for (i_ = 0; i_ < n_; i_++)                                                        \
                work_ += BURST((c), &st_[i_], (pkts));                                         \
            iterations_++;                                                                     \
            idle_ += work_ == 0;                                                               \
            (lc)->iterations = iterations_;                                                    \
            (lc)->idle_iterations = idle_;                                                     \
        }                                                                                      \
    } while (0)

/* Define engine `name`'s one-burst function and its specialised loop from do_burst. */
#define PYDPDK_FWD_ENGINE(name, do_burst)                                                      \
    PYDPDK_INTERNAL uint16_t pydpdk_fwd_burst_##name(const struct pydpdk_fwd_ctx *c,           \
                                                     struct pydpdk_fwd_stream *s,              \
                                                     struct rte_mbuf **pkts)                   \
    {                                                                                          \
        return do_burst(c, s, pkts);                                                           \
    }                                                                                          \
    PYDPDK_INTERNAL void pydpdk_fwd_loop_##name(struct pydpdk_fwd *fwd,                        \
                                                struct pydpdk_fwd_lcore *lc,                   \
                                                const struct pydpdk_fwd_ctx *c,                \
                                                struct rte_mbuf **pkts)                        \
    {                                                                                          \
        PYDPDK_FWD_RUN_STREAMS(fwd, lc, c, pkts, do_burst);                                    \
    }

#endif
