/* Native traffic generator: see gen.h for the API, the tag layout and the counters' meaning.
 *
 * Each lcore loops over its streams (tx) and its rx queues until gen->stop is raised:
 *   tx: a stream whose next packet is due builds up to tx_burst packets (copy of the variant
 *       frame of the size sequence's next size, fields written, tag written, IPv4 and L4
 *       checksums updated incrementally per RFC 1624 from the variant's own checksums, or left
 *       to the port's TX offload) and transmits them; what the queue refuses is kept and
 *       offered first next time (never spun on, so one lcore can feed and drain a port
 *       looped to itself).
 *   rx: receive a burst, take one TSC reading for it (or each packet's RX timestamp, mapped
 *       onto the TSC), find and prefetch every tag, then read them, keeping each stream's
 *       counters, sequence window, latency histogram and jitter in registers over its run of
 *       packets; free the burst in one mempool put (free_burst.h).
 * Pacing: constant rate = packets due by time t are base_sent + (t - base_tsc) * rate, computed
 * in 128-bit integers (no drift, no accumulated rounding); Poisson = exponential gaps of the
 * same mean (rte_rand, -log U).
 */
#include "strict.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>
#include <rte_random.h>

#include "free_burst.h"
#include "gen.h"
#include "gen_stage.h"

typedef unsigned __int128 u128;

static int fail(struct pydpdk_gen *gen, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct pydpdk_gen *gen, int err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(gen->error, sizeof(gen->error), fmt, ap);
    va_end(ap);
    return -err;
}

/* ---- Checksum arithmetic on words as stored in memory (RFC 1071 / RFC 1624) ---- */

static inline uint16_t fold(uint32_t s)
{
    s = (s & 0xffff) + (s >> 16);
    return (uint16_t)((s & 0xffff) + (s >> 16));
}

/* A field's bytes, added as checksum words stored in memory, sum to (its value * ck_mul) mod 0xffff
 * (2^16 == 1 mod 0xffff, so a number's 16-bit chunks sum to itself mod 0xffff): ck_mul is 1 or
 * 256 depending on the byte order and whether the field ends on a word boundary (prepare). These
 * return a value < 2^18 congruent to x mod 0xffff: times 256, still far from overflowing a sum of
 * eight fields, the tag and a base in 32 bits. */
static inline uint32_t ck64(uint64_t x)
{
    x = (x & 0xffffffffu) + (x >> 32);
    return (uint32_t)((x & 0xffff) + (x >> 16));
}

