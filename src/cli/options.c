/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Subcommand options: see options.h.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"

/*
 * The usage error for what getopt_long returned c on (':' for a missing
 * value, '?' for the rest); arg is the word of the command line at fault.
 */
static int bad_option(const struct xenplm_command *cmd, const struct option *longopts, int c,
                      const char *arg)
{
    size_t len;
    int matches = 0;

    if (strncmp(arg, "--", 2) != 0) {
        if (c == ':')
            return xenplm_usage_error(cmd, "option '-%c' needs a value", optopt);
        return xenplm_usage_error(cmd, "unknown option '-%c'", optopt);
    }
    len = strcspn(arg + 2, "=");
    if (c == ':')
        return xenplm_usage_error(cmd, "option '%.*s' needs a value", (int)len + 2, arg);
    /* getopt sets optopt for a known option given a value it does not
     * take ("--json=1"), and leaves it 0 for unknown or ambiguous names. */
    if (optopt != 0)
        return xenplm_usage_error(cmd, "option '%.*s' takes no value", (int)len + 2, arg);
    for (const struct option *o = longopts; o->name; o++) {
        if (strncmp(o->name, arg + 2, len) == 0)
            matches++;
    }
    if (matches > 1)
        return xenplm_usage_error(cmd, "ambiguous option '%.*s'", (int)len + 2, arg);
    return xenplm_usage_error(cmd, "unknown option '%.*s'", (int)len + 2, arg);
}

int xenplm_options(const struct xenplm_command *cmd, int argc, char **argv, const char *optstring,
                   const struct option *longopts, xenplm_option_fn *fn, void *ctx)
{
    int c, rc;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            xenplm_command_help(stdout, cmd);
            return XENPLM_EXIT_OK;
        case ':':
        case '?':
            /* optind has moved past the faulty word. */
            return bad_option(cmd, longopts, c, argv[optind - 1]);
        default:
            rc = fn(ctx, c, optarg);
            if (rc != 0)
                return rc;
        }
    }
    return -1;
}
