/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulator's xenstore: a tree of nodes with values and permissions,
 * per-owner node counts for the quota, and the dom0 connection's watches
 * with their event queue.
 *
 * Every access names the calling domain.  Domain 0 is privileged and may
 * do anything; any other domain is checked as C xenstored checks an
 * unprivileged connection, so a guest's hostile write fails here exactly
 * as it would on Xen.  Only dom0 registers watches (the daemon's
 * connection); guests in the simulator do not watch.
 *
 * Errors: PLM_EINVAL (bad path), PLM_ENOENT, PLM_ERANGE (value too large,
 * or a read buffer too small), PLM_EIO with errno EACCES (permissions),
 * PLM_ETOOMANY with errno ENOSPC (quota), PLM_ENOMEM.
 */
#ifndef XENPLM_SIM_SIM_XS_H
#define XENPLM_SIM_SIM_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port/port.h"

/* Permission bits, as XS_PERM_READ / XS_PERM_WRITE. */
#define SIM_XS_NONE 0u
#define SIM_XS_READ 1u
#define SIM_XS_WRITE 2u
#define SIM_XS_BOTH 3u

#define SIM_XS_ACL_MAX 4 /* entries in one node's permission list */
/* Watches on the dom0 connection.  xenstored puts no watch quota on dom0
 * (its quotas are for unprivileged connections); the daemon sets two a
 * domain (its request and control/feature-balloon), so this bound only
 * catches a leak: 1024 made the thousand-domain benchmark's last guests
 * unwatched, and never answered. */
#define SIM_XS_WATCH_MAX 65536

/* A permission list: e[0] names the owner and what everyone else gets;
 * e[1..n) grant specific domains more (or less). */
struct sim_xs_perms {
    struct {
        uint32_t id;
        unsigned perm;
    } e[SIM_XS_ACL_MAX];
    unsigned n;
};

struct sim_xs_node;

struct sim_xs_watch {
    char path[PORT_PATH_MAX];
    char token[PORT_TOKEN_MAX];
    bool overflowed; /* an event was folded: fire once on path when room returns */
};

struct sim_xs_counters {
    uint64_t fired, delivered, coalesced, overflowed;
    size_t queue_peak;
};

struct sim_xs {
    struct sim_xs_node *root;
    size_t *owned; /* nodes owned, indexed by domid */
    size_t nowned;
    struct sim_xs_watch *watch; /* registration order */
    size_t nwatch;
    struct port_event *q; /* ring of PORT_SIM_EVQ_MAX */
    size_t qhead, qlen;
    struct sim_xs_counters c;
};

int sim_xs_init(struct sim_xs *xs);
void sim_xs_dispose(struct sim_xs *xs);

/* Node access as domain caller; relative paths resolve under the caller's
 * /local/domain/<caller>.  read: as port.h's xs_read.  rm: a missing node
 * is not an error.  mkdir: an existing node is left alone. */
int sim_xs_read(struct sim_xs *xs, uint32_t caller, const char *path, char *buf, size_t cap,
                size_t *len_out);
int sim_xs_write(struct sim_xs *xs, uint32_t caller, const char *path, const char *val, size_t len);
int sim_xs_write_txn(struct sim_xs *xs, uint32_t caller, const struct port_kv *kv, size_t n);
int sim_xs_mkdir(struct sim_xs *xs, uint32_t caller, const char *path);
int sim_xs_rm(struct sim_xs *xs, uint32_t caller, const char *path);
/* Replace a node's permissions (dom0 or the node's owner only). */
int sim_xs_set_perms(struct sim_xs *xs, uint32_t caller, const char *path,
                     const struct sim_xs_perms *perms);
/* "n0,r5": 0, PLM_ENOENT, PLM_EINVAL or PLM_ERANGE. */
int sim_xs_perms_string(struct sim_xs *xs, const char *path, char *buf, size_t size);
/* Nodes the domain owns, as counted for its quota. */
size_t sim_xs_owned(const struct sim_xs *xs, uint32_t domid);

/* The dom0 connection's watches.  A new watch fires once at once. */
int sim_xs_watch(struct sim_xs *xs, const char *path, const char *token);
int sim_xs_unwatch(struct sim_xs *xs, const char *path, const char *token);
/* Fire "@introduceDomain" or "@releaseDomain". */
void sim_xs_fire_special(struct sim_xs *xs, const char *name);
/* Fire every watch once, as a reconnection re-registering them does. */
void sim_xs_refire_all(struct sim_xs *xs);
/* Forget queued events, as a broken connection does. */
void sim_xs_drop_events(struct sim_xs *xs);
int sim_xs_next_event(struct sim_xs *xs, struct port_event *ev);
bool sim_xs_pending(const struct sim_xs *xs);

/* Used by the tree (sim_xs.c), defined with the watches (sim_xs_watch.c). */
/* Whether path is absolute and well formed, as xenstored's is_valid_nodename. */
bool sim_xs_path_valid(const char *path);
/* Queue an event for every watch on path or a parent of it; with recurse
 * (a removal) also for every watch below path. */
void sim_xs_fire(struct sim_xs *xs, const char *path, bool recurse);

#endif
