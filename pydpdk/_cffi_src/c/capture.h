/* In-process packet capture: RX/TX callbacks copy packets (rte_pcapng_copy) into a ring that a
 * writer drains into a pcapng file; optional libpcap filter run as DPDK BPF. */
#ifndef PYDPDK_CAPTURE_H
#define PYDPDK_CAPTURE_H
#include <stdint.h>

struct pydpdk_capture;

struct pydpdk_capture *pydpdk_capture_new(int fd, const char *filter, uint32_t snaplen,
                                          unsigned int ring_size, unsigned int pool_size, unsigned int data_room,
                                          const char *name, char *err, unsigned int errlen);
int pydpdk_capture_attach(struct pydpdk_capture *c, uint16_t port, uint16_t nb_rxq,
                          uint16_t nb_txq, int rx, int tx);
int pydpdk_capture_detach(struct pydpdk_capture *c);
int64_t pydpdk_capture_drain(struct pydpdk_capture *c, unsigned int max);
void pydpdk_capture_counts(const struct pydpdk_capture *c, uint64_t *seen, uint64_t *captured,
                           uint64_t *filtered, uint64_t *dropped, uint64_t *written);
int pydpdk_capture_close(struct pydpdk_capture *c, uint16_t port, uint64_t start_ns,
                         uint64_t end_ns);
int pydpdk_bpf_check(const char *filter, uint32_t snaplen, char *err, unsigned int errlen);
#endif
