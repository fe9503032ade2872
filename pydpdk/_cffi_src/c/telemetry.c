/* pydpdk's telemetry commands: see telemetry.h. */
#include "strict.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>
#include <rte_version.h>

#include "dpdk_compat.h"
#include "telemetry.h"

#ifndef PYDPDK_PACKAGE_VERSION
#define PYDPDK_PACKAGE_VERSION "unknown"
#endif
#ifndef PYDPDK_DPDK_VERSION
#define PYDPDK_DPDK_VERSION "unknown"
#endif

static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct pydpdk_fwd *tel_fwd[PYDPDK_TEL_MAX_FWD];
static int tel_fwd_id[PYDPDK_TEL_MAX_FWD];
static int tel_next_id;
static int tel_status;

/* The counters of one stream, as in struct pydpdk_fwd_stream. */
struct counters {
    uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, gen_packets, fwd_dropped,
             other_dropped, alloc_failures, bad_ip_csum, bad_l4_csum, stage_forwarded,
             stage_dropped, stage_invalid;
};

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

static void
read_stream(const struct pydpdk_fwd_stream *s, struct counters *c)
{
    c->rx_packets = LOAD(s->rx_packets);
    c->rx_bytes = LOAD(s->rx_bytes);
    c->tx_packets = LOAD(s->tx_packets);
    c->tx_bytes = LOAD(s->tx_bytes);
    c->gen_packets = LOAD(s->gen_packets);
    c->fwd_dropped = LOAD(s->fwd_dropped);
    c->other_dropped = LOAD(s->other_dropped);
    c->alloc_failures = LOAD(s->alloc_failures);
    c->bad_ip_csum = LOAD(s->bad_ip_csum);
    c->bad_l4_csum = LOAD(s->bad_l4_csum);
    c->stage_forwarded = LOAD(s->stage_forwarded);
    c->stage_dropped = LOAD(s->stage_dropped);
    c->stage_invalid = LOAD(s->stage_invalid);
}

static void
add_counters(struct counters *to, const struct counters *c)
{
    to->rx_packets += c->rx_packets;
    to->rx_bytes += c->rx_bytes;
    to->tx_packets += c->tx_packets;
    to->tx_bytes += c->tx_bytes;
    to->gen_packets += c->gen_packets;
    to->fwd_dropped += c->fwd_dropped;
    to->other_dropped += c->other_dropped;
    to->alloc_failures += c->alloc_failures;
    to->bad_ip_csum += c->bad_ip_csum;
    to->bad_l4_csum += c->bad_l4_csum;
    to->stage_forwarded += c->stage_forwarded;
    to->stage_dropped += c->stage_dropped;
    to->stage_invalid += c->stage_invalid;
}

/* stage: add the stage verdict counters (totals always; a stream only when it runs a stage,
 * keeping /pydpdk/fwd/stats,ID of PYDPDK_TEL_MAX_STREAMS streams within 16 KiB). */
static void
dict_counters(struct rte_tel_data *d, const struct counters *c, int stage)
{
    PYDPDK_TEL_DICT_UINT(d, "rx_packets", c->rx_packets);
    PYDPDK_TEL_DICT_UINT(d, "tx_packets", c->tx_packets);
    PYDPDK_TEL_DICT_UINT(d, "rx_bytes", c->rx_bytes);
    PYDPDK_TEL_DICT_UINT(d, "tx_bytes", c->tx_bytes);
    PYDPDK_TEL_DICT_UINT(d, "gen_packets", c->gen_packets);
    PYDPDK_TEL_DICT_UINT(d, "fwd_dropped", c->fwd_dropped);
    PYDPDK_TEL_DICT_UINT(d, "other_dropped", c->other_dropped);
    PYDPDK_TEL_DICT_UINT(d, "alloc_failures", c->alloc_failures);
    PYDPDK_TEL_DICT_UINT(d, "bad_ip_csum", c->bad_ip_csum);
    PYDPDK_TEL_DICT_UINT(d, "bad_l4_csum", c->bad_l4_csum);
    if (stage) {
        PYDPDK_TEL_DICT_UINT(d, "stage_forwarded", c->stage_forwarded);
        PYDPDK_TEL_DICT_UINT(d, "stage_dropped", c->stage_dropped);
        PYDPDK_TEL_DICT_UINT(d, "stage_invalid", c->stage_invalid);
    }
}

/* Per-port sums like ForwardStats.ports: rx counted on the rx port, tx and drops on the tx port. */
struct port_sums {
    uint8_t used;
    uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, rx_dropped, tx_dropped;
};

