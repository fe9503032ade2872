/* Native traffic generator: paced streams with a per-packet field engine, a payload tag, and a
 * receive engine measuring loss, order, duplicates and latency.
 *
 * A generator is one struct pydpdk_gen plus caller-owned arrays (Python: ffi.new, 64-byte
 * aligned): struct pydpdk_gen_stream[] (what to send), struct pydpdk_gen_rx[] (where to
 * measure), and for each stream its frame variants and size sequence, for each rx queue its
 * per-stream statistics and histograms. All of it must stay alive and unmoved from
 * pydpdk_gen_launch() until pydpdk_gen_stop() has returned. Typical use, from the main lcore:
 *
 *     fill streams[i] (port, queue, frames, variants, fields, rate, pattern) and rxs[j]
 *     gen->streams = streams; gen->nb_streams = n; gen->rxs = rxs; gen->nb_rx = m;
 *     fill gen->lcores[k].tx_begin/nb_tx/rx_begin/nb_rx (contiguous ranges)
 *     pydpdk_gen_prepare(gen);                    validate, compute the checksum bases
 *     pydpdk_gen_launch(gen, lcore_ids, k);       returns at once
 *     ... read counters, stream states and histograms at any time ...
 *     pydpdk_gen_stop(gen);                       waits; frees packets the tx queues refused
 *     pydpdk_gen_drain(gen, 50, 1000);            measure what was still in flight
 *
 * Tag (PYDPDK_GEN_TAG_LEN = 20 bytes, the LAST 20 bytes of every frame, little-endian):
 *     0: u32 magic PYDPDK_GEN_TAG_MAGIC ("PYDG")   4: u16 stream id   6: u16 seq bits 32..47
 *     8: u32 seq bits 0..31                        12: u64 TSC when the burst was built
 * At the end of the frame so that a DUT that adds, removes or rewrites headers (VLAN, MACs,
 * TTL, NAT) keeps it, as long as it does not append a trailer; the generator sets IPv4 total
 * length / IPv6 payload length / UDP length so that the IP packet ends where the frame ends
 * (a router keeps the tag). The tag lies in the L4 payload and is covered by its checksum.
 *
 * Counters are plain uint64_t written by one lcore only; others may read them at any time.
 * Accounting per stream, once stopped: gen_packets == tx_packets + unsent (freed at stop)
 * + stage_dropped + stage_invalid (a stream with a stage: gen_stage.h).
 * Per rx queue: rx_packets == rx_untagged + sum of its stats[].packets (+ stage_dropped +
 * stage_invalid with a stage); every received packet is freed. Latency and jitter are in TSC cycles whatever the receive clock (below).
 */
#ifndef PYDPDK_GEN_H
#define PYDPDK_GEN_H

#include <stdint.h>
#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#define PYDPDK_GEN_MAX_FIELDS   8
#define PYDPDK_GEN_MAX_LIST     16
#define PYDPDK_GEN_MAX_BURST    256
#define PYDPDK_GEN_ERROR_LEN    160
#define PYDPDK_GEN_TAG_LEN      20
#define PYDPDK_GEN_TAG_MAGIC    0x47445950u /* "PYDG" little-endian */
#define PYDPDK_GEN_SEQ_WINDOW   1024        /* duplicate/reorder window, packets */

/* Latency histogram: values v (TSC cycles) below 2^SUB_BITS have a bucket each; above, each
 * power of two [2^e, 2^(e+1)) is split into 2^SUB_BITS equal buckets, so a bucket's width is at
 * most 1/64 of its lower bound: reporting the bucket's midpoint errs by at most 1/128 (0.79 %).
 * Values of 2^HIST_MAX_EXP cycles or more (~1.6 h at 3 GHz) count in the last bucket. */
#define PYDPDK_GEN_HIST_SUB_BITS 6
#define PYDPDK_GEN_HIST_MAX_EXP  44
#define PYDPDK_GEN_HIST_BUCKETS  ((PYDPDK_GEN_HIST_MAX_EXP - PYDPDK_GEN_HIST_SUB_BITS + 1) << PYDPDK_GEN_HIST_SUB_BITS)

/* Field operations. Values are unsigned integers of the field's width (big-endian on the wire),
 * held as two uint64_t (lo, hi). */
