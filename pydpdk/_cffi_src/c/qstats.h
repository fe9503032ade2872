/* Per-queue counters of a port, the same on every DPDK release (see dpdk_compat.h). */
#ifndef PYDPDK_QSTATS_H
#define PYDPDK_QSTATS_H

#include <stdint.h>

/* Fills out[5 * nq] as q_ipackets[nq], q_opackets[nq], q_ibytes[nq], q_obytes[nq], q_errors[nq]
 * (RX errors, as rte_eth_stats.q_errors was) for queues 0..nq-1; nq is capped to
 * PYDPDK_QUEUE_STAT_CNTRS. From struct rte_eth_stats where DPDK has the fields (<= 24.11), from the
 * xstats rx_q<N>_packets/_bytes/_errors, tx_q<N>_packets/_bytes (or a driver's own
 * rx_q<N>_good_packets/_good_bytes, virtio) where it does not (25.11). Counters a driver does not
 * report stay 0. Returns the number of queues filled, or a negative errno. */
int pydpdk_queue_stats(uint16_t port_id, uint16_t nq, uint64_t *out);

/* Compile-time choices of this build (dpdk_compat.h), for pydpdk.dpdk_features. */
int pydpdk_qstats_in_eth_stats(void);
int pydpdk_queue_stat_cntrs(void);

#endif