static void
sum_ports(const struct pydpdk_fwd *fwd, struct port_sums *ports)
{
    for (uint32_t i = 0; i < fwd->nb_streams; i++) {
        struct counters c;
        const struct pydpdk_fwd_stream *s = &fwd->streams[i];
        read_stream(s, &c);
        if (s->rx_port < RTE_MAX_ETHPORTS) {
            struct port_sums *p = &ports[s->rx_port];
            p->used = 1;
            p->rx_packets += c.rx_packets;
            p->rx_bytes += c.rx_bytes;
            p->rx_dropped += c.other_dropped;
        }
        if (s->tx_port < RTE_MAX_ETHPORTS) {
            struct port_sums *p = &ports[s->tx_port];
            p->used = 1;
            p->tx_packets += c.tx_packets;
            p->tx_bytes += c.tx_bytes;
            p->tx_dropped += c.fwd_dropped;
        }
    }
}

static void
add_ports(struct rte_tel_data *d, const struct port_sums *ports)
{
    for (uint16_t pid = 0; pid < RTE_MAX_ETHPORTS; pid++) {
        const struct port_sums *p = &ports[pid];
        char key[32], name[RTE_ETH_NAME_MAX_LEN];
        struct rte_tel_data *pd;
        if (!p->used)
            continue;
        pd = rte_tel_data_alloc();
        if (pd == NULL)
            return;
        rte_tel_data_start_dict(pd);
        rte_tel_data_add_dict_int(pd, "port", pid);
        if (rte_eth_dev_get_name_by_port(pid, name) == 0)
            rte_tel_data_add_dict_string(pd, "name", name);
        PYDPDK_TEL_DICT_UINT(pd, "rx_packets", p->rx_packets);
        PYDPDK_TEL_DICT_UINT(pd, "tx_packets", p->tx_packets);
        PYDPDK_TEL_DICT_UINT(pd, "rx_bytes", p->rx_bytes);
        PYDPDK_TEL_DICT_UINT(pd, "tx_bytes", p->tx_bytes);
        PYDPDK_TEL_DICT_UINT(pd, "rx_dropped", p->rx_dropped);
        PYDPDK_TEL_DICT_UINT(pd, "tx_dropped", p->tx_dropped);
        snprintf(key, sizeof(key), "port_%u", pid);
        if (rte_tel_data_add_dict_container(d, key, pd, 0) != 0)
            rte_tel_data_free(pd);
    }
}

static int
stream_lcore(const struct pydpdk_fwd *fwd, uint32_t stream)
{
    for (uint32_t li = 0; li < fwd->nb_lcores && li < RTE_MAX_LCORE; li++) {
        const struct pydpdk_fwd_lcore *lc = &fwd->lcores[li];
        if (stream >= lc->stream_begin && stream < lc->stream_begin + lc->nb_streams)
            return (int)lc->lcore_id;
    }
    return -1;
}

static void
forwarder_stats(struct rte_tel_data *d, const struct pydpdk_fwd *fwd, int id)
{
    static struct port_sums ports[RTE_MAX_ETHPORTS];   /* under tel_lock */
    struct counters total = {0};
    uint32_t mode = fwd->cfg.mode;

    memset(ports, 0, sizeof(ports));
    rte_tel_data_add_dict_int(d, "id", id);
    rte_tel_data_add_dict_string(d, "mode", mode < PYDPDK_FWD_NB_MODES ? pydpdk_fwd_mode_name(mode) : "?");
    rte_tel_data_add_dict_int(d, "running", (int)LOAD(fwd->running));
    rte_tel_data_add_dict_int(d, "nb_streams", (int)fwd->nb_streams);
    rte_tel_data_add_dict_int(d, "nb_lcores", (int)fwd->nb_lcores);
    for (uint32_t i = 0; i < fwd->nb_streams; i++) {
        struct counters c;
        read_stream(&fwd->streams[i], &c);
        add_counters(&total, &c);
    }
    dict_counters(d, &total, 1);
    sum_ports(fwd, ports);
    add_ports(d, ports);
    for (uint32_t i = 0; i < fwd->nb_streams && i < PYDPDK_TEL_MAX_STREAMS; i++) {
        const struct pydpdk_fwd_stream *s = &fwd->streams[i];
        struct rte_tel_data *sd = rte_tel_data_alloc();
        struct counters c;
        char key[32];
        if (sd == NULL)
            return;
        rte_tel_data_start_dict(sd);
        rte_tel_data_add_dict_int(sd, "rx_port", s->rx_port);
        rte_tel_data_add_dict_int(sd, "rx_queue", s->rx_queue);
        rte_tel_data_add_dict_int(sd, "tx_port", s->tx_port);
        rte_tel_data_add_dict_int(sd, "tx_queue", s->tx_queue);
        rte_tel_data_add_dict_int(sd, "lcore", stream_lcore(fwd, i));
        read_stream(s, &c);
        dict_counters(sd, &c, s->run_mode == PYDPDK_FWD_STAGE ||
                               (s->mode == PYDPDK_FWD_DEFAULT && fwd->cfg.mode == PYDPDK_FWD_STAGE));
        snprintf(key, sizeof(key), "stream_%u", i);
        if (rte_tel_data_add_dict_container(d, key, sd, 0) != 0)
            rte_tel_data_free(sd);
    }
}

