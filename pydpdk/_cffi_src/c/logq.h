/* DPDK's log stream into a queue that Python drains (pydpdk.log).
 *
 * pydpdk_log_capture() points DPDK's log stream (rte_openlog_stream) at an unbuffered stdio
 * stream made with fopencookie(): glibc formats each rte_log() message into one write() of the
 * cookie, on the thread that logs (any lcore, interrupt, telemetry or control thread). That write
 * stores the text with rte_log_cur_msg_logtype()/loglevel() in a bounded queue under a mutex and
 * returns: it never blocks on anything else and never calls Python. A Python thread waits in
 * pydpdk_log_wait() (without the GIL) and moves records into Python's logging with
 * pydpdk_log_pop(). When the queue is full, records are dropped and counted.
 */
#ifndef PYDPDK_LOGQ_H
#define PYDPDK_LOGQ_H

#include <stddef.h>
#include <stdint.h>

#define PYDPDK_LOG_MSG_MAX 2048   /* text bytes kept per message (longer: truncated) */
#define PYDPDK_LOG_QUEUE 1024     /* messages queued before dropping */

struct pydpdk_log_record {
    uint64_t seq;                 /* 1, 2, ... in arrival order */
    uint64_t time_ns;             /* CLOCK_REALTIME when written */
    int32_t tid;                  /* the writer's thread id (rte_gettid) */
    int32_t lcore;                /* the writer's lcore id (-1: not an lcore, e.g. a DPDK service thread) */
    int32_t logtype;              /* rte_log_cur_msg_logtype() of the writer */
    int32_t level;                /* rte_log_cur_msg_loglevel(): RTE_LOG_EMERG (1) .. DEBUG (8) */
    uint32_t len;                 /* bytes in text (not NUL-terminated) */
    uint32_t truncated;           /* 1: the message was longer than PYDPDK_LOG_MSG_MAX */
    char text[PYDPDK_LOG_MSG_MAX];
};

/* Send DPDK's log to the queue (creating it on first use). Returns 0 or a negative errno. */
int pydpdk_log_capture(void);

/* Give DPDK its default log stream back (the queue keeps what it holds). */
int pydpdk_log_release(void);

/* 1 while DPDK's log stream is the queue. */
int pydpdk_log_capturing(void);

/* Wait up to timeout_ms for queued records (or pydpdk_log_wake()); returns how many are queued. */
int pydpdk_log_wait(int timeout_ms);

/* Wake every pydpdk_log_wait() at once. */
void pydpdk_log_wake(void);

/* Move up to max queued records to out; returns how many. */
int pydpdk_log_pop(struct pydpdk_log_record *out, int max);

/* Sequence number of the last record queued (0: none yet). */
uint64_t pydpdk_log_last_seq(void);

/* Messages dropped because the queue was full, since the start. */
uint64_t pydpdk_log_dropped(void);

/* rte_log_dump() into buf (NUL-terminated). Returns the length, or -(bytes needed) if cap is short. */
int64_t pydpdk_log_dump(char *buf, size_t cap);

#endif