static inline uint16_t load16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t load32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t load64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void store16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void store32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void store64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* Sum of the checksum words (aligned on `base`'s parity) that cover bytes [from, to) of p;
 * bytes at or beyond limit count as zero (the checksum's padding of an odd length). */
static inline uint32_t sum_words(const uint8_t *p, uint32_t from, uint32_t to, uint32_t base,
                                 uint32_t limit)
{
    uint32_t w = from - ((from - base) & 1u), s = 0;

    if (to > limit)
        to = limit;
    for (; w + 1 < to; w += 2)
        s += load16(p + w);
    if (w < to)          /* one byte left: its word's other byte is beyond `to` */
        s += w + 1 < limit ? load16(p + w) : (uint32_t)p[w]; /* little-endian load: p[w] is low */
    return s;
}

/* ---- Field values (unsigned, up to 128 bits) ---- */

static inline u128 v128(const uint64_t v[2]) { return ((u128)v[1] << 64) | v[0]; }
static inline void set128(uint64_t v[2], u128 x) { v[0] = (uint64_t)x; v[1] = (uint64_t)(x >> 64); }

static inline void store_be(uint8_t *p, u128 v, uint32_t width)
{
    switch (width) {
    case 1: p[0] = (uint8_t)v; return;
    case 2: store16(p, rte_cpu_to_be_16((uint16_t)v)); return;
    case 4: store32(p, rte_cpu_to_be_32((uint32_t)v)); return;
    case 8: store64(p, rte_cpu_to_be_64((uint64_t)v)); return;
    case 16:
        store64(p, rte_cpu_to_be_64((uint64_t)(v >> 64)));
        store64(p + 8, rte_cpu_to_be_64((uint64_t)v));
        return;
    default: {
        int i;

        for (i = (int)width - 1; i >= 0; i--, v >>= 8)
            p[i] = (uint8_t)v;
    }
    }
}

static inline u128 load_be(const uint8_t *p, uint32_t width)
{
    u128 v = 0;
    uint32_t i;

    for (i = 0; i < width; i++)
        v = (v << 8) | p[i];
    return v;
}

static inline u128 rand_range(u128 lo, u128 hi)
{
    u128 span = hi - lo;

    if (span == 0)
        return lo;
    if (span < UINT64_MAX)
        return lo + rte_rand_max((uint64_t)span + 1);
    {
        u128 r = ((u128)rte_rand() << 64) | rte_rand();

        return span == ~(u128)0 ? r : lo + r % (span + 1);
    }
}

/* field_next for fields of up to 8 bytes: 64-bit arithmetic only. */
static __rte_always_inline uint64_t field_next64(struct pydpdk_gen_field *f)
{
    const uint64_t lo = f->min[0], hi = f->max[0], step = f->step[0];
    uint64_t v = f->cur[0];

    switch (f->op) {
    case PYDPDK_GEN_FIELD_INC:
        f->cur[0] = (hi - v < step) ? lo : v + step;
        return v;
    case PYDPDK_GEN_FIELD_DEC:
        f->cur[0] = (v - lo < step) ? hi : v - step;
        return v;
    case PYDPDK_GEN_FIELD_RANDOM:
        return hi - lo == UINT64_MAX ? rte_rand() : lo + (hi == lo ? 0 : rte_rand_max(hi - lo + 1));
    default:
        v = f->list[f->list_idx][0];
        f->list_idx = (uint32_t)((f->list_idx + step) % f->nb_list);
        return v;
    }
}

/* The value of field f for this packet; advances f's state. */
static inline u128 field_next(struct pydpdk_gen_field *f)
{
    u128 cur, lo, hi, step, v;

    switch (f->op) {
    case PYDPDK_GEN_FIELD_RANDOM:
        return rand_range(v128(f->min), v128(f->max));
    case PYDPDK_GEN_FIELD_LIST:
        v = v128(f->list[f->list_idx]);
        f->list_idx = (uint32_t)((f->list_idx + f->step[0]) % f->nb_list);
        return v;
    default:
        break;
    }
    cur = v128(f->cur);
    lo = v128(f->min);
    hi = v128(f->max);
    step = v128(f->step);
    v = cur;
    if (f->op == PYDPDK_GEN_FIELD_INC)
        cur = (hi - cur < step) ? lo : cur + step;   /* past max: back to min (as TRex) */
    else
        cur = (cur - lo < step) ? hi : cur - step;   /* below min: back to max */
    set128(f->cur, cur);
    return v;
}

/* ---- Preparation ---- */

static void reset_stream(struct pydpdk_gen_stream *s)
{
    uint32_t i;

    s->gen_packets = s->tx_packets = s->tx_bytes = s->unsent = s->alloc_failures = 0;
    s->stage_dropped = s->stage_invalid = 0;
    s->start_tsc = s->end_tsc = s->last_tx_tsc = 0;
    s->state = PYDPDK_GEN_WAITING;
    s->seq = s->seq_idx = 0;
    s->limit = s->count;
    s->burst_sent = s->bursts_done = 0;
    s->nb_pending = s->pend_head = 0;
    for (i = 0; i < s->nb_fields; i++) {
        struct pydpdk_gen_field *f = &s->fields[i];

        f->cur[0] = f->init[0];
        f->cur[1] = f->init[1];
        f->list_idx = 0;
    }
}

static void reset_rx(struct pydpdk_gen_rx *r)
{
    uint32_t i;

    r->rx_packets = r->rx_bytes = r->rx_untagged = r->rx_no_timestamp = 0;
    r->stage_dropped = r->stage_invalid = 0;
    for (i = 0; i < r->nb_streams; i++) {
        memset(&r->stats[i], 0, sizeof(r->stats[i]));
        r->stats[i].lat_min = UINT64_MAX;
    }
    if (r->hist != NULL)
        memset(r->hist, 0, sizeof(uint64_t) * PYDPDK_GEN_HIST_BUCKETS * r->nb_streams);
}

int pydpdk_gen_reset(struct pydpdk_gen *gen)
{
    uint32_t i;

    if (gen->running)
        return fail(gen, EBUSY, "the generator is running");
    for (i = 0; i < gen->nb_streams; i++)
        reset_stream(&gen->streams[i]);
    for (i = 0; i < gen->nb_rx; i++)
        reset_rx(&gen->rxs[i]);
    return 0;
}

/* The word-aligned byte ranges covered by the fields with checksum bit `bit`, sorted and merged
 * so that no checksum word is summed twice. Returns their number. */
static uint16_t merge_ranges(const struct pydpdk_gen_stream *s, uint8_t bit,
                             uint16_t out[PYDPDK_GEN_MAX_FIELDS][2])
{
    uint32_t base = s->l3_off & 1u, k, i, n = 0;

    for (k = 0; k < s->nb_fields; k++) {
        const struct pydpdk_gen_field *f = &s->fields[k];
        uint32_t from, to;

        if (!(f->csum & bit))
            continue;
        from = f->offset - ((f->offset - base) & 1u);
        to = f->offset + f->width;
        to += (to - base) & 1u;
        for (i = n; i > 0 && out[i - 1][0] > from; i--) {
            out[i][0] = out[i - 1][0];
            out[i][1] = out[i - 1][1];
        }
        out[i][0] = (uint16_t)from;
        out[i][1] = (uint16_t)to;
        n++;
    }
    for (i = 0, k = 0; i < n; i++) {          /* merge overlapping neighbours */
        if (k > 0 && out[i][0] <= out[k - 1][1]) {
            out[k - 1][1] = RTE_MAX(out[k - 1][1], out[i][1]);
        } else {
            out[k][0] = out[i][0];
            out[k][1] = out[i][1];
            k++;
        }
    }
    return (uint16_t)k;
}

static inline uint32_t sum_ranges(const uint8_t *p, const uint16_t r[][2], uint32_t n,
                                  uint32_t base, uint32_t limit)
{
    uint32_t i, s = 0;

    for (i = 0; i < n; i++)
        s += sum_words(p, r[i][0], r[i][1], base, limit);
    return s;
}

/* The checksum words' sum of field f's bytes in frame p (masked bits only), as ck64 gives it. */
static uint32_t field_ck(const struct pydpdk_gen_field *f, const uint8_t *p)
{
    u128 v = load_be(p + f->offset, f->width);

    if (f->mask != 0)
        v &= f->mask;
    return (ck64((uint64_t)v) + ck64((uint64_t)(v >> 64))) * f->ck_mul;
}

/* Sum the fields' bytes from their values (ck_direct) unless two checksummed fields overlap (the
 * later one's bytes win: then the words are summed from the packet, as before). */
static void prepare_fields_ck(struct pydpdk_gen_stream *s)
{
    const uint32_t base = s->l3_off & 1u;
    uint32_t k, j;

    s->ck_direct = 1;
    for (k = 0; k < s->nb_fields; k++) {
        struct pydpdk_gen_field *f = &s->fields[k];
        const uint32_t ends_mid_word = (f->offset - base + f->width) & 1u;

        /* memory words: the byte at an even distance from base is the low byte on a
         * little-endian CPU; a field ending mid-word is its value shifted by 8 bits */
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
        f->ck_mul = ends_mid_word ? 1 : 256;
#else
        f->ck_mul = ends_mid_word ? 256 : 1;
#endif
        for (j = 0; j < k; j++) {
            const struct pydpdk_gen_field *g = &s->fields[j];

            if (f->csum && g->csum && f->offset < g->offset + g->width && g->offset < f->offset + f->width)
                s->ck_direct = 0;
        }
    }
}

static uint32_t sum_fields_ck(const struct pydpdk_gen_stream *s, const uint8_t *p, uint8_t bit)
{
    uint32_t k, sum = 0;

    for (k = 0; k < s->nb_fields; k++)
        if (s->fields[k].csum & bit)
            sum += field_ck(&s->fields[k], p);
    return sum;
}

/* Offload set-up: the mbufs' flags and lengths. */
static int prepare_offload(struct pydpdk_gen *gen, uint32_t si)
{
    struct pydpdk_gen_stream *s = &gen->streams[si];
    const uint8_t *p = s->frames + s->variants[0].frame_off;
    uint32_t l3_len;

    s->ol_flags = 0;
    s->tx_offload = 0;
    if (s->offload == 0)
        return 0;
    if (s->offload & ~(uint32_t)(PYDPDK_GEN_OFFLOAD_IP | PYDPDK_GEN_OFFLOAD_L4))
        return fail(gen, EINVAL, "stream %u: offload=%u: PYDPDK_GEN_OFFLOAD_IP|_L4 bits only", si, s->offload);
    if ((s->offload & PYDPDK_GEN_OFFLOAD_IP) && (s->l3_type != 4 || s->ip_csum))
        return fail(gen, EINVAL, "stream %u: IPv4 checksum offload needs an IPv4 header and ip_csum=0", si);
    if ((s->offload & PYDPDK_GEN_OFFLOAD_L4) && (!s->l4_csum || s->l4_off == 0 ||
                                                 (s->l4_proto != IPPROTO_UDP && s->l4_proto != IPPROTO_TCP)))
        return fail(gen, EINVAL, "stream %u: L4 checksum offload needs a UDP/TCP header and l4_csum=1", si);
    l3_len = s->l4_off ? (uint32_t)(s->l4_off - s->l3_off) :
             s->l3_type == 4 ? (uint32_t)(p[s->l3_off] & 15) * 4 : 40;
    s->ol_flags = s->l3_type == 4 ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6;
    if (s->offload & PYDPDK_GEN_OFFLOAD_IP)
        s->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
    if (s->offload & PYDPDK_GEN_OFFLOAD_L4)
        s->ol_flags |= s->l4_proto == IPPROTO_UDP ? RTE_MBUF_F_TX_UDP_CKSUM : RTE_MBUF_F_TX_TCP_CKSUM;
    s->tx_offload = rte_mbuf_tx_offload(s->l3_off, l3_len, 0, 0, 0, 0, 0);
    return 0;
}

uint64_t pydpdk_gen_tx_offloads(uint16_t port, uint16_t queue)
{
    struct rte_eth_conf conf;
    struct rte_eth_txq_info qinfo;
    uint64_t off = 0;

    memset(&conf, 0, sizeof(conf));
    memset(&qinfo, 0, sizeof(qinfo));
    if (rte_eth_dev_conf_get(port, &conf) == 0)
        off |= conf.txmode.offloads;
    if (rte_eth_tx_queue_info_get(port, queue, &qinfo) == 0)
        off |= qinfo.conf.offloads;
    return off;
}

static int prepare_stream(struct pydpdk_gen *gen, uint32_t si)
{
    struct pydpdk_gen_stream *s = &gen->streams[si];
    uint32_t v, k, base = s->l3_off & 1u;

    if (!rte_eth_dev_is_valid_port(s->port))
        return fail(gen, EINVAL, "stream %u: port %u is not a valid port", si, s->port);
    if (s->pool == NULL)
        return fail(gen, EINVAL, "stream %u: no mempool", si);
    if (s->tx_burst == 0 || s->tx_burst > PYDPDK_GEN_MAX_BURST)
        return fail(gen, EINVAL, "stream %u: tx_burst=%u: must be 1..%d", si, s->tx_burst,
                    PYDPDK_GEN_MAX_BURST);
    if (s->nb_variants == 0 || s->variants == NULL || s->frames == NULL)
        return fail(gen, EINVAL, "stream %u: no frames", si);
    if (s->nb_size_seq == 0 || s->size_seq == NULL)
        return fail(gen, EINVAL, "stream %u: empty size sequence", si);
    for (k = 0; k < s->nb_size_seq; k++)
        if (s->size_seq[k] >= s->nb_variants)
            return fail(gen, EINVAL, "stream %u: size_seq[%u]=%u: only %u variants", si, k,
                        s->size_seq[k], s->nb_variants);
    if (s->nb_fields > PYDPDK_GEN_MAX_FIELDS)
        return fail(gen, EINVAL, "stream %u: %u fields: at most %d", si, s->nb_fields,
                    PYDPDK_GEN_MAX_FIELDS);
    if (s->start_after >= (int32_t)gen->nb_streams || s->start_after == (int32_t)si)
        return fail(gen, EINVAL, "stream %u: start_after=%d: must be -1 or another stream", si,
                    s->start_after);
    for (k = 0; k < s->nb_fields; k++) {
        const struct pydpdk_gen_field *f = &s->fields[k];

        if (f->width == 0 || f->width > 16 || f->op > PYDPDK_GEN_FIELD_LIST)
            return fail(gen, EINVAL, "stream %u field %u: width %u / op %u invalid", si, k,
                        f->width, f->op);
        if (f->op == PYDPDK_GEN_FIELD_LIST && (f->nb_list == 0 || f->nb_list > PYDPDK_GEN_MAX_LIST))
            return fail(gen, EINVAL, "stream %u field %u: list of %u values", si, k, f->nb_list);
        if (f->op <= PYDPDK_GEN_FIELD_DEC && v128(f->min) > v128(f->max))
            return fail(gen, EINVAL, "stream %u field %u: min > max", si, k);
    }
    s->nb_ip_ranges = merge_ranges(s, PYDPDK_GEN_CSUM_IP, s->ip_ranges);
    s->nb_l4_ranges = merge_ranges(s, PYDPDK_GEN_CSUM_L4, s->l4_ranges);
    prepare_fields_ck(s);
    for (v = 0; v < s->nb_variants; v++) {
        struct pydpdk_gen_variant *var = &s->variants[v];
        const uint8_t *p = s->frames + var->frame_off;
        uint32_t len = var->len, tag_from;

        if (len < RTE_ETHER_HDR_LEN + (s->tag ? PYDPDK_GEN_TAG_LEN : 0))
            return fail(gen, EINVAL, "stream %u variant %u: %u bytes is too short", si, v, len);
        var->tag_off = (uint16_t)(len - PYDPDK_GEN_TAG_LEN);
        for (k = 0; k < s->nb_fields; k++) {
            const struct pydpdk_gen_field *f = &s->fields[k];

            if ((uint32_t)f->offset + f->width > (s->tag ? var->tag_off : len))
                return fail(gen, EINVAL, "stream %u field %u: bytes %u..%u are outside the %u-byte "
                            "frame's headers and payload before the tag", si, k, f->offset,
                            f->offset + f->width, len);
        }
        var->ip_sum = sum_ranges(p, (const uint16_t (*)[2])s->ip_ranges, s->nb_ip_ranges, base, len);
        var->l4_sum = sum_ranges(p, (const uint16_t (*)[2])s->l4_ranges, s->nb_l4_ranges, base, len);
        tag_from = var->tag_off - ((var->tag_off - base) & 1u);
        if (s->nb_l4_ranges && s->l4_ranges[s->nb_l4_ranges - 1][1] > tag_from)
            tag_from = s->l4_ranges[s->nb_l4_ranges - 1][1];
        var->tag_from = (uint16_t)tag_from;
        var->tag_sum = s->tag && tag_from < len ? sum_words(p, tag_from, len, base, len) : 0;
        if (s->ip_csum) {
            if (s->l3_type != 4 || (uint32_t)s->l3_off + 20 > len)
                return fail(gen, EINVAL, "stream %u: ip_csum without an IPv4 header", si);
            var->ip_ck = load16(p + s->l3_off + 10);
        }
        if (s->l4_csum) {
            uint32_t at = s->l4_off + (s->l4_proto == IPPROTO_TCP ? 16 : 6);

            if ((s->l4_proto != IPPROTO_TCP && s->l4_proto != IPPROTO_UDP) || s->l4_off == 0 ||
                at + 2 > len)
                return fail(gen, EINVAL, "stream %u: l4_csum without a UDP/TCP header", si);
            var->l4_ck = load16(p + at);
        }
        var->ip_base = (uint16_t)~var->ip_ck + (uint16_t)~fold(var->ip_sum);
        var->l4_base = (uint16_t)~var->l4_ck + (uint16_t)~fold(var->l4_sum + var->tag_sum);
        var->ip_fbase = (uint16_t)~var->ip_ck + (uint16_t)~fold(sum_fields_ck(s, p, PYDPDK_GEN_CSUM_IP));
        if (s->offload & PYDPDK_GEN_OFFLOAD_L4)    /* the seed: a plain sum, not complemented */
            var->l4_fbase = var->l4_ck + (uint16_t)~fold(sum_fields_ck(s, p, PYDPDK_GEN_CSUM_PHDR));
        else
            var->l4_fbase = (uint16_t)~var->l4_ck + (uint16_t)~fold(sum_fields_ck(s, p, PYDPDK_GEN_CSUM_L4));
    }
    {
        int rc = prepare_offload(gen, si);

        if (rc < 0)
            return rc;
    }
    s->same_ranges = s->nb_ip_ranges == s->nb_l4_ranges &&
                     memcmp(s->ip_ranges, s->l4_ranges, sizeof(s->ip_ranges[0]) * s->nb_ip_ranges) == 0;
    s->tag_const = (PYDPDK_GEN_TAG_MAGIC & 0xffff) + (PYDPDK_GEN_TAG_MAGIC >> 16) + s->id;
    s->hz_milli = gen->tsc_hz * 1000;
    s->mean_cycles = s->rate_mpps ? (double)gen->tsc_hz * 1000.0 / (double)s->rate_mpps : 0;
    return 0;
}

static int rx_clock_prepare(struct pydpdk_gen *gen, uint32_t i);

int pydpdk_gen_prepare(struct pydpdk_gen *gen)
{
    uint32_t i, k;
    int rc;

    gen->error[0] = '\0';
    gen->tsc_hz = rte_get_tsc_hz();
    if (gen->nb_streams != 0 && gen->streams == NULL)
        return fail(gen, EINVAL, "streams missing");
    if (gen->nb_rx != 0 && gen->rxs == NULL)
        return fail(gen, EINVAL, "rx queues missing");
    for (i = 0; i < gen->nb_streams; i++) {
        rc = prepare_stream(gen, i);
        if (rc < 0)
            return rc;
    }
    for (i = 0; i < gen->nb_rx; i++) {
        const struct pydpdk_gen_rx *r = &gen->rxs[i];

        if (!rte_eth_dev_is_valid_port(r->port))
            return fail(gen, EINVAL, "rx %u: port %u is not a valid port", i, r->port);
        if (r->burst == 0 || r->burst > PYDPDK_GEN_MAX_BURST)
            return fail(gen, EINVAL, "rx %u: burst=%u: must be 1..%d", i, r->burst,
                        PYDPDK_GEN_MAX_BURST);
        if (r->nb_streams != 0 && (r->stats == NULL || r->hist == NULL))
            return fail(gen, EINVAL, "rx %u: statistics missing", i);
        rc = rx_clock_prepare(gen, i);
        if (rc < 0)
            return rc;
    }
    for (k = 0; k < gen->nb_lcores; k++) {
        const struct pydpdk_gen_lcore *lc = &gen->lcores[k];

        if (lc->tx_begin + lc->nb_tx > gen->nb_streams || lc->rx_begin + lc->nb_rx > gen->nb_rx ||
            lc->nb_tx + lc->nb_rx == 0)
            return fail(gen, EINVAL, "lcores[%u]: streams %u+%u / rx %u+%u: must be non-empty "
                        "ranges within %u streams and %u rx queues", k, lc->tx_begin, lc->nb_tx,
                        lc->rx_begin, lc->nb_rx, gen->nb_streams, gen->nb_rx);
    }
    return 0;
}

/* ---- Building packets ---- */

/* Write the first nb_fields fields' next values. With ck != NULL (ck_direct), also add each
 * checksummed field's checksum-word sum, from the value (no bytes re-read), to ck[0] (IP), ck[1]
 * (L4) and ck[2] (pseudo-header) as its csum bits say. */
static __rte_always_inline void write_fields(struct pydpdk_gen_stream *s, uint32_t nb_fields,
                                             uint8_t *p, uint32_t *ck)
{
    uint32_t k;

    for (k = 0; k < nb_fields; k++) {
        struct pydpdk_gen_field *f = &s->fields[k];
        uint8_t *at = p + f->offset;
        uint32_t c = 0;
        u128 v;

        if (likely(f->width <= 8)) {
            uint64_t x = field_next64(f);

            if (f->mask != 0)
                x = (x & f->mask) | ((uint64_t)load_be(at, f->width) & ~f->mask);
            if (ck != NULL && f->csum)
                c = ck64(f->mask != 0 ? x & f->mask : x);
            switch (f->width) {
            case 1: *at = (uint8_t)x; break;
            case 2: store16(at, rte_cpu_to_be_16((uint16_t)x)); break;
            case 4: store32(at, rte_cpu_to_be_32((uint32_t)x)); break;
            default: store_be(at, x, f->width); break;
            }
        } else {
            v = field_next(f);
            if (f->mask != 0) {
                u128 old = load_be(at, f->width);

                v = (old & ~(u128)f->mask) | (v & f->mask);
            }
            store_be(at, v, f->width);
            if (f->mask != 0)
                v &= f->mask;
            if (ck != NULL && f->csum)
                c = ck64((uint64_t)v) + ck64((uint64_t)(v >> 64));
        }
        if (ck != NULL && f->csum) {
            c *= f->ck_mul;
            if (f->csum & PYDPDK_GEN_CSUM_IP)
                ck[0] += c;
            if (f->csum & PYDPDK_GEN_CSUM_L4)
                ck[1] += c;
            if (f->csum & PYDPDK_GEN_CSUM_PHDR)
                ck[2] += c;
        }
    }
}

/* What build_one reads of a stream, copied once per burst: the packet stores (through uint8_t
 * pointers, which may alias anything) would otherwise make the compiler reload each of these
 * from the stream after every store; a local copy whose address does not escape stays in
 * registers. seq and seq_idx are written back after the burst. */
struct build_ctx {
    const uint8_t *frames;
    const struct pydpdk_gen_variant *variants;
    const uint16_t *size_seq;
    uint64_t ol_flags, tx_offload, seq, seq_idx;
    uint32_t nb_size_seq, nb_fields, tag_const, offload, tag;
    uint16_t port, id, l3_off, l4_off, nb_ip_ranges;
    uint8_t l3_type, l4_proto, ip_csum, l4_csum;
};

/* The tag's checksum-word sum from the values just written (magic and id in tag_const), for a
 * tag at an even (odd: times 256, as for a field) distance from the checksum's first word. */
static __rte_always_inline uint32_t tag_ck(const struct build_ctx *s, uint64_t seq,
                                           uint32_t tsc_sum)
{
    const uint32_t lo = (uint32_t)seq;

    return s->tag_const + tsc_sum + (uint16_t)(seq >> 32) + (lo & 0xffff) + (lo >> 16);
}

/* The tag in three stores: magic | id | seq bits 32..47, seq bits 0..31, tsc. */
static __rte_always_inline void write_tag(const struct build_ctx *s, uint8_t *t, uint64_t seq,
                                          uint64_t tsc)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
    store64(t, PYDPDK_GEN_TAG_MAGIC | ((uint64_t)s->id << 32) | ((seq >> 32) << 48));
#else
    store32(t, PYDPDK_GEN_TAG_MAGIC);
    store16(t + 4, s->id);
    store16(t + 6, (uint16_t)(seq >> 32));
#endif
    store32(t + 8, (uint32_t)seq);
    store64(t + 12, tsc);
}

static __rte_always_inline uint16_t udp_ck(const struct build_ctx *s, uint16_t ck)
{
    return (s->l4_proto == IPPROTO_UDP && ck == 0) ? 0xffff : ck;
}

/* One packet. direct (s->ck_direct) and offload (s->offload != 0) are constants at each call
 * site, so that each of build_burst's loops carries only its own path. */
static __rte_always_inline uint32_t build_one(struct pydpdk_gen_stream *s, struct build_ctx *c,
                                              struct rte_mbuf *m, uint64_t tsc, uint32_t tsc_sum,
                                              const int direct, const int offload)
{
    const struct pydpdk_gen_variant *var = &c->variants[c->size_seq[c->seq_idx]];
    const uint32_t len = var->len;
    const uint32_t base = c->l3_off & 1u;
    const uint32_t l4_soft = c->l4_csum && !(offload && (c->offload & PYDPDK_GEN_OFFLOAD_L4));
    uint32_t l4_sum = 0;
    uint64_t seq = 0;
    uint8_t *p, *l4ck;

    if (++c->seq_idx == c->nb_size_seq)
        c->seq_idx = 0;
    /* A raw mbuf: a pool's free mbufs already have next == NULL and nb_segs == 1 (rte_mbuf
     * invariants), so only first-cache-line fields are set, as testpmd's txonly does (and the
     * offload lengths, on the second, when the port does checksums). */
    m->data_off = (uint16_t)RTE_MIN((uint16_t)RTE_PKTMBUF_HEADROOM, m->buf_len);
    m->ol_flags = (m->ol_flags & RTE_MBUF_F_EXTERNAL) | (offload ? c->ol_flags : 0);
    m->packet_type = 0;
    m->vlan_tci = 0;
    m->vlan_tci_outer = 0;
    m->port = c->port;
    m->data_len = (uint16_t)len;
    m->pkt_len = len;
    if (offload && c->offload)
        m->tx_offload = c->tx_offload;
    p = rte_pktmbuf_mtod(m, uint8_t *);
    l4ck = p + c->l4_off + (c->l4_proto == IPPROTO_TCP ? 16 : 6);   /* used with l4_csum only */
    rte_memcpy(p, c->frames + var->frame_off, len);
    if (direct) {
        /* RFC 1624 eqn. 3 against the fields' own bytes: their sums come from the values, the
         * tag's from its values; one fold per checksum, 16-bit stores */
        uint32_t ck[3] = {0, 0, 0};

        if (c->nb_fields)
            write_fields(s, c->nb_fields, p, ck);
        if (c->tag) {
            uint8_t *t = p + var->tag_off;

            seq = c->seq++;
            write_tag(c, t, seq, tsc);
            if (l4_soft) {
                uint32_t tc = tag_ck(c, seq, tsc_sum);

                ck[1] += ((var->tag_off - base) & 1u) ? (uint32_t)fold(tc) * 256u : tc;
            }
        }
        if (c->ip_csum && c->nb_ip_ranges)
            store16(p + c->l3_off + 10, (uint16_t)~fold(var->ip_fbase + ck[0]));
        if (l4_soft)
            store16(l4ck, udp_ck(c, (uint16_t)~fold(var->l4_fbase + ck[1])));
        else if (c->l4_csum && c->nb_fields)     /* offload: the pseudo-header sum */
            store16(l4ck, fold(var->l4_fbase + ck[2]));
        return len;
    }
    if (c->nb_fields)
        write_fields(s, c->nb_fields, p, NULL);
    if (c->tag) {
        uint8_t *t = p + var->tag_off;

        seq = c->seq++;
        write_tag(c, t, seq, tsc);
        if (l4_soft) {
            if (likely(var->tag_from == var->tag_off && !((var->tag_off - base) & 1u)))
                l4_sum += tag_ck(c, seq, tsc_sum);
            else if (var->tag_from < len)
                l4_sum += sum_words(p, var->tag_from, len, base, len);
        }
    }
    {
        uint32_t ip_sum = 0;

        if (c->ip_csum && c->nb_ip_ranges) {
            ip_sum = sum_ranges(p, (const uint16_t (*)[2])s->ip_ranges, c->nb_ip_ranges, base, len);
            store16(p + c->l3_off + 10, (uint16_t)~fold(var->ip_base + ip_sum));
        }
        if (l4_soft && s->nb_l4_ranges)
            l4_sum += (s->same_ranges && c->ip_csum) ? ip_sum :
                      sum_ranges(p, (const uint16_t (*)[2])s->l4_ranges, s->nb_l4_ranges, base, len);
    }
    if (l4_soft) {
        store16(l4ck, udp_ck(c, (uint16_t)~fold(var->l4_base + l4_sum)));
    } else if (c->l4_csum) {    /* offload: the pseudo-header sum, from the packet */
        const void *ip = p + c->l3_off;

        store16(l4ck, c->l3_type == 4 ? rte_ipv4_phdr_cksum(ip, 0) : rte_ipv6_phdr_cksum(ip, 0));
    }
    return len;
}

/* A stream with a stage (gen_stage.h): copy and fields, the stage, then the tag and the full
 * checksums of the packets it keeps; the others are freed. Returns how many are kept (in pkts[],
 * their lengths in lens[]); gen_packets counts all n built. */
static __rte_noinline uint16_t build_burst_stage(struct pydpdk_gen_stream *s, struct rte_mbuf **pkts,
                                                 uint16_t n, uint64_t tsc, uint32_t *lens)
{
    struct build_ctx c = {
        .frames = s->frames, .variants = s->variants, .size_seq = s->size_seq,
        .seq_idx = s->seq_idx, .nb_size_seq = s->nb_size_seq, .nb_fields = s->nb_fields,
        .port = s->port, .id = s->id, .l3_off = s->l3_off, .l4_off = s->l4_off,
        .l3_type = s->l3_type, .l4_proto = s->l4_proto,
    };      /* tag, checksums and offloads off: the fields alone */
    struct rte_mbuf *drop[PYDPDK_GEN_MAX_BURST];
    int64_t v[PYDPDK_GEN_MAX_BURST];
    uint64_t seq = s->seq;
    uint16_t i, kept = 0, nd = 0;

    for (i = 0; i < n; i++)
        lens[i] = build_one(s, &c, pkts[i], tsc, 0, 0, 0);
    s->seq_idx = c.seq_idx;
    s->gen_packets += n;
    gen_stage_verdicts(s->stage_fn, s->stage_state, s->stage_lcore_state, s->stage_abi, s->port, pkts, n, v);
    for (i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];

        if (unlikely(!gen_stage_keep(v[i]))) {
            if (v[i] == PYDPDK_STAGE_DROP)
                s->stage_dropped++;
            else
                s->stage_invalid++;
            drop[nd++] = m;
            continue;
        }
        if (s->tag)
            write_tag(&c, rte_pktmbuf_mtod_offset(m, uint8_t *, lens[i] - PYDPDK_GEN_TAG_LEN), seq++, tsc);
        gen_stage_fix_csum(s, m);
        lens[kept] = lens[i];
        pkts[kept++] = m;
    }
    s->seq = seq;
    if (nd)
        rte_pktmbuf_free_bulk(drop, nd);
    return kept;
}