static int
find_id(int id)
{
    for (int i = 0; i < PYDPDK_TEL_MAX_FWD; i++)
        if (tel_fwd[i] != NULL && tel_fwd_id[i] == id)
            return i;
    return -1;
}

static int
cmd_fwd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
    static struct port_sums ports[RTE_MAX_ETHPORTS];   /* under tel_lock */
    int ret = 0;

    RTE_SET_USED(cmd);
    rte_tel_data_start_dict(d);
    pthread_mutex_lock(&tel_lock);
    if (params != NULL && *params != '\0') {
        char *end;
        long id = strtol(params, &end, 10);
        int slot = (*end == '\0' && id >= 0 && id <= INT32_MAX) ? find_id((int)id) : -1;
        if (slot < 0)
            ret = -EINVAL;            /* telemetry answers null */
        else
            forwarder_stats(d, tel_fwd[slot], (int)id);
    } else {
        struct counters total = {0};
        struct rte_tel_data *ids = rte_tel_data_alloc();
        int running = 0;
        memset(ports, 0, sizeof(ports));
        if (ids != NULL)
            rte_tel_data_start_array(ids, RTE_TEL_INT_VAL);
        for (int i = 0; i < PYDPDK_TEL_MAX_FWD; i++) {
            const struct pydpdk_fwd *fwd = tel_fwd[i];
            if (fwd == NULL)
                continue;
            if (ids != NULL)
                rte_tel_data_add_array_int(ids, tel_fwd_id[i]);
            running += LOAD(fwd->running) ? 1 : 0;
            for (uint32_t s = 0; s < fwd->nb_streams; s++) {
                struct counters c;
                read_stream(&fwd->streams[s], &c);
                add_counters(&total, &c);
            }
            sum_ports(fwd, ports);
        }
        if (ids != NULL && rte_tel_data_add_dict_container(d, "forwarders", ids, 0) != 0)
            rte_tel_data_free(ids);
        rte_tel_data_add_dict_int(d, "running", running);
        dict_counters(d, &total, 1);
        add_ports(d, ports);
    }
    pthread_mutex_unlock(&tel_lock);
    return ret;
}

static int
cmd_fwd_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
    RTE_SET_USED(cmd);
    RTE_SET_USED(params);
    rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
    pthread_mutex_lock(&tel_lock);
    for (int i = 0; i < PYDPDK_TEL_MAX_FWD; i++)
        if (tel_fwd[i] != NULL)
            rte_tel_data_add_array_int(d, tel_fwd_id[i]);
    pthread_mutex_unlock(&tel_lock);
    return 0;
}

static int
cmd_version(const char *cmd, const char *params, struct rte_tel_data *d)
{
    RTE_SET_USED(cmd);
    RTE_SET_USED(params);
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_string(d, "pydpdk", PYDPDK_PACKAGE_VERSION);
    rte_tel_data_add_dict_string(d, "dpdk", rte_version());
    rte_tel_data_add_dict_string(d, "built_against", PYDPDK_DPDK_VERSION);
    return 0;
}

int
pydpdk_tel_fwd_add(const struct pydpdk_fwd *fwd)
{
    int ret = -ENOSPC;
    pthread_mutex_lock(&tel_lock);
    for (int i = 0; i < PYDPDK_TEL_MAX_FWD; i++) {
        if (tel_fwd[i] == fwd) {
            ret = tel_fwd_id[i];
            break;
        }
    }
    for (int i = 0; ret == -ENOSPC && i < PYDPDK_TEL_MAX_FWD; i++) {
        if (tel_fwd[i] == NULL) {
            tel_fwd[i] = fwd;
            ret = tel_fwd_id[i] = tel_next_id++;
        }
    }
    pthread_mutex_unlock(&tel_lock);
    return ret;
}

int
pydpdk_tel_fwd_remove(const struct pydpdk_fwd *fwd)
{
    int ret = -ENOENT;
    pthread_mutex_lock(&tel_lock);
    for (int i = 0; i < PYDPDK_TEL_MAX_FWD; i++) {
        if (tel_fwd[i] == fwd) {
            tel_fwd[i] = NULL;
            ret = tel_fwd_id[i];
        }
    }
    pthread_mutex_unlock(&tel_lock);
    return ret;
}

int
pydpdk_telemetry_status(void)
{
    return tel_status;
}

RTE_INIT(pydpdk_telemetry_register)
{
    int rc;
    rc = rte_telemetry_register_cmd("/pydpdk/version", cmd_version,
            "pydpdk's version and the DPDK it runs on. No parameters");
    if (rc == 0)
        rc = rte_telemetry_register_cmd("/pydpdk/fwd/list", cmd_fwd_list,
                "Ids of pydpdk's forwarders. No parameters");
    if (rc == 0)
        rc = rte_telemetry_register_cmd("/pydpdk/fwd/stats", cmd_fwd_stats,
                "pydpdk forwarding counters: all forwarders per port, or one per port and "
                "stream. Parameters: int id (optional)");
    tel_status = rc;
}