#define PYDPDK_GEN_FIELD_INC    0 /* init, init+step, ...; a step past max goes back to min */
#define PYDPDK_GEN_FIELD_DEC    1 /* init, init-step, ...; a step below min goes back to max */
#define PYDPDK_GEN_FIELD_RANDOM 2 /* uniform in [min, max] (rte_rand) */
#define PYDPDK_GEN_FIELD_LIST   3 /* list[0..nb_list), cycling, advancing step entries at a time */

/* Which checksum a field's bytes are covered by (set by the caller). */
#define PYDPDK_GEN_CSUM_IP   1
#define PYDPDK_GEN_CSUM_L4   2
#define PYDPDK_GEN_CSUM_PHDR 4 /* in the L4 pseudo-header (IP addresses): the TX offload seed */

/* Checksums left to the port's TX offload (struct pydpdk_gen_stream.offload, set by the caller;
 * the port must be configured with the matching RTE_ETH_TX_OFFLOAD_*). With _IP the frames carry
 * IPv4 header checksum 0; with _L4 the UDP/TCP checksum field holds the pseudo-header sum
 * (rte_ipv4_phdr_cksum / rte_ipv6_phdr_cksum), kept up to date as fields change; the mbufs get
 * RTE_MBUF_F_TX_IPV4/IPV6 | _IP_CKSUM | _UDP_CKSUM/_TCP_CKSUM, l2_len and l3_len. */
#define PYDPDK_GEN_OFFLOAD_IP 1
#define PYDPDK_GEN_OFFLOAD_L4 2

/* Receive clocks: the time a packet is received at.
 *   TSC: rte_rdtsc() once per received burst (after rte_eth_rx_burst returned).
 *   RX_TIMESTAMP: the packet's RX timestamp dynamic field (RTE_MBUF_DYNFIELD_TIMESTAMP_NAME,
 *     flagged by RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME), mapped onto the TSC through reference
 *     pairs (TSC, clock) read at start and every millisecond on the receiving lcore (each the
 *     quickest of 4 reads); the clocks' ratio is measured over 5 ms at prepare, then from the
 *     first pair to the latest once they are 50 ms apart. So latency = RX timestamp (as TSC) -
 *     the tag's TSC: the time the packet waited in the RX queue before the poll is not counted,
 *     as the hardware stamped it; the TX side stays the TSC when the burst was built, so the tag
 *     needs no second clock and the TX and RX ports need not share one.
 *   What the timestamps count: REF_DEVICE: the port's clock, rte_eth_read_clock() (a NIC with
 *     RTE_ETH_RX_OFFLOAD_TIMESTAMP); REF_REALTIME: CLOCK_REALTIME in units of 1/clock_hz s
 *     (net_pcap: capture time in us). */
#define PYDPDK_GEN_CLOCK_TSC          0
#define PYDPDK_GEN_CLOCK_RX_TIMESTAMP 1
#define PYDPDK_GEN_CLOCK_REF_DEVICE   0
#define PYDPDK_GEN_CLOCK_REF_REALTIME 1

/* Stream states. */
#define PYDPDK_GEN_WAITING 0
#define PYDPDK_GEN_ACTIVE  1
#define PYDPDK_GEN_DONE    2

struct pydpdk_gen_field {
    uint16_t offset;           /* from the start of the frame */
    uint8_t width;             /* 1..16 bytes */
    uint8_t op;                /* PYDPDK_GEN_FIELD_* */
    uint8_t csum;              /* PYDPDK_GEN_CSUM_* bits */
    uint8_t nb_list;
    uint16_t _pad;
    uint64_t mask;             /* width <= 8: only these bits change (0: all) */
    uint64_t min[2], max[2], step[2], init[2];
    uint64_t list[PYDPDK_GEN_MAX_LIST][2];
    /* Private: the running value. */
    uint64_t cur[2];
    uint32_t list_idx;
    uint32_t ck_mul;           /* its value times this, mod 0xffff: its bytes' checksum sum (prepare) */
};

/* One frame of one size, at frames + frame_off: headers, lengths and checksums complete for that
 * size with the tag bytes zero (the caller builds them). */