/* Build up to n packets into pkts; lens[i] gets packet i's length. Returns how many. */
static __rte_always_inline uint16_t build_burst(struct pydpdk_gen_stream *s,
                                                struct rte_mbuf **pkts, uint16_t n, uint64_t tsc,
                                                uint32_t *lens)
{
    uint16_t i;

    if (unlikely(rte_mempool_get_bulk(s->pool, (void **)pkts, n) != 0)) {
        s->alloc_failures++;
        for (i = 0; i < n; i++)
            if (rte_mempool_get(s->pool, (void **)&pkts[i]) != 0)
                break;
        n = i;
    }
    if (unlikely(s->stage_fn != NULL))
        return build_burst_stage(s, pkts, n, tsc, lens);
    {
        const uint32_t tsc_sum = (uint32_t)(tsc & 0xffff) + (uint32_t)((tsc >> 16) & 0xffff) +
                                 (uint32_t)((tsc >> 32) & 0xffff) + (uint32_t)(tsc >> 48);

        struct build_ctx c = {
            .frames = s->frames, .variants = s->variants, .size_seq = s->size_seq,
            .ol_flags = s->ol_flags, .tx_offload = s->tx_offload, .seq = s->seq,
            .seq_idx = s->seq_idx, .nb_size_seq = s->nb_size_seq, .nb_fields = s->nb_fields,
            .tag_const = s->tag_const, .offload = s->offload, .tag = s->tag, .port = s->port,
            .id = s->id, .l3_off = s->l3_off, .l4_off = s->l4_off, .nb_ip_ranges = s->nb_ip_ranges,
            .l3_type = s->l3_type, .l4_proto = s->l4_proto, .ip_csum = s->ip_csum,
            .l4_csum = s->l4_csum,
        };

        if (likely(s->ck_direct && !s->offload)) {
            for (i = 0; i < n; i++)
                lens[i] = build_one(s, &c, pkts[i], tsc, tsc_sum, 1, 0);
        } else if (s->ck_direct) {
            for (i = 0; i < n; i++)
                lens[i] = build_one(s, &c, pkts[i], tsc, tsc_sum, 1, 1);
        } else {
            for (i = 0; i < n; i++)
                lens[i] = build_one(s, &c, pkts[i], tsc, tsc_sum, 0, 1);
        }
        s->seq = c.seq;
        s->seq_idx = c.seq_idx;
    }
    s->gen_packets += n;
    return n;
}

