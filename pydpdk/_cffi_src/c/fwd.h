/* Native forwarding engines (the testpmd forwarding modes).
 *
 * The engines live in fwd_<family>.c, one line each in fwd_modes.h (see there to add one).
 *
 * A forwarder is one struct pydpdk_fwd plus an array of struct pydpdk_fwd_stream, both allocated
 * and owned by the caller (Python: ffi.new), and both kept alive and unmoved from
 * pydpdk_fwd_launch() until pydpdk_fwd_stop() has returned. Typical use, from the main lcore:
 *
 *     pydpdk_fwd_init_config(&fwd->cfg);            fill testpmd's defaults, then adjust
 *     fwd->streams = streams; fwd->nb_streams = n;  stream i: (rx_port, rx_queue) -> (tx_port, tx_queue)
 *     pydpdk_fwd_assign(fwd, nb_lcores);            or fill fwd->lcores[i].stream_begin/nb_streams
 *     pydpdk_fwd_reset_stats(fwd);
 *     pydpdk_fwd_tx_first(fwd, 1);                  optional: testpmd "start tx_first"
 *     pydpdk_fwd_launch(fwd, lcore_ids, nb_lcores); returns at once, engines run on the lcores
 *     ... read streams[i] counters and lcores[i].iterations at any time ...
 *     pydpdk_fwd_stop(fwd);                         waits for every lcore; safe to call twice
 *     pydpdk_fwd_flush_rx(fwd, 1000);               free what is queued (as testpmd)
 *
 * Functions returning int return 0 (or a count) on success and a negative errno on failure;
 * on -EINVAL they also leave a one-line explanation in fwd->error.
 *
 * Counters are plain uint64_t written only by the lcore that owns the stream; 64-bit aligned loads
 * are atomic on x86-64, so other threads may read them while the engines run (rates: deltas over
 * time). Per stream, once stopped and flushed:
 *   io, mac, macswap, icmpecho, 5tswap, csum:
 *                                rx_packets + gen_packets == tx_packets + fwd_dropped + other_dropped
 *   txonly, flowgen:             gen_packets == tx_packets + fwd_dropped (flowgen's rx is consumed)
 *   rxonly:                      every received packet is freed, counted in rx_packets only
 * gen_packets counts packets built by txonly, flowgen and tx_first.
 *   stage:                       rx_packets == stage_forwarded + stage_dropped + stage_invalid,
 *                                stage_forwarded == tx_packets + fwd_dropped,
 *                                other_dropped == stage_dropped + stage_invalid
 *
 * Stages (mode "stage"). cfg.stage_fn is called once per received packet, on the worker lcore,
 * with the first segment's data, its length (data_len) and the port it came in on:
 *
 *     int64_t fn(uint8_t *data, int64_t length, int64_t port);                  stage_abi 0
 *     int64_t fn(uint8_t *data, int64_t length, int64_t port, void *state);     stage_abi 1
 *
 * or once per received burst of n packets (the per-burst form; pydpdk.stage's numba stages loop
 * over the burst calling the user's per-packet function inlined), writing verdict[i] for data[i]
 * of length[i] bytes (the return value is ignored):
 *
 *     int64_t fn(uint8_t **data, int64_t *length, int64_t *verdict, int64_t n, int64_t port,
 *                void *state);                                                  stage_abi 2
 *
 * or once per received burst given the mbufs themselves (the form pydpdk.stage's numba stages
 * compile by default: the loop reads each mbuf's buf_addr, data_off and data_len itself, at
 * offsets baked in from this build):
 *
 *     int64_t fn(struct rte_mbuf **pkts, int64_t n, int64_t port, void *state,
 *                void *lcore_state, int64_t *verdict);                          stage_abi 3
 *
 * returning the verdict of every packet of the burst when they are all the same (the common
 * case: one compare per burst in the engine), or PYDPDK_STAGE_MIXED after writing verdict[i]
 * for pkts[i]. verdict has room for 3 * n entries: [n, 3n) is scratch the stage may use.
 * lcore_state is cfg.stage_lcore_state + (the lcore's index in the forwarder) *
 * cfg.stage_lcore_stride: one row of per-lcore counters per forwarding lcore, each row written
 * by one lcore only (pydpdk.stage's counters=). The stage must not change the mbufs' fields.
 *
 * It may read and rewrite data[0..length) in place (not beyond; the length cannot change) and
 * returns a verdict: >= 0 the port to send the packet out of (one with stage_port_ok[port] set,
 * on the stream's tx_queue), PYDPDK_STAGE_DROP (-1) free it, PYDPDK_STAGE_PEER (-2) the stream's
 * tx_port (the port io would pick), PYDPDK_STAGE_BACK (-3) the stream's rx_port. Anything else is
 * counted in stage_invalid and the packet freed. Each burst's packets are grouped by output port
 * and sent in one tx burst per port, in arrival order within a port; every mbuf is sent or freed
 * exactly once. The function must not block, must not keep the pointer after returning and must
 * be safe to run on several lcores at once when several lcores run stage streams. Because any
 * stage stream may send to any allowed port on its tx_queue, stage streams on different lcores
 * must use different tx_queue numbers (checked at launch), and every allowed port must have that
 * tx queue (checked in prepare).
 */
