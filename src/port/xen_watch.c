/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The real-Xen port's list of watches: see xen_watch.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "port/xen_watch.h"

_Static_assert(XU_UUID_LEN == PORT_UUID_LEN, "a uuid's text has one length");

static struct xu_watch *find(const struct xu_watches *ws, const char *path, const char *token)
{
    for (size_t i = 0; i < ws->n; i++)
        if (strcmp(ws->w[i].path, path) == 0 && strcmp(ws->w[i].token, token) == 0)
            return &ws->w[i];
    return NULL;
}

int xu_watches_add(struct xu_watches *ws, const char *path, const char *token)
{
    struct xu_watch *w;

    if (!ws || !path || !token || strlen(path) >= PORT_PATH_MAX || strlen(token) >= PORT_TOKEN_MAX)
        return PLM_EINVAL;
    if (find(ws, path, token))
        return 1;
    if (ws->n == ws->cap) {
        size_t cap = ws->cap ? ws->cap * 2 : 16;
        w = realloc(ws->w, cap * sizeof(*w));
        if (!w)
            return PLM_ENOMEM;
        ws->w = w;
        ws->cap = cap;
    }
    w = &ws->w[ws->n++];
    snprintf(w->path, sizeof(w->path), "%s", path);
    snprintf(w->token, sizeof(w->token), "%s", token);
    return 0;
}

bool xu_watches_remove(struct xu_watches *ws, const char *path, const char *token)
{
    struct xu_watch *w;

    if (!ws || !path || !token || !(w = find(ws, path, token)))
        return false;
    /* Order is kept: watches are registered again in the order given. */
    memmove(w, w + 1, (size_t)(ws->w + ws->n - (w + 1)) * sizeof(*w));
    ws->n--;
    return true;
}

void xu_watches_free(struct xu_watches *ws)
{
    if (!ws)
        return;
    free(ws->w);
    memset(ws, 0, sizeof(*ws));
}

int xu_event_fill(struct port_event *ev, const char *path, const char *token,
                  const struct xu_watches *ws)
{
    const struct xu_watch *fired = NULL;

    if (!ev || !path || !token || !ws)
        return PLM_ENOENT;
    for (size_t i = 0; i < ws->n && !fired; i++)
        if (strcmp(ws->w[i].token, token) == 0 && xu_is_subpath(ws->w[i].path, path))
            fired = &ws->w[i];
    if (!fired)
        return PLM_ENOENT;
    if (strlen(path) >= sizeof(ev->path))
        path = fired->path;
    snprintf(ev->path, sizeof(ev->path), "%s", path);
    snprintf(ev->token, sizeof(ev->token), "%s", fired->token);
    return 0;
}
