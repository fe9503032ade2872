/* libpcap filters over mbuf bursts (see bpf_filter.h). */
#include "strict.h"

#include <string.h>
#include <sys/time.h>

#include "bpf_filter.h"

int pydpdk_bpf_match(const struct bpf_program *prog, const uint8_t *data, uint32_t len)
{
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof(h));
    h.caplen = len;
    h.len = len;
    return pcap_offline_filter(prog, &h, data) != 0;
}

uint16_t pydpdk_bpf_filter_burst(const struct bpf_program *prog, struct rte_mbuf **pkts, uint16_t n)
{
    uint8_t scratch[RTE_MBUF_DEFAULT_BUF_SIZE * 4];
    uint16_t kept = 0;

    for (uint16_t i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        const uint8_t *data;
        uint32_t caplen;
        if (m->nb_segs == 1) {
            data = rte_pktmbuf_mtod(m, const uint8_t *);
            caplen = m->data_len;
        } else {          /* linearise (up to the scratch size: BPF sees a snap of the rest) */
            caplen = m->pkt_len < sizeof(scratch) ? m->pkt_len : sizeof(scratch);
            data = rte_pktmbuf_read(m, 0, caplen, scratch);
        }
        struct pcap_pkthdr h;
        memset(&h, 0, sizeof(h));
        h.caplen = caplen;
        h.len = m->pkt_len;
        if (data != NULL && pcap_offline_filter(prog, &h, data))
            pkts[kept++] = m;
        else
            rte_pktmbuf_free(m);
    }
    return kept;
}