#ifndef PYDPDK_FWD_H
#define PYDPDK_FWD_H

#include <stdint.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

/* Forwarding modes: PYDPDK_FWD_<ID> for each line of fwd_modes.h, numbered from 1 in table
 * order. A stream with mode PYDPDK_FWD_DEFAULT runs cfg.mode. */
enum {
    PYDPDK_FWD_DEFAULT = 0,
#define PYDPDK_FWD_MODE(ID, cname, name, rx, tx, gen, help) PYDPDK_FWD_##ID,
#include "fwd_modes.h"
#undef PYDPDK_FWD_MODE
    PYDPDK_FWD_NB_MODES
};

/* cfg.flow_fields: which fields flowgen varies; flow f adds f to each of them. */
#define PYDPDK_FWD_FLOW_SRC_IP   0x1
#define PYDPDK_FWD_FLOW_DST_IP   0x2
#define PYDPDK_FWD_FLOW_SRC_PORT 0x4
#define PYDPDK_FWD_FLOW_DST_PORT 0x8

#define PYDPDK_FWD_MAX_BURST   512
#define PYDPDK_FWD_MAX_SEGS    8
#define PYDPDK_FWD_MAX_PKT_LEN 16384
#define PYDPDK_FWD_ERROR_LEN   160

/* Stage verdicts and ABIs (see "Stages" above). */
#define PYDPDK_STAGE_DROP (-1)
#define PYDPDK_STAGE_PEER (-2)
#define PYDPDK_STAGE_BACK (-3)
#define PYDPDK_STAGE_ABI_PACKET       0
#define PYDPDK_STAGE_ABI_PACKET_STATE 1
#define PYDPDK_STAGE_ABI_BURST        2
#define PYDPDK_STAGE_ABI_MBUF         3
#define PYDPDK_STAGE_MIXED            INT64_MIN   /* stage_abi 3: see verdict[] */
typedef int64_t pydpdk_stage_fn(uint8_t *data, int64_t length, int64_t port);
typedef int64_t pydpdk_stage_state_fn(uint8_t *data, int64_t length, int64_t port, void *state);
typedef int64_t pydpdk_stage_burst_fn(uint8_t **data, int64_t *length, int64_t *verdict, int64_t n,
                                      int64_t port, void *state);
typedef int64_t pydpdk_stage_mbuf_fn(struct rte_mbuf **pkts, int64_t n, int64_t port, void *state,
                                     void *lcore_state, int64_t *verdict);

