/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket's server: how xenplmd answers `xenplm`.
 *
 * A unix stream socket (CTL_DEFAULT_SOCKET, mode 0600) carries one request
 * per connection, answered then closed; the wire format, its parser and
 * the commands' usage are protocol/ctl_wire.h (xenplmd(8), CONTROL
 * PROTOCOL).
 *
 * This module is the transport only: it knows no command.
 * The daemon passes a handler that renders the body of a parsed request
 * into a memory stream; only when the handler succeeds is "ok" and the
 * body sent, so a failing command never leaves half a body on the wire.
 *
 * The daemon is single-threaded and must never wait on a client for long:
 * the listening socket is non-blocking, one call of ctl_server_serve
 * serves at most one connection, and reading the request and writing the
 * response are each bounded by a timeout (CTL_TIMEOUT_MS by default).
 * Only root and the daemon's own user may talk to it (SO_PEERCRED), on top
 * of the socket's 0600 mode.
 */
#ifndef XENPLM_DAEMON_CONTROL_H
#define XENPLM_DAEMON_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "protocol/ctl_wire.h"

/* How long the server waits for a request, and for a response to drain. */
#define CTL_TIMEOUT_MS 1000

/*
 * Render the body of one request into out.  Return 0 to send "ok" and the
 * body; anything else sends "error: " and err (a default text when err is
 * left empty) and drops the body.  err holds errlen >= CTL_ERR_MAX bytes,
 * and comes in empty; the server keeps it to one line of printable ASCII.
 */
typedef int ctl_handler_fn(void *arg, const struct ctl_request *req, FILE *out, char *err,
                           size_t errlen);

struct ctl_server {
    int fd; /* the listening socket: wait for it to be readable */
    char path[108];
    dev_t dev; /* the socket file this server created, to remove only that */
    ino_t ino;
    uid_t owner_uid; /* besides root, the uid allowed in (geteuid() by default) */
    int timeout_ms;  /* per read and per write, CTL_TIMEOUT_MS by default */
    ctl_handler_fn *handler;
    void *arg;
};

/*
 * Listen on path (NULL: CTL_DEFAULT_SOCKET).  Creates the parent directory
 * (mode 0755) when it is missing; refuses when a daemon already answers on
 * path, or when path exists and is not a socket; removes a stale socket.
 * Returns 0, or a negative PLM_E* code with the reason in err (which
 * names the path).  The socket is non-blocking and close-on-exec.
 */
int ctl_server_open(struct ctl_server *srv, const char *path, ctl_handler_fn *handler, void *arg,
                    char *err, size_t errlen);

/* What happened to one connection, for the daemon's log. */
struct ctl_conn_info {
    pid_t pid; /* the peer, from SO_PEERCRED */
    uid_t uid;
    char command[CTL_ARG_MAX + 1]; /* "" when the request was not parsed */
    bool ok;                       /* "ok" was sent (or at least attempted) */
    char error[CTL_ERR_MAX];       /* what was sent after "error: " */
    bool write_failed;             /* the peer did not take the whole response */
};

/*
 * Accept one pending connection, if any, and serve it to the end: read
 * the request (bounded by timeout_ms), call the handler, write the
 * response (bounded again), close.  Returns 1 when a connection was
 * served (info, which may be NULL, says how), 0 when none was pending,
 * or PLM_EIO (errno set) when accept failed for a reason that will not
 * go away by itself, such as EMFILE.  Never returns an error for what a
 * client does.
 */
int ctl_server_serve(struct ctl_server *srv, struct ctl_conn_info *info);

/* Close the socket and remove the file this server created.  Idempotent. */
void ctl_server_close(struct ctl_server *srv);

#endif
