/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dom0 connection's watches and the queue of fired events.
 *
 * As in xenstored: a change to a node fires every watch on that node or on
 * one of its parents, reporting the changed path; a removal also fires the
 * watches below the removed node, each reporting its own path; a new watch
 * fires once at once; "@introduceDomain" and "@releaseDomain" fire when a
 * domain comes and goes.  Events are delivered in the order they fired.
 *
 * The queue is bounded (PORT_SIM_EVQ_MAX).  When it is full a new event is
 * never simply dropped, since the daemon would then miss a change: if the
 * same path and token are already queued, the queued event already tells
 * the daemon to read the node, so the new one is coalesced into it;
 * otherwise the watch is marked, and as soon as there is room one event on
 * the watch's own path is queued, which, like the initial fire, tells the
 * daemon to re-read everything under it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sim/port_sim.h"
#include "sim/sim_xs.h"

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '/' || c == '_' || c == '@';
}

bool sim_xs_path_valid(const char *path)
{
    size_t n = strlen(path);

    if (n == 0 || n >= PORT_PATH_MAX || path[0] != '/')
        return false;
    if (n > 1 && path[n - 1] == '/')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!name_char(path[i]) || (path[i] == '/' && path[i + 1] == '/'))
            return false;
    return true;
}

/* Whether child is parent or below it. */
static bool is_child(const char *child, const char *parent)
{
    size_t n = strlen(parent);

    if (strcmp(parent, "/") == 0)
        return child[0] == '/';
    return strncmp(child, parent, n) == 0 && (child[n] == '\0' || child[n] == '/');
}

static bool is_special(const char *path)
{
    return strcmp(path, "@introduceDomain") == 0 || strcmp(path, "@releaseDomain") == 0;
}

static struct port_event *slot(struct sim_xs *xs, size_t i)
{
    return &xs->q[(xs->qhead + i) % PORT_SIM_EVQ_MAX];
}

static bool queued(struct sim_xs *xs, const char *path, const char *token)
{
    for (size_t i = 0; i < xs->qlen; i++) {
        const struct port_event *e = slot(xs, i);
        if (strcmp(e->path, path) == 0 && strcmp(e->token, token) == 0)
            return true;
    }
    return false;
}

static void push(struct sim_xs *xs, const char *path, const char *token)
{
    struct port_event *e = slot(xs, xs->qlen++);

    snprintf(e->path, sizeof(e->path), "%s", path);
    snprintf(e->token, sizeof(e->token), "%s", token);
    if (xs->qlen > xs->c.queue_peak)
        xs->c.queue_peak = xs->qlen;
}

static void enqueue(struct sim_xs *xs, struct sim_xs_watch *w, const char *path)
{
    xs->c.fired++;
    if (xs->qlen < PORT_SIM_EVQ_MAX) {
        push(xs, path, w->token);
    } else if (queued(xs, path, w->token)) {
        xs->c.coalesced++;
    } else {
        w->overflowed = true;
        xs->c.overflowed++;
    }
}

/* Queue the events of marked watches while there is room. */
static void flush_overflow(struct sim_xs *xs)
{
    for (size_t i = 0; i < xs->nwatch && xs->qlen < PORT_SIM_EVQ_MAX; i++) {
        struct sim_xs_watch *w = &xs->watch[i];
        if (!w->overflowed)
            continue;
        w->overflowed = false;
        if (!queued(xs, w->path, w->token))
            push(xs, w->path, w->token);
    }
}

void sim_xs_fire(struct sim_xs *xs, const char *path, bool recurse)
{
    for (size_t i = 0; i < xs->nwatch; i++) {
        struct sim_xs_watch *w = &xs->watch[i];
        if (w->path[0] == '@')
            continue;
        if (is_child(path, w->path))
            enqueue(xs, w, path);
        else if (recurse && is_child(w->path, path))
            enqueue(xs, w, w->path);
    }
}

void sim_xs_fire_special(struct sim_xs *xs, const char *name)
{
    for (size_t i = 0; i < xs->nwatch; i++)
        if (strcmp(xs->watch[i].path, name) == 0)
            enqueue(xs, &xs->watch[i], name);
}

void sim_xs_refire_all(struct sim_xs *xs)
{
    for (size_t i = 0; i < xs->nwatch; i++)
        enqueue(xs, &xs->watch[i], xs->watch[i].path);
}

void sim_xs_drop_events(struct sim_xs *xs)
{
    xs->qhead = 0;
    xs->qlen = 0;
    for (size_t i = 0; i < xs->nwatch; i++)
        xs->watch[i].overflowed = false;
}

int sim_xs_watch(struct sim_xs *xs, const char *path, const char *token)
{
    struct sim_xs_watch *w;

    /* Relative watches report relative paths; the daemon has no use for
     * them, and an "@name" other than the two Xen fires is a typo that
     * would never fire: both are refused rather than silently kept. */
    if (!path || !token || strlen(token) >= PORT_TOKEN_MAX ||
        (!is_special(path) && !sim_xs_path_valid(path)))
        return PLM_EINVAL;
    for (size_t i = 0; i < xs->nwatch; i++) {
        if (strcmp(xs->watch[i].path, path) == 0 && strcmp(xs->watch[i].token, token) == 0) {
            return PLM_EEXIST;
        }
    }
    if (xs->nwatch >= SIM_XS_WATCH_MAX)
        return PLM_ETOOMANY;
    w = realloc(xs->watch, (xs->nwatch + 1) * sizeof(*w));
    if (!w)
        return PLM_ENOMEM;
    xs->watch = w;
    w = &xs->watch[xs->nwatch++];
    memset(w, 0, sizeof(*w));
    snprintf(w->path, sizeof(w->path), "%s", path);
    snprintf(w->token, sizeof(w->token), "%s", token);
    enqueue(xs, w, path);
    return 0;
}

int sim_xs_unwatch(struct sim_xs *xs, const char *path, const char *token)
{
    size_t i, kept = 0;

    if (!path || !token)
        return PLM_EINVAL;
    for (i = 0; i < xs->nwatch; i++)
        if (strcmp(xs->watch[i].path, path) == 0 && strcmp(xs->watch[i].token, token) == 0)
            break;
    if (i == xs->nwatch)
        return PLM_ENOENT;
    memmove(&xs->watch[i], &xs->watch[i + 1], (xs->nwatch - i - 1) * sizeof(xs->watch[0]));
    xs->nwatch--;
    /* Like libxenstore, drop the events of this watch not yet read. */
    for (size_t j = 0; j < xs->qlen; j++) {
        struct port_event e = *slot(xs, j);
        bool mine = strcmp(e.token, token) == 0 &&
                    (path[0] == '@' ? strcmp(e.path, path) == 0 : is_child(e.path, path));
        if (!mine)
            *slot(xs, kept++) = e;
    }
    xs->qlen = kept;
    flush_overflow(xs);
    return 0;
}

int sim_xs_next_event(struct sim_xs *xs, struct port_event *ev)
{
    if (!ev)
        return PLM_EINVAL;
    flush_overflow(xs);
    if (xs->qlen == 0)
        return PLM_ENOENT;
    *ev = *slot(xs, 0);
    xs->qhead = (xs->qhead + 1) % PORT_SIM_EVQ_MAX;
    xs->qlen--;
    xs->c.delivered++;
    flush_overflow(xs);
    return 0;
}

bool sim_xs_pending(const struct sim_xs *xs)
{
    if (xs->qlen > 0)
        return true;
    for (size_t i = 0; i < xs->nwatch; i++)
        if (xs->watch[i].overflowed)
            return true;
    return false;
}
