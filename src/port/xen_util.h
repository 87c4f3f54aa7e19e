/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The parts of the real-Xen port (port_xen.c) that need no Xen header:
 * errno translation, number and path parsing, uuid text, and the list of
 * watches the port re-registers after a reconnect.  They live apart so
 * that they are unit-tested on any machine, Xen or not.
 */
#ifndef XENPLM_PORT_XEN_UTIL_H
#define XENPLM_PORT_XEN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port/port.h"

/* The PLM_E* code for an errno set by libxenstore (or by xenstored). */
int xu_from_errno(int e);

/* A strictly decimal, unsigned value of len bytes (no sign, no spaces):
 * 0, PLM_EGRAMMAR, or PLM_ERANGE when it does not fit 64 bits. */
int xu_parse_u64(const char *s, size_t len, uint64_t *out);

/* The domain a path "/local/domain/N/..." is about, for the log; 0 (the
 * toolstack's own) for any other path. */
uint32_t xu_path_domid(const char *path);

/* Whether child is parent or below it, as xenstore counts subpaths. */
bool xu_is_subpath(const char *parent, const char *child);

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" from 16 bytes. */
void xu_uuid_format(const uint8_t bytes[16], char out[PORT_UUID_LEN]);

/* The watches registered on the connection, to register again on a new
 * one: xenstored forgets them with the connection. */
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
