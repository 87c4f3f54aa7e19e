/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenplm: the operator's command.  main only dispatches; each subcommand
 * lives in its own cmd_*.c file and is listed in the table below.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

const struct xenplm_command xenplm_commands[] = {
    {
        .name = "arbitrate",
        .fn = cmd_arbitrate,
        .summary = "share a pool among the domains of a request file",
        /* Broken over lines so that it reads in 80 columns. */
        .usage = "--total N [--minimum M] [--unit U]\n"
                 "         [--mode levelling|proportional|max-satisfied]\n"
                 "         [--leftover reserve|split|default=NAME]\n"
                 "         [--raw] [--json] [--trace] [FILE|-]",
        .help = "Share a pool of one resource among the domains listed in FILE (or on\n"
                "standard input when FILE is '-' or absent), by priority level, and\n"
                "print each domain's allocation.\n"
                "\n"
                "Each line of FILE reads 'NAME Q1 Q2 ... Qk [min=X] [max=Y]': the\n"
                "cumulative amounts the domain asks for at levels 1..k (at most 16),\n"
                "and its policy minimum and maximum.  '#' starts a comment.\n"
                "\n"
                "Options:\n"
                "  --total N        the pool to share (required)\n"
                "  --minimum M      minimal allotment of every domain (default 1)\n"
                "  --unit U         granularity of the rounded allocations (default 1)\n"
                "  --mode MODE      how the level the pool cannot cover is shared:\n"
                "                   levelling (default), proportional, max-satisfied\n"
                "  --leftover RULE  what happens to what nobody asked for: reserve\n"
                "                   (default), split, or default=NAME to give it to NAME\n"
                "  --raw            print exact allocations instead of rounded ones\n"
                "  --json           print the full result as a JSON document\n"
                "  --trace          show every step of the walk, a column per step\n"
                "  -h, --help       show this help\n",
    },
    {
        .name = "help",
        .fn = cmd_help,
        .summary = "show the commands, or the options of one command",
        .usage = "[COMMAND]",
        .help = "Without COMMAND, list the commands; with it, describe COMMAND.\n",
    },
};

const size_t xenplm_ncommands = sizeof(xenplm_commands) / sizeof(xenplm_commands[0]);

const struct xenplm_command *xenplm_command_find(const char *name)
{
    for (size_t i = 0; i < xenplm_ncommands; i++) {
        if (strcmp(xenplm_commands[i].name, name) == 0)
            return &xenplm_commands[i];
    }
    return NULL;
}

void xenplm_usage_line(FILE *fp, const struct xenplm_command *cmd)
{
    fprintf(fp, "usage: xenplm %s %s\n", cmd->name, cmd->usage);
}

int xenplm_usage_error(const struct xenplm_command *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "xenplm %s: ", cmd->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    xenplm_usage_line(stderr, cmd);
    return XENPLM_EXIT_USAGE;
}

static void main_usage(FILE *fp)
{
    fputs("usage: xenplm [-h|--help] [-V|--version] COMMAND [ARGS...]\n", fp);
}

static void main_help(FILE *fp)
{
    main_usage(fp);
    fputs("\nxenplm manages the sharing of resources among Xen domains.\n\nCommands:\n", fp);
    for (size_t i = 0; i < xenplm_ncommands; i++)
        fprintf(fp, "  %-10s  %s\n", xenplm_commands[i].name, xenplm_commands[i].summary);
    fputs("\nRun 'xenplm help COMMAND' for the options of a command.\n", fp);
}

void xenplm_command_help(FILE *fp, const struct xenplm_command *cmd)
{
    xenplm_usage_line(fp, cmd);
    fprintf(fp, "\n%s", cmd->help);
}

int cmd_help(int argc, char **argv)
{
    const struct xenplm_command *self = xenplm_command_find("help");
    const struct xenplm_command *cmd;

    if (argc == 1) {
        main_help(stdout);
        return XENPLM_EXIT_OK;
    }
    if (argc > 2)
        return xenplm_usage_error(self, "too many arguments");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        xenplm_command_help(stdout, self);
        return XENPLM_EXIT_OK;
    }
    cmd = xenplm_command_find(argv[1]);
    if (!cmd) {
        fprintf(stderr, "xenplm help: unknown command '%s'\n", argv[1]);
        return XENPLM_EXIT_USAGE;
    }
    xenplm_command_help(stdout, cmd);
    return XENPLM_EXIT_OK;
}

/* Flush stdout and report a failure to write it (a full disk, a closed
 * pipe): a command whose output was lost must not exit 0. */
static int finish(int status)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("xenplm: cannot write output");
        return status == XENPLM_EXIT_OK ? XENPLM_EXIT_FAILURE : status;
    }
    return status;
}

int main(int argc, char **argv)
{
    const struct xenplm_command *cmd;
    const char *arg;

    if (argc < 2) {
        main_usage(stderr);
        fputs("Run 'xenplm --help' for the list of commands.\n", stderr);
        return XENPLM_EXIT_USAGE;
    }
    arg = argv[1];
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
        main_help(stdout);
        return finish(XENPLM_EXIT_OK);
    }
    if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
        printf("xenplm %s\n", PACKAGE_VERSION);
        return finish(XENPLM_EXIT_OK);
    }
    if (arg[0] == '-') {
        fprintf(stderr, "xenplm: unknown option '%s'\n", arg);
        main_usage(stderr);
        return XENPLM_EXIT_USAGE;
    }
    cmd = xenplm_command_find(arg);
    if (!cmd) {
        fprintf(stderr, "xenplm: unknown command '%s'\n", arg);
        fputs("Run 'xenplm --help' for the list of commands.\n", stderr);
        return XENPLM_EXIT_USAGE;
    }
    return finish(cmd->fn(argc - 1, argv + 1));
}
