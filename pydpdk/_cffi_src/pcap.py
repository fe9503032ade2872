"""libpcap's filter compiler (pcap/pcap.h) and our burst filter over it (c/bpf_filter.c).

libpcap is linked through DPDK's own pkg-config libs (the pcap PMD needs it; libpcap-dev).
"""

INCLUDES = """
#include <pcap/pcap.h>
#include "bpf_filter.h"
"""

TYPES = """
typedef ... pcap_t;
struct bpf_program { unsigned int bf_len; ...; };
#define DLT_EN10MB ...
#define PCAP_NETMASK_UNKNOWN ...
"""

FUNCTIONS = """
pcap_t *pcap_open_dead(int linktype, int snaplen);
void pcap_close(pcap_t *p);
int pcap_compile(pcap_t *p, struct bpf_program *fp, const char *str, int optimize, unsigned int netmask);
void pcap_freecode(struct bpf_program *fp);
char *pcap_geterr(pcap_t *p);
const char *pcap_lib_version(void);
uint16_t pydpdk_bpf_filter_burst(const struct bpf_program *prog, struct rte_mbuf **pkts, uint16_t n);
int pydpdk_bpf_match(const struct bpf_program *prog, const uint8_t *data, uint32_t len);
"""

CUSTOMIZATIONS = ""