struct pydpdk_gen_variant {
    uint32_t frame_off;
    uint16_t len;
    uint16_t tag_off;          /* len - PYDPDK_GEN_TAG_LEN (set by prepare) */
    /* Private (prepare): raw 16-bit sums of the words the fields and the tag cover. */
    uint32_t ip_sum;
    uint32_t l4_sum;
    uint32_t tag_sum;
    uint16_t tag_from;         /* first byte of the tag's checksum words not already summed */
    uint16_t _pad;
    uint16_t ip_ck;
    uint16_t l4_ck;
    uint32_t ip_base;          /* ~ip_ck + ~fold(ip_sum): RFC 1624 eqn. 3 without the new sum */
    uint32_t l4_base;          /* ~l4_ck + ~fold(l4_sum + tag_sum) */
    /* Private (prepare), when the fields' sums come from their values (stream ck_direct):
     * RFC 1624 eqn. 3 bases against the fields' own bytes (the tag's are zero here). */
    uint32_t ip_fbase;         /* ~ip_ck + ~fold(sum of the IP fields' template values) */
    uint32_t l4_fbase;         /* ~l4_ck + ~fold(... the L4 fields'); offload: l4_ck + ~fold(phdr fields') */
};

struct pydpdk_gen_stream {
    /* Set by the caller. */
    uint16_t port;
    uint16_t queue;
    uint16_t id;               /* stream id in the tag; index into each rx's stats[] */
    uint16_t tx_burst;         /* packets per tx burst at most (1..PYDPDK_GEN_MAX_BURST) */
    uint32_t tag;              /* 1: write the tag */
    uint32_t nb_fields;
    uint16_t l3_off, l4_off;   /* 0: none */
    uint8_t l3_type;           /* 4, 6, or 0 */
    uint8_t l4_proto;          /* 17 (UDP), 6 (TCP), or 0 */
    uint8_t ip_csum;           /* 1: fix the IPv4 header checksum after the fields change */
    uint8_t l4_csum;           /* 1: fix the UDP/TCP checksum after the fields and the tag */
    const uint8_t *frames;
    struct pydpdk_gen_variant *variants;
    uint32_t nb_variants;
    uint32_t nb_size_seq;
    const uint16_t *size_seq;  /* variant index of packet k: size_seq[k % nb_size_seq] */
    struct rte_mempool *pool;
    uint64_t rate_mpps;        /* packets per 1000 s (milli-pps); 0: as fast as the queue takes */
    uint32_t poisson;          /* 1: exponential inter-departure times of that mean */
    uint32_t burst_pkts;       /* 0: continuous; else bursts of this many packets... */
    uint64_t ibg_cycles;       /* ...this many TSC cycles apart (end of one to start of next) */
    uint32_t nb_bursts;        /* 0: unlimited */
    int32_t start_after;       /* -1: at launch; else when stream start_after is done */
    uint64_t count;            /* total packets, 0: unlimited */
    uint64_t isg_cycles;       /* delay before starting (after launch or the other's end) */
    struct pydpdk_gen_field fields[PYDPDK_GEN_MAX_FIELDS];
    /* Counters, written by the owning lcore only. */
    uint64_t gen_packets;      /* built */
    uint64_t tx_packets;       /* accepted by the tx queue */
    uint64_t tx_bytes;
    uint64_t unsent;           /* built, refused by the tx queue until stop, freed */
    uint64_t alloc_failures;   /* bursts cut short for lack of mbufs */
    uint64_t start_tsc;        /* when it started (0: not yet) */
    uint64_t end_tsc;          /* when it finished (done) or was stopped */
    uint64_t last_tx_tsc;      /* when its last packet was accepted */
    uint32_t state;            /* PYDPDK_GEN_WAITING/ACTIVE/DONE */
    uint32_t _pad0;
    /* Private. */
    uint64_t limit;            /* packets to build in this run (count, or set when the bursts end) */
    uint64_t seq;
    uint64_t base_tsc, base_sent, next_tsc;
    double poisson_next;       /* cycles after base_tsc */
    double mean_cycles;
    uint64_t seq_idx;
    uint32_t burst_sent, bursts_done;
    uint64_t hz_milli;         /* tsc_hz * 1000 */
    uint16_t nb_pending, pend_head;
    uint16_t nb_ip_ranges, nb_l4_ranges;  /* the fields' checksum words, merged: [from, to) */
    uint32_t same_ranges;      /* the IP and L4 ranges are the same: sum them once */
    uint32_t tag_const;        /* the tag's magic and stream id words, summed */
    uint16_t ip_ranges[PYDPDK_GEN_MAX_FIELDS][2];
    uint16_t l4_ranges[PYDPDK_GEN_MAX_FIELDS][2];
    struct rte_mbuf *pending[PYDPDK_GEN_MAX_BURST];
    /* Set by the caller: PYDPDK_GEN_OFFLOAD_* (0: every checksum in software). */
    uint32_t offload;
    /* Private (prepare). */
    uint32_t ck_direct;        /* 1: no two checksummed fields overlap: sums from the values */
    uint64_t ol_flags;         /* RTE_MBUF_F_TX_* of every packet (offload) */
    uint64_t tx_offload;       /* the mbufs' l2_len/l3_len word (offload) */
    /* Set by the caller: a compiled stage (pydpdk.stage) run on every built packet before its
     * tag and checksums (gen_stage.h), or NULL. */
    void *stage_fn;
    void *stage_state;
    void *stage_lcore_state;   /* stage_abi 3: this stream's lcore's counter row */
    uint32_t stage_abi;        /* PYDPDK_STAGE_ABI_* (fwd.h) */
    uint32_t _pad_stage;
    uint64_t stage_dropped;    /* DROP verdicts: built, freed, not sent */
    uint64_t stage_invalid;    /* other verdicts outside the allowed set: freed too */
} __rte_cache_aligned;