struct pydpdk_fwd_config {
    uint32_t mode;             /* PYDPDK_FWD_* for streams whose own mode is 0 */
    uint16_t burst;            /* packets per rx/tx burst, 1..PYDPDK_FWD_MAX_BURST (32) */
    uint16_t count_bytes;      /* 1: keep rx_bytes/tx_bytes (io mode then reads every mbuf) */
    uint32_t txretry;          /* tx attempts after a short tx burst before dropping (0) */
    uint32_t txretry_delay_us; /* pause before each retry (1) */
    /* Generated packets (txonly, flowgen, tx_first): copies of tx_template, zero-padded or cut
     * to tx_pkt_len; Ethernet/[VLAN]/IPv4 or IPv6 length fields and the IPv4 header checksum
     * are fixed for that length, and a non-zero UDP checksum is recomputed. An empty template
     * means Ether/IPv4 198.18.0.1 > 198.18.0.2/UDP 9 > 9 (testpmd's). */
    uint32_t tx_pkt_len;       /* total length (64) */
    uint32_t tx_nb_segs;       /* 0 or 1: one segment; else tx_seg_len[0..n), summing to tx_pkt_len */
    uint16_t tx_seg_len[PYDPDK_FWD_MAX_SEGS];
    uint32_t tx_set_macs;      /* 1: dst MAC = peer_mac[tx_port], src MAC = the tx port's (1) */
    uint32_t nb_flows;         /* flowgen: flows 0..nb_flows-1 (1024) */
    uint32_t flow_fields;      /* flowgen: PYDPDK_FWD_FLOW_* (all four) */
    uint32_t tx_template_len;
    uint8_t tx_template[PYDPDK_FWD_MAX_PKT_LEN];
    struct rte_ether_addr peer_mac[RTE_MAX_ETHPORTS];  /* like testpmd --eth-peer */
    struct rte_ether_addr port_mac[RTE_MAX_ETHPORTS];  /* output: read from the ports */
    struct rte_mempool *tx_pool[RTE_MAX_ETHPORTS];     /* generated packets, per tx port */
    /* stage mode: see "Stages" below. Written only while stopped. */
    void *stage_fn;            /* pydpdk_stage_*_fn, per stage_abi */
    void *stage_state;         /* the state argument (stage_abi 1, 2, 3) */
    uint32_t stage_abi;        /* PYDPDK_STAGE_ABI_* */
    uint8_t stage_port_ok[RTE_MAX_ETHPORTS];           /* 1: a port a verdict may name */
    void *stage_lcore_state;   /* stage_abi 3: per-lcore rows, stage_lcore_stride bytes apart */
    uint64_t stage_lcore_stride;
};

struct pydpdk_fwd_stream {
    /* Set by the caller. */
    uint16_t rx_port;
    uint16_t rx_queue;
    uint16_t tx_port;
    uint16_t tx_queue;
    uint32_t mode;             /* PYDPDK_FWD_*, 0: cfg.mode */
    /* Counters, written by the owning lcore only. */
    uint64_t rx_packets;
    uint64_t rx_bytes;
    uint64_t tx_packets;
    uint64_t tx_bytes;
    uint64_t gen_packets;      /* built by txonly/flowgen/tx_first */
    uint64_t fwd_dropped;      /* not accepted by tx (after retries), freed */
    uint64_t other_dropped;    /* received but not answered (icmpecho), freed */
    uint64_t alloc_failures;   /* bursts not built for lack of mbufs */
    uint64_t bad_ip_csum;      /* csum: IPv4 header checksums found bad (and rewritten) */
    uint64_t bad_l4_csum;      /* csum: UDP/TCP checksums found bad (and rewritten) */
    uint64_t stage_forwarded;  /* stage: verdicts naming an output port (sent or fwd_dropped) */
    uint64_t stage_dropped;    /* stage: DROP verdicts (freed, also in other_dropped) */
    uint64_t stage_invalid;    /* stage: verdicts outside the set or naming a port not in
                                * stage_port_ok (freed, also in other_dropped) */
    /* Private: set by pydpdk_fwd_prepare(). */
    uint32_t run_mode;
    uint32_t next_flow;
    uint8_t mac_hdr[12];       /* peer MAC, tx port MAC */
    struct rte_ether_addr rx_mac;
    struct rte_mempool *pool;
    uint8_t _pad[32];          /* 192 bytes: written counters of two streams never share a line */
};

struct pydpdk_fwd_lcore {
    uint32_t stream_begin;     /* set by the caller or pydpdk_fwd_assign() */
    uint32_t nb_streams;
    uint32_t lcore_id;         /* set by pydpdk_fwd_launch() */
    uint32_t _pad0;
    uint64_t iterations;       /* polling loops done (zeroed at launch) */
    uint64_t idle_iterations;  /* loops in which no stream received or sent anything */
    struct pydpdk_fwd *fwd;    /* private */
    uint8_t _pad[24];          /* 64 bytes: lcores never write to one line */
};

