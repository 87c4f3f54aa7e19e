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
 * The daemon is single-threaded and must never wait on a client: every
 * socket is non-blocking and each connection is a small state machine
 * (read the request, then write the reply) advanced by ctl_server_run
 * whenever the loop finds one of ctl_server_fds readable or reaches
 * ctl_server_deadline.  Buffers are bounded (CTL_REQUEST_MAX in,
 * CTL_REPLY_MAX out), connections too (CTL_MAX_CONN; the rest wait in the
 * listen backlog), and each has a deadline: timeout_ms to send its
 * request, then timeout_ms to take its reply.  A client that says half a
 * line, or never reads, holds one slot until its deadline and costs the
 * daemon nothing else.
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

/* How long a client has to send its request, and then to take the reply. */
#define CTL_TIMEOUT_MS 1000
/* Connections served at once; more wait in the listen backlog. */
#define CTL_MAX_CONN 16
/* Longest reply, "ok\n" and the body; a longer one is an error. */
#define CTL_REPLY_MAX ((size_t)1 << 20)
/*
 * How often a reply that did not fit the socket is tried again.  The
 * port's wait() tells readable descriptors only, so writability is polled;
 * a reply larger than the socket's buffer (some 200 KiB) to a client that
 * reads slowly is the only case.
 */
#define CTL_RETRY_MS 20
/* How long accepting stops after accept failed (EMFILE, ENFILE...). */
#define CTL_ACCEPT_PAUSE_MS 1000

/*
 * Render the body of one request into out.  Return 0 to send "ok" and the
 * body; anything else sends "error: " and err (a default text when err is
 * left empty) and drops the body.  err holds errlen >= CTL_ERR_MAX bytes,
 * and comes in empty; the server keeps it to one line of printable ASCII.
 */
typedef int ctl_handler_fn(void *arg, const struct ctl_request *req, FILE *out, char *err,
                           size_t errlen);

/* What happened to one connection, for the daemon's log. */
struct ctl_conn_info {
    pid_t pid; /* the peer, from SO_PEERCRED */
    uid_t uid;
    char command[CTL_ARG_MAX + 1]; /* "" when the request was not parsed */
    bool ok;                       /* "ok" was sent (or at least attempted) */
    char error[CTL_ERR_MAX];       /* what was sent after "error: " */
    bool write_failed;             /* the peer did not take the whole response */
};

/* Told of each connection when it ends, for the log. */
typedef void ctl_done_fn(void *arg, const struct ctl_conn_info *info);

struct ctl_conn;

struct ctl_server {
    int fd; /* the listening socket: wait for it to be readable */
    char path[108];
    dev_t dev; /* the socket file this server created, to remove only that */
    ino_t ino;
    uid_t owner_uid; /* besides root, the uid allowed in (geteuid() by default) */
    int timeout_ms;  /* to send the request, then to take the reply (CTL_TIMEOUT_MS) */
    ctl_handler_fn *handler;
    ctl_done_fn *done;     /* told of each connection at its end; may be NULL */
    void *arg;             /* the handler's and done's */
    struct ctl_conn *conn; /* private: the connections being served */
    size_t nconn;
    uint64_t accept_after_ms; /* private: accept failed; try again then */
};

/*
 * Listen on path (NULL: CTL_DEFAULT_SOCKET).  Creates the parent directory
 * (mode 0755) when it is missing; refuses when a daemon already answers on
 * path, or when path exists and is not a socket; removes a stale socket.
 * Returns 0, or a negative PLM_E* code with the reason in err (which
 * names the path).  The socket is non-blocking and close-on-exec.  Set
 * srv->done afterwards to hear of each connection.
 */
int ctl_server_open(struct ctl_server *srv, const char *path, ctl_handler_fn *handler, void *arg,
                    char *err, size_t errlen);

/*
 * The descriptors to wait on, for reading: the listening socket while
 * there is room for another connection, and every connection still
 * reading its request.  Returns how many were written to fds (at most
 * cap; CTL_MAX_CONN + 1 is always enough).
 */
size_t ctl_server_fds(const struct ctl_server *srv, int *fds, size_t cap);

/*
 * When ctl_server_run must be called even if no descriptor turns
 * readable, on the clock of ctl_now_ms: the first connection deadline, or
 * the next retry of a reply that waits for room.  UINT64_MAX when nothing
 * is pending.
 */
uint64_t ctl_server_deadline(const struct ctl_server *srv);

/* The server's clock: CLOCK_MONOTONIC, in ms. */
uint64_t ctl_now_ms(void);

/*
 * Do all that can be done without waiting: accept pending connections
 * (up to CTL_MAX_CONN), read what the clients sent, answer complete
 * requests (the handler runs here), write replies, and drop connections
 * past their deadline.  Each connection that ends is reported to done.
 * Returns the number of connections that ended, or PLM_EIO (errno set)
 * when accept failed for a reason that will not go away by itself, such
 * as EMFILE; the server then stops accepting for CTL_ACCEPT_PAUSE_MS
 * (connections already in go on), so that a loop does not spin on a
 * listening socket that stays readable.  Never returns an error for what
 * a client does.
 */
int ctl_server_run(struct ctl_server *srv);

/* Close the socket and every connection (unreported), and remove the
 * file this server created.  Idempotent. */
void ctl_server_close(struct ctl_server *srv);

#endif