int pydpdk_gen_build(struct pydpdk_gen *gen, uint32_t si, struct rte_mbuf **pkts, uint16_t n,
                     uint64_t tsc)
{
    uint32_t lens[PYDPDK_GEN_MAX_BURST];

    if (gen->running)
        return fail(gen, EBUSY, "the generator is running");
    if (si >= gen->nb_streams)
        return fail(gen, EINVAL, "stream %u: only %u streams", si, gen->nb_streams);
    if (n > PYDPDK_GEN_MAX_BURST)
        n = PYDPDK_GEN_MAX_BURST;
    return build_burst(&gen->streams[si], pkts, n, tsc, lens);
}

/* ---- Transmit and pacing ---- */

/* Count the first `sent` of n packets whose lengths are len[] (read before the tx burst: once
sent, an mbuf is no longer ours to read). */
static __rte_always_inline void account_tx(struct pydpdk_gen_stream *s, const uint32_t *len,
                                           uint16_t sent)
{
    uint64_t bytes = 0;
    uint16_t i;

    for (i = 0; i < sent; i++)
        bytes += len[i];
    s->tx_packets += sent;
    s->tx_bytes += bytes;
}

/* Offer the packets kept from a refused burst again. Returns how many are still kept. */
static __rte_always_inline uint16_t send_pending(struct pydpdk_gen_stream *s)
{
    struct rte_mbuf **p = s->pending + s->pend_head;
    uint32_t len[PYDPDK_GEN_MAX_BURST];
    uint16_t sent, i;

    for (i = 0; i < s->nb_pending; i++)
        len[i] = p[i]->pkt_len;
    sent = rte_eth_tx_burst(s->port, s->queue, p, s->nb_pending);
    if (sent) {
        account_tx(s, len, sent);
        s->last_tx_tsc = rte_rdtsc();
        s->pend_head += sent;
        s->nb_pending -= sent;
    }
    if (s->nb_pending == 0)
        s->pend_head = 0;
    return s->nb_pending;
}