/* Built by pydpdk_fwd_prepare(): the packet txonly/flowgen copy. Private. */
struct pydpdk_fwd_gen {
    uint32_t pkt_len;
    uint32_t nb_segs;
    uint16_t seg_len[PYDPDK_FWD_MAX_SEGS];
    uint16_t l3_off;           /* IPv4 header (flowgen) */
    uint16_t l4_off;           /* UDP header (flowgen) */
    uint32_t ip_src, ip_dst;   /* host order */
    uint16_t udp_src, udp_dst; /* host order */
    uint32_t ip_sum;           /* one's complement sums of the varied words in the template */
    uint32_t udp_sum;
    uint16_t ip_cksum;         /* template checksums, as stored */
    uint16_t udp_cksum;
    uint8_t frame[PYDPDK_FWD_MAX_PKT_LEN];
};

struct pydpdk_fwd {
    struct pydpdk_fwd_config cfg;
    struct pydpdk_fwd_stream *streams; /* caller-owned array */
    uint32_t nb_streams;
    uint32_t nb_lcores;        /* lcores[0..nb_lcores) used by the current/last launch */
    struct pydpdk_fwd_lcore lcores[RTE_MAX_LCORE];
    char error[PYDPDK_FWD_ERROR_LEN];
    uint32_t running;          /* 1 between launch and stop */
    uint8_t _pad1[RTE_CACHE_LINE_SIZE];
    uint32_t stop;             /* 1: lcores return after their current iteration */
    uint8_t _pad2[RTE_CACHE_LINE_SIZE - sizeof(uint32_t)];
    struct pydpdk_fwd_gen gen;
};

/* Fill cfg with testpmd's defaults (io, burst 32, 64-byte packets, 1024 flows...). */
void pydpdk_fwd_init_config(struct pydpdk_fwd_config *cfg);

/* Split the streams over nb_lcores like testpmd: contiguous ranges, sizes differing by at most 1
 * (fewer lcores if there are fewer streams). Returns the number of lcores used. */
int pydpdk_fwd_assign(struct pydpdk_fwd *fwd, unsigned int nb_lcores);

/* Check the configuration and streams, read the ports' MACs, build the txonly packet.
 * Called by launch and tx_first; callers may use it to validate early. */
int pydpdk_fwd_prepare(struct pydpdk_fwd *fwd);

/* Zero all stream and lcore counters (-EBUSY while running). */
int pydpdk_fwd_reset_stats(struct pydpdk_fwd *fwd);

/* Send nb_bursts bursts of generated packets on the tx queue of every stream that transmits,
 * from the calling thread, before launch. Returns the number of packets sent. */
int pydpdk_fwd_tx_first(struct pydpdk_fwd *fwd, unsigned int nb_bursts);

/* Start lcores[i] (for i < nb_lcores) on worker lcore lcore_ids[i]. Streams on different lcores
 * may not share an rx queue or a tx queue. Call from the main lcore. */
int pydpdk_fwd_launch(struct pydpdk_fwd *fwd, const unsigned int *lcore_ids, unsigned int nb_lcores);

/* Raise the stop flag and wait for the lcores (main lcore only). No-op when not running. */
int pydpdk_fwd_stop(struct pydpdk_fwd *fwd);

/* Drain the rx queues of the streams that receive (twice, 10 ms apart, at most max_per_queue
 * packets per queue each time) like testpmd before and after forwarding. Returns the number of
 * packets freed (not counted in the streams), or -EBUSY while running. */
int64_t pydpdk_fwd_flush_rx(struct pydpdk_fwd *fwd, uint32_t ms_per_queue);

/* The name of mode (PYDPDK_FWD_*, "default" for 0), its one-line description, and its flags
 * (1: receives, 2: sends, 4: generates); NULL / -EINVAL for an unknown mode. */
const char *pydpdk_fwd_mode_name(uint32_t mode);
const char *pydpdk_fwd_mode_help(uint32_t mode);
int pydpdk_fwd_mode_flags(uint32_t mode);

/* A stage (stage_abi 0) returning PYDPDK_STAGE_PEER for every packet: stage mode's default. */
int64_t pydpdk_stage_peer(uint8_t *data, int64_t length, int64_t port);

#endif
