/* DPDK's log stream into a queue that Python drains: see logq.h. */
#define _GNU_SOURCE
#include "strict.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "logq.h"

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond;
static struct pydpdk_log_record *q_slots;   /* ring of PYDPDK_LOG_QUEUE, allocated once */
static uint32_t q_head, q_count;
static uint64_t q_seq, q_dropped, q_wakes;
static FILE *q_stream;                      /* created once, never closed: DPDK may hold it */
static int q_capturing;

static ssize_t
q_write(void *cookie, const char *buf, size_t size)
{
    int logtype = rte_log_cur_msg_logtype();
    int level = rte_log_cur_msg_loglevel();
    unsigned int lcore = rte_lcore_id();
    int tid = rte_gettid();
    struct timespec now;
    (void)cookie;
    clock_gettime(CLOCK_REALTIME, &now);
    pthread_mutex_lock(&q_lock);
    if (q_count == PYDPDK_LOG_QUEUE) {
        q_dropped++;
    } else {
        struct pydpdk_log_record *r = &q_slots[(q_head + q_count) % PYDPDK_LOG_QUEUE];
        size_t n = size < PYDPDK_LOG_MSG_MAX ? size : PYDPDK_LOG_MSG_MAX;
        r->seq = ++q_seq;
        r->time_ns = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
        r->tid = tid;
        r->lcore = lcore == LCORE_ID_ANY ? -1 : (int32_t)lcore;
        r->logtype = logtype;
        r->level = level;
        r->len = (uint32_t)n;
        r->truncated = size > n;
        memcpy(r->text, buf, n);
        q_count++;
        pthread_cond_broadcast(&q_cond);
    }
    pthread_mutex_unlock(&q_lock);
    return (ssize_t)size;
}

static int
q_init(void)
{
    static const cookie_io_functions_t funcs = { .write = q_write };
    pthread_condattr_t attr;

    if (q_stream != NULL)
        return 0;
    q_slots = calloc(PYDPDK_LOG_QUEUE, sizeof(*q_slots));
    if (q_slots == NULL)
        return -ENOMEM;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&q_cond, &attr);
    pthread_condattr_destroy(&attr);
    q_stream = fopencookie(NULL, "w", funcs);
    if (q_stream == NULL) {
        free(q_slots);
        q_slots = NULL;
        return -errno;
    }
    /* Unbuffered: glibc formats each vfprintf() into one write() of the cookie. */
    setvbuf(q_stream, NULL, _IONBF, 0);
    return 0;
}

int
pydpdk_log_capture(void)
{
    int rc;
    pthread_mutex_lock(&q_lock);
    rc = q_init();
    pthread_mutex_unlock(&q_lock);
    if (rc < 0)
        return rc;
    rc = rte_openlog_stream(q_stream);
    if (rc == 0)
        __atomic_store_n(&q_capturing, 1, __ATOMIC_RELEASE);
    return rc;
}

int
pydpdk_log_release(void)
{
    if (!__atomic_load_n(&q_capturing, __ATOMIC_ACQUIRE))
        return 0;
    __atomic_store_n(&q_capturing, 0, __ATOMIC_RELEASE);
    return rte_openlog_stream(NULL);
}

int
pydpdk_log_capturing(void)
{
    return __atomic_load_n(&q_capturing, __ATOMIC_ACQUIRE) && rte_log_get_stream() == q_stream;
}

int
pydpdk_log_wait(int timeout_ms)
{
    struct timespec until;
    uint64_t wakes;
    int n;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&q_lock);
    wakes = q_wakes;
    while (q_slots != NULL && q_count == 0 && q_wakes == wakes) {
        if (pthread_cond_timedwait(&q_cond, &q_lock, &until) == ETIMEDOUT)
            break;
    }
    if (q_slots == NULL) {      /* never captured: nothing will come */
        pthread_mutex_unlock(&q_lock);
        return 0;
    }
    n = (int)q_count;
    pthread_mutex_unlock(&q_lock);
    return n;
}

void
pydpdk_log_wake(void)
{
    pthread_mutex_lock(&q_lock);
    q_wakes++;
    if (q_slots != NULL)
        pthread_cond_broadcast(&q_cond);
    pthread_mutex_unlock(&q_lock);
}

int
pydpdk_log_pop(struct pydpdk_log_record *out, int max)
{
    int n = 0;
    pthread_mutex_lock(&q_lock);
    while (n < max && q_count > 0) {
        const struct pydpdk_log_record *r = &q_slots[q_head];
        memcpy(&out[n], r, offsetof(struct pydpdk_log_record, text) + r->len);
        q_head = (q_head + 1) % PYDPDK_LOG_QUEUE;
        q_count--;
        n++;
    }
    pthread_mutex_unlock(&q_lock);
    return n;
}

uint64_t
pydpdk_log_last_seq(void)
{
    uint64_t s;
    pthread_mutex_lock(&q_lock);
    s = q_seq;
    pthread_mutex_unlock(&q_lock);
    return s;
}

uint64_t
pydpdk_log_dropped(void)
{
    uint64_t d;
    pthread_mutex_lock(&q_lock);
    d = q_dropped;
    pthread_mutex_unlock(&q_lock);
    return d;
}

int64_t
pydpdk_log_dump(char *buf, size_t cap)
{
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);
    int64_t ret;

    if (f == NULL)
        return -(int64_t)cap - 1;
    rte_log_dump(f);
    fclose(f);
    if (len + 1 > cap) {
        ret = -(int64_t)(len + 1);
    } else {
        memcpy(buf, mem, len + 1);
        ret = (int64_t)len;
    }
    free(mem);
    return ret;
}