static __rte_always_inline void stream_finish(struct pydpdk_gen_stream *s, uint64_t now)
{
    s->end_tsc = now;
    __atomic_store_n(&s->state, PYDPDK_GEN_DONE, __ATOMIC_RELEASE);
}

/* One visit of an active stream at time now. Returns the packets it built. */
static __rte_always_inline uint16_t stream_tx(struct pydpdk_gen_stream *s, uint64_t now)
{
    struct rte_mbuf **pkts = s->pending;
    uint32_t len[PYDPDK_GEN_MAX_BURST];
    uint64_t limit = s->tx_burst, due, built;
    uint16_t n, sent;

    if (s->nb_pending && send_pending(s))
        return 0;
    if (now < s->next_tsc)
        return 0;
    if (s->limit) {
        if (s->gen_packets >= s->limit) {
            stream_finish(s, now);
            return 0;
        }
        limit = RTE_MIN(limit, s->limit - s->gen_packets);
    }
    if (s->burst_pkts)
        limit = RTE_MIN(limit, (uint64_t)(s->burst_pkts - s->burst_sent));
    if (s->rate_mpps) {
        uint64_t done = s->gen_packets - s->base_sent;

        if (s->poisson) {
            double t = (double)(now - s->base_tsc);

            for (due = 0; due < limit && s->poisson_next <= t; due++)
                s->poisson_next -= s->mean_cycles * log(1.0 - (double)rte_rand() * 0x1p-64);
        } else {
            /* packets 0..k are due by base_tsc + k / rate */
            uint64_t by = (uint64_t)((u128)(now - s->base_tsc) * s->rate_mpps / s->hz_milli) + 1;

            due = by > done ? by - done : 0;
        }
        limit = RTE_MIN(limit, due);
    }
    if (limit == 0)
        return 0;
    built = s->gen_packets;
    n = build_burst(s, pkts, (uint16_t)limit, now, len);
    built = s->gen_packets - built;     /* more than n when a stage dropped some */
    if (built == 0)
        return 0;
    sent = n ? rte_eth_tx_burst(s->port, s->queue, pkts, n) : 0;
    account_tx(s, len, sent);
    if (sent)
        s->last_tx_tsc = now;
    if (sent < n) {
        s->pend_head = sent;
        s->nb_pending = n - sent;
    }
    if (s->rate_mpps) {
        if (s->poisson)
            s->next_tsc = s->base_tsc + (uint64_t)s->poisson_next;
        else   /* when packet number (done + n) is due */
            s->next_tsc = s->base_tsc + (uint64_t)(((u128)(s->gen_packets - s->base_sent) *
                                                    s->hz_milli + s->rate_mpps - 1) / s->rate_mpps);
    }
    if (s->burst_pkts) {
        s->burst_sent += (uint32_t)built;
        if (s->burst_sent == s->burst_pkts) {
            s->burst_sent = 0;
            s->bursts_done++;
            if (s->nb_bursts && s->bursts_done == s->nb_bursts) {
                s->limit = s->gen_packets; /* finishes once the last ones are sent */
            } else {
                s->base_tsc = now + s->ibg_cycles;
                s->base_sent = s->gen_packets;
                s->next_tsc = s->base_tsc;
                s->poisson_next = 0;
            }
        }
    }
    return n;
}

static __rte_always_inline void stream_visit(struct pydpdk_gen *gen, struct pydpdk_gen_stream *s,
                                             uint64_t now)
{
    if (likely(s->state == PYDPDK_GEN_ACTIVE)) {
        if (s->limit && s->gen_packets >= s->limit && s->nb_pending == 0) {
            stream_finish(s, now);
            return;
        }
        stream_tx(s, now);
        return;
    }
    if (s->state == PYDPDK_GEN_WAITING) {
        uint64_t at;

        if (s->start_after < 0) {
            at = gen->launch_tsc + s->isg_cycles;
        } else {
            const struct pydpdk_gen_stream *o = &gen->streams[s->start_after];

            if (__atomic_load_n(&o->state, __ATOMIC_ACQUIRE) != PYDPDK_GEN_DONE)
                return;
            at = o->end_tsc + s->isg_cycles;
        }
        if (now < at)
            return;
        s->start_tsc = s->base_tsc = s->next_tsc = now;
        s->base_sent = 0;
        s->poisson_next = 0;
        __atomic_store_n(&s->state, PYDPDK_GEN_ACTIVE, __ATOMIC_RELEASE);
    }
}

/* ---- Receive and measure ---- */

_Static_assert((PYDPDK_GEN_SEQ_WINDOW & (PYDPDK_GEN_SEQ_WINDOW - 1)) == 0 && PYDPDK_GEN_SEQ_WINDOW >= 64,
               "the sequence window is a power of two, in 64-bit words");
#define SEQ_MASK ((uint64_t)PYDPDK_GEN_SEQ_WINDOW - 1)

/* Histogram bucket of v, without branches: with s = max(msb(v) - SUB_BITS, 0), bucket
 * (s << SUB_BITS) + (v >> s). That is v itself below 2^(SUB_BITS + 1), and above it
 * ((msb - SUB_BITS + 1) << SUB_BITS) + the SUB_BITS bits under the msb (v >> s has the msb at
 * bit SUB_BITS); 2^HIST_MAX_EXP and more land in the last bucket. */
static __rte_always_inline uint32_t hist_index(uint64_t v)
{
    int32_t s = 63 - __builtin_clzll(v | 1) - PYDPDK_GEN_HIST_SUB_BITS;
    uint64_t idx;

    s = s < 0 ? 0 : s;
    idx = ((uint64_t)s << PYDPDK_GEN_HIST_SUB_BITS) + (v >> s);
    return (uint32_t)RTE_MIN(idx, (uint64_t)PYDPDK_GEN_HIST_BUCKETS - 1);
}

