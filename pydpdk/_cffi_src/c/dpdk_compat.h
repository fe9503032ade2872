/* DPDK release differences pydpdk's own C code lives with (22.11 to 25.11): compile-time checks
 * in one place, named for what they select. pydpdk.dpdk_features reports the same choices
 * (pydpdk_dpdk_feature() in qstats.c). See docs/dpdk-releases.md. */
#ifndef PYDPDK_DPDK_COMPAT_H
#define PYDPDK_DPDK_COMPAT_H

#include <rte_version.h>
#include <rte_icmp.h>
#include <rte_telemetry.h>

/* Telemetry: rte_tel_data_add_dict_uint() appeared in 23.03; rte_tel_data_add_dict_u64() was
 * deprecated then and removed in 25.11. */
#if RTE_VERSION >= RTE_VERSION_NUM(23, 3, 0, 0)
#define PYDPDK_TEL_DICT_UINT(d, name, val) rte_tel_data_add_dict_uint((d), (name), (val))
#else
#define PYDPDK_TEL_DICT_UINT(d, name, val) rte_tel_data_add_dict_u64((d), (name), (val))
#endif

/* Per-queue counters: struct rte_eth_stats has q_ipackets[] ... q_errors[]
 * (RTE_ETHDEV_QUEUE_STAT_CNTRS of them, from rte_config.h) up to 24.11; 25.11 removed the fields
 * and the public macro: the counters are the xstats rx_q<N>_packets ... (ethdev fills them for
 * drivers with RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS, still for 16 queues). See qstats.c. */
#if defined(RTE_ETHDEV_QUEUE_STAT_CNTRS) && RTE_VERSION < RTE_VERSION_NUM(25, 11, 0, 0)
#define PYDPDK_QSTATS_IN_ETH_STATS 1
#define PYDPDK_QUEUE_STAT_CNTRS RTE_ETHDEV_QUEUE_STAT_CNTRS
#else
#define PYDPDK_QSTATS_IN_ETH_STATS 0
#define PYDPDK_QUEUE_STAT_CNTRS 16
#endif

/* ICMP echo types: 24.11 named them RTE_ICMP_TYPE_ECHO_* and deprecated RTE_IP_ICMP_ECHO_* (a
 * compile warning there and on 25.11; 22.11 has only the old names). */
#ifdef RTE_ICMP_TYPE_ECHO_REQUEST
#define PYDPDK_ICMP_ECHO_REQUEST RTE_ICMP_TYPE_ECHO_REQUEST
#define PYDPDK_ICMP_ECHO_REPLY RTE_ICMP_TYPE_ECHO_REPLY
#else
#define PYDPDK_ICMP_ECHO_REQUEST RTE_IP_ICMP_ECHO_REQUEST
#define PYDPDK_ICMP_ECHO_REPLY RTE_IP_ICMP_ECHO_REPLY
#endif

/* pcapng (release notes 23.11, API changes): rte_pcapng_copy() lost its timestamp argument (the
 * library stamps the copy itself) and rte_pcapng_write_stats() its start/end times. Needs
 * <rte_pcapng.h>; the dropped arguments are still evaluated (no unused-variable warnings). */
#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
#define PYDPDK_PCAPNG_COPY(port, queue, m, mp, len, ts, dir) \
    ((void)(ts), rte_pcapng_copy((port), (queue), (m), (mp), (len), (dir), NULL))
#define PYDPDK_PCAPNG_WRITE_STATS(pc, port, start, end, recv, drop) \
    ((void)(start), (void)(end), rte_pcapng_write_stats((pc), (port), (recv), (drop), NULL))
#else
#define PYDPDK_PCAPNG_COPY(port, queue, m, mp, len, ts, dir) \
    rte_pcapng_copy((port), (queue), (m), (mp), (len), (ts), (dir))
#define PYDPDK_PCAPNG_WRITE_STATS(pc, port, start, end, recv, drop) \
    rte_pcapng_write_stats((pc), (port), NULL, (start), (end), (recv), (drop))
#endif

/* pcapng interfaces: 22.11's rte_pcapng_fdopen() writes an interface block for every port; from
 * 23.11 the application adds each port it captures with rte_pcapng_add_interface() (before any
 * packet: rte_pcapng_write_packets() refuses a copy from a port not added), and 25.11 added its
 * link-type argument. PYDPDK_PCAPNG_ADD_INTERFACE is 0 where there is nothing to add. */
#if RTE_VERSION >= RTE_VERSION_NUM(25, 11, 0, 0)
#define PYDPDK_PCAPNG_ADD_INTERFACE(pc, port, filter) \
    rte_pcapng_add_interface((pc), (port), 1 /* DLT_EN10MB */, NULL, NULL, (filter))
#elif RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
#define PYDPDK_PCAPNG_ADD_INTERFACE(pc, port, filter) \
    rte_pcapng_add_interface((pc), (port), NULL, NULL, (filter))
#else
#define PYDPDK_PCAPNG_ADD_INTERFACE(pc, port, filter) ((void)(pc), (void)(port), (void)(filter), 0)
#endif

#endif
