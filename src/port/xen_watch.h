/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The real-Xen port's list of watches, kept apart from port_xen.c because
 * it needs no Xen header and is unit-tested on any machine.  xenstored
 * forgets a connection's watches with the connection, so the port keeps
 * its own list to register them again on a new one, and to tell its own
 * events from stray ones.
 */
#ifndef XENPLM_PORT_XEN_WATCH_H
#define XENPLM_PORT_XEN_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "common/xs_util.h"
#include "port/port.h"

/* The watches registered on the connection, in the order given. */
struct xu_watch {
    char path[PORT_PATH_MAX];
    char token[PORT_TOKEN_MAX];
};

struct xu_watches {
    struct xu_watch *w;
    size_t n, cap;
};

/* Add a watch: 0, 1 when it was already there, PLM_EINVAL when the path or
 * token does not fit, PLM_ENOMEM. */
int xu_watches_add(struct xu_watches *ws, const char *path, const char *token);
/* Remove a watch; whether it was there. */
bool xu_watches_remove(struct xu_watches *ws, const char *path, const char *token);
void xu_watches_free(struct xu_watches *ws);

/*
 * Fill ev from a fired watch.  A path longer than PORT_PATH_MAX is
 * replaced by the path of the watch that fired, which, like the first
 * fire of a new watch, tells the daemon to re-read everything under it.
 * Returns 0, or PLM_ENOENT when the event is none of ours (a token we did
 * not register, or a path no watch of that token covers): drop it.
 */
int xu_event_fill(struct port_event *ev, const char *path, const char *token,
                  const struct xu_watches *ws);

#endif