uint32_t pydpdk_gen_hist_index(uint64_t v)
{
    return hist_index(v);
}

uint64_t pydpdk_gen_hist_lower(uint32_t idx)
{
    uint32_t e = idx >> PYDPDK_GEN_HIST_SUB_BITS, sub = idx & ((1u << PYDPDK_GEN_HIST_SUB_BITS) - 1);

    if (e == 0)
        return sub;
    return ((uint64_t)(sub | (1u << PYDPDK_GEN_HIST_SUB_BITS))) << (e - 1);
}

static __rte_always_inline void win_set(uint64_t *w, uint64_t seq)
{
    w[(seq & SEQ_MASK) >> 6] |= 1ull << (seq & 63);
}

/* One stream's counters, held in registers over a run of its packets in a burst and written
 * back (acc_flush) when another stream's packet comes or the burst ends. So that consecutive
 * packets do not wait on each other's stores: sequence numbers in order only raise seq_max
 * (their window bits, run_lo..seq_max, are set at once later), and a histogram bucket hit
 * again is counted in hist_n (packets of one burst mostly share their latency). Everything is
 * inlined so that the struct never leaves registers (a pointer to it escaping would put it in
 * memory). */
struct rx_acc {
    struct pydpdk_gen_rxstat *st;
    uint64_t *hist;
    uint64_t packets, bytes, lat_count, lat_sum, lat_min, lat_max, jitter16;
    uint64_t first_t, last_t, seen, measured;
    uint64_t seq_max, run_lo, hist_n, dup, ooo, late;
    int64_t last_transit;
    uint32_t hist_idx, id;
};

static __rte_always_inline void acc_load(struct rx_acc *a, struct pydpdk_gen_rx *r, uint32_t id)
{
    struct pydpdk_gen_rxstat *st = &r->stats[id];

    a->st = st;
    a->hist = r->hist + (uint64_t)id * PYDPDK_GEN_HIST_BUCKETS;
    a->id = id;
    a->packets = a->bytes = a->lat_count = a->lat_sum = 0;
    a->dup = a->ooo = a->late = 0;
    a->seen = st->packets;
    a->measured = st->lat_count;
    a->lat_min = st->lat_min;
    a->lat_max = st->lat_max;
    a->jitter16 = st->jitter16;
    a->last_transit = st->last_transit;
    a->first_t = st->first_tsc;
    a->last_t = st->last_tsc;
    a->seq_max = st->seq_max;
    a->run_lo = a->seq_max + 1;
    a->hist_idx = hist_index((uint64_t)st->last_transit);   /* the last sample's bucket */
    a->hist_n = 0;
}

/* Set the window bits of the in-order run run_lo..seq_max. */
static __rte_always_inline void acc_window(struct rx_acc *a)
{
    uint64_t *w = a->st->window, s = a->run_lo;
    const uint64_t hi = a->seq_max;

    if (likely(s > hi))
        return;
    if (hi - s >= PYDPDK_GEN_SEQ_WINDOW - 1) {
        memset(w, 0xff, sizeof(a->st->window));
    } else {
        while (s <= hi) {
            const uint32_t bit = (uint32_t)(s & 63);
            const uint64_t nbits = RTE_MIN(64 - bit, hi - s + 1);

            w[(s & SEQ_MASK) >> 6] |= (nbits == 64 ? ~0ull : ((1ull << nbits) - 1)) << bit;
            s += nbits;
        }
    }
    a->run_lo = hi + 1;
}

/* Write a stream's run back. burst_time: every packet of the burst was received at now (clock
 * TSC), so first_t/last_t were not kept per packet. */
static __rte_always_inline void acc_flush(struct rx_acc *a, uint64_t now, int burst_time)
{
    struct pydpdk_gen_rxstat *st = a->st;

    if (burst_time) {
        if (a->first_t == 0)
            a->first_t = now;
        a->last_t = now;
    }
    acc_window(a);
    a->hist[a->hist_idx] += a->hist_n;
    st->seq_max = a->seq_max;
    st->packets += a->packets;
    st->bytes += a->bytes;
    st->duplicated += a->dup;
    st->out_of_order += a->ooo;
    st->late += a->late;
    st->lat_count += a->lat_count;
    st->lat_sum += a->lat_sum;
    st->lat_min = a->lat_min;
    st->lat_max = a->lat_max;
    st->jitter16 = a->jitter16;
    st->last_transit = a->last_transit;
    st->first_tsc = a->first_t;
    st->last_tsc = a->last_t;
}

/* The sequence check. In order (the next number): seq_max only. Else: the first packet, a gap
 * (the skipped numbers' bits cleared), older than the window (late), or within it: seen
 * (duplicated) or not (out of order). */
static __rte_always_inline void acc_seq(struct rx_acc *a, uint64_t seq)
{
    const int first = a->seen + a->packets == 0;
    uint64_t *w = a->st->window;

    if (likely(seq == a->seq_max + 1 && !first)) {
        a->seq_max = seq;
        return;
    }
    acc_window(a);
    if (first || seq > a->seq_max) {
        if (!first) {
            uint64_t s;

            if (seq - a->seq_max >= PYDPDK_GEN_SEQ_WINDOW)
                memset(w, 0, sizeof(a->st->window));
            else
                for (s = a->seq_max + 1; s < seq; s++)
                    w[(s & SEQ_MASK) >> 6] &= ~(1ull << (s & 63));
        }
        win_set(w, seq);
        a->seq_max = seq;
        a->run_lo = seq + 1;
        return;
    }
    if (a->seq_max - seq >= PYDPDK_GEN_SEQ_WINDOW) {
        a->ooo++;
        a->late++;
    } else if (w[(seq & SEQ_MASK) >> 6] & (1ull << (seq & 63))) {
        a->dup++;
    } else {
        win_set(w, seq);
        a->ooo++;
    }
}

/* The packet's latency sample: t (receive time, TSC) - tx (the tag's TSC). */
static __rte_always_inline void acc_latency(struct rx_acc *a, uint64_t t, uint64_t tx)
{
    const uint64_t lat = t > tx ? t - tx : 0;
    uint32_t idx;
    int64_t d;

    if (likely(lat == (uint64_t)a->last_transit) && likely(a->measured + a->lat_count != 0)) {
        /* as the previous sample (the same TX and RX bursts): min, max, bucket unchanged, D = 0 */
        a->jitter16 -= (a->jitter16 + 8) >> 4;
        a->lat_sum += lat;
        a->lat_count++;
        a->hist_n++;
        return;
    }
    if (unlikely(a->measured + a->lat_count == 0))
        a->last_transit = (int64_t)lat;            /* the first sample: no jitter yet */
    d = (int64_t)lat - a->last_transit;
    a->jitter16 += (uint64_t)(d < 0 ? -d : d) - ((a->jitter16 + 8) >> 4);   /* RFC 3550 */
    a->last_transit = (int64_t)lat;
    a->lat_min = RTE_MIN(a->lat_min, lat);
    a->lat_max = RTE_MAX(a->lat_max, lat);
    a->lat_sum += lat;
    a->lat_count++;
    idx = hist_index(lat);
    if (likely(idx == a->hist_idx)) {
        a->hist_n++;
    } else {
        a->hist[a->hist_idx] += a->hist_n;
        a->hist_idx = idx;
        a->hist_n = 1;
    }
}

/* A timestamp as TSC cycles, from the latest reference pair. */
static __rte_always_inline uint64_t ts_to_tsc(const struct pydpdk_gen_rx *r, uint64_t ts)
{
    return r->ref_tsc + (uint64_t)(int64_t)((double)(int64_t)(ts - (uint64_t)r->ref_tick) * r->tsc_per_tick);
}

static void clock_refresh(struct pydpdk_gen_rx *r, uint64_t now);

/* Measure and free a burst of n >= 1 received packets. Two passes: the first finds each tag
 * (in the first segment: no call) and prefetches it, the second reads tags and keeps counters
 * (untagged packets: one compare). use_ts: receive time from the RX timestamp (constant at
 * each call site, so each clock gets its own loop). */