struct pydpdk_gen_rxstat {
    uint64_t packets;
    uint64_t bytes;
    uint64_t duplicated;       /* seen twice within the window */
    uint64_t out_of_order;     /* arrived after a higher sequence number */
    uint64_t late;             /* of those, older than the window (not checked for duplicates) */
    uint64_t seq_max;          /* highest sequence number seen (valid once packets > 0) */
    uint64_t lat_min, lat_max, lat_sum, lat_count; /* TSC cycles */
    uint64_t jitter16;         /* RFC 3550 interarrival jitter * 16, TSC cycles */
    int64_t last_transit;
    uint64_t first_tsc, last_tsc;
    uint64_t _pad[2];
    uint64_t window[PYDPDK_GEN_SEQ_WINDOW / 64];
} __rte_cache_aligned;

struct pydpdk_gen_rx {
    uint16_t port;
    uint16_t queue;
    uint16_t burst;            /* rx burst size (1..PYDPDK_GEN_MAX_BURST) */
    uint16_t nb_streams;       /* stats[0..nb_streams): tags with a higher id are untagged */
    struct pydpdk_gen_rxstat *stats;
    uint64_t *hist;            /* nb_streams * PYDPDK_GEN_HIST_BUCKETS */
    uint64_t rx_packets;
    uint64_t rx_bytes;
    uint64_t rx_untagged;      /* no tag, or a stream id out of range */
    uint64_t _pad[2];
    /* Set by the caller: a compiled stage run on every received packet before it is measured
     * (gen_stage.h), or NULL. DROP and invalid verdicts leave the packet unmeasured (counted
     * here, still in rx_packets; freed like every received packet). */
    void *stage_fn;
    void *stage_state;
    void *stage_lcore_state;
    uint32_t stage_abi;
    uint32_t _pad_stage;
    uint64_t stage_dropped;
    uint64_t stage_invalid;
    /* Receive clock, set by the caller (all zero: the TSC). */
    uint32_t clock;            /* PYDPDK_GEN_CLOCK_TSC or PYDPDK_GEN_CLOCK_RX_TIMESTAMP */
    uint32_t clock_ref;        /* RX_TIMESTAMP: what the timestamps count, PYDPDK_GEN_CLOCK_REF_* */
    uint64_t clock_hz;         /* REF_REALTIME: timestamp units per second, a divisor of 10^9 */
    /* Counter: tagged packets that came without an RX timestamp (clock RX_TIMESTAMP): counted
     * in stats[] (packets, order) but not in the latency. */
    uint64_t rx_no_timestamp;
    /* Private (prepare, then the receiving lcore): the timestamp dynamic field, and the
     * (TSC, timestamp) reference pairs that map timestamps onto the TSC. */
    int32_t ts_off;
    uint32_t _pad3;
    uint64_t ts_flag;
    uint64_t ref_tsc0;
    int64_t ref_tick0;
    uint64_t ref_tsc;
    int64_t ref_tick;
    uint64_t ref_next;
    uint64_t ref_period;
    double tsc_per_tick;
} __rte_cache_aligned;

