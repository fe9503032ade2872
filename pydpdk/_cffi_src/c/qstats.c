/* Per-queue counters on every DPDK release: see qstats.h. */
#include "strict.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "dpdk_compat.h"
#include "qstats.h"

int pydpdk_qstats_in_eth_stats(void) { return PYDPDK_QSTATS_IN_ETH_STATS; }
int pydpdk_queue_stat_cntrs(void) { return PYDPDK_QUEUE_STAT_CNTRS; }

#if PYDPDK_QSTATS_IN_ETH_STATS

int
pydpdk_queue_stats(uint16_t port_id, uint16_t nq, uint64_t *out)
{
    struct rte_eth_stats s;
    int rc;

    if (nq > PYDPDK_QUEUE_STAT_CNTRS)
        nq = PYDPDK_QUEUE_STAT_CNTRS;
    memset(&s, 0, sizeof(s));
    rc = rte_eth_stats_get(port_id, &s);
    if (rc < 0)
        return rc;
    memcpy(out, s.q_ipackets, nq * sizeof(uint64_t));
    memcpy(out + nq, s.q_opackets, nq * sizeof(uint64_t));
    memcpy(out + 2 * nq, s.q_ibytes, nq * sizeof(uint64_t));
    memcpy(out + 3 * nq, s.q_obytes, nq * sizeof(uint64_t));
    memcpy(out + 4 * nq, s.q_errors, nq * sizeof(uint64_t));
    return nq;
}

#else

/* Which of the 5 rows an xstat "rx_q<N>_<suffix>" / "tx_q<N>_<suffix>" belongs to, or -1. */
static int
qstat_row(const char *name, unsigned int *queue)
{
    static const struct { const char *dir, *suffix; int row; } map[] = {
        {"rx", "packets", 0}, {"rx", "good_packets", 0},
        {"tx", "packets", 1}, {"tx", "good_packets", 1},
        {"rx", "bytes", 2}, {"rx", "good_bytes", 2},
        {"tx", "bytes", 3}, {"tx", "good_bytes", 3},
        {"rx", "errors", 4},
    };
    char *end;
    unsigned long q;

    if ((strncmp(name, "rx_q", 4) != 0 && strncmp(name, "tx_q", 4) != 0) ||
        name[4] < '0' || name[4] > '9')
        return -1;
    q = strtoul(name + 4, &end, 10);
    if (*end != '_' || q >= PYDPDK_QUEUE_STAT_CNTRS)
        return -1;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strncmp(name, map[i].dir, 2) == 0 && strcmp(end + 1, map[i].suffix) == 0) {
            *queue = (unsigned int)q;
            return map[i].row;
        }
    return -1;
}

int
pydpdk_queue_stats(uint16_t port_id, uint16_t nq, uint64_t *out)
{
    struct rte_eth_xstat_name *names = NULL;
    struct rte_eth_xstat *vals = NULL;
    int n, rc;

    if (nq > PYDPDK_QUEUE_STAT_CNTRS)
        nq = PYDPDK_QUEUE_STAT_CNTRS;
    memset(out, 0, 5 * nq * sizeof(uint64_t));
    n = rte_eth_xstats_get_names(port_id, NULL, 0);
    if (n <= 0)
        return n < 0 ? n : nq;
    names = calloc(n, sizeof(*names));
    vals = calloc(n, sizeof(*vals));
    rc = -ENOMEM;
    if (names == NULL || vals == NULL)
        goto out;
    rc = rte_eth_xstats_get_names(port_id, names, n);
    if (rc < 0)
        goto out;
    n = rc < n ? rc : n;
    rc = rte_eth_xstats_get(port_id, vals, n);
    if (rc > n)          /* more xstats than named a moment ago: queues were set up meanwhile */
        rc = -EAGAIN;
    if (rc < 0)
        goto out;
    for (int i = 0; i < rc; i++) {
        unsigned int q;
        uint64_t id = vals[i].id;
        int row = id < (uint64_t)n ? qstat_row(names[id].name, &q) : -1;
        /* A driver with both spellings (rx_q0_packets and rx_q0_good_packets) counts the same
         * packets: keep the first one found rather than adding them up. */
        if (row >= 0 && q < nq && out[row * nq + q] == 0)
            out[row * nq + q] = vals[i].value;
    }
    rc = nq;
out:
    free(names);
    free(vals);
    return rc;
}

#endif