static __rte_always_inline void rx_measure(struct pydpdk_gen_rx *r, struct rte_mbuf **pkts, uint16_t n,
                                           const int use_ts)
{
    const uint8_t *tags[PYDPDK_GEN_MAX_BURST];
    const uint32_t nb_streams = r->nb_streams;
    struct rx_acc a = { .st = NULL, .id = UINT32_MAX };
    uint64_t now, bytes = 0, ts_flag = 0;
    uint32_t untagged = 0, no_ts = 0;
    int32_t ts_off = 0;
    uint16_t i;

    now = rte_rdtsc();
    if (use_ts) {
        if (unlikely(now >= r->ref_next))
            clock_refresh(r, now);
        ts_flag = r->ts_flag;
        ts_off = r->ts_off;
    }
    for (i = 0; i < n; i++) {
        const struct rte_mbuf *m = pkts[i];
        const uint32_t len = m->pkt_len;
        const int in_first = len >= PYDPDK_GEN_TAG_LEN && len <= m->data_len;
        const uint8_t *t = rte_pktmbuf_mtod_offset(m, const uint8_t *,
                                                   in_first ? len - PYDPDK_GEN_TAG_LEN : 0);

        rte_prefetch0(t);
        tags[i] = in_first ? t : NULL;
        bytes += len;
    }
    for (i = 0; i < n; i++) {
        const uint8_t *t = tags[i];
        uint8_t buf[PYDPDK_GEN_TAG_LEN];
        uint64_t seq, rx_t;
        uint32_t id;

        if (unlikely(t == NULL)) {      /* short, or the tag is not all in the first segment */
            const struct rte_mbuf *m = pkts[i];

            t = m->pkt_len >= PYDPDK_GEN_TAG_LEN ?
                rte_pktmbuf_read(m, m->pkt_len - PYDPDK_GEN_TAG_LEN, PYDPDK_GEN_TAG_LEN, buf) : NULL;
            if (t == NULL) {
                untagged++;
                continue;
            }
        }
        id = load16(t + 4);
        if (unlikely(load32(t) != PYDPDK_GEN_TAG_MAGIC || id >= nb_streams)) {
            untagged++;
            continue;
        }
        if (unlikely(id != a.id)) {
            if (a.st != NULL)
                acc_flush(&a, now, !use_ts);
            acc_load(&a, r, id);
        }
        seq = ((uint64_t)load16(t + 6) << 32) | load32(t + 8);
        acc_seq(&a, seq);
        a.packets++;
        a.bytes += pkts[i]->pkt_len;
        rx_t = now;
        if (use_ts) {
            const struct rte_mbuf *m = pkts[i];

            if (unlikely(!(m->ol_flags & ts_flag))) {
                no_ts++;
                if (unlikely(a.first_t == 0))
                    a.first_t = now;
                a.last_t = now;
                continue;
            }
            rx_t = ts_to_tsc(r, *RTE_MBUF_DYNFIELD(m, ts_off, const rte_mbuf_timestamp_t *));
            if (unlikely(a.first_t == 0))
                a.first_t = rx_t;
            a.last_t = rx_t;
        }
        acc_latency(&a, rx_t, load64(t + 12));
    }
    if (a.st != NULL)
        acc_flush(&a, now, !use_ts);
    r->rx_packets += n;
    r->rx_bytes += bytes;
    r->rx_untagged += untagged;
    if (use_ts)
        r->rx_no_timestamp += no_ts;
    free_burst(pkts, n, 0);
}

static __rte_noinline void rx_process_ts(struct pydpdk_gen_rx *r, struct rte_mbuf **pkts, uint16_t n)
{
    rx_measure(r, pkts, n, 1);
}

/* With a stage (gen_stage.h): the packets it keeps are measured, the others counted and freed. */
static __rte_noinline void rx_process_stage(struct pydpdk_gen_rx *r, struct rte_mbuf **pkts, uint16_t n)
{
    uint16_t kept = gen_stage_rx(r, pkts, n), i;
    uint64_t bytes = 0;

    if (kept) {
        if (r->clock == PYDPDK_GEN_CLOCK_RX_TIMESTAMP)
            rx_process_ts(r, pkts, kept);
        else
            rx_measure(r, pkts, kept, 0);
    }
    if (kept < n) {
        for (i = kept; i < n; i++)
            bytes += pkts[i]->pkt_len;
        r->rx_packets += n - kept;
        r->rx_bytes += bytes;
        free_burst(pkts + kept, n - kept, 0);
    }
}

static __rte_always_inline void rx_process(struct pydpdk_gen_rx *r, struct rte_mbuf **pkts, uint16_t n)
{
    if (unlikely(r->stage_fn != NULL))
        rx_process_stage(r, pkts, n);
    else if (unlikely(r->clock == PYDPDK_GEN_CLOCK_RX_TIMESTAMP))
        rx_process_ts(r, pkts, n);
    else
        rx_measure(r, pkts, n, 0);
}

/* ---- Receive clocks ---- */

/* One reference pair: the TSC at the moment the clock read *tick (midpoint of the read). */
static int clock_read1(const struct pydpdk_gen_rx *r, double tsc_per_tick, uint64_t *tsc, int64_t *tick,
                       uint64_t *window)
{
    uint64_t t0, t1;

    if (r->clock_ref == PYDPDK_GEN_CLOCK_REF_DEVICE) {
        uint64_t c = 0;
        int rc;

        t0 = rte_rdtsc_precise();
        rc = rte_eth_read_clock(r->port, &c);
        t1 = rte_rdtsc_precise();
        if (rc != 0)
            return rc;
        *tsc = t0 + (t1 - t0) / 2;
        *tick = (int64_t)c;
        *window = t1 - t0;
        return 0;
    } else {
        const uint64_t per = UINT64_C(1000000000) / r->clock_hz;   /* ns per tick */
        struct timespec ts;
        uint64_t ns;

        t0 = rte_rdtsc_precise();
        clock_gettime(CLOCK_REALTIME, &ts);
        t1 = rte_rdtsc_precise();
        ns = (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
        *tick = (int64_t)(ns / per);
        /* the TSC when the clock showed the whole tick: minus the part of a tick elapsed */
        *tsc = t0 + (t1 - t0) / 2 - (uint64_t)((double)(ns % per) * tsc_per_tick / (double)per);
    }
    *window = t1 - t0;
    return 0;
}

/* The best of 4 reads: the pair read in the shortest time (an interrupted read is wider). */
static int clock_read(const struct pydpdk_gen_rx *r, double tsc_per_tick, uint64_t *tsc, int64_t *tick)
{
    uint64_t best = UINT64_MAX, w, t;
    int64_t c;
    int k, rc;

    for (k = 0; k < 4; k++) {
        rc = clock_read1(r, tsc_per_tick, &t, &c, &w);
        if (rc != 0)
            return rc;
        if (w < best) {
            best = w;
            *tsc = t;
            *tick = c;
        }
    }
    return 0;
}

/* Every ref_period: a new pair; the clocks' ratio from the first pair once 50 periods apart. */
static __rte_noinline void clock_refresh(struct pydpdk_gen_rx *r, uint64_t now)
{
    uint64_t tsc;
    int64_t tick;

    r->ref_next = now + r->ref_period;
    if (clock_read(r, r->tsc_per_tick, &tsc, &tick) != 0)
        return;
    if (tick > r->ref_tick0 && tsc - r->ref_tsc0 >= 50 * r->ref_period)
        r->tsc_per_tick = (double)(tsc - r->ref_tsc0) / (double)(tick - r->ref_tick0);
    r->ref_tsc = tsc;
    r->ref_tick = tick;
}

uint32_t pydpdk_gen_rx_clock_caps(uint16_t port)
{
    struct rte_eth_dev_info info;
    struct rte_eth_conf conf;
    uint32_t caps = 0;

    if (!rte_eth_dev_is_valid_port(port) || rte_eth_dev_info_get(port, &info) != 0)
        return 0;
    if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP)
        caps |= 1;
    if (rte_eth_dev_conf_get(port, &conf) == 0 && (conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_TIMESTAMP))
        caps |= 2;
    return caps;
}

/* Prepare rx i's clock: the timestamp field, the first reference pair and the clocks' ratio. */
static int rx_clock_prepare(struct pydpdk_gen *gen, uint32_t i)
{
    struct pydpdk_gen_rx *r = &gen->rxs[i];
    uint64_t tsc0, tsc1;
    int64_t tick0, tick1;
    int off, bit;

    r->ref_period = gen->tsc_hz / 1000;
    if (r->clock == PYDPDK_GEN_CLOCK_TSC)
        return 0;
    if (r->clock != PYDPDK_GEN_CLOCK_RX_TIMESTAMP)
        return fail(gen, EINVAL, "rx %u: clock %u: must be PYDPDK_GEN_CLOCK_TSC or _RX_TIMESTAMP", i, r->clock);
    off = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
    bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);
    if (off < 0 || bit < 0)
        return fail(gen, EINVAL, "rx %u (port %u): clock rx_timestamp, but no PMD registered the RX "
                    "timestamp field (configure the port with the timestamp RX offload)", i, r->port);
    r->ts_off = off;
    r->ts_flag = 1ull << bit;
    if (r->clock_ref == PYDPDK_GEN_CLOCK_REF_REALTIME) {
        if (r->clock_hz == 0 || r->clock_hz > UINT64_C(1000000000) || UINT64_C(1000000000) % r->clock_hz)
            return fail(gen, EINVAL, "rx %u: clock_hz=%" PRIu64 ": must divide 10^9", i, r->clock_hz);
        r->tsc_per_tick = (double)gen->tsc_hz / (double)r->clock_hz;    /* nominal, for now */
    } else if (r->clock_ref != PYDPDK_GEN_CLOCK_REF_DEVICE) {
        return fail(gen, EINVAL, "rx %u: clock_ref %u: must be PYDPDK_GEN_CLOCK_REF_DEVICE or _REALTIME",
                    i, r->clock_ref);
    }
    /* the clocks' ratio over 5 ms (rte_get_tsc_hz() may be rounded to 10 MHz: up to 0.2 % off) */
    if (clock_read(r, r->tsc_per_tick, &tsc0, &tick0) != 0)
        return fail(gen, ENOTSUP, "rx %u: port %u: its clock cannot be read (rte_eth_read_clock): its "
                    "RX timestamps cannot be mapped onto the TSC", i, r->port);
    rte_delay_us_block(5000);
    if (clock_read(r, r->tsc_per_tick, &tsc1, &tick1) != 0 || tick1 <= tick0)
        return fail(gen, EINVAL, "rx %u: port %u: the timestamp clock does not advance", i, r->port);
    r->tsc_per_tick = (double)(tsc1 - tsc0) / (double)(tick1 - tick0);
    tsc0 = tsc1;
    tick0 = tick1;
    r->ref_tsc0 = r->ref_tsc = tsc0;
    r->ref_tick0 = r->ref_tick = tick0;
    r->ref_next = tsc0 + r->ref_period;
    return 0;
}

