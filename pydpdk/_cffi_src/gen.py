"""Our traffic generator (c/gen.h, c/gen.c): paced streams with a per-packet field engine and a
payload tag, and a receive engine measuring loss, order, duplicates and latency, on lcores.

Ownership: the caller allocates `struct pydpdk_gen`, the stream and rx arrays, each stream's
frames, variants and size sequence, each rx's stats and histograms (ffi.new, 64-byte aligned),
and keeps them alive and unmoved from pydpdk_gen_launch() until pydpdk_gen_stop() returns.
Counters and states may be read at any time; all else is written only while stopped.
"""

INCLUDES = """
#include "gen.h"
"""

TYPES = """
#define PYDPDK_GEN_MAX_FIELDS ...
#define PYDPDK_GEN_MAX_LIST ...
#define PYDPDK_GEN_MAX_BURST ...
#define PYDPDK_GEN_ERROR_LEN ...
#define PYDPDK_GEN_TAG_LEN ...
#define PYDPDK_GEN_TAG_MAGIC ...
#define PYDPDK_GEN_SEQ_WINDOW ...
#define PYDPDK_GEN_HIST_SUB_BITS ...
#define PYDPDK_GEN_HIST_MAX_EXP ...
#define PYDPDK_GEN_HIST_BUCKETS ...
#define PYDPDK_GEN_FIELD_INC ...
#define PYDPDK_GEN_FIELD_DEC ...
#define PYDPDK_GEN_FIELD_RANDOM ...
#define PYDPDK_GEN_FIELD_LIST ...
#define PYDPDK_GEN_CSUM_IP ...
#define PYDPDK_GEN_CSUM_L4 ...
#define PYDPDK_GEN_CSUM_PHDR ...
#define PYDPDK_GEN_OFFLOAD_IP ...
#define PYDPDK_GEN_OFFLOAD_L4 ...
#define PYDPDK_GEN_CLOCK_TSC ...
#define PYDPDK_GEN_CLOCK_RX_TIMESTAMP ...
#define PYDPDK_GEN_CLOCK_REF_DEVICE ...
#define PYDPDK_GEN_CLOCK_REF_REALTIME ...
#define PYDPDK_GEN_WAITING ...
#define PYDPDK_GEN_ACTIVE ...
#define PYDPDK_GEN_DONE ...

struct pydpdk_gen_field {
    uint16_t offset;
    uint8_t width;
    uint8_t op;
    uint8_t csum;
    uint8_t nb_list;
    uint64_t mask;
    uint64_t min[2];
    uint64_t max[2];
    uint64_t step[2];
    uint64_t init[2];
    uint64_t list[...][2];
    ...;
};

struct pydpdk_gen_variant {
    uint32_t frame_off;
    uint16_t len;
    uint16_t tag_off;
    ...;
};

struct pydpdk_gen_stream {
    uint16_t port;
    uint16_t queue;
    uint16_t id;
    uint16_t tx_burst;
    uint32_t tag;
    uint32_t nb_fields;
    uint16_t l3_off;
    uint16_t l4_off;
    uint8_t l3_type;
    uint8_t l4_proto;
    uint8_t ip_csum;
    uint8_t l4_csum;
    const uint8_t *frames;
    struct pydpdk_gen_variant *variants;
    uint32_t nb_variants;
    uint32_t nb_size_seq;
    const uint16_t *size_seq;
    struct rte_mempool *pool;
    uint64_t rate_mpps;
    uint32_t poisson;
    uint32_t burst_pkts;
    uint64_t ibg_cycles;
    uint32_t nb_bursts;
    int32_t start_after;
    uint64_t count;
    uint64_t isg_cycles;
    struct pydpdk_gen_field fields[...];
    uint64_t gen_packets;
    uint64_t tx_packets;
    uint64_t tx_bytes;
    uint64_t unsent;
    uint64_t alloc_failures;
    uint64_t start_tsc;
    uint64_t end_tsc;
    uint64_t last_tx_tsc;
    uint32_t state;
    uint32_t offload;
    uint32_t ck_direct;
    void *stage_fn;
    void *stage_state;
    void *stage_lcore_state;
    uint32_t stage_abi;
    uint64_t stage_dropped;
    uint64_t stage_invalid;
    ...;
};

struct pydpdk_gen_rxstat {
    uint64_t packets;
    uint64_t bytes;
    uint64_t duplicated;
    uint64_t out_of_order;
    uint64_t late;
    uint64_t seq_max;
    uint64_t lat_min;
    uint64_t lat_max;
    uint64_t lat_sum;
    uint64_t lat_count;
    uint64_t jitter16;
    int64_t last_transit;
    uint64_t first_tsc;
    uint64_t last_tsc;
    ...;
};

struct pydpdk_gen_rx {
    uint16_t port;
    uint16_t queue;
    uint16_t burst;
    uint16_t nb_streams;
    struct pydpdk_gen_rxstat *stats;
    uint64_t *hist;
    uint64_t rx_packets;
    uint64_t rx_bytes;
    uint64_t rx_untagged;
    void *stage_fn;
    void *stage_state;
    void *stage_lcore_state;
    uint32_t stage_abi;
    uint64_t stage_dropped;
    uint64_t stage_invalid;
    uint32_t clock;
    uint32_t clock_ref;
    uint64_t clock_hz;
    uint64_t rx_no_timestamp;
    double tsc_per_tick;
    ...;
};

struct pydpdk_gen_lcore {
    uint32_t tx_begin;
    uint32_t nb_tx;
    uint32_t rx_begin;
    uint32_t nb_rx;
    uint32_t lcore_id;
    uint64_t iterations;
    ...;
};

struct pydpdk_gen {
    struct pydpdk_gen_stream *streams;
    uint32_t nb_streams;
    uint32_t nb_rx;
    struct pydpdk_gen_rx *rxs;
    uint32_t nb_lcores;
    uint32_t running;
    uint64_t tsc_hz;
    uint64_t launch_tsc;
    struct pydpdk_gen_lcore lcores[...];
    char error[...];
    uint32_t stop;
    ...;
};
"""

FUNCTIONS = """
int pydpdk_gen_prepare(struct pydpdk_gen *gen);
int pydpdk_gen_reset(struct pydpdk_gen *gen);
int pydpdk_gen_launch(struct pydpdk_gen *gen, const unsigned int *lcore_ids, unsigned int nb_lcores);
int pydpdk_gen_stop(struct pydpdk_gen *gen);
int pydpdk_gen_all_done(const struct pydpdk_gen *gen);
int64_t pydpdk_gen_drain(struct pydpdk_gen *gen, uint32_t quiet_ms, uint32_t max_ms);
int pydpdk_gen_build(struct pydpdk_gen *gen, uint32_t s, struct rte_mbuf **pkts, uint16_t n,
                     uint64_t tsc);
uint64_t pydpdk_gen_tx_offloads(uint16_t port, uint16_t queue);
int64_t pydpdk_gen_rx_cycles(struct pydpdk_gen *gen, uint32_t ri, struct rte_mempool *mp,
                             const uint8_t *frames, const uint16_t *lens, uint16_t n,
                             uint32_t rounds, uint32_t mode);
uint32_t pydpdk_gen_rx_clock_caps(uint16_t port);
uint32_t pydpdk_gen_hist_index(uint64_t v);
uint64_t pydpdk_gen_hist_lower(uint32_t idx);
"""

CUSTOMIZATIONS = ""
