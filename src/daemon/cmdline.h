/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What xenplmd and xenplmd-sim share of their command lines and signals:
 * the options both take (-F -v -f -s --schema --metrics-dir --state-dir -h
 * -V), parsed in one
 * place, and the handlers that turn SIGTERM, SIGINT and SIGHUP into
 * requests to the loop.  Each program hands its own options to the
 * parser; neither links the other's host port.
 */
#ifndef XENPLM_DAEMON_CMDLINE_H
#define XENPLM_DAEMON_CMDLINE_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "daemon/daemon.h"

/* Options of a program's own, beyond the shared ones. */
#define DMN_CMDLINE_EXTRA_MAX 8

struct dmn_cmdline {
    /* Set by the program before parsing. */
    const char *prog;           /* for --version and messages */
    void (*usage)(FILE *out);   /* the program's --help text */
    const struct option *extra; /* its own long options, nextra of them */
    size_t nextra;              /* at most DMN_CMDLINE_EXTRA_MAX */
    const char *extra_short;    /* its own short options ("n" for -n), or "" */
    /* Its own option c with its argument: 0, or 2 after saying why. */
    int (*take)(void *ctx, int c, const char *arg);
    void *ctx;
    /* Filled by the parser; opt keeps what the program set as defaults. */
    struct dmn_options opt;
    bool foreground, verbose;
    int next_arg; /* the first argument after the options */
};

/*
 * Parse argv: -1 when the program should run (leftover arguments from
 * cl->next_arg on), else the status to exit with: 0 after --help or
 * --version, 2 for a bad command line (the reason and the usage on
 * stderr).
 */
int dmn_cmdline_parse(struct dmn_cmdline *cl, int argc, char **argv);

/* SIGTERM, SIGINT: stop; SIGHUP: reload; SIGPIPE ignored (a write to a
 * closed pipe or socket fails with EPIPE instead, which the loop handles). */
void dmn_install_signals(void);

#endif
