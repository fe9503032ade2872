"""rte_epoll.h, rte_interrupts.h and ethdev's RX queue interrupts: wait for packets without polling."""

INCLUDES = """
#include <sys/epoll.h>
#include <rte_epoll.h>
#include <rte_interrupts.h>
"""

TYPES = """
#define RTE_EPOLL_PER_THREAD ...
#define RTE_INTR_EVENT_ADD ...
#define RTE_INTR_EVENT_DEL ...
struct rte_epoll_data { uint32_t event; void *data; ...; };
struct rte_epoll_event { int fd; int epfd; struct rte_epoll_data epdata; ...; };
"""

FUNCTIONS = """
int rte_epoll_wait(int epfd, struct rte_epoll_event *events, int maxevents, int timeout);
int rte_eth_dev_rx_intr_enable(uint16_t port_id, uint16_t queue_id);
int rte_eth_dev_rx_intr_disable(uint16_t port_id, uint16_t queue_id);
int rte_eth_dev_rx_intr_ctl_q(uint16_t port_id, uint16_t queue_id, int epfd, int op, void *data);
int rte_eth_dev_rx_intr_ctl_q_get_fd(uint16_t port_id, uint16_t queue_id);
int pydpdk_epoll_create(void);
void pydpdk_conf_set_rxq_intr(struct rte_eth_conf *conf, int on);
"""

CUSTOMIZATIONS = """
static int pydpdk_epoll_create(void)
{
    return epoll_create1(EPOLL_CLOEXEC);
}

static void pydpdk_conf_set_rxq_intr(struct rte_eth_conf *conf, int on)
{
    conf->intr_conf.rxq = on ? 1 : 0;
}
"""
