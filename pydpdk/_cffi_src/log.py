"""rte_log.h: DPDK log levels and streams."""

INCLUDES = """
#include <stdio.h>
#include <rte_log.h>
#include "logq.h"
"""

TYPES = """
#define RTE_LOG_EMERG ...
#define RTE_LOG_ALERT ...
#define RTE_LOG_CRIT ...
#define RTE_LOG_ERR ...
#define RTE_LOG_WARNING ...
#define RTE_LOG_NOTICE ...
#define RTE_LOG_INFO ...
#define RTE_LOG_DEBUG ...
#define RTE_LOG_MAX ...

#define PYDPDK_LOG_MSG_MAX ...
#define PYDPDK_LOG_QUEUE ...
struct pydpdk_log_record {
    uint64_t seq;
    uint64_t time_ns;
    int32_t tid;
    int32_t lcore;
    int32_t logtype;
    int32_t level;
    uint32_t len;
    uint32_t truncated;
    char text[...];
};
"""

FUNCTIONS = """
void rte_log_set_global_level(uint32_t level);
uint32_t rte_log_get_global_level(void);
int rte_log_get_level(uint32_t logtype);
int rte_log_set_level(uint32_t logtype, uint32_t level);
int rte_log_set_level_pattern(const char *pattern, uint32_t level);
int rte_log_set_level_regexp(const char *regex, uint32_t level);
int rte_log_register(const char *name);
int rte_log_register_type_and_pick_level(const char *name, uint32_t level_def);
int rte_log(uint32_t level, uint32_t logtype, const char *format, ...);
int rte_log_cur_msg_loglevel(void);
int rte_log_cur_msg_logtype(void);
int pydpdk_log_to_stderr(void);

/* c/logq.h: DPDK's log into a queue drained by pydpdk.log's thread (no Python on DPDK threads) */
int pydpdk_log_capture(void);
int pydpdk_log_release(void);
int pydpdk_log_capturing(void);
int pydpdk_log_wait(int timeout_ms);
void pydpdk_log_wake(void);
int pydpdk_log_pop(struct pydpdk_log_record *out, int max);
uint64_t pydpdk_log_last_seq(void);
uint64_t pydpdk_log_dropped(void);
int64_t pydpdk_log_dump(char *buf, size_t cap);
"""

CUSTOMIZATIONS = """
static int pydpdk_log_to_stderr(void) { return rte_openlog_stream(stderr); }
"""
