/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket: how `xenplm` talks to xenplmd.
 *
 * A unix stream socket (CTL_DEFAULT_SOCKET, mode 0600) carries one request
 * per connection, answered then closed (xenplmd(8), CONTROL PROTOCOL):
 *
 *   request   one line, "XENPLM/1 COMMAND [ARG ...]\n": printable ASCII,
 *             fields separated by single spaces, at most CTL_MAX_ARGS
 *             arguments of at most CTL_ARG_MAX bytes, CTL_REQUEST_MAX bytes
 *             in all (the newline included)
 *   response  "ok\n" followed by the body, or "error: MESSAGE\n" alone;
 *             the server then closes the connection
 *
 * This module is the transport and the grammar only: it knows no command.
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

#include "core/amount.h"

#define CTL_DEFAULT_SOCKET "/run/xenplm/control"
/* The protocol version this code speaks, and the word that opens a request. */
#define CTL_VERSION 1
#define CTL_MAGIC "XENPLM/1"
/* Limits of a request line: bytes in all (newline included), arguments
 * after the command, and bytes in the command or any one argument. */
#define CTL_REQUEST_MAX 4096
#define CTL_MAX_ARGS 16
#define CTL_ARG_MAX 128
/* How long the server waits for a request, and for a response to drain. */
#define CTL_TIMEOUT_MS 1000
/* Room for any error message this module writes, with its NUL. */
#define CTL_ERR_MAX 256

/* A parsed request.  command and argv point into buf: pass it by pointer, never copy it. */
struct ctl_request {
    unsigned version; /* CTL_VERSION */
    const char *command;
    size_t argc;                        /* arguments after the command, --json/-j removed */
    const char *argv[CTL_MAX_ARGS + 1]; /* NULL-terminated */
    bool json;                          /* a --json or -j argument was given */
    char buf[CTL_REQUEST_MAX + 1];      /* private: the line, split in place */
};

/*
 * Parse the len bytes of a request as received (no NUL needed).  Returns 0
 * and fills *req, or PLM_ERANGE (too long, too many arguments, a field too
 * long, an unsupported version) or PLM_EGRAMMAR (anything else) with a
 * one-line reason in err, fit to send back as "error: REASON".
 */
int ctl_request_parse(const char *buf, size_t len, struct ctl_request *req, char *err,
                      size_t errlen);

/*
 * The client's side: write "XENPLM/1 COMMAND ARGV...\n" into buf and return
 * its length, or a negative PLM_E* code and a reason in err when the
 * request would break a rule above (an empty argument, a space in one,
 * too many...).  The result always passes ctl_request_parse.
 */
int ctl_request_format(char *buf, size_t bufsz, const char *command, size_t argc,
                       const char *const *argv, char *err, size_t errlen);

/*
 * For handlers: PLM_EINVAL and "usage: USAGE" in err unless the request
 * has between min and max arguments.  USAGE names the command too, as in
 * "show DOM [-j]".
 */
int ctl_request_nargs(const struct ctl_request *req, size_t min, size_t max, const char *usage,
                      char *err, size_t errlen);

/*
 * The arguments of `set DOM [cpu=N] [mem=N] [for=DURATION]` and
 * `set DOM clear`, checked by the client before sending and by the daemon
 * on receipt, so both refuse the same things with the same words.
 */
struct ctl_set {
    const char *domain; /* name or id, as given */
    bool clear;         /* drop any override (no other argument) */
    bool has_cpu, has_mem;
    plm_amt_t cpu;   /* hundredths of a pCPU, > 0 */
    plm_amt_t mem;   /* MiB, > 0 */
    uint64_t for_ms; /* 0: until cleared */
};
/* Longest for= accepted: 30 days. */
#define CTL_SET_FOR_MAX_MS ((uint64_t)30 * 24 * 3600 * 1000)

/*
 * argv[0] is DOM.  0 and *out filled (pointing into argv), or PLM_EINVAL /
 * PLM_EGRAMMAR with a reason in err.
 */
int ctl_set_parse(size_t argc, const char *const *argv, struct ctl_set *out, char *err,
                  size_t errlen);

/*
 * Parse a duration: digits and a unit, "500ms", "90s", "10min", "2h",
 * "1d".  0 and *ms_out, or PLM_EGRAMMAR / PLM_ERANGE (0, or above
 * max_ms).
 */
int ctl_duration_parse(const char *s, uint64_t max_ms, uint64_t *ms_out);

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
