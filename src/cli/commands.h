/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The subcommands of the xenplm command, in the manner of xl: main looks
 * the first argument up in xenplm_commands and hands the rest over.
 */
#ifndef XENPLM_CLI_COMMANDS_H
#define XENPLM_CLI_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit statuses shared by every subcommand. */
#define XENPLM_EXIT_OK 0
#define XENPLM_EXIT_FAILURE 1 /* the work could not be done (memory, I/O) */
#define XENPLM_EXIT_USAGE 2   /* bad options or bad input */

/*
 * A subcommand receives its own name in argv[0] and its arguments after
 * it, and returns an exit status.  It prints its own messages.
 */
typedef int xenplm_command_fn(int argc, char **argv);

struct xenplm_command {
    const char *name;
    xenplm_command_fn *fn;
    const char *summary; /* one line, for `xenplm --help` */
    /* Arguments, after "xenplm NAME "; NULL for the daemon's commands,
     * whose usage is the daemon's own (protocol/ctl_wire.h). */
    const char *usage;
    const char *help; /* description and options, for `xenplm help NAME` */
    bool json;        /* takes -j/--json, which may also come before NAME */
};

extern const struct xenplm_command xenplm_commands[];
extern const size_t xenplm_ncommands;

/* The command called name, or NULL. */
const struct xenplm_command *xenplm_command_find(const char *name);

/* "usage: xenplm NAME USAGE" on one line. */
void xenplm_usage_line(FILE *fp, const struct xenplm_command *cmd);

/* The usage line, a blank line and the command's help text. */
void xenplm_command_help(FILE *fp, const struct xenplm_command *cmd);

/*
 * For a subcommand's bad invocation: "xenplm NAME: MESSAGE", then the
 * usage line, both on stderr.  Returns XENPLM_EXIT_USAGE.
 */
int xenplm_usage_error(const struct xenplm_command *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

int cmd_arbitrate(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_pool(int argc, char **argv);
int cmd_reload(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_policy_check(int argc, char **argv);

#endif
