/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control protocol between `xenplm` and xenplmd: its wire format, the
 * parsers both sides share, and the commands with their arguments and
 * usage (xenplmd(8), CONTROL PROTOCOL).  Pure C, no I/O: the server is
 * daemon/control.c, the client cli/client.c.
 *
 * A unix stream socket carries one request per connection, answered then
 * closed:
 *
 *   request   one line, "XENPLM/1 COMMAND [ARG ...]\n": printable ASCII,
 *             fields separated by single spaces, at most CTL_MAX_ARGS
 *             arguments of at most CTL_ARG_MAX bytes, CTL_REQUEST_MAX bytes
 *             in all (the newline included)
 *   response  "ok\n" followed by the body, or "error: MESSAGE\n" alone;
 *             the server then closes the connection
 */
#ifndef XENPLM_PROTOCOL_CTL_WIRE_H
#define XENPLM_PROTOCOL_CTL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
 * The commands the daemon answers.  Both sides take the number of
 * arguments and the usage from here, so that `xenplm help` and the
 * daemon's "usage:" errors say the same thing.
 */
struct ctl_command_spec {
    const char *name;
    size_t min_args, max_args; /* after the command, --json/-j not counted */
    bool json;                 /* the body has a JSON form (-j) */
    /* The arguments after the name; alternative forms on separate lines. */
    const char *usage;
};
extern const struct ctl_command_spec ctl_commands[];
extern const size_t ctl_ncommands;

/* The command called name, or NULL. */
const struct ctl_command_spec *ctl_command_find(const char *name);

/*
 * The usage of spec into buf: each form as PREFIX NAME ARGS SUFFIX, forms
 * joined by sep.  Returns the length, or PLM_ERANGE when buf is too small
 * (then it holds what fitted).
 */
int ctl_command_usage(const struct ctl_command_spec *spec, const char *prefix, const char *suffix,
                      const char *sep, char *buf, size_t buflen);

/* PLM_EINVAL and "usage: ..." (forms joined by " | ") in err unless the
 * request has the number of arguments spec allows. */
int ctl_request_check(const struct ctl_request *req, const struct ctl_command_spec *spec, char *err,
                      size_t errlen);

#endif
