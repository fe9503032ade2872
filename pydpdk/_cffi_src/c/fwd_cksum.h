/* Packet arithmetic shared by the forwarding engines: unaligned loads and stores, the Internet
 * checksum (RFC 1071 / RFC 1624) on words as stored in memory, and the Ethernet/VLAN parse.
 * Header-only: everything is static inline. */
#ifndef PYDPDK_FWD_CKSUM_H
#define PYDPDK_FWD_CKSUM_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>

static inline uint16_t load16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t load32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline void store16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void store32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* The two 16-bit words of raw, added (not folded). */
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

#endif