struct pydpdk_gen_lcore {
    uint32_t tx_begin, nb_tx;  /* streams[tx_begin..+nb_tx) */
    uint32_t rx_begin, nb_rx;  /* rxs[rx_begin..+nb_rx) */
    uint32_t lcore_id;
    uint32_t _pad0;
    uint64_t iterations;
    struct pydpdk_gen *gen;
    uint8_t _pad[24];
} __rte_cache_aligned;

struct pydpdk_gen {
    struct pydpdk_gen_stream *streams;
    uint32_t nb_streams;
    uint32_t nb_rx;
    struct pydpdk_gen_rx *rxs;
    uint32_t nb_lcores;
    uint32_t running;
    uint64_t tsc_hz;           /* set by prepare */
    uint64_t launch_tsc;
    struct pydpdk_gen_lcore lcores[RTE_MAX_LCORE];
    char error[PYDPDK_GEN_ERROR_LEN];
    uint8_t _pad1[RTE_CACHE_LINE_SIZE];
    uint32_t stop;
    uint8_t _pad2[RTE_CACHE_LINE_SIZE - sizeof(uint32_t)];
};

/* Validate streams, rxs and lcores; compute each variant's checksum bases. 0 or -EINVAL (the
 * reason in gen->error). */
int pydpdk_gen_prepare(struct pydpdk_gen *gen);

/* Zero counters, states, sequence numbers and histograms (-EBUSY while running). */
int pydpdk_gen_reset(struct pydpdk_gen *gen);

/* Start lcores[i] on worker lcore lcore_ids[i]. Main lcore only. */
int pydpdk_gen_launch(struct pydpdk_gen *gen, const unsigned int *lcore_ids, unsigned int nb_lcores);

/* Raise the stop flag, wait for the lcores, free what the tx queues refused. No-op if stopped. */
int pydpdk_gen_stop(struct pydpdk_gen *gen);

/* 1 when every stream is done (streams without an end never are). */
int pydpdk_gen_all_done(const struct pydpdk_gen *gen);

/* While stopped, from the calling thread: receive and measure on every rx queue until none has
 * received anything for quiet_ms, or max_ms passed. Returns packets measured. */
int64_t pydpdk_gen_drain(struct pydpdk_gen *gen, uint32_t quiet_ms, uint32_t max_ms);

/* While stopped, from the calling thread: build n packets of stream s as the lcore would (fields,
 * tag with time tsc, checksums), advancing its state; *pkts gets them (the caller frees them).
 * Returns the number built (fewer if the pool ran dry). For tests and inspection. */
int pydpdk_gen_build(struct pydpdk_gen *gen, uint32_t s, struct rte_mbuf **pkts, uint16_t n,
                     uint64_t tsc);

/* The TX offloads port's queue runs with: the port's configured ones and the queue's own. */
uint64_t pydpdk_gen_tx_offloads(uint16_t port, uint16_t queue);

/* While stopped, from the calling thread: the receive engine's cost, for A/B measurements. rounds
 * times: n mbufs taken from mp and the n frames (packed back to back in frames, lens[i] bytes
 * each) copied in, not timed (mode 0: a tagged frame gets sequence number round * n + i and the
 * current TSC, so every round continues the stream in order, every packet with its own latency;
 * mode 3: the same with one TSC per round, as packets sent in one TX burst; mode 2: frames as
 * given, so rounds after the first are duplicates); then, timed with rte_rdtsc_precise, rx queue
 * ri measures and frees them as its lcore does after rte_eth_rx_burst (modes 0, 2, 3), or they
 * are only freed as rxonly frees them (mode 1: the baseline). Counts into rx ri's statistics. Returns the best
 * round's cycles, or -errno (the reason in gen->error). */
int64_t pydpdk_gen_rx_cycles(struct pydpdk_gen *gen, uint32_t ri, struct rte_mempool *mp,
                             const uint8_t *frames, const uint16_t *lens, uint16_t n,
                             uint32_t rounds, uint32_t mode);

/* What port offers for PYDPDK_GEN_CLOCK_RX_TIMESTAMP with REF_DEVICE: bit 0 its driver has the
 * RTE_ETH_RX_OFFLOAD_TIMESTAMP capability, bit 1 the port is configured with it. */
uint32_t pydpdk_gen_rx_clock_caps(uint16_t port);

/* Histogram bucket of a value, and the lowest value of a bucket. */
uint32_t pydpdk_gen_hist_index(uint64_t v);
uint64_t pydpdk_gen_hist_lower(uint32_t idx);

#endif
