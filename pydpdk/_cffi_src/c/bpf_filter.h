/* libpcap filters (pcap_compile'd classic BPF) applied to whole mbuf bursts: one C call per burst. */
#ifndef PYDPDK_BPF_FILTER_H
#define PYDPDK_BPF_FILTER_H

#include <stdint.h>
#include <pcap/pcap.h>
#include <rte_mbuf.h>

/* Run prog over pkts[0:n] (pcap_offline_filter; chained mbufs are linearised into a scratch
 * buffer first). Matching mbufs move to the front of pkts in their order; the others are freed.
 * Returns the number kept. */
uint16_t pydpdk_bpf_filter_burst(const struct bpf_program *prog, struct rte_mbuf **pkts, uint16_t n);

/* The filter on one frame held in data[0:len]: non-zero when it matches. */
int pydpdk_bpf_match(const struct bpf_program *prog, const uint8_t *data, uint32_t len);

#endif
