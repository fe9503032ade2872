"""rte_log.h: DPDK log levels and streams."""

INCLUDES = """
#include <stdio.h>
#include <rte_log.h>
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
"""

FUNCTIONS = """
void rte_log_set_global_level(uint32_t level);
uint32_t rte_log_get_global_level(void);
int rte_log_get_level(uint32_t logtype);
int rte_log_set_level(uint32_t logtype, uint32_t level);
int rte_log_set_level_pattern(const char *pattern, uint32_t level);
int rte_log_set_level_regexp(const char *regex, uint32_t level);
int rte_log_register(const char *name);
int rte_log_cur_msg_loglevel(void);
int rte_log_cur_msg_logtype(void);
int pydpdk_log_to_stderr(void);
void pydpdk_log_dump_stdout(void);
"""

CUSTOMIZATIONS = """
static int pydpdk_log_to_stderr(void) { return rte_openlog_stream(stderr); }
static void pydpdk_log_dump_stdout(void) { rte_log_dump(stdout); fflush(stdout); }
"""