static __rte_always_inline uint16_t rx_poll(struct pydpdk_gen_rx *r)
{
    struct rte_mbuf *pkts[PYDPDK_GEN_MAX_BURST];
    uint16_t n = rte_eth_rx_burst(r->port, r->queue, pkts, r->burst);

    if (n == 0)
        return 0;
    rx_process(r, pkts, n);
    return n;
}

int64_t pydpdk_gen_rx_cycles(struct pydpdk_gen *gen, uint32_t ri, struct rte_mempool *mp,
                             const uint8_t *frames, const uint16_t *lens, uint16_t n,
                             uint32_t rounds, uint32_t mode)
{
    struct rte_mbuf *pkts[PYDPDK_GEN_MAX_BURST];
    int64_t best = INT64_MAX;
    uint32_t k, off;
    uint16_t i;

    if (gen->running)
        return fail(gen, EBUSY, "the generator is running");
    if (ri >= gen->nb_rx || mp == NULL || n == 0 || n > PYDPDK_GEN_MAX_BURST || mode > 3)
        return fail(gen, EINVAL, "rx %u of %u, n=%u (1..%d), mode %u (0..3)", ri, gen->nb_rx, n,
                    PYDPDK_GEN_MAX_BURST, mode);
    for (k = 0; k < rounds; k++) {
        uint64_t t0, t1, round_tsc = 0;

        if (rte_pktmbuf_alloc_bulk(mp, pkts, n) != 0)
            return fail(gen, ENOMEM, "the pool has fewer than %u free mbufs", n);
        for (i = 0, off = 0; i < n; off += lens[i], i++) {
            uint16_t len = RTE_MIN(lens[i], rte_pktmbuf_tailroom(pkts[i]));

            uint8_t *p = rte_pktmbuf_mtod(pkts[i], uint8_t *);

            rte_memcpy(p, frames + off, len);
            pkts[i]->data_len = len;
            pkts[i]->pkt_len = len;
            if ((mode == 0 || mode == 3) && len >= PYDPDK_GEN_TAG_LEN &&
                load32(p + len - PYDPDK_GEN_TAG_LEN) == PYDPDK_GEN_TAG_MAGIC) {
                uint8_t *t = p + len - PYDPDK_GEN_TAG_LEN;     /* in order, sent just now */
                uint64_t seq = (uint64_t)k * n + i;

                if (mode == 0 || i == 0)
                    round_tsc = rte_rdtsc();
                store16(t + 6, (uint16_t)(seq >> 32));
                store32(t + 8, (uint32_t)seq);
                store64(t + 12, round_tsc);
            }
        }
        t0 = rte_rdtsc_precise();
        if (mode == 1)
            free_burst(pkts, n, 1);
        else
            rx_process(&gen->rxs[ri], pkts, n);
        t1 = rte_rdtsc_precise();
        if ((int64_t)(t1 - t0) < best)
            best = (int64_t)(t1 - t0);
    }
    return best == INT64_MAX ? 0 : best;
}

/* ---- Lcores and control ---- */

static int lcore_main(void *arg)
{
    struct pydpdk_gen_lcore *lc = arg;
    struct pydpdk_gen *gen = lc->gen;
    struct pydpdk_gen_stream *st = gen->streams + lc->tx_begin;
    struct pydpdk_gen_rx *rx = gen->rxs + lc->rx_begin;
    const uint32_t ntx = lc->nb_tx, nrx = lc->nb_rx;
    uint64_t iterations = 0;
    uint32_t i;

    while (!__atomic_load_n(&gen->stop, __ATOMIC_RELAXED)) {
        uint64_t now = rte_rdtsc();

        for (i = 0; i < ntx; i++)
            stream_visit(gen, &st[i], now);
        for (i = 0; i < nrx; i++)
            rx_poll(&rx[i]);
        lc->iterations = ++iterations;
    }
    {
        uint64_t now = rte_rdtsc();

        for (i = 0; i < ntx; i++)
            if (st[i].state == PYDPDK_GEN_ACTIVE)
                st[i].end_tsc = now;
    }
    return 0;
}

int pydpdk_gen_launch(struct pydpdk_gen *gen, const unsigned int *lcore_ids, unsigned int nb_lcores)
{
    unsigned int i, j;
    int rc;

    if (gen->running)
        return fail(gen, EBUSY, "the generator is running");
    gen->error[0] = '\0';
    if (nb_lcores == 0 || nb_lcores > RTE_MAX_LCORE || lcore_ids == NULL)
        return fail(gen, EINVAL, "nb_lcores=%u: must be 1..%d", nb_lcores, RTE_MAX_LCORE);
    gen->nb_lcores = nb_lcores;
    rc = pydpdk_gen_prepare(gen);
    if (rc < 0)
        return rc;
    for (i = 0; i < nb_lcores; i++) {
        unsigned int id = lcore_ids[i];

        if (id >= RTE_MAX_LCORE || !rte_lcore_is_enabled(id) || id == rte_get_main_lcore())
            return fail(gen, EINVAL, "lcore %u is not an enabled worker lcore", id);
        if (rte_eal_get_lcore_state(id) != WAIT)
            return fail(gen, EBUSY, "lcore %u is busy", id);
        for (j = 0; j < i; j++)
            if (lcore_ids[j] == id)
                return fail(gen, EINVAL, "lcore %u is listed twice", id);
    }
    rc = pydpdk_gen_reset(gen);
    if (rc < 0)
        return rc;
    __atomic_store_n(&gen->stop, 0, __ATOMIC_RELEASE);
    gen->launch_tsc = rte_rdtsc();
    for (i = 0; i < nb_lcores; i++) {
        struct pydpdk_gen_lcore *lc = &gen->lcores[i];

        lc->lcore_id = lcore_ids[i];
        lc->gen = gen;
        lc->iterations = 0;
        rc = rte_eal_remote_launch(lcore_main, lc, lc->lcore_id);
        if (rc < 0) {
            __atomic_store_n(&gen->stop, 1, __ATOMIC_RELEASE);
            for (j = 0; j < i; j++)
                rte_eal_wait_lcore(gen->lcores[j].lcore_id);
            return fail(gen, -rc, "cannot launch on lcore %u", lc->lcore_id);
        }
    }
    gen->running = 1;
    return 0;
}

int pydpdk_gen_stop(struct pydpdk_gen *gen)
{
    unsigned int i;

    if (!gen->running)
        return 0;
    __atomic_store_n(&gen->stop, 1, __ATOMIC_RELEASE);
    for (i = 0; i < gen->nb_lcores; i++)
        rte_eal_wait_lcore(gen->lcores[i].lcore_id);
    gen->running = 0;
    for (i = 0; i < gen->nb_streams; i++) {
        struct pydpdk_gen_stream *s = &gen->streams[i];

        if (s->nb_pending) {
            rte_pktmbuf_free_bulk(s->pending + s->pend_head, s->nb_pending);
            s->unsent += s->nb_pending;
            s->nb_pending = s->pend_head = 0;
        }
    }
    return 0;
}

int pydpdk_gen_all_done(const struct pydpdk_gen *gen)
{
    uint32_t i;

    for (i = 0; i < gen->nb_streams; i++)
        if (__atomic_load_n(&gen->streams[i].state, __ATOMIC_ACQUIRE) != PYDPDK_GEN_DONE)
            return 0;
    return 1;
}

int64_t pydpdk_gen_drain(struct pydpdk_gen *gen, uint32_t quiet_ms, uint32_t max_ms)
{
    const uint64_t hz = rte_get_tsc_hz();
    const uint64_t start = rte_rdtsc();
    uint64_t last = start, now;
    int64_t total = 0;
    uint32_t i, n;

    if (gen->running)
        return fail(gen, EBUSY, "the generator is running");
    for (;;) {
        n = 0;
        for (i = 0; i < gen->nb_rx; i++)
            n += rx_poll(&gen->rxs[i]);
        now = rte_rdtsc();
        total += n;
        if (n)
            last = now;
        if (now - last >= hz / 1000 * quiet_ms || now - start >= hz / 1000 * max_ms)
            break;
        if (n == 0)
            rte_delay_us_block(50);
    }
    return total;
}
