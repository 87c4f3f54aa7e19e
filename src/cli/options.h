/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A subcommand's options, parsed the same way by every subcommand:
 * getopt_long kept quiet, so that every message starts "xenplm NAME:",
 * -h/--help printing the command's help, and a faulty option reported as
 * a usage error that names it.
 */
#ifndef XENPLM_CLI_OPTIONS_H
#define XENPLM_CLI_OPTIONS_H

#include <getopt.h>

#include "cli/commands.h"

/*
 * Called for every other option getopt_long returns, with its value (NULL
 * when it takes none).  Returns 0 to go on, or the exit status to return
 * at once.
 */
typedef int xenplm_option_fn(void *ctx, int opt, const char *arg);

/*
 * Parse the options of argv[1..argc) with optstring (which starts with
 * ':' and has 'h') and longopts.  Returns -1 to go on, with the operands
 * at argv[optind .. argc), or the exit status to return at once: fn's,
 * XENPLM_EXIT_OK after the help, XENPLM_EXIT_USAGE after a usage error.
 */
int xenplm_options(const struct xenplm_command *cmd, int argc, char **argv, const char *optstring,
                   const struct option *longopts, xenplm_option_fn *fn, void *ctx);

#endif
