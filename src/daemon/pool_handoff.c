/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The orders' queue between the pool thread and the loop (pool.h): one
 * order waiting at a time, and the loop's reports, the newest per order,
 * until the thread writes them.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "daemon/pool.h"
#include "daemon/pool_int.h"

/* Reports kept at most: far more than one host's migrations between two
 * rounds of the thread (a report past this replaces the oldest). */
#define REPORTS_MAX 64

bool dmn_pool_give_order(struct dmn_pool *p, const struct dmn_pool_order *o)
{
    bool given = false;

    pthread_mutex_lock(&p->mu);
    if (!p->order_waiting) {
        p->order = *o;
        p->order_waiting = true;
        given = true;
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
