/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The orders' queue between the pool thread and the loop (pool.h): one
 * order waiting at a time, and the loop's reports, the newest per order,
 * until the thread writes them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "daemon/pool.h"
#include "daemon/pool_int.h"

/* Reports kept at most: far more than one host's migrations between two
 * rounds of the thread (a report past this replaces the oldest). */
#define REPORTS_MAX 64

/* Under mu: the pipe, made at the loop's first ask. */
static int wake_make(struct dmn_pool *p)
{
    if (!p->wake_made) {
        p->wake_made = true;
        if (pipe2(p->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
            log_warn("pool '%s': no pipe to wake the loop for orders; it looks every second",
                     p->pool);
            p->wake[0] = p->wake[1] = -1;
        }
    }
    return p->wake[0];
}

int dmn_pool_wake_fd(struct dmn_pool *p)
{
    pthread_mutex_lock(&p->mu);
    int fd = wake_make(p);
    pthread_mutex_unlock(&p->mu);
    return fd;
}

void dmn_pool_wake_clear(struct dmn_pool *p)
{
    char buf[64];
    pthread_mutex_lock(&p->mu);
    int fd = p->wake_made ? p->wake[0] : -1;
    pthread_mutex_unlock(&p->mu);
    if (fd >= 0)
        while (read(fd, buf, sizeof(buf)) > 0)
            ;
}

void dmn_pool_handoff_dispose(struct dmn_pool *p)
{
    if (p->wake_made && p->wake[0] >= 0) {
        close(p->wake[0]);
        close(p->wake[1]);
    }
    p->wake_made = false;
}

bool dmn_pool_give_order(struct dmn_pool *p, const struct dmn_pool_order *o)
{
    bool given = false;

    pthread_mutex_lock(&p->mu);
    if (!p->order_waiting) {
        p->order = *o;
        p->order_waiting = true;
        given = true;
        /* A full pipe already says so; nothing else can fail here. */
        if (p->wake_made && p->wake[1] >= 0 && write(p->wake[1], "o", 1) < 0 && errno != EAGAIN)
            log_warn("pool '%s': cannot wake the loop for an order", p->pool);
    }
    pthread_mutex_unlock(&p->mu);
    return given;
}

bool dmn_pool_take_order(struct dmn_pool *p, struct dmn_pool_order *out)
{
    bool taken = false;

    pthread_mutex_lock(&p->mu);
    if (p->order_waiting) {
        *out = p->order;
        p->order_waiting = false;
        taken = true;
    }
    pthread_mutex_unlock(&p->mu);
    return taken;
}

void dmn_pool_order_report(struct dmn_pool *p, const struct dmn_pool_order_report *r)
{
    size_t i;

    pthread_mutex_lock(&p->mu);
    for (i = 0; i < p->nreports; i++)
        if (strcmp(p->reports[i].key, r->key) == 0)
            break;
    if (i == p->nreports) {
        if (!p->reports)
            p->reports = calloc(REPORTS_MAX, sizeof(*p->reports));
        if (!p->reports) {
            pthread_mutex_unlock(&p->mu);
            log_errx("pool '%s': no memory to keep the report on order %s", p->pool, r->key);
            return;
        }
        if (p->nreports == REPORTS_MAX) {
            memmove(p->reports, p->reports + 1, (REPORTS_MAX - 1) * sizeof(*p->reports));
            p->nreports--;
        }
        i = p->nreports++;
    }
    p->reports[i] = *r;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

struct dmn_pool_order_report *dmn_pool_take_reports(struct dmn_pool *p, size_t *n)
{
    struct dmn_pool_order_report *out = NULL;

    pthread_mutex_lock(&p->mu);
    *n = 0;
    if (p->nreports) {
        out = malloc(p->nreports * sizeof(*out));
        if (out) {
            memcpy(out, p->reports, p->nreports * sizeof(*out));
            *n = p->nreports;
            p->nreports = 0;
        }
    }
    pthread_mutex_unlock(&p->mu);
    return out;
}
